// The JSON tokenizer (json.hpp): grammar, escapes, limits.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "json.hpp"

using namespace sirocco;
using namespace sirocco::codec::detail;

namespace {
// Reads the whole document; returns the error code or ok.
errc scan(std::string_view s) {
    json::reader r(as_bytes(s));
    for (int i = 0; i < 10000; ++i) {
        auto t = r.next();
        if (!t) return t.error().code;
        if (t->kind == json::token::end) return errc::ok;
    }
    return errc::timeout;
}
}  // namespace

TEST(JsonReader, AcceptsValidDocuments) {
    for (const char* s :
         {"[]", "{}", " [ 1 , -2.5e+3 , true , false , null , \"x\" ] ", "{\"a\":{\"b\":[[]]}}",
          "0", "\"\\u00e9\\ud83d\\ude00\\n\"", "[-0, 0.0, 1E5, 1e-5]", "{\"\":1}"}) {
        EXPECT_EQ(scan(s), errc::ok) << s;
    }
}

TEST(JsonReader, RejectsInvalidDocuments) {
    for (const char* s :
         {"",           "[",         "[1,]",      "[,1]",        "{\"a\"}",        "{\"a\":}",
          "{\"a\":1,}", "{a:1}",     "[1 2]",     "[01]",        "[1.]",           "[.5]",
          "[+1]",       "[1e]",      "[\"\\x\"]", "[\"\\u12\"]", "[\"a\nb\"]",     "[tru]",
          "[nul]",      "[] []",     "[}",        "{]",          "\"unterminated", "[\"\xC3\x28\"]",
          "[NaN]",      "[Infinity]"}) {
        EXPECT_EQ(scan(s), errc::malformed) << s;
    }
}

TEST(JsonReader, NestingIsLimited) {
    std::string deep(16, '[');
    deep += std::string(16, ']');
    EXPECT_EQ(scan(deep), errc::ok);
    std::string deeper(17, '[');
    deeper += std::string(17, ']');
    EXPECT_EQ(scan(deeper), errc::malformed);
    std::string huge(100000, '[');
    EXPECT_EQ(scan(huge), errc::malformed);
}

TEST(JsonReader, SkipsWholeValues) {
    json::reader r(as_bytes(std::string_view("{\"x\":{\"y\":[1,{\"z\":2}]},\"k\":3}")));
    ASSERT_EQ(r.next()->kind, json::token::begin_object);
    ASSERT_EQ(r.next()->kind, json::token::key);
    auto v = r.next();
    ASSERT_TRUE(r.skip(*v));
    auto k = r.next();
    ASSERT_EQ(k->kind, json::token::key);
    EXPECT_EQ(k->text, "k");
}

TEST(JsonReader, Unescape) {
    char buf[32];
    json::item it{json::token::string, "a\\\"b\\\\c\\/\\t\\u00e9\\ud83d\\ude00", true};
    auto s = json::unescape(it, buf);
    ASSERT_TRUE(s);
    EXPECT_EQ(*s, "a\"b\\c/\t\xC3\xA9\xF0\x9F\x98\x80");
    json::item lone{json::token::string, "\\ud83d", true};
    EXPECT_EQ(json::unescape(lone, buf).error().code, errc::malformed);
    json::item low{json::token::string, "\\ude00", true};
    EXPECT_EQ(json::unescape(low, buf).error().code, errc::malformed);
    char small[2];
    EXPECT_EQ(json::unescape(it, small).error().code, errc::capacity_exceeded);
}

TEST(JsonWriter, EscapesAndNumbers) {
    std::uint8_t buf[64];
    byte_writer w(buf);
    json::write_string(w, std::string_view("q\"\\\n\x01\xC3\xA9", 7));
    EXPECT_EQ(as_chars(w.written()), "\"q\\\"\\\\\\n\\u0001\xC3\xA9\"");
    byte_writer w2(buf);
    ASSERT_TRUE(json::write_number(w2, sirocco::lwm2m::value::of_float(22.5)));
    EXPECT_EQ(as_chars(w2.written()), "22.5");
    byte_writer w3(buf);
    EXPECT_FALSE(json::write_number(
        w3, sirocco::lwm2m::value::of_float(std::numeric_limits<double>::infinity())));
    auto n = json::number_value("18446744073709551615");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->type(), sirocco::lwm2m::data_type::unsigned_integer);
    n = json::number_value("-9223372036854775808");
    EXPECT_EQ(n->type(), sirocco::lwm2m::data_type::integer);
    n = json::number_value("1e400");
    EXPECT_FALSE(n);
    n = json::number_value("1.5");
    EXPECT_EQ(n->type(), sirocco::lwm2m::data_type::float_);
}
