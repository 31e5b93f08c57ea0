// Engine core: peers, input dispatch, output queue, events, timers.
#include "sirocco/coap/engine.hpp"

#include <algorithm>
#include <cstring>

#include "engine_internal.hpp"
#include "sirocco/coap/codec.hpp"

namespace sirocco::coap {

using namespace detail;

engine::engine(const config& cfg) noexcept : cfg_(cfg) {
    std::size_t bs = cfg_.max_block_size < 16 ? 16 : cfg_.max_block_size;
    cfg_.max_block_size = static_cast<std::uint16_t>(block_size(szx_at_most(bs)));
    if (cfg_.max_block_size < 16) cfg_.max_block_size = 16;
    if (cfg_.token_length < 1) cfg_.token_length = 1;
    if (cfg_.token_length > 8) cfg_.token_length = 8;
    if (cfg_.nstart < 1) cfg_.nstart = 1;
    if (cfg_.ack_random_factor_permille < 1000) cfg_.ack_random_factor_permille = 1000;
    if (cfg_.max_transfers < 1) cfg_.max_transfers = 1;
}

// ---- small helpers ------------------------------------------------------------

std::uint32_t engine::random() noexcept {
    if (cfg_.rng != nullptr) return cfg_.rng(cfg_.rng_ctx);
    // Fallback (config misuse): xorshift32, still never crashes.
    rng_state_ ^= rng_state_ << 13;
    rng_state_ ^= rng_state_ >> 17;
    rng_state_ ^= rng_state_ << 5;
    return rng_state_;
}

std::uint32_t engine::initial_timeout() noexcept {
    // RFC 7252 4.8: a random duration between ACK_TIMEOUT and
    // ACK_TIMEOUT * ACK_RANDOM_FACTOR.
    const std::uint64_t base = cfg_.ack_timeout_ms;
    const std::uint64_t span = base * (cfg_.ack_random_factor_permille - 1000u) / 1000u;
    const std::uint64_t extra = span == 0 ? 0 : random() % (span + 1);
    return static_cast<std::uint32_t>(base + extra);
}

std::uint16_t engine::next_mid(peer_slot& p) noexcept {
    return p.next_mid++;
}

coap::token engine::new_token() noexcept {
    for (;;) {
        std::array<std::uint8_t, token::max_size> b{};
        // Clamped in the constructor already; the bound here lets the
        // compiler see the writes stay inside `b` (-Wstringop-overflow).
        const std::size_t n = cfg_.token_length < b.size() ? cfg_.token_length : b.size();
        for (std::size_t i = 0; i < n; i += 4) {
            const std::uint32_t r = random();
            for (std::size_t k = 0; k < 4 && i + k < n; ++k)
                b[i + k] = static_cast<std::uint8_t>(r >> (8 * k));
        }
        auto t = coap::token::from(bytes_view(b.data(), n));
        if (!t) continue;
        bool clash = false;
        for (const auto& x : xs_)
            if (x.role == x_role::client && x.tok == *t) clash = true;
        if (!clash) return *t;
    }
}

std::uint8_t engine::index_of(const peer_slot& p) const noexcept {
    return static_cast<std::uint8_t>(&p - peers_.data());
}
std::uint8_t engine::index_of(const exchange_slot& x) const noexcept {
    return static_cast<std::uint8_t>(&x - xs_.data());
}

engine::peer_slot* engine::find_peer(peer_id id) noexcept {
    for (auto& p : peers_)
        if (p.used && p.id == id) return &p;
    return nullptr;
}

bool engine::push_event(const event& e) noexcept {
    if (ev_count_ == limits::events) {
        ++stats_.dropped;
        return false;
    }
    ev_[(ev_head_ + ev_count_) % limits::events] = e;
    ++ev_count_;
    return true;
}

std::optional<event> engine::poll_event() noexcept {
    if (ev_count_ == 0) return std::nullopt;
    event e = ev_[ev_head_];
    ev_head_ = (ev_head_ + 1) % limits::events;
    --ev_count_;
    return e;
}

bool engine::queue_control(const control_entry& c) noexcept {
    for (auto& e : ctl_) {
        if (!e.used) {
            e = c;
            e.used = true;
            e.order = next_order();
            return true;
        }
    }
    ++stats_.dropped;
    return false;
}

engine::exchange_slot* engine::alloc_exchange(x_role role, std::uint8_t peer) noexcept {
    for (auto& x : xs_) {
        if (x.role != x_role::none) continue;
        const std::uint16_t gen = gen_++;
        if (gen_ == 0) gen_ = 1;
        // Reset everything but the large buffers (their contents are dead).
        x.role = role;
        x.gen = gen;
        x.peer = peer;
        x.tok = {};
        x.mid = 0;
        x.send_pending = false;
        x.order = next_order();
        x.awaiting_ack = false;
        x.retransmits = 0;
        x.timeout_ms = 0;
        x.next_retransmit = 0;
        x.deadline = 0;
        x.wire_size = 0;
        x.state = c_state::queued;
        x.req_type = msg_type::con;
        x.req_code = {};
        x.tmpl_size = 0;
        x.observe = false;
        x.first_sent = false;
        x.transfer = false;
        x.upload = {};
        x.upload_offset = 0;
        x.szx1 = 6;
        x.block1 = false;
        x.sent_413_restart = false;
        x.reassembly = {};
        x.received = 0;
        x.szx2 = 6;
        x.early_block2 = false;
        x.next_block2 = 0;
        x.single_block2 = false;
        x.have_seq = false;
        x.last_seq = 0;
        x.last_seq_time = 0;
        x.in_type = msg_type::con;
        x.in_mid = 0;
        x.empty_acked = false;
        x.ack_deadline = 0;
        x.in_block1.reset();
        x.in_block2.reset();
        x.observe_register = false;
        x.obs = 0;
        return &x;
    }
    return nullptr;
}

void engine::free_exchange(exchange_slot& x) noexcept {
    x.role = x_role::none;
    x.send_pending = false;
    x.awaiting_ack = false;
}

result<std::size_t> engine::encode_to(const message& m, const peer_slot& p,
                                      mutable_bytes out) const noexcept {
    std::size_t cap = out.size();
    if (p.fr == framing::stream && p.peer_max_message < cap) cap = p.peer_max_message;
    return encode(m, p.fr, out.first(cap));
}

bool engine::send_oneshot(peer_slot& p, const message& m) noexcept {
    exchange_slot* x = alloc_exchange(x_role::oneshot, index_of(p));
    if (x == nullptr) {
        ++stats_.dropped;
        return false;
    }
    auto n = encode_to(m, p, x->wire);
    if (!n) {
        free_exchange(*x);
        ++stats_.dropped;
        return false;
    }
    x->wire_size = static_cast<std::uint16_t>(*n);
    x->send_pending = true;
    x->order = next_order();
    return true;
}

// ---- peers ------------------------------------------------------------------------

result<void> engine::open_peer(peer_id id, framing f, time_ms) noexcept {
    if (find_peer(id) != nullptr) return unexpected(errc::invalid_argument, "peer already open");
    if (!limits::stream && f == framing::stream)
        return unexpected(errc::unsupported,
                          "built without stream framing (SIROCCO_COAP_STREAM=0)");
    for (auto& p : peers_) {
        if (p.used) continue;
        p.used = true;
        p.id = id;
        p.fr = f;
        p.next_mid = static_cast<std::uint16_t>(random());
        p.csm_received = f != framing::stream;
        p.released = false;
        p.aborted = false;
        p.peer_max_message = 1152;  // RFC 8323 5.3.1 base value until the CSM says more
        p.peer_block_wise = false;
        p.ping_outstanding = false;
        p.rx_size = 0;
        if (f == framing::stream) {
            control_entry c;
            c.kind = ctl_kind::csm;
            c.peer = index_of(p);
            (void)queue_control(c);
        }
        return {};
    }
    return unexpected(errc::capacity_exceeded, "too many peers open");
}

void engine::fail_peer(peer_slot& p, event_kind k, sirocco::error why) noexcept {
    const std::uint8_t pi = index_of(p);
    for (auto& x : xs_) {
        if (x.role == x_role::none || x.peer != pi) continue;
        if (x.role == x_role::client) {
            event e;
            e.kind = k;
            e.peer = p.id;
            e.exchange = exchange_id(make_handle(x.gen, index_of(x)));
            e.err = why;
            (void)push_event(e);
        }
        free_exchange(x);
    }
    for (auto& o : obs_)
        if (o.used && o.peer == pi) cancel_observation_slot(o, why);
    for (auto& s : b1_)
        if (s.peer == pi) s.used = false;
    for (auto& c : ctl_)
        if (c.used && c.peer == pi && c.kind != ctl_kind::abort) c.used = false;
}

void engine::close_peer(peer_id id) noexcept {
    peer_slot* p = find_peer(id);
    if (p == nullptr) return;
    fail_peer(*p, event_kind::failed, sirocco::error(errc::io_error, "peer closed"));
    const std::uint8_t pi = index_of(*p);
    for (auto& d : dedup_)
        if (d.peer == pi) d.used = false;
    for (auto& c : ctl_)
        if (c.peer == pi) c.used = false;
    p->used = false;
}

// ---- input ------------------------------------------------------------------------

result<std::size_t> engine::on_receive(peer_id id, bytes_view bytes, time_ms now) noexcept {
    peer_slot* p = find_peer(id);
    if (p == nullptr) return unexpected(errc::not_found, "peer is not open");
    last_now_ = now;
    // One message yields at most two events (e.g. a response and a block
    // progress, or an abort): keep room so nothing is lost.
    if (events_free() < 2)
        return unexpected(errc::capacity_exceeded, "event queue full: poll events first");

    if (p->fr == framing::datagram) {
        auto m = decode(bytes, framing::datagram);
        if (!m) {
            ++stats_.dropped;
            // RFC 7252 4.2/4.3: a CON with a format error is rejected with RST.
            auto h = peek_datagram_header(bytes);
            if (h && h->type == msg_type::con) {
                control_entry c;
                c.kind = ctl_kind::rst;
                c.peer = index_of(*p);
                c.mid = h->message_id;
                (void)queue_control(c);
            }
            return bytes.size();
        }
        handle_message(*p, *m, now);
        return bytes.size();
    }
    if (p->fr == framing::compact) {
        auto m = decode_mqtt(bytes);
        if (!m) {
            ++stats_.dropped;
            return bytes.size();
        }
        handle_message(*p, *m, now);
        return bytes.size();
    }

    // Stream: one frame per call.
    if (p->aborted) return bytes.size();
    const stream_framer framer(limits::max_pdu);
    if (p->rx_size == 0) {
        auto st = framer.check(bytes);
        if (!st) {
            (void)abort(p->id, st.error().code == errc::capacity_exceeded
                                   ? "message larger than our Max-Message-Size"
                                   : "malformed frame");
            return bytes.size();
        }
        if (st->complete()) {
            auto m = decode(bytes.first(st->n), framing::stream);
            if (!m) {
                (void)abort(p->id, "malformed message");
                return bytes.size();
            }
            handle_message(*p, *m, now);
            return st->n;
        }
        if (bytes.size() > p->rx.size()) {  // cannot happen: the frame would be too large
            (void)abort(p->id, "frame too large");
            return bytes.size();
        }
        std::memcpy(p->rx.data(), bytes.data(), bytes.size());
        p->rx_size = static_cast<std::uint16_t>(bytes.size());
        return bytes.size();
    }
    std::size_t consumed = 0;
    for (;;) {
        auto st = framer.check(bytes_view(p->rx.data(), p->rx_size));
        if (!st) {
            p->rx_size = 0;
            (void)abort(p->id, st.error().code == errc::capacity_exceeded
                                   ? "message larger than our Max-Message-Size"
                                   : "malformed frame");
            return bytes.size();
        }
        if (st->complete()) {
            const std::size_t n = st->n;
            p->rx_size = 0;  // the bytes stay in place for the event views
            auto m = decode(bytes_view(p->rx.data(), n), framing::stream);
            if (!m) {
                (void)abort(p->id, "malformed message");
                return bytes.size();
            }
            handle_message(*p, *m, now);
            return consumed;
        }
        if (consumed == bytes.size()) return consumed;
        std::size_t take = std::min(st->n, bytes.size() - consumed);
        take = std::min(take, p->rx.size() - p->rx_size);
        if (take == 0) {
            p->rx_size = 0;
            (void)abort(p->id, "frame too large");
            return bytes.size();
        }
        std::memcpy(p->rx.data() + p->rx_size, bytes.data() + consumed, take);
        p->rx_size = static_cast<std::uint16_t>(p->rx_size + take);
        consumed += take;
    }
}

engine::exchange_slot* engine::find_client_by_token(std::uint8_t peer,
                                                    const coap::token& t) noexcept {
    for (auto& x : xs_)
        if (x.role == x_role::client && x.peer == peer && x.state != c_state::queued && x.tok == t)
            return &x;
    return nullptr;
}

void engine::handle_message(peer_slot& p, const message& m, time_ms now) noexcept {
    const std::uint8_t pi = index_of(p);
    if (p.fr != framing::datagram) {
        if (m.code.is_signal()) {
            if (p.fr == framing::stream) handle_signal(p, m, now);
            return;
        }
        if (p.fr == framing::stream && !p.csm_received) {
            // RFC 8323 5.3: the CSM must be the first message.
            (void)abort(p.id, "first message was not a CSM");
            return;
        }
        if (m.code.is_empty()) return;  // RFC 8323 3.3: ignored
        if (m.code.is_request()) {
            handle_request(p, m, now);
            return;
        }
        if (exchange_slot* x = find_client_by_token(pi, m.token)) {
            handle_response(p, *x, m, now);
            return;
        }
        ++stats_.dropped;
        return;
    }

    if (m.type == msg_type::ack || m.type == msg_type::rst) {
        handle_ack_rst(p, m, now);
        return;
    }
    if (m.code.is_empty() || m.code.is_signal() ||
        (!m.code.is_request() && !m.code.is_response())) {
        // CoAP ping (empty CON) and unknown classes: RST (RFC 7252 4.2, 4.3).
        control_entry c;
        c.kind = ctl_kind::rst;
        c.peer = pi;
        c.mid = m.message_id;
        (void)queue_control(c);
        return;
    }
    // Duplicate detection (RFC 7252 4.5).
    if (dedup_entry* d = find_dedup(pi, m.message_id, now)) {
        ++stats_.duplicates;
        control_entry c;
        c.peer = pi;
        c.mid = m.message_id;
        switch (d->kind) {
            case dd_kind::response:
                d->send_pending = true;
                d->order = next_order();
                break;
            case dd_kind::empty_ack:
                c.kind = ctl_kind::empty_ack;
                (void)queue_control(c);
                break;
            case dd_kind::rst:
                c.kind = ctl_kind::rst;
                (void)queue_control(c);
                break;
            case dd_kind::pending:
            case dd_kind::ignore:
                break;
        }
        return;
    }
    if (m.code.is_request()) {
        handle_request(p, m, now);
        return;
    }
    // A separate response or a notification.
    const bool con = m.type == msg_type::con;
    const time_ms expiry = now + (con ? cfg_.exchange_lifetime_ms : cfg_.non_lifetime_ms);
    exchange_slot* x = find_client_by_token(pi, m.token);
    dedup_entry* d = alloc_dedup(pi, m.message_id, expiry, now);
    control_entry c;
    c.peer = pi;
    c.mid = m.message_id;
    if (x == nullptr) {
        // RFC 7252 5.3.2 / RFC 7641 3.6: unknown token -> RST.
        if (d != nullptr) d->kind = dd_kind::rst;
        c.kind = ctl_kind::rst;
        (void)queue_control(c);
        return;
    }
    if (d != nullptr) d->kind = con ? dd_kind::empty_ack : dd_kind::ignore;
    if (con) {
        c.kind = ctl_kind::empty_ack;
        (void)queue_control(c);
    }
    // The separate response also acknowledges our CON if its ACK was lost;
    // a notification crossing our deregistration (RFC 7641 3.6) does not.
    if (x->state != c_state::deregistering || first_option(m, opt::observe) == nullptr)
        x->awaiting_ack = false;
    handle_response(p, *x, m, now);
}

void engine::handle_ack_rst(peer_slot& p, const message& m, time_ms now) noexcept {
    const std::uint8_t pi = index_of(p);
    const bool rst = m.type == msg_type::rst;
    for (auto& x : xs_) {
        if (x.role == x_role::none || x.peer != pi || !x.awaiting_ack || x.mid != m.message_id)
            continue;
        x.awaiting_ack = false;
        switch (x.role) {
            case x_role::client:
                if (rst) {
                    finish_client(x, event_kind::reset,
                                  sirocco::error(errc::not_allowed, "the peer answered with RST"));
                } else if (m.code.is_response() && m.token == x.tok) {
                    handle_response(p, x, m, now);
                } else {
                    // Empty ACK (or one we cannot use): a separate response
                    // follows (RFC 7252 5.2.2); wait for it, but not forever.
                    x.deadline = now + cfg_.exchange_lifetime_ms;
                }
                return;
            case x_role::notification:
                if (rst) {
                    observation_slot& o = obs_[x.obs];
                    if (o.used)
                        cancel_observation_slot(
                            o, sirocco::error(errc::not_allowed,
                                              "the client rejected a notification"));
                }
                free_exchange(x);
                return;
            default:
                free_exchange(x);
                return;
        }
    }
    if (rst) {
        // RST to a NON notification cancels the observation (RFC 7641 3.6).
        for (auto& o : obs_) {
            if (o.used && o.peer == pi && o.last_mid_valid && o.last_mid == m.message_id) {
                cancel_observation_slot(
                    o, sirocco::error(errc::not_allowed, "the client rejected a notification"));
                return;
            }
        }
    }
    ++stats_.dropped;
}

// ---- output -----------------------------------------------------------------------

std::optional<transmit> engine::poll_transmit(mutable_bytes out) noexcept {
    if (out.size() < limits::max_pdu) return std::nullopt;
    enum class src : std::uint8_t { none, ctl, dedup, xchg };
    src which = src::none;
    std::size_t idx = 0;
    std::uint32_t best = 0;
    auto consider = [&](src s, std::size_t i, std::uint32_t order) {
        if (which == src::none || static_cast<std::int32_t>(order - best) < 0) {
            which = s;
            idx = i;
            best = order;
        }
    };
    for (std::size_t i = 0; i < ctl_.size(); ++i)
        if (ctl_[i].used) consider(src::ctl, i, ctl_[i].order);
    for (std::size_t i = 0; i < dedup_.size(); ++i)
        if (dedup_[i].used && dedup_[i].send_pending) consider(src::dedup, i, dedup_[i].order);
    for (std::size_t i = 0; i < xs_.size(); ++i)
        if (xs_[i].role != x_role::none && xs_[i].send_pending)
            consider(src::xchg, i, xs_[i].order);

    switch (which) {
        case src::none:
            return std::nullopt;
        case src::ctl: {
            control_entry c = ctl_[idx];
            ctl_[idx].used = false;
            const std::size_t n = write_control(c, out);
            if (n == 0) return poll_transmit(out);
            return transmit{peers_[c.peer].id, n};
        }
        case src::dedup: {
            dedup_entry& d = dedup_[idx];
            d.send_pending = false;
            std::memcpy(out.data(), d.buf.data(), d.size);
            return transmit{peers_[d.peer].id, d.size};
        }
        case src::xchg: {
            exchange_slot& x = xs_[idx];
            x.send_pending = false;
            std::memcpy(out.data(), x.wire.data(), x.wire_size);
            transmit t{peers_[x.peer].id, x.wire_size};
            if (x.role == x_role::oneshot && !x.awaiting_ack) free_exchange(x);
            return t;
        }
    }
    return std::nullopt;
}

// ---- timers -----------------------------------------------------------------------

void engine::on_timer(time_ms now) noexcept {
    last_now_ = now;
    for (auto& x : xs_) {
        if (x.role == x_role::none) continue;
        if (x.awaiting_ack && now >= x.next_retransmit) {
            if (x.retransmits < cfg_.max_retransmit) {
                // RFC 7252 4.2: double the timeout, send again.
                ++x.retransmits;
                x.timeout_ms *= 2;
                x.next_retransmit = now + x.timeout_ms;
                x.send_pending = true;
                x.order = next_order();
                ++stats_.retransmissions;
                continue;
            }
            if (events_free() == 0) continue;  // retried on the next call
            x.awaiting_ack = false;
            if (x.role == x_role::client) {
                finish_client(x, event_kind::timeout,
                              sirocco::error(errc::timeout, "no ACK after MAX_RETRANSMIT"));
            } else if (x.role == x_role::notification) {
                observation_slot& o = obs_[x.obs];
                if (o.used)
                    cancel_observation_slot(
                        o,
                        sirocco::error(errc::timeout, "a CON notification was not acknowledged"));
                free_exchange(x);
            } else {
                free_exchange(x);
            }
            continue;
        }
        if (x.role == x_role::client && x.deadline != 0 && now >= x.deadline && !x.awaiting_ack) {
            if (events_free() == 0) continue;
            finish_client(x, event_kind::timeout,
                          sirocco::error(errc::timeout, "no response in time"));
            continue;
        }
        if (x.role == x_role::server && x.deadline != 0 && now >= x.deadline) {
            if (dedup_entry* d = find_dedup(x.peer, x.in_mid, now))
                if (d->kind == dd_kind::pending) d->kind = dd_kind::ignore;
            free_exchange(x);
            continue;
        }
        if (x.role == x_role::server && x.ack_deadline != 0 && !x.empty_acked &&
            now >= x.ack_deadline) {
            // RFC 7252 5.2.2: the answer will take a while; ACK now.
            x.empty_acked = true;
            control_entry c;
            c.kind = ctl_kind::empty_ack;
            c.peer = x.peer;
            c.mid = x.in_mid;
            (void)queue_control(c);
            if (dedup_entry* d = find_dedup(x.peer, x.in_mid, now)) d->kind = dd_kind::empty_ack;
        }
    }
    for (auto& p : peers_) {
        if (!p.used || !p.ping_outstanding || now < p.ping_deadline) continue;
        if (events_free() == 0) break;
        p.ping_outstanding = false;
        event e;
        e.kind = event_kind::timeout;
        e.peer = p.id;
        e.err = sirocco::error(errc::timeout, "no Pong in time");
        (void)push_event(e);
    }
}

bool engine::idle(time_ms now) const noexcept {
    if (ev_count_ != 0) return false;
    for (const auto& x : xs_)
        if (x.role != x_role::none) return false;
    for (const auto& o : obs_)
        if (o.used) return false;
    for (const auto& b : b1_)
        if (b.used && b.expiry > now) return false;
    for (const auto& c : ctl_)
        if (c.used) return false;
    for (const auto& d : dedup_)
        if (d.used && d.expiry > now) return false;
    return true;
}

std::optional<time_ms> engine::next_deadline() const noexcept {
    std::optional<time_ms> best;
    auto take = [&](time_ms t) {
        if (!best || t < *best) best = t;
    };
    for (const auto& x : xs_) {
        if (x.role == x_role::none) continue;
        if (x.awaiting_ack) take(x.next_retransmit);
        if (x.role == x_role::client && x.deadline != 0 && !x.awaiting_ack) take(x.deadline);
        if (x.role == x_role::server && x.ack_deadline != 0 && !x.empty_acked) take(x.ack_deadline);
        if (x.role == x_role::server && x.deadline != 0) take(x.deadline);
    }
    for (const auto& p : peers_)
        if (p.used && p.ping_outstanding) take(p.ping_deadline);
    return best;
}

}  // namespace sirocco::coap
