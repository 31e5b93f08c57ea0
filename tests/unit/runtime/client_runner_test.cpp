// client_runner driving a sim_device (the real client engine and objects)
// over UDP on 127.0.0.1 against the fake LwM2M server, in process.
#include "sirocco/runtime/client_runner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "fake_lwm2m_server.hpp"
#include "sirocco/runtime/sim_device.hpp"

namespace sirocco::runtime {
namespace {

bool run_until(event_loop& loop, const std::function<bool()>& done, int ms = 5000) {
    auto t0 = now();
    while (!done()) {
        if (now() - t0 > static_cast<time_ms>(ms)) return false;
        loop.run_for(10);
    }
    return true;
}

TEST(client_runner, registers_serves_a_read_and_deregisters) {
    event_loop loop;
    testing::fake_server srv(loop);
    device_settings s;
    s.endpoint = "runner-1";
    s.server_uri = "coap://127.0.0.1:" + std::to_string(srv.port());
    s.lifetime = 60;
    sim_device dev(s);
    ASSERT_TRUE(dev.setup_status());
    std::vector<client::client_event_kind> events;
    std::string location;
    client_runner runner(loop, dev.engine(), [&](const client::client_event& ev) {
        events.push_back(ev.kind);
        if (ev.kind == client::client_event_kind::registered) location = std::string(ev.location);
    });
    ASSERT_TRUE(runner.start());
    ASSERT_TRUE(run_until(loop, [&] { return !location.empty(); }));
    EXPECT_EQ(location, "/rd/1");
    EXPECT_EQ(events.front(), client::client_event_kind::open_transport);
    ASSERT_TRUE(runner.server_address(1));
    EXPECT_EQ(runner.server_address(1)->port(), srv.port());
    ASSERT_TRUE(runner.local_address());
    EXPECT_EQ(srv.requests.at(0).path, "/rd");
    EXPECT_NE(srv.requests[0].query.find("ep=runner-1&"), std::string::npos);

    srv.get("/3/0/0");
    ASSERT_TRUE(run_until(loop, [&] { return !srv.responses.empty(); }));
    EXPECT_EQ(srv.responses[0].first, "2.05");
    EXPECT_EQ(srv.responses[0].second, "Sirocco");

    auto r = runner.with_engine([](client::client& c, time_ms t) { return c.deregister(t); });
    ASSERT_TRUE(r);
    ASSERT_TRUE(run_until(loop, [&] {
        return std::find(events.begin(), events.end(), client::client_event_kind::deregistered) !=
               events.end();
    }));
    EXPECT_EQ(srv.requests.back().method, "DELETE");
}

TEST(client_runner, unsupported_scheme_fails_the_transport_and_the_engine_retries) {
    event_loop loop;
    device_settings s;
    s.endpoint = "runner-2";
    s.server_uri = "coaps://127.0.0.1:5684";  // no DTLS in the runtime yet
    sim_device dev(s);
    ASSERT_TRUE(dev.setup_status());
    int opens = 0;
    client_runner runner(loop, dev.engine(), [&](const client::client_event& ev) {
        if (ev.kind == client::client_event_kind::open_transport) ++opens;
    });
    ASSERT_TRUE(runner.start());
    EXPECT_EQ(opens, 1);
    loop.run_for(100);
    auto st = dev.engine().state(1);
    EXPECT_TRUE(st == client::registration_state::waiting_retry ||
                st == client::registration_state::failed)
        << static_cast<int>(st);
    EXPECT_FALSE(runner.local_address());  // no socket was opened
}

TEST(sim_device, local_values_and_checks) {
    device_settings s;
    s.endpoint = "sim";
    sim_device dev(s);
    ASSERT_TRUE(dev.setup_status());
    auto p = [](const char* t) { return *lwm2m::path::parse(t); };
    EXPECT_EQ(*dev.read_local(p("/3/0/0")), "Sirocco");
    EXPECT_EQ(*dev.read_local(p("/3303/0/5701")), "Cel");
    ASSERT_TRUE(dev.set_local(p("/3303/0/5700"), "30.5", 1000));
    EXPECT_EQ(*dev.read_local(p("/3303/0/5700")), "30.5");
    EXPECT_FALSE(dev.set_local(p("/3303/0/5700"), "warm", 1000));  // not a number
    EXPECT_FALSE(dev.set_local(p("/3311/0/5850"), "maybe", 1000));
    ASSERT_TRUE(dev.set_local(p("/3311/0/5850"), "1", 1000));
    EXPECT_EQ(*dev.read_local(p("/3311/0/5850")), "1");
    EXPECT_FALSE(dev.set_local(p("/3/0/4"), "x", 1000));   // executable
    EXPECT_FALSE(dev.set_local(p("/0/0/0"), "x", 1000));   // security
    EXPECT_FALSE(dev.set_local(p("/3/0/11"), "1", 1000));  // multiple without riid
    EXPECT_FALSE(dev.set_local(p("/9/0/0"), "1", 1000));   // no such object
    EXPECT_FALSE(dev.read_local(p("/9/0")));

    // The sensors move on their period.
    time_ms t = 10'000'000;
    time_ms next = dev.simulate(t);
    EXPECT_GT(next, t);
    std::string before = *dev.read_local(p("/3303/0/5700"));
    for (int i = 0; i < 20; ++i)
        next = dev.simulate(next);
    EXPECT_NE(*dev.read_local(p("/3303/0/5700")), before);

    device_settings bad = s;
    bad.objects = {4, 1234};
    EXPECT_FALSE(sim_device::check(bad));
    bad = s;
    bad.server_uri = "coap://" + std::string(100, 'a');
    EXPECT_FALSE(sim_device::check(bad));
}

}  // namespace
}  // namespace sirocco::runtime
