#include "sirocco/runtime/server_uri.hpp"

#include <gtest/gtest.h>

namespace sirocco::runtime {
namespace {

TEST(server_uri, host_and_port) {
    auto t = parse_udp_target("coap://127.0.0.1:5690");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->host, "127.0.0.1");
    EXPECT_EQ(t->port, 5690);
}

TEST(server_uri, default_port_and_names) {
    auto t = parse_udp_target("coap://lwm2m.example.org");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->host, "lwm2m.example.org");
    EXPECT_EQ(t->port, 5683);
    auto p = parse_udp_target("coap://localhost:1/");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->host, "localhost");
    EXPECT_EQ(p->port, 1);
}

TEST(server_uri, ipv6_literal) {
    auto t = parse_udp_target("coap://[::1]:5683");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->host, "::1");
    EXPECT_EQ(t->port, 5683);
}

TEST(server_uri, percent_encoded_host) {
    auto t = parse_udp_target("coap://my%2Dhost:7");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->host, "my-host");
}

TEST(server_uri, refuses_other_schemes) {
    for (const char* u :
         {"coaps://127.0.0.1", "coap+tcp://127.0.0.1", "coaps+tcp://h", "http://h"}) {
        auto t = parse_udp_target(u);
        ASSERT_FALSE(t) << u;
        EXPECT_EQ(t.error().code, errc::unsupported) << u;
    }
}

TEST(server_uri, refuses_malformed) {
    for (const char* u : {"", "coap:", "coap://", "coap://h:0", "coap://h:70000", "coap://[::1",
                          "coap://h#f", "coap://h%zz"}) {
        auto t = parse_udp_target(u);
        EXPECT_FALSE(t) << u;
    }
}

}  // namespace
}  // namespace sirocco::runtime
