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

}  // namespace
}  // namespace sirocco::coap::test
