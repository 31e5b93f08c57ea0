// The in-memory registration store.
#include <gtest/gtest.h>

#include "sirocco/server/registration_store.hpp"

namespace srv = sirocco::server;

namespace {
srv::registration make(const std::string& ep, const std::string& id, std::uint32_t peer,
                       srv::time_ms at, std::uint32_t lt = 60) {
    srv::registration r;
    r.endpoint = ep;
    r.id = id;
    r.peer = srv::peer_id{peer};
    r.registered_at = at;
    r.updated_at = at;
    r.lifetime_s = lt;
    return r;
}
}  // namespace

TEST(memory_store, add_find_list_remove) {
    srv::memory_registration_store s;
    auto a = s.add(make("b-dev", "01", 1, 0));
    ASSERT_TRUE(a.has_value());
    EXPECT_FALSE(a->has_value());
    ASSERT_TRUE(s.add(make("a-dev", "02", 2, 0)).has_value());
    EXPECT_EQ(s.size(), 2u);
    EXPECT_EQ(s.find_by_endpoint("b-dev")->id, "01");
    EXPECT_EQ(s.find_by_id("02")->endpoint, "a-dev");
    EXPECT_FALSE(s.find_by_id("03").has_value());
    ASSERT_EQ(s.find_by_peer(srv::peer_id{2}).size(), 1u);
    auto l = s.list();
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l[0].endpoint, "a-dev");
    auto r = s.remove("01");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->endpoint, "b-dev");
    EXPECT_EQ(s.remove("01").error().code, sirocco::errc::not_found);
    EXPECT_FALSE(s.find_by_endpoint("b-dev").has_value());
}

TEST(memory_store, same_endpoint_replaces_and_returns_the_old_one) {
    srv::memory_registration_store s;
    ASSERT_TRUE(s.add(make("dev", "01", 1, 0)).has_value());
    auto old = s.add(make("dev", "02", 1, 5));
    ASSERT_TRUE(old.has_value());
    ASSERT_TRUE(old->has_value());
    EXPECT_EQ((*old)->id, "01");
    EXPECT_FALSE(s.find_by_id("01").has_value());
    EXPECT_EQ(s.find_by_id("02")->endpoint, "dev");
    EXPECT_EQ(s.size(), 1u);
}

TEST(memory_store, rejects_bad_adds_and_updates) {
    srv::memory_registration_store s;
    EXPECT_FALSE(s.add(make("", "01", 1, 0)).has_value());
    EXPECT_FALSE(s.add(make("dev", "", 1, 0)).has_value());
    ASSERT_TRUE(s.add(make("dev", "01", 1, 0)).has_value());
    EXPECT_EQ(s.add(make("other", "01", 1, 0)).error().code, sirocco::errc::invalid_argument);
    EXPECT_EQ(s.update(make("dev", "09", 1, 0)).error().code, sirocco::errc::not_found);
    EXPECT_EQ(s.update(make("other", "01", 1, 0)).error().code, sirocco::errc::invalid_argument);
    auto u = make("dev", "01", 7, 10, 120);
    ASSERT_TRUE(s.update(u).has_value());
    EXPECT_EQ(*s.find_by_id("01"), u);
}

TEST(memory_store, expiry_scan) {
    srv::memory_registration_store s;
    EXPECT_FALSE(s.next_expiry().has_value());
    ASSERT_TRUE(s.add(make("a", "01", 1, 0, 60)).has_value());
    ASSERT_TRUE(s.add(make("b", "02", 2, 1000, 30)).has_value());
    EXPECT_EQ(s.next_expiry(), 31000u);
    EXPECT_TRUE(s.take_expired(30999).empty());
    auto e = s.take_expired(31000);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].endpoint, "b");
    EXPECT_EQ(s.next_expiry(), 60000u);
    EXPECT_EQ(s.take_expired(100000).size(), 1u);
    EXPECT_EQ(s.size(), 0u);
}
