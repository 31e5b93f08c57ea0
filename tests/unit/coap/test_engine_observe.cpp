// Engine: observe (RFC 7641), both roles.
#include "engine_harness.hpp"

namespace sirocco::coap::test {
namespace {

struct observed {
    std::optional<observation_id> obs;
    void attach(duo& d) {
        d.b.on_request = [this, &d](node& n, const event& e) {
            auto r = n.eng.respond(e.request, make_response(codes::content), as_bytes("v0"), d.now);
            ASSERT_TRUE(r.has_value());
            if (*r) obs = *r;
        };
    }
};

TEST(CoapEngineObserve, RegisterAndNotify) {
    duo d;
    observed s;
    s.attach(d);
    auto x = d.a.eng.send_request(peer_id(2), make_observe("/temp"), {}, 0);
    ASSERT_TRUE(x.has_value());
    d.pump();
    ASSERT_TRUE(s.obs.has_value());
    auto req = d.b.take(event_kind::request);
    ASSERT_EQ(req.size(), 1u);
    EXPECT_EQ(req[0].observe, std::optional<std::uint32_t>(0));
    auto first = d.a.take(event_kind::response);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].body, "v0");
    ASSERT_TRUE(first[0].observe.has_value());
    for (int i = 1; i <= 3; ++i) {
        d.advance_to(d.now + 1000);
        const std::string v = "v" + std::to_string(i);
        ASSERT_TRUE(d.b.eng.notify(*s.obs, make_response(codes::content), as_bytes(v), d.now));
        d.pump();
    }
    auto n = d.a.take(event_kind::notification);
    ASSERT_EQ(n.size(), 3u);
    EXPECT_EQ(n[0].body, "v1");
    EXPECT_EQ(n[2].body, "v3");
    EXPECT_EQ(n[0].exchange, *x);
    EXPECT_EQ(n[1].observe_seq, n[0].observe_seq + 1);
    EXPECT_FALSE(d.a.eng.next_deadline().has_value()) << "an observation has no timeout";
}

TEST(CoapEngineObserve, EveryNthNotificationIsConfirmable) {
    duo d(framing::datagram, {}, [](config& c) { c.notify_con_every = 3; });
    observed s;
    s.attach(d);
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_observe("/t"), {}, 0));
    d.pump();
    ASSERT_TRUE(s.obs.has_value());
    std::vector<msg_type> types;
    for (int i = 0; i < 6; ++i) {
        const std::size_t before = d.b_sent.size();
        ASSERT_TRUE(d.b.eng.notify(*s.obs, make_response(codes::content), as_bytes("x"), d.now));
        d.pump();
        types.push_back(decode_ok(d.b_sent[before]).type);
    }
    EXPECT_EQ(types, (std::vector<msg_type>{msg_type::non, msg_type::non, msg_type::con,
                                            msg_type::non, msg_type::non, msg_type::con}));
}

TEST(CoapEngineObserve, ConNotificationAfterInterval) {
    duo d(framing::datagram, {}, [](config& c) {
        c.notify_con_every = 0;
        c.notify_con_interval_ms = 60000;
    });
    observed s;
    s.attach(d);
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_observe("/t"), {}, 0));
    d.pump();
    auto send = [&] {
        const std::size_t before = d.b_sent.size();
        EXPECT_TRUE(d.b.eng.notify(*s.obs, make_response(codes::content), as_bytes("x"), d.now));
        d.pump();
        return decode_ok(d.b_sent[before]).type;
    };
    d.advance_to(30000);
    EXPECT_EQ(send(), msg_type::non);
    d.advance_to(60000);
    EXPECT_EQ(send(), msg_type::con);
    d.advance_to(70000);
    EXPECT_EQ(send(), msg_type::non);
}

TEST(CoapEngineObserve, DeadObserverNoticedByUnackedConNotification) {
    duo d;
    observed s;
    s.attach(d);
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_observe("/t"), {}, 0));
    d.pump();
    d.drop = [](bool a_to_b, const std::vector<std::uint8_t>&) { return a_to_b; };  // client gone
    ASSERT_TRUE(d.b.eng.notify(*s.obs, make_response(codes::content), as_bytes("x"), d.now,
                               notify_type::con));
    d.advance_to(200000);
    auto c = d.b.take(event_kind::observe_cancelled);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].err, errc::timeout);
    EXPECT_EQ(d.b.eng.notify(*s.obs, make_response(codes::content), {}, d.now).error().code,
              errc::not_found);
}

TEST(CoapEngineObserve, RstCancelsObservation) {
    duo d;
    observed s;
    s.attach(d);
    auto x = d.a.eng.send_request(peer_id(2), make_observe("/t"), {}, 0);
    ASSERT_TRUE(x.has_value());
    d.pump();
    // The client forgets the observation: the next notification gets RST.
    ASSERT_TRUE(d.a.eng.cancel(*x, d.now, false).has_value());
    ASSERT_TRUE(d.b.eng.notify(*s.obs, make_response(codes::content), as_bytes("x"), d.now));
    d.pump();
    EXPECT_EQ(decode_ok(d.a_sent.back()).type, msg_type::rst);
    EXPECT_EQ(d.b.count(event_kind::observe_cancelled), 1u);
    EXPECT_EQ(d.a.count(event_kind::notification), 0u);
}

TEST(CoapEngineObserve, RstToConNotificationCancels) {
    duo d;
    observed s;
    s.attach(d);
    auto x = d.a.eng.send_request(peer_id(2), make_observe("/t"), {}, 0);
    ASSERT_TRUE(x.has_value());
    d.pump();
    ASSERT_TRUE(d.a.eng.cancel(*x, d.now, false).has_value());
    ASSERT_TRUE(d.b.eng.notify(*s.obs, make_response(codes::content), as_bytes("x"), d.now,
                               notify_type::con));
    d.pump();
    EXPECT_EQ(d.b.count(event_kind::observe_cancelled), 1u);
    EXPECT_FALSE(d.b.eng.next_deadline().has_value()) << "no retransmission after RST";
}

TEST(CoapEngineObserve, DeregisterWithObserveOne) {
    duo d;
    observed s;
    d.b.on_request = [&](node& n, const event& e) {
        auto r = n.eng.respond(e.request, make_response(codes::content), as_bytes("v"), d.now);
        ASSERT_TRUE(r.has_value());
        if (*r) s.obs = *r;
    };
    auto x = d.a.eng.send_request(peer_id(2), make_observe("/t"), {}, 0);
    ASSERT_TRUE(x.has_value());
    d.pump();
    ASSERT_TRUE(d.a.eng.cancel(*x, d.now, true).has_value());
    d.pump();
    auto reqs = d.b.take(event_kind::request);
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_EQ(reqs[1].observe, std::optional<std::uint32_t>(1));
    EXPECT_EQ(reqs[1].uri, "/t");
    EXPECT_EQ(d.b.count(event_kind::observe_cancelled), 1u);
    EXPECT_EQ(d.a.count(event_kind::response), 2u);
    auto m0 = decode_ok(d.a_sent.front());
    auto m1 = decode_ok(d.a_sent.back());
    EXPECT_TRUE(m0.token == m1.token) << "same token (RFC 7641 3.6)";
}

// Lockstep: the client sees notifications out of order (RFC 7641 3.4).
struct obs_client {
    counter_rng rng;
    engine e{test_config(rng)};
    message sent;
    std::uint16_t next_mid = 100;
    obs_client() {
        EXPECT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
        EXPECT_TRUE(e.send_request(peer_id(1), make_observe("/t"), {}, 0).has_value());
        sent = poll_msg(e);
    }
    std::optional<event> feed(std::uint32_t seq, time_ms now, msg_type t = msg_type::non,
                              bool piggy = false) {
        message n = make_response(codes::content);
        n.type = piggy ? msg_type::ack : t;
        n.message_id = piggy ? sent.message_id : next_mid++;
        n.token = sent.token;
        std::array<std::uint8_t, 8> st{};
        message_builder b(n, st);
        EXPECT_TRUE(b.add_uint(opt::observe, seq).has_value());
        n.payload = as_bytes("p");
        EXPECT_TRUE(e.on_receive(peer_id(1), wire(n), now).has_value());
        return e.poll_event();
    }
};

TEST(CoapEngineObserve, OutOfOrderNotificationsDiscarded) {
    obs_client c;
    auto first = c.feed(10, 0, msg_type::non, true);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->kind, event_kind::response);
    auto n12 = c.feed(12, 1000);
    ASSERT_TRUE(n12.has_value());
    EXPECT_EQ(n12->observe_seq, 12u);
    EXPECT_FALSE(c.feed(11, 1100).has_value()) << "11 arrived after 12: stale";
    EXPECT_FALSE(c.feed(12, 1200).has_value()) << "a repeat is not fresh";
    auto n13 = c.feed(13, 1300);
    ASSERT_TRUE(n13.has_value());
    EXPECT_EQ(n13->observe_seq, 13u);
    // A CON stale notification is still acknowledged.
    (void)poll_bytes(c.e);
    while (!poll_bytes(c.e).empty()) {
    }
    EXPECT_FALSE(c.feed(5, 1400, msg_type::con).has_value());
    auto ack = poll_msg(c.e);
    EXPECT_EQ(ack.type, msg_type::ack);
}

TEST(CoapEngineObserve, SequenceWrapAndFreshnessAfter128Seconds) {
    obs_client c;
    ASSERT_TRUE(c.feed(0xFFFFF0, 0, msg_type::non, true).has_value());
    auto wrapped = c.feed(3, 1000);  // 3 is newer than 0xFFFFF0 (wrap, V1 - V2 > 2^23)
    ASSERT_TRUE(wrapped.has_value());
    EXPECT_EQ(wrapped->observe_seq, 3u);
    EXPECT_FALSE(c.feed(2, 2000).has_value());
    // More than 128 s later any value is fresh (RFC 7641 3.4, T2 > T1 + 128 s).
    auto late = c.feed(1, 1000 + 128001);
    ASSERT_TRUE(late.has_value());
    EXPECT_EQ(late->observe_seq, 1u);
}

TEST(CoapEngineObserve, ErrorNotificationEndsObservation) {
    obs_client c;
    ASSERT_TRUE(c.feed(1, 0, msg_type::non, true).has_value());
    message n = make_response(codes::not_found);
    n.type = msg_type::non;
    n.message_id = 999;
    n.token = c.sent.token;
    ASSERT_TRUE(c.e.on_receive(peer_id(1), wire(n), 10).has_value());
    auto ev = c.e.poll_event();
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(ev->kind, event_kind::response);
    EXPECT_EQ(ev->msg.code, codes::not_found);
    EXPECT_FALSE(c.feed(5, 20).has_value());  // now unknown: RST
    for (auto b = poll_bytes(c.e); !b.empty(); b = poll_bytes(c.e))
        if (decode_ok(b).type == msg_type::rst) return;
    ADD_FAILURE() << "no RST for a notification of an ended observation";
}

TEST(CoapEngineObserve, UnackedConNotificationReplacedByNewer) {
    duo d;
    observed s;
    s.attach(d);
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_observe("/t"), {}, 0));
    d.pump();
    d.drop = [](bool a_to_b, const std::vector<std::uint8_t>&) { return !a_to_b; };
    ASSERT_TRUE(d.b.eng.notify(*s.obs, make_response(codes::content), as_bytes("old"), d.now,
                               notify_type::con));
    d.pump();
    d.drop = nullptr;
    ASSERT_TRUE(d.b.eng.notify(*s.obs, make_response(codes::content), as_bytes("new"), d.now));
    d.advance_to(d.now + 100000);
    auto n = d.a.take(event_kind::notification);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].body, "new");
    EXPECT_EQ(d.b.count(event_kind::observe_cancelled), 0u);
}

}  // namespace
}  // namespace sirocco::coap::test

namespace sirocco::coap::test {
namespace {

TEST(CoapEngineObserve, LargeNotificationSendsFirstBlock) {
    duo d(framing::datagram, {}, [](config& c) { c.max_block_size = 256; });
    observed s;
    s.attach(d);
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_observe("/t"), {}, 0));
    d.pump();
    ASSERT_TRUE(s.obs.has_value());
    const std::string body = pattern(1000);
    ASSERT_TRUE(d.b.eng.notify(*s.obs, make_response(codes::content), as_bytes(body), d.now));
    d.pump();
    auto n = d.a.take(event_kind::notification);
    ASSERT_EQ(n.size(), 1u);
    ASSERT_TRUE(n[0].block2.has_value());
    EXPECT_EQ(n[0].block2->num, 0u);
    EXPECT_TRUE(n[0].block2->more) << "the client fetches the rest with GET (RFC 7959 2.6)";
    EXPECT_EQ(n[0].body, body.substr(0, 256));
}

}  // namespace
}  // namespace sirocco::coap::test
