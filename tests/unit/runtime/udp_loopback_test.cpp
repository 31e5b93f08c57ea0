// Two UDP endpoints on 127.0.0.1 (ports chosen by the OS) exchange datagrams
// through the event loop; the deadline timer and the signal handler.
#include <csignal>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include "sirocco/runtime/event_loop.hpp"
#include "sirocco/runtime/udp_endpoint.hpp"

namespace sirocco::runtime {
namespace {

bytes_view as_bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
std::string as_string(bytes_view b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

const udp_address loopback_any_port{asio::ip::make_address("127.0.0.1"), 0};

TEST(udp_loopback, server_accepts_many_peers_client_drops_strangers) {
    event_loop loop;
    udp_endpoint server(loop.io());
    server.set_accept_unknown(true);
    std::vector<std::pair<coap::peer_id, std::string>> at_server;
    ASSERT_TRUE(server.open(loopback_any_port, [&](coap::peer_id p, bytes_view b) {
        at_server.emplace_back(p, as_string(b));
        (void)server.send(p, as_bytes("echo:" + as_string(b)));
    }));
    udp_address server_addr = server.local_address();
    ASSERT_NE(server_addr.port(), 0);

    std::vector<std::string> at_a, at_b;
    udp_endpoint a(loop.io()), b(loop.io());
    ASSERT_TRUE(a.open(loopback_any_port, [&](coap::peer_id, bytes_view d) {
        at_a.push_back(as_string(d));
        if (at_a.size() == 2 && at_b.size() == 1) loop.stop();
    }));
    ASSERT_TRUE(b.open(loopback_any_port, [&](coap::peer_id, bytes_view d) {
        at_b.push_back(as_string(d));
        if (at_a.size() == 2 && at_b.size() == 1) loop.stop();
    }));
    auto pa = a.peers().add(server_addr);
    auto pb = b.peers().add(server_addr);
    ASSERT_TRUE(a.send(pa, as_bytes("one")));
    ASSERT_TRUE(a.send(pa, as_bytes("two")));
    ASSERT_TRUE(b.send(pb, as_bytes("three")));
    EXPECT_FALSE(a.send(coap::peer_id(99), as_bytes("x")));  // unknown peer
    loop.run_for(3000);

    ASSERT_EQ(at_server.size(), 3u);
    EXPECT_EQ(server.peers().size(), 2u);  // two client addresses, two peers
    EXPECT_EQ(at_server[0].first, at_server[1].first);
    EXPECT_NE(at_server[0].first, at_server[2].first);
    EXPECT_EQ(*server.peers().address(at_server[0].first), a.local_address());
    EXPECT_EQ(at_a, (std::vector<std::string>{"echo:one", "echo:two"}));
    EXPECT_EQ(at_b, (std::vector<std::string>{"echo:three"}));

    // A client endpoint drops datagrams from addresses it does not know.
    udp_endpoint stranger(loop.io());
    ASSERT_TRUE(stranger.open(loopback_any_port, [](coap::peer_id, bytes_view) {}));
    auto ps = stranger.peers().add(a.local_address());
    ASSERT_TRUE(stranger.send(ps, as_bytes("spam")));
    asio::steady_timer t(loop.io(), std::chrono::milliseconds(200));
    t.async_wait([&](const boost::system::error_code&) { loop.stop(); });
    loop.run_for(2000);
    EXPECT_EQ(at_a.size(), 2u);
    EXPECT_EQ(a.datagrams_in(), 2u);
}

TEST(udp_loopback, open_fails_on_a_port_in_use) {
    event_loop loop;
    udp_endpoint a(loop.io()), b(loop.io());
    ASSERT_TRUE(a.open(loopback_any_port, [](coap::peer_id, bytes_view) {}));
    auto r = b.open(a.local_address(), [](coap::peer_id, bytes_view) {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::io_error);
}

TEST(deadline_timer, fires_once_not_before_the_deadline_and_rearms) {
    event_loop loop;
    std::vector<time_ms> fired;
    deadline_timer t(loop.io(), [&] {
        fired.push_back(now());
        loop.stop();
    });
    time_ms start = now();
    t.arm(start + 50);
    t.arm(start + 30);  // re-armed earlier: only this one fires
    loop.run_for(2000);
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_GE(fired[0], start + 30);
    EXPECT_FALSE(t.armed());

    t.arm(now() + 10);
    t.arm(std::nullopt);  // disarmed
    asio::steady_timer guard(loop.io(), std::chrono::milliseconds(100));
    guard.async_wait([&](const boost::system::error_code&) { loop.stop(); });
    loop.run_for(2000);
    EXPECT_EQ(fired.size(), 1u);

    t.arm(now());  // a deadline already reached fires at once
    loop.run_for(2000);
    EXPECT_EQ(fired.size(), 2u);
}

TEST(event_loop, signal_handler_runs_on_sigterm) {
    event_loop loop;
    int got = 0;
    loop.on_signal([&](int s) {
        got = s;
        loop.stop();
    });
    asio::post(loop.io(), [] { std::raise(SIGTERM); });
    loop.run_for(3000);
    EXPECT_EQ(got, SIGTERM);
}

}  // namespace
}  // namespace sirocco::runtime
