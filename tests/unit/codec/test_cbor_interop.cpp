// Interop with an independent CBOR implementation: Debian's libcbor (C,
// libcbor-dev). Our SenML CBOR, LwM2M CBOR and CBOR (60) payloads are decoded
// by libcbor into the same values; payloads built by libcbor (indefinite
// arrays, maps and strings, half floats, tags) are decoded by us.
#include <cbor.h>

#include <cstdlib>
#include <functional>
#include <memory>

#include "cbor_test_support.hpp"
#include "senml.hpp"

namespace sirocco::codec::test {
namespace {

const test_models models;

struct item_deleter {
    void operator()(cbor_item_t* i) const noexcept { cbor_decref(&i); }
};
using item_ptr = std::unique_ptr<cbor_item_t, item_deleter>;

item_ptr load(const std::vector<std::uint8_t>& in) {
    cbor_load_result res{};
    cbor_item_t* item = cbor_load(in.data(), in.size(), &res);
    EXPECT_EQ(res.error.code, CBOR_ERR_NONE) << "libcbor could not read " << to_hex(in);
    EXPECT_EQ(res.read, in.size());
    return item_ptr(item);
}

std::string text_of(cbor_item_t* s) {
    if (cbor_string_is_definite(s))
        return std::string(reinterpret_cast<const char*>(cbor_string_handle(s)),
                           cbor_string_length(s));
    std::string out;
    cbor_item_t** chunks = cbor_string_chunks_handle(s);
    for (std::size_t i = 0; i < cbor_string_chunk_count(s); ++i)
        out += text_of(chunks[i]);
    return out;
}

std::string bytes_of(cbor_item_t* s) {
    if (cbor_bytestring_is_definite(s))
        return std::string(reinterpret_cast<const char*>(cbor_bytestring_handle(s)),
                           cbor_bytestring_length(s));
    std::string out;
    cbor_item_t** chunks = cbor_bytestring_chunks_handle(s);
    for (std::size_t i = 0; i < cbor_bytestring_chunk_count(s); ++i)
        out += bytes_of(chunks[i]);
    return out;
}

// The value of a libcbor item as LwM2M would read it without a model.
owned_value value_of(cbor_item_t* it) {
    switch (cbor_typeof(it)) {
        case CBOR_TYPE_UINT: {
            std::uint64_t u = cbor_get_int(it);
            return u > 0x7fffffffffffffffull
                       ? owned_value(value::of_unsigned(u))
                       : owned_value(value::of_integer(static_cast<std::int64_t>(u)));
        }
        case CBOR_TYPE_NEGINT:
            return owned_value(value::of_integer(-1 - static_cast<std::int64_t>(cbor_get_int(it))));
        case CBOR_TYPE_BYTESTRING:
            return owned_value::opaque(bytes_of(it));
        case CBOR_TYPE_STRING:
            return owned_value::string(text_of(it));
        case CBOR_TYPE_TAG: {
            item_ptr inner(cbor_tag_item(it));
            EXPECT_EQ(cbor_tag_value(it), 1u);
            auto v = value_of(inner.get());
            return owned_value(value::of_time(v.view().integer()));
        }
        case CBOR_TYPE_FLOAT_CTRL:
            if (cbor_float_get_width(it) == CBOR_FLOAT_0) {
                if (cbor_is_bool(it)) return owned_value(value::of_boolean(cbor_get_bool(it)));
                if (cbor_is_null(it)) return owned_value();
                ADD_FAILURE() << "unexpected simple value";
                return owned_value();
            }
            return owned_value(value::of_float(cbor_float_get_float(it)));
        default:
            ADD_FAILURE() << "unexpected CBOR type";
            return owned_value();
    }
}

// What our records look like on the wire once read back without a model.
owned_value wire_form(const value& v, bool senml) {
    switch (v.type()) {
        case lwm2m::data_type::time:
            return senml ? owned_value(value::of_integer(v.time())) : owned_value(v);
        case lwm2m::data_type::unsigned_integer:
            return v.unsigned_integer() > 0x7fffffffffffffffull
                       ? owned_value(v)
                       : owned_value(
                             value::of_integer(static_cast<std::int64_t>(v.unsigned_integer())));
        case lwm2m::data_type::corelnk:
            return owned_value::string(std::string(v.string()));
        case lwm2m::data_type::objlnk: {
            if (senml) return owned_value(v);
            return owned_value::string(std::to_string(v.link().object_id) + ":" +
                                       std::to_string(v.link().instance_id));
        }
        default:
            return owned_value(v);
    }
}

// SenML CBOR read by libcbor: bn + n and the value fields.
std::vector<owned_record> senml_via_libcbor(const std::vector<std::uint8_t>& in) {
    auto root = load(in);
    std::vector<owned_record> out;
    if (!root || !cbor_isa_array(root.get())) {
        ADD_FAILURE() << "not an array";
        return out;
    }
    std::string bn;
    double bt = 0;
    bool have_bt = false;
    for (std::size_t i = 0; i < cbor_array_size(root.get()); ++i) {
        item_ptr m(cbor_array_get(root.get(), i));
        std::string n;
        std::optional<double> t;
        owned_value v;
        cbor_pair* pairs = cbor_map_handle(m.get());
        for (std::size_t k = 0; k < cbor_map_size(m.get()); ++k) {
            cbor_item_t* key = pairs[k].key;
            cbor_item_t* val = pairs[k].value;
            if (cbor_isa_string(key)) {
                EXPECT_EQ(text_of(key), "vlo");
                auto l = senml::parse_objlnk(text_of(val));
                EXPECT_TRUE(l.has_value());
                v = owned_value(value::of_objlnk(*l));
                continue;
            }
            std::int64_t label = cbor_isa_uint(key)
                                     ? static_cast<std::int64_t>(cbor_get_int(key))
                                     : -1 - static_cast<std::int64_t>(cbor_get_int(key));
            switch (label) {
                case -2:
                    bn = text_of(val);
                    break;
                case -3:
                    bt = value_of(val).view().as_float().value();
                    have_bt = true;
                    break;
                case 0:
                    n = text_of(val);
                    break;
                case 6:
                    t = value_of(val).view().as_float().value();
                    break;
                case 2:
                case 3:
                case 4:
                case 8:
                    v = value_of(val);
                    break;
                default:
                    ADD_FAILURE() << "unexpected label " << label;
            }
        }
        std::optional<double> ts;
        if (have_bt || t) ts = bt + t.value_or(0);
        out.emplace_back(P(bn + n), v, ts);
    }
    return out;
}

void flatten(cbor_item_t* map, std::vector<std::uint16_t> prefix, std::vector<owned_record>& out) {
    cbor_pair* pairs = cbor_map_handle(map);
    for (std::size_t k = 0; k < cbor_map_size(map); ++k) {
        auto ids = prefix;
        cbor_item_t* key = pairs[k].key;
        if (cbor_isa_array(key)) {
            for (std::size_t j = 0; j < cbor_array_size(key); ++j) {
                item_ptr id(cbor_array_get(key, j));
                ids.push_back(static_cast<std::uint16_t>(cbor_get_int(id.get())));
            }
        } else {
            ids.push_back(static_cast<std::uint16_t>(cbor_get_int(key)));
        }
        if (cbor_isa_map(pairs[k].value)) {
            flatten(pairs[k].value, ids, out);
        } else {
            out.emplace_back(*lwm2m::path::from_ids(ids), value_of(pairs[k].value));
        }
    }
}

std::vector<owned_record> expected_wire(const std::vector<lwm2m::record>& rs, bool senml) {
    std::vector<owned_record> out;
    for (const auto& r : rs)
        out.emplace_back(r.path, wire_form(r.value, senml), r.timestamp);
    return out;
}

std::vector<std::uint8_t> encode_records(content_format f, const std::vector<lwm2m::record>& rs,
                                         lwm2m::path base, const lwm2m::model_provider* m) {
    std::vector<std::uint8_t> out(8192);
    auto n = encode(f, {base, m}, rs, out);
    EXPECT_TRUE(n.has_value());
    out.resize(n ? *n : 0);
    return out;
}

TEST(CborInterop, LibcborReadsOurSenmlCbor) {
    auto dev = device_records();
    auto dev_views = views(dev);
    EXPECT_EQ(senml_via_libcbor(
                  encode_records(content_format::senml_cbor, dev_views, P("/3/0"), &models)),
              expected_wire(dev_views, true));
    auto recs = bench::instance50_records();
    bench::instance50_models m;
    EXPECT_EQ(senml_via_libcbor(
                  encode_records(content_format::senml_cbor, recs, bench::instance50_path, &m)),
              expected_wire(recs, true));
    std::vector<owned_record> ts = {rec("/3303/0/5700", value::of_float(22.5), 1700000000.0),
                                    rec("/3303/0/5700", value::of_float(0.1), 1700000010.5)};
    auto ts_views = views(ts);
    EXPECT_EQ(senml_via_libcbor(encode_records(content_format::senml_cbor, ts_views, {}, &models)),
              expected_wire(ts_views, true));
}

TEST(CborInterop, LibcborReadsOurLwm2mCbor) {
    auto recs = bench::instance50_records();
    bench::instance50_models m;
    auto bytes = encode_records(content_format::lwm2m_cbor, recs, bench::instance50_path, &m);
    auto root = load(bytes);
    std::vector<owned_record> got;
    flatten(root.get(), {}, got);
    EXPECT_EQ(got, expected_wire(recs, false));
    auto dev = device_records();
    auto dev_views = views(dev);
    auto root2 = load(encode_records(content_format::lwm2m_cbor, dev_views, P("/3/0"), &models));
    std::vector<owned_record> got2;
    flatten(root2.get(), {}, got2);
    EXPECT_EQ(got2, expected_wire(dev_views, false));
}

TEST(CborInterop, LibcborReadsOurCborSingleValues) {
    bench::instance50_models m;
    for (const auto& r : bench::instance50_records()) {
        auto bytes = encode_records(content_format::cbor, {r}, r.path, &m);
        auto item = load(bytes);
        EXPECT_EQ(value_of(item.get()), wire_form(r.value, false))
            << lwm2m::path_text(r.path).view();
    }
}

std::vector<std::uint8_t> serialize(cbor_item_t* item) {
    unsigned char* buf = nullptr;
    std::size_t cap = 0;
    std::size_t n = cbor_serialize_alloc(item, &buf, &cap);
    std::vector<std::uint8_t> out(buf, buf + n);
    std::free(buf);
    cbor_decref(&item);
    return out;
}

cbor_item_t* chunked(const std::string& s, std::size_t chunk) {
    cbor_item_t* str = cbor_new_indefinite_string();
    for (std::size_t i = 0; i < s.size(); i += chunk)
        EXPECT_TRUE(cbor_string_add_chunk(
            str, cbor_move(cbor_build_stringn(s.data() + i, std::min(chunk, s.size() - i)))));
    return str;
}

void map_add(cbor_item_t* map, cbor_item_t* k, cbor_item_t* v) {
    EXPECT_TRUE(cbor_map_add(map, cbor_pair{cbor_move(k), cbor_move(v)}));
}

cbor_item_t* label(int l) {
    return l >= 0 ? cbor_build_uint8(static_cast<std::uint8_t>(l))
                  : cbor_build_negint8(static_cast<std::uint8_t>(-1 - l));
}

TEST(CborInterop, WeReadLibcborSenmlWithIndefiniteLengthsAndHalfFloats) {
    // [_ {_ -2: (_ "/33", "03/0/"), 0: "5700", 2: 22.5 (half), 6: -5.5 (half)},
    //    {_ 0: (_ "57", "01"), 3: (_ "C", "el")},
    //    {_ -2: "/3/0/", 0: "13", -3: 1.7e9 (float32? no: double), 2: 1367491215}]
    cbor_item_t* pack = cbor_new_indefinite_array();
    cbor_item_t* r1 = cbor_new_indefinite_map();
    map_add(r1, label(-2), chunked("/3303/0/", 3));
    map_add(r1, label(0), cbor_build_string("5700"));
    map_add(r1, label(2), cbor_build_float2(22.5f));
    map_add(r1, label(6), cbor_build_float2(-5.5f));
    EXPECT_TRUE(cbor_array_push(pack, cbor_move(r1)));
    cbor_item_t* r2 = cbor_new_indefinite_map();
    map_add(r2, label(0), chunked("5701", 2));
    map_add(r2, label(3), chunked("Cel", 1));
    EXPECT_TRUE(cbor_array_push(pack, cbor_move(r2)));
    cbor_item_t* r3 = cbor_new_indefinite_map();
    map_add(r3, label(-2), cbor_build_string("/3/0/"));
    map_add(r3, label(0), cbor_build_string("13"));
    map_add(r3, label(2), cbor_build_uint32(1367491215));
    EXPECT_TRUE(cbor_array_push(pack, cbor_move(r3)));
    auto bytes = serialize(pack);
    auto d = decode_with(content_format::senml_cbor, bytes, {}, &models);
    ASSERT_TRUE(d.status.has_value()) << d.status.error().reason << " in " << to_hex(bytes);
    std::vector<owned_record> want = {rec("/3303/0/5700", value::of_float(22.5), -5.5),
                                      rec_s("/3303/0/5701", "Cel"),
                                      rec("/3/0/13", value::of_time(1367491215))};
    want[1].timestamp = std::nullopt;
    // bt is not set, so only the record with t has a timestamp.
    EXPECT_EQ(d.records, want);
}

TEST(CborInterop, WeReadLibcborLwm2mCborAndSingleValues) {
    // {_ 3: {_ 0: {_ 9: 100.0 (half), 13: 1(1367491215), 14: (_ "+02", ":00"), 7: {_ 0: 3800}}}}
    cbor_item_t* inst = cbor_new_indefinite_map();
    map_add(inst, cbor_build_uint8(9), cbor_build_float2(100.0f));
    map_add(inst, cbor_build_uint8(13),
            cbor_build_tag(1, cbor_move(cbor_build_uint32(1367491215))));
    map_add(inst, cbor_build_uint8(14), chunked("+02:00", 3));
    cbor_item_t* multi = cbor_new_indefinite_map();
    map_add(multi, cbor_build_uint8(0), cbor_build_uint16(3800));
    map_add(inst, cbor_build_uint8(7), multi);
    cbor_item_t* obj = cbor_new_indefinite_map();
    map_add(obj, cbor_build_uint8(0), inst);
    cbor_item_t* root = cbor_new_indefinite_map();
    map_add(root, cbor_build_uint8(3), obj);
    auto bytes = serialize(root);
    auto d = decode_with(content_format::lwm2m_cbor, bytes, P("/3/0"), &models);
    ASSERT_TRUE(d.status.has_value()) << d.status.error().reason << " in " << to_hex(bytes);
    std::vector<owned_record> want = {
        rec("/3/0/9", value::of_integer(100)), rec("/3/0/13", value::of_time(1367491215)),
        rec_s("/3/0/14", "+02:00"), rec("/3/0/7/0", value::of_integer(3800))};
    EXPECT_EQ(d.records, want);

    auto half = serialize(cbor_build_float2(0.5f));
    auto s = decode_with(content_format::cbor, half, P("/3303/0/5700"), &models);
    ASSERT_TRUE(s.status.has_value());
    EXPECT_EQ(s.records.at(0), rec("/3303/0/5700", value::of_float(0.5)));
    auto dbl = serialize(cbor_build_float8(0.1));
    auto s2 = decode_with(content_format::cbor, dbl, P("/3303/0/5700"), &models);
    EXPECT_EQ(s2.records.at(0), rec("/3303/0/5700", value::of_float(0.1)));
    auto bs =
        serialize(cbor_build_bytestring(reinterpret_cast<const unsigned char*>("\x01\x02"), 2));
    auto s3 = decode_with(content_format::cbor, bs, P("/33050/0/5"), &models);
    const std::uint8_t two[] = {1, 2};
    EXPECT_EQ(s3.records.at(0), rec("/33050/0/5", value::of_opaque(two)));
}

}  // namespace
}  // namespace sirocco::codec::test
