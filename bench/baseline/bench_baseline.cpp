// Memory floors for the payload sizes the codec benchmarks produce: copying
// the bytes (memcpy) and reading each byte once (a byte sum the compiler
// vectorises but cannot drop). They are floors, not targets: a codec does
// far more per byte, and the ratio says how much.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace {
void bm_copy(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<std::uint8_t> src(n, 0x5a), dst(n);
    for (auto _ : state) {
        std::memcpy(dst.data(), src.data(), n);
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
    }
    state.counters["payload_bytes"] = static_cast<double>(n);
}
void bm_read(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<std::uint8_t> src(n, 0x5a);
    for (auto _ : state) {
        std::uint32_t h = 0;
        for (std::size_t i = 0; i < n; ++i)
            h += src[i];
        benchmark::DoNotOptimize(h);
    }
    state.counters["payload_bytes"] = static_cast<double>(n);
}
}  // namespace

// 76/93: CoAP notification/Register; 484: TLV; 497: LwM2M CBOR;
// 794: SenML CBOR; 1567: SenML JSON (the 50-resource instance).
BENCHMARK(bm_copy)->Arg(93)->Arg(484)->Arg(794)->Arg(1567);
BENCHMARK(bm_read)->Arg(93)->Arg(484)->Arg(794)->Arg(1567);
