// What a host keeps of a datagram peer between two engines (engine.hpp:
// quiescent, dedup_records, restore_dedup, message ids): the duplicate
// cache (RFC 7252 4.5) and the message-id sequence.
#include <cstring>

#include "sirocco/coap/engine.hpp"

namespace sirocco::coap {

bool engine::quiescent(time_ms now) const noexcept {
    if (ev_count_ != 0) return false;
    for (const auto& x : xs_)
        if (x.role != x_role::none) return false;
    for (const auto& o : obs_)
        if (o.used) return false;
    (void)now;
    for (const auto& c : ctl_)
        if (c.used) return false;
    for (const auto& d : dedup_)
        if (d.used && (d.kind == dd_kind::pending || d.send_pending)) return false;
    return true;
}

std::size_t engine::dedup_records(peer_id peer, time_ms now, dedup_record* out,
                                  std::size_t max) const noexcept {
    std::size_t n = 0;
    const peer_slot* p = nullptr;
    for (const auto& s : peers_)
        if (s.used && s.id == peer) p = &s;
    if (p == nullptr || out == nullptr) return 0;
    const auto pi = static_cast<std::uint8_t>(p - peers_.data());
    for (const auto& d : dedup_) {
        if (n == max) break;
        if (!d.used || d.peer != pi || d.kind == dd_kind::pending || d.expiry <= now) continue;
        dedup_record r;
        r.message_id = d.mid;
        r.expiry = d.expiry;
        switch (d.kind) {
            case dd_kind::response:
                r.answer = dedup_answer::response;
                r.response = bytes_view(d.buf.data(), d.size);
                break;
            case dd_kind::empty_ack:
                r.answer = dedup_answer::empty_ack;
                break;
            case dd_kind::rst:
                r.answer = dedup_answer::rst;
                break;
            default:
                r.answer = dedup_answer::ignore;
                break;
        }
        out[n++] = r;
    }
    return n;
}

result<void> engine::restore_dedup(peer_id peer, const dedup_record& r) noexcept {
    peer_slot* p = find_peer(peer);
    if (p == nullptr) return unexpected(errc::not_found, "peer is not open");
    if (p->fr != framing::datagram)
        return unexpected(errc::not_allowed, "duplicate detection is for datagram peers");
    if (r.answer == dedup_answer::response &&
        (r.response.empty() || r.response.size() > limits::max_pdu))
        return unexpected(errc::invalid_argument, "a cached response of 1..max_pdu bytes");
    const std::uint8_t pi = index_of(*p);
    dedup_entry* d = nullptr;
    for (auto& e : dedup_)
        if (e.used && e.peer == pi && e.mid == r.message_id) d = &e;
    if (d == nullptr) d = alloc_dedup(pi, r.message_id, r.expiry, last_now_);
    if (d == nullptr) return unexpected(errc::capacity_exceeded, "no free dedup entry");
    d->expiry = r.expiry;
    d->send_pending = false;
    d->size = 0;
    switch (r.answer) {
        case dedup_answer::response:
            d->kind = dd_kind::response;
            std::memcpy(d->buf.data(), r.response.data(), r.response.size());
            d->size = static_cast<std::uint16_t>(r.response.size());
            break;
        case dedup_answer::empty_ack:
            d->kind = dd_kind::empty_ack;
            break;
        case dedup_answer::rst:
            d->kind = dd_kind::rst;
            break;
        case dedup_answer::ignore:
            d->kind = dd_kind::ignore;
            break;
    }
    return {};
}

std::size_t engine::block1_records(peer_id peer, time_ms now, block1_record* out,
                                   std::size_t max) const noexcept {
    std::size_t n = 0;
    const peer_slot* p = nullptr;
    for (const auto& s : peers_)
        if (s.used && s.id == peer) p = &s;
    if (p == nullptr || out == nullptr) return 0;
    const auto pi = static_cast<std::uint8_t>(p - peers_.data());
    for (const auto& b : b1_) {
        if (n == max) break;
        if (!b.used || b.peer != pi || b.expiry <= now) continue;
        block1_record r;
        r.key = b.key;
        r.next_num = b.next_num;
        r.received = static_cast<std::uint32_t>(b.received);
        r.expiry = b.expiry;
        out[n++] = r;
    }
    return n;
}

result<void> engine::restore_block1(peer_id peer, const block1_record& r) noexcept {
    peer_slot* p = find_peer(peer);
    if (p == nullptr) return unexpected(errc::not_found, "peer is not open");
    const std::uint8_t pi = index_of(*p);
    block1_session* s = nullptr;
    for (auto& b : b1_)
        if (b.used && b.peer == pi && b.key == r.key) s = &b;
    if (s == nullptr)
        for (auto& b : b1_)
            if (!b.used || b.expiry <= last_now_) {
                s = &b;
                break;
            }
    if (s == nullptr) return unexpected(errc::capacity_exceeded, "no free Block1 session");
    s->used = true;
    s->peer = pi;
    s->key = r.key;
    s->next_num = r.next_num;
    s->received = r.received;
    s->expiry = r.expiry;
    return {};
}

std::optional<std::uint16_t> engine::next_message_id(peer_id peer) const noexcept {
    for (const auto& s : peers_)
        if (s.used && s.id == peer) return s.next_mid;
    return std::nullopt;
}

result<void> engine::set_next_message_id(peer_id peer, std::uint16_t mid) noexcept {
    peer_slot* p = find_peer(peer);
    if (p == nullptr) return unexpected(errc::not_found, "peer is not open");
    p->next_mid = mid;
    return {};
}

}  // namespace sirocco::coap
