#include "sirocco/base/hex.hpp"

#include <gtest/gtest.h>

#include <array>

using namespace sirocco;

TEST(Hex, ParsesAnnotated) {
    std::array<std::uint8_t, 8> out{};
    auto n = parse_hex("40 01 # ver/type, code\n 12:34\n", out);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 4u);
    EXPECT_EQ(out[0], 0x40);
    EXPECT_EQ(out[3], 0x34);
}

TEST(Hex, Errors) {
    std::array<std::uint8_t, 1> out{};
    EXPECT_EQ(parse_hex("4", out).error().code, errc::malformed);
    EXPECT_EQ(parse_hex("zz", out).error().code, errc::malformed);
    EXPECT_EQ(parse_hex("0102", out).error().code, errc::buffer_too_small);
    EXPECT_EQ(parse_hex("4 0", out).error().code, errc::malformed);
}

TEST(Hex, Formats) {
    const std::uint8_t d[] = {0xde, 0xad};
    std::array<char, 4> out{};
    ASSERT_TRUE(format_hex(d, out));
    EXPECT_EQ(std::string_view(out.data(), 4), "dead");
}
