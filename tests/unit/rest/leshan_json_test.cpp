// The Leshan shapes, checked against JSON literals written the way Leshan's
// demo server (2.x) writes them (JacksonLwM2mNodeSerializer,
// JacksonResponseSerializer, JacksonRegistrationSerializer, EventServlet).
#include "sirocco/runtime/leshan_json.hpp"

#include <gtest/gtest.h>

#include "sirocco/lwm2m/builtin_models.hpp"

namespace {

using namespace sirocco;
using namespace sirocco::runtime::leshan;
using lwm2m::owned_record;
using lwm2m::owned_value;
using lwm2m::value;

lwm2m::path P(std::string_view s) {
    return *lwm2m::path::parse(s);
}

owned_record rec(std::string_view p, owned_value v) {
    return owned_record(P(p), std::move(v));
}

server::object_list device_objects() {
    server::object_list o;
    o.root_path = "/";
    o.content_formats = {110, 112};
    o.objects = {{1, "1.1", {0}}, {3, "", {0}}, {5, "", {}}};
    return o;
}

class LeshanJson : public ::testing::Test {
  protected:
    server::object_list objects_ = device_objects();
    model_lookup models_{&lwm2m::builtin_provider(), &objects_};
    model_lookup none_{};
};

TEST_F(LeshanJson, SingleResourceStringAndInteger) {
    std::vector<owned_record> r{rec("/3/0/0", owned_value::string("Sirocco")),
                                rec("/3/0/9", owned_value(value::of_integer(87)))};
    EXPECT_EQ(node_json(P("/3/0/0"), r, models_),
              json::parse(R"({"id":0,"kind":"singleResource","type":"STRING","value":"Sirocco"})"));
    EXPECT_EQ(node_json(P("/3/0/9"), r, models_),
              json::parse(R"({"id":9,"kind":"singleResource","type":"INTEGER","value":"87"})"));
    EXPECT_TRUE(node_json(P("/3/0/1"), r, models_).is_null());
}

TEST_F(LeshanJson, ValuesOfEveryType) {
    using lwm2m::data_type;
    EXPECT_EQ(value_json(value::of_unsigned(18446744073709551615u), data_type::unsigned_integer),
              "18446744073709551615");
    EXPECT_EQ(value_json(value::of_float(3.5), data_type::float_), "3.5");
    EXPECT_EQ(value_json(value::of_float(23), data_type::float_), "23.0");
    EXPECT_EQ(value_json(value::of_boolean(true), data_type::boolean), true);
    const std::string bytes("\x01\xab\xff", 3);
    EXPECT_EQ(value_json(owned_value::opaque(bytes).view(), data_type::opaque), "01abff");
    EXPECT_EQ(value_json(value::of_time(1700000000), data_type::time), 1700000000000);
    EXPECT_EQ(value_json(value::of_objlnk({3, 0}), data_type::objlnk),
              json::parse(R"({"objectId":3,"objectInstanceId":0})"));
    EXPECT_EQ(value_json(owned_value::corelnk("</3/0>").view(), data_type::corelnk), "</3/0>");
    // Converted to the model's type when lossless (an integer for a TIME).
    EXPECT_EQ(value_json(value::of_integer(5), data_type::time), 5000);
}

TEST_F(LeshanJson, MultiResourceFromModelAndFromPaths) {
    // /3/0/7 (Power Source Voltage) is multiple-instance in the model.
    std::vector<owned_record> r{rec("/3/0/7/0", owned_value(value::of_integer(3800))),
                                rec("/3/0/7/1", owned_value(value::of_integer(5000)))};
    EXPECT_EQ(node_json(P("/3/0/7"), r, models_), json::parse(R"({"id":7,"kind":"multiResource",
        "type":"INTEGER","values":{"0":"3800","1":"5000"}})"));
    // Without models, resource-instance paths still make it multiple.
    EXPECT_EQ(node_json(P("/3/0/7"), r, none_)["kind"], "multiResource");
    EXPECT_EQ(node_json(P("/3/0/7/1"), r, models_),
              json::parse(R"({"id":1,"kind":"resourceInstance","type":"INTEGER","value":"5000"})"));
}

TEST_F(LeshanJson, InstanceAndObject) {
    std::vector<owned_record> r{rec("/3/0/0", owned_value::string("Sirocco")),
                                rec("/3/0/7/0", owned_value(value::of_integer(3800))),
                                rec("/3/0/11/0", owned_value(value::of_integer(0))),
                                rec("/3/1/0", owned_value::string("second"))};
    const json inst = node_json(P("/3/0"), r, models_);
    EXPECT_EQ(inst, json::parse(R"({"id":0,"kind":"instance","resources":[
        {"id":0,"kind":"singleResource","type":"STRING","value":"Sirocco"},
        {"id":7,"kind":"multiResource","type":"INTEGER","values":{"0":"3800"}},
        {"id":11,"kind":"multiResource","type":"INTEGER","values":{"0":"0"}}]})"));
    const json obj = node_json(P("/3"), r, models_);
    EXPECT_EQ(obj["kind"], "obj");
    EXPECT_EQ(obj["id"], 3);
    ASSERT_EQ(obj["instances"].size(), 2u);
    EXPECT_EQ(obj["instances"][1]["id"], 1);
    // An empty instance is still an instance.
    EXPECT_EQ(node_json(P("/3/4"), r, models_),
              json::parse(R"({"id":4,"kind":"instance","resources":[]})"));
}

TEST_F(LeshanJson, ParseSingleResourceWrite) {
    auto p = parse_node(
        json::parse(R"({"id":14,"kind":"singleResource","type":"STRING","value":"+02:00"})"),
        P("/3/0/14"), models_);
    ASSERT_TRUE(p.ok()) << p.error;
    ASSERT_EQ(p.value->size(), 1u);
    EXPECT_EQ((*p.value)[0], rec("/3/0/14", owned_value::string("+02:00")));
    // kind and type may be left out when the fields and the model tell.
    p = parse_node(json::parse(R"({"id":13,"value":1700000000000})"), P("/3/0/13"), models_);
    ASSERT_TRUE(p.ok()) << p.error;
    EXPECT_EQ((*p.value)[0], rec("/3/0/13", owned_value(value::of_time(1700000000))));
    // Integers as strings (Leshan's way) and as numbers (tolerated).
    p = parse_node(json::parse(R"({"id":1,"kind":"singleResource","type":"INTEGER","value":"-5"})"),
                   P("/1/0/1"), models_);
    ASSERT_TRUE(p.ok()) << p.error;
    EXPECT_EQ((*p.value)[0].value.view().integer(), -5);
    p = parse_node(json::parse(R"({"id":1,"type":"INTEGER","value":300})"), P("/1/0/1"), models_);
    ASSERT_TRUE(p.ok()) << p.error;
}

TEST_F(LeshanJson, ParseInstanceAndMultiResource) {
    auto p = parse_node(json::parse(R"({"id":0,"kind":"instance","resources":[
        {"id":1,"kind":"singleResource","type":"INTEGER","value":"300"},
        {"id":6,"kind":"singleResource","type":"BOOLEAN","value":false},
        {"id":7,"kind":"singleResource","type":"STRING","value":"U"}]})"),
                        P("/1/0"), models_);
    ASSERT_TRUE(p.ok()) << p.error;
    ASSERT_EQ(p.value->size(), 3u);
    EXPECT_EQ((*p.value)[1], rec("/1/0/6", owned_value(value::of_boolean(false))));
    p = parse_node(
        json::parse(
            R"({"id":7,"kind":"multiResource","type":"INTEGER","values":{"10":"2","1":"1"}})"),
        P("/3/0/7"), models_);
    ASSERT_TRUE(p.ok()) << p.error;
    ASSERT_EQ(p.value->size(), 2u);
    EXPECT_EQ((*p.value)[0], rec("/3/0/7/1", owned_value(value::of_integer(1))));
    EXPECT_EQ((*p.value)[1], rec("/3/0/7/10", owned_value(value::of_integer(2))));
}

TEST_F(LeshanJson, ParseOtherTypes) {
    auto p = parse_node(
        json::parse(R"({"id":0,"kind":"singleResource","type":"OPAQUE","value":"00ff"})"),
        P("/5/0/0"), models_);
    ASSERT_TRUE(p.ok()) << p.error;
    EXPECT_EQ((*p.value)[0].value.view().opaque().size(), 2u);
    p = parse_node(
        json::parse(R"({"id":1,"type":"OBJLNK","value":{"objectId":3,"objectInstanceId":0}})"),
        P("/9/0/1"), none_);
    ASSERT_TRUE(p.ok()) << p.error;
    EXPECT_EQ((*p.value)[0].value.view().link(), (lwm2m::objlnk{3, 0}));
    p = parse_node(json::parse(R"({"id":1,"type":"FLOAT","value":"2.25"})"), P("/9/0/1"), none_);
    ASSERT_TRUE(p.ok()) << p.error;
    EXPECT_EQ((*p.value)[0].value.view().float_value(), 2.25);
    p = parse_node(
        json::parse(R"({"id":1,"type":"UNSIGNED_INTEGER","value":"18446744073709551615"})"),
        P("/9/0/1"), none_);
    ASSERT_TRUE(p.ok()) << p.error;
    p = parse_node(json::parse(R"({"id":1,"type":"CORELINK","value":"</3/0>;ver=1.1"})"),
                   P("/9/0/1"), none_);
    ASSERT_TRUE(p.ok()) << p.error;
}

TEST_F(LeshanJson, ParseErrorsNameTheProblem) {
    auto err = [&](const char* body, const char* path, const model_lookup& m) {
        auto p = parse_node(json::parse(body), P(path), m);
        EXPECT_FALSE(p.ok());
        return p.error;
    };
    EXPECT_EQ(err(R"({"id":1,"kind":"singleResource","type":"STRING"})", "/3/0/1", models_),
              "missing field 'value' at /3/0/1");
    EXPECT_EQ(err(R"({"id":0,"kind":"foo"})", "/3/0", models_),
              "kind 'foo' unknown at /3/0 (obj, instance, singleResource, multiResource, "
              "resourceInstance)");
    EXPECT_EQ(err(R"({"id":2,"value":"x","type":"STRING"})", "/3/0/1", models_),
              "id 2 does not match the path /3/0/1");
    EXPECT_EQ(err(R"({"id":1,"value":"x"})", "/99/0/1", none_),
              "missing field 'type' at /99/0/1 (and no object model tells it)");
    EXPECT_EQ(err(R"({"id":1,"value":"x","type":"WORD"})", "/99/0/1", none_),
              "type 'WORD' unknown at /99/0/1");
    EXPECT_EQ(err(R"({"id":9,"value":"abc","type":"INTEGER"})", "/3/0/9", models_),
              "field 'value' at /3/0/9: 'abc' is not a valid INTEGER (signed 64-bit)");
    EXPECT_EQ(err(R"({"id":9,"value":true,"type":"INTEGER"})", "/3/0/9", models_),
              "field 'value' at /3/0/9: a JSON string (or integral number) is expected for "
              "INTEGER, got boolean");
    EXPECT_EQ(err(R"({"id":0,"kind":"instance","resources":{}})", "/3/0", models_),
              "field 'resources' at /3/0 must be an array");
    EXPECT_EQ(err(R"({"id":0,"kind":"instance","resources":[{"value":"x"}]})", "/3/0", models_),
              "missing field 'id' in a child of /3/0");
    EXPECT_EQ(err(R"({"id":0,"kind":"singleResource","value":"x"})", "/3/0", models_),
              "the node at /3/0 must be instance");
    EXPECT_EQ(err(R"([1,2])", "/3/0/1", models_), "the node at /3/0/1 must be a JSON object");
    EXPECT_EQ(err(R"({"id":7,"type":"INTEGER","values":{"x":"1"}})", "/3/0/7", models_),
              "resource instance id 'x' at /3/0/7 is not a number 0..65534");
    EXPECT_EQ(err(R"({"id":0,"type":"OPAQUE","value":"0g"})", "/5/0/0", models_),
              "field 'value' at /5/0/0: not a hex string for OPAQUE");
    EXPECT_EQ(err(R"({"id":0})", "/5/0/0", models_),
              "cannot tell the kind of the node at /5/0/0 (no 'kind', 'instances', 'resources', "
              "'values' or 'value')");
    EXPECT_EQ(err(R"({"id":1,"type":"UNSIGNED_INTEGER","value":-1})", "/9/0/1", none_),
              "field 'value' at /9/0/1: negative value for UNSIGNED_INTEGER");
}

TEST_F(LeshanJson, ParseCreate) {
    auto p = parse_create(json::parse(R"({"kind":"instance","resources":[
        {"id":0,"kind":"singleResource","type":"STRING","value":"coap://x"}]})"),
                          P("/0"), models_);
    ASSERT_TRUE(p.ok()) << p.error;
    EXPECT_EQ((*p.value)[0].path, P("/0/65535/0"));
    p = parse_create(json::parse(R"({"id":4,"resources":[]})"), P("/3"), models_);
    ASSERT_TRUE(p.ok()) << p.error;
    EXPECT_TRUE(p.value->empty());
    p = parse_create(json::parse(R"({"id":1,"kind":"singleResource","value":"x"})"), P("/3"),
                     models_);
    EXPECT_EQ(p.error, "the node to create under /3 must be an instance");
}

TEST_F(LeshanJson, CompositeRoundTrip) {
    std::vector<owned_record> r{rec("/3/0/0", owned_value::string("Sirocco")),
                                rec("/1/0/1", owned_value(value::of_integer(300)))};
    const json c = composite_json({P("/3/0/0"), P("/1/0/1"), P("/3/0/2")}, r, models_);
    EXPECT_EQ(c, json::parse(R"({
        "/3/0/0":{"id":0,"kind":"singleResource","type":"STRING","value":"Sirocco"},
        "/1/0/1":{"id":1,"kind":"singleResource","type":"INTEGER","value":"300"},
        "/3/0/2":null})"));
    json body = c;
    body.erase("/3/0/2");
    auto p = parse_composite(body, models_);
    ASSERT_TRUE(p.ok()) << p.error;
    ASSERT_EQ(p.value->size(), 2u);
    EXPECT_EQ(parse_composite(json::parse(R"({"x":{}})"), models_).error,
              "'x' is not an LwM2M path");
    EXPECT_EQ(parse_composite(json::parse("[]"), models_).error,
              "a composite body must be a JSON object of path -> node, got array");
}

TEST_F(LeshanJson, ParseJsonText) {
    EXPECT_TRUE(parse_json(R"({"a":1})").ok());
    auto p = parse_json("{\"a\":");
    EXPECT_FALSE(p.ok());
    EXPECT_EQ(p.error.rfind("body is not valid JSON: ", 0), 0u) << p.error;
    EXPECT_EQ(parse_json(std::string(100, '[')).error, "body is not valid JSON: nested too deep");
    // A number out of double's range is an error, not an exception (found by fuzzing).
    EXPECT_FALSE(parse_json("1E0000000000000000040118980274290687").ok());
    EXPECT_FALSE(parse_json(R"({"value":1e999})").ok());
    EXPECT_TRUE(parse_json(R"({"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["})").ok());
}

TEST_F(LeshanJson, Responses) {
    server::response r;
    r.code = lwm2m::status::content;
    r.records = {rec("/3/0/0", owned_value::string("Sirocco"))};
    EXPECT_EQ(response_json(r, response_kind::read, P("/3/0/0"), {}, models_),
              json::parse(R"({"status":"CONTENT","valid":true,"success":true,"failure":false,
              "content":{"id":0,"kind":"singleResource","type":"STRING","value":"Sirocco"}})"));
    server::response w;
    w.code = lwm2m::status::changed;
    EXPECT_EQ(response_json(w, response_kind::plain, P("/3/0/14"), {}, models_),
              json::parse(R"({"status":"CHANGED","valid":true,"success":true,"failure":false})"));
    server::response nf;
    nf.code = lwm2m::status::not_found;
    nf.error = "no such instance";
    EXPECT_EQ(response_json(nf, response_kind::read, P("/3/9"), {}, models_),
              json::parse(R"({"status":"NOT_FOUND","valid":true,"success":false,"failure":true,
              "errormessage":"no such instance"})"));
    server::response c;
    c.code = lwm2m::status::created;
    c.location = "/3/1";
    EXPECT_EQ(response_json(c, response_kind::create, P("/3"), {}, models_)["location"], "/3/1");
    server::response d;
    d.code = lwm2m::status::content;
    d.links = "</3>;ver=1.1,</3/0>;pmin=10,</3/0/1>,</3/0/7>;dim=2";
    EXPECT_EQ(response_json(d, response_kind::discover, P("/3"), {}, models_)["objectLinks"],
              json::parse(R"([{"url":"/3","attributes":{"ver":"1.1"}},
                  {"url":"/3/0","attributes":{"pmin":"10"}},{"url":"/3/0/1","attributes":{}},
                  {"url":"/3/0/7","attributes":{"dim":"2"}}])"));
    EXPECT_EQ(status_name(static_cast<lwm2m::status>(0x89)), "UNKNOWN_4.09");
}

TEST_F(LeshanJson, Registration) {
    server::registration reg;
    reg.endpoint = "sirocco-demo";
    reg.id = "a1b2";
    reg.lwm2m_version = "1.1";
    reg.lifetime_s = 300;
    reg.binding = "U";
    reg.queue_mode = true;
    reg.objects = objects_;
    reg.address = "udp://127.0.0.1:56830";
    reg.registered_at = 1700000000000;
    reg.updated_at = 1700000001000;
    EXPECT_EQ(registration_json(reg, true), json::parse(R"({
        "endpoint":"sirocco-demo","registrationId":"a1b2","registrationDate":1700000000000,
        "lastUpdate":1700000001000,"address":"127.0.0.1:56830","lwM2mVersion":"1.1",
        "lifetime":300,"bindingMode":"U","rootPath":"/",
        "objectLinks":[{"url":"/","attributes":{"rt":"\"oma.lwm2m\"","ct":"\"110 112\""}},
            {"url":"/1","attributes":{"ver":"1.1"}},{"url":"/1/0","attributes":{}},
            {"url":"/3/0","attributes":{}},{"url":"/5","attributes":{}}],
        "secure":false,"additionalRegistrationAttributes":{},"queuemode":true,
        "availableInstances":{"1":[0],"3":[0],"5":[]},"sleeping":true,"transport":"udp"})"));
    reg.queue_mode = false;
    EXPECT_FALSE(registration_json(reg, true).contains("sleeping"));
    server::registration before = reg;
    before.lifetime_s = 100;
    const json u = registration_update_json(reg, before, false);
    EXPECT_EQ(u["registration"]["endpoint"], "sirocco-demo");
    EXPECT_EQ(u["update"], json::parse(R"({"registrationId":"a1b2","lifetime":300,
        "bindingMode":"U","address":"127.0.0.1:56830"})"));
}

TEST_F(LeshanJson, Events) {
    server::observation o;
    o.paths = {P("/3/0/9")};
    std::vector<owned_record> r{rec("/3/0/9", owned_value(value::of_integer(80)))};
    EXPECT_EQ(notification_json("dev", o, r, models_), json::parse(R"({"ep":"dev","kind":"single",
        "res":"/3/0/9","val":{"id":9,"kind":"singleResource","type":"INTEGER","value":"80"}})"));
    o.composite = true;
    o.paths = {P("/3/0/9"), P("/3/0/10")};
    EXPECT_EQ(notification_json("dev", o, r, models_), json::parse(R"({"ep":"dev",
        "kind":"composite","val":{"/3/0/9":{"id":9,"kind":"singleResource","type":"INTEGER",
        "value":"80"},"/3/0/10":null},"paths":["/3/0/9","/3/0/10"]})"));
    EXPECT_EQ(send_json("dev", r, models_), json::parse(R"({"ep":"dev","val":{"/3/0/9":
        {"id":9,"kind":"singleResource","type":"INTEGER","value":"80"}}})"));
    EXPECT_EQ(presence_json("dev"), json::parse(R"({"ep":"dev"})"));
}

TEST_F(LeshanJson, ObjectModel) {
    const auto* m = lwm2m::builtin_provider().find(lwm2m::object_id(3));
    ASSERT_NE(m, nullptr);
    const json j = object_model_json(*m);
    EXPECT_EQ(j["id"], 3);
    EXPECT_EQ(j["name"], "Device");
    EXPECT_EQ(j["instancetype"], "single");
    const json& r4 = j["resourcedefs"][4];
    EXPECT_EQ(r4["id"], 4);
    EXPECT_EQ(r4["operations"], "E");
    EXPECT_EQ(r4["type"], "none");
    EXPECT_EQ(j["resourcedefs"][0]["type"], "string");
    EXPECT_EQ(j["resourcedefs"][0]["operations"], "R");
}

}  // namespace
