// Stream signalling (RFC 8323 5: CSM, Ping/Pong, Release, Abort) and the
// small control messages of the datagram layer (empty ACK, RST).
#include <cstring>

#include "engine_internal.hpp"
#include "sirocco/coap/block.hpp"
#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/engine.hpp"
#include "sirocco/coap/options.hpp"

namespace sirocco::coap {

using namespace detail;

std::size_t engine::write_control(const control_entry& c, mutable_bytes out) noexcept {
    const peer_slot& p = peers_[c.peer];
    if (!p.used) return 0;
    message m;
    std::array<std::uint8_t, 16> st{};
    message_builder b(m, st);
    switch (c.kind) {
        case ctl_kind::empty_ack:
        case ctl_kind::rst:
            m.type = c.kind == ctl_kind::rst ? msg_type::rst : msg_type::ack;
            m.code = codes::empty;
            m.message_id = c.mid;
            break;
        case ctl_kind::csm:
            m.code = codes::csm;
            (void)b.add_uint(opt::csm_max_message_size,
                             static_cast<std::uint32_t>(limits::max_pdu));
            (void)b.add_empty(opt::csm_block_wise_transfer);
            break;
        case ctl_kind::ping:
            m.code = codes::ping;
            m.token = c.tok;
            break;
        case ctl_kind::pong:
            m.code = codes::pong;
            m.token = c.tok;
            break;
        case ctl_kind::release:
            m.code = codes::release;
            break;
        case ctl_kind::reply:
            m.code = c.code;
            m.type = c.type;
            m.message_id = c.mid;
            m.token = c.tok;
            if (c.has_block1) {
                if (auto v = encode_block(c.block1)) (void)b.add_uint(opt::block1, *v);
            }
            if (c.size1 != 0) (void)b.add_uint(opt::size1, c.size1);
            break;
        case ctl_kind::abort:
            m.code = codes::abort;
            if (c.bad_option != 0) (void)b.add_uint(opt::abort_bad_csm_option, c.bad_option);
            if (c.diagnostic != nullptr) m.payload = as_bytes(c.diagnostic);
            break;
    }
    // Control messages never exceed the peer's limit; encode into `out`.
    auto n = encode(m, p.fr, out);
    return n ? *n : 0;
}

void engine::handle_signal(peer_slot& p, const message& m, time_ms now) noexcept {
    last_now_ = now;
    const option_verdict v = check_options(m);
    if (v.what == option_verdict::action::abort) {
        control_entry c;
        c.kind = ctl_kind::abort;
        c.peer = index_of(p);
        c.bad_option = v.number;
        c.diagnostic = "unrecognised critical option in a signal";
        (void)queue_control(c);
        p.aborted = true;
        fail_peer(p, event_kind::failed, sirocco::error(errc::malformed, v.reason));
        event e;
        e.kind = event_kind::aborted;
        e.peer = p.id;
        e.err = sirocco::error(errc::malformed, "the peer sent a bad signalling option");
        (void)push_event(e);
        return;
    }
    event e;
    e.peer = p.id;
    e.msg = m;
    if (m.code == codes::csm) {
        // RFC 8323 5.3.1/5.3.2: the peer's limits; absent means 1152 and
        // no block-wise.
        if (const option* o = first_option(m, opt::csm_max_message_size))
            p.peer_max_message = opt_uint(*o);
        p.peer_block_wise = first_option(m, opt::csm_block_wise_transfer) != nullptr;
        p.csm_received = true;
        e.kind = event_kind::csm;
        e.max_message_size = p.peer_max_message;
        e.block_wise = p.peer_block_wise;
        (void)push_event(e);
        try_start(p, now);
        return;
    }
    if (!p.csm_received) {
        (void)abort(p.id, "first message was not a CSM");
        return;
    }
    if (m.code == codes::ping) {
        control_entry c;
        c.kind = ctl_kind::pong;
        c.peer = index_of(p);
        c.tok = m.token;
        (void)queue_control(c);
        return;
    }
    if (m.code == codes::pong) {
        if (p.ping_outstanding && m.token == p.ping_token) {
            p.ping_outstanding = false;
            e.kind = event_kind::pong;
            (void)push_event(e);
        }
        return;
    }
    if (m.code == codes::release) {
        p.released = true;
        e.kind = event_kind::released;
        (void)push_event(e);
        return;
    }
    if (m.code == codes::abort) {
        p.aborted = true;
        e.kind = event_kind::aborted;
        e.body = m.payload;
        e.err = sirocco::error(errc::io_error, "the peer aborted the connection");
        fail_peer(p, event_kind::failed, e.err);
        (void)push_event(e);
        return;
    }
    // Unknown signal codes are ignored (RFC 8323 5.1).
}

result<void> engine::ping(peer_id id, time_ms now) noexcept {
    last_now_ = now;
    peer_slot* p = find_peer(id);
    if (p == nullptr) return unexpected(errc::not_found, "peer is not open");
    if (p->fr != framing::stream) return unexpected(errc::not_allowed, "not a stream peer");
    control_entry c;
    c.kind = ctl_kind::ping;
    c.peer = index_of(*p);
    c.tok = new_token();
    if (!queue_control(c)) return unexpected(errc::capacity_exceeded, "control queue full");
    p->ping_outstanding = true;
    p->ping_token = c.tok;
    p->ping_deadline = now + cfg_.request_timeout_ms;
    return {};
}

result<void> engine::release(peer_id id) noexcept {
    peer_slot* p = find_peer(id);
    if (p == nullptr) return unexpected(errc::not_found, "peer is not open");
    if (p->fr != framing::stream) return unexpected(errc::not_allowed, "not a stream peer");
    control_entry c;
    c.kind = ctl_kind::release;
    c.peer = index_of(*p);
    if (!queue_control(c)) return unexpected(errc::capacity_exceeded, "control queue full");
    return {};
}

result<void> engine::abort(peer_id id, const char* diagnostic) noexcept {
    peer_slot* p = find_peer(id);
    if (p == nullptr) return unexpected(errc::not_found, "peer is not open");
    if (p->fr != framing::stream) return unexpected(errc::not_allowed, "not a stream peer");
    control_entry c;
    c.kind = ctl_kind::abort;
    c.peer = index_of(*p);
    c.diagnostic = diagnostic;
    // Abort is the last message: drop whatever else was queued for the peer.
    fail_peer(*p, event_kind::failed, sirocco::error(errc::io_error, "connection aborted"));
    if (!queue_control(c)) return unexpected(errc::capacity_exceeded, "control queue full");
    if (!p->aborted) {
        p->aborted = true;
        event e;
        e.kind = event_kind::aborted;
        e.peer = p->id;
        e.err = sirocco::error(errc::io_error, diagnostic);
        (void)push_event(e);
    }
    return {};
}

}  // namespace sirocco::coap
