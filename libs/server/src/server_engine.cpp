// The LwM2M server engine (server_engine.hpp): the Registration interface
// (Core TS 1.2, 6.2), device management and information reporting (6.3,
// 6.4), queue mode (6.5), over one coap::engine per peer.
#include "sirocco/server/server_engine.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <type_traits>

#include "sirocco/coap/options.hpp"
#include "sirocco/codec/codec.hpp"
#include "sirocco/codec/link_format.hpp"
#include "sirocco/lwm2m/builtin_models.hpp"

namespace sirocco::server {
namespace {

constexpr std::uint32_t cf_link_format = 40;
/// Largest object list reassembled from Block1 pieces.
constexpr std::size_t max_object_list_bytes = 64 * 1024;
/// Our CoAP exchanges per device at once (requests in flight and established
/// observations): the engine's slots minus two kept for the device's own
/// requests (Update, Send) and their answers.
constexpr std::size_t max_client_exchanges =
    coap::limits::exchanges > 2 ? coap::limits::exchanges - 2 : 1;
/// Records of a parked peer's memo, big-endian: a dedup record is the tag,
/// message id (2), answer (1), expiry (8), response size (2), then the
/// response bytes; a Block1 record is the tag, key (4), next block (4), bytes
/// received (4), expiry (8).
constexpr std::uint8_t memo_dedup = 'd';
constexpr std::uint8_t memo_block1 = 'b';
constexpr std::size_t memo_dedup_size = 14;
constexpr std::size_t memo_block1_size = 21;
/// Released coap::engines kept for reuse (see server_engine::spare_).
constexpr std::size_t max_spare_engines = 16;

bool supported_version(const std::string& v) {
    return v == "1.0" || v == "1.1" || v == "1.2";
}

std::string to_hex(bytes_view b) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    for (auto c : b) {
        s += hex[c >> 4];
        s += hex[c & 0xF];
    }
    return s;
}

/// The object models of one registration: the object's `ver=` from its
/// object list picks the model; a version the provider does not have falls
/// back to the provider's newest model of that object.
class registration_models final : public lwm2m::model_provider {
  public:
    registration_models(const lwm2m::model_provider& base, const object_list* objects) noexcept
        : base_(base), objects_(objects) {}
    const lwm2m::object_model* find(lwm2m::object_id oid,
                                    std::string_view version = {}) const noexcept override {
        if (version.empty() && objects_ != nullptr)
            for (const auto& o : objects_->objects)
                if (o.id == oid.value()) version = o.version;
        if (!version.empty())
            if (const auto* m = base_.find(oid, version)) return m;
        return base_.find(oid);
    }

  private:
    const lwm2m::model_provider& base_;
    const object_list* objects_;
};

/// Content-Format of a Write / Create / Write-Composite when the caller gave
/// none: TLV for LwM2M 1.0; else the first of SenML CBOR, SenML JSON, LwM2M
/// CBOR, LwM2M JSON, TLV the registration announces with ct=; SenML CBOR when
/// it announces none.
content_format default_write_format(const registration& reg, bool composite) {
    if (reg.lwm2m_version == "1.0" && !composite) return content_format::tlv;
    static constexpr content_format prefs[] = {
        content_format::senml_cbor, content_format::senml_json, content_format::lwm2m_cbor,
        content_format::lwm2m_json, content_format::tlv};
    for (auto f : prefs) {
        const auto* fi = codec::find_format(static_cast<std::uint16_t>(f));
        if (composite && (fi == nullptr || !fi->multiple_paths)) continue;
        for (auto c : reg.objects.content_formats)
            if (c == static_cast<std::uint16_t>(f)) return f;
    }
    return content_format::senml_cbor;
}

/// Sorted record views of owned records.
std::vector<lwm2m::record> views(const std::vector<lwm2m::owned_record>& recs) {
    std::vector<lwm2m::record> v;
    v.reserve(recs.size());
    for (const auto& r : recs)
        v.push_back(r.view());
    std::stable_sort(v.begin(), v.end(), [](const lwm2m::record& a, const lwm2m::record& b) {
        return a.path < b.path;
    });
    return v;
}

void sort_records(std::vector<lwm2m::owned_record>& recs) {
    std::stable_sort(
        recs.begin(), recs.end(),
        [](const lwm2m::owned_record& a, const lwm2m::owned_record& b) { return a.path < b.path; });
}

/// Adds the Uri-Path of `p` under the registration's root path.
result<void> add_path(coap::message_builder& b, const std::string& root, const lwm2m::path& p) {
    std::string_view r = root;
    while (!r.empty()) {
        if (r.front() == '/') {
            r.remove_prefix(1);
            continue;
        }
        const auto slash = r.find('/');
        const std::string_view seg = r.substr(0, slash);
        SIROCCO_TRY(b.add_copy(coap::opt::uri_path, as_bytes(seg)));
        if (slash == std::string_view::npos) break;
        r.remove_prefix(slash);
    }
    for (std::size_t i = 0; i < p.depth(); ++i) {
        const std::string seg = std::to_string(p.at(i));
        SIROCCO_TRY(b.add_copy(coap::opt::uri_path, as_bytes(seg)));
    }
    return {};
}

bool is_observe(const dm_request& r) {
    return std::holds_alternative<observe_request>(r) ||
           std::holds_alternative<observe_composite_request>(r);
}

bool is_cancel(const dm_request& r) {
    return std::holds_alternative<cancel_observation_request>(r) ||
           std::holds_alternative<cancel_composite_observation_request>(r);
}

bool cancel_is_active(const dm_request& r) {
    if (const auto* c = std::get_if<cancel_observation_request>(&r)) return c->active;
    if (const auto* c = std::get_if<cancel_composite_observation_request>(&r)) return c->active;
    return false;
}

/// Does observation `o` match a cancel request?
bool matches(const observation& o, const dm_request& r) {
    if (const auto* c = std::get_if<cancel_observation_request>(&r))
        return !o.composite && o.paths.size() == 1 && o.paths[0] == c->path;
    if (const auto* c = std::get_if<cancel_composite_observation_request>(&r)) {
        if (!o.composite) return false;
        auto a = o.paths;
        auto b = c->paths;
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        return a == b;
    }
    return false;
}

/// The format of a 2.05 payload that came without Content-Format (some 1.0
/// devices, e.g. lwm2m-node-lib): the Accept asked for, else text/plain for a
/// single resource (the LwM2M 1.0 default); none for anything else.
std::optional<content_format> assumed_format(const dm_request& r, const lwm2m::path& base) {
    std::optional<content_format> accept;
    bool composite = false;
    if (const auto* q = std::get_if<read_request>(&r)) accept = q->format;
    if (const auto* q = std::get_if<observe_request>(&r)) accept = q->format;
    if (const auto* q = std::get_if<read_composite_request>(&r)) {
        accept = q->format;
        composite = true;
    }
    if (const auto* q = std::get_if<observe_composite_request>(&r)) {
        accept = q->format;
        composite = true;
    }
    if (accept) return accept;
    if (!composite && base.depth() >= 3) return content_format::text;
    return std::nullopt;
}

/// The CoAP request (code and options) resuming an observation after a
/// restart: what the original request carried, for the deregistration.
result<void> observation_request(coap::message& m, coap::message_builder& b, const observation& o,
                                 const std::string& root) {
    m.type = coap::msg_type::con;
    if (o.composite) {
        m.code = coap::codes::fetch;
        SIROCCO_TRY(add_path(b, root, lwm2m::path()));
        SIROCCO_TRY(b.add_uint(coap::opt::content_format,
                               static_cast<std::uint16_t>(content_format::senml_etch_cbor)));
    } else {
        m.code = coap::codes::get;
        SIROCCO_TRY(add_path(b, root, o.paths.empty() ? lwm2m::path() : o.paths[0]));
    }
    if (o.format) SIROCCO_TRY(b.add_uint(coap::opt::accept, static_cast<std::uint16_t>(*o.format)));
    return {};
}

}  // namespace

// ---- construction and peers --------------------------------------------------------

server_engine::server_engine(const server_config& cfg, registration_store& store)
    : cfg_(cfg),
      store_(store),
      own_obs_(std::make_unique<memory_observation_store>()),
      obs_store_(own_obs_.get()),
      models_(&lwm2m::builtin_provider()) {
    for (const auto& r : store_.list())
        if (!r.address.empty()) unbound_.emplace(r.address, r.endpoint);
}

server_engine::server_engine(const server_config& cfg, registration_store& store,
                             observation_store& observations, const lwm2m::model_provider* models)
    : cfg_(cfg),
      store_(store),
      obs_store_(&observations),
      models_(models != nullptr ? models : &lwm2m::builtin_provider()) {
    for (const auto& r : store_.list())
        if (!r.address.empty()) unbound_.emplace(r.address, r.endpoint);
    // Observations whose registration is gone (it went while the server was
    // down, or the stores disagree) can never be resumed.
    for (const auto& o : obs_store_->list())
        if (!store_.find_by_id(o.registration_id)) (void)obs_store_->remove(o.id);
}

server_engine::peer_state* server_engine::find_peer(std::uint32_t peer) {
    auto it = peers_.find(peer);
    return it == peers_.end() ? nullptr : &it->second;
}

coap::engine& server_engine::engine_of(std::uint32_t peer, peer_state& ps, time_ms now) {
    if (!ps.eng) {
        if (!spare_.empty()) {
            ps.eng = std::move(spare_.back());
            spare_.pop_back();
            coap::engine* e = ps.eng.get();
            std::destroy_at(e);
            std::construct_at(e, cfg_.coap);
        } else {
            ps.eng = std::make_unique<coap::engine>(cfg_.coap);
        }
        ++engines_;
        const peer_id id{peer};
        (void)ps.eng->open_peer(id, ps.fr, now);
        if (ps.has_mid) (void)ps.eng->set_next_message_id(id, ps.next_mid);
        // The parked duplicate cache and Block1 uploads (see park()).
        bytes_view m(ps.memo.get(), ps.memo_size);
        auto be = [](const std::uint8_t* b, std::size_t n) {
            std::uint64_t v = 0;
            for (std::size_t i = 0; i < n; ++i)
                v = (v << 8) | b[i];
            return v;
        };
        while (!m.empty()) {
            const std::uint8_t* b = m.data();
            if (b[0] == memo_dedup && m.size() >= memo_dedup_size) {
                coap::dedup_record r;
                r.message_id = static_cast<std::uint16_t>(be(b + 1, 2));
                r.answer = static_cast<coap::dedup_answer>(b[3]);
                r.expiry = be(b + 4, 8);
                const auto n = static_cast<std::size_t>(be(b + 12, 2));
                if (m.size() < memo_dedup_size + n) break;
                r.response = bytes_view(b + memo_dedup_size, n);
                if (r.expiry > now) (void)ps.eng->restore_dedup(id, r);
                m = m.subspan(memo_dedup_size + n);
            } else if (b[0] == memo_block1 && m.size() >= memo_block1_size) {
                coap::block1_record r;
                r.key = static_cast<std::uint32_t>(be(b + 1, 4));
                r.next_num = static_cast<std::uint32_t>(be(b + 5, 4));
                r.received = static_cast<std::uint32_t>(be(b + 9, 4));
                r.expiry = be(b + 13, 8);
                if (r.expiry > now) (void)ps.eng->restore_block1(id, r);
                m = m.subspan(memo_block1_size);
            } else {
                break;
            }
        }
        ps.memo.reset();
        ps.memo_size = 0;
    }
    dirty_.insert(peer);
    return *ps.eng;
}

void server_engine::park(std::uint32_t peer, peer_state& ps, time_ms now) {
    if (!ps.eng) return;
    const peer_id id{peer};
    if (auto mid = ps.eng->next_message_id(id)) {
        ps.next_mid = *mid;
        ps.has_mid = true;
    }
    std::string memo;
    time_ms until = 0;
    auto put = [&memo](std::uint64_t v, std::size_t n) {
        for (std::size_t k = 0; k < n; ++k)
            memo.push_back(static_cast<char>(v >> (8 * (n - 1 - k))));
    };
    std::array<coap::dedup_record, coap::limits::dedup> recs;
    const std::size_t n = ps.eng->dedup_records(id, now, recs.data(), recs.size());
    for (std::size_t i = 0; i < n; ++i) {
        const auto& r = recs[i];
        put(memo_dedup, 1);
        put(r.message_id, 2);
        put(static_cast<std::uint8_t>(r.answer), 1);
        put(r.expiry, 8);
        put(r.response.size(), 2);
        memo.append(as_chars(r.response));
        if (r.expiry > until) until = r.expiry;
    }
    std::array<coap::block1_record, coap::limits::block1_sessions> ups;
    const std::size_t nb = ps.eng->block1_records(id, now, ups.data(), ups.size());
    for (std::size_t i = 0; i < nb; ++i) {
        const auto& r = ups[i];
        put(memo_block1, 1);
        put(r.key, 4);
        put(r.next_num, 4);
        put(r.received, 4);
        put(r.expiry, 8);
        if (r.expiry > until) until = r.expiry;
    }
    ps.memo.reset();
    ps.memo_size = 0;
    if (!memo.empty() && memo.size() <= 0xFFFF) {
        ps.memo = std::make_unique_for_overwrite<std::uint8_t[]>(memo.size());
        std::memcpy(ps.memo.get(), memo.data(), memo.size());
        ps.memo_size = static_cast<std::uint16_t>(memo.size());
        ps.memo_until = until;
        memo_gc_.emplace_back(until, peer);
    }
    release(peer, ps);
}

result<void> server_engine::open_peer(peer_id peer, coap::framing f, std::string_view address,
                                      time_ms now, std::string_view bound_endpoint) {
    if (now > last_now_) last_now_ = now;
    if (peers_.count(peer.value()) != 0)
        return unexpected(errc::invalid_argument, "peer already open");
    peer_state& ps = peers_[peer.value()];
    ps.fr = f;
    ps.address = std::string(address);
    if (!bound_endpoint.empty()) {
        ps.extra = std::make_unique<peer_extra>();
        ps.extra->bound_endpoint = std::string(bound_endpoint);
    }
    // A stream peer's CSM goes out now (RFC 8323 5.3); datagram and compact
    // peers get an engine when there is something to do.
    if (f == coap::framing::stream) (void)engine_of(peer.value(), ps, now);
    // Stored registrations last reached at this address (a restart, or a peer
    // closed before) are bound to the new peer; their observations resume.
    if (!ps.address.empty()) {
        auto [lo, hi] = unbound_.equal_range(ps.address);
        std::vector<std::string> endpoints;
        for (auto it = lo; it != hi; ++it)
            endpoints.push_back(it->second);
        unbound_.erase(lo, hi);
        for (const auto& ep : endpoints) {
            auto reg = store_.find_by_endpoint(ep);
            if (!reg || reg->address != ps.address) continue;
            // Another identity now at that address must not inherit it.
            if (forbidden(peer.value(), reg->endpoint) != nullptr) {
                unbound_.emplace(ps.address, reg->endpoint);
                continue;
            }
            if (reg->peer != peer) {
                reg->peer = peer;
                (void)store_.update(*reg);
            }
            ps.endpoint = reg->endpoint;
            ps.queue_mode = reg->queue_mode;
            resume_observations(*reg, peer.value(), now);
        }
    }
    settle(now);
    return {};
}

result<std::size_t> server_engine::set_peer_address(peer_id peer, std::string_view address) {
    peer_state* ps = find_peer(peer.value());
    if (ps == nullptr) return unexpected(errc::not_found, "peer not open");
    ps->address = std::string(address);
    std::size_t n = 0;
    for (auto& reg : store_.find_by_peer(peer)) {
        if (reg.address == ps->address) continue;
        reg.address = ps->address;
        SIROCCO_TRY(store_.update(reg));
        ++n;
    }
    return n;
}

void server_engine::close_peer(peer_id peer) {
    auto it = peers_.find(peer.value());
    if (it == peers_.end()) return;
    const time_ms now = last_now_;
    // Requests in flight on it fail; its observations stay stored and
    // resume when the address is opened again.
    std::vector<request_handle> failed;
    std::vector<std::string> parked;
    for (const auto& [k, ref] : xmap_) {
        if (k.first != peer.value()) continue;
        if (ref.handle != 0)
            failed.push_back(ref.handle);
        else
            parked.push_back(ref.obs_id);
    }
    for (auto h : failed) {
        auto p = pending_.find(h);
        if (p != pending_.end()) p->second.sent = false;  // nothing to cancel any more
        fail(h, failure::transport, "peer closed");
    }
    for (const auto& id : parked)
        live_.erase(id);
    for (auto x = xmap_.begin(); x != xmap_.end();)
        x = x->first.first == peer.value() ? xmap_.erase(x) : std::next(x);
    for (const auto& reg : store_.find_by_peer(peer))
        if (!reg.address.empty()) unbound_.emplace(reg.address, reg.endpoint);
    release(peer.value(), it->second);
    ready_.erase(peer.value());
    dirty_.erase(peer.value());
    peers_.erase(it);
    settle(now);
}

void server_engine::release(std::uint32_t peer, peer_state& ps) {
    if (ps.eng) {
        --engines_;
        if (spare_.size() < max_spare_engines) spare_.push_back(std::move(ps.eng));
    }
    ps.eng.reset();
    ps.client_x = 0;
    if (ps.key) deadlines_.erase({*ps.key, peer});
    ps.key.reset();
    for (auto it = passthrough_.begin(); it != passthrough_.end();)
        it = it->second.peer == peer ? passthrough_.erase(it) : std::next(it);
}

// ---- the engines' clock and output --------------------------------------------------

void server_engine::drain_peer(std::uint32_t peer, time_ms now) {
    for (;;) {
        peer_state* ps = find_peer(peer);
        if (ps == nullptr || !ps->eng) return;
        auto e = ps->eng->poll_event();
        if (!e) return;
        switch (e->kind) {
            case coap::event_kind::request:
                handle_request(peer, *e, now);
                break;
            case coap::event_kind::response:
            case coap::event_kind::notification:
            case coap::event_kind::timeout:
            case coap::event_kind::reset:
            case coap::event_kind::failed:
                on_exchange_event(peer, *e, now);
                break;
            default:
                break;
        }
    }
}

void server_engine::refresh(std::uint32_t peer, time_ms now) {
    peer_state* ps = find_peer(peer);
    if (ps == nullptr) return;
    if (ps->key) deadlines_.erase({*ps->key, peer});
    ps->key.reset();
    if (!ps->eng) return;
    if (ps->fr != coap::framing::stream && ps->eng->quiescent(now)) {
        // A stream connection's CSM exchange happens once (RFC 8323 5.3): a
        // new engine would wait for a CSM that never comes again, so stream
        // peers keep theirs until close_peer().
        park(peer, *ps, now);
        ready_.erase(peer);
        return;
    }
    if (auto d = ps->eng->next_deadline()) {
        ps->key = *d;
        deadlines_.insert({*d, peer});
    }
    ready_.insert(peer);
}

void server_engine::settle(time_ms now) {
    while (!dirty_.empty()) {
        const std::uint32_t peer = *dirty_.begin();
        dirty_.erase(dirty_.begin());
        drain_peer(peer, now);
        if (dirty_.count(peer) != 0) continue;  // more work came up for it
        refresh(peer, now);
    }
}

result<std::size_t> server_engine::on_receive(peer_id peer, bytes_view bytes, time_ms now) {
    if (now > last_now_) last_now_ = now;
    if (peers_.count(peer.value()) == 0)
        SIROCCO_TRY(open_peer(peer, coap::framing::datagram, {}, now));
    peer_state& ps = peers_[peer.value()];
    coap::engine& eng = engine_of(peer.value(), ps, now);
    ++stats_.coap_received;
    const auto dropped = eng.counters().dropped;
    auto n = eng.on_receive(peer, bytes, now);
    if (eng.counters().dropped != dropped) ++stats_.coap_dropped;
    settle(now);
    heard_from(peer.value(), now);
    settle(now);
    return n;
}

void server_engine::on_timer(time_ms now) {
    if (now > last_now_) last_now_ = now;
    // CoAP timers of the peers that are due.
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
        const std::uint32_t peer = deadlines_.begin()->second;
        deadlines_.erase(deadlines_.begin());
        peer_state* ps = find_peer(peer);
        if (ps == nullptr) continue;
        ps->key.reset();
        if (ps->eng) ps->eng->on_timer(now);
        dirty_.insert(peer);
    }
    settle(now);
    // Request timeouts.
    while (!timeouts_.empty() && timeouts_.begin()->first <= now) {
        const request_handle h = timeouts_.begin()->second;
        timeouts_.erase(timeouts_.begin());
        auto it = pending_.find(h);
        if (it == pending_.end()) continue;
        pending& p = it->second;
        const std::string endpoint = p.endpoint;
        if (p.sent) {
            drop_exchange(p.peer, p.x, now, true);
            p.sent = false;
            fail(h, failure::timeout, "no answer from the device in time");
        } else if (p.held_asleep) {
            fail(h, failure::expired, "the queue-mode device was not heard from in time");
        } else {
            fail(h, failure::timeout, "no exchange with the device became free in time");
        }
        dispatch(endpoint, now);
    }
    settle(now);
    // Queue mode: awake windows that passed.
    while (!sleep_at_.empty() && sleep_at_.begin()->first <= now) {
        const std::string endpoint = sleep_at_.begin()->second;
        sleep_at_.erase(sleep_at_.begin());
        awake_until_.erase(endpoint);
        if (auto reg = store_.find_by_endpoint(endpoint)) {
            event ev;
            ev.kind = event_kind::sleeping;
            ev.endpoint = endpoint;
            ev.reg = std::move(*reg);
            events_.push_back(std::move(ev));
        }
    }
    // Parked duplicate caches that expired.
    while (!memo_gc_.empty() && memo_gc_.front().first <= now) {
        const std::uint32_t peer = memo_gc_.front().second;
        memo_gc_.pop_front();
        peer_state* ps = find_peer(peer);
        if (ps != nullptr && !ps->eng && ps->memo_until <= now) {
            ps->memo.reset();
            ps->memo_size = 0;
            // An object list upload whose Block1 session expired with it.
            if (ps->extra && ps->extra->bound_endpoint.empty())
                ps->extra.reset();
            else if (ps->extra)
                std::string().swap(ps->extra->upload);
        }
    }
    // Registration lifetimes.
    if (now < cfg_.expiry_grace_ms) return;
    for (auto& r : store_.take_expired(now - cfg_.expiry_grace_ms)) {
        ++stats_.expirations;
        end_registration(r, false, now);
        event ev;
        ev.kind = event_kind::expired;
        ev.endpoint = r.endpoint;
        ev.reg = std::move(r);
        events_.push_back(std::move(ev));
    }
    settle(now);
}

std::optional<time_ms> server_engine::next_deadline() const {
    std::optional<time_ms> d;
    auto take = [&](time_ms t) {
        if (!d || t < *d) d = t;
    };
    if (!deadlines_.empty()) take(deadlines_.begin()->first);
    if (!timeouts_.empty()) take(timeouts_.begin()->first);
    if (!sleep_at_.empty()) take(sleep_at_.begin()->first);
    if (!memo_gc_.empty()) take(memo_gc_.front().first);
    if (auto e = store_.next_expiry()) take(*e + cfg_.expiry_grace_ms);
    return d;
}

std::optional<coap::transmit> server_engine::poll_transmit(mutable_bytes out) {
    while (!ready_.empty()) {
        const std::uint32_t peer = *ready_.begin();
        peer_state* ps = find_peer(peer);
        if (ps == nullptr || !ps->eng) {
            ready_.erase(ready_.begin());
            continue;
        }
        if (auto t = ps->eng->poll_transmit(out)) {
            // Sending may arm a retransmission timer.
            if (ps->key) deadlines_.erase({*ps->key, peer});
            ps->key.reset();
            if (auto d = ps->eng->next_deadline()) {
                ps->key = *d;
                deadlines_.insert({*d, peer});
            }
            return t;
        }
        ready_.erase(ready_.begin());
        if (ps->fr != coap::framing::stream && ps->eng->quiescent(last_now_))
            park(peer, *ps, last_now_);
    }
    return std::nullopt;
}

std::optional<event> server_engine::poll_event() {
    if (events_.empty()) return std::nullopt;
    event e = std::move(events_.front());
    events_.pop_front();
    return e;
}

result<void> server_engine::respond(coap::request_id r, coap::code c, bytes_view body, time_ms now,
                                    std::optional<std::uint16_t> content_format, bytes_view etag) {
    if (etag.size() > 8) return unexpected(errc::invalid_argument, "an ETag has at most 8 bytes");
    if (now > last_now_) last_now_ = now;
    auto it = passthrough_.find(r.value());
    if (it == passthrough_.end()) return unexpected(errc::not_found, "no such request");
    const passthrough pt = it->second;
    passthrough_.erase(it);
    peer_state* ps = find_peer(pt.peer);
    if (ps == nullptr || !ps->eng) return unexpected(errc::not_found, "the peer is gone");
    coap::message m;
    m.code = c;
    std::array<std::uint8_t, 8> st{};
    coap::message_builder b(m, st);
    if (!etag.empty()) SIROCCO_TRY(b.add(coap::opt::etag, etag));
    if (content_format) SIROCCO_TRY(b.add_uint(coap::opt::content_format, *content_format));
    auto x = engine_of(pt.peer, *ps, now).respond(pt.id, m, body, now);
    settle(now);
    if (!x) return unexpected(x.error());
    return {};
}

// ---- the Registration interface -------------------------------------------------------

void server_engine::answer(std::uint32_t peer, const coap::event& e, coap::code c,
                           std::string_view diagnostic, time_ms now,
                           const std::string* location_id) {
    peer_state* ps = find_peer(peer);
    if (ps == nullptr || !ps->eng) return;
    coap::message m;
    m.code = c;
    std::array<std::uint8_t, 4> st{};
    coap::message_builder b(m, st);
    if (location_id != nullptr) {
        (void)b.add_string(coap::opt::location_path, "rd");
        (void)b.add_string(coap::opt::location_path, *location_id);
    }
    // A diagnostic payload on errors (RFC 7252 5.5.2); nothing on success.
    (void)engine_of(peer, *ps, now).respond(e.request, m, as_bytes(diagnostic), now);
}

const char* server_engine::forbidden(std::uint32_t peer, std::string_view endpoint) const {
    auto it = peers_.find(peer);
    if (it != peers_.end() && it->second.extra && !it->second.extra->bound_endpoint.empty() &&
        it->second.extra->bound_endpoint != endpoint)
        return "ep does not match the peer's identity";
    if (cfg_.authorize && !cfg_.authorize(peer_id{peer}, endpoint))
        return "this peer may not act as this endpoint";
    return nullptr;
}

void server_engine::refuse(std::uint32_t peer, const coap::event& e, std::string_view endpoint,
                           const char* why, time_ms now) {
    ++stats_.refused;
    answer(peer, e, coap::codes::forbidden, why, now);
    event ev;
    ev.kind = event_kind::refused;
    ev.peer = peer_id{peer};
    ev.code = e.msg.code;
    ev.endpoint = std::string(endpoint);
    ev.result.code = lwm2m::status::forbidden;
    ev.result.error = why;
    events_.push_back(std::move(ev));
}

void server_engine::handle_request(std::uint32_t peer, const coap::event& e, time_ms now) {
    std::vector<std::string> path;
    for (const auto& o : coap::uri_path(e.msg))
        path.emplace_back(o.as_string());
    if (path.size() == 1 && path[0] == "dp" && e.msg.code == coap::codes::post && !e.block1)
        return handle_send(peer, e, now);
    const bool rd = !path.empty() && path[0] == "rd" && path.size() <= 2;
    if (!rd) {
        const std::uint32_t id = next_passthrough_++;
        if (next_passthrough_ == 0) next_passthrough_ = 1;
        passthrough_[id] = passthrough{peer, e.request};
        event ev;
        ev.kind = event_kind::request;
        ev.peer = e.peer;
        ev.request = coap::request_id{id};
        ev.code = e.msg.code;
        ev.uri_path = std::move(path);
        for (const auto& o : e.msg.options)
            if (o.number == coap::opt::uri_host) ev.uri_host = std::string(o.as_string());
        for (const auto& o : coap::uri_query(e.msg))
            ev.uri_query.emplace_back(o.as_string());
        ev.content_format = coap::content_format(e.msg);
        ev.payload.assign(e.body.begin(), e.body.end());
        ev.block2 = e.block2;
        events_.push_back(std::move(ev));
        return;
    }
    // Block1 reassembly of an object list (RFC 7959 2.5): the engine checked
    // the block order; keep the pieces per peer until the last one.
    std::string_view body = as_chars(e.body);
    std::string whole;
    if (e.block1) {
        auto& ex = peers_[peer].extra;
        if (!ex) ex = std::make_unique<peer_extra>();
        std::string& up = ex->upload;
        if (e.block1->num == 0) up.clear();
        up.append(as_chars(e.body));
        if (up.size() > max_object_list_bytes) {
            if (ex->bound_endpoint.empty())
                ex.reset();
            else
                std::string().swap(up);
            return answer(peer, e, coap::codes::request_entity_too_large, "object list too large",
                          now);
        }
        if (e.block1->more) return answer(peer, e, coap::codes::continue_, "", now);
        whole = std::move(up);
        if (ex->bound_endpoint.empty())
            ex.reset();
        else
            std::string().swap(up);
        body = whole;
    }
    if (path.size() == 1) {
        if (e.msg.code == coap::codes::post)
            handle_register(peer, e, body, now);
        else
            answer(peer, e, coap::codes::method_not_allowed, "", now);
    } else {
        if (e.msg.code == coap::codes::post)
            handle_update(peer, e, path[1], body, now);
        else if (e.msg.code == coap::codes::del)
            handle_delete(peer, e, path[1], now);
        else
            answer(peer, e, coap::codes::method_not_allowed, "", now);
    }
}

void server_engine::handle_register(std::uint32_t peer, const coap::event& e, std::string_view body,
                                    time_ms now) {
    std::vector<std::string> q;
    for (const auto& o : coap::uri_query(e.msg))
        q.emplace_back(o.as_string());
    auto params = parse_params(q);
    if (!params) return answer(peer, e, coap::codes::bad_request, params.error().reason, now);
    if (!params->endpoint) return answer(peer, e, coap::codes::bad_request, "missing ep", now);
    if (const char* why = forbidden(peer, *params->endpoint))
        return refuse(peer, e, *params->endpoint, why, now);
    if (params->lwm2m_version && !supported_version(*params->lwm2m_version))
        return answer(peer, e, coap::codes::precondition_failed, "unsupported LwM2M version", now);
    const auto cf = coap::content_format(e.msg);
    if (cf && *cf != cf_link_format)
        return answer(peer, e, coap::codes::unsupported_content_format,
                      "object list must be link format", now);
    auto objects = parse_object_list(body);
    if (!objects) return answer(peer, e, coap::codes::bad_request, objects.error().reason, now);

    registration r;
    r.endpoint = *params->endpoint;
    r.id = new_id();
    if (params->lwm2m_version) r.lwm2m_version = *params->lwm2m_version;
    if (params->lifetime) r.lifetime_s = *params->lifetime;
    if (params->binding) r.binding = *params->binding;
    r.queue_mode = params->queue;
    r.objects = std::move(*objects);
    r.peer = e.peer;
    peer_state& ps = peers_[peer];
    r.address = ps.address;
    r.registered_at = now;
    r.updated_at = now;
    auto old = store_.add(r);
    if (!old) return answer(peer, e, coap::codes::internal_server_error, old.error().reason, now);
    ++stats_.registrations;
    answer(peer, e, coap::codes::created, "", now, &r.id);
    ps.endpoint = r.endpoint;
    ps.queue_mode = r.queue_mode;
    if (*old) {
        end_registration(**old, true, now);
        event ev;
        ev.kind = event_kind::replaced;
        ev.endpoint = (*old)->endpoint;
        ev.reg = std::move(**old);
        events_.push_back(std::move(ev));
    }
    if (r.queue_mode) set_awake(r.endpoint, now);
    event ev;
    ev.kind = event_kind::registered;
    ev.endpoint = r.endpoint;
    ev.reg = std::move(r);
    events_.push_back(std::move(ev));
}

void server_engine::handle_update(std::uint32_t peer, const coap::event& e, const std::string& id,
                                  std::string_view body, time_ms now) {
    auto cur = store_.find_by_id(id);
    if (!cur) return answer(peer, e, coap::codes::not_found, "unknown registration", now);
    // The NEW peer's right counts: a session of another identity must not
    // take the registration over by naming its id.
    if (const char* why = forbidden(peer, cur->endpoint))
        return refuse(peer, e, cur->endpoint, why, now);
    std::vector<std::string> q;
    for (const auto& o : coap::uri_query(e.msg))
        q.emplace_back(o.as_string());
    auto params = parse_params(q);
    if (!params) return answer(peer, e, coap::codes::bad_request, params.error().reason, now);
    registration r = *cur;
    if (params->lifetime) r.lifetime_s = *params->lifetime;
    if (params->binding) {
        r.binding = *params->binding;
        r.queue_mode = params->queue;
    } else if (params->queue) {
        r.queue_mode = true;
    }
    if (!body.empty()) {
        const auto cf = coap::content_format(e.msg);
        if (cf && *cf != cf_link_format)
            return answer(peer, e, coap::codes::unsupported_content_format,
                          "object list must be link format", now);
        auto objects = parse_object_list(body);
        if (!objects) return answer(peer, e, coap::codes::bad_request, objects.error().reason, now);
        r.objects = std::move(*objects);
    }
    // The client may come back from another address (NAT rebinding, or the
    // server restarted): the registration moves to this peer.
    r.peer = e.peer;
    peer_state& ps = peers_[peer];
    r.address = ps.address;
    r.updated_at = now;
    auto u = store_.update(r);
    if (!u) return answer(peer, e, coap::codes::internal_server_error, u.error().reason, now);
    ++stats_.updates;
    answer(peer, e, coap::codes::changed, "", now);
    ps.endpoint = r.endpoint;
    ps.queue_mode = r.queue_mode;
    if (!r.queue_mode && cur->queue_mode) {
        if (auto a = awake_until_.find(r.endpoint); a != awake_until_.end()) {
            sleep_at_.erase({a->second, r.endpoint});
            awake_until_.erase(a);
        }
    }
    resume_observations(r, peer, now);
    event ev;
    ev.kind = event_kind::updated;
    ev.endpoint = r.endpoint;
    ev.reg = std::move(r);
    ev.previous = std::move(*cur);
    events_.push_back(std::move(ev));
}

void server_engine::handle_delete(std::uint32_t peer, const coap::event& e, const std::string& id,
                                  time_ms now) {
    if (auto cur = store_.find_by_id(id))
        if (const char* why = forbidden(peer, cur->endpoint))
            return refuse(peer, e, cur->endpoint, why, now);
    auto r = store_.remove(id);
    if (!r) return answer(peer, e, coap::codes::not_found, "unknown registration", now);
    ++stats_.deregistrations;
    answer(peer, e, coap::codes::deleted, "", now);
    end_registration(*r, false, now);
    event ev;
    ev.kind = event_kind::deregistered;
    ev.endpoint = r->endpoint;
    ev.reg = std::move(*r);
    events_.push_back(std::move(ev));
}

std::string server_engine::new_id() {
    static constexpr char hex[] = "0123456789abcdef";
    for (;;) {
        const std::uint32_t v = cfg_.coap.rng(cfg_.coap.rng_ctx);
        std::string id(8, '0');
        for (std::size_t i = 0; i < 8; ++i)
            id[7 - i] = hex[(v >> (4 * i)) & 0xF];
        if (!store_.find_by_id(id)) return id;
    }
}

// ---- Send (Core TS 1.2, 6.4.4) ---------------------------------------------------------

void server_engine::handle_send(std::uint32_t peer, const coap::event& e, time_ms now) {
    std::optional<registration> reg;
    if (peer_state* ps = find_peer(peer); ps != nullptr && !ps->endpoint.empty()) {
        reg = store_.find_by_endpoint(ps->endpoint);
        if (reg && reg->peer != peer_id{peer}) reg.reset();
    }
    if (!reg) {
        auto regs = store_.find_by_peer(peer_id{peer});
        if (!regs.empty()) reg = std::move(regs.front());
    }
    if (!reg) return answer(peer, e, coap::codes::not_found, "not registered", now);
    const auto cf = coap::content_format(e.msg);
    if (!cf) return answer(peer, e, coap::codes::bad_request, "Send without Content-Format", now);
    const codec::format_info* fi =
        *cf <= 0xFFFF ? codec::find_format(static_cast<std::uint16_t>(*cf)) : nullptr;
    if (fi == nullptr || !fi->multiple_paths || fi->paths_only)
        return answer(peer, e, coap::codes::unsupported_content_format,
                      "Send needs SenML or LwM2M JSON/CBOR", now);
    registration_models models(*models_, &reg->objects);
    std::vector<std::uint8_t> scratch(e.body.size() + 64);
    codec::decode_context dc{lwm2m::path(), &models, scratch};
    lwm2m::record_list list;
    auto d = codec::decode(fi->format, dc, e.body, list);
    if (!d) return answer(peer, e, coap::codes::bad_request, d.error().reason, now);
    answer(peer, e, coap::codes::changed, "", now);
    ++stats_.sends;
    event ev;
    ev.kind = event_kind::send;
    ev.endpoint = reg->endpoint;
    ev.result.code = lwm2m::status::changed;
    ev.result.format = fi->format;
    ev.result.records = std::move(list.records);
    sort_records(ev.result.records);
    ev.reg = std::move(*reg);
    events_.push_back(std::move(ev));
}

// ---- device management ---------------------------------------------------------------------

result<void> server_engine::build(pending& p, const registration& reg) {
    registration_models models(*models_, &reg.objects);
    const std::string& root = reg.objects.root_path;
    p.opt_storage.assign(1024, 0);
    p.msg = coap::message{};
    p.msg.type = coap::msg_type::con;
    coap::message_builder b(p.msg, p.opt_storage);
    auto accept = [&](const std::optional<content_format>& f) -> result<void> {
        if (f) SIROCCO_TRY(b.add_uint(coap::opt::accept, static_cast<std::uint16_t>(*f)));
        return {};
    };
    auto encode = [&](content_format f, const lwm2m::path& base,
                      const std::vector<lwm2m::owned_record>& recs) -> result<void> {
        const auto* fi = codec::find_format(static_cast<std::uint16_t>(f));
        if (fi == nullptr || fi->paths_only)
            return unexpected(errc::unsupported, "not a content format for values");
        auto v = views(recs);
        encode_buf_.resize(cfg_.coap.max_body_size);
        codec::encode_context ec{base, &models};
        auto n = codec::encode(f, ec, v, encode_buf_);
        if (!n) return unexpected(n.error());
        p.body.assign(encode_buf_.begin(), encode_buf_.begin() + static_cast<std::ptrdiff_t>(*n));
        SIROCCO_TRY(b.add_uint(coap::opt::content_format, static_cast<std::uint16_t>(f)));
        return {};
    };
    auto encode_paths = [&](const std::vector<lwm2m::path>& paths,
                            const std::optional<content_format>& rf) -> result<void> {
        const content_format f = rf.value_or(content_format::senml_etch_cbor);
        if (f != content_format::senml_etch_cbor && f != content_format::senml_etch_json)
            return unexpected(errc::unsupported,
                              "composite paths are sent as SenML-ETCH (320 or 322)");
        encode_buf_.resize(cfg_.coap.max_body_size);
        auto n = codec::encode_paths(f, paths, encode_buf_);
        if (!n) return unexpected(n.error());
        p.body.assign(encode_buf_.begin(), encode_buf_.begin() + static_cast<std::ptrdiff_t>(*n));
        SIROCCO_TRY(b.add_uint(coap::opt::content_format, static_cast<std::uint16_t>(f)));
        return {};
    };
    return std::visit(
        [&](const auto& q) -> result<void> {
            using T = std::decay_t<decltype(q)>;
            if constexpr (std::is_same_v<T, read_request>) {
                p.msg.code = coap::codes::get;
                p.base = q.path;
                SIROCCO_TRY(add_path(b, root, q.path));
                return accept(q.format);
            } else if constexpr (std::is_same_v<T, observe_request>) {
                p.msg.code = coap::codes::get;
                p.base = q.path;
                SIROCCO_TRY(add_path(b, root, q.path));
                SIROCCO_TRY(b.add_uint(coap::opt::observe, 0));
                return accept(q.format);
            } else if constexpr (std::is_same_v<T, discover_request>) {
                p.msg.code = coap::codes::get;
                p.base = q.path;
                SIROCCO_TRY(add_path(b, root, q.path));
                return b.add_uint(coap::opt::accept, cf_link_format);
            } else if constexpr (std::is_same_v<T, write_request>) {
                if (q.path.is_root()) return unexpected(errc::invalid_argument, "Write on /");
                for (const auto& r : q.records)
                    if (!q.path.is_prefix_of(r.path))
                        return unexpected(errc::invalid_argument, "a record outside the path");
                p.msg.code = q.mode == write_mode::replace ? coap::codes::put : coap::codes::post;
                p.base = q.path;
                SIROCCO_TRY(add_path(b, root, q.path));
                return encode(q.format.value_or(default_write_format(reg, false)), q.path,
                              q.records);
            } else if constexpr (std::is_same_v<T, execute_request>) {
                if (!q.path.is_resource())
                    return unexpected(errc::invalid_argument, "Execute needs /o/i/r");
                p.msg.code = coap::codes::post;
                SIROCCO_TRY(add_path(b, root, q.path));
                p.body.assign(q.arguments.begin(), q.arguments.end());
                return {};
            } else if constexpr (std::is_same_v<T, create_request>) {
                if (!q.path.is_object())
                    return unexpected(errc::invalid_argument, "Create needs an object path");
                p.msg.code = coap::codes::post;
                SIROCCO_TRY(add_path(b, root, q.path));
                // Records under /o/65535: the device picks the instance id;
                // sent without the instance level (TLV: resources at the top).
                bool no_instance = !q.records.empty();
                for (const auto& r : q.records) {
                    if (!q.path.is_prefix_of(r.path) || r.path.depth() < 3)
                        return unexpected(errc::invalid_argument, "a record outside the object");
                    if (r.path.instance().value() != 65535) no_instance = false;
                }
                const content_format f = q.format.value_or(default_write_format(reg, false));
                if (no_instance) {
                    if (f != content_format::tlv)
                        return unexpected(errc::unsupported,
                                          "Create without an instance id needs TLV");
                    auto inst = lwm2m::path(q.path.object(), lwm2m::instance_id(65535));
                    return encode(f, inst, q.records);
                }
                return encode(f, q.path, q.records);
            } else if constexpr (std::is_same_v<T, delete_request>) {
                p.msg.code = coap::codes::del;
                return add_path(b, root, q.path);
            } else if constexpr (std::is_same_v<T, write_attributes_request>) {
                if (q.query.empty()) return unexpected(errc::invalid_argument, "empty query");
                auto a = codec::link::parse_query(q.query);
                if (!a) return unexpected(errc::invalid_argument, a.error().reason);
                p.msg.code = coap::codes::put;
                SIROCCO_TRY(add_path(b, root, q.path));
                std::string_view rest = q.query;
                while (!rest.empty()) {
                    const auto amp = rest.find('&');
                    const std::string_view part = rest.substr(0, amp);
                    if (!part.empty())
                        SIROCCO_TRY(b.add_copy(coap::opt::uri_query, as_bytes(part)));
                    if (amp == std::string_view::npos) break;
                    rest.remove_prefix(amp + 1);
                }
                return {};
            } else if constexpr (std::is_same_v<T, read_composite_request> ||
                                 std::is_same_v<T, observe_composite_request>) {
                if (q.paths.empty()) return unexpected(errc::invalid_argument, "no paths");
                p.msg.code = coap::codes::fetch;
                p.base = lwm2m::path();
                SIROCCO_TRY(add_path(b, root, lwm2m::path()));
                if constexpr (std::is_same_v<T, observe_composite_request>)
                    SIROCCO_TRY(b.add_uint(coap::opt::observe, 0));
                SIROCCO_TRY(encode_paths(q.paths, q.request_format));
                return accept(q.format);
            } else if constexpr (std::is_same_v<T, write_composite_request>) {
                if (q.records.empty()) return unexpected(errc::invalid_argument, "no records");
                const content_format f = q.format.value_or(default_write_format(reg, true));
                const auto* fi = codec::find_format(static_cast<std::uint16_t>(f));
                if (fi == nullptr || !fi->multiple_paths)
                    return unexpected(errc::unsupported,
                                      "Write-Composite needs SenML or LwM2M JSON/CBOR");
                p.msg.code = coap::codes::ipatch;
                SIROCCO_TRY(add_path(b, root, lwm2m::path()));
                return encode(f, lwm2m::path(), q.records);
            } else {
                // Cancels carry no request of their own (see dispatch()).
                return {};
            }
        },
        p.req);
}

request_handle server_engine::send(std::string_view endpoint, dm_request req, time_ms timeout_ms,
                                   time_ms now) {
    if (now > last_now_) last_now_ = now;
    const request_handle h = next_handle_++;
    ++stats_.requests;
    pending& p = pending_[h];
    p.handle = h;
    p.endpoint = std::string(endpoint);
    p.req = std::move(req);
    p.deadline = now + timeout_ms;
    auto reg = store_.find_by_endpoint(endpoint);
    if (!reg) {
        fail(h, failure::not_registered, "no registration for this endpoint");
        return h;
    }
    if (is_cancel(p.req) && !cancel_is_active(p.req)) {
        // Passive: forget the tokens now; nothing is sent.
        const std::size_t n = cancel_observations(*reg, p.req, false, 0, now);
        response r;
        r.code = n > 0 ? lwm2m::status::deleted : lwm2m::status::not_found;
        if (n == 0) r.error = "no such observation";
        finish(h, std::move(r));
        settle(now);
        return h;
    }
    if (auto b = build(p, *reg); !b) {
        fail(h, b.error().code == errc::unsupported ? failure::unsupported : failure::invalid,
             b.error().reason);
        return h;
    }
    timeouts_.insert({p.deadline, h});
    waiting_[p.endpoint].push_back(h);
    dispatch(p.endpoint, now);
    settle(now);
    return h;
}

void server_engine::dispatch(std::string endpoint, time_ms now) {
    std::optional<registration> reg;
    bool looked = false;
    // finish() may erase the queue: find it again on every round.
    for (;;) {
        auto w = waiting_.find(endpoint);
        if (w == waiting_.end()) return;
        auto& q = w->second;
        if (q.empty()) {
            waiting_.erase(w);
            return;
        }
        const request_handle h = q.front();
        auto it = pending_.find(h);
        if (it == pending_.end()) {
            q.pop_front();
            continue;
        }
        pending& p = it->second;
        if (!looked) {
            reg = store_.find_by_endpoint(endpoint);
            looked = true;
        }
        if (!reg) {
            q.pop_front();
            fail(h, failure::not_registered, "the registration went away");
            continue;
        }
        if (reg->queue_mode && !awake(endpoint, now)) {
            for (auto x : q)
                if (auto pi = pending_.find(x); pi != pending_.end()) pi->second.held_asleep = true;
            return;
        }
        const std::uint32_t peer = reg->peer.value();
        peer_state* ps = find_peer(peer);
        if (ps == nullptr) {
            q.pop_front();
            fail(h, failure::transport, "the device's transport address is not open");
            continue;
        }
        if (is_cancel(p.req)) {
            q.pop_front();
            const std::size_t n = cancel_observations(*reg, p.req, true, h, now);
            if (n == 0) {
                response r;
                r.code = lwm2m::status::not_found;
                r.error = "no such observation";
                finish(h, std::move(r));
            }
            continue;
        }
        if (ps->client_x >= max_client_exchanges) return;
        coap::engine& eng = engine_of(peer, *ps, now);
        // Only answers with content can be large (Block2): a reassembly
        // buffer of coap.max_body_size for those, none for the others.
        coap::request_options opts;
        if (std::holds_alternative<read_request>(p.req) ||
            std::holds_alternative<observe_request>(p.req) ||
            std::holds_alternative<discover_request>(p.req) ||
            std::holds_alternative<read_composite_request>(p.req) ||
            std::holds_alternative<observe_composite_request>(p.req)) {
            p.rbuf.assign(cfg_.coap.max_body_size, 0);
            opts.response_buffer = p.rbuf;
        }
        auto x = eng.send_request(peer_id{peer}, p.msg, p.body, now, opts);
        if (!x) {
            if (x.error().code == errc::capacity_exceeded && ps->client_x > 0) return;
            q.pop_front();
            fail(h, failure::transport, x.error().reason);
            continue;
        }
        q.pop_front();
        p.sent = true;
        p.sent_at = now;
        p.peer = peer;
        p.x = *x;
        xmap_[{peer, x->value()}] = xref{h, {}};
        ++ps->client_x;
    }
}

void server_engine::cancel(request_handle h, time_ms now) {
    if (now > last_now_) last_now_ = now;
    auto it = pending_.find(h);
    if (it == pending_.end()) return;
    const std::string endpoint = it->second.endpoint;
    if (it->second.sent) {
        drop_exchange(it->second.peer, it->second.x, now, true);
        it->second.sent = false;
    }
    fail(h, failure::cancelled, "cancelled");
    dispatch(endpoint, now);
    settle(now);
}

void server_engine::drop_exchange(std::uint32_t peer, coap::exchange_id x, time_ms now,
                                  bool cancel_it) {
    if (xmap_.erase({peer, x.value()}) == 0) return;
    peer_state* ps = find_peer(peer);
    if (ps == nullptr || !ps->eng) return;
    if (ps->client_x > 0) --ps->client_x;
    if (cancel_it) (void)engine_of(peer, *ps, now).cancel(x, now, false);
    dirty_.insert(peer);
}

void server_engine::finish(request_handle h, response r) {
    auto it = pending_.find(h);
    if (it == pending_.end()) return;
    pending& p = it->second;
    timeouts_.erase({p.deadline, h});
    if (auto w = waiting_.find(p.endpoint); w != waiting_.end()) {
        auto& q = w->second;
        q.erase(std::remove(q.begin(), q.end(), h), q.end());
        if (q.empty()) waiting_.erase(w);
    }
    if (!p.notify_obs.empty()) {
        // The rest of a block-wise notification (RFC 7959 2.6), fetched
        // anew: reported as the notification.
        auto o = obs_store_->find(p.notify_obs);
        if (o) {
            event ev;
            ev.kind = event_kind::notification;
            ev.endpoint = std::move(p.endpoint);
            ev.obs = std::move(*o);
            ev.result = std::move(r);
            ev.result.observed.reset();
            events_.push_back(std::move(ev));
        }
        pending_.erase(it);
        return;
    }
    if (r.fail != failure::none) ++stats_.request_failures;
    event ev;
    ev.kind = event_kind::response;
    ev.handle = h;
    ev.endpoint = std::move(p.endpoint);
    ev.result = std::move(r);
    events_.push_back(std::move(ev));
    pending_.erase(it);
}

void server_engine::fail(request_handle h, failure f, std::string why) {
    response r;
    r.fail = f;
    r.error = std::move(why);
    finish(h, std::move(r));
}

std::vector<observation> server_engine::observations(std::string_view endpoint) const {
    std::vector<observation> out;
    auto reg = store_.find_by_endpoint(endpoint);
    if (!reg) return out;
    return obs_store_->find_by_registration(reg->id);
}

response server_engine::decode_response(const pending& p, const registration* reg,
                                        const coap::event& e, time_ms now) const {
    response r;
    r.code = static_cast<lwm2m::status>(e.msg.code.raw);
    r.round_trip_ms = now - p.sent_at;
    if (auto cf = coap::content_format(e.msg); cf && *cf <= 0xFFFF)
        r.format = static_cast<content_format>(*cf);
    if (!lwm2m::is_success(r.code)) {
        r.error = std::string(as_chars(e.body));
        return r;
    }
    if (std::holds_alternative<discover_request>(p.req)) {
        r.links = std::string(as_chars(e.body));
        return r;
    }
    if (std::holds_alternative<create_request>(p.req)) {
        for (const auto& o : coap::location_path(e.msg))
            r.location += "/" + std::string(o.as_string());
        return r;
    }
    const bool reads = std::holds_alternative<read_request>(p.req) ||
                       std::holds_alternative<observe_request>(p.req) ||
                       std::holds_alternative<read_composite_request>(p.req) ||
                       std::holds_alternative<observe_composite_request>(p.req);
    if (!reads || e.body.empty()) return r;
    if (!r.format) r.format = assumed_format(p.req, p.base);
    if (!r.format) {
        r.fail = failure::unsupported;
        r.error = "content without a Content-Format";
        return r;
    }
    registration_models models(*models_, reg != nullptr ? &reg->objects : nullptr);
    std::vector<std::uint8_t> scratch(e.body.size() + 64);
    codec::decode_context dc{p.base, &models, scratch};
    lwm2m::record_list list;
    auto d = codec::decode(*r.format, dc, e.body, list);
    if (!d) {
        r.fail = d.error().code == errc::unsupported ? failure::unsupported : failure::transport;
        r.error = "the device's payload does not decode: " + std::string(d.error().reason);
        return r;
    }
    r.records = std::move(list.records);
    sort_records(r.records);
    return r;
}

void server_engine::on_exchange_event(std::uint32_t peer, const coap::event& e, time_ms now) {
    auto it = xmap_.find({peer, e.exchange.value()});
    if (it == xmap_.end()) return;
    if (it->second.handle == 0) {
        const std::string id = it->second.obs_id;
        return on_observation_event(id, e, now);
    }
    const request_handle h = it->second.handle;
    auto pit = pending_.find(h);
    if (pit == pending_.end()) {
        drop_exchange(peer, e.exchange, now, false);
        return;
    }
    pending& p = pit->second;
    if (e.kind == coap::event_kind::notification) return;  // not for a request
    if (e.kind != coap::event_kind::response) {
        drop_exchange(peer, e.exchange, now, false);
        p.sent = false;
        const std::string endpoint = p.endpoint;
        if (e.kind == coap::event_kind::timeout)
            fail(h, failure::timeout, "the device did not acknowledge");
        else if (e.kind == coap::event_kind::reset)
            fail(h, failure::transport, "the device answered with RST");
        else
            fail(h, failure::transport, std::string(e.err.reason));
        dispatch(endpoint, now);
        return;
    }
    const auto reg = store_.find_by_endpoint(p.endpoint);
    response r = decode_response(p, reg ? &*reg : nullptr, e, now);
    const std::string endpoint = p.endpoint;
    if (is_observe(p.req) && e.observe && lwm2m::is_success(r.code) && reg) {
        // Established (RFC 7641 3.1): the exchange now carries notifications.
        observation o;
        o.id = to_hex(e.msg.token.bytes());
        o.endpoint = reg->endpoint;
        o.registration_id = reg->id;
        if (const auto* q = std::get_if<observe_request>(&p.req)) {
            o.paths = {q->path};
            o.format = q->format;
        } else if (const auto* c = std::get_if<observe_composite_request>(&p.req)) {
            o.paths = c->paths;
            o.composite = true;
            o.format = c->format;
        }
        o.token.assign(e.msg.token.bytes().begin(), e.msg.token.bytes().end());
        o.created_at = now;
        (void)obs_store_->add(o);
        live_observation lo;
        lo.o = o;
        lo.peer = peer;
        lo.x = e.exchange;
        lo.body = std::move(p.body);
        live_[o.id] = std::move(lo);
        it->second = xref{0, o.id};
        r.observed = std::move(o);
        p.sent = false;
    } else {
        drop_exchange(peer, e.exchange, now, false);
        p.sent = false;
    }
    finish(h, std::move(r));
    dispatch(endpoint, now);
}

void server_engine::on_observation_event(const std::string& id, const coap::event& e, time_ms now) {
    auto it = live_.find(id);
    if (it == live_.end()) return;
    live_observation& lo = it->second;
    if (e.kind == coap::event_kind::notification) {
        ++stats_.notifications;
        const auto reg = store_.find_by_endpoint(lo.o.endpoint);
        if (e.block2 && e.block2->more && reg) {
            // Only the first block came (RFC 7959 2.6): read the whole
            // representation with a plain GET / FETCH (Block2 reassembled).
            const request_handle h = next_handle_++;
            pending& p = pending_[h];
            p.handle = h;
            p.endpoint = lo.o.endpoint;
            p.notify_obs = id;
            if (lo.o.composite)
                p.req = read_composite_request{lo.o.paths, lo.o.format, std::nullopt};
            else
                p.req =
                    read_request{lo.o.paths.empty() ? lwm2m::path() : lo.o.paths[0], lo.o.format};
            p.deadline = now + cfg_.coap.exchange_lifetime_ms;
            if (!build(p, *reg)) {
                pending_.erase(h);
                return;
            }
            timeouts_.insert({p.deadline, h});
            waiting_[p.endpoint].push_back(h);
            dispatch(lo.o.endpoint, now);
            return;
        }
        event ev;
        ev.kind = event_kind::notification;
        ev.endpoint = lo.o.endpoint;
        ev.obs = lo.o;
        response& r = ev.result;
        r.code = static_cast<lwm2m::status>(e.msg.code.raw);
        if (auto cf = coap::content_format(e.msg); cf && *cf <= 0xFFFF)
            r.format = static_cast<content_format>(*cf);
        if (!e.body.empty()) {
            if (!r.format) {
                if (lo.o.format)
                    r.format = lo.o.format;
                else if (!lo.o.composite && lo.o.paths.size() == 1 && lo.o.paths[0].depth() >= 3)
                    r.format = content_format::text;
            }
            if (!r.format) {
                r.fail = failure::unsupported;
                r.error = "notification without a Content-Format";
            } else {
                registration_models models(*models_, reg ? &reg->objects : nullptr);
                std::vector<std::uint8_t> scratch(e.body.size() + 64);
                const lwm2m::path base =
                    lo.o.composite || lo.o.paths.empty() ? lwm2m::path() : lo.o.paths[0];
                codec::decode_context dc{base, &models, scratch};
                lwm2m::record_list list;
                auto d = codec::decode(*r.format, dc, e.body, list);
                if (!d) {
                    r.fail = failure::transport;
                    r.error = "the notification does not decode: " + std::string(d.error().reason);
                } else {
                    r.records = std::move(list.records);
                    sort_records(r.records);
                }
            }
        }
        events_.push_back(std::move(ev));
        return;
    }
    // The device ended it (an error or a response without Observe), or the
    // exchange failed: the observation is over.
    const std::uint32_t peer = lo.peer;
    const coap::exchange_id x = lo.x;
    drop_exchange(peer, x, now, false);
    end_observation(id, false, now);
}

void server_engine::end_observation(const std::string& id, bool tell_device, time_ms now) {
    auto it = live_.find(id);
    if (it != live_.end()) {
        const std::uint32_t peer = it->second.peer;
        const coap::exchange_id x = it->second.x;
        drop_exchange(peer, x, now, tell_device);
        live_.erase(it);
    }
    auto o = obs_store_->remove(id);
    if (!o) return;
    event ev;
    ev.kind = event_kind::observation_cancelled;
    ev.endpoint = o->endpoint;
    ev.obs = std::move(*o);
    events_.push_back(std::move(ev));
}

std::size_t server_engine::cancel_observations(const registration& reg, const dm_request& req,
                                               bool active, request_handle h, time_ms now) {
    std::size_t n = 0;
    bool answered_by_device = false;
    for (const auto& o : obs_store_->find_by_registration(reg.id)) {
        if (!matches(o, req)) continue;
        ++n;
        auto lit = live_.find(o.id);
        if (active && h != 0 && !answered_by_device && lit != live_.end()) {
            // RFC 7641 3.6: GET (FETCH) with Observe 1 on the same token; its
            // answer is the response to this request.
            const std::uint32_t peer = lit->second.peer;
            const coap::exchange_id x = lit->second.x;
            peer_state* ps = find_peer(peer);
            auto pit = pending_.find(h);
            if (ps != nullptr && ps->eng && pit != pending_.end() &&
                engine_of(peer, *ps, now).cancel(x, now, true)) {
                answered_by_device = true;
                xmap_[{peer, x.value()}] = xref{h, {}};
                pit->second.sent = true;
                pit->second.sent_at = now;
                pit->second.peer = peer;
                pit->second.x = x;
                pit->second.body = std::move(lit->second.body);
                live_.erase(lit);
                auto removed = obs_store_->remove(o.id);
                event ev;
                ev.kind = event_kind::observation_cancelled;
                ev.endpoint = o.endpoint;
                ev.obs = removed ? std::move(*removed) : o;
                events_.push_back(std::move(ev));
                continue;
            }
        }
        end_observation(o.id, true, now);
    }
    if (n > 0 && h != 0 && !answered_by_device) {
        response r;
        r.code = lwm2m::status::deleted;
        finish(h, std::move(r));
    }
    return n;
}

void server_engine::end_registration(const registration& reg, bool keep_waiting, time_ms now) {
    for (const auto& o : obs_store_->find_by_registration(reg.id))
        end_observation(o.id, true, now);
    if (auto a = awake_until_.find(reg.endpoint); a != awake_until_.end()) {
        sleep_at_.erase({a->second, reg.endpoint});
        awake_until_.erase(a);
    }
    if (!keep_waiting) {
        if (auto w = waiting_.find(reg.endpoint); w != waiting_.end()) {
            const auto q = w->second;
            for (auto h : q)
                fail(h, failure::not_registered, "the registration went away");
        }
    }
}

void server_engine::resume_observations(const registration& reg, std::uint32_t peer, time_ms now) {
    peer_state* ps = find_peer(peer);
    if (ps == nullptr) return;
    for (const auto& o : obs_store_->find_by_registration(reg.id)) {
        auto lit = live_.find(o.id);
        if (lit != live_.end()) {
            if (lit->second.peer == peer) continue;
            // It ran over another peer: forget it there, resume it here.
            drop_exchange(lit->second.peer, lit->second.x, now, true);
            live_.erase(lit);
        }
        auto tok = coap::token::from(o.token);
        if (!tok) continue;
        coap::message m;
        std::array<std::uint8_t, 256> st{};
        coap::message_builder b(m, st);
        if (!observation_request(m, b, o, reg.objects.root_path)) continue;
        auto x = engine_of(peer, *ps, now).resume_observation(peer_id{peer}, m, *tok, now);
        if (!x) continue;
        live_observation lo;
        lo.o = o;
        lo.peer = peer;
        lo.x = *x;
        live_[o.id] = std::move(lo);
        xmap_[{peer, x->value()}] = xref{0, o.id};
        ++ps->client_x;
        ++stats_.observations_resumed;
    }
}

// ---- queue mode (Core TS 1.2, 6.5) ---------------------------------------------------------

bool server_engine::awake(const std::string& endpoint, time_ms now) const {
    auto it = awake_until_.find(endpoint);
    return it != awake_until_.end() && it->second > now;
}

void server_engine::set_awake(const std::string& endpoint, time_ms now) {
    auto it = awake_until_.find(endpoint);
    if (it != awake_until_.end()) sleep_at_.erase({it->second, endpoint});
    const time_ms until = now + cfg_.queue_awake_ms;
    awake_until_[endpoint] = until;
    sleep_at_.insert({until, endpoint});
}

void server_engine::heard_from(std::uint32_t peer, time_ms now) {
    peer_state* ps = find_peer(peer);
    if (ps == nullptr || ps->endpoint.empty()) return;
    const std::string endpoint = ps->endpoint;
    if (ps->queue_mode) {
        const bool was_awake = awake_until_.count(endpoint) != 0;
        set_awake(endpoint, now);
        if (!was_awake) {
            if (auto reg = store_.find_by_endpoint(endpoint); reg && reg->peer == peer_id{peer}) {
                event ev;
                ev.kind = event_kind::awake;
                ev.endpoint = endpoint;
                ev.reg = std::move(*reg);
                events_.push_back(std::move(ev));
            }
        }
    }
    dispatch(endpoint, now);
}

}  // namespace sirocco::server
