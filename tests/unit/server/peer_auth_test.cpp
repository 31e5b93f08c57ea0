// Who may be whom (issue 8) in server_engine: server_config::authorize and
// open_peer's bound_endpoint for Register / Update / De-register, the binding
// of stored registrations to new peers, set_peer_address (DTLS Connection
// ID), and that requests and notifications never cross peers.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "dm_fixture.hpp"
#include "sirocco/coap/codec.hpp"
#include "wire_helpers.hpp"

namespace srv = sirocco::server;
namespace lw = sirocco::lwm2m;
namespace coap = sirocco::coap;
using sirocco::as_bytes;
using sirocco::as_chars;
using srv::test::bench;
using srv::test::code_of;
using srv::test::P;
using srv::test::wire_request;

namespace {

/// An allow-list: peer -> the only endpoint it may be (peers not listed may
/// be anyone).
struct identities {
    std::map<std::uint32_t, std::string> bound;
    std::vector<std::pair<std::uint32_t, std::string>> asked;
    bool operator()(coap::peer_id p, std::string_view ep) {
        asked.emplace_back(p.value(), std::string(ep));
        auto it = bound.find(p.value());
        return it == bound.end() || it->second == ep;
    }
};

struct auth_bench : bench {
    identities ids;
    auth_bench() {
        scfg.authorize = [this](coap::peer_id p, std::string_view ep) { return ids(p, ep); };
        start_server();
    }
};

void change(bench& b, srv::test::node& d, double v) {
    b.run_until(b.now + 2000);
    ASSERT_TRUE(d.temp.set_value(0, 5700, lw::value::of_float(v)).has_value());
    d.cl->changed(P(3303, 0, 5700), b.now);
    b.run_until(b.now + 1000);
}

}  // namespace

TEST(server_auth, authorize_refuses_a_register_once_and_says_why) {
    auth_bench b;
    b.ids.bound[200] = "mine";
    auto r = wire_request(b, coap::peer_id{200}, coap::codes::post, "rd", {"ep=secure-1", "lt=60"},
                          "</3/0>", 0x100);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->code, "4.03");
    EXPECT_FALSE(r->payload.empty());
    EXPECT_FALSE(b.regs->find_by_endpoint("secure-1").has_value());
    ASSERT_EQ(b.count(srv::event_kind::refused), 1u);
    const auto ev = b.all(srv::event_kind::refused).front();
    EXPECT_EQ(ev.peer, coap::peer_id{200});
    EXPECT_EQ(ev.endpoint, "secure-1");
    EXPECT_EQ(ev.code, coap::codes::post);
    EXPECT_EQ(ev.result.code, lw::status::forbidden);
    EXPECT_EQ(ev.result.error, r->payload);
    EXPECT_EQ(b.server->counters().refused, 1u);
    EXPECT_EQ(b.count(srv::event_kind::registered), 0u);

    // The CoAP retransmission (same message id) gets the same answer from
    // the duplicate cache, and is not refused (logged) again.
    auto again = wire_request(b, coap::peer_id{200}, coap::codes::post, "rd",
                              {"ep=secure-1", "lt=60"}, "</3/0>", 0x100);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->code, "4.03");
    EXPECT_EQ(b.count(srv::event_kind::refused), 1u);
    EXPECT_EQ(b.server->counters().refused, 1u);

    // Its own endpoint is fine.
    auto ok = wire_request(b, coap::peer_id{200}, coap::codes::post, "rd", {"ep=mine", "lt=60"},
                           "</3/0>", 0x101);
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->code, "2.01");
    EXPECT_EQ(b.regs->find_by_endpoint("mine")->peer, coap::peer_id{200});
}

TEST(server_auth, another_identity_can_neither_update_nor_deregister_nor_receive) {
    auth_bench b;
    auto& a = b.add("dev-a");
    b.start(a);
    const auto reg = *b.regs->find_by_endpoint("dev-a");
    auto obs = b.call("dev-a", srv::observe_request{P(3303, 0, 5700), std::nullopt});
    ASSERT_TRUE(obs.observed.has_value());

    // Peer 200 is authenticated as dev-b (authorize), peer 201 is bound to
    // dev-b by open_peer: both name dev-a's registration.
    b.ids.bound[200] = "dev-b";
    ASSERT_TRUE(b.server
                    ->open_peer(coap::peer_id{201}, coap::framing::datagram,
                                "coaps://198.51.100.9:4000", b.now, "dev-b")
                    .has_value());
    std::uint16_t mid = 0x200;
    for (std::uint32_t attacker : {200u, 201u}) {
        const coap::peer_id p{attacker};
        auto u = wire_request(b, p, coap::codes::post, "rd/" + reg.id, {"lt=9999"}, "", mid++);
        ASSERT_TRUE(u.has_value());
        EXPECT_EQ(u->code, "4.03") << attacker;
        auto d = wire_request(b, p, coap::codes::del, "rd/" + reg.id, {}, "", mid++);
        ASSERT_TRUE(d.has_value());
        EXPECT_EQ(d->code, "4.03") << attacker;
    }
    EXPECT_EQ(b.count(srv::event_kind::refused), 4u);
    EXPECT_EQ(b.count(srv::event_kind::updated), 0u);
    EXPECT_EQ(b.count(srv::event_kind::deregistered), 0u);
    const auto after = b.regs->find_by_endpoint("dev-a");
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(after->peer, a.at_server);
    EXPECT_EQ(after->address, a.address);
    EXPECT_EQ(after->lifetime_s, reg.lifetime_s);
    // The authorize hook was asked about dev-a for the attacker's Update.
    bool asked = false;
    for (const auto& [p, ep] : b.ids.asked)
        asked = asked || (p == 200 && ep == "dev-a");
    EXPECT_TRUE(asked);

    // Requests and notifications still go to / come from dev-a's peer only.
    b.stray.clear();
    auto rd = b.call("dev-a", srv::read_request{P(3303, 0, 5700), std::nullopt});
    EXPECT_EQ(code_of(rd), "2.05");
    change(b, a, 24.5);
    EXPECT_EQ(b.count(srv::event_kind::notification), 1u);
    EXPECT_TRUE(b.stray.empty());
    // The device itself may update and de-register as always.
    ASSERT_TRUE(a.cl->update(b.now).has_value());
    b.pump();
    EXPECT_EQ(b.count(srv::event_kind::updated), 1u);
}

TEST(server_auth, a_notification_with_the_token_from_another_peer_is_not_taken) {
    auth_bench b;
    auto& a = b.add("dev-a");
    b.start(a);
    auto obs = b.call("dev-a", srv::observe_request{P(3303, 0, 5700), srv::content_format::text});
    ASSERT_TRUE(obs.observed.has_value());
    const auto tok = coap::token::from(obs.observed->token);
    ASSERT_TRUE(tok.has_value());

    // A forged notification (2.05 + Observe, dev-a's token) from peer 300.
    coap::message m;
    m.type = coap::msg_type::non;
    m.code = coap::codes::content;
    m.message_id = 0x4242;
    m.token = *tok;
    std::array<std::uint8_t, 32> st{};
    coap::message_builder mb(m, st);
    ASSERT_TRUE(mb.add_uint(coap::opt::observe, 77).has_value());
    ASSERT_TRUE(mb.add_uint(coap::opt::content_format, 0).has_value());
    const std::string forged = "99.5";
    m.payload = as_bytes(forged);
    std::vector<std::uint8_t> wire(coap::limits::max_pdu);
    auto n = coap::encode(m, coap::framing::datagram, wire);
    ASSERT_TRUE(n.has_value());
    ASSERT_TRUE(b.server->on_receive(coap::peer_id{300}, {wire.data(), *n}, b.now).has_value());
    b.pump();
    EXPECT_EQ(b.count(srv::event_kind::notification), 0u);

    // The real one arrives.
    change(b, a, 25.5);
    auto notes = b.all(srv::event_kind::notification);
    ASSERT_EQ(notes.size(), 1u);
    ASSERT_EQ(notes[0].result.records.size(), 1u);
    EXPECT_DOUBLE_EQ(*notes[0].result.records[0].value.view().as_float(), 25.5);
}

TEST(server_auth, set_peer_address_keeps_the_session_and_moves_the_address) {
    auth_bench b;
    auto& a = b.add("dev-a");
    b.start(a);
    auto obs = b.call("dev-a", srv::observe_request{P(3303, 0, 5700), std::nullopt});
    ASSERT_TRUE(obs.observed.has_value());
    EXPECT_FALSE(b.server->set_peer_address(coap::peer_id{4242}, "x").has_value());

    auto n = b.server->set_peer_address(a.at_server, "coaps://203.0.113.5:61000");
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(*n, 1u);
    auto reg = b.regs->find_by_endpoint("dev-a");
    ASSERT_TRUE(reg.has_value());
    EXPECT_EQ(reg->address, "coaps://203.0.113.5:61000");
    EXPECT_EQ(reg->peer, a.at_server);
    // Same text again: nothing to change.
    EXPECT_EQ(*b.server->set_peer_address(a.at_server, "coaps://203.0.113.5:61000"), 0u);
    // Same peer id, same CoAP session: the observation goes on, reads work.
    change(b, a, 26.5);
    EXPECT_EQ(b.count(srv::event_kind::notification), 1u);
    EXPECT_EQ(code_of(b.call("dev-a", srv::read_request{P(3, 0, 0), std::nullopt})), "2.05");
    // An Update keeps the new address (the peer's text).
    ASSERT_TRUE(a.cl->update(b.now).has_value());
    b.pump();
    EXPECT_EQ(b.regs->find_by_endpoint("dev-a")->address, "coaps://203.0.113.5:61000");
}

TEST(server_auth, a_stored_registration_is_not_bound_to_a_peer_of_another_identity) {
    bench b;
    b.start_server();
    auto& a = b.add("dev-a");
    b.start(a);
    auto obs = b.call("dev-a", srv::observe_request{P(3303, 0, 5700), std::nullopt});
    ASSERT_TRUE(obs.observed.has_value());

    // Restart with an authorize hook; the address of dev-a is now reached
    // by peers of other identities first.
    b.server.reset();
    identities ids;
    ids.bound[500] = "dev-x";
    b.scfg.authorize = [&ids](coap::peer_id p, std::string_view ep) { return ids(p, ep); };
    b.start_server();
    ASSERT_TRUE(b.server->open_peer(coap::peer_id{500}, coap::framing::datagram, a.address, b.now)
                    .has_value());
    EXPECT_NE(b.regs->find_by_endpoint("dev-a")->peer, coap::peer_id{500});
    ASSERT_TRUE(
        b.server->open_peer(coap::peer_id{501}, coap::framing::datagram, a.address, b.now, "dev-y")
            .has_value());
    EXPECT_NE(b.regs->find_by_endpoint("dev-a")->peer, coap::peer_id{501});
    EXPECT_EQ(b.server->counters().observations_resumed, 0u);
    // dev-a's own peer at that address gets it (and its observation) back.
    b.server->close_peer(coap::peer_id{500});
    b.server->close_peer(coap::peer_id{501});
    ASSERT_TRUE(
        b.server->open_peer(a.at_server, coap::framing::datagram, a.address, b.now).has_value());
    EXPECT_EQ(b.regs->find_by_endpoint("dev-a")->peer, a.at_server);
    EXPECT_EQ(b.server->counters().observations_resumed, 1u);
    change(b, a, 27.5);
    EXPECT_EQ(b.count(srv::event_kind::notification), 1u);
}
