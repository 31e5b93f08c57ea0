// Shared helpers of the text/TLV/JSON/link codec tests: a small hand-written
// model provider (subsets of the OMA objects the TS examples use), vector
// file loading, and record builders.
#pragma once

#include <array>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "sirocco/base/hex.hpp"
#include "sirocco/codec/codec.hpp"
#include "sirocco/lwm2m/model.hpp"
#include "sirocco/lwm2m/owned_value.hpp"

namespace sirocco::lwm2m {
/// Readable records in test failures.
inline void PrintTo(const owned_record& r, std::ostream* os) {
    *os << path_text(r.path).view() << "=";
    const auto v = r.value.view();
    switch (v.type()) {
        case data_type::none:
            *os << "none";
            break;
        case data_type::string:
            *os << "s\"" << v.string() << "\"";
            break;
        case data_type::corelnk:
            *os << "l\"" << v.string() << "\"";
            break;
        case data_type::opaque:
            *os << "o[" << v.opaque().size() << "]";
            break;
        case data_type::integer:
            *os << "i" << v.integer();
            break;
        case data_type::time:
            *os << "t" << v.integer();
            break;
        case data_type::unsigned_integer:
            *os << "u" << v.unsigned_integer();
            break;
        case data_type::float_:
            *os << "f" << v.float_value();
            break;
        case data_type::boolean:
            *os << (v.boolean() ? "true" : "false");
            break;
        case data_type::objlnk:
            *os << v.link().object_id << ":" << v.link().instance_id;
            break;
    }
    if (r.timestamp) *os << "@" << *r.timestamp;
}
}  // namespace sirocco::lwm2m

namespace sirocco::test {

using lwm2m::data_type;
using lwm2m::operations;
using lwm2m::resource_model;

inline constexpr resource_model res(std::uint16_t id, data_type t, bool multiple = false,
                                    operations ops = operations::read_write) {
    resource_model r;
    r.id = id;
    r.type = t;
    r.multiple = multiple;
    r.ops = ops;
    return r;
}

// Core TS 1.2 appendix E (OMA objects), the resources the examples use.
inline const std::array<resource_model, 4> security_res{
    res(0, data_type::string), res(1, data_type::boolean), res(2, data_type::integer),
    res(3, data_type::opaque)};
inline const std::array<resource_model, 7> security_res_full{
    res(0, data_type::string),  res(1, data_type::boolean), res(2, data_type::integer),
    res(3, data_type::opaque),  res(4, data_type::opaque),  res(5, data_type::opaque),
    res(10, data_type::integer)};
inline const std::array<resource_model, 9> server_res{
    res(0, data_type::integer),
    res(1, data_type::integer),
    res(2, data_type::integer),
    res(3, data_type::integer),
    res(4, data_type::none, false, operations::execute),
    res(5, data_type::integer),
    res(6, data_type::boolean),
    res(7, data_type::string),
    res(8, data_type::none, false, operations::execute)};
inline const std::array<resource_model, 4> acl_res{
    res(0, data_type::integer), res(1, data_type::integer), res(2, data_type::integer, true),
    res(3, data_type::integer)};
inline const std::array<resource_model, 23> device_res{
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
    res(13, data_type::time),
    res(14, data_type::string),
    res(15, data_type::string),
    res(16, data_type::string),
    res(17, data_type::string),
    res(18, data_type::string),
    res(19, data_type::string),
    res(20, data_type::integer),
    res(21, data_type::integer),
    res(22, data_type::objlnk, true)};
inline const std::array<resource_model, 2> firmware_res{res(0, data_type::opaque),
                                                        res(1, data_type::string)};
// Objects 65 and 66 of the object-link example (Core TS 1.0 6.4.3.3, figure 28).
inline const std::array<resource_model, 3> obj65_res{
    res(0, data_type::objlnk, true), res(1, data_type::string), res(2, data_type::integer)};
inline const std::array<resource_model, 3> obj66_res{
    res(0, data_type::string), res(1, data_type::string), res(2, data_type::objlnk)};
// IPSO temperature (3303): sensor value, units.
inline const std::array<resource_model, 2> temp_res{res(5700, data_type::float_),
                                                    res(5701, data_type::string)};
// A test object with one resource of each remaining type.
inline const std::array<resource_model, 6> misc_res{
    res(0, data_type::unsigned_integer), res(1, data_type::corelnk),
    res(2, data_type::float_),           res(3, data_type::unsigned_integer, true),
    res(4, data_type::boolean, true),    res(5, data_type::opaque, true)};

inline lwm2m::object_model object(std::uint16_t id, std::span<const resource_model> r,
                                  bool multiple) {
    lwm2m::object_model m;
    m.id = id;
    m.resources = r;
    m.multiple = multiple;
    return m;
}

class test_models final : public lwm2m::model_provider {
  public:
    test_models()
        : objects_{object(0, security_res_full, true), object(1, server_res, true),
                   object(2, acl_res, true),           object(3, device_res, false),
                   object(5, firmware_res, false),     object(65, obj65_res, true),
                   object(66, obj66_res, true),        object(3303, temp_res, true),
                   object(10250, misc_res, true)} {}
    const lwm2m::object_model* find(lwm2m::object_id oid,
                                    std::string_view = {}) const noexcept override {
        for (const auto& o : objects_)
            if (o.id == oid.value()) return &o;
        return nullptr;
    }

  private:
    std::array<lwm2m::object_model, 9> objects_;
};

inline lwm2m::path P(std::string_view s) {
    return *lwm2m::path::parse(s);
}

using lwm2m::owned_record;
using lwm2m::owned_value;
using lwm2m::value;

inline owned_record R(std::string_view p, value v, std::optional<double> t = std::nullopt) {
    return owned_record(P(p), owned_value(v), t);
}
inline owned_record S(std::string_view p, std::string s) {
    return {P(p), owned_value::string(std::move(s))};
}
inline owned_record O(std::string_view p, std::string b) {
    return {P(p), owned_value::opaque(std::move(b))};
}
inline owned_record I(std::string_view p, std::int64_t i) {
    return R(p, value::of_integer(i));
}

inline std::vector<lwm2m::record> views(const std::vector<owned_record>& rs) {
    std::vector<lwm2m::record> out;
    for (const auto& r : rs)
        out.push_back(r.view());
    return out;
}

/// A vector file: metadata lines "@key value" and the payload (hex for
/// .hex files, the file's bytes otherwise, minus the @ lines and '#'
/// comment lines at the top).
struct vector_file {
    std::map<std::string, std::string> meta;
    std::vector<std::uint8_t> bytes;
};

inline std::string vectors_dir() {
    return std::string(SIROCCO_SOURCE_DIR) + "/tests/vectors/codec/";
}

inline vector_file load_vector(const std::string& rel) {
    std::ifstream f(vectors_dir() + rel, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string all = ss.str();
    vector_file v;
    bool hex = rel.size() > 4 && rel.substr(rel.size() - 4) == ".hex";
    std::string body;
    std::istringstream lines(all);
    std::string line;
    bool header = true;
    while (std::getline(lines, line)) {
        auto first = line.find_first_not_of(" \t");
        if (first != std::string::npos && line[first] == '@') {
            auto sp = line.find(' ', first);
            v.meta[line.substr(first + 1, sp - first - 1)] =
                sp == std::string::npos ? "" : line.substr(sp + 1);
            continue;
        }
        if (!hex && header && first != std::string::npos && line[first] == '#') continue;
        if (!hex) header = false;
        body += line;
        body += '\n';
    }
    if (hex) {
        v.bytes.resize(body.size());
        auto n = parse_hex(body, v.bytes);
        v.bytes.resize(n ? *n : 0);
    } else {
        // Text vectors: the body without its final newline.
        while (!body.empty() && (body.back() == '\n'))
            body.pop_back();
        v.bytes.assign(body.begin(), body.end());
    }
    return v;
}

inline std::string str(const std::vector<std::uint8_t>& b) {
    return std::string(b.begin(), b.end());
}

/// Decodes with a scratch buffer; returns the records or the error.
struct decoded {
    result<void> status;
    std::vector<owned_record> records;
};

inline decoded decode(codec::content_format f, std::string_view base,
                      const std::vector<std::uint8_t>& in, const lwm2m::model_provider* models,
                      std::size_t scratch_size = 512) {
    std::vector<std::uint8_t> scratch(scratch_size);
    codec::decode_context ctx{P(base), models, scratch};
    lwm2m::record_list sink;
    auto r = codec::decode(f, ctx, in, sink);
    return {r, std::move(sink.records)};
}

inline result<std::vector<std::uint8_t>> encode(codec::content_format f, std::string_view base,
                                                const std::vector<owned_record>& rs,
                                                const lwm2m::model_provider* models,
                                                std::size_t cap = 4096) {
    std::vector<std::uint8_t> out(cap);
    auto v = views(rs);
    auto n = codec::encode(f, {P(base), models}, v, out);
    if (!n) return unexpected(n.error());
    out.resize(*n);
    return out;
}

inline std::vector<std::uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

}  // namespace sirocco::test
