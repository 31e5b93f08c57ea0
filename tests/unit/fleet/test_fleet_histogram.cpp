#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "sirocco/runtime/fleet_histogram.hpp"

using sirocco::runtime::fleet_histogram;

TEST(fleet_histogram, empty) {
    fleet_histogram h;
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.percentile(50), 0u);
    EXPECT_EQ(h.max(), 0u);
    EXPECT_EQ(h.min(), 0u);
    EXPECT_EQ(h.mean(), 0.0);
}

TEST(fleet_histogram, small_values_are_exact) {
    fleet_histogram h;
    for (std::uint64_t v = 1; v <= 10; ++v)
        h.record(v);
    EXPECT_EQ(h.count(), 10u);
    EXPECT_EQ(h.percentile(50), 5u);
    EXPECT_EQ(h.percentile(90), 9u);
    EXPECT_EQ(h.percentile(100), 10u);
    EXPECT_EQ(h.min(), 1u);
    EXPECT_DOUBLE_EQ(h.mean(), 5.5);
}

TEST(fleet_histogram, buckets_cover_every_value_in_order) {
    std::uint64_t prev_high = 0;
    for (std::size_t i = 0; i < fleet_histogram::bucket_count; ++i) {
        const std::uint64_t hi = fleet_histogram::highest_in(i);
        if (i > 0) {
            EXPECT_EQ(fleet_histogram::index_of(prev_high + 1), i) << i;
        }
        EXPECT_EQ(fleet_histogram::index_of(hi), i) << i;
        if (i > 0) {
            EXPECT_GT(hi, prev_high) << i;
        }
        prev_high = hi;
    }
    EXPECT_EQ(prev_high, ~std::uint64_t{0});
    EXPECT_EQ(fleet_histogram::index_of(~std::uint64_t{0}), fleet_histogram::bucket_count - 1);
}

// Percentiles of 100,000 log-normal samples within 1/32 of the exact ones.
TEST(fleet_histogram, percentiles_within_the_bucket_precision) {
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> dist(9.0, 1.5);
    std::vector<std::uint64_t> v;
    fleet_histogram h;
    for (int i = 0; i < 100000; ++i) {
        auto x = static_cast<std::uint64_t>(dist(rng));
        v.push_back(x);
        h.record(x);
    }
    std::sort(v.begin(), v.end());
    for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9}) {
        const std::size_t rank =
            static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
        const double exact = static_cast<double>(v[rank - 1]);
        const double got = static_cast<double>(h.percentile(p));
        EXPECT_GE(got, exact) << p;
        EXPECT_LE(got, exact * (1.0 + 1.0 / 32.0) + 1.0) << p;
    }
    EXPECT_EQ(h.max(), v.back());
    EXPECT_EQ(h.percentile(100), v.back());
}

TEST(fleet_histogram, merge_adds_counts) {
    fleet_histogram a, b;
    a.record(100, 3);
    b.record(1000);
    b.record(5);
    a.merge(b);
    EXPECT_EQ(a.count(), 5u);
    EXPECT_EQ(a.max(), 1000u);
    EXPECT_EQ(a.min(), 5u);
    EXPECT_EQ(a.percentile(50), a.percentile(60));
    a.reset();
    EXPECT_EQ(a.count(), 0u);
}
