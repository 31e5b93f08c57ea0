// Datagram reliability (RFC 7252 4): retransmission state and duplicate
// detection with cached responses.
#include <cstring>

#include "engine_internal.hpp"
#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/engine.hpp"

namespace sirocco::coap {

void engine::start_con(exchange_slot& x, time_ms now) noexcept {
    x.awaiting_ack = true;
    x.retransmits = 0;
    x.timeout_ms = initial_timeout();
    x.next_retransmit = now + x.timeout_ms;
}

engine::dedup_entry* engine::find_dedup(std::uint8_t peer, std::uint16_t mid,
                                        time_ms now) noexcept {
    for (auto& d : dedup_) {
        if (!d.used || d.peer != peer || d.mid != mid) continue;
        if (d.kind != dd_kind::pending && now >= d.expiry) {
            d.used = false;  // expired
            continue;
        }
        return &d;
    }
    return nullptr;
}

engine::dedup_entry* engine::alloc_dedup(std::uint8_t peer, std::uint16_t mid, time_ms expiry,
                                         time_ms now) noexcept {
    // A free or expired entry first; else evict the oldest entry that is not
    // pending (its duplicates will then be processed again: the bounded cache
    // trades strictness for memory, RFC 7252 4.5 allows "relaxed" detection).
    dedup_entry* victim = nullptr;
    for (auto& d : dedup_) {
        if (!d.used || (d.kind != dd_kind::pending && now >= d.expiry)) {
            victim = &d;
            break;
        }
        if (d.kind == dd_kind::pending || d.send_pending) continue;
        if (victim == nullptr || d.expiry < victim->expiry) victim = &d;
    }
    if (victim == nullptr) return nullptr;
    victim->used = true;
    victim->peer = peer;
    victim->mid = mid;
    victim->kind = dd_kind::pending;
    victim->expiry = expiry;
    victim->send_pending = false;
    victim->size = 0;
    return victim;
}

bool engine::send_cached(peer_slot& p, std::uint16_t mid, const message& m) noexcept {
    dedup_entry* d = nullptr;
    for (auto& e : dedup_)
        if (e.used && e.peer == index_of(p) && e.mid == mid) d = &e;
    if (d == nullptr) return send_oneshot(p, m);
    auto n = encode_to(m, p, d->buf);
    if (!n) {
        ++stats_.dropped;
        return false;
    }
    d->size = static_cast<std::uint16_t>(*n);
    d->kind = dd_kind::response;
    d->send_pending = true;
    d->order = next_order();
    return true;
}

}  // namespace sirocco::coap
