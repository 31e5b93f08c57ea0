// tls::dtls_server in memory: cookies, sessions found by address or by
// Connection ID, moves, limits, timeouts, refusals.
#include <gtest/gtest.h>

#include <malloc.h>

#include <cstdio>

#include "tls_test_util.hpp"

namespace {

using namespace sirocco_tls_test;
using tls::dtls_server;
using tls::failure;
using tls::state;
using tls::transport;
using kind = dtls_server::event_kind;

std::shared_ptr<tls::server_context> psk_context(const tls::config& cfg) {
    auto r = tls::server_context::create(cfg, {}, psk_policy());
    EXPECT_TRUE(r.has_value());
    return std::shared_ptr<tls::server_context>(std::move(r).value());
}

std::unique_ptr<tls::session> client(const tls::config& cfg, tls::credentials creds = psk_client(),
                                     tls::time_ms now = 0) {
    auto r = tls::session::client(cfg, creds, transport::datagram, now);
    EXPECT_TRUE(r.has_value());
    return std::move(r).value();
}

std::vector<dtls_server::event> of_kind(const std::vector<dtls_server::event>& all, kind k) {
    std::vector<dtls_server::event> v;
    for (const auto& e : all)
        if (e.kind == k) v.push_back(e);
    return v;
}

tls::config with_cid(std::uint8_t n) {
    tls::config c;
    c.cid_length = n;
    return c;
}

TEST(dtls_server, cookie_then_handshake_then_data) {
    const tls::config cfg;
    dtls_server srv(psk_context(cfg), cfg, {});
    auto c = client(cfg);
    // First ClientHello: a stateless HelloVerifyRequest, nothing kept.
    auto hello = c->poll_transmit();
    ASSERT_TRUE(hello.has_value());
    srv.on_datagram("127.0.0.1:5000", bytes(hello->begin(), hello->end()), 0);
    EXPECT_EQ(srv.counters().hello_verify_sent, 1u);
    EXPECT_EQ(srv.counters().handshaking, 0u);
    auto hvr = srv.poll_transmit();
    ASSERT_TRUE(hvr.has_value());
    EXPECT_EQ(hvr->to, "127.0.0.1:5000");
    EXPECT_EQ(hvr->bytes[13], 3);  // hello_verify_request
    (void)c->on_receive(hvr->bytes, 0);
    pump(*c, "127.0.0.1:5000", srv, 0);
    ASSERT_EQ(c->state(), state::established) << c->failure_reason();
    auto ev = events(srv);
    auto est = of_kind(ev, kind::established);
    ASSERT_EQ(est.size(), 1u);
    EXPECT_EQ(est[0].address, "127.0.0.1:5000");
    EXPECT_EQ(est[0].who.psk_identity, "dev1-id");
    EXPECT_FALSE(est[0].cid);
    const auto id = est[0].id;
    EXPECT_EQ(*srv.address_of(id), "127.0.0.1:5000");
    ASSERT_NE(srv.identity_of(id), nullptr);
    EXPECT_EQ(srv.identity_of(id)->psk_identity, "dev1-id");
    EXPECT_EQ(srv.counters().sessions, 1u);
    EXPECT_EQ(srv.counters().handshakes_completed, 1u);

    ASSERT_TRUE(c->send(to_bytes("ping"), 1).has_value());
    pump(*c, "127.0.0.1:5000", srv, 1);
    auto data = of_kind(events(srv), kind::data);
    ASSERT_EQ(data.size(), 1u);
    EXPECT_EQ(data[0].id, id);
    EXPECT_EQ(to_string(data[0].payload), "ping");
    ASSERT_TRUE(srv.send(id, to_bytes("pong"), 2).has_value());
    pump(*c, "127.0.0.1:5000", srv, 2);
    EXPECT_EQ(plaintext(*c), "pong");
    EXPECT_EQ(srv.send(999, to_bytes("x"), 2).error().code, sirocco::errc::not_found);

    // close(): close_notify to the client, the session is forgotten.
    srv.close(id, 3);
    pump(*c, "127.0.0.1:5000", srv, 3);
    EXPECT_EQ(c->state(), state::closed);
    EXPECT_FALSE(srv.address_of(id).has_value());
    EXPECT_EQ(srv.counters().sessions, 0u);
}

TEST(dtls_server, client_close_notify_gives_closed_event) {
    const tls::config cfg;
    dtls_server srv(psk_context(cfg), cfg, {});
    auto c = client(cfg);
    pump(*c, "a:1", srv, 0);
    ASSERT_EQ(c->state(), state::established);
    (void)events(srv);
    c->close(1);
    pump(*c, "a:1", srv, 1);
    auto closed = of_kind(events(srv), kind::closed);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].address, "a:1");
    EXPECT_EQ(srv.counters().sessions, 0u);
}

TEST(dtls_server, cid_session_moves_with_an_authenticated_record) {
    const tls::config cfg = with_cid(8);
    dtls_server srv(psk_context(cfg), cfg, {});
    auto c = client(cfg);
    pump(*c, "10.0.0.1:1000", srv, 0);
    ASSERT_EQ(c->state(), state::established);
    auto est = of_kind(events(srv), kind::established);
    ASSERT_EQ(est.size(), 1u);
    EXPECT_TRUE(est[0].cid);
    const auto id = est[0].id;

    // NAT rebinding: the same session speaks from another port.
    ASSERT_TRUE(c->send(to_bytes("after rebinding"), 10).has_value());
    pump(*c, "10.0.0.1:2000", srv, 10);
    auto ev = events(srv);
    auto moved = of_kind(ev, kind::moved);
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_EQ(moved[0].id, id);
    EXPECT_EQ(moved[0].address, "10.0.0.1:2000");
    EXPECT_EQ(moved[0].previous, "10.0.0.1:1000");
    auto data = of_kind(ev, kind::data);
    ASSERT_EQ(data.size(), 1u);
    EXPECT_EQ(to_string(data[0].payload), "after rebinding");
    EXPECT_EQ(data[0].address, "10.0.0.1:2000");
    EXPECT_EQ(*srv.address_of(id), "10.0.0.1:2000");
    // Replies go to the new address.
    ASSERT_TRUE(srv.send(id, to_bytes("reply"), 11).has_value());
    auto out = srv.poll_transmit();
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->to, "10.0.0.1:2000");
    (void)c->on_receive(out->bytes, 11);
    EXPECT_EQ(plaintext(*c), "reply");
}

TEST(dtls_server, forged_or_replayed_cid_record_does_not_move) {
    const tls::config cfg = with_cid(8);
    dtls_server srv(psk_context(cfg), cfg, {});
    auto c = client(cfg);
    pump(*c, "10.0.0.1:1000", srv, 0);
    ASSERT_EQ(c->state(), state::established);
    const auto id = of_kind(events(srv), kind::established).at(0).id;

    ASSERT_TRUE(c->send(to_bytes("genuine"), 1).has_value());
    auto rec = c->poll_transmit();
    ASSERT_TRUE(rec.has_value());
    bytes genuine(rec->begin(), rec->end());
    ASSERT_EQ(genuine[0], 25);  // tls12_cid record
    // Forged: the CID is right, the ciphertext is not.
    bytes forged = genuine;
    forged.back() ^= 0x5a;
    const auto dropped_before = srv.counters().dropped;
    srv.on_datagram("6.6.6.6:666", forged, 2);
    EXPECT_TRUE(events(srv).empty());
    EXPECT_EQ(*srv.address_of(id), "10.0.0.1:1000");
    EXPECT_EQ(srv.counters().dropped, dropped_before + 1);
    EXPECT_FALSE(srv.poll_transmit().has_value());
    // The genuine record from the right address is still accepted.
    srv.on_datagram("10.0.0.1:1000", genuine, 3);
    auto data = of_kind(events(srv), kind::data);
    ASSERT_EQ(data.size(), 1u);
    // A replay of it from elsewhere neither moves nor delivers again.
    srv.on_datagram("6.6.6.6:666", genuine, 4);
    EXPECT_TRUE(events(srv).empty());
    EXPECT_EQ(*srv.address_of(id), "10.0.0.1:1000");
    // A CID nobody has is dropped.
    bytes unknown = genuine;
    unknown[11] ^= 0xff;
    srv.on_datagram("10.0.0.1:1000", unknown, 5);
    EXPECT_TRUE(events(srv).empty());
}

TEST(dtls_server, without_cid_a_new_address_is_a_stranger) {
    const tls::config cfg;  // no CID
    dtls_server srv(psk_context(cfg), cfg, {});
    auto c = client(cfg);
    pump(*c, "10.0.0.1:1000", srv, 0);
    ASSERT_EQ(c->state(), state::established);
    const auto id = of_kind(events(srv), kind::established).at(0).id;
    ASSERT_TRUE(c->send(to_bytes("from elsewhere"), 1).has_value());
    pump(*c, "10.0.0.1:2000", srv, 1);
    EXPECT_TRUE(events(srv).empty());
    EXPECT_EQ(*srv.address_of(id), "10.0.0.1:1000");
    EXPECT_GE(srv.counters().dropped, 1u);
    EXPECT_FALSE(srv.poll_transmit().has_value());  // no reply to a stranger
}

TEST(dtls_server, cid_server_serves_clients_without_cid) {
    const tls::config cfg = with_cid(4);
    dtls_server srv(psk_context(cfg), cfg, {});
    auto c = client({});
    pump(*c, "a:1", srv, 0);
    ASSERT_EQ(c->state(), state::established);
    auto est = of_kind(events(srv), kind::established);
    ASSERT_EQ(est.size(), 1u);
    EXPECT_FALSE(est[0].cid);
    ASSERT_TRUE(c->send(to_bytes("x"), 1).has_value());
    pump(*c, "a:1", srv, 1);
    EXPECT_EQ(of_kind(events(srv), kind::data).size(), 1u);
}

TEST(dtls_server, refusals_are_reported_once_and_others_go_on) {
    const tls::config cfg;
    dtls_server srv(psk_context(cfg), cfg, {});
    auto good = client(cfg);
    pump(*good, "good:1", srv, 0);
    ASSERT_EQ(good->state(), state::established);
    (void)events(srv);

    auto wrong_key = client(cfg, psk_client("dev1-id", bytes(16, 0x42)));
    pump(*wrong_key, "bad:1", srv, 1);
    auto unknown = client(cfg, psk_client("stranger"));
    pump(*unknown, "bad:2", srv, 1);
    auto ev = events(srv);
    auto refused = of_kind(ev, kind::refused);
    ASSERT_EQ(refused.size(), 2u);
    EXPECT_EQ(refused[0].address, "bad:1");
    EXPECT_EQ(refused[0].fail, failure::bad_key);
    EXPECT_EQ(refused[1].address, "bad:2");
    EXPECT_EQ(refused[1].fail, failure::unknown_identity);
    EXPECT_FALSE(refused[0].reason.empty());
    EXPECT_EQ(srv.counters().handshakes_failed, 2u);
    EXPECT_EQ(srv.counters().handshaking, 0u);
    EXPECT_EQ(wrong_key->state(), state::failed);
    EXPECT_EQ(unknown->state(), state::failed);

    ASSERT_TRUE(good->send(to_bytes("still here"), 2).has_value());
    pump(*good, "good:1", srv, 2);
    auto data = of_kind(events(srv), kind::data);
    ASSERT_EQ(data.size(), 1u);
    EXPECT_EQ(to_string(data[0].payload), "still here");
}

TEST(dtls_server, strangers_and_garbage_get_no_reply) {
    const tls::config cfg = with_cid(8);
    dtls_server srv(psk_context(cfg), cfg, {});
    srv.on_datagram("x:1", to_bytes("hello"), 0);
    srv.on_datagram("x:1", bytes(100, 0x17), 0);  // application data, unknown peer
    bytes cid_rec(40, 0);
    cid_rec[0] = 25;
    srv.on_datagram("x:1", cid_rec, 0);
    srv.on_datagram("x:1", {}, 0);
    EXPECT_FALSE(srv.poll_transmit().has_value());
    EXPECT_FALSE(srv.poll_event().has_value());
    EXPECT_EQ(srv.counters().dropped, 4u);
    EXPECT_EQ(srv.counters().handshaking, 0u);
}

TEST(dtls_server, max_handshakes_drops_further_client_hellos) {
    const tls::config cfg;
    tls::dtls_server_limits lim;
    lim.max_handshakes = 2;
    dtls_server srv(psk_context(cfg), cfg, lim);
    std::vector<std::unique_ptr<tls::session>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(client(cfg));
        const std::string addr = "c:" + std::to_string(i);
        // Cookie exchange, then the ClientHello with the cookie; the
        // server's flight is not delivered so the handshake stays open.
        auto h = clients.back()->poll_transmit();
        srv.on_datagram(addr, bytes(h->begin(), h->end()), 0);
        auto hvr = srv.poll_transmit();
        ASSERT_TRUE(hvr.has_value());
        (void)clients.back()->on_receive(hvr->bytes, 0);
        auto h2 = clients.back()->poll_transmit();
        srv.on_datagram(addr, bytes(h2->begin(), h2->end()), 0);
        while (srv.poll_transmit()) {
        }
    }
    EXPECT_EQ(srv.counters().handshaking, 2u);
    EXPECT_EQ(srv.counters().handshakes_started, 2u);
    EXPECT_EQ(srv.counters().refused_busy, 1u);
    // The open handshakes time out and free their places.
    const auto d = srv.next_deadline();
    ASSERT_TRUE(d.has_value());
    for (tls::time_ms now = *d; srv.counters().handshaking > 0 && now < 120000;) {
        srv.on_timer(now);
        while (srv.poll_transmit()) {
        }
        const auto next = srv.next_deadline();
        if (!next) break;
        now = *next;
    }
    EXPECT_EQ(srv.counters().handshaking, 0u);
    auto refused = of_kind(events(srv), kind::refused);
    ASSERT_EQ(refused.size(), 2u);
    EXPECT_EQ(refused[0].fail, failure::timeout);
    EXPECT_FALSE(srv.next_deadline().has_value());
}

TEST(dtls_server, server_flight_lost_then_retransmitted) {
    const tls::config cfg;
    dtls_server srv(psk_context(cfg), cfg, {});
    auto c = client(cfg);
    const std::string addr = "r:1";
    auto h = c->poll_transmit();
    srv.on_datagram(addr, bytes(h->begin(), h->end()), 0);
    (void)c->on_receive(srv.poll_transmit()->bytes, 0);
    auto h2 = c->poll_transmit();
    srv.on_datagram(addr, bytes(h2->begin(), h2->end()), 0);
    int lost = 0;
    while (srv.poll_transmit())
        ++lost;  // ServerHello...Done lost
    EXPECT_GE(lost, 1);
    // Whoever's timer fires first retransmits; the handshake completes.
    tls::time_ms now = 0;
    for (int i = 0; i < 10 && c->state() == state::handshaking; ++i) {
        auto dc = c->next_deadline();
        auto ds = srv.next_deadline();
        now = std::min(dc.value_or(~0ull), ds.value_or(~0ull));
        c->on_timer(now);
        srv.on_timer(now);
        pump(*c, addr, srv, now);
    }
    EXPECT_EQ(c->state(), state::established) << c->failure_reason();
    EXPECT_EQ(of_kind(events(srv), kind::established).size(), 1u);
    EXPECT_LE(now, 2000u);
}

TEST(dtls_server, a_client_starting_over_replaces_its_half_open_handshake) {
    const tls::config cfg;
    dtls_server srv(psk_context(cfg), cfg, {});
    const std::string addr = "h:1";
    // The first attempt stops after the ClientHello with the cookie (the
    // server's flight is lost, then the client restarts).
    auto first = client(cfg);
    auto h = first->poll_transmit();
    srv.on_datagram(addr, bytes(h->begin(), h->end()), 0);
    (void)first->on_receive(srv.poll_transmit()->bytes, 0);
    auto h2 = first->poll_transmit();
    const bytes with_cookie(h2->begin(), h2->end());
    srv.on_datagram(addr, with_cookie, 0);
    while (srv.poll_transmit()) {
    }
    ASSERT_EQ(srv.counters().handshaking, 1u);
    // A retransmission of that ClientHello (the client's timer) is answered
    // by the same session.
    const auto d = first->next_deadline();
    ASSERT_TRUE(d.has_value());
    first->on_timer(*d);
    auto again = first->poll_transmit();
    ASSERT_TRUE(again.has_value());
    srv.on_datagram(addr, bytes(again->begin(), again->end()), *d);
    EXPECT_TRUE(srv.poll_transmit().has_value());
    while (srv.poll_transmit()) {
    }
    EXPECT_EQ(srv.counters().handshakes_started, 1u);
    // The restarted client (another random) gets through at once.
    auto second = client(cfg, psk_client(), *d);
    pump(*second, addr, srv, *d);
    ASSERT_EQ(second->state(), state::established) << second->failure_reason();
    EXPECT_EQ(srv.counters().handshaking, 0u);
    EXPECT_EQ(srv.counters().sessions, 1u);
    EXPECT_EQ(srv.counters().handshakes_started, 2u);
    EXPECT_EQ(of_kind(events(srv), kind::established).size(), 1u);
}

TEST(dtls_server, max_sessions_evicts_the_least_recently_heard) {
    const tls::config cfg;
    tls::dtls_server_limits lim;
    lim.max_sessions = 2;
    dtls_server srv(psk_context(cfg), cfg, lim);
    auto a = client(cfg);
    pump(*a, "a:1", srv, 0);
    auto b = client(cfg);
    pump(*b, "b:1", srv, 1);
    ASSERT_TRUE(a->send(to_bytes("a is alive"), 2).has_value());
    pump(*a, "a:1", srv, 2);
    (void)events(srv);
    auto c = client(cfg);
    pump(*c, "c:1", srv, 3);
    auto ev = events(srv);
    auto closed = of_kind(ev, kind::closed);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].address, "b:1");
    EXPECT_EQ(srv.counters().sessions, 2u);
}

TEST(dtls_server, idle_sessions_are_closed) {
    const tls::config cfg;
    tls::dtls_server_limits lim;
    lim.idle_timeout_ms = 60000;
    dtls_server srv(psk_context(cfg), cfg, lim);
    auto a = client(cfg);
    pump(*a, "a:1", srv, 0);
    auto b = client(cfg);
    pump(*b, "b:1", srv, 0);
    (void)events(srv);
    EXPECT_EQ(srv.next_deadline(), 60000u);
    ASSERT_TRUE(a->send(to_bytes("alive"), 50000).has_value());
    pump(*a, "a:1", srv, 50000);
    (void)events(srv);
    // Datagrams that carry no application data do not count as heard.
    srv.on_datagram("b:1", bytes(40, 0x17), 55000);
    srv.on_timer(60000);
    auto closed = of_kind(events(srv), kind::closed);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].address, "b:1");
    EXPECT_EQ(closed[0].reason, "idle timeout");
    pump(*b, "b:1", srv, 60000);
    EXPECT_EQ(b->state(), state::closed);  // got the close_notify
    EXPECT_EQ(srv.next_deadline(), 110000u);
    EXPECT_EQ(srv.counters().sessions, 1u);
}

TEST(dtls_server, reconnect_from_the_same_address_replaces_the_session) {
    const tls::config cfg;
    dtls_server srv(psk_context(cfg), cfg, {});
    auto first = client(cfg);
    pump(*first, "same:1", srv, 0);
    ASSERT_EQ(first->state(), state::established);
    const auto old_id = of_kind(events(srv), kind::established).at(0).id;
    auto second =
        client(cfg, psk_client("dev2-id", {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}));
    pump(*second, "same:1", srv, 1);
    ASSERT_EQ(second->state(), state::established) << second->failure_reason();
    auto ev = events(srv);
    auto closed = of_kind(ev, kind::closed);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].id, old_id);
    auto est = of_kind(ev, kind::established);
    ASSERT_EQ(est.size(), 1u);
    EXPECT_NE(est[0].id, old_id);
    EXPECT_EQ(est[0].who.psk_identity, "dev2-id");
    EXPECT_EQ(srv.counters().sessions, 1u);
}

TEST(dtls_server, resumption_through_the_server) {
    const tls::config cfg = with_cid(8);
    dtls_server srv(psk_context(cfg), cfg, {});
    auto c = client(cfg);
    pump(*c, "a:1", srv, 0);
    ASSERT_EQ(c->state(), state::established);
    tls::config again = cfg;
    again.resume = c->saved();
    c->close(1);
    pump(*c, "a:1", srv, 1);
    (void)events(srv);
    auto c2 = client(again);
    pump(*c2, "a:2", srv, 2);
    ASSERT_EQ(c2->state(), state::established);
    EXPECT_TRUE(c2->resumed());
    auto est = of_kind(events(srv), kind::established);
    ASSERT_EQ(est.size(), 1u);
    EXPECT_TRUE(est[0].resumed);
    EXPECT_TRUE(est[0].cid);
    EXPECT_EQ(est[0].who.psk_identity, "dev1-id");
}

// 10,000 handshake attempts from 10,000 addresses: without a cookie they
// leave nothing; with valid cookies at most max_handshakes are kept, and
// all of them go once the handshake timeout passed.
TEST(dtls_server, ten_thousand_client_hellos_leave_bounded_state) {
    tls::config cfg = with_cid(8);
    cfg.handshake_timeout_ms = 10000;
    tls::dtls_server_limits lim;
    lim.max_handshakes = 64;
    dtls_server srv(psk_context(cfg), cfg, lim);
    auto c = client(cfg);
    auto h = c->poll_transmit();
    const bytes hello(h->begin(), h->end());
    for (int i = 0; i < 10000; ++i) {
        const std::string addr = "10." + std::to_string(i / 250) + "." + std::to_string(i % 250) +
                                 ".1:" + std::to_string(1024 + i);
        srv.on_datagram(addr, hello, static_cast<tls::time_ms>(i));
        auto hvr = srv.poll_transmit();
        ASSERT_TRUE(hvr.has_value());
        EXPECT_EQ(hvr->to, addr);
    }
    EXPECT_EQ(srv.counters().hello_verify_sent, 10000u);
    EXPECT_EQ(srv.counters().handshaking, 0u);
    EXPECT_EQ(srv.counters().sessions, 0u);
    EXPECT_EQ(srv.counters().handshakes_started, 0u);
    EXPECT_FALSE(srv.poll_event().has_value());

    // With valid cookies (each address did the exchange).
    std::size_t most = 0;
    for (int i = 0; i < 10000; ++i) {
        const std::string addr = "11." + std::to_string(i / 250) + "." + std::to_string(i % 250) +
                                 ".1:" + std::to_string(1024 + i);
        auto ci = client(cfg, psk_client(), 20000);
        auto first = ci->poll_transmit();
        srv.on_datagram(addr, bytes(first->begin(), first->end()), 20000);
        auto hvr = srv.poll_transmit();
        ASSERT_TRUE(hvr.has_value());
        (void)ci->on_receive(hvr->bytes, 20000);
        auto second = ci->poll_transmit();
        srv.on_datagram(addr, bytes(second->begin(), second->end()), 20000);
        while (srv.poll_transmit()) {
        }
        most = std::max(most, srv.counters().handshaking);
    }
    EXPECT_EQ(most, lim.max_handshakes);
    EXPECT_EQ(srv.counters().handshakes_started, lim.max_handshakes);
    EXPECT_EQ(srv.counters().refused_busy, 10000u - lim.max_handshakes);
    srv.on_timer(20000 + cfg.handshake_timeout_ms);
    EXPECT_EQ(srv.counters().handshaking, 0u);
    EXPECT_EQ(srv.counters().sessions, 0u);
    EXPECT_EQ(of_kind(events(srv), kind::refused).size(), lim.max_handshakes);
}

#if !defined(__SANITIZE_ADDRESS__)
// The same storm, measured: the heap after 10,000 attempts with valid
// cookies (at most max_handshakes kept, each with mbedTLS's ~33 KB of record
// buffers) is bounded by the limit, not by the number of attempts, and
// returns to where it was once the handshakes timed out.
TEST(dtls_server, handshake_storm_memory_is_bounded) {
    tls::config cfg = with_cid(8);
    cfg.handshake_timeout_ms = 10000;
    tls::dtls_server_limits lim;
    lim.max_handshakes = 32;
    dtls_server srv(psk_context(cfg), cfg, lim);
    auto heap = [] { return static_cast<long long>(mallinfo2().uordblks); };
    auto attempt = [&](int i, tls::time_ms now) {
        const std::string addr = "12." + std::to_string(i / 250) + "." + std::to_string(i % 250) +
                                 ".1:" + std::to_string(1024 + i);
        auto ci = client(cfg, psk_client(), now);
        auto first = ci->poll_transmit();
        srv.on_datagram(addr, bytes(first->begin(), first->end()), now);
        auto hvr = srv.poll_transmit();
        (void)ci->on_receive(hvr->bytes, now);
        auto second = ci->poll_transmit();
        srv.on_datagram(addr, bytes(second->begin(), second->end()), now);
        while (srv.poll_transmit()) {
        }
    };
    attempt(-1, 0);  // first-use allocations
    srv.on_timer(cfg.handshake_timeout_ms);
    (void)events(srv);
    const long long base = heap();
    long long peak = base;
    for (int i = 0; i < 10000; ++i) {
        attempt(i, 20000);
        if (i % 100 == 0) peak = std::max(peak, heap());
    }
    peak = std::max(peak, heap());
    const long long per_handshake = (peak - base) / static_cast<long long>(lim.max_handshakes);
    EXPECT_LT(peak - base, static_cast<long long>(lim.max_handshakes) * 64 * 1024)
        << "per open handshake: " << per_handshake << " bytes";
    srv.on_timer(20000 + cfg.handshake_timeout_ms);
    (void)events(srv);
    EXPECT_EQ(srv.counters().handshaking, 0u);
    EXPECT_LT(heap() - base, 64 * 1024) << "left after the timeouts";
    std::printf(
        "[ memory   ] 10,000 attempts, max_handshakes %zu: peak +%lld KB (%lld B per open "
        "handshake), after timeouts %+lld B\n",
        lim.max_handshakes, (peak - base) / 1024, per_handshake, heap() - base);
}
#endif

}  // namespace
