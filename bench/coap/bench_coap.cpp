// Decoding and encoding a typical LwM2M Register request and a notification
// (2.05, Observe, Content-Format 112, 2-byte token, 63-byte SenML CBOR
// payload), in the datagram (UDP/DTLS) and compact (MQTT) framings.
// Encoding includes building the options with message_builder.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstdlib>

#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/options.hpp"

namespace {

using namespace sirocco;
using namespace sirocco::coap;

// SenML CBOR: [{bn:"/3303/0/", n:"5700", v:21.5, t:1700000000},
//              {n:"5701", vs:"Cel"}, {n:"5601", v:-4.25}] (63 bytes).
constexpr std::uint8_t senml[] = {
    0x83, 0xa4, 0x21, 0x68, 0x2f, 0x33, 0x33, 0x30, 0x33, 0x2f, 0x30, 0x2f, 0x00, 0x64, 0x35, 0x37,
    0x30, 0x30, 0x02, 0xfb, 0x40, 0x35, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x1a, 0x65, 0x53,
    0xf1, 0x00, 0xa2, 0x00, 0x64, 0x35, 0x37, 0x30, 0x31, 0x03, 0x63, 0x43, 0x65, 0x6c, 0xa2, 0x00,
    0x64, 0x35, 0x36, 0x30, 0x31, 0x02, 0xfb, 0xc0, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
constexpr std::string_view links = "</1/0>,</3/0>,</3303/0>,</5/0>";
constexpr std::uint8_t reg_token[] = {0x0a, 0x0b, 0x0c, 0x0d};
constexpr std::uint8_t notify_token[] = {0x5a, 0x5b};

void build_register(message& m, mutable_bytes storage) {
    m.type = msg_type::con;
    m.code = codes::post;
    m.message_id = 0x1a2b;
    m.token = *token::from(reg_token);
    message_builder b(m, storage);
    bool ok = b.add_string(opt::uri_path, "rd") && b.add_uint(opt::content_format, 40) &&
              b.add_string(opt::uri_query, "ep=urn:dev:os:0001-sirocco") &&
              b.add_string(opt::uri_query, "lt=300") && b.add_string(opt::uri_query, "lwm2m=1.1") &&
              b.add_string(opt::uri_query, "b=U");
    if (!ok) std::abort();
    m.payload = as_bytes(links);
}

void build_notify(message& m, mutable_bytes storage, std::uint32_t seq) {
    m.type = msg_type::non;
    m.code = codes::content;
    m.message_id = 0x2001;
    m.token = *token::from(notify_token);
    message_builder b(m, storage);
    bool ok = b.add_uint(opt::content_format, 112) && b.add_uint(opt::observe, seq);
    if (!ok) std::abort();
    m.payload = senml;
}

enum class which { reg, notify };

struct wire {
    std::array<std::uint8_t, 256> buf{};
    std::size_t n = 0;
};

wire encoded(which w, framing f) {
    message m;
    std::uint8_t storage[16];
    if (w == which::reg)
        build_register(m, storage);
    else
        build_notify(m, storage, 0x012345);
    wire out;
    auto n = encode(m, f, out.buf);
    if (!n) std::abort();
    out.n = *n;
    return out;
}

void bm_decode(benchmark::State& state, which w, framing f) {
    const wire in = encoded(w, f);
    for (auto _ : state) {
        auto m = decode(bytes_view(in.buf.data(), in.n), f);
        benchmark::DoNotOptimize(m);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.n));
    state.counters["bytes"] = static_cast<double>(in.n);
}

void bm_decode_check(benchmark::State& state, which w, framing f) {
    const wire in = encoded(w, f);
    for (auto _ : state) {
        auto m = decode(bytes_view(in.buf.data(), in.n), f);
        auto v = check_options(*m);
        auto cf = content_format(*m);
        benchmark::DoNotOptimize(v);
        benchmark::DoNotOptimize(cf);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.n));
}

void bm_encode(benchmark::State& state, which w, framing f) {
    std::array<std::uint8_t, 256> out{};
    std::uint32_t seq = 0x012345;
    std::size_t n = 0;
    for (auto _ : state) {
        message m;
        std::uint8_t storage[16];
        if (w == which::reg)
            build_register(m, storage);
        else
            build_notify(m, storage, seq++);
        auto r = encode(m, f, out);
        n = *r;
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
    state.counters["bytes"] = static_cast<double>(n);
}

BENCHMARK_CAPTURE(bm_decode, register_datagram, which::reg, framing::datagram);
BENCHMARK_CAPTURE(bm_decode, register_compact, which::reg, framing::compact);
BENCHMARK_CAPTURE(bm_decode, notify_datagram, which::notify, framing::datagram);
BENCHMARK_CAPTURE(bm_decode, notify_compact, which::notify, framing::compact);
BENCHMARK_CAPTURE(bm_decode_check, register_datagram, which::reg, framing::datagram);
BENCHMARK_CAPTURE(bm_decode_check, notify_datagram, which::notify, framing::datagram);
BENCHMARK_CAPTURE(bm_encode, register_datagram, which::reg, framing::datagram);
BENCHMARK_CAPTURE(bm_encode, register_compact, which::reg, framing::compact);
BENCHMARK_CAPTURE(bm_encode, notify_datagram, which::notify, framing::datagram);
BENCHMARK_CAPTURE(bm_encode, notify_compact, which::notify, framing::compact);

}  // namespace
