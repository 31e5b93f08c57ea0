#include "sirocco/runtime/server_runner.hpp"

#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <random>
#include <system_error>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include "server_listeners.hpp"
#include "sirocco/coap/codec.hpp"
#include "sirocco/lwm2m/builtin_models.hpp"
#include "sirocco/lwm2m/ddf.hpp"
#include "sirocco/runtime/metrics.hpp"
#include "sirocco/runtime/server_uri.hpp"
#include "sirocco/server/sqlite_observation_store.hpp"
#include "sirocco/server/sqlite_registration_store.hpp"

namespace sirocco::runtime {

namespace {

std::string code_text(coap::code c) {
    char b[8];
    std::snprintf(b, sizeof b, "%u.%02u", c.cls(), c.detail());
    return b;
}

std::string failure_text(server::failure f) {
    return std::string(server::failure_name(f));
}

std::string object_links_text(const server::object_list& l) {
    return server::format_object_list(l);
}

/// "udp://1.2.3.4:5683" or "udp://[::1]:5683" -> the address; nullopt when
/// the text is not of that form.
std::optional<udp_address> parse_address_text(std::string_view t) {
    constexpr std::string_view scheme = "udp://";
    if (t.substr(0, scheme.size()) != scheme) return std::nullopt;
    return parse_udp_address(t.substr(scheme.size()));
}

}  // namespace

std::uint32_t server_runner::rng(void* ctx) noexcept {
    auto* self = static_cast<server_runner*>(ctx);
    std::uint32_t x = self->rng_state_;  // xorshift32, seeded from random_device
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    self->rng_state_ = x;
    return x;
}

server_runner::server_runner(asio::io_context& core, const server_runner_options& opts,
                             server_log& log)
    : core_(core), opts_(opts), log_(log), timer_(core) {
    std::random_device rd;
    rng_state_ = rd();
    if (rng_state_ == 0) rng_state_ = 0x9e3779b9u;
}

server_runner::~server_runner() {
    if (socket_) socket_->close();
    stop_listeners();
    for (auto& l : mqtt_)
        if (l.link) l.link->close();
    // Pending completions are dropped with the runner: stop() (run on the
    // core before destruction) has answered them with failure::cancelled.
}

result<std::unique_ptr<server_runner>> server_runner::create(asio::io_context& core,
                                                             const server_runner_options& opts,
                                                             server_log& log) {
    std::unique_ptr<server_runner> r(new server_runner(core, opts, log));

    // Object models: the built-ins, plus a DDF folder in front of them.
    if (!opts.models_dir.empty()) {
        r->model_store_ = std::make_unique<lwm2m::model_store>();
        auto report = lwm2m::load_ddf_folder(opts.models_dir, *r->model_store_);
        if (!report.errors.empty()) {
            static thread_local std::string reason;
            const auto& e = report.errors.front();
            reason = "--models: " + e.file + ":" + std::to_string(e.line) + ": " + e.message;
            return unexpected(errc::invalid_argument, reason.c_str());
        }
        r->model_store_->set_fallback(&lwm2m::builtin_provider());
        r->models_ = r->model_store_.get();
        log.write(log_level::info, "models_loaded",
                  {{"dir", opts.models_dir}, {"objects", std::to_string(r->model_store_->size())}});
    } else {
        r->models_ = &lwm2m::builtin_provider();
    }

    // Stores.
    if (opts.store == store_kind::sqlite) {
        std::error_code ec;
        std::filesystem::create_directories(opts.data_dir, ec);
        if (ec) {
            static thread_local std::string reason;
            reason = "--data-dir: cannot create " + opts.data_dir + ": " + ec.message();
            return unexpected(errc::io_error, reason.c_str());
        }
        std::string file = (std::filesystem::path(opts.data_dir) / "sirocco.db").string();
        auto s = server::sqlite_registration_store::open(file);
        if (!s) return unexpected(s.error());
        r->reg_store_ = std::move(*s);
        auto o = server::sqlite_observation_store::open(file);
        if (!o) return unexpected(o.error());
        r->obs_store_ = std::move(*o);
        auto sec = open_security_store(opts, file);
        if (!sec) return unexpected(sec.error());
        r->sec_store_ = std::move(*sec);
        log.write(log_level::info, "store_opened", {{"kind", "sqlite"}, {"file", file}});
    } else {
        r->reg_store_ = std::make_unique<server::memory_registration_store>();
        r->obs_store_ = std::make_unique<server::memory_observation_store>();
        auto sec = open_security_store(opts, {});
        if (!sec) return unexpected(sec.error());
        r->sec_store_ = std::move(*sec);
        log.write(log_level::info, "store_opened", {{"kind", "memory"}});
    }

    for (const auto& e : r->sec_store_->list())
        r->secured_.insert(e.endpoint);

    server::server_config cfg;
    cfg.coap.rng = &server_runner::rng;
    cfg.coap.rng_ctx = r.get();
    cfg.expiry_grace_ms = static_cast<time_ms>(opts.lifetime_grace.count());
    cfg.queue_awake_ms = static_cast<time_ms>(opts.queue_awake.count());
    // Who may be whom (issue 8): called inside engine calls, lock held.
    server_runner* self = r.get();
    cfg.authorize = [self](coap::peer_id p, std::string_view ep) { return self->authorize(p, ep); };
    r->engine_ =
        std::make_unique<server::server_engine>(cfg, *r->reg_store_, *r->obs_store_, r->models_);
    return r;
}

result<void> server_runner::start() {
    error_code ec;
    auto ip = asio::ip::make_address(opts_.coap_address, ec);
    if (ec) return unexpected(errc::invalid_argument, "--coap-address: not an IP address");
    socket_ = std::make_unique<udp_endpoint>(core_);
    socket_->set_accept_unknown(true);
    SIROCCO_TRY(socket_->open(udp_address(ip, opts_.coap_port),
                              [this](coap::peer_id p, bytes_view b) { on_datagram(p, b); }));
    bound_port_ = socket_->local_address().port();
    if (opts_.udp_buffer_bytes > 0) {
        if (auto b = socket_->set_buffer_sizes(opts_.udp_buffer_bytes, opts_.udp_buffer_bytes); !b)
            log_.write(
                log_level::warn, "udp_buffer_not_set",
                {{"bytes", std::to_string(opts_.udp_buffer_bytes)}, {"reason", b.error().reason}});
    }
    log_.write(log_level::info, "listening",
               {{"transport", "udp"},
                {"address", opts_.coap_address},
                {"port", std::to_string(bound_port_.load())}});
    SIROCCO_TRY(start_listeners());
    SIROCCO_TRY(start_mqtt());

    // Peers of stored registrations (after a restart): their observations
    // and requests work before the client is heard from again.
    std::unique_lock<std::mutex> lock(mx_);
    time_ms t = clock_.now();
    auto stored = reg_store_->list();
    registration_count_ = stored.size();
    if (metrics_) metrics_->set_registrations(registration_count_);
    std::size_t resumed = 0;
    for (const auto& reg : stored) {
        if (is_mqtt_uri(reg.address)) {
            // "mqtt://host:port/root/ep": the peer of that listener's topic.
            for (std::size_t i = 0; i < mqtt_.size(); ++i) {
                const auto& base = mqtt_[i].base;
                if (reg.address.size() > base.size() &&
                    reg.address.compare(0, base.size(), base) == 0 &&
                    reg.address.substr(base.size()) == reg.endpoint) {
                    bool fresh = mqtt_ids_.count({i, reg.endpoint}) == 0;
                    (void)mqtt_peer(i, reg.endpoint, t);
                    if (fresh) ++resumed;
                    break;
                }
            }
            continue;
        }
        auto a = parse_address_text(reg.address);
        if (!a || a->address().is_v6() != ip.is_v6()) continue;
        auto p = socket_->peers().add(*a);
        if (engine_peers_.count(p.value()) != 0) continue;
        if (engine_->open_peer(p, coap::framing::datagram, address_text(p), t)) {
            engine_peers_.insert(p.value());
            ++resumed;
        }
    }
    log_.write(log_level::info, "coap_listening",
               {{"address", opts_.coap_address},
                {"port", std::to_string(bound_port_.load())},
                {"stored_registrations", std::to_string(stored.size())},
                {"peers_resumed", std::to_string(resumed)},
                {"stored_observations", std::to_string(obs_store_->list().size())}});
    pump(lock);
    return {};
}

void server_runner::stop() {
    asio::post(core_, [this] {
        if (stopped_.exchange(true)) return;
        std::unique_lock<std::mutex> lock(mx_);
        time_ms t = clock_.now();
        std::vector<std::uint64_t> handles;
        for (const auto& [h, p] : pending_)
            handles.push_back(h);
        for (auto h : handles)
            engine_->cancel(h, t);
        pump(lock);
        timer_.cancel();
        if (socket_) socket_->close();
        stop_listeners();
        for (auto& l : mqtt_)
            if (l.link) l.link->close();
        mqtt_up_ = 0;
        log_.write(log_level::info, "coap_stopped");
    });
}

std::string server_runner::address_text(coap::peer_id p) const {
    if (auto it = mqtt_peers_.find(p.value()); it != mqtt_peers_.end()) return it->second.address;
    if (auto it = links_.find(p.value()); it != links_.end()) return it->second.address;
    auto a = socket_ ? socket_->peers().address(p) : std::nullopt;
    if (!a) return "udp://unknown";
    std::string host = a->address().to_string();
    if (a->address().is_v6()) host = "[" + host + "]";
    return "udp://" + host + ":" + std::to_string(a->port());
}

result<void> server_runner::start_mqtt() {
    for (std::size_t i = 0; i < opts_.mqtt_uris.size(); ++i) {
        const std::string& uri = opts_.mqtt_uris[i];
        auto t = parse_mqtt_target(uri);
        if (!t) return unexpected(errc::invalid_argument, "--mqtt: not an mqtt:// or mqtts:// URI");
        std::string host = t->host.find(':') != std::string::npos ? "[" + t->host + "]" : t->host;
        mqtt_listener l;
        l.root = t->root;
        l.base = std::string(t->tls ? "mqtts://" : "mqtt://") + host + ":" +
                 std::to_string(t->port) + "/" + t->root;
        mqtt_options o;
        o.host = t->host;
        o.port = t->port;
        o.client_id = opts_.mqtt_client_id.empty() ? "sirocco-server-" + std::to_string(::getpid())
                                                   : opts_.mqtt_client_id;
        if (opts_.mqtt_uris.size() > 1) o.client_id += "-" + std::to_string(i + 1);
        o.keep_alive_s = opts_.mqtt_keep_alive_s;
        o.username = opts_.mqtt_username;
        o.password = opts_.mqtt_password;
        o.tls.enabled = t->tls;
        o.tls.ca_file = opts_.mqtt_ca_file;
        o.tls.cert_file = opts_.mqtt_cert_file;
        o.tls.key_file = opts_.mqtt_key_file;
        o.tls.insecure = opts_.mqtt_insecure;
        o.reconnect_min_ms = opts_.mqtt_reconnect_min_ms;
        o.reconnect_max_ms = opts_.mqtt_reconnect_max_ms;
        l.link = std::make_unique<mqtt_link>(core_, o);
        std::string filter =
            opts_.mqtt_share_group.empty()
                ? t->root + "+/deviceToServer"
                : "$share/" + opts_.mqtt_share_group + "/" + t->root + "+/deviceToServer";
        SIROCCO_TRY(l.link->subscribe(filter));
        std::string base = l.base;
        l.link->on_connect([this, base, filter] {
            ++mqtt_up_;
            log_.write(log_level::info, "mqtt_connected",
                       {{"broker", base}, {"subscribed", filter}});
        });
        l.link->on_disconnect([this, base](bool was, std::string_view reason) {
            if (was && mqtt_up_ > 0) --mqtt_up_;
            log_.write(log_level::warn, was ? "mqtt_connection_lost" : "mqtt_connect_failed",
                       {{"broker", base}, {"reason", std::string(reason)}, {"retry", "back-off"}});
        });
        l.link->on_message(
            [this, i](std::string_view topic, bytes_view b) { on_mqtt_message(i, topic, b); });
        mqtt_.push_back(std::move(l));
    }
    for (auto& l : mqtt_)
        SIROCCO_TRY(l.link->start());
    return {};
}

coap::peer_id server_runner::mqtt_peer(std::size_t li, const std::string& ep, time_ms t) {
    auto key = std::make_pair(li, ep);
    if (auto it = mqtt_ids_.find(key); it != mqtt_ids_.end()) return coap::peer_id(it->second);
    std::uint32_t id = next_mqtt_peer_++;
    mqtt_ids_[key] = id;
    mqtt_peer_info info;
    info.listener = li;
    info.endpoint = ep;
    info.downlink = mqtt_downlink_topic(mqtt_[li].root, ep);
    info.address = mqtt_[li].base + ep;
    mqtt_peers_[id] = info;
    coap::peer_id p(id);
    if (engine_->open_peer(p, coap::framing::compact, info.address, t, ep))
        engine_peers_.insert(id);
    return p;
}

void server_runner::on_mqtt_message(std::size_t li, std::string_view topic, bytes_view b) {
    if (stopped_) return;
    const std::string& root = mqtt_[li].root;
    static constexpr std::string_view suffix = "/deviceToServer";
    if (topic.size() <= root.size() + suffix.size() || topic.substr(0, root.size()) != root ||
        topic.substr(topic.size() - suffix.size()) != suffix)
        return;
    std::string ep(topic.substr(root.size(), topic.size() - root.size() - suffix.size()));
    if (!check_mqtt_endpoint(ep)) return;  // never a topic level of its own
    std::unique_lock<std::mutex> lock(mx_);
    time_ms t = clock_.now();
    coap::peer_id p = mqtt_peer(li, ep, t);
    auto dropped_before = engine_->counters().coap_dropped;
    auto r = engine_->on_receive(p, b, t);
    bool dropped = !r || engine_->counters().coap_dropped != dropped_before;
    if (dropped && metrics_) metrics_->coap_dropped();
    if (dropped && garbage_logged_.insert(p.value()).second) {
        log_.write(log_level::warn, "coap_dropped",
                   {{"peer", address_text(p)},
                    {"bytes", std::to_string(b.size())},
                    {"reason",
                     r ? std::string("not a valid CoAP message") : std::string(r.error().reason)},
                    {"note", "further bad messages from this peer are not logged"}});
    }
    pump(lock);
}

void server_runner::on_datagram(coap::peer_id p, bytes_view b) {
    if (stopped_) return;
    std::unique_lock<std::mutex> lock(mx_);
    time_ms t = clock_.now();
    if (engine_peers_.count(p.value()) == 0) {
        if (engine_->open_peer(p, coap::framing::datagram, address_text(p), t))
            engine_peers_.insert(p.value());
    }
    auto dropped_before = engine_->counters().coap_dropped;
    auto r = engine_->on_receive(p, b, t);
    bool dropped = !r || engine_->counters().coap_dropped != dropped_before;
    if (dropped && metrics_) metrics_->coap_dropped();
    if (dropped && garbage_logged_.insert(p.value()).second) {
        log_.write(log_level::warn, "coap_dropped",
                   {{"peer", address_text(p)},
                    {"bytes", std::to_string(b.size())},
                    {"reason",
                     r ? std::string("not a valid CoAP message") : std::string(r.error().reason)},
                    {"note", "further bad datagrams from this peer are not logged"}});
    }
    pump(lock);
}

void server_runner::on_timer() {
    if (stopped_) return;
    std::unique_lock<std::mutex> lock(mx_);
    armed_.reset();
    engine_->on_timer(clock_.now());
    pump(lock);
}

void server_runner::arm_timer() {
    auto d = engine_->next_deadline();
    if (d == armed_) return;
    armed_ = d;
    timer_.cancel();
    if (!d || stopped_) return;
    timer_.expires_at(clock_.to_steady(*d));
    timer_.async_wait([this, deadline = *d](const error_code& ec) {
        if (ec || armed_ != deadline) return;
        if (clock_.now() < deadline) {  // rounding: never fire early
            armed_.reset();
            std::unique_lock<std::mutex> lock(mx_);
            arm_timer();
            return;
        }
        on_timer();
    });
}

void server_runner::pump(std::unique_lock<std::mutex>& lock) {
    std::vector<server::event> events;
    for (int round = 0; round < 1000; ++round) {
        bool any = false;
        while (auto e = engine_->poll_event()) {
            any = true;
            if (e->kind == server::event_kind::request) {
                if (opts_.request_handler && opts_.request_handler(*e, *engine_, clock_.now()))
                    continue;
                // Requests the engine leaves to the runtime: none is served
                // here (Send is the engine's): 4.04.
                static constexpr std::string_view msg = "no such resource on this server";
                (void)engine_->respond(
                    e->request, coap::code(4, 4),
                    bytes_view(reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()),
                    clock_.now());
                std::string path;
                for (const auto& s : e->uri_path)
                    path += "/" + s;
                log_.write(log_level::warn, "coap_request_refused",
                           {{"peer", address_text(e->peer)},
                            {"code", code_text(e->code)},
                            {"path", path.empty() ? "/" : path},
                            {"answer", "4.04"}});
                continue;
            }
            if (e->kind == server::event_kind::sleeping) sleeping_.insert(e->reg.endpoint);
            if (e->kind == server::event_kind::awake) sleeping_.erase(e->reg.endpoint);
            if (e->kind == server::event_kind::deregistered ||
                e->kind == server::event_kind::expired || e->kind == server::event_kind::replaced)
                sleeping_.erase(e->reg.endpoint);
            // Listeners (the REST API's event stream) type notification
            // and Send values with the registration's object versions.
            if ((e->kind == server::event_kind::notification ||
                 e->kind == server::event_kind::send) &&
                e->reg.endpoint.empty()) {
                if (auto reg = reg_store_->find_by_endpoint(e->endpoint)) e->reg = std::move(*reg);
            }
            count_event(*e);
            events.push_back(std::move(*e));
        }
        while (auto tx = engine_->poll_transmit(mutable_bytes(tx_.data(), tx_.size()))) {
            any = true;
            bytes_view d(tx_.data(), tx->size);
            auto mp = mqtt_peers_.find(tx->peer.value());
            // Refusals (4.xx / 5.xx answers to clients) are logged once each;
            // 4.03 (who may be whom) is logged from the engine's `refused`
            // event instead, once per peer and endpoint (log_refusal).
            if (auto m = coap::decode(d, framing_of(tx->peer.value()));
                m && m->code.is_response() && m->code.cls() >= 4 &&
                m->code != coap::codes::forbidden) {
                log_.write(log_level::warn, "coap_request_refused",
                           {{"peer", address_text(tx->peer)},
                            {"answer", code_text(m->code)},
                            {"reason", std::string(reinterpret_cast<const char*>(m->payload.data()),
                                                   m->payload.size())}});
            }
            if (mp != mqtt_peers_.end()) {
                // QoS 0, retain 0 on the device's downlink; while the broker
                // is away it is lost (the request times out).
                auto& l = mqtt_[mp->second.listener];
                if (l.link) (void)l.link->publish(mp->second.downlink, d, 0);
                continue;
            }
            if (send_link(tx->peer.value(), d)) continue;
            if (socket_ && socket_->is_open()) (void)socket_->send(tx->peer, d);
        }
        if (!any) break;
    }
    arm_timer();
    lock.unlock();
    for (const auto& e : events)
        log_event(e);
    dispatch(events);
    lock.lock();
}

void server_runner::count_event(const server::event& e) {
    using k = server::event_kind;
    switch (e.kind) {
        case k::registered:
            ++registration_count_;
            break;
        case k::deregistered:
        case k::expired:
        case k::replaced:
            if (registration_count_ > 0) --registration_count_;
            break;
        default:
            break;
    }
    if (!metrics_) return;
    switch (e.kind) {
        case k::registered:
            metrics_->registration_event("registered");
            break;
        case k::updated:
            metrics_->registration_event("updated");
            break;
        case k::deregistered:
            metrics_->registration_event("deregistered");
            break;
        case k::expired:
            metrics_->registration_event("expired");
            break;
        case k::notification:
            metrics_->notification();
            break;
        case k::send:
            metrics_->send_received();
            break;
        default:
            break;
    }
    metrics_->set_registrations(registration_count_);
}

void server_runner::log_event(const server::event& e) {
    using k = server::event_kind;
    const auto& r = e.reg;
    switch (e.kind) {
        case k::registered:
            log_.write(log_level::info, "registered",
                       {{"ep", r.endpoint},
                        {"id", r.id},
                        {"addr", r.address},
                        {"lwm2m", r.lwm2m_version},
                        {"lt", std::to_string(r.lifetime_s)},
                        {"b", r.binding},
                        {"queue", r.queue_mode ? "true" : "false"},
                        {"objects", object_links_text(r.objects)}});
            break;
        case k::updated:
            log_.write(log_level::info, "updated",
                       {{"ep", r.endpoint},
                        {"id", r.id},
                        {"addr", r.address},
                        {"lt", std::to_string(r.lifetime_s)}});
            break;
        case k::deregistered:
            log_.write(log_level::info, "deregistered", {{"ep", r.endpoint}, {"id", r.id}});
            break;
        case k::expired:
            log_.write(log_level::info, "expired",
                       {{"ep", r.endpoint}, {"id", r.id}, {"lt", std::to_string(r.lifetime_s)}});
            break;
        case k::replaced:
            log_.write(log_level::info, "replaced",
                       {{"ep", r.endpoint}, {"old_id", r.id}, {"addr", r.address}});
            break;
        case k::notification:
            log_.write(log_level::debug, "notification",
                       {{"ep", e.endpoint},
                        {"observation", e.obs ? e.obs->id : std::string()},
                        {"records", std::to_string(e.result.records.size())}});
            break;
        case k::send:
            log_.write(log_level::info, "send",
                       {{"ep", e.endpoint}, {"records", std::to_string(e.result.records.size())}});
            break;
        case k::sleeping:
            log_.write(log_level::info, "sleeping", {{"ep", r.endpoint}});
            break;
        case k::awake:
            log_.write(log_level::info, "awake", {{"ep", r.endpoint}});
            break;
        case k::observation_cancelled:
            log_.write(log_level::info, "observation_cancelled",
                       {{"ep", e.endpoint}, {"observation", e.obs ? e.obs->id : std::string()}});
            break;
        case k::refused:
            log_refusal(e);
            break;
        case k::response:
        case k::request:
            break;
    }
}

void server_runner::dispatch(std::vector<server::event>& events) {
    for (auto& e : events) {
        if (e.kind == server::event_kind::response) {
            pending p;
            {
                std::lock_guard<std::mutex> lock(mx_);
                auto it = pending_.find(e.handle);
                if (it == pending_.end()) continue;
                p = std::move(it->second);
                pending_.erase(it);
            }
            auto latency = std::chrono::duration<double, std::milli>(
                               std::chrono::steady_clock::now() - p.started)
                               .count();
            std::string outcome = e.result.fail != server::failure::none
                                      ? failure_text(e.result.fail)
                                      : std::string(lwm2m::to_string(e.result.code));
            char ms[32];
            std::snprintf(ms, sizeof ms, "%.1f", latency);
            log_.write(e.result.fail == server::failure::none ? log_level::info : log_level::warn,
                       "request",
                       {{"ep", p.endpoint},
                        {"op", p.operation},
                        {"outcome", outcome},
                        {"latency_ms", ms},
                        {"error", e.result.error}});
            if (metrics_)
                metrics_->request_done(p.operation, request_outcome(e.result), latency / 1000.0);
            if (p.done) p.done(std::move(e.result));
            continue;
        }
        std::lock_guard<std::recursive_mutex> lock(listeners_mx_);
        auto copy = listeners_;
        for (auto& [id, l] : copy)
            if (listeners_.count(id) != 0) l(e);
    }
}

// --- device_manager ---------------------------------------------------------

std::vector<server::registration> server_runner::registrations() const {
    std::lock_guard<std::mutex> lock(mx_);
    return reg_store_->list();
}

std::optional<server::registration> server_runner::find(std::string_view endpoint) const {
    std::lock_guard<std::mutex> lock(mx_);
    return reg_store_->find_by_endpoint(endpoint);
}

std::vector<server::observation> server_runner::observations(std::string_view endpoint) const {
    std::lock_guard<std::mutex> lock(mx_);
    return engine_->observations(endpoint);
}

bool server_runner::sleeping(std::string_view endpoint) const {
    std::lock_guard<std::mutex> lock(mx_);
    return sleeping_.find(endpoint) != sleeping_.end();
}

server::server_engine::stats server_runner::counters() const {
    std::lock_guard<std::mutex> lock(mx_);
    return engine_->counters();
}

void server_runner::submit(std::string endpoint, server::dm_request req,
                           std::chrono::milliseconds timeout, completion done) {
    asio::post(core_, [this, endpoint = std::move(endpoint), req = std::move(req), timeout,
                       done = std::move(done)]() mutable {
        std::unique_lock<std::mutex> lock(mx_);
        if (stopped_) {
            lock.unlock();
            server::response r;
            r.fail = server::failure::cancelled;
            r.error = "the server is shutting down";
            if (done) done(std::move(r));
            return;
        }
        pending p;
        p.done = std::move(done);
        p.endpoint = endpoint;
        p.operation = std::string(server::operation_name(req));
        p.started = std::chrono::steady_clock::now();
        time_ms t = clock_.now();
        auto ms = timeout.count() < 0 ? 0 : static_cast<time_ms>(timeout.count());
        auto h = engine_->send(endpoint, std::move(req), ms, t);
        pending_.emplace(h, std::move(p));
        pump(lock);
    });
}

std::uint64_t server_runner::subscribe(listener l) {
    std::lock_guard<std::recursive_mutex> lock(listeners_mx_);
    auto id = next_listener_++;
    listeners_.emplace(id, std::move(l));
    return id;
}

void server_runner::unsubscribe(std::uint64_t id) {
    std::lock_guard<std::recursive_mutex> lock(listeners_mx_);
    listeners_.erase(id);
}

}  // namespace sirocco::runtime
