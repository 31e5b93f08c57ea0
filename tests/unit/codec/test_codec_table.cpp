// The format table (format.hpp) and the dispatcher (codec.hpp).
#include <gtest/gtest.h>

#include "json_test_util.hpp"

using namespace sirocco;
using namespace sirocco::test;
using codec::content_format;

namespace {
const test_models models;
}

TEST(FormatTable, IanaNumbersAndNames) {
    auto all = codec::formats();
    ASSERT_EQ(all.size(), 11u);
    for (std::size_t i = 1; i < all.size(); ++i)
        EXPECT_LT(static_cast<int>(all[i - 1].format), static_cast<int>(all[i].format));
    struct {
        std::uint16_t number;
        std::string_view media, short_name;
    } table[] = {{0, "text/plain", "TEXT"},
                 {40, "application/link-format", "LINK"},
                 {42, "application/octet-stream", "OPAQUE"},
                 {60, "application/cbor", "CBOR"},
                 {110, "application/senml+json", "SENML_JSON"},
                 {112, "application/senml+cbor", "SENML_CBOR"},
                 {320, "application/senml-etch+json", "SENML_ETCH_JSON"},
                 {322, "application/senml-etch+cbor", "SENML_ETCH_CBOR"},
                 {11542, "application/vnd.oma.lwm2m+tlv", "TLV"},
                 {11543, "application/vnd.oma.lwm2m+json", "JSON"},         // IANA: JSON is 11543
                 {11544, "application/vnd.oma.lwm2m+cbor", "LWM2M_CBOR"}};  // and CBOR 11544
    for (const auto& t : table) {
        const auto* f = codec::find_format(t.number);
        ASSERT_NE(f, nullptr) << t.number;
        EXPECT_EQ(f->name, t.media);
        EXPECT_EQ(f->short_name, t.short_name);
        EXPECT_EQ(codec::find_format(t.short_name), f);
    }
    EXPECT_EQ(codec::find_format("senml_json"), codec::find_format(110));  // case-insensitive
    EXPECT_EQ(codec::find_format("LWM2M_JSON"), codec::find_format(11543));
    EXPECT_EQ(codec::find_format(std::uint16_t{41}), nullptr);
    EXPECT_EQ(codec::find_format("XML"), nullptr);
}

TEST(FormatTable, Capabilities) {
    auto f = [](std::uint16_t n) { return *codec::find_format(n); };
    EXPECT_TRUE(f(0).single_value && !f(0).multiple_resources && !f(0).multiple_paths);
    EXPECT_TRUE(f(42).single_value && !f(42).multiple_resources);
    EXPECT_TRUE(f(11542).multiple_resources && !f(11542).multiple_paths);
    EXPECT_TRUE(f(11543).multiple_resources && !f(11543).multiple_paths);
    EXPECT_TRUE(f(110).multiple_paths && f(112).multiple_paths && f(11544).multiple_paths);
    EXPECT_TRUE(f(320).paths_only && f(322).paths_only);
    EXPECT_FALSE(f(40).single_value || f(40).multiple_resources);
    // The Cortex-M4 build: at least TLV, text, opaque, link format, SenML CBOR
    // (issue 4); today every codec is heap-free and in it.
    for (int n : {0, 40, 42, 112, 11542})
        EXPECT_TRUE(f(static_cast<std::uint16_t>(n)).on_device) << n;
    for (const auto& info : codec::formats())
        EXPECT_TRUE(info.on_device) << info.short_name;
}

TEST(FormatTable, TableMatchesWhatTheCodecsDo) {
    // A format that cannot carry an instance refuses two records; one that
    // cannot carry unrelated paths refuses two objects.
    std::vector<owned_record> two{I("/3/0/9", 1), I("/3/0/10", 2)};
    std::vector<owned_record> two_objects{I("/1/0/1", 1), I("/3/0/9", 2)};
    for (auto fmt : {content_format::text, content_format::opaque, content_format::tlv,
                     content_format::lwm2m_json, content_format::senml_json}) {
        const auto* info = codec::find_format(static_cast<std::uint16_t>(fmt));
        SCOPED_TRACE(info->short_name);
        auto r = encode(fmt, "/3/0", two, &models);
        EXPECT_EQ(r.has_value(), info->multiple_resources);
        if (!r) {
            EXPECT_EQ(r.error().code, errc::unsupported);
        }
        auto root = encode(fmt, "/", two_objects, &models);
        EXPECT_EQ(root.has_value(), info->multiple_paths);
    }
}

TEST(Dispatch, UnknownAndUnsuitableFormats) {
    std::vector<std::uint8_t> in{'1'};
    auto d = decode(static_cast<content_format>(999), "/3/0/9", in, &models);
    EXPECT_EQ(d.status.error().code, errc::unsupported);
    d = decode(content_format::link_format, "/3/0/9", in, &models);
    EXPECT_EQ(d.status.error().code, errc::unsupported);
    d = decode(content_format::senml_etch_json, "/3/0/9", in, &models);
    EXPECT_EQ(d.status.error().code, errc::unsupported);
    EXPECT_EQ(
        encode(static_cast<content_format>(999), "/3/0/9", {I("/3/0/9", 1)}, &models).error().code,
        errc::unsupported);
    EXPECT_EQ(encode(content_format::link_format, "/3/0/9", {I("/3/0/9", 1)}, &models).error().code,
              errc::unsupported);
    std::vector<std::uint8_t> out(16);
    EXPECT_EQ(codec::encode_paths(content_format::senml_json, {}, out).error().code,
              errc::unsupported);
}

TEST(Dispatch, SameRecordsThroughEveryRecordFormat) {
    // A resource read through each format decodes back to the same record.
    std::vector<owned_record> one{I("/3/0/9", 100)};
    for (auto fmt : {content_format::text, content_format::tlv, content_format::senml_json,
                     content_format::lwm2m_json, content_format::senml_cbor,
                     content_format::lwm2m_cbor, content_format::cbor}) {
        SCOPED_TRACE(static_cast<int>(fmt));
        auto out = encode(fmt, "/3/0/9", one, &models);
        ASSERT_TRUE(out) << out.error().reason;
        auto d = decode(fmt, "/3/0/9", *out, &models);
        ASSERT_TRUE(d.status) << d.status.error().reason;
        EXPECT_EQ(d.records, one);
    }
}
