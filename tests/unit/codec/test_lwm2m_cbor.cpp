// LwM2M CBOR (11544) and CBOR (60): our vectors modelled on the Core TS 1.2
// LwM2M CBOR format (no reproduction of the spec's own examples was found to
// verify them against, see their files), the legal encodings peers send, the
// 11543/11544 swap, errors.
#include "cbor_test_support.hpp"

namespace sirocco::codec::test {
namespace {

const test_models models;

void expect_round_trip(content_format f, const std::vector<owned_record>& rs, lwm2m::path base,
                       const std::string& vector) {
    auto out = encode_with(f, rs, base, &models);
    ASSERT_TRUE(out.has_value()) << vector << ": " << out.error().reason;
    EXPECT_EQ(to_hex(*out), to_hex(load_vector(vector))) << vector;
    auto d = decode_with(f, load_vector(vector), base, &models);
    ASSERT_TRUE(d.status.has_value()) << vector << ": " << d.status.error().reason;
    EXPECT_EQ(d.records, rs) << vector;
}

TEST(LwM2mCbor, DeviceReadExample) {
    expect_round_trip(content_format::lwm2m_cbor, device_records(), P("/3/0"), "lwm2m_device_read");
}

TEST(LwM2mCbor, MultipleInstanceResourceUsesArrayKey) {
    expect_round_trip(
        content_format::lwm2m_cbor,
        {rec("/3/0/7/0", value::of_integer(3800)), rec("/3/0/7/1", value::of_integer(5000))},
        P("/3/0/7"), "lwm2m_multi_read");
}

TEST(LwM2mCbor, CompositeRead) {
    expect_round_trip(
        content_format::lwm2m_cbor,
        {rec("/1/0/1", value::of_integer(86400)), rec_s("/3/0/0", "Open Mobile Alliance"),
         rec("/3/0/9", value::of_integer(95)), rec_s("/3/0/14", "+02:00")},
        lwm2m::path{}, "lwm2m_composite_read");
}

TEST(LwM2mCbor, AcceptsIndefiniteMapsArrayKeysHalfFloatsAnyOrder) {
    auto d = decode_with(content_format::lwm2m_cbor, load_vector("lwm2m_device_read_variants"),
                         P("/3/0"), &models);
    ASSERT_TRUE(d.status.has_value()) << d.status.error().reason;
    std::vector<owned_record> want = {
        rec("/3/0/9", value::of_integer(100)), rec_s("/3/0/0", "Open Mobile Alliance"),
        rec("/3/0/6/1", value::of_integer(5)), rec("/3/0/6/0", value::of_integer(1)),
        rec("/3/0/13", value::of_time(1367491215))};
    EXPECT_EQ(d.records, want);
}

TEST(LwM2mCbor, EveryKeySplitDecodesTheSame) {
    // /3/0/14 = "+02:00" as {3:{0:{14:v}}}, {[3,0]:{14:v}}, {3:{[0,14]:v}}, {[3,0,14]:v},
    // {[3]:{[0]:{[14]:v}}}
    const char* cases[] = {
        "a1 03 a1 00 a1 0e 662b30323a3030",       "a1 820300 a1 0e 662b30323a3030",
        "a1 03 a1 82000e 662b30323a3030",         "a1 8303000e 662b30323a3030",
        "a1 8103 a1 8100 a1 810e 662b30323a3030", "bf 9f03000eff 662b30323a3030 ff"};
    for (const char* c : cases) {
        auto d = decode_with(content_format::lwm2m_cbor, hex(c), {}, &models);
        ASSERT_TRUE(d.status.has_value()) << c << ": " << d.status.error().reason;
        ASSERT_EQ(d.records.size(), 1u) << c;
        EXPECT_EQ(d.records[0], rec_s("/3/0/14", "+02:00")) << c;
    }
}

TEST(LwM2mCbor, EveryTypeRoundTripsAndInstance50) {
    auto recs = bench::instance50_records();
    std::vector<std::uint8_t> out(4096);
    bench::instance50_models m;
    auto n = encode(content_format::lwm2m_cbor, {bench::instance50_path, &m}, recs, out);
    ASSERT_TRUE(n.has_value());
    out.resize(*n);
    auto d = decode_with(content_format::lwm2m_cbor, out, bench::instance50_path, &m);
    ASSERT_TRUE(d.status.has_value()) << d.status.error().reason;
    ASSERT_EQ(d.records.size(), recs.size());
    for (std::size_t i = 0; i < recs.size(); ++i)
        EXPECT_EQ(d.records[i].view(), recs[i]) << i;
    // Without a model the CBOR types decide (Objlnk comes back as a string,
    // Time as time thanks to tag 1, floats as floats, unsigned as integers).
    auto raw = decode_with(content_format::lwm2m_cbor, out, bench::instance50_path, nullptr);
    ASSERT_TRUE(raw.status.has_value());
    EXPECT_EQ(raw.records[6].value.type(), lwm2m::data_type::time);
    EXPECT_EQ(raw.records[3].value.type(), lwm2m::data_type::float_);
}

TEST(LwM2mCbor, AcceptsWhatAnjayLiteSends) {
    auto d = decode_with(content_format::lwm2m_cbor, load_vector("lwm2m_anjay_style"), {}, nullptr);
    ASSERT_TRUE(d.status.has_value()) << d.status.error().reason;
    ASSERT_EQ(d.records.size(), 3u);
    EXPECT_EQ(d.records[0], rec("/13/26/1/2", value::of_float(4.5)));
    EXPECT_EQ(d.records[1].path, P("/13/26/2/2"));
    EXPECT_TRUE(d.records[1].value.view().is_none());
    EXPECT_EQ(d.records[2], rec("/13/26/2/3", value::of_integer(5)));
}

TEST(CborSingle, DecimalFractions) {
    // 4([-2, 27315]) = 273.15 for a Float; 4([1, 12]) = 120 for an Integer.
    auto f = decode_with(content_format::cbor, hex("c4 82 21 19 6ab3"), P("/3303/0/5700"), &models);
    ASSERT_TRUE(f.status.has_value()) << f.status.error().reason;
    EXPECT_EQ(f.records.at(0), rec("/3303/0/5700", value::of_float(273.15)));
    auto i = decode_with(content_format::cbor, hex("c4 82 01 0c"), P("/3/0/9"), &models);
    ASSERT_TRUE(i.status.has_value());
    EXPECT_EQ(i.records.at(0), rec("/3/0/9", value::of_integer(120)));
    for (auto bad : {"c4 81 01", "c4 82 01 f93c00", "c4 82 1901f4 01", "c4 01"}) {
        auto d = decode_with(content_format::cbor, hex(bad), P("/3303/0/5700"), &models);
        ASSERT_FALSE(d.status.has_value()) << bad;
        EXPECT_EQ(lwm2m::to_status(d.status.error().code), lwm2m::status::bad_request) << bad;
    }
}

TEST(LwM2mCbor, NullIsARecordWithoutValue) {
    auto d = decode_with(content_format::lwm2m_cbor, hex("a1 83 03 00 07 a1 01 f6"), {}, &models);
    ASSERT_TRUE(d.status.has_value());
    ASSERT_EQ(d.records.size(), 1u);
    EXPECT_EQ(d.records[0].path, P("/3/0/7/1"));
    EXPECT_TRUE(d.records[0].value.view().is_none());
}

TEST(LwM2mCbor, MalformedInputsAre400) {
    const char* cases[] = {
        "",                              // empty
        "80",                            // not a map
        "a1 03",                         // truncated
        "a1 03 01",                      // value at the object level
        "a1 82 03 00 01",                // value at the instance level
        "a1 80 01",                      // empty array key
        "a1 6133 01",                    // text key
        "a1 21 01",                      // negative key
        "a1 1a00010000 a1 00 a1 00 01",  // id over 65535
        "a1 85 01 02 03 04 05 01",       // 5 ids
        "a1 84 01 02 03 04 a1 00 01",    // a map below 4 ids
        "a1 83 03 00 00 6161 00",        // trailing bytes
        "bf 83 03 00 00 6161",           // indefinite map not closed
        "a1 83 03 00 00 ff",             // break as a value
        "a1 83 03 00 00 80",             // array as a value
        "a1 83 03 00 09 6161",           // text for an Integer
        "a1 83 03 00 07 01",             // multiple resource without instance
    };
    for (const char* c : cases) {
        auto d = decode_with(content_format::lwm2m_cbor, hex(c), {}, &models);
        ASSERT_FALSE(d.status.has_value()) << c;
        EXPECT_EQ(lwm2m::to_status(d.status.error().code), lwm2m::status::bad_request)
            << c << ": " << d.status.error().reason;
    }
}

TEST(LwM2mCbor, DeepNestingIsBounded) {
    // {0: {0: {0: {0: {0: ...}}}}} 200 levels: refused at the 5th id, no deep recursion.
    std::vector<std::uint8_t> in;
    for (int i = 0; i < 200; ++i) {
        in.push_back(0xa1);
        in.push_back(0x00);
    }
    in.push_back(0x01);
    auto d = decode_with(content_format::lwm2m_cbor, in, {}, nullptr);
    ASSERT_FALSE(d.status.has_value());
    EXPECT_EQ(d.status.error().code, errc::malformed);
}

TEST(LwM2mCbor, EncoderChecksItsInput) {
    auto ts = encode_with(content_format::lwm2m_cbor, {rec("/3/0/9", value::of_integer(1), 5.0)},
                          {}, &models);
    EXPECT_EQ(ts.error().code, errc::unsupported);
    auto unsorted = encode_with(
        content_format::lwm2m_cbor,
        {rec("/3/0/9", value::of_integer(1)), rec("/3/0/1", value::of_integer(1))}, {}, &models);
    EXPECT_EQ(unsorted.error().code, errc::invalid_argument);
    auto both = encode_with(
        content_format::lwm2m_cbor,
        {rec("/3/0/7", value::of_integer(1)), rec("/3/0/7/0", value::of_integer(1))}, {}, &models);
    EXPECT_EQ(both.error().code, errc::invalid_argument);
    auto empty = encode_with(content_format::lwm2m_cbor, {}, {}, &models);
    ASSERT_TRUE(empty.has_value());
    EXPECT_EQ(to_hex(*empty), "a0");
}

TEST(LwM2mCbor, TrapSwapped11543And11544) {
    // A server that swapped the numbers sends LwM2M CBOR labelled 11543
    // (OMA LwM2M JSON): the dispatcher sees a CBOR map head and decodes it
    // as LwM2M CBOR (codec.cpp).
    auto d = decode_with(content_format::lwm2m_json, load_vector("lwm2m_device_read"), P("/3/0"),
                         &models);
    ASSERT_TRUE(d.status.has_value()) << d.status.error().reason;
    EXPECT_EQ(d.records, device_records());
    // And labelled 11544, LwM2M JSON is decoded as JSON (not as broken CBOR).
    const std::string_view json = R"({"bn":"/3/0/","e":[{"n":"9","v":100}]})";
    auto j = decode_with(content_format::lwm2m_cbor, as_bytes(json), P("/3/0"), &models);
    ASSERT_TRUE(j.status.has_value()) << j.status.error().reason;
    ASSERT_EQ(j.records.size(), 1u);
    EXPECT_EQ(j.records[0], rec("/3/0/9", value::of_integer(100)));
}

// ---- CBOR (60) ---------------------------------------------------------------

struct single_case {
    const char* vector;
    const char* path;
    owned_record record;
};

TEST(CborSingle, VectorsEncodeAndDecodeExactly) {
    const std::uint8_t opaque[] = {0xde, 0xad, 0xbe, 0xef};
    const single_case cases[] = {
        {"single_string", "/3/0/0", rec_s("/3/0/0", "Open Mobile Alliance")},
        {"single_integer", "/3/0/9", rec("/3/0/9", value::of_integer(100))},
        {"single_negative", "/33050/0/1", rec("/33050/0/1", value::of_integer(-1000))},
        {"single_float32", "/33050/0/3", rec("/33050/0/3", value::of_float(1.5))},
        {"single_float64", "/33050/0/3", rec("/33050/0/3", value::of_float(0.1))},
        {"single_boolean", "/33050/0/4", rec("/33050/0/4", value::of_boolean(true))},
        {"single_opaque", "/33050/0/5", rec("/33050/0/5", value::of_opaque(opaque))},
        {"single_time", "/3/0/13", rec("/3/0/13", value::of_time(1367491215))},
        {"single_objlnk", "/33050/0/7", rec("/33050/0/7", value::of_objlnk({3, 0}))},
        {"single_unsigned", "/33050/0/2",
         rec("/33050/0/2", value::of_unsigned(18446744073709551615ull))},
    };
    for (const auto& c : cases)
        expect_round_trip(content_format::cbor, {c.record}, P(c.path), c.vector);
}

TEST(CborSingle, ResourceInstanceAndLenientInputs) {
    // /3/0/7/1 (Integer) from f9 6ce2, 5000.0 as a half float -> 5000.
    auto ok = decode_with(content_format::cbor, hex("f96ce2"), P("/3/0/7/1"), &models);
    ASSERT_TRUE(ok.status.has_value()) << ok.status.error().reason;
    EXPECT_EQ(ok.records[0], rec("/3/0/7/1", value::of_integer(5000)));
    // Time without tag 1, and with tag 1 on a float.
    auto t1 = decode_with(content_format::cbor, hex("1a5182428f"), P("/3/0/13"), &models);
    EXPECT_EQ(t1.records.at(0), rec("/3/0/13", value::of_time(1367491215)));
    auto t2 = decode_with(content_format::cbor, hex("c1fb41d46090a3c00000"), P("/3/0/13"), &models);
    ASSERT_TRUE(t2.status.has_value());
    EXPECT_EQ(t2.records.at(0), rec("/3/0/13", value::of_time(1367491215)));
    // An indefinite text string.
    auto s = decode_with(content_format::cbor, hex("7f634f4d41ff"), P("/3/0/0"), &models);
    EXPECT_EQ(s.records.at(0), rec_s("/3/0/0", "OMA"));
}

TEST(CborSingle, Errors) {
    struct c {
        const char* hex;
        const char* path;
        errc code;
    } cases[] = {
        {"", "/3/0/9", errc::malformed},
        {"1864 00", "/3/0/9", errc::malformed},       // two items
        {"f6", "/3/0/9", errc::malformed},            // null
        {"6161", "/3/0/9", errc::type_mismatch},      // text for Integer
        {"a0", "/3/0/9", errc::type_mismatch},        // map
        {"f93e00", "/3/0/9", errc::out_of_range},     // 1.5 for Integer
        {"20", "/33050/0/2", errc::out_of_range},     // -1 for Unsigned
        {"6378793a", "/33050/0/7", errc::malformed},  // objlnk "xy:"
        {"01", "/3/0", errc::unsupported},            // not a resource path
    };
    for (const auto& k : cases) {
        auto d = decode_with(content_format::cbor, hex(k.hex), P(k.path), &models);
        ASSERT_FALSE(d.status.has_value()) << k.hex;
        EXPECT_EQ(d.status.error().code, k.code) << k.hex << ": " << d.status.error().reason;
    }
    EXPECT_EQ(encode_with(content_format::cbor, device_records(), P("/3/0"), &models).error().code,
              errc::unsupported);
}

}  // namespace
}  // namespace sirocco::codec::test
