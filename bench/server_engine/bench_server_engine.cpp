// server_engine's registration path and read round trip (issue 9):
// - Register/N: N distinct peers (one datagram each, as N devices) register
//   through on_receive(); registrations per second, and heap bytes per
//   registration right after the storm (every peer inside EXCHANGE_LIFETIME,
//   the worst case) and once the engine has settled (clock moved past
//   EXCHANGE_LIFETIME). In-memory store and SQLite store (a temp file).
// - Read: round trips of send(read /3303/0/5700) -> datagram -> a stateless
//   in-process responder (decodes the GET, answers a piggybacked 2.05 text
//   "20.5") -> on_receive -> `response` event, over 1,000 registered devices,
//   64 requests in flight (one per device at a time).
// Heap: glibc mallinfo2() (uordblks + hblkhd) before/after, divided by N.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <time.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/options.hpp"
#include "sirocco/server/server_engine.hpp"
#include "sirocco/server/sqlite_observation_store.hpp"
#include "sirocco/server/sqlite_registration_store.hpp"

namespace {

using namespace sirocco;
namespace srv = sirocco::server;

// What a sirocco client with Security, Server, Device and a temperature
// sensor sends (LwM2M 1.1, ct= SenML CBOR).
constexpr std::string_view object_list =
    "</>;rt=\"oma.lwm2m\";ct=112,</1>;ver=1.1,</1/0>,</3/0>,</3303>;ver=1.1,</3303/0>";

std::uint32_t lcg(void* ctx) noexcept {
    auto* s = static_cast<std::uint32_t*>(ctx);
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::size_t heap_in_use() {
    const auto mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/// One Register datagram for device `i`.
std::vector<std::uint8_t> register_datagram(std::size_t i) {
    coap::message m;
    m.type = coap::msg_type::con;
    m.code = coap::codes::post;
    m.message_id = static_cast<std::uint16_t>(i * 7919u);
    const std::uint8_t tok[4] = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i >> 8),
                                 static_cast<std::uint8_t>(i >> 16), 0x5a};
    m.token = *coap::token::from(bytes_view(tok, 4));
    std::array<std::uint8_t, 256> st{};
    coap::message_builder b(m, st);
    const std::string ep = "ep=fleet-" + std::to_string(i);
    bool ok = b.add_string(coap::opt::uri_path, "rd") &&
              b.add_uint(coap::opt::content_format, 40) && b.add_string(coap::opt::uri_query, ep) &&
              b.add_string(coap::opt::uri_query, "lt=86400") &&
              b.add_string(coap::opt::uri_query, "lwm2m=1.1") &&
              b.add_string(coap::opt::uri_query, "b=U");
    if (!ok) std::abort();
    m.payload = as_bytes(object_list);
    std::vector<std::uint8_t> out(coap::limits::max_pdu);
    auto n = coap::encode(m, coap::framing::datagram, out);
    if (!n) std::abort();
    out.resize(*n);
    return out;
}

std::string address_of(std::size_t i) {
    return "udp://10." + std::to_string((i >> 16) & 0xFF) + "." + std::to_string((i >> 8) & 0xFF) +
           "." + std::to_string(i & 0xFF) + ":56830";
}

struct temp_file {
    std::filesystem::path dir;
    temp_file() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "srvbench-XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) std::abort();
        dir = tmpl;
    }
    ~temp_file() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    std::string file() const { return (dir / "server.db").string(); }
};

/// The engine, its stores and a transmit buffer.
struct rig {
    std::uint32_t seed = 12345;
    srv::server_config cfg;
    std::unique_ptr<srv::registration_store> regs;
    std::unique_ptr<srv::observation_store> obs;
    std::unique_ptr<temp_file> tmp;
    std::unique_ptr<srv::server_engine> eng;
    std::vector<std::uint8_t> tx = std::vector<std::uint8_t>(coap::limits::max_pdu);
    std::size_t registered = 0, responses = 0, bad = 0;

    explicit rig(bool sqlite) {
        cfg.coap.rng = &lcg;
        cfg.coap.rng_ctx = &seed;
        if (sqlite) {
            tmp = std::make_unique<temp_file>();
            auto r = srv::sqlite_registration_store::open(tmp->file());
            auto o = srv::sqlite_observation_store::open(tmp->file());
            if (!r || !o) std::abort();
            regs = std::move(*r);
            obs = std::move(*o);
        } else {
            regs = std::make_unique<srv::memory_registration_store>();
            obs = std::make_unique<srv::memory_observation_store>();
        }
        eng = std::make_unique<srv::server_engine>(cfg, *regs, *obs, nullptr);
    }
    void drain_events() {
        while (auto e = eng->poll_event()) {
            if (e->kind == srv::event_kind::registered) ++registered;
            if (e->kind == srv::event_kind::response) {
                ++responses;
                if (e->result.code != lwm2m::status::content) ++bad;
            }
        }
    }
};

/// Registers devices [from, to) with one datagram each; the answers are
/// polled (and dropped) as a runtime would send them.
void register_range(rig& r, const std::vector<std::vector<std::uint8_t>>& dgrams, std::size_t from,
                    std::size_t to, coap::time_ms now, bool open_with_address) {
    for (std::size_t i = from; i < to; ++i) {
        const coap::peer_id p{static_cast<std::uint32_t>(i + 1)};
        if (open_with_address)
            (void)r.eng->open_peer(p, coap::framing::datagram, address_of(i), now);
        (void)r.eng->on_receive(p, dgrams[i], now);
        while (r.eng->poll_transmit(r.tx)) {
        }
        r.drain_events();
    }
}

void bm_register(benchmark::State& state, bool sqlite) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<std::vector<std::uint8_t>> dgrams;
    dgrams.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        dgrams.push_back(register_datagram(i));
    double storm = 0, settled = 0, per_s = 0, per_cpu_s = 0;
    for (auto _ : state) {
        state.PauseTiming();
        auto r = std::make_unique<rig>(sqlite);
        malloc_trim(0);
        const std::size_t before = heap_in_use();
        state.ResumeTiming();
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = cpu_seconds();
        register_range(*r, dgrams, 0, n, 1000, true);
        const double c1 = cpu_seconds();
        const auto t1 = std::chrono::steady_clock::now();
        state.PauseTiming();
        if (r->registered != n) state.SkipWithError("not every device registered");
        per_s = static_cast<double>(n) / std::chrono::duration<double>(t1 - t0).count();
        per_cpu_s = static_cast<double>(n) / (c1 - c0);
        storm = static_cast<double>(heap_in_use() - before) / static_cast<double>(n);
        // Past EXCHANGE_LIFETIME: what stays per registration.
        r->eng->on_timer(1000 + r->cfg.coap.exchange_lifetime_ms + 1000);
        r->drain_events();
        settled = static_cast<double>(heap_in_use() - before) / static_cast<double>(n);
        r.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
    state.counters["registers_per_s"] = per_s;
    state.counters["registers_per_cpu_s"] = per_cpu_s;
    state.counters["heap_B_per_reg_storm"] = storm;
    state.counters["heap_B_per_reg_settled"] = settled;
}

/// A stateless device: answers a GET with a piggybacked 2.05 "20.5".
std::size_t answer_read(bytes_view req, mutable_bytes out) {
    auto m = coap::decode(req, coap::framing::datagram);
    if (!m || !m->code.is_request()) return 0;
    coap::message r;
    r.type = coap::msg_type::ack;
    r.code = coap::codes::content;
    r.message_id = m->message_id;
    r.token = m->token;
    std::array<std::uint8_t, 8> st{};
    coap::message_builder b(r, st);
    if (!b.add_uint(coap::opt::content_format, 0)) return 0;
    static constexpr std::string_view v = "20.5";
    r.payload = as_bytes(v);
    auto n = coap::encode(r, coap::framing::datagram, out);
    return n ? *n : 0;
}

void bm_read(benchmark::State& state) {
    const std::size_t devices = 1000, in_flight = 64;
    rig r(false);
    std::vector<std::vector<std::uint8_t>> dgrams;
    for (std::size_t i = 0; i < devices; ++i)
        dgrams.push_back(register_datagram(i));
    register_range(r, dgrams, 0, devices, 1000, true);
    std::vector<std::string> eps;
    for (std::size_t i = 0; i < devices; ++i)
        eps.push_back("fleet-" + std::to_string(i));
    const lwm2m::path p(lwm2m::object_id(3303), lwm2m::instance_id(0), lwm2m::resource_id(5700));
    std::vector<std::uint8_t> reply(coap::limits::max_pdu);
    coap::time_ms now = 2000;
    std::size_t next = 0;
    for (auto _ : state) {
        // One batch: in_flight requests to consecutive devices, answered.
        for (std::size_t k = 0; k < in_flight; ++k) {
            (void)r.eng->send(eps[next], srv::read_request{p, srv::content_format::text}, 10'000,
                              now);
            next = (next + 1) % devices;
        }
        while (auto t = r.eng->poll_transmit(r.tx)) {
            const std::size_t n = answer_read(bytes_view(r.tx.data(), t->size), reply);
            if (n != 0) (void)r.eng->on_receive(t->peer, bytes_view(reply.data(), n), now);
        }
        r.drain_events();
        ++now;
    }
    if (r.bad != 0 || r.responses != state.iterations() * in_flight)
        state.SkipWithError("a read failed");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * in_flight));
}

}  // namespace

BENCHMARK_CAPTURE(bm_register, memory, false)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(bm_register, sqlite, true)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(bm_read)->Unit(benchmark::kMicrosecond);
