// Drives the CoAP exchange engine with arbitrary input: the first byte picks
// the framing, the rest is split into messages (datagram/compact) or fed as a
// stream; time advances between messages. Every request is answered (with a
// body large enough for Block2 on some), every observation notified, and the
// output drained, then every timer is run out. The property checked is the
// sanitizers': no crash, no out-of-bounds access, no undefined behaviour.
#include <array>
#include <cstddef>
#include <cstdint>

#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/engine.hpp"

using namespace sirocco;
using namespace sirocco::coap;

namespace {
std::uint32_t fuzz_rng(void* ctx) noexcept {
    auto* s = static_cast<std::uint32_t*>(ctx);
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

void drain(engine& e, time_ms now, std::array<std::uint8_t, 2048>& body) {
    std::array<std::uint8_t, limits::max_pdu> out{};
    for (int guard = 0; guard < 64; ++guard) {
        auto ev = e.poll_event();
        if (!ev) break;
        if (ev->kind == event_kind::request) {
            message resp;
            resp.code = (ev->msg.code == codes::get) ? codes::content : codes::changed;
            auto obs =
                e.respond(ev->request, resp,
                          bytes_view(body.data(), ev->msg.payload.size() % 2 ? 1500 : 10), now);
            if (obs && *obs) (void)e.notify(**obs, resp, bytes_view(body.data(), 20), now);
        }
    }
    while (e.poll_transmit(out)) {
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    static std::array<std::uint8_t, 2048> body{};
    std::uint32_t seed = data[0];
    config cfg;
    cfg.rng = &fuzz_rng;
    cfg.rng_ctx = &seed;
    engine e(cfg);
    const framing f = static_cast<framing>(data[0] % 3);
    const peer_id peer(7);
    time_ms now = 1000;
    if (!e.open_peer(peer, f, now)) return 0;
    std::size_t pos = 1;
    while (pos < size) {
        // Each chunk: one length byte, then that many bytes.
        std::size_t n = data[pos++];
        if (n > size - pos) n = size - pos;
        bytes_view chunk(data + pos, n);
        pos += n;
        while (!chunk.empty()) {
            auto r = e.on_receive(peer, chunk, now);
            drain(e, now, body);
            if (!r || *r == 0) break;
            chunk = chunk.subspan(*r);
        }
        now += (n & 0x0F) * 700;
        e.on_timer(now);
        drain(e, now, body);
    }
    // Run the timers out (retransmissions, lifetimes, timeouts).
    for (int i = 0; i < 64; ++i) {
        auto d = e.next_deadline();
        if (!d) break;
        now = *d > now ? *d : now + 1;
        e.on_timer(now);
        drain(e, now, body);
    }
    return 0;
}
