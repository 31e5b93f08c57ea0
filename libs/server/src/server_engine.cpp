// The Registration interface over coap::engine (Core TS 1.2, 6.2).
#include "sirocco/server/server_engine.hpp"

#include <array>

#include "sirocco/coap/options.hpp"

namespace sirocco::server {
namespace {

constexpr std::uint32_t cf_link_format = 40;
/// Largest object list reassembled from Block1 pieces.
constexpr std::size_t max_object_list_bytes = 64 * 1024;

bool supported_version(const std::string& v) {
    return v == "1.0" || v == "1.1" || v == "1.2";
}

}  // namespace

server_engine::server_engine(const server_config& cfg, registration_store& store)
    : cfg_(cfg), store_(store), coap_(cfg.coap) {}

result<void> server_engine::open_peer(peer_id peer, coap::framing f, std::string_view address,
                                      time_ms now) {
    auto opened = coap_.open_peer(peer, f, now);
    if (!opened && opened.error().code == errc::capacity_exceeded && !peers_.empty() &&
        peers_.find(peer.value()) == peers_.end()) {
        // Every CoAP peer slot is taken: forget the peer heard from least
        // recently (its registrations stay; it is opened again when heard).
        auto lru = peers_.begin();
        for (auto it = peers_.begin(); it != peers_.end(); ++it)
            if (it->second.last_heard < lru->second.last_heard) lru = it;
        close_peer(peer_id{lru->first});
        opened = coap_.open_peer(peer, f, now);
    }
    if (!opened) return opened;
    peers_[peer.value()] = peer_info{std::string(address), now};
    return {};
}

void server_engine::close_peer(peer_id peer) {
    coap_.close_peer(peer);
    peers_.erase(peer.value());
    uploads_.erase(peer.value());
    drain(0);
}

result<std::size_t> server_engine::on_receive(peer_id peer, bytes_view bytes, time_ms now) {
    auto known = peers_.find(peer.value());
    if (known == peers_.end())
        SIROCCO_TRY(open_peer(peer, coap::framing::datagram, {}, now));
    else
        known->second.last_heard = now;
    auto n = coap_.on_receive(peer, bytes, now);
    drain(now);
    return n;
}

void server_engine::on_timer(time_ms now) {
    coap_.on_timer(now);
    drain(now);
    if (now < cfg_.expiry_grace_ms) return;
    for (auto& r : store_.take_expired(now - cfg_.expiry_grace_ms)) {
        event ev;
        ev.kind = event_kind::expired;
        ev.reg = std::move(r);
        events_.push_back(std::move(ev));
    }
}

std::optional<time_ms> server_engine::next_deadline() const {
    auto d = coap_.next_deadline();
    if (auto e = store_.next_expiry()) {
        const time_ms t = *e + cfg_.expiry_grace_ms;
        if (!d || t < *d) d = t;
    }
    return d;
}

std::optional<coap::transmit> server_engine::poll_transmit(mutable_bytes out) {
    return coap_.poll_transmit(out);
}

std::optional<event> server_engine::poll_event() {
    if (events_.empty()) return std::nullopt;
    event e = std::move(events_.front());
    events_.pop_front();
    return e;
}

result<void> server_engine::respond(coap::request_id r, coap::code c, bytes_view body, time_ms now,
                                    std::optional<std::uint16_t> content_format) {
    coap::message m;
    m.code = c;
    std::array<std::uint8_t, 8> st{};
    coap::message_builder b(m, st);
    if (content_format) SIROCCO_TRY(b.add_uint(coap::opt::content_format, *content_format));
    auto x = coap_.respond(r, m, body, now);
    if (!x) return unexpected(x.error());
    return {};
}

void server_engine::drain(time_ms now) {
    while (auto e = coap_.poll_event()) {
        if (e->kind == coap::event_kind::request) handle_request(*e, now);
        // Responses to our own requests come with issue 6 (device management).
    }
}

void server_engine::answer(const coap::event& e, coap::code c, std::string_view diagnostic,
                           time_ms now, const std::string* location_id) {
    coap::message m;
    m.code = c;
    std::array<std::uint8_t, 4> st{};
    coap::message_builder b(m, st);
    if (location_id != nullptr) {
        (void)b.add_string(coap::opt::location_path, "rd");
        (void)b.add_string(coap::opt::location_path, *location_id);
    }
    // A diagnostic payload on errors (RFC 7252 5.5.2); nothing on success.
    (void)coap_.respond(e.request, m, as_bytes(diagnostic), now);
}

void server_engine::handle_request(const coap::event& e, time_ms now) {
    std::vector<std::string> path;
    for (const auto& o : coap::uri_path(e.msg))
        path.emplace_back(o.as_string());
    const bool rd = !path.empty() && path[0] == "rd" && path.size() <= 2;
    if (!rd) {
        event ev;
        ev.kind = event_kind::request;
        ev.peer = e.peer;
        ev.request = e.request;
        ev.code = e.msg.code;
        ev.uri_path = std::move(path);
        for (const auto& o : coap::uri_query(e.msg))
            ev.uri_query.emplace_back(o.as_string());
        ev.content_format = coap::content_format(e.msg);
        ev.payload.assign(e.body.begin(), e.body.end());
        events_.push_back(std::move(ev));
        return;
    }
    // Block1 reassembly of an object list (RFC 7959 2.5): the engine checked
    // the block order; keep the pieces per peer until the last one.
    std::string_view body = as_chars(e.body);
    std::string whole;
    if (e.block1) {
        std::string& up = uploads_[e.peer.value()];
        if (e.block1->num == 0) up.clear();
        up.append(as_chars(e.body));
        if (up.size() > max_object_list_bytes) {
            uploads_.erase(e.peer.value());
            return answer(e, coap::codes::request_entity_too_large, "object list too large", now);
        }
        if (e.block1->more) {
            coap::message m;
            m.code = coap::codes::continue_;
            (void)coap_.respond(e.request, m, {}, now);
            return;
        }
        whole = std::move(up);
        uploads_.erase(e.peer.value());
        body = whole;
    }
    if (path.size() == 1) {
        if (e.msg.code == coap::codes::post)
            handle_register(e, body, now);
        else
            answer(e, coap::codes::method_not_allowed, "", now);
    } else {
        if (e.msg.code == coap::codes::post)
            handle_update(e, path[1], body, now);
        else if (e.msg.code == coap::codes::del)
            handle_delete(e, path[1], now);
        else
            answer(e, coap::codes::method_not_allowed, "", now);
    }
}

void server_engine::handle_register(const coap::event& e, std::string_view body, time_ms now) {
    std::vector<std::string> q;
    for (const auto& o : coap::uri_query(e.msg))
        q.emplace_back(o.as_string());
    auto params = parse_params(q);
    if (!params) return answer(e, coap::codes::bad_request, params.error().reason, now);
    if (!params->endpoint) return answer(e, coap::codes::bad_request, "missing ep", now);
    if (params->lwm2m_version && !supported_version(*params->lwm2m_version))
        return answer(e, coap::codes::precondition_failed, "unsupported LwM2M version", now);
    const auto cf = coap::content_format(e.msg);
    if (cf && *cf != cf_link_format)
        return answer(e, coap::codes::unsupported_content_format, "object list must be link format",
                      now);
    auto objects = parse_object_list(body);
    if (!objects) return answer(e, coap::codes::bad_request, objects.error().reason, now);

    registration r;
    r.endpoint = *params->endpoint;
    r.id = new_id();
    if (params->lwm2m_version) r.lwm2m_version = *params->lwm2m_version;
    if (params->lifetime) r.lifetime_s = *params->lifetime;
    if (params->binding) r.binding = *params->binding;
    r.queue_mode = params->queue;
    r.objects = std::move(*objects);
    r.peer = e.peer;
    if (auto a = peers_.find(e.peer.value()); a != peers_.end()) r.address = a->second.address;
    r.registered_at = now;
    r.updated_at = now;
    auto old = store_.add(r);
    if (!old) return answer(e, coap::codes::internal_server_error, old.error().reason, now);
    answer(e, coap::codes::created, "", now, &r.id);
    if (*old) {
        event ev;
        ev.kind = event_kind::replaced;
        ev.reg = std::move(**old);
        events_.push_back(std::move(ev));
    }
    event ev;
    ev.kind = event_kind::registered;
    ev.reg = std::move(r);
    events_.push_back(std::move(ev));
}

void server_engine::handle_update(const coap::event& e, const std::string& id,
                                  std::string_view body, time_ms now) {
    auto cur = store_.find_by_id(id);
    if (!cur) return answer(e, coap::codes::not_found, "unknown registration", now);
    std::vector<std::string> q;
    for (const auto& o : coap::uri_query(e.msg))
        q.emplace_back(o.as_string());
    auto params = parse_params(q);
    if (!params) return answer(e, coap::codes::bad_request, params.error().reason, now);
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
            return answer(e, coap::codes::unsupported_content_format,
                          "object list must be link format", now);
        auto objects = parse_object_list(body);
        if (!objects) return answer(e, coap::codes::bad_request, objects.error().reason, now);
        r.objects = std::move(*objects);
    }
    // The client may come back from another address (NAT rebinding).
    r.peer = e.peer;
    if (auto a = peers_.find(e.peer.value()); a != peers_.end()) r.address = a->second.address;
    r.updated_at = now;
    auto u = store_.update(r);
    if (!u) return answer(e, coap::codes::internal_server_error, u.error().reason, now);
    answer(e, coap::codes::changed, "", now);
    event ev;
    ev.kind = event_kind::updated;
    ev.reg = std::move(r);
    ev.previous = std::move(*cur);
    events_.push_back(std::move(ev));
}

void server_engine::handle_delete(const coap::event& e, const std::string& id, time_ms now) {
    auto r = store_.remove(id);
    if (!r) return answer(e, coap::codes::not_found, "unknown registration", now);
    answer(e, coap::codes::deleted, "", now);
    event ev;
    ev.kind = event_kind::deregistered;
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

}  // namespace sirocco::server
