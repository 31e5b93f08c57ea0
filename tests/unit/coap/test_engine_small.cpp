// coap::engine in a small build (small.cmake: SIROCCO_COAP_STREAM=0,
// SIROCCO_COAP_MAX_OPTIONS=10, one peer, two exchanges, 320-byte PDUs):
// stream framing is refused, a request / response round trip works, a
// message with more options than the build holds is rejected.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/engine.hpp"
#include "sirocco/coap/options.hpp"

namespace sirocco::coap {
namespace {

std::uint32_t lcg(void* ctx) noexcept {
    auto* s = static_cast<std::uint32_t*>(ctx);
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

static_assert(!limits::stream);
static_assert(limits::stream_rx_bytes == 0);
static_assert(max_options == 10);

TEST(CoapEngineSmall, NoStreamFramingAndASmallFootprint) {
    std::uint32_t seed = 1;
    config c;
    c.rng = &lcg;
    c.rng_ctx = &seed;
    engine e(c);
    EXPECT_EQ(e.open_peer(peer_id(1), framing::stream, 0).error().code, errc::unsupported);
    EXPECT_TRUE(e.open_peer(peer_id(1), framing::datagram, 0).has_value());
    // Two exchanges, a dedup entry and the peer hold the 320-byte buffers.
    EXPECT_LT(sizeof(engine), 3000u);
    RecordProperty("sizeof_engine", static_cast<int>(sizeof(engine)));
}

TEST(CoapEngineSmall, RequestAndResponseRoundTrip) {
    std::uint32_t s1 = 1, s2 = 2;
    config c1, c2;
    c1.rng = &lcg;
    c1.rng_ctx = &s1;
    c2.rng = &lcg;
    c2.rng_ctx = &s2;
    engine client(c1), server(c2);
    ASSERT_TRUE(client.open_peer(peer_id(1), framing::datagram, 0).has_value());
    ASSERT_TRUE(server.open_peer(peer_id(2), framing::datagram, 0).has_value());
    message m;
    m.code = codes::get;
    std::array<std::uint8_t, 32> st{};
    message_builder b(m, st);
    ASSERT_TRUE(b.add_uri_path("3/0/0").has_value());
    auto x = client.send_request(peer_id(1), m, {}, 0);
    ASSERT_TRUE(x.has_value());
    std::vector<std::uint8_t> buf(limits::max_pdu);
    auto t = client.poll_transmit(buf);
    ASSERT_TRUE(t.has_value());
    ASSERT_TRUE(server.on_receive(peer_id(2), {buf.data(), t->size}, 1).has_value());
    auto ev = server.poll_event();
    ASSERT_TRUE(ev.has_value());
    ASSERT_EQ(ev->kind, event_kind::request);
    message r;
    r.code = codes::content;
    const std::string v = "ACME";
    ASSERT_TRUE(server.respond(ev->request, r, as_bytes(v), 1).has_value());
    auto t2 = server.poll_transmit(buf);
    ASSERT_TRUE(t2.has_value());
    ASSERT_TRUE(client.on_receive(peer_id(1), {buf.data(), t2->size}, 2).has_value());
    auto resp = client.poll_event();
    ASSERT_TRUE(resp.has_value());
    EXPECT_EQ(resp->kind, event_kind::response);
    EXPECT_EQ(std::string(as_chars(resp->body)), "ACME");
}

TEST(CoapEngineSmall, MoreOptionsThanTheBuildHoldsAreRejected) {
    message m;
    m.code = codes::get;
    std::array<std::uint8_t, 64> st{};
    message_builder b(m, st);
    ASSERT_TRUE(b.add_uri_path("a/b/c/d/e/f/g/h/i/j").has_value());
    EXPECT_FALSE(b.add_uri_path("k").has_value());
}

}  // namespace
}  // namespace sirocco::coap
