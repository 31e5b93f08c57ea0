// Engine: datagram reliability (RFC 7252 4), piggybacked and separate
// responses (5.2), duplicate detection (4.5), NSTART (4.7), RST.
#include "engine_harness.hpp"

namespace sirocco::coap::test {
namespace {

TEST(CoapEngine, RetransmissionTimesDoubleAndGiveUpAfterMaxRetransmit) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(7), framing::datagram, 0).has_value());
    auto x = e.send_request(peer_id(7), make_request(codes::get, "/a"), {}, 0);
    ASSERT_TRUE(x.has_value());
    const auto first = poll_bytes(e);
    ASSERT_FALSE(first.empty());
    EXPECT_TRUE(poll_bytes(e).empty());
    // ACK_TIMEOUT 2 s spread by the random factor 1.5: the fixed RNG picks
    // 2000 + 500 ms; then the timeout doubles (RFC 7252 4.2).
    const time_ms expected[] = {2500, 7500, 17500, 37500};
    for (time_ms t : expected) {
        ASSERT_EQ(e.next_deadline(), std::optional<time_ms>(t));
        e.on_timer(t - 1);
        EXPECT_TRUE(poll_bytes(e).empty()) << "nothing before the deadline";
        e.on_timer(t);
        EXPECT_EQ(poll_bytes(e), first) << "the same message, same id, at " << t;
        EXPECT_FALSE(e.poll_event().has_value());
    }
    ASSERT_EQ(e.next_deadline(), std::optional<time_ms>(77500));
    e.on_timer(77500);
    EXPECT_TRUE(poll_bytes(e).empty()) << "no fifth retransmission";
    auto ev = e.poll_event();
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(ev->kind, event_kind::timeout);
    EXPECT_EQ(ev->exchange, *x);
    EXPECT_EQ(ev->err.code, errc::timeout);
    EXPECT_EQ(e.counters().retransmissions, 4u);
    EXPECT_FALSE(e.next_deadline().has_value());
}

TEST(CoapEngine, RetransmissionWithinRandomFactorBounds) {
    struct max_rng {
        static std::uint32_t next(void*) noexcept { return 1000; }  // % 1001 = 1000
    };
    config c;
    c.rng = &max_rng::next;
    c.max_retransmit = 2;
    c.ack_timeout_ms = 2000;
    engine e(c);
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    ASSERT_TRUE(e.send_request(peer_id(1), make_request(codes::get, "/a"), {}, 100).has_value());
    (void)poll_bytes(e);
    EXPECT_EQ(e.next_deadline(), std::optional<time_ms>(100 + 3000));  // the upper bound 3 s
    e.on_timer(3100);
    (void)poll_bytes(e);
    EXPECT_EQ(e.next_deadline(), std::optional<time_ms>(3100 + 6000));
    e.on_timer(9100);
    (void)poll_bytes(e);
    EXPECT_EQ(e.next_deadline(), std::optional<time_ms>(9100 + 12000));
    e.on_timer(21100);
    auto ev = e.poll_event();
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(ev->kind, event_kind::timeout);  // MAX_RETRANSMIT = 2 is configurable
}

TEST(CoapEngine, PiggybackedResponseStopsRetransmission) {
    duo d;
    d.b.on_request = [&](node& n, const event& e) {
        EXPECT_EQ(rec(e).uri, "/hello");
        ASSERT_TRUE(
            n.eng.respond(e.request, make_response(codes::content), as_bytes("world"), d.now)
                .has_value());
    };
    auto x = d.a.eng.send_request(peer_id(2), make_request(codes::get, "/hello"), {}, 0);
    ASSERT_TRUE(x.has_value());
    d.pump();
    auto r = d.a.take(event_kind::response);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].exchange, *x);
    EXPECT_EQ(r[0].c, codes::content);
    EXPECT_EQ(r[0].type, msg_type::ack);
    EXPECT_EQ(r[0].body, "world");
    EXPECT_FALSE(d.a.eng.next_deadline().has_value());
    d.advance_to(100000);
    EXPECT_EQ(d.a.eng.counters().retransmissions, 0u);
    EXPECT_EQ(d.b.count(event_kind::request), 1u);
}

TEST(CoapEngine, SeparateResponseAfterEmptyAck) {
    duo d;
    request_id pending;
    d.b.on_request = [&](node&, const event& e) { pending = e.request; };
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_request(codes::get, "/slow"), {}, 0));
    d.pump();
    // The piggyback window (1 s) passes: the server sends an empty ACK.
    d.advance_to(1000);
    ASSERT_EQ(d.b_sent.size(), 1u);
    auto ack = decode_ok(d.b_sent[0]);
    EXPECT_EQ(ack.type, msg_type::ack);
    EXPECT_TRUE(ack.code.is_empty());
    // Later the answer goes out as a CON with a new message id; the client ACKs it.
    d.advance_to(5000);
    ASSERT_TRUE(d.b.eng.respond(pending, make_response(codes::content), as_bytes("late"), d.now));
    d.pump();
    ASSERT_EQ(d.b_sent.size(), 2u);
    auto sep = decode_ok(d.b_sent[1]);
    EXPECT_EQ(sep.type, msg_type::con);
    EXPECT_NE(sep.message_id, ack.message_id);
    auto r = d.a.take(event_kind::response);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].body, "late");
    EXPECT_EQ(r[0].type, msg_type::con);
    auto client_ack = decode_ok(d.a_sent.back());
    EXPECT_EQ(client_ack.type, msg_type::ack);
    EXPECT_EQ(client_ack.message_id, sep.message_id);
    EXPECT_FALSE(d.b.eng.next_deadline().has_value()) << "the separate CON was acknowledged";
    EXPECT_EQ(d.a.eng.counters().retransmissions, 0u);
}

TEST(CoapEngine, SeparateResponseRetransmittedUntilAcked) {
    duo d;
    request_id pending;
    d.b.on_request = [&](node&, const event& e) { pending = e.request; };
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_request(codes::get, "/slow"), {}, 0));
    d.advance_to(2000);
    ASSERT_TRUE(d.b.eng.respond(pending, make_response(codes::content), as_bytes("x"), d.now));
    int dropped = 0;
    d.drop = [&](bool a_to_b, const std::vector<std::uint8_t>&) {
        return !a_to_b && dropped++ < 2;  // lose the separate response twice
    };
    d.advance_to(30000);
    EXPECT_EQ(d.a.count(event_kind::response), 1u);
    EXPECT_EQ(d.b.eng.counters().retransmissions, 2u);
}

TEST(CoapEngine, DuplicateConAnsweredFromCacheNotExecutedTwice) {
    counter_rng rng;
    engine srv(test_config(rng));
    ASSERT_TRUE(srv.open_peer(peer_id(1), framing::datagram, 0).has_value());
    message req = make_request(codes::post, "/counter");
    req.message_id = 0x1234;
    auto t = token::from(std::vector<std::uint8_t>{0xAA, 0xBB});
    ASSERT_TRUE(t.has_value());
    req.token = *t;
    const auto bytes = wire(req);
    ASSERT_TRUE(srv.on_receive(peer_id(1), bytes, 0).has_value());
    auto ev = srv.poll_event();
    ASSERT_TRUE(ev.has_value());
    ASSERT_EQ(ev->kind, event_kind::request);
    ASSERT_TRUE(srv.respond(ev->request, make_response(codes::changed), as_bytes("1"), 0));
    const auto answer = poll_bytes(srv);
    auto m = decode_ok(answer);
    EXPECT_EQ(m.type, msg_type::ack);
    EXPECT_EQ(m.message_id, 0x1234);
    EXPECT_EQ(m.code, codes::changed);
    // The ACK was lost; the client retransmits: the cached answer comes back,
    // byte for byte, and the application does not see the request again.
    ASSERT_TRUE(srv.on_receive(peer_id(1), bytes, 2500).has_value());
    EXPECT_FALSE(srv.poll_event().has_value());
    EXPECT_EQ(poll_bytes(srv), answer);
    EXPECT_EQ(srv.counters().duplicates, 1u);
    // After EXCHANGE_LIFETIME the id may be reused: a new request.
    ASSERT_TRUE(srv.on_receive(peer_id(1), bytes, 247000 + 1).has_value());
    auto again = srv.poll_event();
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->kind, event_kind::request);
}

TEST(CoapEngine, DuplicateWhileProcessingIsIgnoredThenGetsEmptyAck) {
    counter_rng rng;
    engine srv(test_config(rng));
    ASSERT_TRUE(srv.open_peer(peer_id(1), framing::datagram, 0).has_value());
    message req = make_request(codes::get, "/slow");
    req.message_id = 77;
    const auto bytes = wire(req);
    ASSERT_TRUE(srv.on_receive(peer_id(1), bytes, 0).has_value());
    ASSERT_TRUE(srv.poll_event().has_value());
    ASSERT_TRUE(srv.on_receive(peer_id(1), bytes, 500).has_value());
    EXPECT_FALSE(srv.poll_event().has_value());
    EXPECT_TRUE(poll_bytes(srv).empty());
    srv.on_timer(1000);
    const auto ack = poll_bytes(srv);
    EXPECT_EQ(ack, (std::vector<std::uint8_t>{0x60, 0x00, 0x00, 77}));
    ASSERT_TRUE(srv.on_receive(peer_id(1), bytes, 2500).has_value());
    EXPECT_EQ(poll_bytes(srv), ack);
    EXPECT_FALSE(srv.poll_event().has_value());
}

TEST(CoapEngine, NonRequestGetsNonResponse) {
    duo d;
    d.b.on_request = [&](node& n, const event& e) {
        EXPECT_EQ(e.msg.type, msg_type::non);
        ASSERT_TRUE(n.eng.respond(e.request, make_response(codes::content), as_bytes("n"), d.now));
    };
    ASSERT_TRUE(
        d.a.eng.send_request(peer_id(2), make_request(codes::get, "/n", msg_type::non), {}, 0));
    d.pump();
    auto r = d.a.take(event_kind::response);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].type, msg_type::non);
    EXPECT_EQ(r[0].body, "n");
}

TEST(CoapEngine, NonRequestWithoutAnswerTimesOut) {
    duo d;
    ASSERT_TRUE(
        d.a.eng.send_request(peer_id(2), make_request(codes::get, "/n", msg_type::non), {}, 0));
    d.advance_to(9999);
    EXPECT_EQ(d.a.count(event_kind::timeout), 0u);
    d.advance_to(10000);
    EXPECT_EQ(d.a.count(event_kind::timeout), 1u);
}

TEST(CoapEngine, RstToRequestGivesResetEvent) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    auto x = e.send_request(peer_id(1), make_request(codes::get, "/a"), {}, 0);
    ASSERT_TRUE(x.has_value());
    auto sent = poll_msg(e);
    const std::vector<std::uint8_t> rst{0x70, 0x00, static_cast<std::uint8_t>(sent.message_id >> 8),
                                        static_cast<std::uint8_t>(sent.message_id)};
    ASSERT_TRUE(e.on_receive(peer_id(1), rst, 10).has_value());
    auto ev = e.poll_event();
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(ev->kind, event_kind::reset);
    EXPECT_EQ(ev->exchange, *x);
    EXPECT_FALSE(e.next_deadline().has_value());
}

TEST(CoapEngine, UnknownTokenResponseAndPingGetRst) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    message resp = make_response(codes::content);
    resp.type = msg_type::con;
    resp.message_id = 9;
    auto t = token::from(std::vector<std::uint8_t>{1, 2, 3});
    resp.token = *t;
    ASSERT_TRUE(e.on_receive(peer_id(1), wire(resp), 0).has_value());
    EXPECT_EQ(poll_bytes(e), (std::vector<std::uint8_t>{0x70, 0x00, 0x00, 9}));
    // CoAP ping: an empty CON (RFC 7252 4.3).
    ASSERT_TRUE(e.on_receive(peer_id(1), std::vector<std::uint8_t>{0x40, 0x00, 0x01, 0x02}, 0));
    EXPECT_EQ(poll_bytes(e), (std::vector<std::uint8_t>{0x70, 0x00, 0x01, 0x02}));
    // A CON with a format error (TKL 9) is rejected with RST too.
    ASSERT_TRUE(e.on_receive(peer_id(1), std::vector<std::uint8_t>{0x49, 0x01, 0x00, 0x05}, 0));
    EXPECT_EQ(poll_bytes(e), (std::vector<std::uint8_t>{0x70, 0x00, 0x00, 0x05}));
    EXPECT_FALSE(e.poll_event().has_value());
}

TEST(CoapEngine, UnrecognisedCriticalOptionGets402) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    message req = make_request(codes::get, "/a");
    req.message_id = 3;
    option crit;
    crit.number = 2049;  // critical, unknown
    ASSERT_TRUE(req.options.push_back(crit));
    ASSERT_TRUE(e.on_receive(peer_id(1), wire(req), 0).has_value());
    EXPECT_FALSE(e.poll_event().has_value());
    auto m = poll_msg(e);
    EXPECT_EQ(m.code, codes::bad_option);
    EXPECT_EQ(m.type, msg_type::ack);
    EXPECT_EQ(m.message_id, 3);
}

TEST(CoapEngine, UnrecognisedCriticalOptionInNonRequestIsDropped) {
    // RFC 7252 5.4.1: in a NON message an unrecognised critical option makes
    // the message rejected: nothing is delivered and no 4.02 goes back.
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    message req = make_request(codes::get, "/a");
    req.type = msg_type::non;
    req.message_id = 4;
    option crit;
    crit.number = 2049;
    ASSERT_TRUE(req.options.push_back(crit));
    ASSERT_TRUE(e.on_receive(peer_id(1), wire(req), 0).has_value());
    EXPECT_FALSE(e.poll_event().has_value());
    std::array<std::uint8_t, limits::max_pdu> out{};
    EXPECT_FALSE(e.poll_transmit(out).has_value());
    EXPECT_EQ(e.counters().dropped, 1u);
}

TEST(CoapEngine, NstartHoldsSecondRequestUntilFirstCompletes) {
    duo d;
    std::vector<request_id> held;
    d.b.on_request = [&](node&, const event& e) { held.push_back(e.request); };
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_request(codes::get, "/1"), {}, 0));
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_request(codes::get, "/2"), {}, 0));
    d.pump();
    ASSERT_EQ(held.size(), 1u) << "NSTART = 1";
    EXPECT_EQ(d.b.events[0].uri, "/1");
    ASSERT_TRUE(d.b.eng.respond(held[0], make_response(codes::content), {}, d.now));
    d.pump();
    ASSERT_EQ(held.size(), 2u);
    EXPECT_EQ(d.b.events[1].uri, "/2");
}

TEST(CoapEngine, NstartTwoSendsBoth) {
    duo d(framing::datagram, [](config& c) { c.nstart = 2; });
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_request(codes::get, "/1"), {}, 0));
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_request(codes::get, "/2"), {}, 0));
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_request(codes::get, "/3"), {}, 0));
    d.pump();
    EXPECT_EQ(d.b.count(event_kind::request), 2u);
}

TEST(CoapEngine, TokensAndMessageIdsDiffer) {
    counter_rng rng;
    config c = test_config(rng);
    c.nstart = 4;
    c.token_length = 8;
    engine e(c);
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(e.send_request(peer_id(1), make_request(codes::get, "/a"), {}, 0));
    auto m1 = poll_msg(e);
    auto m2 = poll_msg(e);
    auto m3 = poll_msg(e);
    EXPECT_EQ(m1.token.size(), 8u);
    EXPECT_FALSE(m1.token == m2.token);
    EXPECT_FALSE(m2.token == m3.token);
    EXPECT_EQ(static_cast<std::uint16_t>(m1.message_id + 1), m2.message_id);
    EXPECT_EQ(static_cast<std::uint16_t>(m2.message_id + 1), m3.message_id);
}

TEST(CoapEngine, CancelForgetsExchange) {
    duo d;
    auto x = d.a.eng.send_request(peer_id(2), make_request(codes::get, "/a"), {}, 0);
    ASSERT_TRUE(x.has_value());
    ASSERT_TRUE(d.a.eng.cancel(*x, 0).has_value());
    EXPECT_EQ(d.a.eng.cancel(*x, 0).error().code, errc::not_found);
    EXPECT_FALSE(d.a.eng.next_deadline().has_value());
}

TEST(CoapEngine, StaleHandlesAndUnknownPeers) {
    counter_rng rng;
    engine e(test_config(rng));
    EXPECT_EQ(e.on_receive(peer_id(5), std::vector<std::uint8_t>{0x40, 0, 0, 0}, 0).error().code,
              errc::not_found);
    EXPECT_EQ(e.send_request(peer_id(5), make_request(codes::get, "/"), {}, 0).error().code,
              errc::not_found);
    EXPECT_EQ(e.respond(request_id(12345), make_response(codes::content), {}, 0).error().code,
              errc::not_found);
    EXPECT_EQ(e.notify(observation_id(3), make_response(codes::content), {}, 0).error().code,
              errc::not_found);
    ASSERT_TRUE(e.open_peer(peer_id(5), framing::datagram, 0).has_value());
    EXPECT_EQ(e.open_peer(peer_id(5), framing::datagram, 0).error().code, errc::invalid_argument);
    EXPECT_EQ(e.send_request(peer_id(5), make_response(codes::content), {}, 0).error().code,
              errc::invalid_argument);
    std::vector<std::uint8_t> small(10);
    EXPECT_FALSE(e.poll_transmit(small).has_value());
}

TEST(CoapEngine, ClosePeerFailsItsExchanges) {
    duo d;
    auto x = d.a.eng.send_request(peer_id(2), make_request(codes::get, "/a"), {}, 0);
    ASSERT_TRUE(x.has_value());
    d.a.eng.close_peer(peer_id(2));
    d.a.drain();
    auto f = d.a.take(event_kind::failed);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].exchange, *x);
    EXPECT_FALSE(d.a.eng.next_deadline().has_value());
}

}  // namespace
}  // namespace sirocco::coap::test

namespace sirocco::coap::test {
namespace {

TEST(CoapEngine, EmptyAckThenNoSeparateResponseTimesOutAfterExchangeLifetime) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    auto x = e.send_request(peer_id(1), make_request(codes::get, "/a"), {}, 0);
    ASSERT_TRUE(x.has_value());
    auto sent = poll_msg(e);
    message ack;
    ack.type = msg_type::ack;
    ack.message_id = sent.message_id;
    ASSERT_TRUE(e.on_receive(peer_id(1), wire(ack), 100).has_value());
    ASSERT_EQ(e.next_deadline(), std::optional<time_ms>(100 + 247000));
    e.on_timer(100 + 247000);
    auto ev = e.poll_event();
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(ev->kind, event_kind::timeout);
    EXPECT_EQ(e.counters().retransmissions, 0u);
}

}  // namespace
}  // namespace sirocco::coap::test
