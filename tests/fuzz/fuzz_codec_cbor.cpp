// libFuzzer target for one CBOR-based decoder, chosen at build time by
// SIROCCO_FUZZ_FORMAT (the content-format number: 60, 112, 322, 11544).
// Decodes with a small model provider (Device 3, Server 1, Temperature 3303
// and an object with every data type) and a small scratch buffer; for record
// formats, whatever decodes is encoded again (must not fail for lack of
// space, only for a reason) and decoded back.
#include <array>
#include <cstddef>
#include <cstdint>

#include "sirocco/codec/codec.hpp"

namespace {

using namespace sirocco;
using lwm2m::data_type;

constexpr lwm2m::resource_model res(std::uint16_t id, data_type t, bool multiple = false) {
    lwm2m::resource_model r{};
    r.id = id;
    r.type = t;
    r.multiple = multiple;
    r.ops = lwm2m::operations::read_write;
    return r;
}

constexpr std::array<lwm2m::resource_model, 10> device_res = {
    res(0, data_type::string),         res(1, data_type::string),        res(4, data_type::none),
    res(6, data_type::integer, true),  res(7, data_type::integer, true), res(9, data_type::integer),
    res(11, data_type::integer, true), res(13, data_type::time),         res(14, data_type::string),
    res(16, data_type::string)};
constexpr std::array<lwm2m::resource_model, 3> server_res = {
    res(0, data_type::integer), res(1, data_type::integer), res(6, data_type::boolean)};
constexpr std::array<lwm2m::resource_model, 10> types_res = {
    res(0, data_type::string),      res(1, data_type::integer), res(2, data_type::unsigned_integer),
    res(3, data_type::float_),      res(4, data_type::boolean), res(5, data_type::opaque),
    res(6, data_type::time),        res(7, data_type::objlnk),  res(8, data_type::corelnk),
    res(9, data_type::float_, true)};
constexpr std::array<lwm2m::resource_model, 1> temp_res = {res(5700, data_type::float_)};

class fuzz_models final : public lwm2m::model_provider {
  public:
    fuzz_models() {
        objs_[0].id = 1;
        objs_[0].resources = server_res;
        objs_[1].id = 3;
        objs_[1].resources = device_res;
        objs_[2].id = 3303;
        objs_[2].resources = temp_res;
        objs_[3].id = 33050;
        objs_[3].resources = types_res;
    }
    const lwm2m::object_model* find(lwm2m::object_id oid,
                                    std::string_view) const noexcept override {
        for (const auto& o : objs_)
            if (o.id == oid.value()) return &o;
        return nullptr;
    }

  private:
    std::array<lwm2m::object_model, 4> objs_{};
};

// Keeps copies of what was decoded (bounded), so it can be re-encoded.
class keep final : public lwm2m::record_sink {
  public:
    sirocco::result<void> on_record(const lwm2m::record& r) noexcept override {
        if (n_ == recs_.size()) return {};
        lwm2m::record c = r;
        const auto t = r.value.type();
        if (t == data_type::string || t == data_type::corelnk || t == data_type::opaque) {
            auto b = r.value.opaque();
            if (b.size() > sizeof(store_) - used_) return {};
            for (std::size_t i = 0; i < b.size(); ++i)
                store_[used_ + i] = b[i];
            bytes_view copy(store_ + used_, b.size());
            used_ += b.size();
            c.value = t == data_type::opaque   ? lwm2m::value::of_opaque(copy)
                      : t == data_type::string ? lwm2m::value::of_string(as_chars(copy))
                                               : lwm2m::value::of_corelnk(as_chars(copy));
        }
        recs_[n_++] = c;
        return {};
    }
    std::span<const lwm2m::record> records() const noexcept { return {recs_.data(), n_}; }

  private:
    std::array<lwm2m::record, 64> recs_{};
    std::size_t n_ = 0;
    std::uint8_t store_[4096];
    std::size_t used_ = 0;
};

class paths final : public codec::path_sink {
  public:
    sirocco::result<void> on_path(const lwm2m::path&) noexcept override { return {}; }
};

const fuzz_models models;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const bytes_view in(data, size);
    constexpr auto format = static_cast<codec::content_format>(SIROCCO_FUZZ_FORMAT);
    if constexpr (format == codec::content_format::senml_etch_cbor) {
        paths p;
        (void)codec::decode_paths(format, in, p);
        return 0;
    }
    std::uint8_t scratch[128];
    // The first byte picks the request path, so CBOR (60) meets several types.
    static const lwm2m::path bases[] = {
        lwm2m::path{},
        lwm2m::path{lwm2m::object_id(3), lwm2m::instance_id(0)},
        lwm2m::path{lwm2m::object_id(3), lwm2m::instance_id(0), lwm2m::resource_id(13)},
        lwm2m::path{lwm2m::object_id(33050), lwm2m::instance_id(0), lwm2m::resource_id(7)},
        lwm2m::path{lwm2m::object_id(33050), lwm2m::instance_id(0), lwm2m::resource_id(3)},
        lwm2m::path{lwm2m::object_id(33050), lwm2m::instance_id(0), lwm2m::resource_id(9),
                    lwm2m::resource_instance_id(1)},
        lwm2m::path{lwm2m::object_id(9), lwm2m::instance_id(0), lwm2m::resource_id(0)},
        lwm2m::path{lwm2m::object_id(33050), lwm2m::instance_id(0), lwm2m::resource_id(2)},
    };
    const lwm2m::path base = bases[size > 0 ? data[0] % 8 : 0];
    const codec::decode_context ctx{base, (size > 1 && (data[1] & 1)) ? nullptr : &models, scratch};
    keep k;
    if (!codec::decode(format, ctx, in, k)) return 0;
    // Re-encode what decoded: records from one payload come in payload order,
    // which LwM2M CBOR's encoder requires sorted; errors are fine, crashes not.
    std::uint8_t out[8192];
    (void)codec::encode(format, {base, &models}, k.records(), out);
    return 0;
}
