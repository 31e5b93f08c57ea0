// The LwM2M client engine: registration state machine per server, the CoAP
// edge (one decode of each request into one data_model operation), observe
// and notifications, Send, queue mode. See engine.hpp.
#include "sirocco/client/engine.hpp"

#include <algorithm>
#include <cstring>

#include "sirocco/coap/options.hpp"
#include "sirocco/codec/codec.hpp"

namespace sirocco::client {

namespace {

using coap::message;
using coap::message_builder;
namespace codes = coap::codes;
namespace opt = coap::opt;

constexpr std::uint16_t cf_link = 40;
constexpr std::uint16_t cf_opaque = 42;
constexpr std::uint16_t cf_senml_cbor = 112;

// Decimal text of v into out (at least 10 chars); returns the length.
std::size_t put_u32(char* out, std::uint32_t v) noexcept {
    char tmp[10];
    std::size_t n = 0;
    do {
        tmp[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = tmp[n - 1 - i];
    return n;
}

// "name=value" into buf; returns the view.
std::string_view query_param(std::span<char> buf, std::string_view name,
                             std::string_view value) noexcept {
    std::size_t n = 0;
    for (char c : name)
        if (n < buf.size()) buf[n++] = c;
    if (n < buf.size()) buf[n++] = '=';
    for (char c : value)
        if (n < buf.size()) buf[n++] = c;
    return {buf.data(), n};
}

std::string_view query_u32(std::span<char> buf, std::string_view name, std::uint32_t v) noexcept {
    char num[10];
    return query_param(buf, name, {num, put_u32(num, v)});
}

status to_status_code(coap::code c) noexcept {
    return static_cast<status>(c.raw);
}

// Reads one resource of an object straight through its hook (the settings
// of Security and Server are the device's own business: no access control).
std::optional<lwm2m::value> read_res(object* o, std::uint16_t iid, std::uint16_t rid,
                                     mutable_bytes scratch) noexcept {
    if (o == nullptr || !o->has_instance(iid) || o->def().find(rid) == nullptr ||
        !o->has_resource(iid, rid))
        return std::nullopt;
    auto r = o->read(iid, rid, std::nullopt, scratch);
    if (!r) return std::nullopt;
    return *r;
}

std::optional<std::int64_t> read_int(object* o, std::uint16_t iid, std::uint16_t rid,
                                     mutable_bytes scratch) noexcept {
    auto v = read_res(o, iid, rid, scratch);
    if (!v) return std::nullopt;
    auto i = v->as_integer();
    if (!i) return std::nullopt;
    return *i;
}

std::optional<bool> read_bool(object* o, std::uint16_t iid, std::uint16_t rid,
                              mutable_bytes scratch) noexcept {
    auto v = read_res(o, iid, rid, scratch);
    if (!v) return std::nullopt;
    auto b = v->as_boolean();
    if (!b) return std::nullopt;
    return *b;
}

// Collects the paths of a SenML-ETCH payload (Observe-Composite).
struct path_collector final : codec::path_sink {
    std::span<lwm2m::path> out;
    std::size_t n = 0;
    result<void> on_path(const lwm2m::path& p) noexcept override {
        if (n >= out.size())
            return unexpected(errc::capacity_exceeded, "too many paths in Observe-Composite");
        out[n++] = p;
        return {};
    }
};

bool binding_has(std::string_view b, char c) noexcept {
    return b.find(c) != std::string_view::npos;
}

}  // namespace

// ---- construction, events ---------------------------------------------------

client::client(const client_config& cfg, data_model& dm) noexcept
    : endpoint_(cfg.endpoint),
      preferred_format_(cfg.preferred_format),
      work_(cfg.work),
      counters_(cfg.counters),
      dm_(dm),
      coap_(cfg.coap) {
    // The format announced at registration (ct=) is also the one multi-value
    // answers use when the server sends no Accept.
    if (cfg.preferred_format != 0) dm_.set_preferred_format(cfg.preferred_format);
}

mutable_bytes client::body_buf() noexcept {
    if (work_ != nullptr) return work_->body;
    return mutable_bytes(body_.data(), body_.size());
}

mutable_bytes client::scratch_buf() noexcept {
    if (work_ != nullptr) return work_->scratch;
    return mutable_bytes(scratch_.data(), scratch_.size());
}

void client::push(const client_event& e) noexcept {
    if (ev_count_ == events_.size()) return;  // full: the application is not polling
    events_[(ev_head_ + ev_count_) % events_.size()] = e;
    ++ev_count_;
}

std::optional<client_event> client::poll_event() noexcept {
    if (ev_count_ == 0) return std::nullopt;
    client_event e = events_[ev_head_];
    ev_head_ = (ev_head_ + 1) % events_.size();
    --ev_count_;
    return e;
}

client::account* client::find_account(ssid s) noexcept {
    for (auto& a : accounts_)
        if (a.id == s) return &a;
    return nullptr;
}

client::account* client::find_account(coap::peer_id p) noexcept {
    for (auto& a : accounts_)
        if (a.open && a.peer == p) return &a;
    return nullptr;
}

registration_state client::state(ssid server) const noexcept {
    for (const auto& a : accounts_)
        if (a.id == server) return a.st;
    return registration_state::idle;
}

std::size_t client::observation_count() const noexcept {
    return obs_.size();
}

time_ms client::queue_time() const noexcept {
    const auto& c = coap_.cfg();
    // ACK_TIMEOUT * (2^(MAX_RETRANSMIT + 1) - 1) * ACK_RANDOM_FACTOR
    const std::uint64_t span = (std::uint64_t{1} << (c.max_retransmit + 1u)) - 1u;
    return std::uint64_t{c.ack_timeout_ms} * span * c.ack_random_factor_permille / 1000u;
}

time_ms client::update_delay(std::uint32_t lifetime_s) const noexcept {
    const time_ms life = time_ms{lifetime_s} * 1000u;
    time_ms margin = std::max<time_ms>(life / 10u, queue_time());
    margin = std::min<time_ms>(margin, life / 2u);
    return life - margin;
}

// ---- settings -----------------------------------------------------------------

result<void> client::load_settings(account& a) noexcept {
    object* srv = dm_.find(1);
    if (srv == nullptr || !srv->has_instance(a.srv_iid))
        return unexpected(errc::not_found, "Server object instance is gone");
    const std::uint16_t i = a.srv_iid;
    if (auto v = read_int(srv, i, 1, scratch_buf()); v && *v > 0 && *v <= 0xFFFFFFFF)
        a.lifetime = static_cast<std::uint32_t>(*v);
    if (auto v = read_res(srv, i, 7, scratch_buf()); v && v->type() == data_type::string) {
        std::string_view b = v->string();
        a.binding_len = 0;
        for (char c : b)
            if (a.binding_len < a.binding.size()) a.binding[a.binding_len++] = c;
        a.queue = binding_has({a.binding.data(), a.binding_len}, 'Q');
    }
    if (a.binding_len == 0) {
        a.binding[0] = 'U';
        a.binding_len = 1;
    }
    if (auto v = read_bool(srv, i, 23, scratch_buf())) a.mute_send = *v;
    auto u32 = [&](std::uint16_t rid, std::uint32_t& out) {
        if (auto v = read_int(srv, i, rid, scratch_buf()); v && *v >= 0 && *v <= 0xFFFFFFFF)
            out = static_cast<std::uint32_t>(*v);
    };
    u32(17, a.retry_count);
    u32(18, a.retry_timer);
    u32(19, a.seq_delay);
    u32(20, a.seq_retry);
    u32(5, a.disable_timeout);
    if (a.retry_count == 0) a.retry_count = 1;
    if (a.seq_retry == 0) a.seq_retry = 1;
    return {};
}

result<void> client::load_accounts() noexcept {
    object* sec = dm_.find(0);
    object* srv = dm_.find(1);
    if (sec == nullptr || srv == nullptr)
        return unexpected(errc::not_found, "no Security or Server object");
    accounts_.clear();
    const std::size_t n = sec->instance_count();
    for (std::size_t k = 0; k < n; ++k) {
        const std::uint16_t iid = sec->instance_at(k);
        if (read_bool(sec, iid, 1, scratch_buf()).value_or(false)) continue;  // bootstrap server
        auto id = read_int(sec, iid, 10, scratch_buf());
        if (!id || *id <= 0 || *id >= 65535) continue;
        // The Server instance with the same Short Server ID.
        std::optional<std::uint16_t> srv_iid;
        const std::size_t m = srv->instance_count();
        for (std::size_t j = 0; j < m && !srv_iid; ++j) {
            const std::uint16_t sj = srv->instance_at(j);
            if (read_int(srv, sj, 0, scratch_buf()) == id) srv_iid = sj;
        }
        if (!srv_iid) continue;
        if (accounts_.full()) break;
        account a;
        a.id = static_cast<ssid>(*id);
        a.srv_iid = *srv_iid;
        auto uri = read_res(sec, iid, 0, scratch_buf());
        if (!uri || uri->type() != data_type::string || uri->string().size() > a.uri.size())
            continue;
        std::string_view u = uri->string();
        std::memcpy(a.uri.data(), u.data(), u.size());
        a.uri_len = static_cast<std::uint8_t>(u.size());
        if (!load_settings(a)) continue;
        (void)accounts_.push_back(a);
    }
    if (accounts_.empty())
        return unexpected(errc::not_found, "no Security instance with a matching Server instance");
    return {};
}

result<void> client::start(time_ms now) noexcept {
    now_ = now;
    SIROCCO_TRY(load_accounts());
    started_ = true;
    for (auto& a : accounts_) {
        a.st = registration_state::connecting;
        client_event e;
        e.kind = client_event_kind::open_transport;
        e.server = a.id;
        e.uri = {a.uri.data(), a.uri_len};
        push(e);
    }
    return {};
}

result<void> client::resume(std::span<const registration_snapshot> regs, time_ms now) noexcept {
    now_ = now;
    if (started_) return unexpected(errc::not_allowed, "the engine has started already");
    SIROCCO_TRY(load_accounts());
    for (const auto& r : regs)
        if (find_account(r.server) == nullptr)
            return unexpected(errc::not_found, "a snapshot of a server the objects do not name");
    for (auto& a : accounts_) {
        const registration_snapshot* r = nullptr;
        for (const auto& x : regs)
            if (x.server == a.id) r = &x;
        if (r == nullptr || r->loc_len == 0 || r->loc_len > a.loc.size()) continue;
        SIROCCO_TRY(coap_.open_peer(r->peer, r->framing, now));
        if (r->next_message_id) (void)coap_.set_next_message_id(r->peer, *r->next_message_id);
        a.peer = r->peer;
        a.framing = r->framing;
        a.open = true;
        a.st = registration_state::registered;
        a.loc_len = r->loc_len;
        std::memcpy(a.loc.data(), r->loc.data(), r->loc_len);
        a.sent_lifetime = r->sent_lifetime;
        a.sent_binding_len = std::min<std::uint8_t>(r->sent_binding_len, 4);
        a.sent_binding = r->sent_binding;
        a.sent_generation = r->sent_generation;
        a.timer = r->update_due;
        a.last_traffic = now;
        // Settings changed while the engine was away are sent in the Update.
        const bool bind_changed =
            a.binding_len != a.sent_binding_len ||
            std::memcmp(a.binding.data(), a.sent_binding.data(), a.binding_len) != 0;
        if (a.lifetime != a.sent_lifetime || bind_changed) a.update_wanted = true;
    }
    started_ = true;
    for (auto& a : accounts_) {
        if (a.st == registration_state::registered) continue;
        a.st = registration_state::connecting;
        client_event e;
        e.kind = client_event_kind::open_transport;
        e.server = a.id;
        e.uri = {a.uri.data(), a.uri_len};
        push(e);
    }
    pump(now);
    return {};
}

bool client::quiescent(time_ms now) const noexcept {
    if (!started_ || ev_count_ != 0 || fetch_busy_ || obs_.size() != 0) return false;
    for (const auto& s : slots_)
        if (s.used) return false;
    for (const auto& a : accounts_) {
        if (a.st != registration_state::registered && a.st != registration_state::idle)
            return false;
        if (a.op != reg_op::none || a.update_wanted || a.send_busy || a.send_wanted ||
            a.disable_wanted || a.disabling || a.sleeping || a.waking)
            return false;
        if (a.st == registration_state::registered && a.sent_generation != dm_.generation())
            return false;
    }
    return coap_.idle(now);
}

std::optional<registration_snapshot> client::snapshot(ssid server) const noexcept {
    for (const auto& a : accounts_) {
        if (a.id != server || a.st != registration_state::registered || !a.open) continue;
        registration_snapshot r;
        r.server = a.id;
        r.peer = a.peer;
        r.framing = a.framing;
        r.loc_len = a.loc_len;
        r.loc = a.loc;
        r.sent_lifetime = a.sent_lifetime;
        r.sent_binding_len = a.sent_binding_len;
        r.sent_binding = a.sent_binding;
        r.sent_generation = a.sent_generation;
        r.update_due = a.timer;
        r.next_message_id = coap_.next_message_id(a.peer);
        return r;
    }
    return std::nullopt;
}

// ---- transport ----------------------------------------------------------------

result<void> client::transport_open(ssid server, coap::peer_id peer, coap::framing f,
                                    time_ms now) noexcept {
    now_ = now;
    account* a = find_account(server);
    if (a == nullptr) return unexpected(errc::not_found, "no such server account");
    if (!a->open || a->peer != peer) {
        if (a->open) coap_.close_peer(a->peer);
        SIROCCO_TRY(coap_.open_peer(peer, f, now));
    }
    a->peer = peer;
    a->framing = f;
    a->open = true;
    a->last_traffic = now;
    a->sleeping = false;
    if (a->st == registration_state::connecting) begin_register(*a, now);
    pump(now);
    return {};
}

void client::transport_failed(ssid server, time_ms now) noexcept {
    now_ = now;
    account* a = find_account(server);
    if (a == nullptr) return;
    count(&client_counters::transport_failures);
    const bool was_deregistering = a->st == registration_state::deregistering;
    a->op = reg_op::none;
    a->send_busy = false;
    if (a->open) {
        a->open = false;
        coap_.close_peer(a->peer);
    }
    drop_observations(a->id);
    pump(now);
    if (was_deregistering) {
        a->st = registration_state::idle;
        client_event e;
        e.kind = client_event_kind::deregistered;
        e.server = a->id;
        push(e);
        return;
    }
    if (a->st != registration_state::idle && a->st != registration_state::failed)
        reg_failed(*a, now, status::service_unavailable,
                   sirocco::error(errc::io_error, "transport failed"));
}

// ---- input / output -----------------------------------------------------------

result<std::size_t> client::on_receive(coap::peer_id peer, bytes_view bytes, time_ms now) noexcept {
    now_ = now;
    account* a = find_account(peer);
    if (a != nullptr) {
        // Queue mode: the client is not listening (Core TS 1.2, 6.5); the
        // server must hold its requests until the client wakes up.
        if (a->sleeping) return bytes.size();
        a->last_traffic = now;
    }
    auto r = coap_.on_receive(peer, bytes, now);
    if (!r && r.error().code == errc::capacity_exceeded) {
        pump(now);
        r = coap_.on_receive(peer, bytes, now);
    }
    pump(now);
    return r;
}

void client::on_timer(time_ms now) noexcept {
    now_ = now;
    coap_.on_timer(now);
    pump(now);
}

std::optional<coap::transmit> client::poll_transmit(mutable_bytes out) noexcept {
    auto t = coap_.poll_transmit(out);
    if (t) {
        if (account* a = find_account(t->peer)) a->last_traffic = std::max(a->last_traffic, now_);
    }
    return t;
}

std::optional<time_ms> client::next_deadline() const noexcept {
    std::optional<time_ms> d = coap_.next_deadline();
    auto take = [&d](time_ms t) {
        if (!d || t < *d) d = t;
    };
    for (const auto& a : accounts_) {
        if (a.timer != 0) take(a.timer);
        if (a.update_wanted && a.st == registration_state::registered && a.op == reg_op::none)
            take(now_);
        if (a.queue && !a.sleeping && a.st == registration_state::registered &&
            a.op == reg_op::none && !a.send_busy)
            take(a.last_traffic + queue_time());
    }
    if (auto t = obs_.next_deadline(dm_)) {
        // While a server wakes up, its due notifications wait for the Update
        // answer (an on_receive), not for a timer.
        bool waking = false;
        for (const auto& a : accounts_)
            if (a.waking) waking = true;
        if (!(waking && *t <= now_)) take(*t);
    }
    return d;
}

// Drains the CoAP engine's events and the data model's changes, then runs
// what is due.
void client::pump(time_ms now) noexcept {
    for (int guard = 0; guard < 64; ++guard) {
        auto e = coap_.poll_event();
        if (!e) break;
        switch (e->kind) {
            case coap::event_kind::request:
                handle_request(*e, now);
                break;
            case coap::event_kind::response:
            case coap::event_kind::timeout:
            case coap::event_kind::reset:
            case coap::event_kind::failed:
                if (fetch_busy_ && fetch_x_ == e->exchange) {
                    handle_fetch_result(*e);
                    break;
                }
                for (auto& a : accounts_) {
                    if (a.op != reg_op::none && a.reg_x == e->exchange) {
                        handle_result(a, *e, now);
                        break;
                    }
                    if (a.send_busy && a.send_x == e->exchange) {
                        handle_send_result(a, *e);
                        break;
                    }
                }
                break;
            case coap::event_kind::observe_cancelled:
                drop_observation(e->observation);
                break;
            default:
                break;
        }
    }
    poll_model(now);
    run_accounts(now);
    run_observations(now);
}

// ---- the CoAP edge ------------------------------------------------------------

std::optional<coap::observation_id> client::respond_result(
    const coap::event& e, const dm_result& r, time_ms now,
    std::optional<std::uint16_t> location_oid) noexcept {
    message resp;
    resp.code = coap::code(static_cast<std::uint8_t>(r.code));
    std::array<std::uint8_t, 32> storage{};
    message_builder b(resp, storage);
    bytes_view body;
    if (r.code == status::content) {
        (void)b.add_uint(opt::content_format, static_cast<std::uint16_t>(r.format));
        body = bytes_view(body_buf().data(), std::min(r.size, body_buf().size()));
    }
    if (r.code == status::created && location_oid && r.created) {
        char num[10];
        (void)b.add_copy(opt::location_path, as_bytes({num, put_u32(num, *location_oid)}));
        (void)b.add_copy(opt::location_path, as_bytes({num, put_u32(num, *r.created)}));
    }
    auto o = coap_.respond(e.request, resp, body, now);
    if (!o) return std::nullopt;
    return *o;
}

// One count per request, by the operation it asks for (engine.hpp,
// client_counters). A request with an unusable path is counted before this.
void client::count_request(const coap::event& e, const lwm2m::path& path) noexcept {
    if (counters_ == nullptr) return;
    const message& m = e.msg;
    if (e.block2 && e.block2->num > 0) {
        // The next block of an answer already counted (RFC 7959 2.4).
        ++counters_->block2_continuations;
        return;
    }
    std::uint64_t client_counters::*f = &client_counters::other_requests;
    const bool observe_reg = e.observe && *e.observe == 0;
    if (e.block1 && (e.block1->more || e.block1->num > 0)) {
        f = &client_counters::writes;
    } else if (m.code == codes::get) {
        auto a = coap::accept(m);
        if (a && *a == cf_link)
            f = &client_counters::discovers;
        else if (observe_reg)
            f = &client_counters::observes;
        else if (e.observe && *e.observe == 1)
            f = &client_counters::observe_cancels;
        else
            f = &client_counters::reads;
    } else if (m.code == codes::fetch) {
        f = observe_reg ? &client_counters::observes : &client_counters::composite_reads;
    } else if (m.code == codes::put) {
        f = (e.body.empty() && coap::uri_query(m).count() != 0) ? &client_counters::write_attributes
                                                                : &client_counters::writes;
    } else if (m.code == codes::post) {
        if (path.is_resource())
            f = &client_counters::executes;
        else if (path.is_object())
            f = &client_counters::creates;
        else if (path.is_instance())
            f = &client_counters::writes;
    } else if (m.code == codes::del) {
        f = &client_counters::deletes;
    } else if (m.code == codes::ipatch) {
        f = &client_counters::writes;
    }
    ++(counters_->*f);
}

void client::count_failure(const coap::event& e) noexcept {
    if (counters_ == nullptr) return;
    if (e.kind == coap::event_kind::response) {
        const unsigned cls = e.msg.code.cls(), detail = e.msg.code.detail();
        if ((cls == 4 || cls == 5) && detail < 32)
            ++counters_->error_codes[(cls - 4) * 32 + detail];
    } else if (e.kind == coap::event_kind::timeout) {
        ++counters_->timeouts;
    } else {
        ++counters_->transport_failures;
    }
}

void client::handle_request(const coap::event& e, time_ms now) noexcept {
    const message& m = e.msg;
    account* acc = find_account(e.peer);
    request_ctx ctx;
    ctx.server = acc != nullptr ? acc->id : 0;
    auto answer = [&](status s) {
        dm_result r;
        r.code = s;
        (void)respond_result(e, r, now);
    };

    // Path from Uri-Path: numeric ids only, at most four.
    std::array<std::uint16_t, 4> ids{};
    std::size_t depth = 0;
    for (const auto& seg : coap::uri_path(m)) {
        std::string_view s = seg.as_string();
        if (s.empty() && depth == 0) continue;  // a lone empty segment is the root
        if (s.empty() || s.size() > 5) {
            count(&client_counters::other_requests);
            return answer(status::not_found);
        }
        std::uint32_t v = 0;
        for (char c : s) {
            if (c < '0' || c > '9') {
                count(&client_counters::other_requests);
                return answer(status::not_found);
            }
            v = v * 10 + static_cast<std::uint32_t>(c - '0');
        }
        if (v > 65535) {
            count(&client_counters::other_requests);
            return answer(status::not_found);
        }
        if (depth == ids.size()) {
            count(&client_counters::other_requests);
            return answer(status::bad_request);
        }
        ids[depth++] = static_cast<std::uint16_t>(v);
    }
    auto pr = lwm2m::path::from_ids(std::span<const std::uint16_t>(ids.data(), depth));
    if (!pr) return answer(status::bad_request);
    const lwm2m::path path = *pr;
    count_request(e, path);

    const auto cf_opt = coap::content_format(m);
    std::optional<std::uint16_t> cf;
    if (cf_opt && *cf_opt <= 0xFFFF) cf = static_cast<std::uint16_t>(*cf_opt);
    std::optional<std::uint16_t> accept;
    if (auto a = coap::accept(m)) {
        if (*a > 0xFFFF) return answer(status::not_acceptable);
        accept = static_cast<std::uint16_t>(*a);
    }
    // Uri-Query joined by '&' (Write-Attributes).
    std::array<char, 128> qbuf{};
    std::size_t qlen = 0;
    bool has_query = false;
    for (const auto& q : coap::uri_query(m)) {
        std::string_view s = q.as_string();
        if (qlen + s.size() + 1 > qbuf.size()) return answer(status::bad_request);
        if (has_query) qbuf[qlen++] = '&';
        std::memcpy(qbuf.data() + qlen, s.data(), s.size());
        qlen += s.size();
        has_query = true;
    }
    const std::string_view query(qbuf.data(), qlen);
    const bytes_view payload = e.body;
    const mutable_bytes out = body_buf();
    const mutable_bytes scratch = scratch_buf();
    const bool observe_reg = e.observe && *e.observe == 0;

    // Block1: a large Opaque write is handed to the object piece by piece.
    if (e.block1 && (e.block1->more || e.block1->num > 0)) {
        if (m.code != codes::put && m.code != codes::post) return answer(status::bad_request);
        if (!path.is_resource() || (cf && *cf != cf_opaque))
            return answer(status::request_entity_too_large);
        object* o = dm_.find(path.object().value());
        const std::uint16_t iid = path.instance().value(), rid = path.resource().value();
        if (o == nullptr || !o->has_instance(iid)) return answer(status::not_found);
        const resource_def* d = o->def().find(rid);
        if (d == nullptr || !o->has_resource(iid, rid)) return answer(status::not_found);
        if ((static_cast<unsigned>(d->ops) & static_cast<unsigned>(operations::write)) == 0)
            return answer(status::method_not_allowed);
        const bool last = !e.block1->more;
        status s = o->write_chunk(iid, rid, e.block1->offset(), payload, last);
        if (!is_success(s)) return answer(s);
        if (!last) return answer(status::continue_);
        on_path_changed(path, now);
        return answer(status::changed);
    }

    dm_result r;
    if (m.code == codes::get) {
        if (accept && *accept == cf_link) {
            r = dm_.discover(ctx, path, out);
        } else {
            r = dm_.read(ctx, path, accept, out, scratch);
            if (observe_reg && r.code == status::content) {
                auto id = respond_result(e, r, now);
                if (id)
                    add_observation(*id, ctx.server, std::span<const lwm2m::path>(&path, 1), false,
                                    static_cast<std::uint16_t>(r.format), now);
                return;
            }
        }
    } else if (m.code == codes::fetch) {
        if (!cf) return answer(status::bad_request);
        r = dm_.read_composite(ctx, *cf, payload, accept, out, scratch);
        if (observe_reg && r.code == status::content) {
            std::array<lwm2m::path, max_composite_paths> paths{};
            path_collector pc;
            pc.out = paths;
            const bool ok =
                codec::decode_paths(static_cast<codec::content_format>(*cf), payload, pc)
                    .has_value();
            auto id = respond_result(e, r, now);
            if (id) {
                if (!ok) {
                    coap_.end_observation(*id);
                    return;
                }
                add_observation(*id, ctx.server, std::span<const lwm2m::path>(paths.data(), pc.n),
                                true, static_cast<std::uint16_t>(r.format), now);
            }
            return;
        }
    } else if (m.code == codes::put) {
        if (has_query && payload.empty()) {
            r = dm_.write_attributes(ctx, path, query);
        } else {
            if (!cf) return answer(status::bad_request);
            r = dm_.write(ctx, path, *cf, payload, true, scratch);
            if (is_success(r.code)) on_path_changed(path, now);
        }
    } else if (m.code == codes::post) {
        if (path.is_resource()) {
            // Registration Update Trigger (/1/x/8) and Disable (/1/x/4) are
            // the engine's business (the object may record them as well).
            const std::uint16_t rid = path.resource().value();
            const bool trigger = path.object().value() == 1 && (rid == 8 || rid == 4);
            r = dm_.execute(ctx, path, as_chars(payload));
            if (trigger && (r.code == status::changed || r.code == status::method_not_allowed)) {
                object* srv = dm_.find(1);
                const resource_def* d = srv != nullptr ? srv->def().find(rid) : nullptr;
                if (d != nullptr && srv->has_instance(path.instance().value()) &&
                    (static_cast<unsigned>(d->ops) & static_cast<unsigned>(operations::execute)) !=
                        0) {
                    r.code = status::changed;
                    for (auto& a : accounts_) {
                        if (a.srv_iid != path.instance().value()) continue;
                        if (rid == 8)
                            a.update_wanted = true;
                        else
                            a.disable_wanted = true;
                    }
                }
            }
        } else if (path.is_object()) {
            if (!cf && !payload.empty()) return answer(status::bad_request);
            r = dm_.create(ctx, path,
                           cf.value_or(static_cast<std::uint16_t>(codec::content_format::tlv)),
                           payload, scratch);
            if (r.code == status::created) {
                (void)respond_result(e, r, now, path.object().value());
                on_path_changed(path, now);
                return;
            }
        } else if (path.is_instance()) {
            if (!cf) return answer(status::bad_request);
            r = dm_.write(ctx, path, *cf, payload, false, scratch);
            if (is_success(r.code)) on_path_changed(path, now);
        } else {
            r.code = status::method_not_allowed;
        }
    } else if (m.code == codes::del) {
        r = dm_.remove(ctx, path);
        if (is_success(r.code)) on_path_changed(path, now);
    } else if (m.code == codes::ipatch) {
        if (!cf) return answer(status::bad_request);
        r = dm_.write_composite(ctx, *cf, payload, scratch);
        if (is_success(r.code)) on_path_changed(lwm2m::path(), now);
    } else {
        r.code = status::method_not_allowed;
    }
    (void)respond_result(e, r, now);
}

// ---- registration -------------------------------------------------------------

void client::begin_register(account& a, time_ms now) noexcept {
    if (!a.open) {
        a.st = registration_state::connecting;
        client_event e;
        e.kind = client_event_kind::open_transport;
        e.server = a.id;
        e.uri = {a.uri.data(), a.uri_len};
        push(e);
        return;
    }
    auto r = send_register(a, now);
    if (!r) reg_failed(a, now, status::internal_server_error, r.error());
}

// Binding: 1.0 carries queue mode in it ("UQ"); 1.1+ sends b=U and a
// separate Q parameter (Core TS 1.1, 6.2.1.1).
result<void> client::add_binding(message_builder& b, const account& a) noexcept {
    std::array<char, 4> bind{};
    std::size_t bl = 0;
    for (std::size_t i = 0; i < a.binding_len; ++i)
        if (a.binding[i] != 'Q' || dm_.version() == lwm2m_version::v1_0) bind[bl++] = a.binding[i];
    if (bl == 0) bind[bl++] = 'U';
    std::array<char, 8> q{};
    SIROCCO_TRY(b.add_copy(opt::uri_query, as_bytes(query_param(q, "b", {bind.data(), bl}))));
    if (a.queue && dm_.version() != lwm2m_version::v1_0)
        SIROCCO_TRY(b.add_string(opt::uri_query, "Q"));
    return {};
}

// What the server now knows, so the next Update carries only what changes.
void client::mark_sent(account& a, std::uint32_t generation) noexcept {
    a.update_wanted = false;
    a.sent_lifetime = a.lifetime;
    a.sent_binding = a.binding;
    a.sent_binding_len = a.binding_len;
    a.sent_generation = generation;
}

result<void> client::send_register(account& a, time_ms now) noexcept {
    message m;
    m.code = codes::post;
    m.type = coap::msg_type::con;
    std::array<std::uint8_t, 160> storage{};
    message_builder b(m, storage);
    SIROCCO_TRY(b.add_string(opt::uri_path, "rd"));
    SIROCCO_TRY(b.add_uint(opt::content_format, cf_link));
    std::array<char, 80> q{};
    SIROCCO_TRY(b.add_copy(opt::uri_query, as_bytes(query_param(q, "ep", endpoint_))));
    SIROCCO_TRY(b.add_copy(opt::uri_query, as_bytes(query_u32(q, "lt", a.lifetime))));
    SIROCCO_TRY(
        b.add_copy(opt::uri_query, as_bytes(query_param(q, "lwm2m", to_string(dm_.version())))));
    SIROCCO_TRY(add_binding(b, a));
    auto size = dm_.write_object_list(reg_buf_, preferred_format());
    if (!size) return unexpected(size.error());
    auto x = coap_.send_request(a.peer, m, bytes_view(reg_buf_.data(), *size), now);
    if (!x) return unexpected(x.error());
    count(&client_counters::registers);
    a.reg_x = *x;
    a.op = reg_op::reg;
    a.st = registration_state::registering;
    mark_sent(a, dm_.generation());
    return {};
}

result<void> client::send_update(account& a, time_ms now) noexcept {
    message m;
    m.code = codes::post;
    m.type = coap::msg_type::con;
    std::array<std::uint8_t, 64> storage{};
    message_builder b(m, storage);
    SIROCCO_TRY(b.add_uri_path({a.loc.data(), a.loc_len}));
    std::array<char, 24> q{};
    // Only what changed since the Register or the last Update (Core TS 1.2, 6.2.2).
    if (a.lifetime != a.sent_lifetime)
        SIROCCO_TRY(b.add_copy(opt::uri_query, as_bytes(query_u32(q, "lt", a.lifetime))));
    const bool bind_changed =
        a.binding_len != a.sent_binding_len ||
        std::memcmp(a.binding.data(), a.sent_binding.data(), a.binding_len) != 0;
    if (bind_changed) SIROCCO_TRY(add_binding(b, a));
    const std::uint32_t gen = dm_.generation();
    bytes_view body;
    if (gen != a.sent_generation) {
        auto size = dm_.write_object_list(reg_buf_, preferred_format());
        if (!size) return unexpected(size.error());
        SIROCCO_TRY(b.add_uint(opt::content_format, cf_link));
        body = bytes_view(reg_buf_.data(), *size);
    }
    auto x = coap_.send_request(a.peer, m, body, now);
    if (!x) return unexpected(x.error());
    count(&client_counters::updates);
    a.reg_x = *x;
    a.op = reg_op::update;
    a.st = registration_state::updating;
    a.timer = 0;
    mark_sent(a, gen);
    return {};
}

result<void> client::send_deregister(account& a, time_ms now) noexcept {
    message m;
    m.code = codes::del;
    m.type = coap::msg_type::con;
    std::array<std::uint8_t, 8> storage{};
    message_builder b(m, storage);
    SIROCCO_TRY(b.add_uri_path({a.loc.data(), a.loc_len}));
    auto x = coap_.send_request(a.peer, m, {}, now);
    if (!x) return unexpected(x.error());
    count(&client_counters::deregisters);
    a.reg_x = *x;
    a.op = reg_op::dereg;
    a.st = registration_state::deregistering;
    a.timer = 0;
    a.update_wanted = false;
    a.sleeping = false;
    a.waking = false;
    return {};
}

std::uint16_t client::preferred_format() const noexcept {
    if (preferred_format_ != 0) return preferred_format_;
    return dm_.version() == lwm2m_version::v1_0
               ? static_cast<std::uint16_t>(codec::content_format::tlv)
               : cf_senml_cbor;
}

// The LwM2M 1.1 retry procedure (Core TS 1.2, 6.2.1.2): attempts within a
// sequence wait Communication Retry Timer x 2^(n-1) after the n-th failure;
// after Communication Retry Count attempts the sequence has failed, and the
// next sequence starts after the Sequence Delay Timer, up to Sequence Retry
// Count sequences; then registration_failed.
void client::reg_failed(account& a, time_ms now, status code, sirocco::error err) noexcept {
    a.op = reg_op::none;
    a.loc_len = 0;
    drop_observations(a.id);
    ++a.attempt;
    if (a.attempt < a.retry_count) {
        const std::uint32_t shift = std::min<std::uint32_t>(a.attempt - 1, 20);
        a.st = registration_state::waiting_retry;
        a.timer = now + (time_ms{a.retry_timer} * 1000u << shift);
        return;
    }
    a.attempt = 0;
    ++a.sequence;
    if (a.sequence < a.seq_retry) {
        a.st = registration_state::waiting_retry;
        a.timer = now + time_ms{a.seq_delay} * 1000u;
        return;
    }
    a.sequence = 0;
    a.st = registration_state::failed;
    a.timer = 0;
    client_event e;
    e.kind = client_event_kind::registration_failed;
    e.server = a.id;
    e.code = code;
    e.err = err;
    push(e);
}

void client::handle_result(account& a, const coap::event& e, time_ms now) noexcept {
    const reg_op op = a.op;
    a.op = reg_op::none;
    const bool response = e.kind == coap::event_kind::response;
    const status code = response ? to_status_code(e.msg.code) : status::service_unavailable;
    const sirocco::error err =
        response
            ? sirocco::error()
            : (e.err.code != errc::ok ? e.err
                                      : sirocco::error(errc::timeout, "no answer from the server"));
    client_event ev;
    ev.server = a.id;
    ev.code = code;
    ev.err = err;
    switch (op) {
        case reg_op::reg: {
            if (!response || code != status::created) {
                count(&client_counters::register_failed);
                count_failure(e);
                reg_failed(a, now, code, err);
                return;
            }
            // Location-Path segments joined: "/rd/5a3f".
            std::size_t n = 0;
            bool fits = true;
            for (const auto& seg : coap::location_path(e.msg)) {
                std::string_view s = seg.as_string();
                if (n + 1 + s.size() > a.loc.size()) {
                    fits = false;
                    break;
                }
                a.loc[n++] = '/';
                std::memcpy(a.loc.data() + n, s.data(), s.size());
                n += s.size();
            }
            if (n == 0 || !fits) {
                reg_failed(a, now, code,
                           sirocco::error(errc::malformed,
                                          "Register answer without a usable Location-Path"));
                return;
            }
            count(&client_counters::registered);
            a.loc_len = static_cast<std::uint8_t>(n);
            a.st = registration_state::registered;
            a.attempt = a.sequence = 0;
            a.timer = now + update_delay(a.sent_lifetime);
            a.waking = false;
            ev.kind = client_event_kind::registered;
            ev.location = {a.loc.data(), a.loc_len};
            push(ev);
            send_if_wanted(a, now);
            return;
        }
        case reg_op::update: {
            if (response && code == status::changed) {
                count(&client_counters::updated);
                a.st = registration_state::registered;
                a.timer = now + update_delay(a.sent_lifetime);
                a.waking = false;
                ev.kind = client_event_kind::updated;
                ev.location = {a.loc.data(), a.loc_len};
                push(ev);
                send_if_wanted(a, now);
                return;
            }
            count(&client_counters::update_failed);
            count_failure(e);
            // 4.04: the server forgot us; any other failure: the registration
            // is in doubt. Register again (Core TS 1.2, 6.2.2), under the retry
            // procedure.
            a.loc_len = 0;
            a.waking = false;
            drop_observations(a.id);
            a.attempt = a.sequence = 0;
            begin_register(a, now);
            return;
        }
        case reg_op::dereg: {
            if (!response || !is_success(code)) count_failure(e);
            a.st = registration_state::idle;
            a.loc_len = 0;
            a.timer = 0;
            drop_observations(a.id);
            ev.kind = client_event_kind::deregistered;
            push(ev);
            client_event c;
            c.kind = client_event_kind::close_transport;
            c.server = a.id;
            push(c);
            if (a.open) {
                a.open = false;
                coap_.close_peer(a.peer);
            }
            if (a.disabling) {
                // Disable (Core TS 1.2, E.2 /1/x/4): register again after the
                // Disable Timeout (/1/x/5).
                a.disabling = false;
                a.st = registration_state::waiting_retry;
                a.attempt = a.sequence = 0;
                a.timer = now + time_ms{a.disable_timeout} * 1000u;
            }
            return;
        }
        case reg_op::none:
            return;
    }
}

void client::run_accounts(time_ms now) noexcept {
    for (auto& a : accounts_) {
        if (a.disable_wanted && a.op == reg_op::none) {
            a.disable_wanted = false;
            if (a.st == registration_state::registered && a.open) {
                a.sleeping = false;
                if (send_deregister(a, now)) a.disabling = true;
            }
        }
        if (a.timer != 0 && now >= a.timer) {
            a.timer = 0;
            if (a.st == registration_state::registered) {
                if (a.sleeping)
                    wake(a, now);
                else
                    a.update_wanted = true;
            } else if (a.st == registration_state::waiting_retry) {
                begin_register(a, now);
            }
        }
        if (a.update_wanted && a.st == registration_state::registered && a.op == reg_op::none) {
            if (a.sleeping) {
                wake(a, now);
            } else if (auto r = send_update(a, now); !r) {
                a.update_wanted = false;
                reg_failed(a, now, status::internal_server_error, r.error());
            }
        }
        // Queue mode: quiet after the queue time without traffic.
        if (a.queue && !a.sleeping && a.st == registration_state::registered &&
            a.op == reg_op::none && !a.send_busy && !a.send_wanted &&
            now >= a.last_traffic + queue_time()) {
            bool pending = false;
            for (const auto& o : obs_.all())
                if (o.server == a.id && (o.pending || o.due)) pending = true;
            if (!pending) {
                a.sleeping = true;
                client_event e;
                e.kind = client_event_kind::sleeping;
                e.server = a.id;
                push(e);
            }
        }
    }
}

void client::wake(account& a, time_ms now) noexcept {
    if (!a.sleeping) return;
    a.sleeping = false;
    a.waking = true;
    a.last_traffic = now;
    client_event e;
    e.kind = client_event_kind::awake;
    e.server = a.id;
    push(e);
    // Update first (the server learns the client listens), then what waited.
    if (a.op == reg_op::none) {
        if (auto r = send_update(a, now); !r) {
            a.waking = false;
            reg_failed(a, now, status::internal_server_error, r.error());
        }
    }
}

// ---- application ---------------------------------------------------------------

result<void> client::update(time_ms now) noexcept {
    now_ = now;
    bool any = false;
    for (auto& a : accounts_) {
        if (a.st != registration_state::registered && a.st != registration_state::updating)
            continue;
        any = true;
        a.update_wanted = true;
    }
    if (!any) return unexpected(errc::not_allowed, "not registered");
    pump(now);
    return {};
}

result<void> client::deregister(time_ms now) noexcept {
    now_ = now;
    for (auto& a : accounts_) {
        switch (a.st) {
            case registration_state::registered:
            case registration_state::updating: {
                if (a.op != reg_op::none) (void)coap_.cancel(a.reg_x, now);
                a.op = reg_op::none;
                if (a.open && send_deregister(a, now)) break;
                [[fallthrough]];
            }
            case registration_state::connecting:
            case registration_state::registering:
            case registration_state::waiting_retry:
            case registration_state::failed: {
                if (a.op != reg_op::none) (void)coap_.cancel(a.reg_x, now);
                a.op = reg_op::none;
                a.st = registration_state::idle;
                a.timer = 0;
                a.loc_len = 0;
                drop_observations(a.id);
                client_event e;
                e.kind = client_event_kind::deregistered;
                e.server = a.id;
                push(e);
                if (a.open) {
                    client_event c;
                    c.kind = client_event_kind::close_transport;
                    c.server = a.id;
                    push(c);
                    a.open = false;
                    coap_.close_peer(a.peer);
                }
                break;
            }
            case registration_state::idle:
            case registration_state::deregistering:
                break;
        }
    }
    pump(now);
    return {};
}

result<void> client::send(std::span<const lwm2m::path> paths, time_ms now, ssid server) noexcept {
    now_ = now;
    if (dm_.version() == lwm2m_version::v1_0)
        return unexpected(errc::not_allowed, "Send needs LwM2M 1.1 or later");
    account* a = nullptr;
    for (auto& c : accounts_) {
        if (server != 0 && c.id != server) continue;
        if (c.st == registration_state::registered || c.st == registration_state::updating) {
            a = &c;
            break;
        }
    }
    if (a == nullptr) return unexpected(errc::not_allowed, "not registered with that server");
    if (a->mute_send) return unexpected(errc::not_allowed, "Mute Send is set for that server");
    for (const auto& c : accounts_)
        if (c.send_busy || c.send_wanted)
            return unexpected(errc::capacity_exceeded, "a Send is already in progress");
    request_ctx ctx;
    ctx.server = a->id;
    dm_result r =
        dm_.encode_paths(ctx, paths, cf_senml_cbor, std::nullopt, send_buf_, scratch_buf());
    if (!is_success(r.code)) {
        if (r.code == status::not_found) return unexpected(errc::not_found, "no such path");
        if (r.code == status::request_entity_too_large)
            return unexpected(errc::capacity_exceeded, "the values do not fit the Send buffer");
        return unexpected(errc::invalid_argument, "the paths cannot be sent");
    }
    send_size_ = static_cast<std::uint32_t>(r.size);
    if (a->sleeping || a->waking || a->op == reg_op::update) {
        a->send_wanted = true;
        wake(*a, now);
    } else {
        SIROCCO_TRY(transmit_send(*a, now));
    }
    pump(now);
    return {};
}

void client::send_if_wanted(account& a, time_ms now) noexcept {
    // A Send asked for while (re-)registering goes out once the server
    // answered; if it cannot, the application hears it failed.
    if (!a.send_wanted) return;
    a.send_wanted = false;
    if (!transmit_send(a, now)) {
        client_event f;
        f.kind = client_event_kind::send_failed;
        f.server = a.id;
        push(f);
    }
}

result<void> client::transmit_send(account& a, time_ms now) noexcept {
    message m;
    m.code = codes::post;
    m.type = coap::msg_type::con;
    std::array<std::uint8_t, 8> storage{};
    message_builder b(m, storage);
    SIROCCO_TRY(b.add_string(opt::uri_path, "dp"));
    SIROCCO_TRY(b.add_uint(opt::content_format, cf_senml_cbor));
    auto x = coap_.send_request(a.peer, m, bytes_view(send_buf_.data(), send_size_), now);
    if (!x) return unexpected(x.error());
    a.send_x = *x;
    a.send_busy = true;
    return {};
}

void client::handle_send_result(account& a, const coap::event& e) noexcept {
    a.send_busy = false;
    client_event ev;
    ev.server = a.id;
    if (e.kind == coap::event_kind::response) {
        ev.code = to_status_code(e.msg.code);
        ev.kind =
            is_success(ev.code) ? client_event_kind::send_done : client_event_kind::send_failed;
    } else {
        ev.kind = client_event_kind::send_failed;
        ev.code = status::service_unavailable;
        ev.err =
            e.err.code != errc::ok ? e.err : sirocco::error(errc::timeout, "no answer to the Send");
    }
    push(ev);
}

result<fetch_id> client::fetch_block(ssid server, const fetch_target& target, std::uint32_t num,
                                     std::uint16_t block_size, time_ms now) noexcept {
    now_ = now;
    account* a = find_account(server);
    if (a == nullptr) return unexpected(errc::not_found, "no such server account");
    if (!a->open) return unexpected(errc::not_allowed, "the server's transport is not open");
    if (fetch_busy_) return unexpected(errc::capacity_exceeded, "a fetch is in flight");
    if (block_size < 16 || block_size > fetch_buf_.size() || (block_size & (block_size - 1)) != 0)
        return unexpected(errc::invalid_argument, "block size is not a power of two in 16..1024");
    message m;
    m.code = codes::get;
    m.type = coap::msg_type::con;
    std::array<std::uint8_t, SIROCCO_CLIENT_MAX_URI + 16> storage{};
    message_builder b(m, storage);
    if (!target.host.empty()) SIROCCO_TRY(b.add_copy(opt::uri_host, as_bytes(target.host)));
    std::string_view path = target.path;
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    while (!path.empty()) {
        auto slash = path.find('/');
        std::string_view seg = path.substr(0, slash);
        SIROCCO_TRY(b.add_copy(opt::uri_path, as_bytes(seg)));
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    }
    if (a->sleeping) wake(*a, now);
    a->last_traffic = now;
    coap::request_options ro;
    ro.block2_size = block_size;
    ro.block2_single = true;
    ro.block2_num = num;
    auto x = coap_.send_request(a->peer, m, {}, now, ro);
    if (!x) return unexpected(x.error());
    fetch_busy_ = true;
    fetch_x_ = *x;
    pump(now);
    return *x;
}

void client::handle_fetch_result(const coap::event& e) noexcept {
    fetch_busy_ = false;
    client_event ev;
    ev.kind = client_event_kind::fetch_block;
    ev.fetch = e.exchange;
    for (auto& a : accounts_)
        if (a.open && a.peer == e.peer) ev.server = a.id;
    if (e.kind != coap::event_kind::response) {
        ev.code = status::service_unavailable;
        ev.err = e.err.code != errc::ok ? e.err
                                        : sirocco::error(errc::timeout, "no answer to the fetch");
        push(ev);
        return;
    }
    ev.code = to_status_code(e.msg.code);
    if (ev.code == status::content) {
        if (e.body.size() > fetch_buf_.size()) {
            ev.code = status::service_unavailable;
            ev.err =
                sirocco::error(errc::capacity_exceeded, "a block larger than the fetch buffer");
            push(ev);
            return;
        }
        if (!e.body.empty()) std::memcpy(fetch_buf_.data(), e.body.data(), e.body.size());
        ev.body = bytes_view(fetch_buf_.data(), e.body.size());
        if (e.block2) {
            ev.block_num = e.block2->num;
            ev.more = e.block2->more;
        }
        ev.total = static_cast<std::uint32_t>(e.total);
        for (const auto& o : e.msg.options) {
            if (o.number == opt::etag && o.value.size() <= fetch_etag_.size()) {
                if (!o.value.empty())
                    std::memcpy(fetch_etag_.data(), o.value.data(), o.value.size());
                ev.etag = bytes_view(fetch_etag_.data(), o.value.size());
                break;
            }
        }
    }
    push(ev);
}

void client::changed(const lwm2m::path& p, time_ms now) noexcept {
    now_ = now;
    on_path_changed(p, now);
    pump(now);
}

// ---- observations ---------------------------------------------------------------

void client::poll_model(time_ms now) noexcept {
    for (int guard = 0; guard < 64; ++guard) {
        auto p = dm_.poll_changed();
        if (!p) break;
        on_path_changed(*p, now);
    }
    const std::uint32_t gen = dm_.generation();
    for (auto& a : accounts_)
        if (a.st == registration_state::registered && a.sent_generation != gen)
            a.update_wanted = true;
}

void client::on_path_changed(const lwm2m::path& p, time_ms now) noexcept {
    (void)now;
    // A change in the Server object may change the registration parameters.
    if (p.is_root() || p.object().value() == 1) {
        for (auto& a : accounts_) {
            if (!load_settings(a)) continue;
            const bool bind_changed =
                a.binding_len != a.sent_binding_len ||
                std::memcmp(a.binding.data(), a.sent_binding.data(), a.binding_len) != 0;
            if (a.st == registration_state::registered &&
                (a.lifetime != a.sent_lifetime || bind_changed))
                a.update_wanted = true;
        }
    }
    obs_.changed(p, now);
}

client::obs_slot* client::find_slot(std::uint32_t handle) noexcept {
    const std::uint32_t i = (handle & 0xFFu) - 1u;
    if (i >= slots_.size() || !slots_[i].used || slots_[i].gen != ((handle >> 8) & 0xFFu))
        return nullptr;
    return &slots_[i];
}

void client::add_observation(coap::observation_id id, ssid server,
                             std::span<const lwm2m::path> paths, bool composite,
                             std::uint16_t format, time_ms now) noexcept {
    std::size_t i = 0;
    while (i < slots_.size() && slots_[i].used)
        ++i;
    if (i == slots_.size()) {
        coap_.end_observation(id);  // no room: the server gets no notifications
        return;
    }
    obs_slot& s = slots_[i];
    s.gen = static_cast<std::uint8_t>(s.gen + 1);
    const std::uint32_t handle = static_cast<std::uint32_t>(i + 1) | (std::uint32_t{s.gen} << 8);
    std::optional<double> v;
    if (!composite) v = observation_set::numeric_value(dm_, paths[0]);
    if (!obs_.add(server, paths, format, handle, now, v)) {
        coap_.end_observation(id);
        return;
    }
    s.used = true;
    s.composite = composite;
    s.id = id;
}

void client::run_observations(time_ms now) noexcept {
    for (std::size_t guard = 0; guard < 2 * max_observations; ++guard) {
        auto h = obs_.poll_due(dm_, now);
        if (!h) return;
        const observation* o = obs_.find(*h);
        obs_slot* s = find_slot(*h);
        if (o == nullptr || s == nullptr) {
            (void)obs_.remove(*h);
            continue;
        }
        if (account* a = find_account(o->server)) {
            // Queue mode: wake up first; the notification goes after the
            // Update (it stays due until notified()).
            if (a->sleeping) wake(*a, now);
            if (a->waking) return;
        }
        notify_one(*h, now);
    }
}

void client::notify_one(std::uint32_t handle, time_ms now) noexcept {
    const observation* o = obs_.find(handle);
    obs_slot* s = find_slot(handle);
    if (o == nullptr || s == nullptr) return;
    request_ctx ctx;
    ctx.server = o->server;
    dm_result r;
    if (s->composite) {
        r = dm_.encode_paths(ctx, o->paths.span(), o->format, std::nullopt, body_buf(),
                             scratch_buf());
        if (is_success(r.code)) r.code = status::content;
    } else {
        r = dm_.read(ctx, o->paths[0], o->format, body_buf(), scratch_buf());
    }
    message n;
    n.code = coap::code(static_cast<std::uint8_t>(r.code));
    std::array<std::uint8_t, 8> storage{};
    message_builder b(n, storage);
    bytes_view body;
    if (r.code == status::content) {
        (void)b.add_uint(opt::content_format, static_cast<std::uint16_t>(r.format));
        body = bytes_view(body_buf().data(), std::min(r.size, body_buf().size()));
    }
    const coap::observation_id id = s->id;
    auto sent = coap_.notify(id, n, body, now);
    if (sent) count(&client_counters::notifications);
    obs_.notified(handle, now);
    // Gone on the CoAP side, or an error notification, which ends the
    // observation (RFC 7641 3.2, 4.2).
    if ((!sent && sent.error().code == errc::not_found) || r.code != status::content) {
        coap_.end_observation(id);
        (void)obs_.remove(handle);
        s->used = false;
    }
}

void client::drop_observation(coap::observation_id id) noexcept {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        obs_slot& s = slots_[i];
        if (!s.used || s.id != id) continue;
        s.used = false;
        (void)obs_.remove(static_cast<std::uint32_t>(i + 1) | (std::uint32_t{s.gen} << 8));
    }
}

void client::drop_observations(ssid server) noexcept {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        obs_slot& s = slots_[i];
        if (!s.used) continue;
        const std::uint32_t h = static_cast<std::uint32_t>(i + 1) | (std::uint32_t{s.gen} << 8);
        const observation* o = obs_.find(h);
        if (o != nullptr && o->server != server) continue;
        coap_.end_observation(s.id);
        s.used = false;
        (void)obs_.remove(h);
    }
}

}  // namespace sirocco::client
