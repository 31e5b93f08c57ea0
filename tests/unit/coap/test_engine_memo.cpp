// Engine: what a host keeps of a datagram peer between two engines
// (quiescent, dedup_records, restore_dedup, next_message_id): a duplicate
// reaching a new engine gets the first engine's answer, and our message ids
// go on where the first engine stopped.
#include "engine_harness.hpp"

namespace sirocco::coap::test {
namespace {

message con_request(std::uint16_t mid, std::uint8_t tok) {
    message m = make_request(codes::post, "rd");
    m.message_id = mid;
    const std::uint8_t t[1] = {tok};
    m.token = *token::from(bytes_view(t, 1));
    return m;
}

TEST(CoapEngineMemo, ADuplicateGetsTheCachedAnswerFromANewEngine) {
    counter_rng r1;
    engine a(test_config(r1));
    const peer_id p(5);
    ASSERT_TRUE(a.open_peer(p, framing::datagram, 0).has_value());
    EXPECT_TRUE(a.quiescent(0));
    const auto req = wire(con_request(0x1234, 0x77));
    ASSERT_TRUE(a.on_receive(p, req, 10).has_value());
    auto ev = a.poll_event();
    ASSERT_TRUE(ev.has_value());
    ASSERT_EQ(ev->kind, event_kind::request);
    EXPECT_FALSE(a.quiescent(10)) << "a request is open";
    message resp = make_response(codes::created);
    ASSERT_TRUE(a.respond(ev->request, resp, as_bytes("ok"), 10).has_value());
    EXPECT_FALSE(a.quiescent(10)) << "the answer is not sent yet";
    const auto answer = poll_bytes(a);
    ASSERT_FALSE(answer.empty());
    EXPECT_TRUE(poll_bytes(a).empty());
    EXPECT_TRUE(a.quiescent(10));
    EXPECT_FALSE(a.idle(10)) << "duplicate detection is still alive";

    std::array<dedup_record, limits::dedup> recs;
    ASSERT_EQ(a.dedup_records(p, 10, recs.data(), recs.size()), 1u);
    EXPECT_EQ(recs[0].message_id, 0x1234);
    EXPECT_EQ(recs[0].answer, dedup_answer::response);
    EXPECT_EQ(recs[0].expiry, 10u + a.cfg().exchange_lifetime_ms);
    EXPECT_EQ(std::vector<std::uint8_t>(recs[0].response.begin(), recs[0].response.end()), answer);
    EXPECT_EQ(a.dedup_records(peer_id(6), 10, recs.data(), recs.size()), 0u);
    EXPECT_EQ(a.dedup_records(p, 10 + a.cfg().exchange_lifetime_ms, recs.data(), recs.size()), 0u)
        << "expired";
    const auto mid = a.next_message_id(p);
    ASSERT_TRUE(mid.has_value());
    EXPECT_FALSE(a.next_message_id(peer_id(6)).has_value());

    // A new engine takes over the peer.
    counter_rng r2{99};
    engine b(test_config(r2));
    EXPECT_EQ(b.restore_dedup(p, recs[0]).error().code, errc::not_found);
    ASSERT_TRUE(b.open_peer(p, framing::datagram, 20).has_value());
    ASSERT_TRUE(a.dedup_records(p, 10, recs.data(), recs.size()) == 1u);
    ASSERT_TRUE(b.restore_dedup(p, recs[0]).has_value());
    ASSERT_TRUE(b.set_next_message_id(p, *mid).has_value());
    EXPECT_EQ(b.next_message_id(p), mid);
    EXPECT_TRUE(b.quiescent(20));
    ASSERT_TRUE(b.on_receive(p, req, 20).has_value());
    EXPECT_FALSE(b.poll_event().has_value()) << "a duplicate is no new request";
    EXPECT_EQ(poll_bytes(b), answer);
    EXPECT_EQ(b.counters().duplicates, 1u);
    // A new request after that is one; our own CON uses the continued id.
    ASSERT_TRUE(b.on_receive(p, wire(con_request(0x1235, 0x78)), 21).has_value());
    auto ev2 = b.poll_event();
    ASSERT_TRUE(ev2.has_value());
    EXPECT_EQ(ev2->kind, event_kind::request);
    auto x = b.send_request(p, make_request(codes::get, "3/0/0"), {}, 21);
    ASSERT_TRUE(x.has_value());
    std::vector<std::uint8_t> got;
    for (auto bytes = poll_bytes(b); !bytes.empty(); bytes = poll_bytes(b)) {
        const message m = decode_ok(bytes);
        if (m.code == codes::get) {
            EXPECT_EQ(m.message_id, *mid);
        }
        got = bytes;
    }
    EXPECT_FALSE(got.empty());
}

TEST(CoapEngineMemo, OtherAnswersAndBadRecords) {
    counter_rng r1;
    engine a(test_config(r1));
    const peer_id p(5);
    ASSERT_TRUE(a.open_peer(p, framing::datagram, 0).has_value());
    dedup_record r;
    r.message_id = 7;
    r.expiry = 1000;
    r.answer = dedup_answer::response;
    EXPECT_EQ(a.restore_dedup(p, r).error().code, errc::invalid_argument) << "no bytes";
    r.answer = dedup_answer::rst;
    ASSERT_TRUE(a.restore_dedup(p, r).has_value());
    // A duplicate of message 7 gets RST again; after expiry it is new.
    message m = con_request(7, 1);
    ASSERT_TRUE(a.on_receive(p, wire(m), 10).has_value());
    EXPECT_FALSE(a.poll_event().has_value());
    const message rst = poll_msg(a);
    EXPECT_EQ(rst.type, msg_type::rst);
    EXPECT_EQ(rst.message_id, 7);
    ASSERT_TRUE(a.on_receive(p, wire(m), 1000).has_value());
    auto ev = a.poll_event();
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(ev->kind, event_kind::request);
    // Stream peers have no duplicate detection.
    ASSERT_TRUE(a.open_peer(peer_id(6), framing::stream, 0).has_value());
    EXPECT_EQ(a.restore_dedup(peer_id(6), r).error().code, errc::not_allowed);
    // Capacity: limits::dedup entries that are all alive.
    counter_rng r2;
    engine b(test_config(r2));
    ASSERT_TRUE(b.open_peer(p, framing::datagram, 0).has_value());
    r.answer = dedup_answer::ignore;
    for (std::size_t i = 0; i < limits::dedup; ++i) {
        r.message_id = static_cast<std::uint16_t>(100 + i);
        ASSERT_TRUE(b.restore_dedup(p, r).has_value());
    }
    // Full: the oldest complete entry is evicted (relaxed detection, RFC 7252 4.5).
    r.message_id = 500;
    r.expiry = 2000;
    EXPECT_TRUE(b.restore_dedup(p, r).has_value());
    std::array<dedup_record, limits::dedup> recs;
    EXPECT_EQ(b.dedup_records(p, 0, recs.data(), recs.size()), limits::dedup);
}

TEST(CoapEngineMemo, ABlock1UploadGoesOnInANewEngine) {
    counter_rng r1;
    engine a(test_config(r1));
    const peer_id p(5);
    ASSERT_TRUE(a.open_peer(p, framing::datagram, 0).has_value());
    const std::uint8_t b0[1] = {0x08};  // NUM 0, M, SZX 0 (16 bytes)
    message m0 = con_request(0x2000, 1);
    std::array<std::uint8_t, 1> none{};
    message_builder mb0(m0, none);
    ASSERT_TRUE(mb0.add(opt::block1, bytes_view(b0, 1)).has_value());
    const std::string part0 = "0123456789abcdef";
    m0.payload = as_bytes(part0);
    ASSERT_TRUE(a.on_receive(p, wire(m0), 10).has_value());
    auto ev = a.poll_event();
    ASSERT_TRUE(ev.has_value());
    ASSERT_TRUE(ev->block1.has_value());
    message cont = make_response(codes::continue_);
    ASSERT_TRUE(a.respond(ev->request, cont, {}, 10).has_value());
    EXPECT_FALSE(poll_bytes(a).empty());
    EXPECT_TRUE(a.quiescent(10)) << "an upload between blocks can be carried over";
    EXPECT_FALSE(a.idle(10));
    std::array<block1_record, limits::block1_sessions> ups;
    ASSERT_EQ(a.block1_records(p, 10, ups.data(), ups.size()), 1u);
    EXPECT_EQ(ups[0].next_num, 1u);
    EXPECT_EQ(ups[0].received, 16u);
    EXPECT_EQ(a.block1_records(p, ups[0].expiry, ups.data(), ups.size()), 0u) << "expired";

    counter_rng r2{50};
    engine b(test_config(r2));
    EXPECT_EQ(b.restore_block1(p, ups[0]).error().code, errc::not_found);
    ASSERT_TRUE(b.open_peer(p, framing::datagram, 20).has_value());
    ASSERT_TRUE(b.restore_block1(p, ups[0]).has_value());
    const std::uint8_t b1[1] = {0x10};  // NUM 1, last, SZX 0
    message m1 = con_request(0x2001, 2);
    message_builder mb1(m1, none);
    ASSERT_TRUE(mb1.add(opt::block1, bytes_view(b1, 1)).has_value());
    m1.payload = as_bytes("gh");
    ASSERT_TRUE(b.on_receive(p, wire(m1), 20).has_value());
    auto ev1 = b.poll_event();
    ASSERT_TRUE(ev1.has_value());
    ASSERT_EQ(ev1->kind, event_kind::request) << "taken as the next block, not 4.08";
    ASSERT_TRUE(ev1->block1.has_value());
    EXPECT_EQ(ev1->block1->num, 1u);
    EXPECT_EQ(ev1->offset, 16u);
    // Without the record a fresh engine answers the same block 4.08.
    counter_rng r3{60};
    engine c(test_config(r3));
    ASSERT_TRUE(c.open_peer(p, framing::datagram, 20).has_value());
    ASSERT_TRUE(c.on_receive(p, wire(m1), 20).has_value());
    EXPECT_FALSE(c.poll_event().has_value());
    EXPECT_EQ(poll_msg(c).code, codes::request_entity_incomplete);
}

}  // namespace
}  // namespace sirocco::coap::test
