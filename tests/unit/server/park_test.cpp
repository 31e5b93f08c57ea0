// server_engine releases a datagram peer's coap::engine as soon as only
// duplicate detection is left ("parks" the peer): a retransmitted Register
// still gets the same 2.01 and registers once, our message ids go on, and
// the parked cache goes away after EXCHANGE_LIFETIME.
#include <gtest/gtest.h>

#include "dm_fixture.hpp"
#include "sirocco/coap/codec.hpp"
#include "wire_helpers.hpp"

namespace srv = sirocco::server;
namespace lw = sirocco::lwm2m;
namespace coap = sirocco::coap;
using sirocco::as_bytes;
using srv::test::bench;
using srv::test::P;
using srv::test::wire_request;

TEST(server_park, a_retransmitted_register_gets_the_same_answer_from_a_parked_peer) {
    bench b;
    b.start_server();
    const coap::peer_id p{200};
    ASSERT_TRUE(b.server->open_peer(p, coap::framing::datagram, "udp://192.0.2.200:5683", b.now)
                    .has_value());
    EXPECT_EQ(b.server->engine_count(), 0u) << "a datagram peer gets its engine when used";
    auto first =
        wire_request(b, p, coap::codes::post, "rd", {"ep=parked", "lt=3600"}, "</3/0>", 0x0700);
    ASSERT_TRUE(first.has_value());
    ASSERT_EQ(first->code, "2.01");
    ASSERT_EQ(first->location.size(), 2u);
    EXPECT_EQ(b.server->engine_count(), 0u) << "released once the answer was polled";
    EXPECT_EQ(b.server->peer_count(), 1u);

    // The ACK was lost: the same CON again, 20 s later.
    b.run_until(b.now + 20'000);
    auto again =
        wire_request(b, p, coap::codes::post, "rd", {"ep=parked", "lt=3600"}, "</3/0>", 0x0700);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->code, "2.01");
    EXPECT_EQ(again->location, first->location);
    EXPECT_EQ(b.count(srv::event_kind::registered), 1u);
    EXPECT_EQ(b.count(srv::event_kind::replaced), 0u);
    EXPECT_EQ(b.server->counters().registrations, 1u);
    EXPECT_EQ(b.server->engine_count(), 0u);

    // A refused request is cached the same way.
    auto bad = wire_request(b, p, coap::codes::post, "rd", {"lt=3600"}, "</3/0>", 0x0701);
    ASSERT_TRUE(bad.has_value());
    EXPECT_EQ(bad->code, "4.00");
    auto bad2 = wire_request(b, p, coap::codes::post, "rd", {"lt=3600"}, "</3/0>", 0x0701);
    ASSERT_TRUE(bad2.has_value());
    EXPECT_EQ(bad2->code, "4.00");
    EXPECT_EQ(bad2->payload, bad->payload);

    // After EXCHANGE_LIFETIME the parked cache is gone (nothing left to do),
    // and the same message id is a new message (RFC 7252 4.5).
    b.run_until(b.now + b.scfg.coap.exchange_lifetime_ms + 1000);
    const auto d = b.server->next_deadline();
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(*d, b.regs->find_by_endpoint("parked")->expires_at()) << "only the lifetime";
    auto late =
        wire_request(b, p, coap::codes::post, "rd", {"ep=parked", "lt=3600"}, "</3/0>", 0x0700);
    ASSERT_TRUE(late.has_value());
    EXPECT_EQ(late->code, "2.01");
    EXPECT_EQ(b.count(srv::event_kind::registered), 2u);
    EXPECT_EQ(b.count(srv::event_kind::replaced), 1u);
}

TEST(server_park, our_message_ids_go_on_across_parked_engines) {
    bench b;
    b.start_server();
    const coap::peer_id p{201};
    ASSERT_TRUE(b.server->open_peer(p, coap::framing::datagram, "udp://192.0.2.201:5683", b.now)
                    .has_value());
    auto reg =
        wire_request(b, p, coap::codes::post, "rd", {"ep=mids", "lt=3600"}, "</3303/0>", 0x0800);
    ASSERT_TRUE(reg.has_value());
    ASSERT_EQ(reg->code, "2.01");
    std::vector<std::uint16_t> mids;
    std::vector<std::uint8_t> buf(coap::limits::max_pdu), out(coap::limits::max_pdu);
    for (int i = 0; i < 3; ++i) {
        const auto h = b.server->send(
            "mids", srv::read_request{P(3303, 0, 5700), srv::content_format::text}, 10'000, b.now);
        bool answered = false;
        while (auto t = b.server->poll_transmit(buf)) {
            ASSERT_EQ(t->peer, p);
            auto m = coap::decode({buf.data(), t->size}, coap::framing::datagram);
            ASSERT_TRUE(m.has_value());
            ASSERT_EQ(m->code, coap::codes::get);
            mids.push_back(m->message_id);
            coap::message r;
            r.type = coap::msg_type::ack;
            r.code = coap::codes::content;
            r.message_id = m->message_id;
            r.token = m->token;
            const std::string v = "21.5";
            r.payload = as_bytes(v);
            auto n = coap::encode(r, coap::framing::datagram, out);
            ASSERT_TRUE(n.has_value());
            ASSERT_TRUE(b.server->on_receive(p, {out.data(), *n}, b.now).has_value());
        }
        b.drain();
        for (const auto& e : b.events)
            if (e.kind == srv::event_kind::response && e.handle == h) answered = true;
        EXPECT_TRUE(answered);
        EXPECT_EQ(b.server->engine_count(), 0u) << "parked after each read";
        b.now += 1000;
    }
    ASSERT_EQ(mids.size(), 3u);
    EXPECT_EQ(static_cast<std::uint16_t>(mids[1] - mids[0]), 1u);
    EXPECT_EQ(static_cast<std::uint16_t>(mids[2] - mids[1]), 1u);
}

TEST(server_park, an_observing_peer_keeps_its_engine) {
    bench b;
    b.start_server();
    auto& d = b.add("obs1");
    b.start(d);
    EXPECT_EQ(b.server->engine_count(), 0u);
    auto r = b.call("obs1", srv::observe_request{P(3303, 0, 5700), std::nullopt});
    ASSERT_TRUE(r.observed.has_value());
    EXPECT_EQ(b.server->engine_count(), 1u);
    b.run_until(b.now + 2000);
    ASSERT_TRUE(d.temp.set_value(0, 5700, lw::value::of_float(30.5)).has_value());
    d.cl->changed(P(3303, 0, 5700), b.now);
    b.run_until(b.now + 1000);
    EXPECT_EQ(b.count(srv::event_kind::notification), 1u);
    auto c = b.call("obs1", srv::cancel_observation_request{P(3303, 0, 5700), false});
    EXPECT_EQ(srv::test::code_of(c), "2.02");
    b.run_until(b.now + 1000);
    EXPECT_EQ(b.server->engine_count(), 0u);
}

TEST(server_park, a_peer_between_two_blocks_of_its_object_list_is_parked_too) {
    bench b;
    b.start_server();
    const coap::peer_id p{202};
    ASSERT_TRUE(b.server->open_peer(p, coap::framing::datagram, "udp://192.0.2.202:5683", b.now)
                    .has_value());
    const std::string list = "</1/0>,</3/0>,</3303/0>";  // 23 bytes: 16 + 7
    // Block1 NUM 0, M, SZX 0 (16 bytes); then NUM 1, last.
    auto first = wire_request(b, p, coap::codes::post, "rd", {"ep=blocky", "lt=600"},
                              list.substr(0, 16), 0x0900, 0x08);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->code, "2.31");
    EXPECT_EQ(b.server->engine_count(), 0u) << "parked between the blocks";
    b.now += 500;
    auto last = wire_request(b, p, coap::codes::post, "rd", {"ep=blocky", "lt=600"},
                             list.substr(16), 0x0901, 0x10);
    ASSERT_TRUE(last.has_value());
    EXPECT_EQ(last->code, "2.01");
    EXPECT_EQ(b.server->engine_count(), 0u);
    auto reg = b.regs->find_by_endpoint("blocky");
    ASSERT_TRUE(reg.has_value());
    EXPECT_EQ(reg->objects.objects.size(), 3u);
    // A block out of order (no session any more) is 4.08.
    auto stray = wire_request(b, p, coap::codes::post, "rd", {"ep=blocky", "lt=600"},
                              list.substr(16), 0x0902, 0x10);
    ASSERT_TRUE(stray.has_value());
    EXPECT_EQ(stray->code, "4.08");
}
