// TLV (11542): the OMA TS examples byte-exact both ways, widths, lengths,
// accepted variants and errors.
#include <gtest/gtest.h>

#include <random>

#include "json_test_util.hpp"
#include "sirocco/lwm2m/status.hpp"

using namespace sirocco;
using namespace sirocco::test;
using codec::content_format;

namespace {

std::vector<owned_record> device_records(std::string_view prefix = "/3/0") {
    std::string p(prefix);
    return {S(p + "/0", "Open Mobile Alliance"),
            S(p + "/1", "Lightweight M2M Client"),
            S(p + "/2", "345000123"),
            S(p + "/3", "1.0"),
            I(p + "/6/0", 1),
            I(p + "/6/1", 5),
            I(p + "/7/0", 3800),
            I(p + "/7/1", 5000),
            I(p + "/8/0", 125),
            I(p + "/8/1", 900),
            I(p + "/9", 100),
            I(p + "/10", 15),
            I(p + "/11/0", 0),
            R(p + "/13", value::of_time(1367491215)),
            S(p + "/14", "+02:00"),
            S(p + "/16", "U")};
}

std::vector<owned_record> acl_records() {
    return {I("/2/0/0", 1),     I("/2/0/1", 0),     I("/2/0/2/127", 7),
            I("/2/0/3", 127),   I("/2/2/0", 3),     I("/2/2/1", 0),
            I("/2/2/2/127", 7), I("/2/2/2/310", 1), I("/2/2/3", 127)};
}

const test_models models;

struct vector_case {
    const char* file;
    std::vector<owned_record> records;
};

std::vector<vector_case> cases() {
    return {
        {"tlv/device_instance.hex", device_records()},
        {"tlv/device_object.hex", device_records()},
        {"tlv/acl_object.hex", acl_records()},
        {"tlv/server_object.hex",
         {I("/1/0/0", 1), I("/1/0/1", 86400), R("/1/0/6", value::of_boolean(true)),
          S("/1/0/7", "U")}},
        {"tlv/obj65_objlnk.hex",
         {R("/65/0/0/0", value::of_objlnk({66, 0})), R("/65/0/0/1", value::of_objlnk({66, 1})),
          S("/65/0/1", "8613800755500"), I("/65/0/2", 305419896)}},
        {"tlv/obj66_objlnk.hex",
         {S("/66/0/0", "myService 1"), S("/66/0/1", "Internet.15.234"),
          R("/66/0/2", value::of_objlnk({67, 0})), S("/66/1/0", "myService 2"),
          S("/66/1/1", "Internet.15.235"), R("/66/1/2", value::of_objlnk(lwm2m::objlnk::null()))}},
        {"tlv/single_resource.hex", {S("/3/0/0", "MyManufacturer")}},
        {"tlv/multiple_resource.hex", {I("/3/0/7/0", 3800), I("/3/0/7/1", 5000)}},
        {"tlv/resource_instance.hex", {I("/3/0/7/1", 5000)}},
        {"tlv/widths.hex",
         {R("/10250/0/0", value::of_unsigned(255)),
          R("/10250/0/1", value::of_corelnk("</3/0>;ct=0")), R("/10250/0/2", value::of_float(0.1)),
          R("/10250/0/3/0", value::of_unsigned(65536)),
          R("/10250/0/3/1", value::of_unsigned(4294967296ULL)),
          R("/10250/0/3/256", value::of_unsigned(255)), R("/10250/0/4/0", value::of_boolean(true)),
          R("/10250/0/4/1", value::of_boolean(false))}},
        {"tlv/temperature.hex",
         {R("/3303/0/5700", value::of_float(22.5)), S("/3303/0/5701", "Cel")}},
    };
}

}  // namespace

TEST(Tlv, SpecVectorsDecodeToTheRecords) {
    for (const auto& c : cases()) {
        SCOPED_TRACE(c.file);
        auto v = load_vector(c.file);
        ASSERT_FALSE(v.bytes.empty());
        auto d = decode(content_format::tlv, v.meta["path"], v.bytes, &models);
        ASSERT_TRUE(d.status) << d.status.error().reason;
        EXPECT_EQ(d.records, c.records);
    }
}

TEST(Tlv, RecordsEncodeToTheSpecBytes) {
    for (const auto& c : cases()) {
        SCOPED_TRACE(c.file);
        auto v = load_vector(c.file);
        auto out = encode(content_format::tlv, v.meta["path"], c.records, &models);
        ASSERT_TRUE(out) << out.error().reason;
        EXPECT_EQ(*out, v.bytes);
    }
}

TEST(Tlv, IntegerWidthsAreTheSmallest) {
    struct {
        std::int64_t v;
        std::vector<std::uint8_t> bytes;
    } table[] = {
        {0, {0xC1, 0x09, 0x00}},
        {-1, {0xC1, 0x09, 0xFF}},
        {127, {0xC1, 0x09, 0x7F}},
        {128, {0xC2, 0x09, 0x00, 0x80}},
        {-128, {0xC1, 0x09, 0x80}},
        {-129, {0xC2, 0x09, 0xFF, 0x7F}},
        {32767, {0xC2, 0x09, 0x7F, 0xFF}},
        {32768, {0xC4, 0x09, 0x00, 0x00, 0x80, 0x00}},
        {-2147483648LL, {0xC4, 0x09, 0x80, 0x00, 0x00, 0x00}},
        {2147483648LL, {0xC8, 0x09, 0x08, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00}},
        {INT64_MIN, {0xC8, 0x09, 0x08, 0x80, 0, 0, 0, 0, 0, 0, 0}},
    };
    for (const auto& t : table) {
        SCOPED_TRACE(t.v);
        auto out = encode(content_format::tlv, "/3/0/9", {I("/3/0/9", t.v)}, &models);
        ASSERT_TRUE(out);
        EXPECT_EQ(*out, t.bytes);
        auto d = decode(content_format::tlv, "/3/0/9", t.bytes, &models);
        ASSERT_TRUE(d.status);
        ASSERT_EQ(d.records.size(), 1u);
        EXPECT_EQ(d.records[0].value.view().integer(), t.v);
    }
}

TEST(Tlv, DecoderAcceptsNonMinimalIntegerWidths) {
    // 3 bytes and 8 bytes for a small value: legal enough, peers send them.
    auto d = decode(content_format::tlv, "/3/0/9", {0xC3, 0x09, 0x00, 0x00, 0x64}, &models);
    ASSERT_TRUE(d.status);
    EXPECT_EQ(d.records[0].value.view().integer(), 100);
    d = decode(content_format::tlv, "/3/0/9",
               {0xC8, 0x09, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE}, &models);
    ASSERT_TRUE(d.status);
    EXPECT_EQ(d.records[0].value.view().integer(), -2);
}

TEST(Tlv, FloatsUseFourBytesWhenExact) {
    auto out = encode(content_format::tlv, "/3303/0/5700",
                      {R("/3303/0/5700", value::of_float(-0.5))}, &models);
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, (std::vector<std::uint8_t>{0xE4, 0x16, 0x44, 0xBF, 0x00, 0x00, 0x00}));
    out = encode(content_format::tlv, "/3303/0/5700", {R("/3303/0/5700", value::of_float(1e300))},
                 &models);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->size(), 3u + 1u + 8u);  // E8 16 44 08 + 8 bytes
    auto d = decode(content_format::tlv, "/3303/0/5700", *out, &models);
    ASSERT_TRUE(d.status);
    EXPECT_EQ(d.records[0].value.view().float_value(), 1e300);
    // Float with 3 bytes is malformed.
    d = decode(content_format::tlv, "/3303/0/5700", {0xE3, 0x16, 0x44, 0, 0, 0}, &models);
    EXPECT_EQ(d.status.error().code, errc::malformed);
}

TEST(Tlv, LengthForms) {
    // 300-byte opaque: 16-bit length; 70000 bytes: 24-bit length.
    for (std::size_t n : {7u, 8u, 255u, 256u, 65535u, 65536u, 70000u}) {
        SCOPED_TRACE(n);
        std::string payload(n, 'x');
        auto out = encode(content_format::tlv, "/5/0/0", {O("/5/0/0", payload)}, &models, n + 16);
        ASSERT_TRUE(out);
        std::size_t header = n < 8 ? 2 : n < 256 ? 3 : n < 65536 ? 4 : 5;
        EXPECT_EQ(out->size(), header + n);
        auto d = decode(content_format::tlv, "/5/0/0", *out, &models);
        ASSERT_TRUE(d.status);
        EXPECT_EQ(d.records[0].value.view().opaque().size(), n);
    }
}

TEST(Tlv, WithoutModelValuesAreOpaque) {
    auto v = load_vector("tlv/device_instance.hex");
    auto d = decode(content_format::tlv, "/3/0", v.bytes, nullptr);
    ASSERT_TRUE(d.status);
    ASSERT_EQ(d.records.size(), 16u);
    EXPECT_EQ(d.records[0].value.type(), data_type::opaque);
    EXPECT_EQ(as_chars(d.records[0].value.view().opaque()), "Open Mobile Alliance");
    EXPECT_EQ(d.records[4].path, P("/3/0/6/0"));
}

TEST(Tlv, AcceptedVariantsOfStructure) {
    // Multiple resource content without its wrapper (Leshan tolerates it).
    auto d = decode(content_format::tlv, "/3/0/6", {0x41, 0x00, 0x01, 0x41, 0x01, 0x05}, &models);
    ASSERT_TRUE(d.status);
    EXPECT_EQ(d.records, (std::vector<owned_record>{I("/3/0/6/0", 1), I("/3/0/6/1", 5)}));
    // A resource wrapped in its object instance, for a resource path.
    d = decode(content_format::tlv, "/3/0/1", {0x08, 0x00, 0x05, 0xC3, 0x01, 'a', 'b', 'c'},
               &models);
    ASSERT_TRUE(d.status);
    EXPECT_EQ(d.records, (std::vector<owned_record>{S("/3/0/1", "abc")}));
    // ...but the instance id must match the path.
    d = decode(content_format::tlv, "/3/0/1", {0x08, 0x01, 0x05, 0xC3, 0x01, 'a', 'b', 'c'},
               &models);
    EXPECT_EQ(d.status.error().code, errc::malformed);
    // Create on an object path with resources and no instance TLV: "no id".
    d = decode(content_format::tlv, "/1", {0xC1, 0x00, 0x05, 0xC1, 0x01, 0x3C}, &models);
    ASSERT_TRUE(d.status);
    ASSERT_EQ(d.records.size(), 2u);
    EXPECT_EQ(d.records[0].path.instance().value(), lwm2m::max_id);
    // 16-bit ids for small values are legal too.
    d = decode(content_format::tlv, "/3/0/9", {0xE1, 0x00, 0x09, 0x64}, &models);
    ASSERT_TRUE(d.status);
    EXPECT_EQ(d.records[0].value.view().integer(), 100);
}

TEST(Tlv, EmptyContainers) {
    // Empty instance in an object read, empty multiple resource.
    auto d = decode(content_format::tlv, "/2", {0x00, 0x05}, &models);
    ASSERT_TRUE(d.status);
    EXPECT_EQ(d.records, (std::vector<owned_record>{R("/2/5", value{})}));
    d = decode(content_format::tlv, "/3/0/6", {0x80, 0x06}, &models);
    ASSERT_TRUE(d.status);
    EXPECT_EQ(d.records, (std::vector<owned_record>{R("/3/0/6", value{})}));
    auto out = encode(content_format::tlv, "/3/0/6", {R("/3/0/6", value{})}, &models);
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, (std::vector<std::uint8_t>{0x80, 0x06}));
    out = encode(content_format::tlv, "/2", {R("/2/5", value{})}, &models);
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, (std::vector<std::uint8_t>{0x00, 0x05}));
    d = decode(content_format::tlv, "/2", {}, &models);
    EXPECT_TRUE(d.status);
    EXPECT_TRUE(d.records.empty());
}

TEST(Tlv, Errors) {
    struct {
        std::string_view base;
        std::vector<std::uint8_t> in;
        errc code;
    } table[] = {
        {"/3/0", {0xC8, 0x00}, errc::malformed},                          // no length byte
        {"/3/0", {0xC3, 0x00, 'a'}, errc::malformed},                     // length past the end
        {"/3/0", {0xE1, 0x00}, errc::malformed},                          // 16-bit id cut
        {"/3/0", {0xC1, 0x09, 0x01, 0xC1, 0x09, 0x02}, errc::malformed},  // duplicate id
        {"/2", {0x00, 0x01, 0x00, 0x01}, errc::malformed},                // duplicate instance
        {"/3/0", {0x41, 0x00, 0x01}, errc::malformed},  // resource instance at top
        {"/3/0", {0x08, 0x00, 0x03, 0x00, 0x00, 0x00}, errc::malformed},  // instance in instance
        {"/3/0", {0x86, 0x06, 0xC1, 0x00, 0x01}, errc::malformed},        // resource in multiple
        {"/3/0", {0xC2, 0x09, 0x01}, errc::malformed},                    // short value
        {"/1/0", {0xC2, 0x06, 0x00, 0x01}, errc::malformed},              // boolean of 2 bytes
        {"/1/0", {0xC1, 0x06, 0x02}, errc::malformed},                    // boolean 2
        {"/65/0", {0xC3, 0x02, 0, 0, 0}, errc::malformed},                // int ok? 3 bytes fine
        {"/66/0", {0xC3, 0x02, 0, 0, 0}, errc::malformed},                // objlnk of 3 bytes
        {"/3/0/1", {0xC3, 0x02, 'a', 'b', 'c'}, errc::malformed},         // other resource
        {"/3/0", {0xC2, 0x00, 0xC3, 0x28}, errc::malformed},              // invalid UTF-8
        {"/", {0xC1, 0x00, 0x01}, errc::unsupported},                     // no object path
        // A resource value and resource instances of the same resource (found
        // by the fuzzer's round-trip check): two values for one path.
        {"/3/0/6", {0xC1, 0x06, 0x01, 0x41, 0x00, 0x01}, errc::malformed},
        {"/3/0/6",
         {0x86, 0x06, 0x41, 0x00, 0x01, 0x41, 0x00, 0x01},
         errc::malformed},  // dup instance
        {"/3/0/1", {0x08, 0x00, 0x03, 0xC1, 0x01, 0x01, 0xC1, 0x01, 0x01}, errc::malformed},
        {"/1", {0xC1, 0x00, 0x01, 0x00, 0x00}, errc::malformed},  // implied and explicit instances
    };
    for (const auto& t : table) {
        SCOPED_TRACE(::testing::Message() << t.base << " #" << (&t - table));
        auto d = decode(content_format::tlv, t.base, t.in, &models);
        if (t.base == "/65/0") {  // integer of 3 bytes is accepted (see above)
            EXPECT_TRUE(d.status);
            continue;
        }
        ASSERT_FALSE(d.status);
        EXPECT_EQ(d.status.error().code, t.code) << d.status.error().reason;
        EXPECT_NE(std::string_view(d.status.error().reason), "");
    }
    // And they map to 4.00 / 4.15.
    EXPECT_EQ(lwm2m::to_status(errc::malformed), lwm2m::status::bad_request);
    EXPECT_EQ(lwm2m::to_status(errc::unsupported), lwm2m::status::unsupported_content_format);
}

TEST(Tlv, EncoderErrors) {
    // Unsorted records, duplicates, outside the path, at the root, small buffer.
    EXPECT_EQ(
        encode(content_format::tlv, "/3/0", {I("/3/0/9", 1), I("/3/0/1", 2)}, &models).error().code,
        errc::invalid_argument);
    EXPECT_EQ(
        encode(content_format::tlv, "/3/0", {I("/3/0/9", 1), I("/3/0/9", 2)}, &models).error().code,
        errc::invalid_argument);
    EXPECT_EQ(encode(content_format::tlv, "/3/0", {I("/4/0/9", 1)}, &models).error().code,
              errc::invalid_argument);
    EXPECT_EQ(encode(content_format::tlv, "/", {I("/3/0/9", 1)}, &models).error().code,
              errc::unsupported);
    EXPECT_EQ(encode(content_format::tlv, "/3/0", device_records(), &models, 20).error().code,
              errc::buffer_too_small);
}

TEST(Tlv, RandomInputNeverCrashes) {
    std::mt19937 rng(42);
    for (int i = 0; i < 20000; ++i) {
        std::vector<std::uint8_t> in(rng() % 40);
        for (auto& b : in)
            b = static_cast<std::uint8_t>(rng());
        for (auto base : {"/3", "/3/0", "/3/0/7", "/3/0/7/1"})
            (void)decode(content_format::tlv, base, in, &models);
    }
}
