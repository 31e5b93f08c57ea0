// The in-memory registration store.
#include <gtest/gtest.h>

#include <algorithm>

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

TEST(memory_store, identical_profiles_are_kept_once) {
    srv::memory_registration_store s;
    auto objects = srv::parse_object_list("</>;ct=112,</1/0>,</3/0>,</3303>;ver=1.1,</3303/0>");
    ASSERT_TRUE(objects.has_value());
    for (int i = 0; i < 100; ++i) {
        auto r = make("dev" + std::to_string(i), "id" + std::to_string(i), 1, 0);
        r.lwm2m_version = "1.1";
        r.objects = *objects;
        ASSERT_TRUE(s.add(r).has_value());
    }
    EXPECT_EQ(s.profile_count(), 1u);
    EXPECT_EQ(s.find_by_endpoint("dev42")->objects, *objects);
    EXPECT_EQ(s.find_by_endpoint("dev42")->lwm2m_version, "1.1");
    // One device changes its object list: a second profile, the first stays.
    auto r = *s.find_by_id("id7");
    r.objects.objects.pop_back();
    ASSERT_TRUE(s.update(r).has_value());
    EXPECT_EQ(s.profile_count(), 2u);
    EXPECT_EQ(*s.find_by_id("id7"), r);
    EXPECT_EQ(s.find_by_id("id8")->objects, *objects);
    // Profiles go with their last registration.
    ASSERT_TRUE(s.remove("id7").has_value());
    EXPECT_EQ(s.profile_count(), 1u);
    for (int i = 0; i < 100; ++i) {
        if (i != 7) {
            ASSERT_TRUE(s.remove("id" + std::to_string(i)).has_value());
        }
    }
    EXPECT_EQ(s.profile_count(), 0u);
    EXPECT_EQ(s.size(), 0u);
    EXPECT_FALSE(s.next_expiry().has_value());
}

TEST(memory_store, peer_index_follows_updates_and_replacements) {
    srv::memory_registration_store s;
    ASSERT_TRUE(s.add(make("a", "01", 5, 0)).has_value());
    ASSERT_TRUE(s.add(make("b", "02", 5, 0)).has_value());
    auto both = s.find_by_peer(srv::peer_id{5});
    ASSERT_EQ(both.size(), 2u);
    EXPECT_EQ(both[0].endpoint, "a");
    auto a = *s.find_by_id("01");
    a.peer = srv::peer_id{6};
    ASSERT_TRUE(s.update(a).has_value());
    EXPECT_EQ(s.find_by_peer(srv::peer_id{5}).size(), 1u);
    EXPECT_EQ(s.find_by_peer(srv::peer_id{6}).size(), 1u);
    ASSERT_TRUE(s.add(make("b", "03", 7, 0)).has_value());  // replaces b on another peer
    EXPECT_TRUE(s.find_by_peer(srv::peer_id{5}).empty());
    EXPECT_EQ(s.find_by_peer(srv::peer_id{7})[0].id, "03");
    EXPECT_FALSE(s.find_by_id("02").has_value());
}

TEST(memory_store, expiry_order_survives_many_updates_and_reused_slots) {
    srv::memory_registration_store s;
    // 500 registrations, each updated 10 times (stale heap items pile up and
    // are compacted), half removed and their slots reused.
    for (int i = 0; i < 500; ++i)
        ASSERT_TRUE(s.add(make("e" + std::to_string(i), std::to_string(i), 1,
                               static_cast<srv::time_ms>(i), 60))
                        .has_value());
    for (int round = 1; round <= 10; ++round)
        for (int i = 0; i < 500; ++i) {
            auto r = *s.find_by_id(std::to_string(i));
            r.updated_at = static_cast<srv::time_ms>(round * 1000 + i);
            ASSERT_TRUE(s.update(r).has_value());
        }
    for (int i = 0; i < 500; i += 2)
        ASSERT_TRUE(s.remove(std::to_string(i)).has_value());
    for (int i = 0; i < 250; ++i)
        ASSERT_TRUE(s.add(make("n" + std::to_string(i), "n" + std::to_string(i), 1,
                               static_cast<srv::time_ms>(20'000 + i), 60))
                        .has_value());
    EXPECT_EQ(s.size(), 500u);
    // Odd old ones expire at 10,000 + i + 60,000; the new ones later.
    EXPECT_EQ(s.next_expiry(), 10'001u + 60'000u);
    auto first = s.take_expired(10'499 + 60'000);
    EXPECT_EQ(first.size(), 250u);
    for (const auto& r : first)
        EXPECT_EQ(r.endpoint[0], 'e');
    EXPECT_TRUE(std::is_sorted(first.begin(), first.end(),
                               [](const srv::registration& a, const srv::registration& b) {
                                   return a.endpoint < b.endpoint;
                               }));
    EXPECT_EQ(s.next_expiry(), 20'000u + 60'000u);
    EXPECT_EQ(s.take_expired(1'000'000).size(), 250u);
    EXPECT_EQ(s.size(), 0u);
    EXPECT_FALSE(s.next_expiry().has_value());
}
