// Runs against whichever float_text implementation the test links: the std
// one (test_lwm2m) or the compact device one (test_float_small).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>

#include "float_text.hpp"

using namespace sirocco::lwm2m::detail;

TEST(FloatText, KnownForms) {
    char b[40];
    auto f = [&](double d) { return std::string(b, format_double(d, b)); };
    EXPECT_EQ(f(23.5), "23.5");
    EXPECT_EQ(f(-1.0), "-1.0");
    EXPECT_EQ(f(0.0), "0.0");
    EXPECT_EQ(f(100.0), "100.0");
    EXPECT_EQ(f(0.25), "0.25");
}

TEST(FloatText, RoundTripsRandomDoubles) {
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> mant(-1000.0, 1000.0);
    std::uniform_int_distribution<int> ex(-30, 30);
    char b[40];
    for (int i = 0; i < 20000; ++i) {
        double d = mant(rng) * std::pow(10.0, ex(rng));
        std::size_t n = format_double(d, b);
        auto back = parse_float(std::string_view(b, n));
        ASSERT_TRUE(back) << std::string(b, n);
        // The compact device parser is allowed one ulp.
        EXPECT_LE(std::fabs(*back - d), std::fabs(d) * 4e-16) << std::string(b, n);
    }
}

TEST(FloatText, ParseErrors) {
    EXPECT_FALSE(parse_float(""));
    EXPECT_FALSE(parse_float("abc"));
    EXPECT_FALSE(parse_float("1e"));
    EXPECT_FALSE(parse_float("1.2.3"));
    EXPECT_EQ(*parse_float("1E3"), 1000.0);
    EXPECT_EQ(*parse_float("-0.5"), -0.5);
}
