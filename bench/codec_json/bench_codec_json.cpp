// Codec benchmarks: the 50-resource instance of bench/common/instance50.hpp
// (60 records: 45 single resources, 5 multiple-instance resources of 3) in
// TLV, SenML JSON and OMA LwM2M JSON, and one value in text/plain. Each
// benchmark reports the payload size in bytes (counter "payload_bytes").
#include <benchmark/benchmark.h>

#include <vector>

#include "instance50.hpp"
#include "sirocco/codec/codec.hpp"

using namespace sirocco;
using codec::content_format;

namespace {

const bench::instance50_models models;

class counting_sink final : public lwm2m::record_sink {
  public:
    result<void> on_record(const lwm2m::record& r) noexcept override {
        ++count;
        benchmark::DoNotOptimize(r);
        return {};
    }
    std::size_t count = 0;
};

void encode_instance(benchmark::State& state, content_format fmt) {
    auto records = bench::instance50_records();
    std::vector<std::uint8_t> out(8192);
    codec::encode_context ctx{bench::instance50_path, &models};
    std::size_t n = 0;
    for (auto _ : state) {
        auto r = codec::encode(fmt, ctx, records, out);
        if (!r) {
            state.SkipWithError(r.error().reason);
            return;
        }
        n = *r;
        benchmark::DoNotOptimize(out.data());
    }
    state.counters["payload_bytes"] = static_cast<double>(n);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void decode_instance(benchmark::State& state, content_format fmt) {
    auto records = bench::instance50_records();
    std::vector<std::uint8_t> out(8192);
    auto n = codec::encode(fmt, {bench::instance50_path, &models}, records, out);
    if (!n) {
        state.SkipWithError(n.error().reason);
        return;
    }
    out.resize(*n);
    std::vector<std::uint8_t> scratch(512);
    codec::decode_context ctx{bench::instance50_path, &models, scratch};
    for (auto _ : state) {
        counting_sink sink;
        auto r = codec::decode(fmt, ctx, out, sink);
        if (!r || sink.count != records.size()) {
            state.SkipWithError(r ? "wrong record count" : r.error().reason);
            return;
        }
    }
    state.counters["payload_bytes"] = static_cast<double>(out.size());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}

// text/plain carries one value: the float resource 8 (not exact in binary32)
// and the string resource 0.
void text_value(benchmark::State& state, std::uint16_t resource, bool decode) {
    auto all = bench::instance50_records();
    lwm2m::record rec = all[resource];
    std::vector<std::uint8_t> out(128);
    codec::encode_context ectx{rec.path, &models};
    auto n = codec::encode(content_format::text, ectx, {&rec, 1}, out);
    if (!n) {
        state.SkipWithError(n.error().reason);
        return;
    }
    std::vector<std::uint8_t> scratch(128);
    codec::decode_context dctx{rec.path, &models, scratch};
    for (auto _ : state) {
        if (decode) {
            counting_sink sink;
            auto r = codec::decode(content_format::text, dctx, bytes_view(out.data(), *n), sink);
            benchmark::DoNotOptimize(r);
        } else {
            auto r = codec::encode(content_format::text, ectx, {&rec, 1}, out);
            benchmark::DoNotOptimize(r);
        }
    }
    state.counters["payload_bytes"] = static_cast<double>(*n);
}

}  // namespace

BENCHMARK_CAPTURE(encode_instance, tlv, content_format::tlv);
BENCHMARK_CAPTURE(decode_instance, tlv, content_format::tlv);
BENCHMARK_CAPTURE(encode_instance, senml_json, content_format::senml_json);
BENCHMARK_CAPTURE(decode_instance, senml_json, content_format::senml_json);
BENCHMARK_CAPTURE(encode_instance, lwm2m_json, content_format::lwm2m_json);
BENCHMARK_CAPTURE(decode_instance, lwm2m_json, content_format::lwm2m_json);
BENCHMARK_CAPTURE(text_value, encode_float, 8, false);
BENCHMARK_CAPTURE(text_value, decode_float, 8, true);
BENCHMARK_CAPTURE(text_value, encode_string, 0, false);
BENCHMARK_CAPTURE(text_value, decode_string, 0, true);
