#include "sirocco/base/result.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace sirocco;

namespace {
result<int> half(int x) {
    if (x % 2) return unexpected(errc::invalid_argument, "odd");
    return x / 2;
}
result<int> quarter(int x) {
    auto h = half(x);
    SIROCCO_TRY(h);
    return half(*h);
}
}  // namespace

TEST(Result, ValueAndError) {
    auto a = half(4);
    ASSERT_TRUE(a);
    EXPECT_EQ(*a, 2);
    auto b = half(3);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().code, errc::invalid_argument);
    EXPECT_STREQ(b.error().reason, "odd");
    EXPECT_EQ(b.value_or(7), 7);
}

TEST(Result, TryPropagates) {
    EXPECT_EQ(*quarter(8), 2);
    EXPECT_FALSE(quarter(6));
    EXPECT_EQ(quarter(6).error().code, errc::invalid_argument);
}

TEST(Result, NonTrivialType) {
    result<std::string> s = std::string(100, 'x');
    result<std::string> t = s;
    EXPECT_EQ(t->size(), 100u);
    result<std::string> e = unexpected(errc::not_found, "nope");
    t = e;
    EXPECT_FALSE(t);
    t = std::move(s);
    EXPECT_EQ(t->size(), 100u);
}

TEST(Result, Void) {
    result<void> ok;
    EXPECT_TRUE(ok);
    result<void> bad = unexpected(errc::malformed, "bad");
    EXPECT_FALSE(bad);
    EXPECT_EQ(to_string(bad.error().code), "malformed");
}
