// Engine: stream framing and signalling (RFC 8323), compact framing.
#include "engine_harness.hpp"

namespace sirocco::coap::test {
namespace {

message signal(code c) {
    message m;
    m.code = c;
    return m;
}

TEST(CoapEngineStream, CsmFirstAndRequestsWaitForPeerCsm) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::stream, 0).has_value());
    ASSERT_TRUE(e.send_request(peer_id(1), make_request(codes::get, "/a"), {}, 0));
    auto csm = poll_msg(e, framing::stream);
    EXPECT_EQ(csm.code, codes::csm);
    auto mms = find_first(csm, opt::csm_max_message_size);
    ASSERT_NE(mms, nullptr);
    EXPECT_EQ(be_uint(mms->value), limits::max_pdu);
    EXPECT_NE(find_first(csm, opt::csm_block_wise_transfer), nullptr);
    EXPECT_TRUE(poll_bytes(e).empty()) << "the request waits for the peer's CSM";
    message peer_csm = signal(codes::csm);
    std::array<std::uint8_t, 8> st{};
    message_builder b(peer_csm, st);
    ASSERT_TRUE(b.add_uint(opt::csm_max_message_size, 2000));
    ASSERT_TRUE(e.on_receive(peer_id(1), wire(peer_csm, framing::stream), 0).has_value());
    auto ev = e.poll_event();
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(ev->kind, event_kind::csm);
    EXPECT_EQ(ev->max_message_size, 2000u);
    EXPECT_FALSE(ev->block_wise);
    auto req = poll_msg(e, framing::stream);
    EXPECT_EQ(req.code, codes::get);
}

TEST(CoapEngineStream, RequestResponseAndBlocksOverStream) {
    duo d(framing::stream);
    const std::string body = pattern(5000);
    d.b.on_request = [&](node& n, const event& e) {
        ASSERT_TRUE(n.eng.respond(e.request, make_response(codes::content), as_bytes(body), d.now));
    };
    std::vector<std::uint8_t> buf(5000);
    request_options o;
    o.response_buffer = buf;
    o.block2_size = 64;
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_request(codes::get, "/big"), {}, 0, o));
    d.pump();
    EXPECT_EQ(d.a.count(event_kind::csm), 1u);
    EXPECT_EQ(d.b.count(event_kind::csm), 1u);
    auto r = d.a.take(event_kind::response);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].body, body);
    EXPECT_EQ(d.a.count(event_kind::response_block), 78u);
    EXPECT_FALSE(d.a.eng.next_deadline().has_value());
}

TEST(CoapEngineStream, UploadOverStream) {
    duo d(framing::stream);
    std::string stored;
    d.b.on_request = [&](node& n, const event& e) {
        stored += to_string(e.body);
        const bool more = e.block1 && e.block1->more;
        ASSERT_TRUE(n.eng.respond(
            e.request, make_response(more ? codes::continue_ : codes::changed), {}, d.now));
    };
    const std::string body = pattern(4000);
    ASSERT_TRUE(
        d.a.eng.send_request(peer_id(2), make_request(codes::put, "/f"), as_bytes(body), 0));
    d.pump();
    EXPECT_EQ(stored, body);
    EXPECT_EQ(d.a.count(event_kind::response), 1u);
}

TEST(CoapEngineStream, PeerMaxMessageSizeHonoured) {
    // The peer announces Max-Message-Size 300: our blocks shrink to 128.
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::stream, 0).has_value());
    (void)poll_bytes(e);
    message peer_csm = signal(codes::csm);
    std::array<std::uint8_t, 8> st{};
    message_builder b(peer_csm, st);
    ASSERT_TRUE(b.add_uint(opt::csm_max_message_size, 300));
    ASSERT_TRUE(e.on_receive(peer_id(1), wire(peer_csm, framing::stream), 0).has_value());
    const std::string body = pattern(1000);
    ASSERT_TRUE(e.send_request(peer_id(1), make_request(codes::put, "/f"), as_bytes(body), 0));
    auto out = poll_bytes(e);
    EXPECT_LE(out.size(), 300u);
    auto m = decode_ok(out, framing::stream);
    auto b1 = find_block(m, opt::block1, framing::stream);
    ASSERT_TRUE(b1.has_value());
    EXPECT_EQ(b1->size(), 128u);
}

TEST(CoapEngineStream, PingPongAndTimeout) {
    duo d(framing::stream);
    d.pump();
    ASSERT_TRUE(d.a.eng.ping(peer_id(2), d.now).has_value());
    d.pump();
    EXPECT_EQ(d.a.count(event_kind::pong), 1u);
    auto pong = decode_ok(d.b_sent.back(), framing::stream);
    EXPECT_EQ(pong.code, codes::pong);
    // A ping the peer never answers times out.
    d.drop = [](bool a_to_b, const std::vector<std::uint8_t>&) { return a_to_b; };
    ASSERT_TRUE(d.a.eng.ping(peer_id(2), d.now).has_value());
    d.advance_to(d.now + 10000);
    EXPECT_EQ(d.a.count(event_kind::timeout), 1u);
}

TEST(CoapEngineStream, ReleaseStopsNewRequests) {
    duo d(framing::stream);
    d.pump();
    ASSERT_TRUE(d.b.eng.release(peer_id(1)).has_value());
    d.pump();
    EXPECT_EQ(d.a.count(event_kind::released), 1u);
    EXPECT_EQ(
        d.a.eng.send_request(peer_id(2), make_request(codes::get, "/"), {}, d.now).error().code,
        errc::not_allowed);
}

TEST(CoapEngineStream, AbortFailsExchanges) {
    duo d(framing::stream);
    d.b.on_request = [](node&, const event&) {};  // never answers
    auto x = d.a.eng.send_request(peer_id(2), make_request(codes::get, "/"), {}, 0);
    ASSERT_TRUE(x.has_value());
    d.pump();
    ASSERT_TRUE(d.b.eng.abort(peer_id(1), "shutting down").has_value());
    d.pump();
    EXPECT_EQ(d.a.count(event_kind::aborted), 1u);
    auto f = d.a.take(event_kind::failed);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].exchange, *x);
    auto ab = decode_ok(d.b_sent.back(), framing::stream);
    EXPECT_EQ(ab.code, codes::abort);
    EXPECT_EQ(to_string(ab.payload), "shutting down");
}

TEST(CoapEngineStream, FirstMessageNotCsmAborts) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::stream, 0).has_value());
    (void)poll_bytes(e);
    ASSERT_TRUE(e.on_receive(peer_id(1), wire(make_request(codes::get, "/"), framing::stream), 0));
    auto ev = e.poll_event();
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(ev->kind, event_kind::aborted);
    EXPECT_EQ(poll_msg(e, framing::stream).code, codes::abort);
}

TEST(CoapEngineStream, OversizedFrameAborts) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::stream, 0).has_value());
    (void)poll_bytes(e);
    // Len 14: 2-byte extended length 0x4000 + 269 bytes > our 1152.
    const std::vector<std::uint8_t> head{0xE0, 0x40, 0x00, 0x01};
    ASSERT_TRUE(e.on_receive(peer_id(1), head, 0).has_value());
    auto ev = e.poll_event();
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(ev->kind, event_kind::aborted);
}

TEST(CoapEngineStream, ByteByByteFeeding) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::stream, 0).has_value());
    (void)poll_bytes(e);
    std::vector<std::uint8_t> all = wire(signal(codes::csm), framing::stream);
    message req = make_request(codes::post, "/x/y");
    auto t = token::from(std::vector<std::uint8_t>{9, 9});
    req.token = *t;
    const std::string body = pattern(600);
    req.payload = as_bytes(body);
    auto rw = wire(req, framing::stream);
    all.insert(all.end(), rw.begin(), rw.end());
    std::vector<rec> got;
    for (std::size_t i = 0; i < all.size(); ++i) {
        auto n = e.on_receive(peer_id(1), bytes_view(&all[i], 1), 0);
        ASSERT_TRUE(n.has_value());
        EXPECT_EQ(*n, 1u);
        while (auto ev = e.poll_event())
            got.emplace_back(*ev);
    }
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].kind, event_kind::csm);
    EXPECT_EQ(got[1].kind, event_kind::request);
    EXPECT_EQ(got[1].uri, "/x/y");
    EXPECT_EQ(got[1].body, body);
}

TEST(CoapEngineStream, SeveralFramesInOneFeed) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::stream, 0).has_value());
    std::vector<std::uint8_t> all = wire(signal(codes::csm), framing::stream);
    for (int i = 0; i < 3; ++i) {
        auto p = wire(signal(codes::ping), framing::stream);
        all.insert(all.end(), p.begin(), p.end());
    }
    bytes_view rest(all);
    int calls = 0;
    while (!rest.empty()) {
        auto n = e.on_receive(peer_id(1), rest, 0);
        ASSERT_TRUE(n.has_value());
        rest = rest.subspan(*n);
        ++calls;
        while (e.poll_event()) {
        }
    }
    EXPECT_EQ(calls, 4) << "one frame per call";
    int pongs = 0;
    for (auto b = poll_bytes(e); !b.empty(); b = poll_bytes(e))
        if (decode_ok(b, framing::stream).code == codes::pong) ++pongs;
    EXPECT_EQ(pongs, 3);
}

TEST(CoapEngineCompact, TokenMatchingAndRequestTimeout) {
    duo d(framing::compact);
    d.b.on_request = [&](node& n, const event& e) {
        if (rec(e).uri == "/slow") return;
        ASSERT_TRUE(n.eng.respond(e.request, make_response(codes::content), as_bytes("ok"), d.now));
    };
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_request(codes::get, "/fast"), {}, 0));
    d.pump();
    auto r = d.a.take(event_kind::response);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].body, "ok");
    EXPECT_EQ(d.a_sent[0][0] & 0xF0, 0) << "compact header: Len nibble 0";
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_request(codes::get, "/slow"), {}, d.now));
    d.advance_to(d.now + 9999);
    EXPECT_EQ(d.a.count(event_kind::timeout), 0u);
    d.advance_to(d.now + 1);
    EXPECT_EQ(d.a.count(event_kind::timeout), 1u);
    EXPECT_EQ(d.a.eng.counters().retransmissions, 0u);
}

}  // namespace
}  // namespace sirocco::coap::test

namespace sirocco::coap::test {
namespace {

TEST(CoapEngineStream, NoCsmFromPeerTimesOutQueuedRequest) {
    counter_rng rng;
    engine e(test_config(rng));
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::stream, 0).has_value());
    auto x = e.send_request(peer_id(1), make_request(codes::get, "/a"), {}, 0);
    ASSERT_TRUE(x.has_value());
    EXPECT_EQ(poll_msg(e, framing::stream).code, codes::csm);
    EXPECT_TRUE(poll_bytes(e).empty());
    ASSERT_EQ(e.next_deadline(), std::optional<time_ms>(10000));
    e.on_timer(10000);
    auto ev = e.poll_event();
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(ev->kind, event_kind::timeout);
    EXPECT_EQ(ev->exchange, *x);
}

TEST(CoapEngineStream, NoMessageIdsOrAcksOnStream) {
    duo d(framing::stream);
    d.b.on_request = [&](node& n, const event& e) {
        ASSERT_TRUE(n.eng.respond(e.request, make_response(codes::content), as_bytes("s"), d.now));
    };
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_request(codes::get, "/a"), {}, 0));
    d.pump();
    EXPECT_EQ(d.a_sent.size(), 2u) << "CSM and the request";
    EXPECT_EQ(d.b_sent.size(), 2u) << "CSM and the response, no ACK";
    EXPECT_FALSE(d.a.eng.next_deadline().has_value());
    EXPECT_FALSE(d.b.eng.next_deadline().has_value());
}

}  // namespace
}  // namespace sirocco::coap::test
