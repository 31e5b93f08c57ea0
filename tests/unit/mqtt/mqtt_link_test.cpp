// mqtt_link against a real mosquitto started by the test on a free port.
#include "sirocco/runtime/mqtt_link.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "mosquitto_broker.hpp"

namespace sirocco::runtime {
namespace {

using namespace std::chrono_literals;

template <class Pred>
bool run_until(asio::io_context& io, Pred p, std::chrono::milliseconds limit = 10s) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!p()) {
        if (std::chrono::steady_clock::now() > end) return false;
        io.restart();
        io.run_for(5ms);
    }
    return true;
}

mqtt_options local(std::uint16_t port, std::string id) {
    mqtt_options o;
    o.host = "127.0.0.1";
    o.port = port;
    o.client_id = std::move(id);
    o.keep_alive_s = 5;
    o.reconnect_min_ms = 50;
    o.reconnect_max_ms = 400;
    return o;
}

bytes_view bv(const std::string& s) {
    return bytes_view(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

struct received {
    std::string topic;
    std::vector<std::uint8_t> payload;
};

TEST(mqtt_link, connects_and_round_trips_binary_payloads) {
    test::mosquitto_broker broker;
    ASSERT_TRUE(broker.start());
    asio::io_context io;
    mqtt_link a(io, local(broker.port(), "dev-a"));
    mqtt_link b(io, local(broker.port(), "server"));
    std::vector<received> got;
    int b_connects = 0;
    b.on_connect([&] { ++b_connects; });
    b.on_message([&](std::string_view t, bytes_view p) {
        got.push_back({std::string(t), std::vector<std::uint8_t>(p.begin(), p.end())});
    });
    ASSERT_TRUE(b.subscribe("lwm2m/+/deviceToServer").has_value());
    ASSERT_TRUE(a.start().has_value());
    ASSERT_TRUE(b.start().has_value());
    ASSERT_TRUE(run_until(io, [&] { return a.connected() && b_connects == 1; }));
    // SUBACK is not awaited by the API: give the broker a moment.
    run_until(
        io, [] { return false; }, 100ms);
    const std::uint8_t msg[] = {0x01, 0x02, 0x00, 0xff, 0x42};
    ASSERT_TRUE(a.publish("lwm2m/dev-a/deviceToServer", bytes_view(msg, sizeof msg)).has_value());
    ASSERT_TRUE(a.publish("lwm2m/dev-a/other", bytes_view(msg, 1)).has_value());
    ASSERT_TRUE(run_until(io, [&] { return got.size() == 1; }));
    EXPECT_EQ(got[0].topic, "lwm2m/dev-a/deviceToServer");
    EXPECT_EQ(got[0].payload, std::vector<std::uint8_t>(msg, msg + sizeof msg));
    run_until(
        io, [] { return false; }, 100ms);
    EXPECT_EQ(got.size(), 1u);  // the other topic is not subscribed
    EXPECT_EQ(a.messages_out(), 2u);
    EXPECT_EQ(b.messages_in(), 1u);

    // A large payload (several TCP segments) arrives whole.
    std::string big(200000, 'x');
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>(i * 7);
    ASSERT_TRUE(a.publish("lwm2m/dev-a/deviceToServer", bv(big)).has_value());
    ASSERT_TRUE(run_until(io, [&] { return got.size() == 2; }));
    EXPECT_EQ(got[1].payload.size(), big.size());
    EXPECT_TRUE(
        std::equal(big.begin(), big.end(), got[1].payload.begin(),
                   [](char c, std::uint8_t u) { return static_cast<std::uint8_t>(c) == u; }));

    // Many small messages in a burst: none is stuck in the socket (the
    // reactor is edge-triggered; the link drains).
    for (int i = 0; i < 500; ++i)
        ASSERT_TRUE(a.publish("lwm2m/dev-a/deviceToServer", bv(std::to_string(i))).has_value());
    ASSERT_TRUE(run_until(io, [&] { return got.size() == 502; }));
    EXPECT_EQ(std::string(got.back().payload.begin(), got.back().payload.end()), "499");
    a.close();
    b.close();
    EXPECT_FALSE(a.connected());
}

TEST(mqtt_link, refuses_bad_arguments) {
    asio::io_context io;
    mqtt_link l(io, local(1, "x"));
    EXPECT_EQ(l.publish("a/b", {}).error().code, errc::not_allowed);  // not connected
    EXPECT_EQ(l.publish("a/+/b", {}).error().code, errc::invalid_argument);
    EXPECT_EQ(l.publish("", {}).error().code, errc::invalid_argument);
    EXPECT_EQ(l.publish("a/b", {}, 3).error().code, errc::invalid_argument);
    EXPECT_EQ(l.subscribe("a/#/b").error().code, errc::invalid_argument);
    EXPECT_TRUE(l.subscribe("$share/g/lwm2m/+/deviceToServer").has_value());
    EXPECT_FALSE(mqtt_valid_topic_name("a#"));
    EXPECT_TRUE(mqtt_valid_topic_name("lwm2m/ep/deviceToServer"));

    auto o = local(1, "x");
    o.protocol_version = 3;
    mqtt_link bad(io, o);
    EXPECT_EQ(bad.start().error().code, errc::invalid_argument);
    auto p = local(1, "x");
    p.password = "secret";
    mqtt_link nouser(io, p);
    EXPECT_EQ(nouser.start().error().code, errc::invalid_argument);
    auto t = local(1, "x");
    t.tls.enabled = true;
    t.tls.ca_file = "/nonexistent/ca.pem";
    mqtt_link notls(io, t);
    EXPECT_EQ(notls.start().error().code, errc::invalid_argument);
}

TEST(mqtt_link, retries_with_back_off_until_the_broker_comes) {
    test::mosquitto_broker broker;  // not started yet
    asio::io_context io;
    mqtt_link l(io, local(broker.port(), "late"));
    int failures = 0;
    bool any_was_connected = false;
    l.on_disconnect([&](bool was, std::string_view reason) {
        ++failures;
        any_was_connected = any_was_connected || was;
        EXPECT_FALSE(reason.empty());
    });
    ASSERT_TRUE(l.start().has_value());
    EXPECT_EQ(l.start().error().code, errc::not_allowed);
    ASSERT_TRUE(run_until(io, [&] { return failures >= 3; }));
    EXPECT_FALSE(any_was_connected);
    EXPECT_GE(l.attempts(), 3u);
    ASSERT_TRUE(broker.start());
    ASSERT_TRUE(run_until(io, [&] { return l.connected(); }));
    EXPECT_EQ(l.connections(), 1u);
}

TEST(mqtt_link, reconnects_and_resubscribes_after_a_broker_restart) {
    test::mosquitto_broker broker;
    ASSERT_TRUE(broker.start());
    asio::io_context io;
    mqtt_link dev(io, local(broker.port(), "dev"));
    mqtt_link srv(io, local(broker.port(), "srv"));
    int srv_connects = 0, dev_connects = 0, dev_lost = 0;
    std::vector<std::string> got;
    srv.on_connect([&] { ++srv_connects; });
    dev.on_connect([&] { ++dev_connects; });
    dev.on_disconnect([&](bool was, std::string_view) {
        if (was) ++dev_lost;
    });
    srv.on_message([&](std::string_view, bytes_view p) { got.emplace_back(p.begin(), p.end()); });
    ASSERT_TRUE(srv.subscribe("lwm2m/+/deviceToServer").has_value());
    ASSERT_TRUE(dev.start().has_value());
    ASSERT_TRUE(srv.start().has_value());
    ASSERT_TRUE(run_until(io, [&] { return srv_connects == 1 && dev_connects == 1; }));
    run_until(
        io, [] { return false; }, 100ms);
    ASSERT_TRUE(dev.publish("lwm2m/dev/deviceToServer", bv("one")).has_value());
    ASSERT_TRUE(run_until(io, [&] { return got.size() == 1; }));

    broker.stop();
    ASSERT_TRUE(run_until(io, [&] { return dev_lost == 1 && !srv.connected(); }));
    EXPECT_EQ(dev.publish("lwm2m/dev/deviceToServer", bv("lost")).error().code, errc::not_allowed);
    run_until(
        io, [] { return false; }, 300ms);  // a few failed attempts
    ASSERT_TRUE(broker.start());
    ASSERT_TRUE(run_until(io, [&] { return srv_connects == 2 && dev_connects == 2; }));
    run_until(
        io, [] { return false; }, 100ms);
    ASSERT_TRUE(dev.publish("lwm2m/dev/deviceToServer", bv("two")).has_value());
    ASSERT_TRUE(run_until(io, [&] { return got.size() == 2; }));
    EXPECT_EQ(got[1], "two");
}

TEST(mqtt_link, a_thousand_links_in_one_io_context) {
    // Each link is one socket: make sure the process may open them.
    rlimit rl{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &rl), 0);
    constexpr std::size_t n = 1000;
    if (rl.rlim_cur < n + 200) {
        rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, n + 400);
        ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &rl), 0);
    }
    ASSERT_GE(rl.rlim_cur, n + 200) << "RLIMIT_NOFILE hard limit too low";
    test::mosquitto_broker broker;  // inherits the raised limit
    ASSERT_TRUE(broker.start());
    asio::io_context io;
    mqtt_link srv(io, local(broker.port(), "srv"));
    std::size_t got = 0;
    srv.on_message([&](std::string_view, bytes_view) { ++got; });
    ASSERT_TRUE(srv.subscribe("fleet/+/deviceToServer").has_value());
    ASSERT_TRUE(srv.start().has_value());
    std::vector<std::unique_ptr<mqtt_link>> links;
    std::size_t up = 0;
    for (std::size_t i = 0; i < n; ++i) {
        auto o = local(broker.port(), "dev" + std::to_string(i));
        o.keep_alive_s = 60;
        links.push_back(std::make_unique<mqtt_link>(io, o));
        links.back()->on_connect([&] { ++up; });
        ASSERT_TRUE(links.back()->start().has_value());
    }
    ASSERT_TRUE(run_until(
        io, [&] { return up == n && srv.connected(); }, 60s))
        << up << " of " << n << " connected";
    run_until(
        io, [] { return false; }, 200ms);
    for (std::size_t i = 0; i < n; ++i)
        ASSERT_TRUE(links[i]
                        ->publish("fleet/dev" + std::to_string(i) + "/deviceToServer", bv("hi"))
                        .has_value());
    ASSERT_TRUE(run_until(
        io, [&] { return got == n; }, 30s))
        << got << " of " << n;
    links.clear();
}

}  // namespace
}  // namespace sirocco::runtime
