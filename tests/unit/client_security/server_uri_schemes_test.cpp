// Server URIs of the four CoAP transports (RFC 7252 6, RFC 8323 8).
#include <gtest/gtest.h>

#include "sirocco/runtime/server_uri.hpp"

namespace sirocco::runtime {
namespace {

TEST(CoapTarget, SchemesAndDefaultPorts) {
    struct row {
        const char* uri;
        coap_transport t;
        std::uint16_t port;
        bool secure, stream;
    } rows[] = {
        {"coap://h", coap_transport::udp, 5683, false, false},
        {"coaps://h", coap_transport::dtls, 5684, true, false},
        {"coap+tcp://h", coap_transport::tcp, 5683, false, true},
        {"coaps+tcp://h", coap_transport::tls, 5684, true, true},
        {"COAPS://h", coap_transport::dtls, 5684, true, false},
        {"CoAPs+TCP://h:99", coap_transport::tls, 99, true, true},
    };
    for (const auto& r : rows) {
        auto t = parse_coap_target(r.uri);
        ASSERT_TRUE(t) << r.uri;
        EXPECT_EQ(t->transport, r.t) << r.uri;
        EXPECT_EQ(t->port, r.port) << r.uri;
        EXPECT_EQ(t->host, "h") << r.uri;
        EXPECT_EQ(t->secure(), r.secure) << r.uri;
        EXPECT_EQ(t->stream(), r.stream) << r.uri;
    }
    EXPECT_EQ(to_string(coap_transport::tls), "tls");
    EXPECT_EQ(to_string(coap_transport::dtls), "dtls");
}

TEST(CoapTarget, HostsAndRefusals) {
    auto v6 = parse_coap_target("coaps://[::1]:5999");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, 5999);
    auto enc = parse_coap_target("coap+tcp://my%2Dhost");
    ASSERT_TRUE(enc);
    EXPECT_EQ(enc->host, "my-host");
    EXPECT_EQ(parse_coap_target("mqtt://h").error().code, errc::unsupported);
    EXPECT_EQ(parse_coap_target("http://h").error().code, errc::unsupported);
    for (const char* u : {"", "coaps:", "coaps://", "coaps://h:0", "coaps+tcp://h:70000",
                          "coaps://[::1", "coaps://h#f", "coap+tcp://h%zz"}) {
        EXPECT_FALSE(parse_coap_target(u)) << u;
    }
    // coap:// only, as before, for parse_udp_target.
    EXPECT_EQ(parse_udp_target("coaps://h").error().code, errc::unsupported);
}

}  // namespace
}  // namespace sirocco::runtime
