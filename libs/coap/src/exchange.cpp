// Client role: requests, token matching, Block1 uploads, Block2 downloads
// (RFC 7959), observe client side (RFC 7641 3).
#include <algorithm>
#include <cstring>

#include "engine_internal.hpp"
#include "sirocco/coap/block.hpp"
#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/engine.hpp"
#include "sirocco/coap/options.hpp"

namespace sirocco::coap {

using namespace detail;

namespace {

// RFC 7641 3.4: is V2 (received at T2) newer than V1 (received at T1)?
bool fresh(std::uint32_t v1, time_ms t1, std::uint32_t v2, time_ms t2) noexcept {
    constexpr std::uint32_t half = 1u << 23;
    return (v1 < v2 && v2 - v1 < half) || (v1 > v2 && v1 - v2 > half) || t2 > t1 + 128000;
}

}  // namespace

std::size_t engine::block_size_for(const peer_slot& p) const noexcept {
    std::size_t bs = cfg_.max_block_size;
    // Leave room for header, token and options within the peer's
    // Max-Message-Size (RFC 8323 5.3.1) and our own buffers.
    const std::size_t limit = p.fr == framing::stream
                                  ? std::min<std::size_t>(p.peer_max_message, limits::max_pdu)
                                  : limits::max_pdu;
    while (bs > 16 && bs + 128 > limit)
        bs /= 2;
    return bs;
}

std::size_t engine::outstanding(std::uint8_t peer) const noexcept {
    std::size_t n = 0;
    for (const auto& x : xs_)
        if (x.role == x_role::client && x.peer == peer &&
            (x.state == c_state::waiting || x.state == c_state::deregistering))
            ++n;
    return n;
}

std::size_t engine::active_transfers() const noexcept {
    std::size_t n = 0;
    for (const auto& x : xs_)
        if (x.role == x_role::client && x.transfer) ++n;
    return n;
}

result<exchange_id> engine::send_request(peer_id id, const message& req, bytes_view body,
                                         time_ms now, const request_options& opts) noexcept {
    last_now_ = now;
    peer_slot* p = find_peer(id);
    if (p == nullptr) return unexpected(errc::not_found, "peer is not open");
    if (p->released || p->aborted)
        return unexpected(errc::not_allowed, "the connection was released or aborted");
    if (!req.code.is_request()) return unexpected(errc::invalid_argument, "code is not a request");
    if (body.size() > cfg_.max_body_size)
        return unexpected(errc::capacity_exceeded, "body larger than max_body_size");
    const std::size_t bs = block_size_for(*p);
    const bool block1 = body.size() > bs;
    if (block1 && active_transfers() >= cfg_.max_transfers)
        return unexpected(errc::capacity_exceeded, "too many block-wise transfers at once");

    exchange_slot* x = alloc_exchange(x_role::client, index_of(*p));
    if (x == nullptr) return unexpected(errc::capacity_exceeded, "no free exchange slot");

    // Keep the options (minus the ones we manage) to build follow-up block
    // requests and the deregistration: number (2 bytes), length (2), value.
    std::size_t used = 0;
    for (const auto& o : req.options) {
        if (engine_managed(o.number)) continue;
        if (used + 4 + o.value.size() > x->tmpl.size()) {
            free_exchange(*x);
            return unexpected(errc::capacity_exceeded, "request options too long to keep");
        }
        x->tmpl[used++] = static_cast<std::uint8_t>(o.number >> 8);
        x->tmpl[used++] = static_cast<std::uint8_t>(o.number);
        x->tmpl[used++] = static_cast<std::uint8_t>(o.value.size() >> 8);
        x->tmpl[used++] = static_cast<std::uint8_t>(o.value.size());
        if (!o.value.empty()) std::memcpy(x->tmpl.data() + used, o.value.data(), o.value.size());
        used += o.value.size();
    }
    x->tmpl_size = static_cast<std::uint16_t>(used);
    const option* obs = first_option(req, opt::observe);
    x->observe = obs != nullptr && opt_uint(*obs) == 0;
    x->req_code = req.code;
    x->req_type =
        p->fr == framing::datagram && req.type == msg_type::non ? msg_type::non : msg_type::con;
    x->upload = body;
    x->block1 = block1;
    x->szx1 = szx_at_most(bs);
    x->transfer = block1;
    x->reassembly = opts.response_buffer;
    if (opts.block2_size != 0) {
        x->early_block2 = true;
        x->szx2 = szx_at_most(std::min<std::size_t>(opts.block2_size, bs));
        if (opts.block2_single) {
            x->single_block2 = true;
            x->next_block2 = opts.block2_num;
            x->received = static_cast<std::size_t>(opts.block2_num) * block_size(x->szx2);
        }
    } else {
        x->szx2 = szx_at_most(bs);
    }
    x->tok = new_token();
    x->state = c_state::queued;
    const exchange_id h(make_handle(x->gen, index_of(*x)));
    try_start(*p, now);
    // A stream peer that never sends its CSM must not hold the request forever.
    if (x->state == c_state::queued && !p->csm_received)
        x->deadline = now + cfg_.request_timeout_ms;
    return h;
}

result<exchange_id> engine::resume_observation(peer_id id, const message& req,
                                               const coap::token& tok, time_ms now) noexcept {
    last_now_ = now;
    peer_slot* p = find_peer(id);
    if (p == nullptr) return unexpected(errc::not_found, "peer is not open");
    if (!req.code.is_request()) return unexpected(errc::invalid_argument, "code is not a request");
    if (find_client_by_token(index_of(*p), tok) != nullptr)
        return unexpected(errc::invalid_argument, "token already in use");
    exchange_slot* x = alloc_exchange(x_role::client, index_of(*p));
    if (x == nullptr) return unexpected(errc::capacity_exceeded, "no free exchange slot");
    std::size_t used = 0;
    for (const auto& o : req.options) {
        if (engine_managed(o.number)) continue;
        if (used + 4 + o.value.size() > x->tmpl.size()) {
            free_exchange(*x);
            return unexpected(errc::capacity_exceeded, "request options too long to keep");
        }
        x->tmpl[used++] = static_cast<std::uint8_t>(o.number >> 8);
        x->tmpl[used++] = static_cast<std::uint8_t>(o.number);
        x->tmpl[used++] = static_cast<std::uint8_t>(o.value.size() >> 8);
        x->tmpl[used++] = static_cast<std::uint8_t>(o.value.size());
        if (!o.value.empty()) std::memcpy(x->tmpl.data() + used, o.value.data(), o.value.size());
        used += o.value.size();
    }
    x->tmpl_size = static_cast<std::uint16_t>(used);
    x->req_code = req.code;
    x->req_type =
        p->fr == framing::datagram && req.type == msg_type::non ? msg_type::non : msg_type::con;
    x->tok = tok;
    x->observe = true;
    x->first_sent = true;
    x->state = c_state::observing;
    x->szx1 = szx_at_most(block_size_for(*p));
    x->szx2 = x->szx1;
    return exchange_id(make_handle(x->gen, index_of(*x)));
}

result<void> engine::build_client_wire(exchange_slot& x, std::uint16_t observe_value) noexcept {
    peer_slot& p = peers_[x.peer];
    message m;
    m.code = x.req_code;
    m.type = x.req_type;
    m.token = x.tok;
    if (p.fr == framing::datagram) {
        x.mid = next_mid(p);
        m.message_id = x.mid;
    }
    std::size_t at = 0;
    while (at + 4 <= x.tmpl_size) {
        option o;
        o.number = static_cast<std::uint16_t>((x.tmpl[at] << 8) | x.tmpl[at + 1]);
        const std::size_t len = static_cast<std::size_t>((x.tmpl[at + 2] << 8) | x.tmpl[at + 3]);
        o.value = bytes_view(x.tmpl.data() + at + 4, len);
        at += 4 + len;
        if (!m.options.push_back(o)) return unexpected(errc::capacity_exceeded, "too many options");
    }
    std::array<std::uint8_t, 32> st{};
    message_builder b(m, st);
    if (observe_value != 0xFFFF) SIROCCO_TRY(b.add_uint(opt::observe, observe_value));
    const bool follow_up = x.next_block2 > 0 || x.single_block2;
    if (!follow_up && x.block1) {
        const std::size_t size = block_size(x.szx1);
        block_value bv;
        bv.num = static_cast<std::uint32_t>(x.upload_offset / size);
        bv.more = x.upload_offset + size < x.upload.size();
        bv.szx = x.szx1;
        auto v = encode_block(bv);
        if (!v) return unexpected(v.error());
        SIROCCO_TRY(b.add_uint(opt::block1, *v));
        if (x.upload_offset == 0)
            SIROCCO_TRY(b.add_uint(opt::size1, static_cast<std::uint32_t>(x.upload.size())));
        m.payload =
            x.upload.subspan(x.upload_offset, std::min(size, x.upload.size() - x.upload_offset));
    } else if (!follow_up) {
        m.payload = x.upload;
    }
    if (follow_up || x.early_block2) {
        block_value bv;
        bv.num = x.next_block2;
        bv.szx = x.szx2;
        auto v = encode_block(bv);
        if (!v) return unexpected(v.error());
        SIROCCO_TRY(b.add_uint(opt::block2, *v));
    }
    auto n = encode_to(m, p, x.wire);
    if (!n) return unexpected(n.error());
    x.wire_size = static_cast<std::uint16_t>(*n);
    return {};
}

void engine::send_client(exchange_slot& x, time_ms now) noexcept {
    peer_slot& p = peers_[x.peer];
    std::uint16_t observe_value = 0xFFFF;
    if (x.state == c_state::deregistering)
        observe_value = 1;
    else if (x.observe && !x.first_sent)
        observe_value = 0;
    auto r = build_client_wire(x, observe_value);
    if (!r) {
        finish_client(x, event_kind::failed, r.error());
        return;
    }
    x.first_sent = true;
    if (x.state == c_state::queued) x.state = c_state::waiting;
    x.send_pending = true;
    x.order = next_order();
    if (p.fr == framing::datagram && x.req_type == msg_type::con) {
        start_con(x, now);
        x.deadline = 0;
    } else {
        x.awaiting_ack = false;
        x.deadline = now + cfg_.request_timeout_ms;
    }
}

void engine::try_start(peer_slot& p, time_ms now) noexcept {
    if (!p.csm_received || p.released || p.aborted) return;
    const std::uint8_t pi = index_of(p);
    for (;;) {
        if (p.fr == framing::datagram && outstanding(pi) >= cfg_.nstart) return;
        exchange_slot* next = nullptr;
        for (auto& x : xs_) {
            if (x.role != x_role::client || x.peer != pi || x.state != c_state::queued) continue;
            if (next == nullptr || static_cast<std::int32_t>(x.order - next->order) < 0) next = &x;
        }
        if (next == nullptr) return;
        send_client(*next, now);
    }
}

void engine::finish_client(exchange_slot& x, event_kind k, sirocco::error err) noexcept {
    event e;
    e.kind = k;
    e.peer = peers_[x.peer].id;
    e.exchange = exchange_id(make_handle(x.gen, index_of(x)));
    e.err = err;
    (void)push_event(e);
    peer_slot& p = peers_[x.peer];
    free_exchange(x);
    try_start(p, last_now_);  // a queued request may go now (NSTART)
}

result<void> engine::cancel(exchange_id h, time_ms now, bool deregister) noexcept {
    last_now_ = now;
    const std::size_t i = handle_index(h.value());
    if (i >= xs_.size()) return unexpected(errc::not_found, "no such exchange");
    exchange_slot& x = xs_[i];
    if (x.role != x_role::client || x.gen != handle_gen(h.value()))
        return unexpected(errc::not_found, "no such exchange");
    peer_slot& p = peers_[x.peer];
    if (deregister && x.state == c_state::observing && !p.released && !p.aborted) {
        // RFC 7641 3.6: a GET with Observe 1 and the same token.
        x.state = c_state::deregistering;
        x.observe = false;
        x.next_block2 = 0;
        x.early_block2 = false;
        x.received = 0;
        // A FETCH observation (RFC 8132) deregisters with the same payload
        // when it fits one message; it stays borrowed until the exchange ends.
        if (x.upload.size() > block_size(x.szx1)) x.upload = {};
        x.upload_offset = 0;
        x.block1 = false;
        send_client(x, now);
        return {};
    }
    free_exchange(x);
    try_start(p, now);
    return {};
}

void engine::handle_response(peer_slot& p, exchange_slot& x, const message& m,
                             time_ms now) noexcept {
    last_now_ = now;
    const exchange_id h(make_handle(x.gen, index_of(x)));
    event e;
    e.peer = p.id;
    e.exchange = h;
    e.msg = m;
    e.body = m.payload;
    const option* obs = first_option(m, opt::observe);

    if (x.state == c_state::observing) {
        if (obs == nullptr || m.code.cls() != 2) {
            // The server ended the observation (RFC 7641 3.2).
            e.kind = event_kind::response;
            (void)push_event(e);
            free_exchange(x);
            try_start(p, now);
            return;
        }
        const std::uint32_t v = opt_uint(*obs) & 0xFFFFFF;
        if (x.have_seq && !fresh(x.last_seq, x.last_seq_time, v, now)) {
            ++stats_.dropped;  // stale or reordered (RFC 7641 3.4)
            return;
        }
        x.have_seq = true;
        x.last_seq = v;
        x.last_seq_time = now;
        e.kind = event_kind::notification;
        e.observe_seq = v;
        e.observe = v;
        if (auto b2 = find_block(m, opt::block2, p.fr)) e.block2 = *b2;
        (void)push_event(e);
        return;
    }
    if (x.state == c_state::deregistering) {
        // A notification crossing our deregistration is not its answer.
        const bool our_ack =
            p.fr != framing::datagram || (m.type == msg_type::ack && m.message_id == x.mid);
        if (obs != nullptr && !our_ack) return;
        e.kind = event_kind::response;
        (void)push_event(e);
        free_exchange(x);
        try_start(p, now);
        return;
    }

    // --- Block1 upload in progress (RFC 7959 2.3, 2.5, 2.9.3) ---
    if (x.block1) {
        auto b1 = find_block(m, opt::block1, p.fr);
        const std::size_t size = block_size(x.szx1);
        const std::size_t end = std::min(x.upload_offset + size, x.upload.size());
        if (m.code == codes::request_entity_too_large && b1 && b1->szx < x.szx1) {
            // The server wants smaller blocks: start over at that size.
            x.szx1 = b1->szx;
            x.upload_offset = 0;
            x.first_sent = false;
            send_client(x, now);
            return;
        }
        if (m.code == codes::continue_ && end < x.upload.size()) {
            if (!b1 || (b1->num != x.upload_offset / size && b1->offset() != x.upload_offset)) {
                finish_client(x, event_kind::failed,
                              sirocco::error(errc::malformed, "2.31 for another block"));
                return;
            }
            x.upload_offset = end;
            // Late negotiation (RFC 7959 2.5): the server asked for smaller blocks.
            if (b1->szx < x.szx1) x.szx1 = b1->szx;
            e.kind = event_kind::upload_progress;
            e.offset = end;
            e.total = x.upload.size();
            (void)push_event(e);
            send_client(x, now);
            return;
        }
        x.block1 = false;  // final answer to the upload
    } else if (m.code == codes::request_entity_too_large && !x.sent_413_restart &&
               !x.upload.empty() && x.next_block2 == 0) {
        // 4.13 to an unfragmented request with the size the server accepts.
        auto b1 = find_block(m, opt::block1, p.fr);
        if (b1 && b1->size() < x.upload.size() && !b1->is_bert()) {
            x.sent_413_restart = true;
            x.szx1 = b1->szx;
            x.block1 = true;
            x.upload_offset = 0;
            x.first_sent = false;
            send_client(x, now);
            return;
        }
    }

    if (obs != nullptr && x.observe && m.code.cls() == 2 && !x.have_seq) {
        x.have_seq = true;
        x.last_seq = opt_uint(*obs) & 0xFFFFFF;
        x.last_seq_time = now;
        e.observe = x.last_seq;
        e.observe_seq = x.last_seq;
    }

    // --- Block2 download (RFC 7959 2.4) ---
    auto b2 = find_block(m, opt::block2, p.fr);
    if (b2 && m.code.cls() == 2) {
        e.block2 = *b2;
        const std::size_t off = b2->offset();
        const option* s2 = first_option(m, opt::size2);
        if (s2 != nullptr) e.total = opt_uint(*s2);
        if (off != x.received) {
            finish_client(x, event_kind::failed,
                          sirocco::error(errc::malformed, "the server sent an unexpected block"));
            return;
        }
        if (!x.single_block2 &&
            (e.total > cfg_.max_body_size || off + m.payload.size() > cfg_.max_body_size)) {
            finish_client(
                x, event_kind::failed,
                sirocco::error(errc::capacity_exceeded, "response body larger than max_body_size"));
            return;
        }
        if (!x.reassembly.empty() || off > 0 || b2->more) {
            if (!x.reassembly.empty()) {
                if (off + m.payload.size() > x.reassembly.size()) {
                    finish_client(x, event_kind::failed,
                                  sirocco::error(errc::capacity_exceeded,
                                                 "response body larger than the buffer"));
                    return;
                }
                if (!m.payload.empty())
                    std::memcpy(x.reassembly.data() + off, m.payload.data(), m.payload.size());
            }
        }
        x.received = off + m.payload.size();
        if (b2->more && !x.single_block2) {
            if (m.payload.empty() || b2->is_bert() || m.payload.size() % b2->size() != 0) {
                finish_client(x, event_kind::failed,
                              sirocco::error(errc::malformed, "a middle block of the wrong size"));
                return;
            }
            if (!x.transfer) {
                if (active_transfers() >= cfg_.max_transfers) {
                    finish_client(x, event_kind::failed,
                                  sirocco::error(errc::capacity_exceeded,
                                                 "too many block-wise transfers at once"));
                    return;
                }
                x.transfer = true;
            }
            e.kind = event_kind::response_block;
            e.offset = off;
            (void)push_event(e);
            if (b2->szx < x.szx2 || !x.early_block2) x.szx2 = b2->szx;
            x.next_block2 = static_cast<std::uint32_t>(x.received / block_size(x.szx2));
            x.early_block2 = false;
            send_client(x, now);
            return;
        }
        e.offset = off;
        if (!x.reassembly.empty()) e.body = bytes_view(x.reassembly.data(), x.received);
        if (e.total == 0 && !b2->more) e.total = x.received;
    } else if (!x.reassembly.empty() && m.code.cls() == 2 && !m.payload.empty()) {
        if (m.payload.size() > x.reassembly.size()) {
            finish_client(
                x, event_kind::failed,
                sirocco::error(errc::capacity_exceeded, "response body larger than the buffer"));
            return;
        }
        std::memcpy(x.reassembly.data(), m.payload.data(), m.payload.size());
        e.body = bytes_view(x.reassembly.data(), m.payload.size());
    }

    if (x.observe && x.have_seq && m.code.cls() == 2 && !e.observe) {
        // A block-wise first notification: Observe came with block 0.
        e.observe = x.last_seq;
        e.observe_seq = x.last_seq;
    }
    e.kind = event_kind::response;
    (void)push_event(e);
    if (x.observe && x.have_seq && m.code.cls() == 2) {
        // Established: later notifications arrive on this token.
        x.state = c_state::observing;
        x.transfer = false;
        x.deadline = 0;
        x.awaiting_ack = false;
        x.next_block2 = 0;
        x.received = 0;
        try_start(p, now);
        return;
    }
    free_exchange(x);
    try_start(p, now);
}

}  // namespace sirocco::coap
