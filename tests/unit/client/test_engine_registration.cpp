// Registration (Core TS 1.2, 6.2): Register, Update timing, the retry
// procedure, 4.04 to Update, De-register, triggers of an Update.
#include "engine_harness.hpp"

namespace sirocco::client::test {
namespace {

using coap::codes::created;
using coap::codes::post;

TEST(ClientRegistration, RegistersAtStartWithTheObjectList) {
    harness h;
    h.start();
    ASSERT_GE(h.events.size(), 2u);
    EXPECT_EQ(h.events[0].kind, client_event_kind::open_transport);
    EXPECT_EQ(h.events[0].server, 101);
    EXPECT_EQ(h.event_uris[0], "coap://127.0.0.1:5683");
    ASSERT_EQ(h.requests.size(), 1u);
    const auto& r = h.requests[0];
    EXPECT_EQ(r.code, post);
    EXPECT_EQ(r.path, "/rd");
    EXPECT_EQ(r.at, 1000u);
    EXPECT_TRUE(r.has_query("ep=dev1"));
    EXPECT_TRUE(r.has_query("lt=300"));
    EXPECT_TRUE(r.has_query("lwm2m=1.1"));
    EXPECT_TRUE(r.has_query("b=U"));
    EXPECT_FALSE(r.has_query("Q"));
    EXPECT_EQ(r.cf, 40u);
    EXPECT_NE(r.payload.find("</>;rt=\"oma.lwm2m\";ct=112"), std::string::npos) << r.payload;
    EXPECT_NE(r.payload.find("</3/0>"), std::string::npos) << r.payload;
    EXPECT_NE(r.payload.find("</3303/0>"), std::string::npos) << r.payload;
    EXPECT_EQ(r.payload.find("</0/"), std::string::npos) << r.payload;
    EXPECT_EQ(h.count(client_event_kind::registered), 1u);
    EXPECT_EQ(h.event_locations.back(), "/rd/5a3f");
    EXPECT_EQ(h.cl->state(101), registration_state::registered);
}

TEST(ClientRegistration, Version10SendsTlvPreferenceAndVersion) {
    harness h(lwm2m_version::v1_0);
    h.start();
    ASSERT_EQ(h.requests.size(), 1u);
    EXPECT_TRUE(h.requests[0].has_query("lwm2m=1.0"));
    EXPECT_TRUE(h.requests[0].has_query("b=U"));
    EXPECT_NE(h.requests[0].payload.find("ct=11542"), std::string::npos);
}

TEST(ClientRegistration, StartWithoutServerAccountFails) {
    data_model dm;
    client_config c;
    zero_rng rng;
    c.coap.rng = &zero_rng::next;
    c.coap.rng_ctx = &rng;
    client cl(c, dm);
    auto r = cl.start(0);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::not_found);
}

TEST(ClientRegistration, UpdateBeforeTheLifetimeEnds) {
    harness h;  // lifetime 300 s: margin max(30 s, 93 s) = 93 s
    h.start();
    EXPECT_EQ(h.cl->update_delay(300), 207000u);
    EXPECT_EQ(h.cl->update_delay(1000), 900000u);  // margin lifetime/10
    EXPECT_EQ(h.cl->update_delay(60), 30000u);     // at most half the lifetime
    h.run_until(1000 + 207000 - 1);
    EXPECT_EQ(h.request_times(post, "/rd/").size(), 0u);
    h.run_until(1000 + 207000);
    auto t = h.request_times(post, "/rd/5a3f");
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0], 208000u);
    const auto& u = h.requests.back();
    EXPECT_TRUE(u.queries.empty());  // nothing changed
    EXPECT_TRUE(u.payload.empty());
    EXPECT_EQ(h.count(client_event_kind::updated), 1u);
    h.run_until(208000 + 207000);
    t = h.request_times(post, "/rd/5a3f");
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[1], 415000u);
}

TEST(ClientRegistration, RetryProcedureWithBackOffAndSequences) {
    harness h;
    ASSERT_TRUE(h.srv_obj.set_value(0, 17, lwm2m::value::of_unsigned(3)).has_value());
    ASSERT_TRUE(h.srv_obj.set_value(0, 18, lwm2m::value::of_unsigned(10)).has_value());
    ASSERT_TRUE(h.srv_obj.set_value(0, 19, lwm2m::value::of_unsigned(100)).has_value());
    ASSERT_TRUE(h.srv_obj.set_value(0, 20, lwm2m::value::of_unsigned(2)).has_value());
    h.answer = [](const srv_req&) -> std::optional<coap::code> {
        return coap::codes::service_unavailable;
    };
    h.start();
    h.run_until(1000000);
    // Sequence 1 at 0, +10 s, +20 s; sequence delay 100 s; sequence 2 likewise.
    auto t = h.request_times(post, "/rd");
    std::vector<coap::time_ms> want = {1000, 11000, 31000, 131000, 141000, 161000};
    EXPECT_EQ(t, want);
    EXPECT_EQ(h.count(client_event_kind::registration_failed), 1u);
    EXPECT_EQ(h.events.back().code, status::service_unavailable);
    EXPECT_EQ(h.cl->state(101), registration_state::failed);
}

TEST(ClientRegistration, TimeoutThenRetryTimer) {
    harness h;  // defaults: retry count 5, timer 60 s
    h.connected = false;
    h.start();
    // CON retransmitted at 2, 6, 14, 30 s; given up at 62 s.
    h.run_until(1000 + 62000 - 1);
    EXPECT_EQ(h.cl->state(101), registration_state::registering);
    h.run_until(1000 + 62000);
    EXPECT_EQ(h.cl->state(101), registration_state::waiting_retry);
    h.connected = true;
    h.run_until(1000 + 62000 + 60000 - 1);
    EXPECT_EQ(h.requests.size(), 0u);
    h.run_until(1000 + 62000 + 60000);
    ASSERT_EQ(h.requests.size(), 1u);
    EXPECT_EQ(h.requests[0].at, 123000u);
    EXPECT_EQ(h.cl->state(101), registration_state::registered);
}

TEST(ClientRegistration, NotFoundToUpdateRegistersAgain) {
    harness h;
    h.start();
    h.answer = [](const srv_req& r) -> std::optional<coap::code> {
        if (r.path == "/rd/5a3f") return coap::codes::not_found;
        return std::nullopt;
    };
    h.run_until(208000);
    auto regs = h.request_times(post, "/rd");
    // /rd prefix matches /rd/5a3f too: Register, Update, Register.
    ASSERT_EQ(regs.size(), 3u);
    EXPECT_EQ(h.requests[1].path, "/rd/5a3f");
    EXPECT_EQ(h.requests[2].path, "/rd");
    EXPECT_EQ(h.requests[2].at, 208000u);
    EXPECT_EQ(h.count(client_event_kind::registered), 2u);
    EXPECT_EQ(h.cl->state(101), registration_state::registered);
}

TEST(ClientRegistration, Deregister) {
    harness h;
    h.start();
    ASSERT_TRUE(h.cl->deregister(h.now).has_value());
    h.pump();
    ASSERT_EQ(h.requests.size(), 2u);
    EXPECT_EQ(h.requests[1].code, coap::codes::del);
    EXPECT_EQ(h.requests[1].path, "/rd/5a3f");
    EXPECT_EQ(h.count(client_event_kind::deregistered), 1u);
    EXPECT_EQ(h.count(client_event_kind::close_transport), 1u);
    EXPECT_EQ(h.cl->state(101), registration_state::idle);
    // Nothing more is due.
    h.advance(10000000);
    EXPECT_EQ(h.requests.size(), 2u);
}

TEST(ClientRegistration, UpdateTriggerExecute) {
    harness h;
    h.start();
    h.advance(5000);
    auto r = h.request(post, "/1/0/8");
    EXPECT_EQ(r.code, coap::codes::changed);
    h.pump();
    auto t = h.request_times(post, "/rd/5a3f");
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0], 6000u);
}

TEST(ClientRegistration, UpdateCarriesOnlyWhatChanged) {
    harness h;
    h.start();
    h.advance(1000);
    // A new lifetime written by the server: Update with lt only.
    auto r = h.request(coap::codes::put, "/1/0/1", 0, "600");
    EXPECT_EQ(r.code, coap::codes::changed);
    h.pump();
    ASSERT_EQ(h.requests.size(), 2u);
    EXPECT_EQ(h.requests[1].queries, std::vector<std::string>{"lt=600"});
    EXPECT_TRUE(h.requests[1].payload.empty());
    // The next Update is due lifetime 600 - 93 s later.
    h.run_until(2000 + 507000);
    ASSERT_EQ(h.requests.size(), 3u);
    EXPECT_EQ(h.requests[2].at, 2000u + 507000u);
    // A new instance: Update with the object list only.
    ASSERT_TRUE(h.temp.add_instance(1).has_value());
    h.cl->on_timer(h.now);
    h.pump();
    ASSERT_EQ(h.requests.size(), 4u);
    EXPECT_TRUE(h.requests[3].queries.empty());
    EXPECT_EQ(h.requests[3].cf, 40u);
    EXPECT_NE(h.requests[3].payload.find("</3303/1>"), std::string::npos);
}

TEST(ClientRegistration, ApplicationUpdate) {
    harness h;
    h.start();
    EXPECT_TRUE(h.cl->update(h.now).has_value());
    h.pump();
    EXPECT_EQ(h.request_times(post, "/rd/5a3f").size(), 1u);
    EXPECT_EQ(h.count(client_event_kind::updated), 1u);
}

TEST(ClientRegistration, TransportFailureRunsTheRetryProcedure) {
    harness h;
    h.auto_open = false;
    ASSERT_TRUE(h.cl->start(h.now).has_value());
    h.pump();
    EXPECT_EQ(h.cl->state(101), registration_state::connecting);
    h.cl->transport_failed(101, h.now);
    EXPECT_EQ(h.cl->state(101), registration_state::waiting_retry);
    h.auto_open = true;
    h.run_until(1000 + 60000);
    EXPECT_EQ(h.count(client_event_kind::open_transport), 2u);
    EXPECT_EQ(h.cl->state(101), registration_state::registered);
    EXPECT_EQ(h.requests[0].at, 61000u);
}

}  // namespace
}  // namespace sirocco::client::test

namespace sirocco::client::test {
namespace {

TEST(ClientRegistration, DisableDeregistersThenRegistersAfterTheTimeout) {
    harness h;
    ASSERT_TRUE(h.srv_obj.set_value(0, 5, lwm2m::value::of_integer(60)).has_value());
    h.start();
    h.advance(1000);  // t = 2000
    auto r = h.request(coap::codes::post, "/1/0/4");
    EXPECT_EQ(r.code, coap::codes::changed);
    h.pump();
    ASSERT_EQ(h.requests.size(), 2u);
    EXPECT_EQ(h.requests[1].code, coap::codes::del);
    EXPECT_EQ(h.count(client_event_kind::deregistered), 1u);
    EXPECT_EQ(h.count(client_event_kind::close_transport), 1u);
    h.run_until(2000 + 60000 - 1);
    EXPECT_EQ(h.requests.size(), 2u);
    h.run_until(2000 + 60000);
    ASSERT_EQ(h.requests.size(), 3u);
    EXPECT_EQ(h.requests[2].path, "/rd");
    EXPECT_EQ(h.count(client_event_kind::open_transport), 2u);
    EXPECT_EQ(h.cl->state(101), registration_state::registered);
}

TEST(ClientRegistration, BindingChangeGoesInTheUpdate) {
    harness h;
    h.start();
    auto r = h.request(coap::codes::put, "/1/0/7", 0, "UQ");
    EXPECT_EQ(r.code, coap::codes::changed);
    h.pump();
    ASSERT_EQ(h.requests.size(), 2u);
    EXPECT_TRUE(h.requests[1].has_query("b=U"));
    EXPECT_TRUE(h.requests[1].has_query("Q"));
    EXPECT_FALSE(h.requests[1].has_query("lt=300"));
}

}  // namespace
}  // namespace sirocco::client::test

#include "sirocco/client/objects/access_control.hpp"
#include "sirocco/client/objects/connectivity_monitoring.hpp"
#include "sirocco/client/objects/connectivity_statistics.hpp"
#include "sirocco/client/objects/light_control.hpp"
#include "sirocco/client/objects/location.hpp"
#include "sirocco/client/objects/on_off_switch.hpp"

namespace sirocco::client::test {
namespace {

TEST(ClientRegistration, EveryStandardObjectFitsTheObjectList) {
    harness h;
    access_control acl;
    connectivity_monitoring cm;
    location loc;
    connectivity_statistics stats;
    light_control light;
    on_off_switch sw;
    ASSERT_TRUE(light.add_light(0).has_value());
    ASSERT_TRUE(sw.add_switch(0).has_value());
    for (object* o : std::initializer_list<object*>{&acl, &cm, &loc, &stats, &light, &sw})
        ASSERT_TRUE(h.dm.add(*o).has_value());
    h.start();
    ASSERT_EQ(h.requests.size(), 1u);
    const std::string& list = h.requests[0].payload;
    for (const char* s : {"</1/0>", "</3/0>", "</4/0>", "</5/0>", "</6/0>", "</7/0>", "</3303/0>",
                          "</3311/0>", "</3342/0>"})
        EXPECT_NE(list.find(s), std::string::npos) << s << " in " << list;
    EXPECT_EQ(h.cl->state(101), registration_state::registered);
}

TEST(ClientRegistration, OneAccountPerSecurityAndServerPair) {
    harness h;
    ASSERT_TRUE(h.sec.add_server(1, "coap://192.0.2.9:5683", 102).has_value());
    ASSERT_TRUE(h.srv_obj.add_server(1, 102, 600).has_value());
    h.auto_open = false;
    ASSERT_TRUE(h.cl->start(h.now).has_value());
    h.pump();
    ASSERT_EQ(h.count(client_event_kind::open_transport), 2u);
    EXPECT_EQ(h.events[0].server, 101);
    EXPECT_EQ(h.event_uris[0], "coap://127.0.0.1:5683");
    EXPECT_EQ(h.events[1].server, 102);
    EXPECT_EQ(h.event_uris[1], "coap://192.0.2.9:5683");
    ASSERT_TRUE(h.cl->transport_open(101, harness::server_peer, coap::framing::datagram, h.now)
                    .has_value());
    h.pump();
    EXPECT_EQ(h.cl->state(101), registration_state::registered);
    EXPECT_EQ(h.cl->state(102), registration_state::connecting);
    EXPECT_FALSE(h.cl->transport_open(999, coap::peer_id(9), coap::framing::datagram, h.now));
}

}  // namespace
}  // namespace sirocco::client::test

namespace sirocco::client::test {
namespace {

TEST(ClientRegistration, UpdateTimeoutRegistersAgain) {
    harness h;
    h.start();
    h.run_until(208000 - 1);
    h.connected = false;  // the Update is lost with every retransmission
    h.run_until(208000 + 62000 - 1);
    EXPECT_EQ(h.cl->state(101), registration_state::updating);
    h.run_until(208000 + 62000);
    EXPECT_EQ(h.cl->state(101), registration_state::registering);
    h.connected = true;  // the Register's first retransmission gets through
    h.run_until(208000 + 62000 + 2000);
    EXPECT_EQ(h.cl->state(101), registration_state::registered);
    ASSERT_EQ(h.requests.size(), 2u);
    EXPECT_EQ(h.requests[1].path, "/rd");
    EXPECT_EQ(h.requests[1].at, 272000u);
}

TEST(ClientRegistration, Version10ReadsInstancesAsTlv) {
    harness h(lwm2m_version::v1_0);
    h.start();
    auto r = h.request(coap::codes::get, "/3303/0");
    EXPECT_EQ(r.code, coap::codes::content);
    EXPECT_EQ(r.cf, 11542u);
}

}  // namespace
}  // namespace sirocco::client::test
