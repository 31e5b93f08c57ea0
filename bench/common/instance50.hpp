// The shared benchmark data set: one object instance with 50 resources of
// mixed types, five of them multiple-instance (3 instances each), so every
// codec benchmark (TLV, JSON, SenML JSON/CBOR, LwM2M CBOR) encodes and decodes
// the same data and docs/performance.md can compare payload sizes.
//
// Object 33050 "Bench Object" is made up for the benchmarks (a number in the
// vendor range, not a registered object). Instance 0, resources 0..49:
//   r % 10 == 9            multiple-instance (integer, float or string), 3 instances
//   otherwise by r % 9:    0 string, 1 integer, 2 unsigned, 3 float, 4 boolean,
//                          5 opaque, 6 time, 7 objlnk, 8 float (not exact in 32 bits)
//   resource 48            corelnk
//
// Header-only and host-side (std::vector). Everything the records point at is
// static storage, so the records stay valid for the whole program.
//
// Use:
//   sirocco::bench::instance50_models models;           // a model_provider
//   std::vector<lwm2m::record> recs = sirocco::bench::instance50_records();
//   lwm2m::path base = sirocco::bench::instance50_path; // "/33050/0"
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sirocco/lwm2m/model.hpp"
#include "sirocco/lwm2m/record.hpp"

namespace sirocco::bench {

inline constexpr std::uint16_t instance50_object_id = 33050;
inline const lwm2m::path instance50_path{lwm2m::object_id(instance50_object_id),
                                         lwm2m::instance_id(0)};

namespace instance50_detail {

inline constexpr lwm2m::data_type type_of(std::uint16_t r) noexcept {
    using lwm2m::data_type;
    if (r == 48) return data_type::corelnk;
    if (r % 10 == 9) {
        switch ((r / 10) % 3) {
            case 0:
                return data_type::integer;
            case 1:
                return data_type::float_;
            default:
                return data_type::string;
        }
    }
    switch (r % 9) {
        case 0:
            return data_type::string;
        case 1:
            return data_type::integer;
        case 2:
            return data_type::unsigned_integer;
        case 3:
            return data_type::float_;
        case 4:
            return data_type::boolean;
        case 5:
            return data_type::opaque;
        case 6:
            return data_type::time;
        case 7:
            return data_type::objlnk;
        default:
            return data_type::float_;
    }
}

inline constexpr std::array<std::string_view, 50> names = {
    "Res0",  "Res1",  "Res2",  "Res3",  "Res4",  "Res5",  "Res6",  "Res7",  "Res8",  "Res9",
    "Res10", "Res11", "Res12", "Res13", "Res14", "Res15", "Res16", "Res17", "Res18", "Res19",
    "Res20", "Res21", "Res22", "Res23", "Res24", "Res25", "Res26", "Res27", "Res28", "Res29",
    "Res30", "Res31", "Res32", "Res33", "Res34", "Res35", "Res36", "Res37", "Res38", "Res39",
    "Res40", "Res41", "Res42", "Res43", "Res44", "Res45", "Res46", "Res47", "Res48", "Res49",
};

inline constexpr std::array<lwm2m::resource_model, 50> make_resources() noexcept {
    std::array<lwm2m::resource_model, 50> out{};
    for (std::uint16_t r = 0; r < 50; ++r) {
        out[r].id = r;
        out[r].name = names[r];
        out[r].ops = lwm2m::operations::read_write;
        out[r].multiple = (r % 10 == 9);
        out[r].type = type_of(r);
    }
    return out;
}

inline constexpr std::array<lwm2m::resource_model, 50> resources = make_resources();

inline constexpr std::array<std::string_view, 8> strings = {
    "Sirocco",
    "urn:dev:ops:32473-Bench-0001",
    "open",
    "Europe/Paris",
    "a somewhat longer string value of about fifty chars",
    "",
    "x",
    "UTF-8 \xc3\xa9t\xc3\xa9"};

inline constexpr std::array<std::uint8_t, 16> opaque_bytes = {
    0x00, 0x01, 0x02, 0x03, 0xde, 0xad, 0xbe, 0xef, 0x10, 0x20, 0x30, 0x40, 0xff, 0xfe, 0x7f, 0x80};

inline lwm2m::value value_of(std::uint16_t r, std::uint16_t ri) noexcept {
    using lwm2m::value;
    const auto k = static_cast<std::int64_t>(r) * 37 + ri * 1000;
    switch (type_of(r)) {
        case lwm2m::data_type::string:
            return value::of_string(strings[(r + ri) % strings.size()]);
        case lwm2m::data_type::integer:
            // small, one-byte, two-byte, four-byte and negative integers
            switch (r % 5) {
                case 0:
                    return value::of_integer(k % 24);
                case 1:
                    return value::of_integer(k * 3);
                case 2:
                    return value::of_integer(-k);
                case 3:
                    return value::of_integer(k * 100003);
                default:
                    return value::of_integer(k * 7);
            }
        case lwm2m::data_type::unsigned_integer:
            return value::of_unsigned(static_cast<std::uint64_t>(k) * 1000u);
        case lwm2m::data_type::float_:
            if (r % 9 == 8 || ri == 1) return value::of_float(3.141592653589793 * (r + 1));
            return value::of_float(21.5 + r);  // exact in 16 or 32 bits
        case lwm2m::data_type::boolean:
            return value::of_boolean(r % 2 == 0);
        case lwm2m::data_type::opaque:
            return value::of_opaque(bytes_view(opaque_bytes.data(), 4 + (r % 12)));
        case lwm2m::data_type::time:
            return value::of_time(1700000000 + k);
        case lwm2m::data_type::objlnk:
            return value::of_objlnk(
                {static_cast<std::uint16_t>(r), static_cast<std::uint16_t>(ri)});
        case lwm2m::data_type::corelnk:
            return value::of_corelnk("</3/0>,</1/0>;ssid=101");
        default:
            return value();
    }
}

}  // namespace instance50_detail

/// The model of object 33050.
inline const lwm2m::object_model instance50_object{
    instance50_object_id,
    "Bench Object",
    "50 resources of mixed types for the codec benchmarks",
    "1.0",
    "1.1",
    true,
    false,
    "urn:oma:lwm2m:x:33050",
    std::span<const lwm2m::resource_model>(instance50_detail::resources),
};

/// A model_provider that knows object 33050 only.
class instance50_models final : public lwm2m::model_provider {
  public:
    const lwm2m::object_model* find(lwm2m::object_id oid,
                                    std::string_view = {}) const noexcept override {
        return oid.value() == instance50_object_id ? &instance50_object : nullptr;
    }
};

/// The 60 records of /33050/0 (45 single resources + 5 x 3 resource
/// instances), sorted by path.
inline std::vector<lwm2m::record> instance50_records() {
    std::vector<lwm2m::record> out;
    for (std::uint16_t r = 0; r < 50; ++r) {
        lwm2m::path rp{lwm2m::object_id(instance50_object_id), lwm2m::instance_id(0),
                       lwm2m::resource_id(r)};
        if (r % 10 == 9) {
            for (std::uint16_t ri = 0; ri < 3; ++ri) {
                out.push_back(
                    {lwm2m::path{lwm2m::object_id(instance50_object_id), lwm2m::instance_id(0),
                                 lwm2m::resource_id(r), lwm2m::resource_instance_id(ri)},
                     instance50_detail::value_of(r, ri),
                     {}});
            }
        } else {
            out.push_back({rp, instance50_detail::value_of(r, 0), {}});
        }
    }
    return out;
}

}  // namespace sirocco::bench
