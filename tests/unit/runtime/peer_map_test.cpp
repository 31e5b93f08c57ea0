#include "sirocco/runtime/peer_map.hpp"

#include <gtest/gtest.h>

namespace sirocco::runtime {
namespace {

udp_address addr(const char* ip, unsigned short port) {
    return {asio::ip::make_address(ip), port};
}

TEST(peer_map, assigns_stable_ids_both_ways) {
    peer_map m(7);
    auto a = m.add(addr("127.0.0.1", 5683));
    auto b = m.add(addr("127.0.0.1", 5684));
    auto c = m.add(addr("::1", 5683));
    EXPECT_EQ(a.value(), 7u);
    EXPECT_EQ(b.value(), 8u);
    EXPECT_EQ(c.value(), 9u);
    EXPECT_EQ(m.add(addr("127.0.0.1", 5683)), a);  // same address, same id
    EXPECT_EQ(m.size(), 3u);
    EXPECT_EQ(m.find(addr("127.0.0.1", 5684)), b);
    EXPECT_EQ(*m.address(c), addr("::1", 5683));
    EXPECT_FALSE(m.find(addr("127.0.0.2", 5683)));
    EXPECT_FALSE(m.address(coap::peer_id(100)));
}

TEST(peer_map, v4_mapped_v6_is_the_same_peer) {
    peer_map m;
    auto a = m.add(addr("192.0.2.1", 1000));
    EXPECT_EQ(m.find(addr("::ffff:192.0.2.1", 1000)), a);
    EXPECT_EQ(m.add(addr("::ffff:192.0.2.1", 1000)), a);
    EXPECT_EQ(m.size(), 1u);
    EXPECT_EQ(*m.address(a), addr("192.0.2.1", 1000));
}

TEST(peer_map, removed_ids_are_not_reused) {
    peer_map m;
    auto a = m.add(addr("127.0.0.1", 1));
    EXPECT_TRUE(m.remove(a));
    EXPECT_FALSE(m.remove(a));
    EXPECT_FALSE(m.find(addr("127.0.0.1", 1)));
    EXPECT_FALSE(m.address(a));
    auto b = m.add(addr("127.0.0.1", 1));
    EXPECT_NE(a, b);
    EXPECT_EQ(m.size(), 1u);
}

TEST(peer_map, many_peers) {
    peer_map m;
    for (unsigned short p = 1; p <= 2000; ++p)
        m.add(addr("10.0.0.1", p));
    EXPECT_EQ(m.size(), 2000u);
    for (unsigned short p = 1; p <= 2000; ++p) {
        auto id = m.find(addr("10.0.0.1", p));
        ASSERT_TRUE(id);
        EXPECT_EQ(m.address(*id)->port(), p);
    }
}

}  // namespace
}  // namespace sirocco::runtime
