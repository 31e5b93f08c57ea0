// libFuzzer target for the decoders of text (0), TLV (11542), SenML JSON
// (110), OMA LwM2M JSON (11543), SenML-ETCH JSON (320) and the link format
// (40), one binary per format (SIROCCO_FUZZ_FORMAT). Record formats decode
// at several request paths, with a small hand-written model provider and
// without; every value handed to the sink is read in full so that ASan sees
// any view past its buffer. TLV, SenML JSON and LwM2M JSON also check that what decodes
// encodes again and decodes to the same records.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "sirocco/codec/codec.hpp"
#include "sirocco/codec/link_format.hpp"
#include "sirocco/lwm2m/owned_value.hpp"

using namespace sirocco;
using lwm2m::data_type;

namespace {

constexpr lwm2m::resource_model res(std::uint16_t id, data_type t, bool multiple = false) {
    lwm2m::resource_model r;
    r.id = id;
    r.type = t;
    r.multiple = multiple;
    return r;
}

constexpr lwm2m::resource_model device[] = {
    res(0, data_type::string),        res(1, data_type::string),        res(4, data_type::none),
    res(6, data_type::integer, true), res(7, data_type::integer, true), res(9, data_type::integer),
    res(13, data_type::time),         res(22, data_type::objlnk, true)};
constexpr lwm2m::resource_model misc[] = {
    res(0, data_type::unsigned_integer), res(1, data_type::corelnk), res(2, data_type::float_),
    res(3, data_type::boolean, true),    res(4, data_type::opaque),  res(5, data_type::objlnk)};

class models final : public lwm2m::model_provider {
  public:
    models() {
        dev_.id = 3;
        dev_.resources = device;
        misc_.id = 10250;
        misc_.resources = misc;
    }
    const lwm2m::object_model* find(lwm2m::object_id oid,
                                    std::string_view) const noexcept override {
        if (oid.value() == 3) return &dev_;
        if (oid.value() == 10250) return &misc_;
        return nullptr;
    }

  private:
    lwm2m::object_model dev_, misc_;
};

volatile std::uint8_t sink_byte;

void touch(std::string_view s) {
    for (char c : s)
        sink_byte = static_cast<std::uint8_t>(sink_byte ^ static_cast<std::uint8_t>(c));
}

class touching_sink final : public lwm2m::record_sink, public codec::path_sink {
  public:
    result<void> on_record(const lwm2m::record& r) noexcept override {
        auto t = r.value.type();
        if (t == data_type::string || t == data_type::corelnk) touch(r.value.string());
        if (t == data_type::opaque) touch(as_chars(r.value.opaque()));
        (void)r.path.validate();
        return {};
    }
    result<void> on_path(const lwm2m::path& p) noexcept override {
        (void)p.validate();
        return {};
    }
};

const lwm2m::path bases[] = {
    lwm2m::path{},
    lwm2m::path{lwm2m::object_id(3)},
    lwm2m::path{lwm2m::object_id(3), lwm2m::instance_id(0)},
    lwm2m::path{lwm2m::object_id(3), lwm2m::instance_id(0), lwm2m::resource_id(9)},
    lwm2m::path{lwm2m::object_id(3), lwm2m::instance_id(0), lwm2m::resource_id(6),
                lwm2m::resource_instance_id(1)},
    lwm2m::path{lwm2m::object_id(10250), lwm2m::instance_id(0)},
    lwm2m::path{lwm2m::object_id(10250), lwm2m::instance_id(0), lwm2m::resource_id(4)},
    lwm2m::path{lwm2m::object_id(10250), lwm2m::instance_id(1), lwm2m::resource_id(2)},
};

void fuzz_link(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    codec::link::parser p(text);
    codec::link::link_value lv;
    std::uint8_t out[512];
    codec::link::writer w(out);
    for (int i = 0; i < 10000; ++i) {
        auto r = p.next(lv);
        if (!r || !*r) break;
        touch(lv.target);
        (void)codec::link::target_path(lv.target);
        codec::link::attributes a;
        codec::link::param_parser pp(lv.params);
        codec::link::param prm;
        for (;;) {
            auto q = pp.next(prm);
            if (!q || !*q) break;
            touch(prm.name);
            touch(prm.value);
            char buf[64];
            (void)codec::link::unquote(prm.value, buf);
            (void)codec::link::apply(a, prm, false);
        }
        w.link(lv.target);
        w.attributes(a);
    }
    (void)w.finish();
    (void)codec::link::parse_query(text);
}

// Property for TLV, SenML JSON and LwM2M JSON: what decodes (sorted, valued, without
// timestamps) encodes again and decodes to the same records.
[[maybe_unused]] void round_trip(codec::content_format fmt, const codec::decode_context& ctx,
                                 bytes_view in) {
    // OMA LwM2M JSON is not written at the root (composite needs SenML).
    if (fmt == codec::content_format::lwm2m_json && ctx.base.is_root()) return;
    // A CBOR map labelled 11543 is decoded as LwM2M CBOR (the swap codec::decode
    // tolerates); what it holds need not be writable as OMA JSON, so the property
    // only holds for real JSON input.
    if (fmt == codec::content_format::lwm2m_json && !in.empty() && in[0] >= 0xA0 && in[0] <= 0xBF)
        return;
    lwm2m::record_list first;
    if (!codec::decode(fmt, ctx, in, first)) return;
    if (first.records.empty()) return;
    std::vector<lwm2m::record> views;
    for (std::size_t i = 0; i < first.records.size(); ++i) {
        const auto& r = first.records[i];
        if (r.value.view().is_none() || r.timestamp || !ctx.base.is_prefix_of(r.path) ||
            r.path.depth() < 3)
            return;
        if (i > 0 && !(first.records[i - 1].path < r.path)) return;
        views.push_back(r.view());
    }
    static std::uint8_t out[1 << 17];
    auto n = codec::encode(fmt, {ctx.base, ctx.models}, views, out);
    if (!n) std::abort();  // decoded records must encode
    lwm2m::record_list second;
    std::uint8_t scratch[4096];
    codec::decode_context again{ctx.base, ctx.models, scratch};
    if (!codec::decode(fmt, again, bytes_view(out, *n), second)) std::abort();
    if (second.records != first.records) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    constexpr int format = SIROCCO_FUZZ_FORMAT;
    if (format == 40) {
        fuzz_link(data, size);
        return 0;
    }
    static const models m;
    touching_sink sink;
    if (format == 320) {
        (void)codec::decode_paths(codec::content_format::senml_etch_json, bytes_view(data, size),
                                  sink);
        return 0;
    }
    // Every request path, with and without models, so the seed vectors
    // (payloads as sent) reach the deep code.
    std::uint8_t scratch[256];
    for (const auto& base : bases) {
        for (const lwm2m::model_provider* mp :
             {static_cast<const lwm2m::model_provider*>(&m),
              static_cast<const lwm2m::model_provider*>(nullptr)}) {
            codec::decode_context ctx{base, mp, scratch};
            (void)codec::decode(static_cast<codec::content_format>(format), ctx,
                                bytes_view(data, size), sink);
            if (format == 11542 || format == 110 || format == 11543)
                round_trip(static_cast<codec::content_format>(format), ctx, bytes_view(data, size));
        }
    }
    return 0;
}
