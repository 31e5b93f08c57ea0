// OMA LwM2M JSON (11543).
#include <gtest/gtest.h>

#include <limits>

#include "json_test_util.hpp"

using namespace sirocco;
using namespace sirocco::test;
using codec::content_format;

namespace {
const test_models models;

std::vector<owned_record> device_records() {
    return {S("/3/0/0", "Open Mobile Alliance"),
            S("/3/0/1", "Lightweight M2M Client"),
            S("/3/0/2", "345000123"),
            S("/3/0/3", "1.0"),
            I("/3/0/6/0", 1),
            I("/3/0/6/1", 5),
            I("/3/0/7/0", 3800),
            I("/3/0/7/1", 5000),
            I("/3/0/8/0", 125),
            I("/3/0/8/1", 900),
            I("/3/0/9", 100),
            I("/3/0/10", 15),
            I("/3/0/11/0", 0),
            R("/3/0/13", value::of_time(1367491215)),
            S("/3/0/14", "+02:00"),
            S("/3/0/16", "U")};
}

decoded dec(std::string_view base, std::string_view json,
            const lwm2m::model_provider* m = &models) {
    return decode(content_format::lwm2m_json, base, bytes(json), m);
}
}  // namespace

TEST(Lwm2mJson, DeviceExampleBothWays) {
    auto v = load_vector("json/lwm2m_json_device.json");
    auto d = decode(content_format::lwm2m_json, "/3/0", v.bytes, &models);
    ASSERT_TRUE(d.status) << d.status.error().reason;
    EXPECT_EQ(d.records, device_records());
    auto out = encode(content_format::lwm2m_json, "/3/0", device_records(), &models);
    ASSERT_TRUE(out);
    EXPECT_EQ(str(*out), str(v.bytes));
}

TEST(Lwm2mJson, BaseNameVariantsOfTheSpecAndLeshan) {
    // bn "/" with full names, no bn with absolute names (Leshan's tests).
    for (const char* s :
         {R"({"bn":"/","e":[{"n":"3/0/9","v":100}]})", R"({"e":[{"n":"/3/0/9","v":100}]})",
          R"({"e":[{"v":100,"n":"3/0/9"}],"bn":"/"})", R"({"bn":"/3/0/9","e":[{"v":100}]})"}) {
        SCOPED_TRACE(s);
        auto d = dec("/3/0", s);
        ASSERT_TRUE(d.status) << d.status.error().reason;
        EXPECT_EQ(d.records, (std::vector<owned_record>{I("/3/0/9", 100)}));
    }
}

TEST(Lwm2mJson, TimestampsWithBaseTimeAfterTheArray) {
    auto v = load_vector("json/lwm2m_json_timestamped.json");
    auto d = decode(content_format::lwm2m_json, v.meta["path"], v.bytes, &models);
    ASSERT_TRUE(d.status) << d.status.error().reason;
    ASSERT_EQ(d.records.size(), 3u);
    EXPECT_EQ(d.records[0].timestamp, 25462634.0 - 30);
    EXPECT_EQ(d.records[0].value.view(), value::of_float(22.9));
    EXPECT_EQ(d.records[2].timestamp, 25462634.0 - 50);
    // Our encoder writes bt first, then relative t.
    auto out = encode(content_format::lwm2m_json, v.meta["path"], d.records, &models);
    ASSERT_TRUE(out);
    EXPECT_EQ(
        str(*out),
        R"({"bn":"/3303/0/5700","bt":25462604,"e":[{"v":22.9},{"v":22.4,"t":25},{"v":24.1,"t":-20}]})");
    auto back = decode(content_format::lwm2m_json, v.meta["path"], *out, &models);
    ASSERT_TRUE(back.status);
    EXPECT_EQ(back.records, d.records);
}

TEST(Lwm2mJson, AllTypes) {
    static const std::uint8_t five[] = {1, 2, 3, 4, 5};
    std::vector<owned_record> recs{
        R("/10250/0/0", value::of_unsigned(7)), R("/10250/0/1", value::of_corelnk("</3/0>")),
        R("/10250/0/2", value::of_float(0.1)), R("/10250/0/4/3", value::of_boolean(false)),
        R("/10250/0/5/0", value::of_opaque(five))};
    auto out = encode(content_format::lwm2m_json, "/10250/0", recs, &models);
    ASSERT_TRUE(out);
    EXPECT_EQ(str(*out),
              R"({"bn":"/10250/0/","e":[{"n":"0","v":7},{"n":"1","sv":"</3/0>"},{"n":"2","v":0.1},)"
              R"({"n":"4/3","bv":false},{"n":"5/0","sv":"AQIDBAU="}]})");
    auto d = decode(content_format::lwm2m_json, "/10250/0", *out, &models);
    ASSERT_TRUE(d.status) << d.status.error().reason;
    EXPECT_EQ(d.records, recs);
    // Object links use "ov".
    out = encode(content_format::lwm2m_json, "/66/0/2", {R("/66/0/2", value::of_objlnk({67, 0}))},
                 &models);
    ASSERT_TRUE(out);
    EXPECT_EQ(str(*out), R"({"bn":"/66/0/2","e":[{"ov":"67:0"}]})");
    d = decode(content_format::lwm2m_json, "/66/0/2", *out, &models);
    ASSERT_TRUE(d.status);
    EXPECT_EQ(d.records[0].value.view(), value::of_objlnk({67, 0}));
}

TEST(Lwm2mJson, Errors) {
    struct {
        const char* json;
        errc code;
    } table[] = {
        {R"([])", errc::malformed},
        {R"({})", errc::malformed},  // no "e" (Leshan refuses it too)
        {R"({"e":{}})", errc::malformed},
        {R"({"bn":"/3/0/","e":[{"n":"9","v":"1"}]})", errc::malformed},
        {R"({"bn":"/3/0/","e":[{"n":"9","v":1,"n":"9"}]})", errc::malformed},
        {R"({"bn":"/3/0/","e":[{"n":"9","sv":"x"}]})", errc::type_mismatch},
        {R"({"bn":"/3/0/","e":[{"n":"9","v":1.25}]})", errc::out_of_range},
        {R"({"bn":"/5/0/","e":[{"n":"0","sv":"%%%"}]})", errc::malformed},  // opaque must be base64
        {R"({"bn":3,"e":[]})", errc::malformed},
        {R"({"bn":"/3/0/","e":[]} {})", errc::malformed},
    };
    for (const auto& t : table) {
        SCOPED_TRACE(t.json);
        auto d = dec("/3/0", t.json);
        ASSERT_FALSE(d.status);
        EXPECT_EQ(d.status.error().code, t.code) << d.status.error().reason;
    }
    // An empty e is an empty payload.
    auto d = dec("/2", R"({"e":[]})");
    EXPECT_TRUE(d.status);
    EXPECT_TRUE(d.records.empty());
}
