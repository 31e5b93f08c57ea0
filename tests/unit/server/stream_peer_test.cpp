// A stream peer (coap+tcp / coaps+tcp, RFC 8323) keeps its CoAP state while
// the connection is open: the CSM exchange happens once per connection, so
// server_engine must not release and re-create its coap::engine when idle.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "sirocco/coap/options.hpp"
#include "sirocco/server/server_engine.hpp"

namespace srv = sirocco::server;
namespace coap = sirocco::coap;
using sirocco::as_bytes;
using sirocco::as_chars;

namespace {

std::uint32_t counter_rng(void* ctx) noexcept {
    auto* s = static_cast<std::uint32_t*>(ctx);
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

struct stream_pair {
    static constexpr coap::peer_id server_at_device{1};
    static constexpr coap::peer_id device_at_server{7};
    coap::time_ms now = 1000;
    std::uint32_t srng = 1, drng = 2;
    srv::memory_registration_store store;
    std::optional<srv::server_engine> server;
    std::optional<coap::engine> device;
    std::vector<srv::event> events;
    std::vector<coap::event_kind> device_events;
    std::optional<coap::code> last_response;

    stream_pair() {
        srv::server_config cfg;
        cfg.coap.rng = &counter_rng;
        cfg.coap.rng_ctx = &srng;
        server.emplace(cfg, store);
        coap::config dcfg;
        dcfg.rng = &counter_rng;
        dcfg.rng_ctx = &drng;
        device.emplace(dcfg);
        EXPECT_TRUE(device->open_peer(server_at_device, coap::framing::stream, now).has_value());
        EXPECT_TRUE(server
                        ->open_peer(device_at_server, coap::framing::stream,
                                    "coap+tcp://127.0.0.1:40000", now)
                        .has_value());
    }

    /// Moves bytes both ways until quiet; the device answers reads with "v".
    void pump() {
        std::vector<std::uint8_t> buf(coap::limits::max_pdu);
        for (int round = 0; round < 1000; ++round) {
            bool any = false;
            while (auto t = device->poll_transmit(buf)) {
                any = true;
                std::size_t off = 0;
                while (off < t->size) {
                    auto n = server->on_receive(device_at_server, {buf.data() + off, t->size - off},
                                                now);
                    ASSERT_TRUE(n.has_value());
                    off += *n;
                }
            }
            while (auto t = server->poll_transmit(buf)) {
                any = true;
                std::vector<std::uint8_t> in(buf.begin(), buf.begin() + t->size);
                std::size_t off = 0;
                while (off < in.size()) {
                    auto n = device->on_receive(server_at_device,
                                                {in.data() + off, in.size() - off}, now);
                    ASSERT_TRUE(n.has_value());
                    off += *n;
                    while (auto e = device->poll_event()) {
                        device_events.push_back(e->kind);
                        if (e->kind == coap::event_kind::response) last_response = e->msg.code;
                        if (e->kind == coap::event_kind::request) {
                            coap::message r;
                            r.code = coap::codes::content;
                            const std::string v = "v";
                            ASSERT_TRUE(device->respond(e->request, r, as_bytes(v), now));
                        }
                    }
                }
            }
            while (auto e = server->poll_event())
                events.push_back(std::move(*e));
            if (!any) return;
        }
        FAIL() << "pump did not settle";
    }

    void run_until(coap::time_ms t) {
        for (int guard = 0; guard < 100000; ++guard) {
            std::optional<coap::time_ms> d = server->next_deadline();
            if (auto x = device->next_deadline(); x && (!d || *x < *d)) d = x;
            if (!d || *d > t) break;
            if (*d > now) now = *d;
            server->on_timer(now);
            device->on_timer(now);
            pump();
        }
        now = t;
        server->on_timer(now);
        device->on_timer(now);
        pump();
    }
};

}  // namespace

TEST(server_stream_peer, an_idle_connection_keeps_its_csm_state_and_serves_requests) {
    stream_pair s;
    s.pump();  // CSM both ways
    coap::message m;
    m.code = coap::codes::post;
    std::array<std::uint8_t, 64> st{};
    coap::message_builder b(m, st);
    ASSERT_TRUE(b.add_uri_path("rd").has_value());
    ASSERT_TRUE(b.add_uint(coap::opt::content_format, 40).has_value());
    ASSERT_TRUE(b.add_string(coap::opt::uri_query, "ep=tcp1").has_value());
    const std::string list = "</3/0>";
    ASSERT_TRUE(s.device->send_request(stream_pair::server_at_device, m, as_bytes(list), s.now)
                    .has_value());
    s.pump();
    ASSERT_TRUE(s.last_response.has_value());
    EXPECT_EQ(*s.last_response, coap::codes::created);
    ASSERT_TRUE(s.store.find_by_endpoint("tcp1").has_value());

    // Far longer than EXCHANGE_LIFETIME with nothing on the connection.
    s.run_until(s.now + 3 * 247'000);
    const auto h =
        s.server->send("tcp1",
                       srv::read_request{sirocco::lwm2m::path(sirocco::lwm2m::object_id(3),
                                                              sirocco::lwm2m::instance_id(0),
                                                              sirocco::lwm2m::resource_id(0)),
                                         srv::content_format::text},
                       10'000, s.now);
    s.pump();
    s.run_until(s.now + 1000);
    bool answered = false;
    for (const auto& e : s.events)
        if (e.kind == srv::event_kind::response && e.handle == h) {
            answered = true;
            EXPECT_EQ(e.result.code, sirocco::lwm2m::status::content) << e.result.error;
        }
    EXPECT_TRUE(answered);
    // No second CSM went to the device (one per connection, RFC 8323 5.3).
    std::size_t csm = 0;
    for (auto k : s.device_events)
        if (k == coap::event_kind::csm) ++csm;
    EXPECT_EQ(csm, 1u);
}
