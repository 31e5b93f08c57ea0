#include "sirocco/lwm2m/value.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

using namespace sirocco;
using namespace sirocco::lwm2m;

namespace {
std::string text(const value& v) {
    char buf[64];
    auto n = format_text(v, buf);
    if (!n) return std::string("<error ") + n.error().reason + ">";
    return std::string(buf, *n);
}
}  // namespace

TEST(Value, EveryType) {
    EXPECT_EQ(value().type(), data_type::none);
    EXPECT_EQ(value::of_string("abc").string(), "abc");
    EXPECT_EQ(value::of_integer(-5).integer(), -5);
    EXPECT_EQ(value::of_unsigned(~0ull).unsigned_integer(), ~0ull);
    EXPECT_EQ(value::of_float(1.5).float_value(), 1.5);
    EXPECT_TRUE(value::of_boolean(true).boolean());
    const std::uint8_t raw[] = {1, 2, 3};
    EXPECT_EQ(value::of_opaque(raw).opaque().size(), 3u);
    EXPECT_EQ(value::of_time(1700000000).time(), 1700000000);
    EXPECT_EQ(value::of_objlnk({3, 0}).link(), (objlnk{3, 0}));
    EXPECT_EQ(value::of_corelnk("</3/0>").string(), "</3/0>");
}

TEST(Value, CheckedConversions) {
    EXPECT_EQ(*value::of_unsigned(5).as_integer(), 5);
    EXPECT_EQ(value::of_unsigned(~0ull).as_integer().error().code, errc::out_of_range);
    EXPECT_EQ(value::of_integer(-1).as_unsigned().error().code, errc::out_of_range);
    EXPECT_EQ(*value::of_float(42.0).as_integer(), 42);
    EXPECT_EQ(value::of_float(2.5).as_integer().error().code, errc::out_of_range);
    EXPECT_EQ(value::of_float(1e30).as_integer().error().code, errc::out_of_range);
    EXPECT_EQ(value::of_float(std::nan("")).as_unsigned().error().code, errc::out_of_range);
    EXPECT_EQ(value::of_string("1").as_integer().error().code, errc::type_mismatch);
    EXPECT_EQ(*value::of_integer(1).as_boolean(), true);
    EXPECT_EQ(value::of_integer(2).as_boolean().error().code, errc::out_of_range);
    EXPECT_EQ(*value::of_integer(7).as_float(), 7.0);
}

TEST(Value, Convert) {
    EXPECT_EQ(*value::of_integer(7).convert(data_type::unsigned_integer), value::of_unsigned(7));
    EXPECT_EQ(*value::of_integer(7).convert(data_type::time), value::of_time(7));
    EXPECT_EQ(*value::of_unsigned(1).convert(data_type::boolean), value::of_boolean(true));
    EXPECT_EQ(value::of_string("x").convert(data_type::integer).error().code, errc::type_mismatch);
    EXPECT_EQ(value::of_boolean(true).convert(data_type::objlnk).error().code, errc::type_mismatch);
    EXPECT_EQ(value::of_string("<a>").convert(data_type::corelnk)->type(), data_type::corelnk);
}

TEST(Value, ParseText) {
    EXPECT_EQ(*parse_text("-42", data_type::integer), value::of_integer(-42));
    EXPECT_EQ(*parse_text("+42", data_type::integer), value::of_integer(42));
    EXPECT_EQ(parse_text("9223372036854775808", data_type::integer).error().code,
              errc::out_of_range);
    EXPECT_EQ(parse_text("4x", data_type::integer).error().code, errc::malformed);
    EXPECT_EQ(parse_text("", data_type::integer).error().code, errc::malformed);
    EXPECT_EQ(*parse_text("18446744073709551615", data_type::unsigned_integer),
              value::of_unsigned(~0ull));
    EXPECT_EQ(parse_text("-1", data_type::unsigned_integer).error().code, errc::out_of_range);
    EXPECT_EQ(*parse_text("23.5", data_type::float_), value::of_float(23.5));
    EXPECT_EQ(*parse_text("-2e3", data_type::float_), value::of_float(-2000.0));
    EXPECT_EQ(parse_text("nan", data_type::float_).error().code, errc::malformed);
    EXPECT_EQ(parse_text("1e999", data_type::float_).error().code, errc::out_of_range);
    EXPECT_EQ(*parse_text("1", data_type::boolean), value::of_boolean(true));
    EXPECT_EQ(parse_text("true", data_type::boolean).error().code, errc::malformed);
    EXPECT_EQ(*parse_text("3:0", data_type::objlnk), value::of_objlnk({3, 0}));
    EXPECT_EQ(parse_text("3:70000", data_type::objlnk).error().code, errc::malformed);
    EXPECT_EQ(*parse_text("1700000000", data_type::time), value::of_time(1700000000));
    EXPECT_EQ(parse_text("AAA=", data_type::opaque).error().code, errc::type_mismatch);
}

TEST(Value, FormatText) {
    EXPECT_EQ(text(value::of_integer(-42)), "-42");
    EXPECT_EQ(text(value::of_unsigned(~0ull)), "18446744073709551615");
    EXPECT_EQ(text(value::of_float(23.5)), "23.5");
    EXPECT_EQ(text(value::of_float(23.0)), "23.0");
    EXPECT_EQ(text(value::of_float(0.1)), "0.1");
    EXPECT_EQ(text(value::of_boolean(false)), "0");
    EXPECT_EQ(text(value::of_objlnk({3, 1})), "3:1");
    EXPECT_EQ(text(value::of_string("hi")), "hi");
    char tiny[1];
    EXPECT_EQ(format_text(value::of_integer(100), tiny).error().code, errc::buffer_too_small);
}

TEST(Value, DataTypeNames) {
    EXPECT_EQ(*parse_data_type("Unsigned Integer"), data_type::unsigned_integer);
    EXPECT_EQ(*parse_data_type("UNSIGNED_INTEGER"), data_type::unsigned_integer);
    EXPECT_EQ(*parse_data_type("Objlnk"), data_type::objlnk);
    EXPECT_EQ(*parse_data_type(""), data_type::none);
    EXPECT_FALSE(parse_data_type("Decimal"));
    for (auto t : {data_type::none, data_type::string, data_type::integer,
                   data_type::unsigned_integer, data_type::float_, data_type::boolean,
                   data_type::opaque, data_type::time, data_type::objlnk, data_type::corelnk})
        EXPECT_EQ(*parse_data_type(to_string(t)), t);
}
