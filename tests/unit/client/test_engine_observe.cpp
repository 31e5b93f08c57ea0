// Information Reporting through CoAP bytes (Core TS 1.2, 6.4): Observe and
// notifications under pmin / pmax / gt / lt / st, Cancel (GET Observe 1 and
// RST), composite operations, Send, and queue mode (6.5).
#include <map>

#include "engine_harness.hpp"
#include "sirocco/codec/codec.hpp"
#include "sirocco/lwm2m/builtin_models.hpp"

namespace sirocco::client::test {
namespace {

namespace codes = coap::codes;
constexpr std::uint16_t text = 0, senml_cbor = 112, etch_cbor = 322;

lwm2m::path P(std::string_view s) {
    return *lwm2m::path::parse(s);
}

struct collector final : lwm2m::record_sink {
    std::map<std::string, std::string> values;
    result<void> on_record(const lwm2m::record& r) noexcept override {
        char buf[64];
        std::string v = "?";
        if (auto n = lwm2m::format_text(r.value, buf)) v.assign(buf, *n);
        values[std::string(lwm2m::path_text(r.path).view())] = v;
        return {};
    }
};

std::map<std::string, std::string> decode(std::uint16_t fmt, const std::string& payload) {
    collector c;
    std::array<std::uint8_t, 512> scratch{};
    codec::decode_context ctx;
    ctx.models = &lwm2m::builtin_provider();
    ctx.scratch = scratch;
    auto r = codec::decode(static_cast<codec::content_format>(fmt), ctx, as_bytes(payload), c);
    EXPECT_TRUE(r.has_value());
    return c.values;
}

struct ClientObserve : ::testing::Test {
    harness h;
    void SetUp() override {
        h.start();
        h.advance(1000);  // t = 2000
    }
    void set_temp(double v) {
        ASSERT_TRUE(h.temp.set_value(0, 5700, lwm2m::value::of_float(v)).has_value());
        h.cl->changed(P("/3303/0/5700"), h.now);
        h.pump();
    }
    void attrs(std::vector<std::string> q) {
        EXPECT_EQ(h.request(codes::put, "/3303/0/5700", {}, {}, {}, std::move(q)).code,
                  codes::changed);
    }
    srv_resp observe(const std::string& path = "/3303/0/5700") {
        auto r = h.request(codes::get, path, {}, {}, text, {}, 0u);
        EXPECT_EQ(r.code, codes::content);
        EXPECT_TRUE(r.observe.has_value());
        return r;
    }
    std::vector<std::string> notified_values() const {
        std::vector<std::string> v;
        for (const auto& n : h.notifications())
            v.push_back(n.payload);
        return v;
    }
    std::vector<coap::time_ms> notified_times() const {
        std::vector<coap::time_ms> v;
        for (const auto& n : h.notifications())
            v.push_back(n.at);
        return v;
    }
};

TEST_F(ClientObserve, NotifiesOnChange) {
    auto r = observe();
    EXPECT_EQ(r.payload, "20.5");
    EXPECT_EQ(h.cl->observation_count(), 1u);
    set_temp(22);
    EXPECT_EQ(notified_values(), std::vector<std::string>{"22.0"});
    EXPECT_EQ(notified_times(), std::vector<coap::time_ms>{2000});
    // A change reported by the object itself (through the data model's
    // queue) is picked up at the next call into the engine.
    ASSERT_TRUE(h.temp.set_value(0, 5700, lwm2m::value::of_float(23)).has_value());
    h.advance(1);
    EXPECT_EQ(notified_values(), (std::vector<std::string>{"22.0", "23.0"}));
}

TEST_F(ClientObserve, PminHoldsNotificationsBack) {
    attrs({"pmin=10"});
    observe();  // t = 2000
    h.advance(1000);
    set_temp(22);
    EXPECT_TRUE(h.notifications().empty());
    h.run_until(2000 + 10000 - 1);
    EXPECT_TRUE(h.notifications().empty());
    h.run_until(2000 + 10000);
    EXPECT_EQ(notified_times(), std::vector<coap::time_ms>{12000});
    EXPECT_EQ(notified_values(), std::vector<std::string>{"22.0"});
}

TEST_F(ClientObserve, PmaxSendsWithoutChange) {
    attrs({"pmax=30"});
    observe();
    h.run_until(2000 + 65000);
    EXPECT_EQ(notified_times(), (std::vector<coap::time_ms>{32000, 62000}));
    EXPECT_EQ(notified_values(), (std::vector<std::string>{"20.5", "20.5"}));
}

TEST_F(ClientObserve, GreaterThanAndLessThanNotifyOnCrossing) {
    attrs({"gt=25", "lt=10"});
    observe();
    set_temp(22);  // no crossing
    set_temp(26);  // crosses gt upwards
    set_temp(27);  // still above
    set_temp(24);  // crosses gt downwards
    set_temp(9);   // crosses lt
    set_temp(8);
    EXPECT_EQ(notified_values(), (std::vector<std::string>{"26.0", "24.0", "9.0"}));
}

TEST_F(ClientObserve, StepNotifiesOnLargeEnoughChange) {
    attrs({"st=2"});
    observe();  // 20.5
    set_temp(21);
    set_temp(23);  // 2.5 from 20.5
    set_temp(24);  // 1 from 23
    set_temp(21);  // 2 from 23
    EXPECT_EQ(notified_values(), (std::vector<std::string>{"23.0", "21.0"}));
}

TEST_F(ClientObserve, CancelWithObserveOne) {
    auto r = observe();
    ASSERT_TRUE(h.srv->cancel(r.exchange, h.now, true).has_value());
    h.pump();
    EXPECT_EQ(h.cl->observation_count(), 0u);
    set_temp(30);
    EXPECT_TRUE(h.notifications().empty());
}

TEST_F(ClientObserve, CancelWithReset) {
    auto r = observe();
    ASSERT_TRUE(h.srv->cancel(r.exchange, h.now, false).has_value());
    set_temp(30);  // the server answers this notification with RST
    h.advance(1000);
    EXPECT_EQ(h.cl->observation_count(), 0u);
    set_temp(31);
    h.advance(100000);
    EXPECT_EQ(h.cl->observation_count(), 0u);
}

TEST_F(ClientObserve, ObservationOfAnInstanceSeesItsResources) {
    auto r = h.request(codes::get, "/3303/0", {}, {}, senml_cbor, {}, 0u);
    ASSERT_EQ(r.code, codes::content);
    set_temp(25);
    auto n = h.notifications();
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].cf, senml_cbor);
    EXPECT_EQ(decode(senml_cbor, n[0].payload)["/3303/0/5700"], "25.0");
}

std::string etch(std::vector<lwm2m::path> paths) {
    std::array<std::uint8_t, 256> out{};
    auto n = codec::encode_paths(codec::content_format::senml_etch_cbor, paths, out);
    EXPECT_TRUE(n.has_value());
    return std::string(reinterpret_cast<const char*>(out.data()), n ? *n : 0);
}

TEST_F(ClientObserve, ReadComposite) {
    auto r =
        h.request(codes::fetch, "", etch_cbor, etch({P("/3/0/0"), P("/3303/0/5700")}), senml_cbor);
    ASSERT_EQ(r.code, codes::content);
    EXPECT_EQ(r.cf, senml_cbor);
    auto v = decode(senml_cbor, r.payload);
    EXPECT_EQ(v["/3/0/0"], "ACME");
    EXPECT_EQ(v["/3303/0/5700"], "20.5");
}

TEST_F(ClientObserve, ObserveComposite) {
    auto r = h.request(codes::fetch, "", etch_cbor, etch({P("/3/0/0"), P("/3303/0/5700")}),
                       senml_cbor, {}, 0u);
    ASSERT_EQ(r.code, codes::content);
    EXPECT_TRUE(r.observe.has_value());
    set_temp(19);
    auto n = h.notifications();
    ASSERT_EQ(n.size(), 1u);
    auto v = decode(senml_cbor, n[0].payload);
    EXPECT_EQ(v["/3/0/0"], "ACME");
    EXPECT_EQ(v["/3303/0/5700"], "19.0");
}

TEST_F(ClientObserve, WriteComposite) {
    std::vector<lwm2m::record> recs = {{P("/3303/0/5750"), lwm2m::value::of_string("roof"), {}},
                                       {P("/5/0/1"), lwm2m::value::of_string("coap://fw"), {}}};
    std::array<std::uint8_t, 256> out{};
    codec::encode_context ctx;
    auto n = codec::encode(codec::content_format::senml_cbor, ctx, recs, out);
    ASSERT_TRUE(n.has_value());
    auto r = h.request(codes::ipatch, "", senml_cbor,
                       std::string(reinterpret_cast<const char*>(out.data()), *n));
    EXPECT_EQ(r.code, codes::changed);
    EXPECT_EQ(h.request(codes::get, "/3303/0/5750", {}, {}, text).payload, "roof");
    EXPECT_EQ(h.fw.uri, "coap://fw");
}

TEST_F(ClientObserve, Send) {
    const lwm2m::path paths[] = {P("/3303/0/5700"), P("/3/0/0")};
    ASSERT_TRUE(h.cl->send(paths, h.now).has_value());
    h.pump();
    ASSERT_EQ(h.requests.size(), 2u);
    const auto& s = h.requests[1];
    EXPECT_EQ(s.code, codes::post);
    EXPECT_EQ(s.path, "/dp");
    EXPECT_EQ(s.cf, senml_cbor);
    auto v = decode(senml_cbor, s.payload);
    EXPECT_EQ(v["/3303/0/5700"], "20.5");
    EXPECT_EQ(v["/3/0/0"], "ACME");
    EXPECT_EQ(h.count(client_event_kind::send_done), 1u);
    // A Send the server refuses.
    h.answer = [](const srv_req& r) -> std::optional<coap::code> {
        if (r.path == "/dp") return coap::codes::bad_request;
        return std::nullopt;
    };
    ASSERT_TRUE(h.cl->send(paths, h.now).has_value());
    h.pump();
    EXPECT_EQ(h.count(client_event_kind::send_failed), 1u);
    EXPECT_EQ(h.events.back().code, status::bad_request);
}

TEST(ClientSend, NotInVersion10NorUnregistered) {
    harness h(lwm2m_version::v1_0);
    const lwm2m::path paths[] = {P("/3/0/0")};
    auto r = h.cl->send(paths, h.now);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::not_allowed);
    harness h2;
    auto r2 = h2.cl->send(paths, h2.now);
    ASSERT_FALSE(r2.has_value());
    EXPECT_EQ(r2.error().code, errc::not_allowed);
}

TEST(ClientQueueMode, SleepsAfterQueueTimeAndWakesForANotification) {
    harness h(lwm2m_version::v1_1, 3000, "UQ");
    h.start();
    ASSERT_EQ(h.requests.size(), 1u);
    EXPECT_TRUE(h.requests[0].has_query("b=U"));
    EXPECT_TRUE(h.requests[0].has_query("Q"));
    EXPECT_EQ(h.cl->queue_time(), 93000u);
    h.advance(1000);
    auto o = h.request(codes::get, "/3303/0/5700", {}, {}, text, {}, 0u);  // traffic at t = 2000
    ASSERT_EQ(o.code, codes::content);
    h.run_until(2000 + 93000 - 1);
    EXPECT_EQ(h.count(client_event_kind::sleeping), 0u);
    h.run_until(2000 + 93000);
    EXPECT_EQ(h.count(client_event_kind::sleeping), 1u);
    // Asleep: a request from the server is not answered.
    coap::message m;
    m.code = codes::get;
    std::array<std::uint8_t, 32> st{};
    coap::message_builder b(m, st);
    ASSERT_TRUE(b.add_uri_path("/3/0/0").has_value());
    const std::size_t before = h.responses.size();
    ASSERT_TRUE(h.srv->send_request(harness::client_peer, m, {}, h.now).has_value());
    h.pump();
    EXPECT_EQ(h.responses.size(), before);
    // A change wakes the client: Update first, then the notification.
    h.advance(5000);
    ASSERT_TRUE(h.temp.set_value(0, 5700, lwm2m::value::of_float(30)).has_value());
    h.cl->changed(P("/3303/0/5700"), h.now);
    h.pump();
    EXPECT_EQ(h.count(client_event_kind::awake), 1u);
    auto n = h.notifications();
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].payload, "30.0");
    std::size_t update_order = 0;
    for (const auto& r : h.requests)
        if (r.path == "/rd/5a3f") update_order = r.order;
    EXPECT_GT(update_order, 0u);
    EXPECT_LT(update_order, n[0].order);
    EXPECT_EQ(h.count(client_event_kind::updated), 1u);
    // Quiet again after another queue time.
    h.advance(93000 + 62000);
    EXPECT_EQ(h.count(client_event_kind::sleeping), 2u);
}

TEST(ClientQueueMode, Version10AnnouncesUQ) {
    harness h(lwm2m_version::v1_0, 300, "UQ");
    h.start();
    ASSERT_EQ(h.requests.size(), 1u);
    EXPECT_TRUE(h.requests[0].has_query("b=UQ"));
    EXPECT_FALSE(h.requests[0].has_query("Q"));
}

TEST(ClientQueueMode, SendWakesTheClient) {
    harness h(lwm2m_version::v1_1, 3000, "UQ");
    h.start();
    h.run_until(1000 + 93000);
    ASSERT_EQ(h.count(client_event_kind::sleeping), 1u);
    const lwm2m::path paths[] = {P("/3303/0/5700")};
    ASSERT_TRUE(h.cl->send(paths, h.now).has_value());
    h.pump();
    EXPECT_EQ(h.count(client_event_kind::awake), 1u);
    ASSERT_EQ(h.requests.size(), 3u);
    EXPECT_EQ(h.requests[1].path, "/rd/5a3f");
    EXPECT_EQ(h.requests[2].path, "/dp");
    EXPECT_EQ(h.count(client_event_kind::send_done), 1u);
}

}  // namespace
}  // namespace sirocco::client::test

namespace sirocco::client::test {
namespace {

TEST_F(ClientObserve, DefaultPminFromTheServerObject) {
    ASSERT_TRUE(h.srv_obj.set_value(0, 2, lwm2m::value::of_integer(5)).has_value());
    observe();  // t = 2000
    set_temp(22);
    h.run_until(2000 + 5000 - 1);
    EXPECT_TRUE(h.notifications().empty());
    h.run_until(2000 + 5000);
    EXPECT_EQ(notified_times(), std::vector<coap::time_ms>{7000});
}

TEST_F(ClientObserve, DeletedInstanceEndsTheObservationWithNotFound) {
    auto o = h.request(codes::get, "/3303/0", {}, {}, senml_cbor, {}, 0u);
    ASSERT_EQ(o.code, codes::content);
    EXPECT_EQ(h.request(codes::del, "/3303/0").code, codes::deleted);
    h.pump();
    // The error notification ends the observation on the server's side too
    // (RFC 7641 3.2): its CoAP engine reports it as the final response.
    bool ended = false;
    for (const auto& r : h.responses)
        if (r.exchange == o.exchange && r.code == codes::not_found) ended = true;
    EXPECT_TRUE(ended);
    EXPECT_EQ(h.cl->observation_count(), 0u);
}

TEST_F(ClientObserve, DeregisterEndsObservations) {
    observe();
    EXPECT_EQ(h.cl->observation_count(), 1u);
    ASSERT_TRUE(h.cl->deregister(h.now).has_value());
    h.pump();
    EXPECT_EQ(h.cl->observation_count(), 0u);
}

TEST_F(ClientObserve, ObservationsAreBoundedByTheCoapLayer) {
    const char* paths[] = {"/3303/0/5700", "/3303/0/5701", "/3/0/0", "/3/0/1", "/3/0/2"};
    for (const char* p : paths) {
        auto r = h.request(codes::get, p, {}, {}, text, {}, 0u);
        EXPECT_EQ(r.code, codes::content);
    }
    EXPECT_EQ(h.cl->observation_count(), std::min<std::size_t>(coap::limits::observations, 5));
}

}  // namespace
}  // namespace sirocco::client::test

namespace sirocco::client::test {
namespace {

TEST(ClientSend, MuteSendRefusesAndOneAtATime) {
    harness h;
    h.start();
    const lwm2m::path paths[] = {P("/3303/0/5700")};
    ASSERT_TRUE(h.cl->send(paths, h.now).has_value());
    // The first is in flight until pump() delivers it.
    auto busy = h.cl->send(paths, h.now);
    ASSERT_FALSE(busy.has_value());
    EXPECT_EQ(busy.error().code, errc::capacity_exceeded);
    h.pump();
    EXPECT_EQ(h.count(client_event_kind::send_done), 1u);
    ASSERT_TRUE(h.srv_obj.set_value(0, 23, lwm2m::value::of_boolean(true)).has_value());
    h.cl->changed(P("/1/0/23"), h.now);
    auto muted = h.cl->send(paths, h.now);
    ASSERT_FALSE(muted.has_value());
    EXPECT_EQ(muted.error().code, errc::not_allowed);
}

}  // namespace
}  // namespace sirocco::client::test

namespace sirocco::client::test {
namespace {

TEST_F(ClientObserve, EpmaxSamplesAValueChangedWithoutReport) {
    attrs({"epmax=10"});
    observe();  // t = 2000
    // The value changes but nobody tells the engine.
    ASSERT_TRUE(h.temp.set_value(0, 5700, lwm2m::value::of_float(27)).has_value());
    while (h.dm.poll_changed()) {
    }
    h.run_until(2000 + 10000 - 1);
    EXPECT_TRUE(h.notifications().empty());
    h.run_until(2000 + 10000);
    EXPECT_EQ(notified_times(), std::vector<coap::time_ms>{12000});
    EXPECT_EQ(notified_values(), std::vector<std::string>{"27.0"});
}

}  // namespace
}  // namespace sirocco::client::test

namespace sirocco::client::test {
namespace {

TEST(ClientQueueMode, UpdateTimerWakesTheClient) {
    harness h(lwm2m_version::v1_1, 300, "UQ");  // Update due 207 s after Register
    h.start();
    h.run_until(1000 + 93000);
    ASSERT_EQ(h.count(client_event_kind::sleeping), 1u);
    h.run_until(1000 + 207000);
    EXPECT_EQ(h.count(client_event_kind::awake), 1u);
    ASSERT_EQ(h.requests.size(), 2u);
    EXPECT_EQ(h.requests[1].path, "/rd/5a3f");
    EXPECT_EQ(h.requests[1].at, 208000u);
    EXPECT_EQ(h.count(client_event_kind::updated), 1u);
    h.run_until(208000 + 93000);
    EXPECT_EQ(h.count(client_event_kind::sleeping), 2u);
}

}  // namespace
}  // namespace sirocco::client::test
