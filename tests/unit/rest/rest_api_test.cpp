// The REST API over a fake device_manager: every route's status and JSON,
// the request each one submits, errors, the event stream and /metrics.
#include "sirocco/runtime/rest_api.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "http_client.hpp"
#include "sirocco/lwm2m/builtin_models.hpp"

namespace {

using namespace sirocco;
using namespace sirocco::runtime;
using json = nlohmann::json;
using sirocco::test::http_client;
using sirocco::test::io_threads;
using sirocco::test::sse_client;
namespace bhttp = boost::beast::http;

lwm2m::path P(std::string_view s) {
    return *lwm2m::path::parse(s);
}

class fake_dm final : public device_manager {
  public:
    std::vector<server::registration> registrations() const override {
        std::lock_guard lock(m_);
        return regs;
    }
    std::optional<server::registration> find(std::string_view ep) const override {
        std::lock_guard lock(m_);
        for (const auto& r : regs)
            if (r.endpoint == ep) return r;
        return std::nullopt;
    }
    std::vector<server::observation> observations(std::string_view) const override { return {}; }
    bool sleeping(std::string_view ep) const override { return ep == "sleepy"; }
    const lwm2m::model_provider& models() const override { return lwm2m::builtin_provider(); }
    void submit(std::string endpoint, server::dm_request req, std::chrono::milliseconds timeout,
                completion done) override {
        server::response res;
        {
            std::lock_guard lock(m_);
            submitted.emplace_back(endpoint, req);
            timeouts.push_back(timeout);
            res = answer;
        }
        done(std::move(res));  // "the core thread": here, the caller's
    }
    std::uint64_t subscribe(listener l) override {
        std::lock_guard lock(m_);
        listeners[++next_] = std::move(l);
        cv.notify_all();
        return next_;
    }
    void unsubscribe(std::uint64_t id) override {
        std::lock_guard lock(m_);
        listeners.erase(id);
        cv.notify_all();
    }
    void emit(const server::event& e) {
        std::lock_guard lock(m_);
        for (auto& [id, l] : listeners)
            l(e);
    }
    std::size_t listener_count() const {
        std::lock_guard lock(m_);
        return listeners.size();
    }
    bool wait_listeners(std::size_t n) {
        std::unique_lock lock(m_);
        return cv.wait_for(lock, std::chrono::seconds(3), [&] { return listeners.size() == n; });
    }
    server::dm_request last() const {
        std::lock_guard lock(m_);
        return submitted.back().second;
    }

    std::vector<server::registration> regs;
    server::response answer;
    std::vector<std::pair<std::string, server::dm_request>> submitted;
    std::vector<std::chrono::milliseconds> timeouts;
    std::map<std::uint64_t, listener> listeners;
    std::condition_variable cv;

  private:
    mutable std::mutex m_;
    std::uint64_t next_ = 0;
};

server::registration demo_registration() {
    server::registration r;
    r.endpoint = "sirocco-demo";
    r.id = "r1";
    r.lwm2m_version = "1.1";
    r.lifetime_s = 300;
    r.objects.root_path = "/";
    r.objects.content_formats = {112};
    r.objects.objects = {{1, "1.1", {0}}, {3, "", {0}}, {3303, "", {0}}};
    r.address = "udp://127.0.0.1:56830";
    r.registered_at = 1700000000000;
    r.updated_at = 1700000000000;
    return r;
}

class RestApi : public ::testing::Test {
  protected:
    void SetUp() override {
        dm_.regs = {demo_registration()};
        dm_.answer.code = lwm2m::status::content;
        rest::install(srv_, dm_, metrics_, [this](rest::severity s, std::string line) {
            std::lock_guard lock(log_m_);
            logs_.emplace_back(s, std::move(line));
        });
        ASSERT_FALSE(srv_.start());
        client_ = std::make_unique<http_client>(srv_.port());
    }
    void TearDown() override {
        srv_.stop();
        for (int i = 0; i < 300 && srv_.session_count() > 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        t_.join();
    }

    test::http_result get(const std::string& t) { return client_->get(t); }
    test::http_result put(const std::string& t, std::string body,
                          std::string ct = "application/json") {
        return client_->request(bhttp::verb::put, t, std::move(body), std::move(ct));
    }
    test::http_result post(const std::string& t, std::string body = {}) {
        return client_->request(bhttp::verb::post, t, std::move(body));
    }
    test::http_result del(const std::string& t) {
        return client_->request(bhttp::verb::delete_, t);
    }
    std::string message(const test::http_result& r) {
        return json::parse(r.body).value("message", std::string("<none>"));
    }
    std::size_t warn_count() {
        std::lock_guard lock(log_m_);
        std::size_t n = 0;
        for (const auto& [s, l] : logs_)
            n += s == rest::severity::warn;
        return n;
    }
    // The log line is written after the response: wait for it.
    std::size_t warns_after(std::size_t expected) {
        for (int i = 0; i < 200 && warn_count() < expected; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return warn_count();
    }
    std::string last_log() {
        std::lock_guard lock(log_m_);
        return logs_.empty() ? std::string() : logs_.back().second;
    }

    io_threads t_{2};
    fake_dm dm_;
    metrics metrics_;
    http::server srv_{t_.io};
    std::unique_ptr<http_client> client_;
    std::mutex log_m_;
    std::vector<std::pair<rest::severity, std::string>> logs_;
};

const std::string base = "/api/clients/sirocco-demo";

TEST_F(RestApi, ClientsListAndOne) {
    auto r = get("/api/clients");
    ASSERT_EQ(r.status, 200u);
    const json arr = json::parse(r.body);
    ASSERT_EQ(arr.size(), 1u);
    EXPECT_EQ(arr[0]["endpoint"], "sirocco-demo");
    EXPECT_EQ(arr[0]["address"], "127.0.0.1:56830");
    EXPECT_EQ(arr[0]["lwM2mVersion"], "1.1");
    r = get(base);
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(json::parse(r.body)["registrationId"], "r1");

    r = get("/api/clients/nobody");
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(message(r), "no registered client with endpoint 'nobody'");
    r = get("/api/clients/nobody/3/0/0");
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(message(r), "no registered client with endpoint 'nobody'");
}

TEST_F(RestApi, Read) {
    dm_.answer.records = {lwm2m::owned_record(P("/3/0/0"), lwm2m::owned_value::string("Sirocco"))};
    auto r = get(base + "/3/0/0?format=TLV&timeout=7");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(json::parse(r.body), json::parse(R"({"status":"CONTENT","valid":true,
        "success":true,"failure":false,"content":{"id":0,"kind":"singleResource",
        "type":"STRING","value":"Sirocco"}})"));
    auto rd = std::get<server::read_request>(dm_.last());
    EXPECT_EQ(rd.path, P("/3/0/0"));
    EXPECT_EQ(rd.format, codec::content_format::tlv);
    EXPECT_EQ(dm_.timeouts.back(), std::chrono::seconds(7));
    // Default timeout 5 s, no format, lower-case format names.
    get(base + "/3/0");
    EXPECT_EQ(dm_.timeouts.back(), std::chrono::seconds(5));
    EXPECT_FALSE(std::get<server::read_request>(dm_.last()).format);
    get(base + "/3?format=senml_cbor");
    EXPECT_EQ(std::get<server::read_request>(dm_.last()).format, codec::content_format::senml_cbor);
}

TEST_F(RestApi, ReadErrors) {
    auto r = get(base + "/3/x/0");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(message(r), "'/3/x/0' is not a valid LwM2M path");
    r = get(base + "/3/0/0?format=XML");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(message(r).rfind("format 'XML' unknown (TEXT, LINK, OPAQUE, CBOR", 0), 0u)
        << message(r);
    r = get(base + "/3/0/0?timeout=abc");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(message(r), "timeout 'abc' is not a number of seconds (1 or more)");
    r = get(base + "/3/0/0?timeout=100000");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(warns_after(4), 4u);  // each refused request logged once
    EXPECT_TRUE(dm_.submitted.empty());
}

TEST_F(RestApi, DeviceErrorIs200WithFailure) {
    dm_.answer.code = lwm2m::status::not_found;
    dm_.answer.error = "no instance 9";
    auto r = get(base + "/3/9");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(json::parse(r.body), json::parse(R"({"status":"NOT_FOUND","valid":true,
        "success":false,"failure":true,"errormessage":"no instance 9"})"));
}

TEST_F(RestApi, FailuresMapToHttpErrors) {
    dm_.answer.fail = server::failure::timeout;
    auto r = get(base + "/3/0/0");
    EXPECT_EQ(r.status, 504u);
    EXPECT_EQ(message(r), "request timeout (read)");
    dm_.answer.fail = server::failure::not_registered;
    r = get(base + "/3/0/0");
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(message(r), "no registered client with endpoint 'sirocco-demo'");
    dm_.answer.fail = server::failure::invalid;
    dm_.answer.error = "cannot encode";
    r = get(base + "/3/0/0");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(message(r), "invalid request: cannot encode");
    dm_.answer.fail = server::failure::transport;
    r = get(base + "/3/0/0");
    EXPECT_EQ(r.status, 500u);
    dm_.answer.fail = server::failure::expired;
    r = get(base + "/3/0/0");
    EXPECT_EQ(r.status, 504u);
}

TEST_F(RestApi, Discover) {
    dm_.answer.links = "</3>,</3/0>,</3/0/0>";
    auto r = get(base + "/3/discover");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(json::parse(r.body)["objectLinks"][1],
              json::parse(R"({"url":"/3/0","attributes":{}})"));
    EXPECT_EQ(std::get<server::discover_request>(dm_.last()).path, P("/3"));
    r = get(base + "/3/0/0/0/discover");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(message(r),
              "Discover needs a path to a object, object instance or resource, not /3/0/0/0");
}

TEST_F(RestApi, Write) {
    dm_.answer.code = lwm2m::status::changed;
    auto r = put(base + "/3/0/14?format=SENML_JSON",
                 R"({"id":14,"kind":"singleResource","type":"STRING","value":"+02:00"})");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(json::parse(r.body),
              json::parse(R"({"status":"CHANGED","valid":true,"success":true,"failure":false})"));
    auto w = std::get<server::write_request>(dm_.last());
    EXPECT_EQ(w.path, P("/3/0/14"));
    EXPECT_EQ(w.mode, server::write_mode::replace);
    EXPECT_EQ(w.format, codec::content_format::senml_json);
    ASSERT_EQ(w.records.size(), 1u);
    EXPECT_EQ(w.records[0].value.view().string(), "+02:00");

    put(base + "/1/0?replace=false", R"({"id":0,"kind":"instance","resources":[
        {"id":1,"kind":"singleResource","type":"INTEGER","value":"120"}]})");
    w = std::get<server::write_request>(dm_.last());
    EXPECT_EQ(w.mode, server::write_mode::partial);
    EXPECT_EQ(w.records[0].path, P("/1/0/1"));
    EXPECT_EQ(w.records[0].value.view().integer(), 120);

    // text/plain for one resource, in the model's type (1/0/1 is an integer).
    put(base + "/1/0/1", "86400", "text/plain");
    w = std::get<server::write_request>(dm_.last());
    EXPECT_EQ(w.records[0].value.view().integer(), 86400);
}

TEST_F(RestApi, WriteErrors) {
    auto r = put(base + "/3/0/14", R"({"id":14,"kind":"singleResource","type":"STRING"})");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(message(r), "missing field 'value' at /3/0/14");
    r = put(base + "/3/0/14", R"({"id":14,)");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(message(r).rfind("body is not valid JSON", 0), 0u);
    r = put(base + "/3/0/14", "<x/>", "application/xml");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(message(r),
              "content type 'application/xml' not supported (application/json or text/plain)");
    r = put(base + "/3", R"({"id":3,"kind":"obj","instances":[]})");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(message(r),
              "Write needs a path to a object instance, resource or resource instance, not /3");
    r = put(base + "/3/0/14?replace=maybe", "{}");
    EXPECT_EQ(message(r), "replace must be true or false, not 'maybe'");
    EXPECT_TRUE(dm_.submitted.empty());
}

TEST_F(RestApi, WriteAttributes) {
    dm_.answer.code = lwm2m::status::changed;
    auto r = put(base + "/3/0/9/attributes?pmin=10&pmax=60&timeout=3", "");
    ASSERT_EQ(r.status, 200u);
    auto wa = std::get<server::write_attributes_request>(dm_.last());
    EXPECT_EQ(wa.path, P("/3/0/9"));
    EXPECT_EQ(wa.query, "pmin=10&pmax=60");
    EXPECT_EQ(dm_.timeouts.back(), std::chrono::seconds(3));
    r = put(base + "/3/0/9/attributes", "");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(message(r), "no attributes given (e.g. ?pmin=10&pmax=60)");
    r = put(base + "/3/0/9/attributes?pmin=abc", "");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(message(r).rfind("invalid attributes 'pmin=abc'", 0), 0u) << message(r);
}

TEST_F(RestApi, CreateExecuteDelete) {
    dm_.answer.code = lwm2m::status::created;
    dm_.answer.location = "/3303/1";
    auto r = post(base + "/3303", R"({"id":1,"kind":"instance","resources":[
        {"id":5700,"kind":"singleResource","type":"FLOAT","value":"21.5"}]})");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(json::parse(r.body), json::parse(R"({"status":"CREATED","valid":true,
        "success":true,"failure":false,"location":"/3303/1"})"));
    auto cr = std::get<server::create_request>(dm_.last());
    EXPECT_EQ(cr.path, P("/3303"));
    ASSERT_EQ(cr.records.size(), 1u);
    EXPECT_EQ(cr.records[0].path, P("/3303/1/5700"));
    EXPECT_EQ(cr.records[0].value.view().float_value(), 21.5);
    // Without an id the device picks one.
    post(base + "/3303", R"({"resources":[]})");
    EXPECT_EQ(std::get<server::create_request>(dm_.last()).path, P("/3303"));
    // POST /o/i creates that instance.
    post(base + "/3303/2", R"({"kind":"instance","resources":[
        {"id":5700,"type":"FLOAT","value":"1"}]})");
    cr = std::get<server::create_request>(dm_.last());
    EXPECT_EQ(cr.path, P("/3303"));
    EXPECT_EQ(cr.records[0].path, P("/3303/2/5700"));

    dm_.answer.code = lwm2m::status::changed;
    r = post(base + "/3/0/4", "");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(std::get<server::execute_request>(dm_.last()).path, P("/3/0/4"));
    post(base + "/3/0/4", "0='a',1");
    EXPECT_EQ(std::get<server::execute_request>(dm_.last()).arguments, "0='a',1");

    dm_.answer.code = lwm2m::status::deleted;
    r = del(base + "/3303/1");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(json::parse(r.body)["status"], "DELETED");
    EXPECT_EQ(std::get<server::delete_request>(dm_.last()).path, P("/3303/1"));

    r = post(base + "/3/0/4/1", "");
    EXPECT_EQ(r.status, 400u);
    r = post(base + "/3303", R"({"id":1,"kind":"singleResource","value":"x"})");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(message(r), "the node to create under /3303 must be an instance");
}

TEST_F(RestApi, ObserveAndCancel) {
    dm_.answer.records = {
        lwm2m::owned_record(P("/3/0/9"), lwm2m::owned_value(lwm2m::value::of_integer(80)))};
    auto r = post(base + "/3/0/9/observe?format=SENML_CBOR");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(json::parse(r.body)["content"]["value"], "80");
    auto o = std::get<server::observe_request>(dm_.last());
    EXPECT_EQ(o.path, P("/3/0/9"));
    EXPECT_EQ(o.format, codec::content_format::senml_cbor);

    dm_.answer.records.clear();
    r = del(base + "/3/0/9/observe");
    ASSERT_EQ(r.status, 200u);
    auto c = std::get<server::cancel_observation_request>(dm_.last());
    EXPECT_EQ(c.path, P("/3/0/9"));
    EXPECT_FALSE(c.active);
    del(base + "/3/0/9/observe?active");
    EXPECT_TRUE(std::get<server::cancel_observation_request>(dm_.last()).active);
}

TEST_F(RestApi, Composite) {
    dm_.answer.records = {
        lwm2m::owned_record(P("/3/0/0"), lwm2m::owned_value::string("Sirocco")),
        lwm2m::owned_record(P("/1/0/1"), lwm2m::owned_value(lwm2m::value::of_integer(300)))};
    auto r = get(base + "/composite?paths=/3/0/0,/1/0/1&format=SENML_JSON&pathformat=SENML_CBOR");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(json::parse(r.body)["content"], json::parse(R"({
        "/3/0/0":{"id":0,"kind":"singleResource","type":"STRING","value":"Sirocco"},
        "/1/0/1":{"id":1,"kind":"singleResource","type":"INTEGER","value":"300"}})"));
    auto rc = std::get<server::read_composite_request>(dm_.last());
    EXPECT_EQ(rc.paths, (std::vector<lwm2m::path>{P("/3/0/0"), P("/1/0/1")}));
    EXPECT_EQ(rc.format, codec::content_format::senml_json);
    EXPECT_EQ(rc.request_format, codec::content_format::senml_cbor);
    get(base + "/composite?paths=/3/0/0&nodeformat=LWM2M_CBOR");
    EXPECT_EQ(std::get<server::read_composite_request>(dm_.last()).format,
              codec::content_format::lwm2m_cbor);

    r = get(base + "/composite");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(message(r), "missing query parameter 'paths' (e.g. paths=/3/0/1,/1/0/1)");
    r = get(base + "/composite?paths=/3/0/0,,");
    EXPECT_EQ(r.status, 400u);

    dm_.answer.code = lwm2m::status::changed;
    r = put(base + "/composite?format=SENML_CBOR", R"({
        "/3/0/14":{"id":14,"kind":"singleResource","type":"STRING","value":"+01:00"},
        "/1/0/1":{"id":1,"value":"60","type":"INTEGER"}})");
    ASSERT_EQ(r.status, 200u);
    auto wc = std::get<server::write_composite_request>(dm_.last());
    EXPECT_EQ(wc.records.size(), 2u);
    EXPECT_EQ(wc.format, codec::content_format::senml_cbor);
    r = put(base + "/composite", R"({"/3/0/14":{"id":14}})");
    EXPECT_EQ(r.status, 400u);

    dm_.answer.code = lwm2m::status::content;
    r = post(base + "/composite/observe?paths=/3/0/9,/3/0/10");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(std::get<server::observe_composite_request>(dm_.last()).paths.size(), 2u);
    r = del(base + "/composite/observe?paths=/3/0/9,/3/0/10&active=true");
    ASSERT_EQ(r.status, 200u);
    auto cc = std::get<server::cancel_composite_observation_request>(dm_.last());
    EXPECT_TRUE(cc.active);
    EXPECT_EQ(cc.paths.size(), 2u);
}

TEST_F(RestApi, ObjectSpecs) {
    auto r = get("/api/objectspecs/sirocco-demo");
    ASSERT_EQ(r.status, 200u);
    const json arr = json::parse(r.body);
    ASSERT_GE(arr.size(), 2u);
    EXPECT_EQ(arr[0]["id"], 1);
    // The client registered /1 with ver=1.1; the built-in table has only 1.2,
    // so the newest known model stands in.
    EXPECT_EQ(arr[0]["version"], "1.2");
    EXPECT_EQ(arr[1]["id"], 3);
    EXPECT_EQ(arr[1]["name"], "Device");
    EXPECT_EQ(get("/api/objectspecs/nobody").status, 404u);
}

TEST_F(RestApi, MetricsEndpoint) {
    get("/api/clients");
    get("/api/clients/nobody");
    auto r = get("/metrics");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(r.content_type, "text/plain; version=0.0.4");
    EXPECT_NE(r.body.find("sirocco_http_requests_total{code=\"200\"} 1\n"), std::string::npos)
        << r.body;
    EXPECT_NE(r.body.find("sirocco_http_requests_total{code=\"404\"} 1\n"), std::string::npos);
    EXPECT_NE(r.body.find("# TYPE sirocco_request_duration_seconds histogram"), std::string::npos);
}

TEST_F(RestApi, UnknownRoutes) {
    auto r = get("/api/nothing");
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(message(r), "no route for GET /api/nothing");
    EXPECT_EQ(warns_after(1), 1u);  // the router's own answers are logged too
    EXPECT_EQ(last_log(), "rest: 404 GET /api/nothing: no route for GET /api/nothing");
    r = del(base);
    EXPECT_EQ(r.status, 405u);
}

server::event registered_event() {
    server::event e;
    e.kind = server::event_kind::registered;
    e.reg = demo_registration();
    return e;
}

std::string next_event(sse_client& s) {
    std::string b = s.next_block();
    while (b.rfind(':', 0) == 0)
        b = s.next_block();
    return b;
}

TEST_F(RestApi, EventStream) {
    sse_client s(srv_.port(), "/api/event");
    ASSERT_TRUE(dm_.wait_listeners(1));
    dm_.emit(registered_event());
    std::string b = next_event(s);
    ASSERT_EQ(b.rfind("event: REGISTRATION\ndata: ", 0), 0u) << b;
    EXPECT_EQ(json::parse(b.substr(b.find("data: ") + 6))["endpoint"], "sirocco-demo");

    server::event n;
    n.kind = server::event_kind::notification;
    n.endpoint = "sirocco-demo";
    n.reg = demo_registration();
    server::observation o;
    o.paths = {P("/3/0/9")};
    n.obs = o;
    n.result.records = {
        lwm2m::owned_record(P("/3/0/9"), lwm2m::owned_value(lwm2m::value::of_integer(77)))};
    dm_.emit(n);
    b = next_event(s);
    ASSERT_EQ(b.rfind("event: NOTIFICATION\ndata: ", 0), 0u) << b;
    EXPECT_EQ(json::parse(b.substr(b.find("data: ") + 6)),
              json::parse(R"({"ep":"sirocco-demo","kind":"single","res":"/3/0/9",
                  "val":{"id":9,"kind":"singleResource","type":"INTEGER","value":"77"}})"));

    server::event sd;
    sd.kind = server::event_kind::send;
    sd.endpoint = "sirocco-demo";
    sd.result.records = n.result.records;
    dm_.emit(sd);
    b = next_event(s);
    EXPECT_EQ(b.rfind("event: SEND\ndata: {\"ep\":\"sirocco-demo\",\"val\":{\"/3/0/9\":", 0), 0u)
        << b;

    server::event sl;
    sl.kind = server::event_kind::sleeping;
    sl.reg = demo_registration();
    dm_.emit(sl);
    EXPECT_EQ(next_event(s), "event: SLEEPING\ndata: {\"ep\":\"sirocco-demo\"}");
    sl.kind = server::event_kind::awake;
    dm_.emit(sl);
    EXPECT_EQ(next_event(s), "event: AWAKE\ndata: {\"ep\":\"sirocco-demo\"}");

    server::event up = registered_event();
    up.kind = server::event_kind::updated;
    up.previous = demo_registration();
    dm_.emit(up);
    b = next_event(s);
    ASSERT_EQ(b.rfind("event: UPDATED\ndata: ", 0), 0u) << b;
    EXPECT_EQ(json::parse(b.substr(b.find("data: ") + 6))["update"]["registrationId"], "r1");

    server::event ex = registered_event();
    ex.kind = server::event_kind::expired;
    dm_.emit(ex);
    b = next_event(s);
    EXPECT_EQ(b.rfind("event: DEREGISTRATION\ndata: ", 0), 0u) << b;

    s.close();
    EXPECT_TRUE(dm_.wait_listeners(0));  // the stream unsubscribed
}

TEST_F(RestApi, EventStreamFilterByEndpoint) {
    sse_client s(srv_.port(), "/api/event?ep=other");
    ASSERT_TRUE(dm_.wait_listeners(1));
    dm_.emit(registered_event());  // sirocco-demo: filtered out
    server::event e = registered_event();
    e.reg.endpoint = "other";
    dm_.emit(e);
    const std::string b = next_event(s);
    EXPECT_EQ(json::parse(b.substr(b.find("data: ") + 6))["endpoint"], "other");
}

}  // namespace
