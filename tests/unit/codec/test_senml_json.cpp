// SenML JSON (110) and SenML-ETCH JSON (320).
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

struct vector_case {
    const char* file;
    std::vector<owned_record> records;
};

std::vector<vector_case> cases() {
    return {
        {"json/senml_device.json", device_records()},
        {"json/senml_composite.json",
         {I("/1/0/1", 300), S("/3/0/0", "Open Mobile Alliance"), I("/3/0/9", 80),
          R("/3303/0/5700", value::of_float(22.5))}},
        {"json/senml_timestamped.json",
         {R("/3303/0/5700", value::of_float(22.5), 1700000000.0),
          R("/3303/0/5700", value::of_float(22.75), 1700000010.0),
          R("/3303/0/5700", value::of_float(23.0), 1700000020.0)}},
    };
}

decoded dec(std::string_view base, std::string_view json,
            const lwm2m::model_provider* m = &models) {
    return decode(content_format::senml_json, base, bytes(json), m);
}

class path_list final : public codec::path_sink {
  public:
    result<void> on_path(const lwm2m::path& p) noexcept override {
        paths.push_back(p);
        return {};
    }
    std::vector<lwm2m::path> paths;
};
}  // namespace

TEST(SenmlJson, VectorsBothWays) {
    for (const auto& c : cases()) {
        SCOPED_TRACE(c.file);
        auto v = load_vector(c.file);
        auto d = decode(content_format::senml_json, v.meta["path"], v.bytes, &models);
        ASSERT_TRUE(d.status) << d.status.error().reason;
        EXPECT_EQ(d.records, c.records);
        auto out = encode(content_format::senml_json, v.meta["path"], c.records, &models);
        ASSERT_TRUE(out) << out.error().reason;
        EXPECT_EQ(str(*out), str(v.bytes));
    }
}

TEST(SenmlJson, CompositeSpecExampleDecodes) {
    // Core TS 1.1 Table 7.4.4-7 (full names, no bn, white space): decode
    // only; our encoder writes a bn per object instance, one byte shorter.
    auto v = load_vector("json/senml_composite_spec.json");
    std::vector<owned_record> want = {S("/3/0/0", "Open Mobile Alliance"), I("/3/0/9", 95),
                                      I("/1/0/1", 86400)};
    auto d = decode(content_format::senml_json, v.meta["path"], v.bytes, &models);
    ASSERT_TRUE(d.status) << d.status.error().reason;
    EXPECT_EQ(d.records, want);
    auto out = encode(content_format::senml_json, v.meta["path"], want, &models);
    ASSERT_TRUE(out) << out.error().reason;
    EXPECT_EQ(
        str(*out),
        R"([{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},{"n":"9","v":95},{"bn":"/1/0/","n":"1","v":86400}])");
    auto back = decode(content_format::senml_json, v.meta["path"], *out, &models);
    ASSERT_TRUE(back.status);
    EXPECT_EQ(back.records, want);
}

TEST(SenmlJson, NamesSplitAnyLegalWay) {
    const std::vector<owned_record> want{S("/3/0/1", "x")};
    for (const char* s : {
             R"([{"bn":"/3/0/","n":"1","vs":"x"}])", R"([{"bn":"/3/","n":"0/1","vs":"x"}])",
             R"([{"bn":"/3/0/1","vs":"x"}])", R"([{"bn":"/3/0/1","n":"","vs":"x"}])",
             R"([{"n":"/3/0/1","vs":"x"}])", R"([{"bn":"","n":"/3/0/1","vs":"x"}])",
             R"([{"bn":"/","n":"3/0/1","vs":"x"}])",
             R"([{"vs":"x","n":"1","bn":"/3/0/"}])",  // any key order
             R"( [ { "n" : "1" , "bn" : "/3/0/" , "vs" : "x" } ] )",
             R"([{"bn":"\/3\/0\/","n":"\u0031","vs":"\u0078"}])",  // escapes everywhere
             R"([{"n":"1","vs":"x","u":"V","bver":10,"ut":5,"foo":{"a":[1]}}])",  // ignored labels
         }) {
        SCOPED_TRACE(s);
        auto d = dec("/3/0", s);
        ASSERT_TRUE(d.status) << d.status.error().reason;
        EXPECT_EQ(d.records, want);
    }
    // Relative to the request path, without bn.
    auto d = dec("/3/0/1", R"([{"vs":"x"}])");
    ASSERT_TRUE(d.status);
    EXPECT_EQ(d.records, want);
}

TEST(SenmlJson, ValueFieldsAndTypes) {
    auto d = dec("/", R"([{"bn":"/10250/0/","n":"0","v":18446744073709551615},{"n":"1","vs":"</1>"},
                         {"n":"2","v":-1.5e-3},{"n":"4/0","vb":true},{"n":"5/0","vd":"AQIDBAU"},
                         {"bn":"/65/0/0/","n":"1","vlo":"66:1"},{"bn":"/3/0/","n":"13","v":1.7e9}])");
    ASSERT_TRUE(d.status) << d.status.error().reason;
    ASSERT_EQ(d.records.size(), 7u);
    EXPECT_EQ(d.records[0].value.view(), value::of_unsigned(18446744073709551615ULL));
    EXPECT_EQ(d.records[1].value.view(), value::of_corelnk("</1>"));
    EXPECT_EQ(d.records[2].value.view(), value::of_float(-1.5e-3));
    EXPECT_EQ(d.records[3].value.view(), value::of_boolean(true));
    static const std::uint8_t five[] = {1, 2, 3, 4, 5};
    EXPECT_EQ(d.records[4].value.view(), value::of_opaque(five));
    EXPECT_EQ(d.records[5].value.view(), value::of_objlnk({66, 1}));
    EXPECT_EQ(d.records[6].value.view(), value::of_time(1700000000));  // 1.7e9 is an exact integer
    // Encoding the same records and decoding again gives them back.
    auto out = encode(content_format::senml_json, "/", d.records, &models);
    ASSERT_TRUE(out);
    auto again = decode(content_format::senml_json, "/", *out, &models);
    ASSERT_TRUE(again.status) << str(*out);
    EXPECT_EQ(again.records, d.records);
    EXPECT_NE(str(*out).find(R"("vd":"AQIDBAU")"), std::string::npos);  // base64url, no padding
    EXPECT_NE(str(*out).find(R"("vlo":"66:1")"), std::string::npos);
}

TEST(SenmlJson, WithoutModelTheFieldDecides) {
    auto d = dec(
        "/", R"([{"n":"/30000/0/1","v":5},{"n":"/30000/0/2","v":5.5},{"n":"/30000/0/3","vs":"s"},
                         {"n":"/30000/0/4","vb":false},{"n":"/30000/0/5","vd":"AA"},{"n":"/30000/0/6","vlo":"1:2"}])",
        nullptr);
    ASSERT_TRUE(d.status);
    EXPECT_EQ(d.records[0].value.type(), data_type::integer);
    EXPECT_EQ(d.records[1].value.type(), data_type::float_);
    EXPECT_EQ(d.records[2].value.type(), data_type::string);
    EXPECT_EQ(d.records[3].value.type(), data_type::boolean);
    EXPECT_EQ(d.records[4].value.type(), data_type::opaque);
    EXPECT_EQ(d.records[5].value.type(), data_type::objlnk);
}

TEST(SenmlJson, BaseNameAndTimeCarryOver) {
    auto d = dec("/", R"([{"bn":"/3303/0/","bt":100,"n":"5700","v":1},{"n":"5700","t":5,"v":2},
                         {"bn":"/3303/1/","n":"5700","t":-5,"v":3}])");
    ASSERT_TRUE(d.status);
    EXPECT_EQ(d.records[1].path, P("/3303/0/5700"));
    EXPECT_EQ(d.records[1].timestamp, 105.0);
    EXPECT_EQ(d.records[2].path, P("/3303/1/5700"));
    EXPECT_EQ(d.records[2].timestamp, 95.0);
}

TEST(SenmlJson, Errors) {
    struct {
        const char* json;
        errc code;
    } table[] = {
        {R"({"n":"1"})", errc::malformed},                   // not an array
        {R"([1])", errc::malformed},                         // record not an object
        {R"([{"n":"1","v":1,"vs":"x"}])", errc::malformed},  // two values
        {R"([{"n":"1","n":"2","v":1}])", errc::malformed},   // label twice
        {R"([{"n":1,"v":1}])", errc::malformed},             // name is a number
        {R"([{"n":"9","v":"1"}])", errc::malformed},         // v as string
        {R"([{"n":"9","vb":1}])", errc::malformed},          // vb as number
        {R"([{"n":"x","v":1}])", errc::malformed},           // name not a path
        {R"([{"n":"9","v":1.5}])", errc::out_of_range},      // 1.5 for an Integer
        {R"([{"n":"9","vs":"100"}])", errc::type_mismatch},  // vs for an Integer
        {R"([{"n":"7","v":1}])", errc::type_mismatch},       // multiple without instance id
        {R"([{"bn":"/3/0","v":1}])", errc::malformed},       // value on an instance
        {R"([{"n":"9","v":1,"x_":2}])", errc::unsupported},  // must-understand label
        {R"([{"n":"9","bv":1,"v":1}])", errc::unsupported},  // base value
        {R"([{"n":"0","vd":"***"}])", errc::malformed},      // bad base64 (string resource anyway)
        {R"([{"n":"9","v":1}] x)", errc::malformed},         // trailing data
        {R"([{"n":"9","v":1},])", errc::malformed},          // trailing comma
        {R"([{"n":"9","v":1e999}])", errc::out_of_range},    // overflow
        {R"([{"bn":"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/","n":"1","v":1}])",
         errc::malformed},  // name longer than any path
    };
    for (const auto& t : table) {
        SCOPED_TRACE(t.json);
        auto d = dec("/3/0", t.json);
        ASSERT_FALSE(d.status);
        EXPECT_EQ(d.status.error().code, t.code) << d.status.error().reason;
    }
}

TEST(SenmlJson, EncoderDetails) {
    // Single resource at the request path: bn is the path, no n.
    auto out = encode(content_format::senml_json, "/3/0/9", {I("/3/0/9", 100)}, &models);
    ASSERT_TRUE(out);
    EXPECT_EQ(str(*out), R"([{"bn":"/3/0/9","v":100}])");
    // Strings are escaped; NaN is refused; small buffers are reported.
    out = encode(content_format::senml_json, "/3/0/0", {S("/3/0/0", "a\"b\n")}, &models);
    ASSERT_TRUE(out);
    EXPECT_EQ(str(*out), R"([{"bn":"/3/0/0","vs":"a\"b\n"}])");
    EXPECT_EQ(encode(content_format::senml_json, "/3303/0/5700",
                     {R("/3303/0/5700", value::of_float(std::numeric_limits<double>::quiet_NaN()))},
                     &models)
                  .error()
                  .code,
              errc::out_of_range);
    EXPECT_EQ(
        encode(content_format::senml_json, "/3/0", device_records(), &models, 30).error().code,
        errc::buffer_too_small);
    EXPECT_EQ(encode(content_format::senml_json, "/3/0", {I("/4/0/1", 1)}, &models).error().code,
              errc::invalid_argument);
    // Empty list.
    out = encode(content_format::senml_json, "/3/0", {}, &models);
    ASSERT_TRUE(out);
    EXPECT_EQ(str(*out), "[]");
}

TEST(SenmlEtchJson, PathListsBothWays) {
    auto v = load_vector("json/etch_composite.json");
    // Core TS 1.1 Table 7.4.4-6, the Read-Composite request body.
    std::vector<lwm2m::path> want{P("/3/0/0"), P("/3/0/9"), P("/1/0/1")};
    path_list got;
    ASSERT_TRUE(codec::decode_paths(content_format::senml_etch_json, v.bytes, got));
    EXPECT_EQ(got.paths, want);
    std::vector<std::uint8_t> out(256);
    auto n = codec::encode_paths(content_format::senml_etch_json, want, out);
    ASSERT_TRUE(n);
    out.resize(*n);
    EXPECT_EQ(str(out), str(v.bytes));
    // bn / n split and the root path.
    path_list got2;
    ASSERT_TRUE(codec::decode_paths(
        content_format::senml_etch_json,
        bytes(R"([{"bn":"/3/0/","n":"1"},{"n":"9"},{"bn":"/","n":""}])"), got2));
    EXPECT_EQ(got2.paths, (std::vector<lwm2m::path>{P("/3/0/1"), P("/3/0/9"), P("/")}));
    path_list bad;
    EXPECT_EQ(codec::decode_paths(content_format::senml_etch_json, bytes(R"([{"n":"/3/x"}])"), bad)
                  .error()
                  .code,
              errc::malformed);
    EXPECT_EQ(codec::decode_paths(content_format::tlv, bytes("[]"), bad).error().code,
              errc::unsupported);
}
