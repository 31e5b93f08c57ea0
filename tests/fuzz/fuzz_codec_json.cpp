// libFuzzer target for the decoders of text (0), TLV (11542), SenML JSON
// (110), OMA LwM2M JSON (11543), SenML-ETCH JSON (320) and the link format
// (40), one binary per format (SIROCCO_FUZZ_FORMAT). Record formats decode
// under a small hand-written model provider, at several request paths
// chosen by the first input byte; every value handed to the sink is read in
// full so that ASan sees any view past its buffer.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "sirocco/codec/codec.hpp"
#include "sirocco/codec/link_format.hpp"

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
    // The first byte picks the request path; the rest is the payload.
    if (size == 0) return 0;
    const auto& base = bases[data[0] % (sizeof bases / sizeof bases[0])];
    std::uint8_t scratch[256];
    codec::decode_context ctx{base, (data[0] & 0x80) ? nullptr : &m, scratch};
    (void)codec::decode(static_cast<codec::content_format>(format), ctx,
                        bytes_view(data + 1, size - 1), sink);
    return 0;
}
