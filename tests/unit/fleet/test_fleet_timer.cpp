#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "sirocco/runtime/fleet_timer.hpp"

using sirocco::runtime::fleet_timer;

TEST(fleet_timer, pops_in_deadline_order_and_only_when_due) {
    fleet_timer t;
    t.arm(3, 300);
    t.arm(1, 100);
    t.arm(2, 200);
    EXPECT_EQ(t.size(), 3u);
    ASSERT_TRUE(t.top());
    EXPECT_EQ(t.top()->id, 1u);
    EXPECT_FALSE(t.pop_due(99));
    auto a = t.pop_due(250);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->id, 1u);
    EXPECT_EQ(a->deadline, 100u);
    auto b = t.pop_due(250);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->id, 2u);
    EXPECT_FALSE(t.pop_due(250));
    EXPECT_EQ(t.size(), 1u);
}

TEST(fleet_timer, arm_replaces_and_disarm_removes) {
    fleet_timer t;
    t.arm(7, 500);
    t.arm(8, 400);
    t.arm(7, 100);  // earlier
    EXPECT_EQ(t.top()->id, 7u);
    t.arm(7, 900);  // later
    EXPECT_EQ(t.top()->id, 8u);
    EXPECT_EQ(*t.deadline(7), 900u);
    EXPECT_EQ(t.size(), 2u);
    t.disarm(8);
    t.disarm(8);   // twice: no-op
    t.disarm(42);  // never armed: no-op
    EXPECT_FALSE(t.deadline(8));
    EXPECT_EQ(t.size(), 1u);
    t.set(7, std::nullopt);
    EXPECT_TRUE(t.empty());
    EXPECT_FALSE(t.top());
}

TEST(fleet_timer, equal_deadlines_pop_by_id) {
    fleet_timer t;
    for (std::uint32_t id : {5u, 2u, 9u, 1u})
        t.arm(id, 10);
    std::vector<std::uint32_t> got;
    while (auto e = t.pop_due(10))
        got.push_back(e->id);
    EXPECT_EQ(got, (std::vector<std::uint32_t>{1, 2, 5, 9}));
}

// Random arm / re-arm / disarm / pop against a reference map.
TEST(fleet_timer, matches_a_reference_under_random_operations) {
    std::mt19937 rng(12345);
    fleet_timer t;
    t.reserve(1000);
    std::map<std::uint32_t, std::uint64_t> ref;
    std::uint64_t now = 0;
    for (int step = 0; step < 200000; ++step) {
        const auto id = static_cast<std::uint32_t>(rng() % 1000);
        switch (rng() % 4) {
            case 0:
            case 1: {
                const std::uint64_t d = now + rng() % 5000;
                t.arm(id, d);
                ref[id] = d;
                break;
            }
            case 2:
                t.disarm(id);
                ref.erase(id);
                break;
            case 3: {
                now += rng() % 50;
                while (auto e = t.pop_due(now)) {
                    auto it = ref.find(e->id);
                    ASSERT_NE(it, ref.end());
                    ASSERT_EQ(it->second, e->deadline);
                    ASSERT_LE(e->deadline, now);
                    // Nothing left in the reference is earlier.
                    for (const auto& [k, v] : ref)
                        ASSERT_TRUE(v > e->deadline || (v == e->deadline && k >= e->id));
                    ref.erase(it);
                }
                break;
            }
        }
        ASSERT_EQ(t.size(), ref.size());
    }
}
