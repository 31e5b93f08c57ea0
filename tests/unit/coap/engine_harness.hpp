// Test harness for the CoAP engine: nodes with a scripted clock, wired back
// to back, plus helpers to build messages and to script a peer as bytes.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/engine.hpp"
#include "sirocco/coap/options.hpp"

namespace sirocco::coap::test {

/// Deterministic RNG: value n is 500 + 1001 * n, so that every
/// "random() % 1001" (the spread of a 2 s ACK_TIMEOUT with factor 1.5) is 500
/// while tokens and message ids still differ.
struct counter_rng {
    std::uint32_t n = 0;
    static std::uint32_t next(void* ctx) noexcept {
        auto* r = static_cast<counter_rng*>(ctx);
        return 500u + 1001u * r->n++;
    }
};

inline config test_config(counter_rng& rng) {
    config c;
    c.rng = &counter_rng::next;
    c.rng_ctx = &rng;
    return c;
}

/// An event with its views copied.
struct rec {
    event_kind kind{};
    peer_id peer;
    exchange_id exchange;
    request_id request;
    observation_id observation;
    code c;
    msg_type type{};
    std::string body;
    std::string uri;
    std::size_t offset = 0;
    std::size_t total = 0;
    std::optional<block_value> block1, block2;
    std::optional<std::uint32_t> observe;
    std::uint32_t observe_seq = 0;
    std::uint32_t max_message_size = 0;
    errc err = errc::ok;

    explicit rec(const event& e)
        : kind(e.kind),
          peer(e.peer),
          exchange(e.exchange),
          request(e.request),
          observation(e.observation),
          c(e.msg.code),
          type(e.msg.type),
          body(as_chars(e.body)),
          offset(e.offset),
          total(e.total),
          block1(e.block1),
          block2(e.block2),
          observe(e.observe),
          observe_seq(e.observe_seq),
          max_message_size(e.max_message_size),
          err(e.err.code) {
        for (const auto& o : e.msg.options)
            if (o.number == opt::uri_path) uri += "/" + std::string(o.as_string());
    }
};

inline std::uint32_t be_uint(bytes_view v) {
    std::uint32_t x = 0;
    for (auto b : v)
        x = (x << 8) | b;
    return x;
}

inline std::string to_string(bytes_view b) {
    return std::string(as_chars(b));
}

inline std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>('A' + (i * 7 + i / 26) % 26);
    return s;
}

/// A message with Uri-Path segments of `path` (views into `path`, keep it alive).
inline message make_request(code c, const char* path, msg_type t = msg_type::con) {
    message m;
    m.code = c;
    m.type = t;
    std::array<std::uint8_t, 1> none{};
    message_builder b(m, none);
    EXPECT_TRUE(b.add_uri_path(path).has_value());
    return m;
}

inline const std::uint8_t observe_one[1] = {1};

inline message make_observe(const char* path, bool register_ = true) {
    message m = make_request(codes::get, path);
    option o;
    o.number = opt::observe;
    if (!register_) o.value = bytes_view(observe_one, 1);
    std::array<std::uint8_t, 1> none{};
    message_builder b(m, none);
    EXPECT_TRUE(b.add(o.number, o.value).has_value());
    return m;
}

inline message make_response(code c) {
    message m;
    m.code = c;
    return m;
}

/// One engine with its view of the other side and its recorded events.
struct node {
    counter_rng rng;
    engine eng;
    peer_id other;
    std::vector<rec> events;
    std::function<void(node&, const event&)> on_request;
    time_ms* now = nullptr;

    node(const config& c, peer_id o) : eng(c), other(o) {}

    void drain() {
        while (auto e = eng.poll_event()) {
            events.emplace_back(*e);
            if (e->kind == event_kind::request && on_request) on_request(*this, *e);
        }
    }
    std::vector<rec> take(event_kind k) const {
        std::vector<rec> out;
        for (const auto& e : events)
            if (e.kind == k) out.push_back(e);
        return out;
    }
    std::size_t count(event_kind k) const { return take(k).size(); }
};

/// Two engines back to back: a (client role mostly) and b (server role).
struct duo {
    counter_rng rng_a, rng_b;
    time_ms now = 0;
    node a, b;
    framing fr;
    /// Return true to drop a message in flight (a_to_b says the direction).
    std::function<bool(bool a_to_b, const std::vector<std::uint8_t>&)> drop;
    std::vector<std::vector<std::uint8_t>> a_sent, b_sent;

    static config with(counter_rng& r, const std::function<void(config&)>& tweak) {
        config c = test_config(r);
        if (tweak) tweak(c);
        return c;
    }

    explicit duo(framing f = framing::datagram, const std::function<void(config&)>& ta = {},
                 const std::function<void(config&)>& tb = {})
        : rng_b{1000}, a(with(rng_a, ta), peer_id(2)), b(with(rng_b, tb), peer_id(1)), fr(f) {
        a.now = b.now = &now;
        EXPECT_TRUE(a.eng.open_peer(peer_id(2), f, now).has_value());
        EXPECT_TRUE(b.eng.open_peer(peer_id(1), f, now).has_value());
    }

    /// Delivers messages both ways until nothing is left to send.
    void pump() {
        for (int rounds = 0; rounds < 100000; ++rounds) {
            bool any = false;
            any |= step(a, b, true);
            any |= step(b, a, false);
            if (!any) return;
        }
        FAIL() << "pump did not settle";
    }
    bool step(node& from, node& to, bool a_to_b) {
        std::vector<std::uint8_t> buf(limits::max_pdu);
        auto t = from.eng.poll_transmit(buf);
        if (!t) return false;
        buf.resize(t->size);
        (a_to_b ? a_sent : b_sent).push_back(buf);
        if (drop && drop(a_to_b, buf)) return true;
        bytes_view rest(buf);
        while (!rest.empty()) {
            auto n = to.eng.on_receive(to.other, rest, now);
            EXPECT_TRUE(n.has_value());
            if (!n) break;
            rest = rest.subspan(*n);
            to.drain();
        }
        to.drain();
        return true;
    }
    /// Advances the clock to `t`, running each engine's timer at its deadlines.
    void advance_to(time_ms t) {
        pump();
        for (;;) {
            auto da = a.eng.next_deadline();
            auto db = b.eng.next_deadline();
            std::optional<time_ms> d;
            if (da) d = *da;
            if (db && (!d || *db < *d)) d = *db;
            if (!d || *d > t) break;
            now = std::max(now, *d);
            a.eng.on_timer(now);
            b.eng.on_timer(now);
            a.drain();
            b.drain();
            pump();
        }
        now = t;
        pump();
    }
};

/// Encodes a message for a lockstep test.
inline std::vector<std::uint8_t> wire(const message& m, framing f = framing::datagram) {
    std::vector<std::uint8_t> out(2048);
    auto n = encode(m, f, out);
    EXPECT_TRUE(n.has_value());
    out.resize(n ? *n : 0);
    return out;
}

inline std::vector<std::uint8_t> poll_bytes(engine& e) {
    std::vector<std::uint8_t> buf(limits::max_pdu);
    auto t = e.poll_transmit(buf);
    if (!t) return {};
    buf.resize(t->size);
    return buf;
}

inline message decode_ok(const std::vector<std::uint8_t>& b, framing f = framing::datagram) {
    auto m = decode(b, f);
    EXPECT_TRUE(m.has_value());
    return m ? *m : message{};
}
/// A decoded message views its bytes: never decode a temporary.
message decode_ok(std::vector<std::uint8_t>&&, framing = framing::datagram) = delete;

/// Polls one message and decodes it; its bytes are kept alive until the end
/// of the test program (the message views them).
inline message poll_msg(engine& e, framing f = framing::datagram) {
    static std::deque<std::vector<std::uint8_t>> kept;
    kept.push_back(poll_bytes(e));
    return decode_ok(kept.back(), f);
}

}  // namespace sirocco::coap::test
