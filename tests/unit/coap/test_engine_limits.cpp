// Engine: every fixed limit (config.hpp) has a test of what happens when it
// is reached.
#include "engine_harness.hpp"

namespace sirocco::coap::test {
namespace {

TEST(CoapEngineLimits, Peers) {
    counter_rng rng;
    engine e(test_config(rng));
    for (std::uint32_t i = 0; i < limits::peers; ++i)
        ASSERT_TRUE(e.open_peer(peer_id(i), framing::datagram, 0).has_value());
    EXPECT_EQ(e.open_peer(peer_id(99), framing::datagram, 0).error().code, errc::capacity_exceeded);
    e.close_peer(peer_id(0));
    EXPECT_TRUE(e.open_peer(peer_id(99), framing::datagram, 0).has_value());
}

TEST(CoapEngineLimits, ExchangesForOurRequests) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    for (std::size_t i = 0; i < limits::exchanges; ++i)
        ASSERT_TRUE(e.send_request(peer_id(1), make_request(codes::get, "/"), {}, 0).has_value());
    EXPECT_EQ(e.send_request(peer_id(1), make_request(codes::get, "/"), {}, 0).error().code,
              errc::capacity_exceeded);
}

TEST(CoapEngineLimits, ExchangesForIncomingRequestsGive503) {
    counter_rng rng;
    config c = test_config(rng);
    engine e(c);
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    std::uint16_t mid = 1;
    for (std::size_t i = 0; i < limits::exchanges; ++i) {
        message req = make_request(codes::get, "/");
        req.type = msg_type::non;
        req.message_id = mid++;
        ASSERT_TRUE(e.on_receive(peer_id(1), wire(req), 0).has_value());
        ASSERT_TRUE(e.poll_event().has_value());  // held, not answered
    }
    message req = make_request(codes::get, "/");
    req.message_id = mid++;
    ASSERT_TRUE(e.on_receive(peer_id(1), wire(req), 0).has_value());
    EXPECT_FALSE(e.poll_event().has_value());
    EXPECT_EQ(poll_msg(e).code, codes::service_unavailable);
}

TEST(CoapEngineLimits, DedupCacheEvictsOldestAnswered) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    auto ask = [&](std::uint16_t mid, time_ms now) {
        message req = make_request(codes::post, "/");
        req.message_id = mid;
        EXPECT_TRUE(e.on_receive(peer_id(1), wire(req), now).has_value());
        auto ev = e.poll_event();
        if (ev) {
            EXPECT_TRUE(e.respond(ev->request, make_response(codes::changed), {}, now).has_value());
        }
        (void)poll_bytes(e);
        return ev.has_value();
    };
    for (std::uint16_t m = 0; m < limits::dedup; ++m)
        EXPECT_TRUE(ask(m, m));
    EXPECT_FALSE(ask(0, 100)) << "still cached: a duplicate";
    EXPECT_TRUE(ask(1000, 200)) << "the cache is full of answered entries: the oldest goes";
    EXPECT_TRUE(ask(0, 300)) << "mid 0 was evicted: processed again (relaxed detection)";
}

TEST(CoapEngineLimits, Observations) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    for (std::size_t i = 0; i <= limits::observations; ++i) {
        message req = make_observe("/t");
        req.message_id = static_cast<std::uint16_t>(i);
        auto t = token::from(std::vector<std::uint8_t>{static_cast<std::uint8_t>(i)});
        req.token = *t;
        ASSERT_TRUE(e.on_receive(peer_id(1), wire(req), 0).has_value());
        auto ev = e.poll_event();
        ASSERT_TRUE(ev.has_value());
        auto r = e.respond(ev->request, make_response(codes::content), as_bytes("v"), 0);
        ASSERT_TRUE(r.has_value());
        auto m = poll_msg(e);
        if (i < limits::observations) {
            EXPECT_TRUE(r->has_value());
            EXPECT_TRUE(uint_option(m, opt::observe).has_value());
        } else {
            EXPECT_FALSE(r->has_value()) << "no room: answered without Observe";
            EXPECT_FALSE(uint_option(m, opt::observe).has_value());
        }
    }
}

TEST(CoapEngineLimits, Block1Sessions) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    const std::string part(64, 'x');
    static const char* paths[] = {"/a", "/b", "/c", "/d", "/e"};
    for (std::size_t i = 0; i <= limits::block1_sessions; ++i) {
        message req = make_request(codes::put, paths[i]);
        req.message_id = static_cast<std::uint16_t>(i);
        std::array<std::uint8_t, 8> st{};
        message_builder b(req, st);
        block_value bv;
        bv.more = true;
        bv.szx = 2;
        ASSERT_TRUE(b.add_uint(opt::block1, *encode_block(bv)));
        req.payload = as_bytes(part);
        ASSERT_TRUE(e.on_receive(peer_id(1), wire(req), 0).has_value());
        auto ev = e.poll_event();
        if (i < limits::block1_sessions) {
            ASSERT_TRUE(ev.has_value());
            ASSERT_TRUE(e.respond(ev->request, make_response(codes::continue_), {}, 0));
            (void)poll_bytes(e);
        } else {
            EXPECT_FALSE(ev.has_value());
            EXPECT_EQ(poll_msg(e).code, codes::service_unavailable);
        }
    }
}

TEST(CoapEngineLimits, MaxTransfers) {
    counter_rng rng;
    config c = test_config(rng);
    c.max_transfers = 1;
    c.nstart = 4;
    engine e(c);
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    const std::string body(3000, 'x');
    ASSERT_TRUE(e.send_request(peer_id(1), make_request(codes::put, "/a"), as_bytes(body), 0));
    EXPECT_EQ(
        e.send_request(peer_id(1), make_request(codes::put, "/b"), as_bytes(body), 0).error().code,
        errc::capacity_exceeded);
    EXPECT_TRUE(e.send_request(peer_id(1), make_request(codes::put, "/c"), as_bytes("small"), 0));
}

TEST(CoapEngineLimits, EventQueueFullRefusesInput) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    std::uint16_t mid = 0;
    std::size_t accepted = 0;
    for (;;) {
        message req = make_request(codes::get, "/");
        req.type = msg_type::non;
        req.message_id = mid++;
        auto r = e.on_receive(peer_id(1), wire(req), 0);
        if (!r) {
            EXPECT_EQ(r.error().code, errc::capacity_exceeded);
            break;
        }
        ++accepted;
        ASSERT_LT(accepted, 100u);
    }
    EXPECT_EQ(accepted, limits::events - 1);
    std::size_t n = 0;
    while (e.poll_event())
        ++n;
    EXPECT_EQ(n, accepted);
}

TEST(CoapEngineLimits, TemplateBytes) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    message req = make_request(codes::get, "/");
    const std::string long_query(limits::template_bytes, 'q');
    std::array<std::uint8_t, 1> none{};
    message_builder b(req, none);
    ASSERT_TRUE(b.add_string(opt::uri_query, long_query));
    EXPECT_EQ(e.send_request(peer_id(1), req, {}, 0).error().code, errc::capacity_exceeded);
}

TEST(CoapEngineLimits, ControlQueue) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    // Pings (empty CON) each queue a RST; past limits::control they are dropped.
    for (std::size_t i = 0; i < limits::control + 3; ++i) {
        std::vector<std::uint8_t> ping{0x40, 0x00, 0x00, static_cast<std::uint8_t>(i)};
        ASSERT_TRUE(e.on_receive(peer_id(1), ping, 0).has_value());
    }
    std::size_t n = 0;
    while (!poll_bytes(e).empty())
        ++n;
    EXPECT_EQ(n, limits::control);
    EXPECT_EQ(e.counters().dropped, 3u);
}

TEST(CoapEngineLimits, OversizedResponseIsAnError) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    message req = make_request(codes::get, "/");
    req.message_id = 1;
    ASSERT_TRUE(e.on_receive(peer_id(1), wire(req), 0).has_value());
    auto ev = e.poll_event();
    ASSERT_TRUE(ev.has_value());
    message resp = make_response(codes::content);
    const std::string huge(1200, 'e');
    std::array<std::uint8_t, 1> none{};
    message_builder b(resp, none);
    ASSERT_TRUE(b.add_string(opt::etag, huge));
    EXPECT_EQ(e.respond(ev->request, resp, as_bytes("x"), 0).error().code, errc::buffer_too_small);
    // The request is still pending: answer it properly.
    EXPECT_TRUE(e.respond(ev->request, make_response(codes::content), as_bytes("x"), 0));
}

}  // namespace
}  // namespace sirocco::coap::test

namespace sirocco::coap::test {
namespace {

TEST(CoapEngineLimits, UnansweredRequestForgottenAfterExchangeLifetime) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    message req = make_request(codes::get, "/");
    req.message_id = 1;
    ASSERT_TRUE(e.on_receive(peer_id(1), wire(req), 0).has_value());
    auto ev = e.poll_event();
    ASSERT_TRUE(ev.has_value());
    e.on_timer(1000);  // the empty ACK
    (void)poll_bytes(e);
    ASSERT_EQ(e.next_deadline(), std::optional<time_ms>(247000));
    e.on_timer(247000);
    EXPECT_FALSE(e.next_deadline().has_value());
    EXPECT_EQ(e.respond(ev->request, make_response(codes::content), {}, 247000).error().code,
              errc::not_found);
}

}  // namespace
}  // namespace sirocco::coap::test
