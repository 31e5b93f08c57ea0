#include "sirocco/runtime/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "sirocco/server/dm.hpp"

namespace {

using namespace sirocco::runtime;

TEST(MetricRegistry, CounterGaugeHistogramText) {
    metric_registry r;
    r.describe("app_things_total", metric_type::counter, "Things.\nSecond line \\ here.");
    r.describe("app_level", metric_type::gauge, "Level.");
    r.describe("app_seconds", metric_type::histogram, "Durations.", {0.1, 1});
    r.inc("app_things_total", {{"kind", "a\"b"}});
    r.inc("app_things_total", {{"kind", "a\"b"}}, 2);
    r.inc("app_things_total", {{"kind", "c"}});
    r.inc("app_things_total", {{"kind", "c"}}, -5);  // ignored
    r.set("app_level", {}, 2.5);
    r.observe("app_seconds", {{"op", "read"}}, 0.05);
    r.observe("app_seconds", {{"op", "read"}}, 0.5);
    r.observe("app_seconds", {{"op", "read"}}, 3);
    r.inc("unknown_total");  // ignored, no crash
    EXPECT_EQ(r.expose(),
              "# HELP app_things_total Things.\\nSecond line \\\\ here.\n"
              "# TYPE app_things_total counter\n"
              "app_things_total{kind=\"a\\\"b\"} 3\n"
              "app_things_total{kind=\"c\"} 1\n"
              "# HELP app_level Level.\n"
              "# TYPE app_level gauge\n"
              "app_level 2.5\n"
              "# HELP app_seconds Durations.\n"
              "# TYPE app_seconds histogram\n"
              "app_seconds_bucket{op=\"read\",le=\"0.1\"} 1\n"
              "app_seconds_bucket{op=\"read\",le=\"1\"} 2\n"
              "app_seconds_bucket{op=\"read\",le=\"+Inf\"} 3\n"
              "app_seconds_sum{op=\"read\"} 3.55\n"
              "app_seconds_count{op=\"read\"} 3\n");
    EXPECT_EQ(r.value("app_things_total", {{"kind", "c"}}), 1);
    EXPECT_EQ(r.value("app_seconds", {{"op", "read"}}), 3);
}

TEST(MetricRegistry, RejectsBadNamesAndBuckets) {
    metric_registry r;
    EXPECT_THROW(r.describe("1abc", metric_type::counter, ""), std::invalid_argument);
    EXPECT_THROW(r.describe("a-b", metric_type::counter, ""), std::invalid_argument);
    EXPECT_THROW(r.describe("h", metric_type::histogram, "", {1, 0.5}), std::invalid_argument);
    EXPECT_NO_THROW(r.describe("ok:name_1", metric_type::counter, ""));
}

TEST(MetricRegistry, LabelOrderDoesNotMatter) {
    metric_registry r;
    r.describe("x_total", metric_type::counter, "x");
    r.inc("x_total", {{"b", "1"}, {"a", "2"}});
    r.inc("x_total", {{"a", "2"}, {"b", "1"}});
    EXPECT_EQ(r.value("x_total", {{"a", "2"}, {"b", "1"}}), 2);
}

TEST(MetricRegistry, ThreadSafe) {
    metric_registry r;
    r.describe("n_total", metric_type::counter, "n");
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t)
        ts.emplace_back([&r] {
            for (int i = 0; i < 1000; ++i)
                r.inc("n_total");
        });
    for (auto& t : ts)
        t.join();
    EXPECT_EQ(r.value("n_total"), 4000);
}

TEST(Metrics, SiroccoFamilies) {
    metrics m;
    const std::string empty = m.expose();
    EXPECT_NE(empty.find("# TYPE sirocco_registrations gauge\nsirocco_registrations 0\n"),
              std::string::npos);
    EXPECT_NE(empty.find("# TYPE sirocco_request_duration_seconds histogram\n"), std::string::npos);
    m.set_registrations(3);
    m.registration_event("registered");
    m.registration_event("expired");
    m.request_done("read", "success", 0.02);
    m.request_done("read", "timeout", 5);
    m.notification();
    m.send_received();
    m.coap_dropped(2);
    m.http_request(200);
    m.http_request(404);
    const std::string t = m.expose();
    EXPECT_NE(t.find("sirocco_registrations 3\n"), std::string::npos);
    EXPECT_NE(t.find("sirocco_registrations_total{event=\"expired\"} 1\n"), std::string::npos);
    EXPECT_NE(t.find("sirocco_requests_total{operation=\"read\",outcome=\"timeout\"} 1\n"),
              std::string::npos);
    EXPECT_NE(
        t.find("sirocco_request_duration_seconds_bucket{operation=\"read\",le=\"0.025\"} 1\n"),
        std::string::npos);
    EXPECT_NE(t.find("sirocco_request_duration_seconds_count{operation=\"read\"} 2\n"),
              std::string::npos);
    EXPECT_NE(t.find("sirocco_notifications_total 1\n"), std::string::npos);
    EXPECT_NE(t.find("sirocco_sends_total 1\n"), std::string::npos);
    EXPECT_NE(t.find("sirocco_coap_messages_dropped_total 2\n"), std::string::npos);
    EXPECT_NE(t.find("sirocco_http_requests_total{code=\"404\"} 1\n"), std::string::npos);
}

TEST(Metrics, RequestOutcome) {
    sirocco::server::response r;
    r.code = sirocco::lwm2m::status::content;
    EXPECT_EQ(request_outcome(r), "success");
    r.code = sirocco::lwm2m::status::not_found;
    EXPECT_EQ(request_outcome(r), "error");
    r.fail = sirocco::server::failure::timeout;
    EXPECT_EQ(request_outcome(r), "timeout");
}

TEST(Metrics, ValueFormat) {
    EXPECT_EQ(format_metric_value(3), "3");
    EXPECT_EQ(format_metric_value(0.25), "0.25");
    EXPECT_EQ(format_metric_value(-1), "-1");
    EXPECT_EQ(format_metric_value(1.0 / 0.0), "+Inf");
}

}  // namespace
