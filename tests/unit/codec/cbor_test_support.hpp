// Test support for the CBOR-based codecs: a hand-written model_provider
// (Device 3, Server 1, Temperature 3303 as in the OMA registry, and the
// benchmark object 33050), vector loading and record helpers.
#pragma once

#include <array>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../../../bench/common/instance50.hpp"
#include "sirocco/base/hex.hpp"
#include "sirocco/codec/codec.hpp"
#include "sirocco/lwm2m/model.hpp"
#include "sirocco/lwm2m/owned_value.hpp"
#include "sirocco/lwm2m/status.hpp"

namespace sirocco::codec::test {

using lwm2m::data_type;
using lwm2m::operations;

inline constexpr lwm2m::resource_model res(std::uint16_t id, data_type t, bool multiple = false,
                                           operations ops = operations::read) {
    lwm2m::resource_model r{};
    r.id = id;
    r.type = t;
    r.multiple = multiple;
    r.ops = ops;
    return r;
}

inline constexpr std::array<lwm2m::resource_model, 18> device_resources = {
    res(0, data_type::string),
    res(1, data_type::string),
    res(2, data_type::string),
    res(3, data_type::string),
    res(4, data_type::none, false, operations::execute),
    res(5, data_type::none, false, operations::execute),
    res(6, data_type::integer, true),
    res(7, data_type::integer, true),
    res(8, data_type::integer, true),
    res(9, data_type::integer),
    res(10, data_type::integer),
    res(11, data_type::integer, true),
    res(12, data_type::none, false, operations::execute),
    res(13, data_type::time, false, operations::read_write),
    res(14, data_type::string, false, operations::read_write),
    res(15, data_type::string, false, operations::read_write),
    res(16, data_type::string),
    res(17, data_type::string),
};
inline constexpr std::array<lwm2m::resource_model, 4> server_resources = {
    res(0, data_type::integer), res(1, data_type::integer, false, operations::read_write),
    res(6, data_type::boolean, false, operations::read_write),
    res(7, data_type::string, false, operations::read_write)};
inline constexpr std::array<lwm2m::resource_model, 2> temperature_resources = {
    res(5700, data_type::float_), res(5701, data_type::string)};

class test_models final : public lwm2m::model_provider {
  public:
    test_models() {
        device_.id = 3;
        device_.resources = device_resources;
        server_.id = 1;
        server_.multiple = true;
        server_.resources = server_resources;
        temperature_.id = 3303;
        temperature_.multiple = true;
        temperature_.resources = temperature_resources;
    }
    const lwm2m::object_model* find(lwm2m::object_id oid,
                                    std::string_view = {}) const noexcept override {
        switch (oid.value()) {
            case 1:
                return &server_;
            case 3:
                return &device_;
            case 3303:
                return &temperature_;
            case bench::instance50_object_id:
                return &bench::instance50_object;
            default:
                return nullptr;
        }
    }

  private:
    lwm2m::object_model device_{};
    lwm2m::object_model server_{};
    lwm2m::object_model temperature_{};
};

inline std::vector<std::uint8_t> load_vector(const std::string& name) {
    std::ifstream f(std::string(SIROCCO_SOURCE_DIR) + "/tests/vectors/codec/cbor/" + name + ".hex");
    EXPECT_TRUE(f.good()) << name;
    std::stringstream ss;
    ss << f.rdbuf();
    std::string text = ss.str();
    std::vector<std::uint8_t> out(text.size());
    auto n = parse_hex(text, out);
    EXPECT_TRUE(n.has_value()) << name;
    out.resize(n ? *n : 0);
    return out;
}

inline std::vector<std::uint8_t> hex(std::string_view text) {
    std::vector<std::uint8_t> out(text.size());
    auto n = parse_hex(text, out);
    EXPECT_TRUE(n.has_value()) << text;
    out.resize(n ? *n : 0);
    return out;
}

inline std::string to_hex(bytes_view b) {
    std::string s(b.size() * 2, '\0');
    (void)format_hex(b, s);
    return s;
}

inline lwm2m::path P(std::string_view text) {
    auto p = lwm2m::path::parse(text);
    EXPECT_TRUE(p.has_value()) << text;
    return p ? *p : lwm2m::path{};
}

using lwm2m::owned_record;
using lwm2m::owned_value;
using lwm2m::value;

inline owned_record rec(std::string_view path, value v, std::optional<double> t = std::nullopt) {
    return owned_record(P(path), owned_value(v), t);
}
inline owned_record rec_s(std::string_view path, std::string s) {
    return owned_record(P(path), owned_value::string(std::move(s)));
}

inline std::vector<lwm2m::record> views(const std::vector<owned_record>& rs) {
    std::vector<lwm2m::record> out;
    for (const auto& r : rs)
        out.push_back(r.view());
    return out;
}

struct decoded {
    result<void> status;
    std::vector<owned_record> records;
};

inline decoded decode_with(content_format f, bytes_view in, lwm2m::path base = {},
                           const lwm2m::model_provider* models = nullptr,
                           std::size_t scratch_size = 256) {
    std::vector<std::uint8_t> scratch(scratch_size);
    decode_context ctx{base, models, scratch};
    lwm2m::record_list sink;
    auto r = decode(f, ctx, in, sink);
    return {r, std::move(sink.records)};
}

inline result<std::vector<std::uint8_t>> encode_with(
    content_format f, const std::vector<owned_record>& rs, lwm2m::path base = {},
    const lwm2m::model_provider* models = nullptr) {
    std::vector<std::uint8_t> out(8192);
    auto v = views(rs);
    encode_context ctx{base, models};
    auto n = encode(f, ctx, v, out);
    if (!n) return unexpected(n.error());
    out.resize(*n);
    return out;
}

/// The Device object instance of the Core TS examples (vectors
/// senml_device_read / lwm2m_device_read).
inline std::vector<owned_record> device_records() {
    return {
        rec_s("/3/0/0", "Open Mobile Alliance"),
        rec_s("/3/0/1", "Lightweight M2M Client"),
        rec_s("/3/0/2", "345000123"),
        rec_s("/3/0/3", "1.0"),
        rec("/3/0/6/0", value::of_integer(1)),
        rec("/3/0/6/1", value::of_integer(5)),
        rec("/3/0/7/0", value::of_integer(3800)),
        rec("/3/0/7/1", value::of_integer(5000)),
        rec("/3/0/8/0", value::of_integer(125)),
        rec("/3/0/8/1", value::of_integer(900)),
        rec("/3/0/9", value::of_integer(100)),
        rec("/3/0/10", value::of_integer(15)),
        rec("/3/0/11/0", value::of_integer(0)),
        rec("/3/0/13", value::of_time(1367491215)),
        rec_s("/3/0/14", "+02:00"),
        rec_s("/3/0/16", "U"),
    };
}

}  // namespace sirocco::codec::test
