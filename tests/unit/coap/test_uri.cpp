// CoAP URIs (RFC 7252 6, RFC 8323 8).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sirocco/coap/options.hpp"
#include "sirocco/coap/uri.hpp"

namespace {

using namespace sirocco;
using namespace sirocco::coap;

std::vector<std::string> collect(split_range r) {
    std::vector<std::string> v;
    for (auto s : r)
        v.emplace_back(s);
    return v;
}

TEST(coap_uri, schemes_and_default_ports) {
    auto u = parse_uri("coap://lwm2m.example.net");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "lwm2m.example.net");
    EXPECT_EQ(u->port, 5683);
    EXPECT_FALSE(u->secure);
    EXPECT_EQ(u->framing, framing::datagram);
    u = parse_uri("coaps://h:5700/x");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->port, 5700);
    EXPECT_TRUE(u->secure);
    u = parse_uri("coap+tcp://h");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->framing, framing::stream);
    EXPECT_EQ(u->port, 5683);
    u = parse_uri("coaps+tcp://h");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->port, 5684);
    EXPECT_TRUE(u->secure);
    EXPECT_EQ(parse_uri("http://h/").error().code, errc::unsupported);
}

TEST(coap_uri, path_query_and_ipv6) {
    auto u = parse_uri("coap://[2001:db8::1]:61616/fw/image%201.bin?size=12345&v=2");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "2001:db8::1");
    EXPECT_EQ(u->port, 61616);
    EXPECT_EQ(u->path, "/fw/image%201.bin");
    EXPECT_EQ(u->query, "size=12345&v=2");
    EXPECT_EQ(collect(path_segments(u->path)), (std::vector<std::string>{"fw", "image%201.bin"}));
    EXPECT_EQ(collect(query_parts(u->query)), (std::vector<std::string>{"size=12345", "v=2"}));
    EXPECT_TRUE(collect(path_segments("/")).empty());
    EXPECT_TRUE(collect(path_segments("")).empty());
    EXPECT_EQ(collect(path_segments("/a/")), (std::vector<std::string>{"a", ""}));
    u = parse_uri("coap://h?x");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->path, "");
    EXPECT_EQ(u->query, "x");
}

TEST(coap_uri, malformed) {
    for (const char* bad :
         {"coap:/h", "coap://", "coap://:5683/", "coap://h:0", "coap://h:70000", "coap://h:12a",
          "coap://h:", "coap://[::1", "coap://[::1]x", "coap://h/p#frag", "coap://user@h/"}) {
        auto r = parse_uri(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, errc::malformed) << bad;
    }
}

TEST(coap_uri, percent_decoding) {
    char buf[16];
    auto d = percent_decode("a%20b%2Fc", buf);
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, "a b/c");
    EXPECT_EQ(percent_decode("%2", buf).error().code, errc::malformed);
    EXPECT_EQ(percent_decode("%zz", buf).error().code, errc::malformed);
    EXPECT_EQ(percent_decode("%", buf).error().code, errc::malformed);
    char tiny[2];
    EXPECT_EQ(percent_decode("abc", tiny).error().code, errc::buffer_too_small);
}

TEST(coap_uri, to_options) {
    auto u = parse_uri("coap://fw.example:5699/fw/a%2Fb?size=10");
    ASSERT_TRUE(u);
    message m;
    m.code = codes::get;
    std::uint8_t storage[64];
    message_builder b(m, storage);
    ASSERT_TRUE(add_uri_options(*u, b));
    ASSERT_EQ(m.options.size(), 5u);
    EXPECT_EQ(m.options[0].number, opt::uri_host);
    EXPECT_EQ(m.options[0].as_string(), "fw.example");
    EXPECT_EQ(m.options[1].number, opt::uri_port);
    EXPECT_EQ(m.options[1].as_uint(), 5699u);
    EXPECT_EQ(m.options[2].as_string(), "fw");
    EXPECT_EQ(m.options[3].as_string(), "a/b");
    EXPECT_EQ(m.options[4].as_string(), "size=10");
    // IP literal, default port: no Uri-Host, no Uri-Port.
    u = parse_uri("coaps://192.0.2.1/x");
    ASSERT_TRUE(u);
    message m2;
    message_builder b2(m2, storage);
    ASSERT_TRUE(add_uri_options(*u, b2));
    ASSERT_EQ(m2.options.size(), 1u);
    EXPECT_EQ(m2.options[0].number, opt::uri_path);
}

}  // namespace
