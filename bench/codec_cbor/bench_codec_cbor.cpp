// Google Benchmark: encoding and decoding the 50-resource instance of
// bench/common/instance50.hpp (60 records) in SenML CBOR (112) and LwM2M
// CBOR (11544), and one value in CBOR (60). Counter "payload_bytes" is the
// encoded size; "records" the records per iteration.
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "instance50.hpp"
#include "sirocco/codec/codec.hpp"

namespace {

using namespace sirocco;

class counting_sink final : public lwm2m::record_sink {
  public:
    result<void> on_record(const lwm2m::record& r) noexcept override {
        ++count;
        benchmark::DoNotOptimize(r.value);
        return {};
    }
    std::size_t count = 0;
};

const bench::instance50_models models;

void encode_instance(benchmark::State& state, codec::content_format f) {
    const auto recs = bench::instance50_records();
    std::array<std::uint8_t, 8192> out{};
    const codec::encode_context ctx{bench::instance50_path, &models};
    std::size_t n = 0;
    for (auto _ : state) {
        auto r = codec::encode(f, ctx, recs, out);
        if (!r) {
            state.SkipWithError(r.error().reason);
            return;
        }
        n = *r;
        benchmark::DoNotOptimize(out.data());
    }
    state.counters["payload_bytes"] = static_cast<double>(n);
    state.counters["records"] = static_cast<double>(recs.size());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void decode_instance(benchmark::State& state, codec::content_format f) {
    const auto recs = bench::instance50_records();
    std::array<std::uint8_t, 8192> out{};
    auto n = codec::encode(f, {bench::instance50_path, &models}, recs, out);
    if (!n) {
        state.SkipWithError(n.error().reason);
        return;
    }
    const bytes_view in(out.data(), *n);
    std::array<std::uint8_t, 256> scratch{};
    const codec::decode_context ctx{bench::instance50_path, &models, scratch};
    for (auto _ : state) {
        counting_sink sink;
        auto r = codec::decode(f, ctx, in, sink);
        if (!r || sink.count != recs.size()) {
            state.SkipWithError("decode failed");
            return;
        }
    }
    state.counters["payload_bytes"] = static_cast<double>(*n);
    state.counters["records"] = static_cast<double>(recs.size());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * *n));
}

void BM_senml_cbor_encode(benchmark::State& s) {
    encode_instance(s, codec::content_format::senml_cbor);
}
void BM_senml_cbor_decode(benchmark::State& s) {
    decode_instance(s, codec::content_format::senml_cbor);
}
void BM_lwm2m_cbor_encode(benchmark::State& s) {
    encode_instance(s, codec::content_format::lwm2m_cbor);
}
void BM_lwm2m_cbor_decode(benchmark::State& s) {
    decode_instance(s, codec::content_format::lwm2m_cbor);
}

// CBOR (60): one resource at a time, all 60 records of the instance.
void BM_cbor_single_encode_each(benchmark::State& state) {
    const auto recs = bench::instance50_records();
    std::array<std::uint8_t, 256> out{};
    std::size_t total = 0;
    for (auto _ : state) {
        total = 0;
        for (const auto& r : recs) {
            auto n = codec::encode(codec::content_format::cbor, {r.path, &models}, {&r, 1}, out);
            total += n ? *n : 0;
        }
        benchmark::DoNotOptimize(total);
    }
    state.counters["payload_bytes"] = static_cast<double>(total);
    state.counters["records"] = static_cast<double>(recs.size());
}

void BM_cbor_single_decode_each(benchmark::State& state) {
    const auto recs = bench::instance50_records();
    std::vector<std::vector<std::uint8_t>> payloads;
    std::size_t total = 0;
    for (const auto& r : recs) {
        std::vector<std::uint8_t> out(256);
        auto n = codec::encode(codec::content_format::cbor, {r.path, &models}, {&r, 1}, out);
        out.resize(n ? *n : 0);
        total += out.size();
        payloads.push_back(std::move(out));
    }
    std::array<std::uint8_t, 64> scratch{};
    for (auto _ : state) {
        counting_sink sink;
        for (std::size_t i = 0; i < recs.size(); ++i)
            (void)codec::decode(codec::content_format::cbor, {recs[i].path, &models, scratch},
                                payloads[i], sink);
        if (sink.count != recs.size()) {
            state.SkipWithError("decode failed");
            return;
        }
    }
    state.counters["payload_bytes"] = static_cast<double>(total);
    state.counters["records"] = static_cast<double>(recs.size());
}

BENCHMARK(BM_senml_cbor_encode);
BENCHMARK(BM_senml_cbor_decode);
BENCHMARK(BM_lwm2m_cbor_encode);
BENCHMARK(BM_lwm2m_cbor_decode);
BENCHMARK(BM_cbor_single_encode_each);
BENCHMARK(BM_cbor_single_decode_each);

}  // namespace
