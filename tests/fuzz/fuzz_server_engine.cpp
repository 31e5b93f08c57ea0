// Feeds raw CoAP datagrams from up to four peers to the LwM2M server engine
// (Registration interface, Send, responses and notifications to its own
// requests). A device "fz" is registered first over peer 1, so that the
// device-management requests the input asks for have somewhere to go.
// Input: a sequence of chunks, each a header byte h, a length byte n, then
// n bytes (one datagram). h & 3: the peer (1..4); h & 4: send a
// device-management request to "fz" first (operation from (h >> 3) & 3);
// h >> 5: time advance in 500 ms steps. After every datagram the engine's
// output and events are drained (passed-on requests answered 4.04) and its
// timers run. The property checked is the sanitizers': no crash, no
// out-of-bounds access, no undefined behaviour, no leak.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/options.hpp"
#include "sirocco/server/server_engine.hpp"

using namespace sirocco;

namespace {

std::uint32_t fuzz_rng(void* ctx) noexcept {
    auto* s = static_cast<std::uint32_t*>(ctx);
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

void drain(server::server_engine& s, coap::time_ms now) {
    std::array<std::uint8_t, coap::limits::max_pdu> buf{};
    for (int guard = 0; guard < 1000; ++guard) {
        bool any = false;
        while (s.poll_transmit(buf))
            any = true;
        while (auto e = s.poll_event()) {
            any = true;
            if (e->kind == server::event_kind::request)
                (void)s.respond(e->request, coap::codes::not_found, {}, now);
        }
        if (!any) break;
    }
}

server::dm_request pick(unsigned op) {
    using lwm2m::path;
    switch (op) {
        case 0:
            return server::read_request{path(lwm2m::object_id(3), lwm2m::instance_id(0)), {}};
        case 1:
            return server::observe_request{
                path(lwm2m::object_id(3303), lwm2m::instance_id(0), lwm2m::resource_id(5700)),
                server::content_format::senml_cbor};
        case 2:
            return server::discover_request{path(lwm2m::object_id(3))};
        default:
            return server::read_composite_request{
                {path(lwm2m::object_id(3), lwm2m::instance_id(0), lwm2m::resource_id(0))},
                std::nullopt,
                std::nullopt};
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::uint32_t seed = 1;
    server::server_config cfg;
    cfg.coap.rng = &fuzz_rng;
    cfg.coap.rng_ctx = &seed;
    cfg.queue_awake_ms = 5000;
    server::memory_registration_store regs;
    server::memory_observation_store obs;
    server::server_engine s(cfg, regs, obs, nullptr);
    coap::time_ms now = 1000;
    (void)s.open_peer(coap::peer_id{1}, coap::framing::datagram, "udp://192.0.2.1:5683", now);

    // Register "fz" (CON POST /rd?ep=fz&lt=60&b=UQ, </3/0>,</3303/0>).
    {
        coap::message m;
        m.code = coap::codes::post;
        m.type = coap::msg_type::con;
        m.message_id = 1;
        std::array<std::uint8_t, 64> st{};
        coap::message_builder b(m, st);
        (void)b.add_string(coap::opt::uri_path, "rd");
        (void)b.add_uint(coap::opt::content_format, 40);
        (void)b.add_string(coap::opt::uri_query, "ep=fz");
        (void)b.add_string(coap::opt::uri_query, "lt=60");
        (void)b.add_string(coap::opt::uri_query, "lwm2m=1.1");
        static const char list[] = "</3/0>,</3303/0>";
        m.payload = as_bytes(std::string_view(list));
        std::array<std::uint8_t, 256> out{};
        if (auto n = coap::encode(m, coap::framing::datagram, out))
            (void)s.on_receive(coap::peer_id{1}, {out.data(), *n}, now);
        drain(s, now);
    }

    std::size_t at = 0;
    while (at + 2 <= size) {
        const std::uint8_t h = data[at];
        const std::size_t n = data[at + 1];
        at += 2;
        const std::size_t len = n < size - at ? n : size - at;
        now += static_cast<coap::time_ms>(h >> 5) * 500;
        if ((h & 4) != 0) (void)s.send("fz", pick((h >> 3) & 3u), 4000, now);
        (void)s.on_receive(coap::peer_id{static_cast<std::uint32_t>((h & 3) + 1)}, {data + at, len},
                           now);
        at += len;
        drain(s, now);
        for (int guard = 0; guard < 64; ++guard) {
            auto d = s.next_deadline();
            if (!d || *d > now) break;
            s.on_timer(now);
            drain(s, now);
        }
    }
    // Run every timer out (timeouts, expiry, engine release).
    for (int guard = 0; guard < 256; ++guard) {
        auto d = s.next_deadline();
        if (!d) break;
        now = *d > now ? *d : now;
        s.on_timer(now);
        drain(s, now);
    }
    return 0;
}
