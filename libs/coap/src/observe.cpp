// Server role: incoming requests, Block1 sessions and Block2 slicing
// (RFC 7959), responses (piggybacked or separate, RFC 7252 5.2), observations
// and notifications (RFC 7641 4).
#include <algorithm>
#include <cstring>

#include "engine_internal.hpp"
#include "sirocco/coap/block.hpp"
#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/engine.hpp"
#include "sirocco/coap/options.hpp"

namespace sirocco::coap {

using namespace detail;

engine::block1_session* engine::find_block1(std::uint8_t peer, std::uint32_t key,
                                            time_ms now) noexcept {
    for (auto& s : b1_) {
        if (!s.used) continue;
        if (now >= s.expiry) {
            s.used = false;
            continue;
        }
        if (s.peer == peer && s.key == key) return &s;
    }
    return nullptr;
}

engine::observation_slot* engine::find_observation(observation_id o) noexcept {
    const std::size_t i = handle_index(o.value());
    if (i >= obs_.size() || !obs_[i].used || obs_[i].gen != handle_gen(o.value())) return nullptr;
    return &obs_[i];
}

void engine::cancel_observation_slot(observation_slot& o, sirocco::error why) noexcept {
    const std::size_t i = static_cast<std::size_t>(&o - obs_.data());
    event e;
    e.kind = event_kind::observe_cancelled;
    e.peer = peers_[o.peer].id;
    e.observation = observation_id(make_handle(o.gen, i));
    e.err = why;
    (void)push_event(e);
    o.used = false;
    for (auto& x : xs_)
        if (x.role == x_role::notification && x.obs == i) free_exchange(x);
}

void engine::end_observation(observation_id id) noexcept {
    observation_slot* o = find_observation(id);
    if (o == nullptr) return;
    const std::size_t i = static_cast<std::size_t>(o - obs_.data());
    o->used = false;
    for (auto& x : xs_)
        if (x.role == x_role::notification && x.obs == i) free_exchange(x);
}

void engine::reply_direct(peer_slot& p, const message& req, code c, const block_value* block1,
                          std::uint32_t size1, time_ms now) noexcept {
    // Short error answers go through the control queue (they need no
    // exchange slot, so they work when the slots are what ran out), and on
    // datagram also into the duplicate cache when an entry is free.
    control_entry ce;
    ce.kind = ctl_kind::reply;
    ce.peer = index_of(p);
    ce.code = c;
    ce.tok = req.token;
    ce.has_block1 = block1 != nullptr;
    if (block1 != nullptr) ce.block1 = *block1;
    ce.size1 = size1;
    if (p.fr == framing::datagram) {
        const bool con = req.type == msg_type::con;
        ce.type = con ? msg_type::ack : msg_type::non;
        ce.mid = con ? req.message_id : next_mid(p);
        const time_ms expiry = now + (con ? cfg_.exchange_lifetime_ms : cfg_.non_lifetime_ms);
        if (dedup_entry* d = alloc_dedup(index_of(p), req.message_id, expiry, now)) {
            const std::size_t n = write_control(ce, d->buf);
            if (n != 0) {
                d->size = static_cast<std::uint16_t>(n);
                d->kind = dd_kind::response;
                d->send_pending = true;
                d->order = next_order();
                return;
            }
            d->used = false;
        }
    }
    (void)queue_control(ce);
}

void engine::handle_request(peer_slot& p, const message& m, time_ms now) noexcept {
    const std::uint8_t pi = index_of(p);
    const bool dgram = p.fr == framing::datagram;
    last_now_ = now;

    // RFC 7252 5.4.1: an unrecognised critical option in a CON request is
    // answered 4.02; in a NON request the message is rejected (dropped).
    const option_verdict v = check_options(m, p.fr);
    if (v.what == option_verdict::action::bad_option) {
        reply_direct(p, m, codes::bad_option, nullptr, 0, now);
        return;
    }
    if (v.what == option_verdict::action::reject) {
        ++stats_.dropped;
        return;
    }
    std::optional<block_value> b1;
    std::optional<block_value> b2;
    if (first_option(m, opt::block1) != nullptr) {
        auto r = find_block(m, opt::block1, p.fr);
        if (!r) {
            reply_direct(p, m, codes::bad_option, nullptr, 0, now);
            return;
        }
        b1 = *r;
    }
    if (first_option(m, opt::block2) != nullptr) {
        auto r = find_block(m, opt::block2, p.fr);
        if (!r) {
            reply_direct(p, m, codes::bad_option, nullptr, 0, now);
            return;
        }
        b2 = *r;
    }
    const option* obs = first_option(m, opt::observe);
    const option* s1 = first_option(m, opt::size1);
    const auto max_body = cfg_.max_body_size;

    // Body bounds (RFC 7959 2.9.3, 4: Size1 tells the limit).
    if ((s1 != nullptr && opt_uint(*s1) > max_body) || m.payload.size() > max_body ||
        (b1 && b1->offset() + m.payload.size() > max_body)) {
        reply_direct(p, m, codes::request_entity_too_large, nullptr, max_body, now);
        return;
    }
    const std::size_t our_block = block_size_for(p);
    if (b1) {
        if (!b1->is_bert() && b1->size() > our_block) {
            // Ask for smaller blocks from the start (RFC 7959 2.9.3).
            block_value want;
            want.szx = szx_at_most(our_block);
            reply_direct(p, m, codes::request_entity_too_large, &want, 0, now);
            return;
        }
        const std::uint32_t key = request_key(m);
        block1_session* s = find_block1(pi, key, now);
        if (b1->num == 0) {
            if (s == nullptr) {
                for (auto& c : b1_) {
                    if (!c.used) {
                        s = &c;
                        break;
                    }
                }
            }
            if (s == nullptr) {
                reply_direct(p, m, codes::service_unavailable, nullptr, 0, now);
                return;
            }
            s->used = true;
            s->peer = pi;
            s->key = key;
            s->received = 0;
        } else if (s == nullptr || (s->next_num != b1->num && s->next_num != b1->num + 1)) {
            // Not the next block, nor a repeat of the last one (RFC 7959 2.9.2).
            reply_direct(p, m, codes::request_entity_incomplete, nullptr, 0, now);
            return;
        }
        s->next_num = b1->num + 1;
        s->received = b1->offset() + m.payload.size();
        s->expiry = now + cfg_.exchange_lifetime_ms;
        if (!b1->more) s->used = false;
    } else if (dgram && m.payload.size() > our_block) {
        block_value want;
        want.szx = szx_at_most(our_block);
        reply_direct(p, m, codes::request_entity_too_large, &want, 0, now);
        return;
    }

    // Deregistration (RFC 7641 3.6): GET with Observe 1 and the same token.
    if (obs != nullptr && opt_uint(*obs) == 1) {
        for (auto& o : obs_)
            if (o.used && o.peer == pi && o.tok == m.token)
                cancel_observation_slot(o, sirocco::error(errc::ok, "deregistered"));
    }

    exchange_slot* x = alloc_exchange(x_role::server, pi);
    if (x == nullptr) {
        reply_direct(p, m, codes::service_unavailable, nullptr, 0, now);
        return;
    }
    if (dgram) {
        const bool con = m.type == msg_type::con;
        const time_ms expiry = now + (con ? cfg_.exchange_lifetime_ms : cfg_.non_lifetime_ms);
        if (alloc_dedup(pi, m.message_id, expiry, now) == nullptr) {
            free_exchange(*x);
            ++stats_.dropped;  // the client will retransmit
            return;
        }
        x->in_type = m.type;
        x->in_mid = m.message_id;
        if (con) x->ack_deadline = now + cfg_.piggyback_window_ms;
    }
    x->tok = m.token;
    // A request the application never answers is forgotten after
    // EXCHANGE_LIFETIME (the client has given up long before).
    x->deadline = now + cfg_.exchange_lifetime_ms;
    x->in_block1 = b1;
    x->in_block2 = b2;
    x->observe_register = obs != nullptr && opt_uint(*obs) == 0;

    event e;
    e.kind = event_kind::request;
    e.peer = p.id;
    e.request = request_id(make_handle(x->gen, index_of(*x)));
    e.msg = m;
    e.body = m.payload;
    e.block1 = b1;
    e.block2 = b2;
    if (obs != nullptr) e.observe = opt_uint(*obs);
    if (b1) e.offset = b1->offset();
    if (s1 != nullptr) e.total = opt_uint(*s1);
    (void)push_event(e);
}

namespace {

// Copies the caller's options except the ones the engine manages.
result<void> copy_options(message& m, const message& from) noexcept {
    for (const auto& o : from.options) {
        if (engine_managed(o.number)) continue;
        if (!m.options.push_back(o)) return unexpected(errc::capacity_exceeded, "too many options");
    }
    return {};
}

// Puts block `num` of `body` (blocks of `szx`) into m with Block2 and, for the
// first block, Size2. Returns false when the block starts past the end.
result<bool> slice_block2(message_builder& b, bytes_view body, block_value want) noexcept {
    const std::size_t size = want.size();
    const std::size_t off = want.offset();
    if (off >= body.size() && !(off == 0 && body.empty())) return false;
    block_value bv = want;
    bv.more = off + size < body.size();
    auto v = encode_block(bv);
    if (!v) return unexpected(v.error());
    SIROCCO_TRY(b.add_uint(opt::block2, *v));
    if (bv.num == 0) SIROCCO_TRY(b.add_uint(opt::size2, static_cast<std::uint32_t>(body.size())));
    b.msg().payload = body.subspan(off, std::min(size, body.size() - off));
    return true;
}

}  // namespace

result<std::optional<observation_id>> engine::respond(request_id r, const message& resp,
                                                      bytes_view body, time_ms now) noexcept {
    last_now_ = now;
    const std::size_t i = handle_index(r.value());
    if (i >= xs_.size() || xs_[i].role != x_role::server || xs_[i].gen != handle_gen(r.value()))
        return unexpected(errc::not_found, "no such request");
    exchange_slot& x = xs_[i];
    peer_slot& p = peers_[x.peer];

    message m;
    m.code = resp.code;
    m.token = x.tok;
    SIROCCO_TRY(copy_options(m, resp));
    std::array<std::uint8_t, 32> st{};
    message_builder b(m, st);

    // Block2 (RFC 7959 2.4): the client's size if smaller than ours.
    std::size_t bs = block_size_for(p);
    if (x.in_block2 && !x.in_block2->is_bert() && x.in_block2->size() < bs)
        bs = x.in_block2->size();
    bool block2_first = true;
    if (body.size() > bs || x.in_block2) {
        const std::size_t off = x.in_block2 ? x.in_block2->offset() : 0;
        auto want = block_at(off, szx_at_most(bs));
        if (!want) return unexpected(want.error());
        block2_first = want->num == 0;
        auto ok = slice_block2(b, body, *want);
        if (!ok) return unexpected(ok.error());
        if (!*ok) {
            m.code = codes::bad_option;  // a block past the end
            m.payload = {};
        }
    } else {
        m.payload = body;
    }
    if (x.in_block1) {
        block_value echo = *x.in_block1;
        echo.more = x.in_block1->more && m.code == codes::continue_;
        auto v = encode_block(echo);
        if (!v) return unexpected(v.error());
        SIROCCO_TRY(b.add_uint(opt::block1, *v));
    }

    // Observe registration (RFC 7641 4.1).
    observation_slot* o = nullptr;
    if (x.observe_register && m.code.cls() == 2 && block2_first) {
        for (auto& c : obs_)
            if (c.used && c.peer == x.peer && c.tok == x.tok) o = &c;
        if (o == nullptr)
            for (auto& c : obs_)
                if (!c.used) {
                    o = &c;
                    break;
                }
    }
    std::uint32_t seq = 0;
    if (o != nullptr) {
        seq = o->used ? ((o->seq + 1) & 0xFFFFFF) : 2;
        SIROCCO_TRY(b.add_uint(opt::observe, seq));
    }

    // Encode into the place the message will live.
    const bool dgram = p.fr == framing::datagram;
    const bool piggyback = dgram && x.in_type == msg_type::con && !x.empty_acked;
    dedup_entry* d = nullptr;
    if (dgram) {
        for (auto& e : dedup_)
            if (e.used && e.peer == x.peer && e.mid == x.in_mid) d = &e;
    }
    if (piggyback) {
        m.type = msg_type::ack;
        m.message_id = x.in_mid;
    } else if (dgram) {
        m.type = x.in_type == msg_type::con ? msg_type::con : msg_type::non;
        m.message_id = p.next_mid;  // committed below
    }
    mutable_bytes target = (piggyback || (dgram && m.type == msg_type::non)) && d != nullptr
                               ? mutable_bytes(d->buf)
                               : mutable_bytes(x.wire);
    auto n = encode_to(m, p, target);
    if (!n) return unexpected(n.error());
    if (dgram && !piggyback) (void)next_mid(p);

    std::optional<observation_id> out;
    if (o != nullptr) {
        if (!o->used) {
            o->gen = gen_++;
            if (gen_ == 0) gen_ = 1;
            o->since_con = 0;
        }
        o->used = true;
        o->peer = x.peer;
        o->tok = x.tok;
        o->seq = seq;
        o->last_con = now;
        o->last_mid_valid = dgram && m.type == msg_type::non;
        o->last_mid = m.message_id;
        out = observation_id(make_handle(o->gen, static_cast<std::size_t>(o - obs_.data())));
    }

    if (target.data() != x.wire.data()) {
        d->size = static_cast<std::uint16_t>(*n);
        d->kind = dd_kind::response;
        d->send_pending = true;
        d->order = next_order();
        free_exchange(x);
        return out;
    }
    // Separate response, or any response on stream/compact: sent from the
    // exchange slot; a CON one stays until acknowledged (RFC 7252 5.2.2).
    x.role = x_role::oneshot;
    x.wire_size = static_cast<std::uint16_t>(*n);
    x.send_pending = true;
    x.order = next_order();
    x.mid = m.message_id;
    x.ack_deadline = 0;
    if (dgram && m.type == msg_type::con) start_con(x, now);
    if (d != nullptr && d->kind == dd_kind::pending) d->kind = dd_kind::ignore;
    return out;
}

result<void> engine::notify(observation_id id, const message& n, bytes_view body, time_ms now,
                            notify_type type) noexcept {
    last_now_ = now;
    observation_slot* o = find_observation(id);
    if (o == nullptr) return unexpected(errc::not_found, "no such observation");
    peer_slot& p = peers_[o->peer];
    const std::size_t oi = static_cast<std::size_t>(o - obs_.data());

    message m;
    m.code = n.code;
    m.token = o->tok;
    SIROCCO_TRY(copy_options(m, n));
    std::array<std::uint8_t, 32> st{};
    message_builder b(m, st);
    const std::uint32_t seq = (o->seq + 1) & 0xFFFFFF;
    SIROCCO_TRY(b.add_uint(opt::observe, seq));
    const std::size_t bs = block_size_for(p);
    if (body.size() > bs) {
        block_value first;
        first.szx = szx_at_most(bs);
        auto ok = slice_block2(b, body, first);
        if (!ok) return unexpected(ok.error());
    } else {
        m.payload = body;
    }

    const bool dgram = p.fr == framing::datagram;
    exchange_slot* x = nullptr;
    for (auto& c : xs_)
        if (c.role == x_role::notification && c.obs == oi) x = &c;
    bool con = false;
    if (dgram) {
        // RFC 7641 4.5: CON now and then, so that a dead client is noticed.
        con = type == notify_type::con ||
              (type == notify_type::automatic &&
               ((cfg_.notify_con_every != 0 && o->since_con + 1 >= cfg_.notify_con_every) ||
                now - o->last_con >= cfg_.notify_con_interval_ms));
        // An unacknowledged CON notification is replaced, keeping its
        // retransmission state (RFC 7641 4.5.2).
        if (x != nullptr && x->awaiting_ack) con = true;
        m.type = con ? msg_type::con : msg_type::non;
        m.message_id = p.next_mid;
    }
    const bool fresh_slot = x == nullptr;
    if (fresh_slot) {
        x = alloc_exchange(con ? x_role::notification : x_role::oneshot, o->peer);
        if (x == nullptr) return unexpected(errc::capacity_exceeded, "no free exchange slot");
        x->obs = static_cast<std::uint8_t>(oi);
    }
    auto w = encode_to(m, p, x->wire);
    if (!w) {
        if (fresh_slot) free_exchange(*x);
        return unexpected(w.error());
    }
    if (dgram) (void)next_mid(p);
    x->wire_size = static_cast<std::uint16_t>(*w);
    x->mid = m.message_id;
    x->send_pending = true;
    x->order = next_order();
    if (con && (fresh_slot || !x->awaiting_ack)) start_con(*x, now);
    o->seq = seq;
    o->last_mid = m.message_id;
    o->last_mid_valid = dgram;
    if (con) {
        o->since_con = 0;
        o->last_con = now;
    } else {
        ++o->since_con;
    }
    return {};
}

}  // namespace sirocco::coap
