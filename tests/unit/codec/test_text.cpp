// text/plain (0) and opaque (42): model-typed single values, base64 opaque.
#include <gtest/gtest.h>

#include <filesystem>

#include "base64.hpp"
#include "json_test_util.hpp"

using namespace sirocco;
using namespace sirocco::test;
using codec::content_format;

namespace {
const test_models models;

value expected_of(const std::string& type) {
    if (type == "string") return value::of_string("Open Mobile Alliance");
    if (type == "integer") return value::of_integer(100);
    if (type == "time") return value::of_time(1367491215);
    if (type == "float") return value::of_float(-22.75);
    if (type == "objlnk") return value::of_objlnk({66, 1});
    if (type == "boolean") return value::of_boolean(true);
    static const std::uint8_t b[] = {1, 2, 3, 4, 5};
    return value::of_opaque(b);
}
}  // namespace

TEST(Text, VectorsRoundTrip) {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(vectors_dir() + "text")) {
        if (e.path().extension() != ".plain") continue;
        auto name = e.path().filename().string();
        SCOPED_TRACE(name);
        auto v = load_vector("text/" + name);
        auto d = decode(content_format::text, v.meta["path"], v.bytes, &models);
        ASSERT_TRUE(d.status) << d.status.error().reason;
        ASSERT_EQ(d.records.size(), 1u);
        EXPECT_EQ(d.records[0].path, P(v.meta["path"]));
        EXPECT_EQ(d.records[0].value.view(), expected_of(v.meta["type"]));
        auto out = encode(content_format::text, v.meta["path"], d.records, &models);
        ASSERT_TRUE(out);
        EXPECT_EQ(str(*out), str(v.bytes));
        ++n;
    }
    EXPECT_EQ(n, 7);
}

TEST(Text, NeedsAModelAndOneValue) {
    auto d = decode(content_format::text, "/3/0/9", bytes("1"), nullptr);
    EXPECT_EQ(d.status.error().code, errc::unsupported);
    d = decode(content_format::text, "/3/0", bytes("1"), &models);
    EXPECT_EQ(d.status.error().code, errc::unsupported);
    d = decode(content_format::text, "/3/0/7", bytes("1"), &models);  // multiple-instance
    EXPECT_EQ(d.status.error().code, errc::unsupported);
    d = decode(content_format::text, "/3/0/7/0", bytes("3800"), &models);
    ASSERT_TRUE(d.status);
    EXPECT_EQ(d.records[0].value.view().integer(), 3800);
    EXPECT_EQ(encode(content_format::text, "/3/0", {I("/3/0/9", 1), I("/3/0/10", 2)}, &models)
                  .error()
                  .code,
              errc::unsupported);
    EXPECT_EQ(encode(content_format::text, "/3/0", {}, &models).error().code, errc::unsupported);
}

TEST(Text, Errors) {
    struct {
        const char* path;
        const char* text;
        errc code;
    } table[] = {
        {"/3/0/9", "12a", errc::malformed},
        {"/3/0/9", "", errc::malformed},
        {"/3/0/9", "99999999999999999999", errc::out_of_range},
        {"/1/0/6", "true", errc::malformed},   // booleans are 0/1 in text
        {"/65/0/0/1", "66", errc::malformed},  // objlnk without ':'
        {"/5/0/0", "!!notbase64", errc::malformed},
        {"/5/0/0", "AQIDB", errc::malformed},
        {"/3/0/0", "\xC3\x28", errc::malformed},  // invalid UTF-8
        {"/3/0/4", "x", errc::type_mismatch},     // executable takes no value
    };
    for (const auto& t : table) {
        SCOPED_TRACE(t.text);
        auto d = decode(content_format::text, t.path, bytes(t.text), &models);
        ASSERT_FALSE(d.status);
        EXPECT_EQ(d.status.error().code, t.code) << d.status.error().reason;
    }
}

TEST(Text, OpaqueBase64Forms) {
    for (const char* s : {"AQIDBAU=", "AQIDBAU", "AQIDBAU"}) {
        auto d = decode(content_format::text, "/5/0/0", bytes(s), &models);
        ASSERT_TRUE(d.status) << s;
        EXPECT_EQ(d.records[0].value.view().opaque().size(), 5u);
    }
    // Scratch too small: 4.13.
    auto d = decode(content_format::text, "/5/0/0", bytes("AQIDBAU="), &models, 2);
    EXPECT_EQ(d.status.error().code, errc::capacity_exceeded);
}

TEST(Base64, KnownAnswers) {
    using namespace sirocco::codec::detail;
    struct {
        std::string in, std_pad, url_nopad;
    } table[] = {{"", "", ""},
                 {"f", "Zg==", "Zg"},
                 {"fo", "Zm8=", "Zm8"},
                 {"foo", "Zm9v", "Zm9v"},
                 {"foob", "Zm9vYg==", "Zm9vYg"},
                 {"\xfb\xff", "+/8=", "-_8"}};
    for (const auto& t : table) {
        std::vector<std::uint8_t> buf(16);
        byte_writer w(buf);
        base64_write(w, as_bytes(t.in), base64_alphabet::standard, true);
        EXPECT_EQ(as_chars(w.written()), t.std_pad);
        byte_writer w2(buf);
        base64_write(w2, as_bytes(t.in), base64_alphabet::url, false);
        EXPECT_EQ(as_chars(w2.written()), t.url_nopad);
        EXPECT_EQ(base64_size(t.in.size(), true), t.std_pad.size());
        EXPECT_EQ(base64_size(t.in.size(), false), t.url_nopad.size());
        for (const auto& enc : {t.std_pad, t.url_nopad}) {
            auto n = base64_decode(enc, buf);
            ASSERT_TRUE(n) << enc;
            EXPECT_EQ(std::string(buf.begin(), buf.begin() + static_cast<long>(*n)), t.in);
        }
    }
    std::vector<std::uint8_t> buf(16);
    EXPECT_FALSE(base64_decode("Z", buf));        // 1 char left over
    EXPECT_FALSE(base64_decode("Zg=", buf));      // incomplete padding
    EXPECT_FALSE(base64_decode("Zg===", buf));    // too much padding
    EXPECT_FALSE(base64_decode("Z=g=", buf));     // padding inside
    EXPECT_FALSE(base64_decode("Zm9v Yg", buf));  // white space
}

TEST(Opaque, OneOpaqueValue) {
    std::vector<std::uint8_t> fw = {0xDE, 0xAD, 0xBE, 0xEF, 0x00};
    auto d = decode(content_format::opaque, "/5/0/0", fw, &models);
    ASSERT_TRUE(d.status);
    EXPECT_EQ(d.records,
              (std::vector<owned_record>{O("/5/0/0", std::string("\xDE\xAD\xBE\xEF\x00", 5))}));
    auto out = encode(content_format::opaque, "/5/0/0", d.records, &models);
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, fw);
    // Empty payload: empty opaque value (a firmware reset writes it).
    d = decode(content_format::opaque, "/5/0/0", {}, &models);
    ASSERT_TRUE(d.status);
    EXPECT_TRUE(d.records[0].value.view().opaque().empty());
    // Non-opaque resources and shallow paths are 4.15.
    EXPECT_EQ(decode(content_format::opaque, "/3/0/0", fw, &models).status.error().code,
              errc::unsupported);
    EXPECT_EQ(decode(content_format::opaque, "/5/0", fw, &models).status.error().code,
              errc::unsupported);
    EXPECT_EQ(encode(content_format::opaque, "/3/0/9", {I("/3/0/9", 1)}, &models).error().code,
              errc::unsupported);
    // Unknown resource without a model: opaque by definition.
    d = decode(content_format::opaque, "/30000/0/1", fw, nullptr);
    ASSERT_TRUE(d.status);
    EXPECT_EQ(d.records[0].value.type(), data_type::opaque);
}
