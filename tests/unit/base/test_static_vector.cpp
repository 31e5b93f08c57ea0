#include "sirocco/base/static_vector.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace sirocco;

TEST(StaticVector, CapacityIsALimit) {
    static_vector<int, 3> v;
    EXPECT_TRUE(v.push_back(1));
    EXPECT_TRUE(v.push_back(2));
    EXPECT_TRUE(v.push_back(3));
    EXPECT_FALSE(v.push_back(4));
    EXPECT_EQ(v.size(), 3u);
    v.erase_at(0);
    EXPECT_EQ(v[0], 2);
    EXPECT_EQ(v[1], 3);
}

TEST(StaticVector, DestroysElements) {
    static_vector<std::string, 2> v;
    EXPECT_NE(v.emplace_back(50, 'a'), nullptr);
    auto w = v;
    EXPECT_EQ(w[0].size(), 50u);
    v.clear();
    EXPECT_TRUE(v.empty());
}
