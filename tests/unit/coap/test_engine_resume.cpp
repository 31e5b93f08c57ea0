// Engine: resuming a client observation in a fresh engine (the LwM2M server
// after a restart) and the idle() check of a per-peer engine.
#include "engine_harness.hpp"

namespace sirocco::coap::test {
namespace {

TEST(CoapEngineResume, ANewEngineAcceptsNotificationsOfAResumedObservation) {
    duo d;
    std::optional<observation_id> obs;
    d.b.on_request = [&](node& n, const event& e) {
        auto r = n.eng.respond(e.request, make_response(codes::content), as_bytes("v0"), d.now);
        ASSERT_TRUE(r.has_value());
        if (*r) obs = *r;
    };
    auto x = d.a.eng.send_request(peer_id(2), make_observe("/temp"), {}, 0);
    ASSERT_TRUE(x.has_value());
    d.pump();
    ASSERT_TRUE(obs.has_value());
    // The token the observation runs on, as the old engine sent it.
    const message reg = decode_ok(d.a_sent.at(0));
    const token tok = reg.token;

    // "Restart": a new engine in place of a, which knows nothing yet.
    counter_rng rng2{7};
    engine fresh(test_config(rng2));
    ASSERT_TRUE(fresh.open_peer(peer_id(2), framing::datagram, d.now).has_value());
    EXPECT_TRUE(fresh.idle(d.now));
    message tmpl = make_observe("/temp");
    auto rx = fresh.resume_observation(peer_id(2), tmpl, tok, d.now);
    ASSERT_TRUE(rx.has_value());
    EXPECT_FALSE(fresh.idle(d.now));
    EXPECT_TRUE(poll_bytes(fresh).empty()) << "resuming sends nothing";
    // The same token again is refused.
    EXPECT_EQ(fresh.resume_observation(peer_id(2), tmpl, tok, d.now).error().code,
              errc::invalid_argument);
    EXPECT_EQ(fresh.resume_observation(peer_id(9), tmpl, tok, d.now).error().code, errc::not_found);

    // The server notifies; the bytes go to the fresh engine.
    d.now += 1000;
    ASSERT_TRUE(d.b.eng.notify(*obs, make_response(codes::content), as_bytes("v1"), d.now,
                               notify_type::con));
    auto n1 = poll_bytes(d.b.eng);
    ASSERT_FALSE(n1.empty());
    ASSERT_TRUE(fresh.on_receive(peer_id(2), n1, d.now).has_value());
    auto ev = fresh.poll_event();
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(ev->kind, event_kind::notification);
    EXPECT_EQ(ev->exchange, *rx);
    EXPECT_EQ(to_string(ev->body), "v1");
    // The CON notification is acknowledged (not reset).
    auto ack = poll_bytes(fresh);
    ASSERT_FALSE(ack.empty());
    EXPECT_EQ(decode_ok(ack).type, msg_type::ack);

    // An active cancel sends GET with Observe 1, the kept Uri-Path and the token.
    ASSERT_TRUE(fresh.cancel(*rx, d.now, true).has_value());
    auto dereg = poll_bytes(fresh);
    ASSERT_FALSE(dereg.empty());
    const message m = decode_ok(dereg);
    EXPECT_EQ(m.code, codes::get);
    EXPECT_EQ(m.token, tok);
    ASSERT_TRUE(coap::observe(m).has_value());
    EXPECT_EQ(*coap::observe(m), 1u);
    std::string uri;
    for (const auto& o : coap::uri_path(m))
        uri += "/" + std::string(o.as_string());
    EXPECT_EQ(uri, "/temp");
}

TEST(CoapEngineResume, NotificationCrossingTheDeregistrationKeepsItsAckPending) {
    duo d;
    std::optional<observation_id> obs;
    d.b.on_request = [&](node& n, const event& e) {
        auto r = n.eng.respond(e.request, make_response(codes::content), as_bytes("v"), d.now);
        ASSERT_TRUE(r.has_value());
        if (*r) obs = *r;
    };
    auto x = d.a.eng.send_request(peer_id(2), make_observe("/temp"), {}, 0);
    ASSERT_TRUE(x.has_value());
    d.pump();
    ASSERT_TRUE(obs.has_value());
    // b notifies (NON) and a deregisters before that notification arrives.
    ASSERT_TRUE(d.b.eng.notify(*obs, make_response(codes::content), as_bytes("n1"), d.now,
                               notify_type::non));
    auto note = poll_bytes(d.b.eng);
    ASSERT_FALSE(note.empty());
    ASSERT_TRUE(d.a.eng.cancel(*x, d.now, true).has_value());
    ASSERT_TRUE(d.a.eng.on_receive(peer_id(2), note, d.now).has_value());
    d.a.drain();
    d.pump();  // the GET Observe 1 and its piggybacked answer
    auto rs = d.a.take(event_kind::response);
    ASSERT_EQ(rs.size(), 2u) << "the establishment and the deregistration";
    EXPECT_EQ(rs[1].exchange, *x);
    EXPECT_EQ(d.a.count(event_kind::timeout), 0u);
}

TEST(CoapEngineResume, UnknownTokenStillGetsReset) {
    duo d;
    counter_rng rng2{7};
    engine fresh(test_config(rng2));
    ASSERT_TRUE(fresh.open_peer(peer_id(2), framing::datagram, 0).has_value());
    std::array<std::uint8_t, 2> tb{1, 2};
    auto tok = token::from(tb);
    ASSERT_TRUE(tok.has_value());
    ASSERT_TRUE(fresh.resume_observation(peer_id(2), make_observe("/a"), *tok, 0).has_value());
    // A CON notification with another token is answered with RST.
    message n = make_response(codes::content);
    n.type = msg_type::con;
    n.message_id = 77;
    std::array<std::uint8_t, 2> other{9, 9};
    n.token = *token::from(other);
    auto bytes = wire(n);
    ASSERT_TRUE(fresh.on_receive(peer_id(2), bytes, 0).has_value());
    EXPECT_FALSE(fresh.poll_event().has_value());
    auto rst = poll_bytes(fresh);
    ASSERT_FALSE(rst.empty());
    EXPECT_EQ(decode_ok(rst).type, msg_type::rst);
}

TEST(CoapEngineResume, IdleAfterTheExchangeAndItsDedupEntryAreGone) {
    duo d;
    d.b.on_request = [&](node& n, const event& e) {
        ASSERT_TRUE(n.eng.respond(e.request, make_response(codes::content), as_bytes("x"), d.now));
    };
    EXPECT_TRUE(d.a.eng.idle(d.now));
    EXPECT_TRUE(d.b.eng.idle(d.now));
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_request(codes::get, "/x"), {}, d.now));
    EXPECT_FALSE(d.a.eng.idle(d.now));
    d.pump();
    EXPECT_TRUE(d.a.eng.idle(d.now)) << "the client side keeps nothing after the response";
    EXPECT_FALSE(d.b.eng.idle(d.now)) << "the server side keeps the dedup entry";
    EXPECT_TRUE(d.b.eng.idle(d.now + d.b.eng.cfg().exchange_lifetime_ms));
}

}  // namespace
}  // namespace sirocco::coap::test
