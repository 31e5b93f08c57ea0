// SenML CBOR (112) and SenML-ETCH CBOR (322): the vectors of
// tests/vectors/codec/cbor (Core TS examples where their files say so, and
// which reproduction they were checked against), the legal encodings peers
// send, the interop traps, and errors.
#include "cbor_test_support.hpp"
#include "senml.hpp"

namespace sirocco::codec::test {
namespace {

const test_models models;

void expect_encodes_to(content_format f, const std::vector<owned_record>& rs, lwm2m::path base,
                       const std::string& vector) {
    auto out = encode_with(f, rs, base, &models);
    ASSERT_TRUE(out.has_value()) << out.error().reason;
    EXPECT_EQ(to_hex(*out), to_hex(load_vector(vector))) << vector;
}

void expect_decodes_to(content_format f, const std::string& vector, lwm2m::path base,
                       const std::vector<owned_record>& expected) {
    auto in = load_vector(vector);
    auto d = decode_with(f, in, base, &models);
    ASSERT_TRUE(d.status.has_value()) << vector << ": " << d.status.error().reason;
    EXPECT_EQ(d.records, expected) << vector;
}

TEST(SenmlCbor, DeviceReadExampleEncodesAndDecodesExactly) {
    expect_encodes_to(content_format::senml_cbor, device_records(), P("/3/0"), "senml_device_read");
    expect_decodes_to(content_format::senml_cbor, "senml_device_read", P("/3/0"), device_records());
}

TEST(SenmlCbor, MultipleInstanceResourceRead) {
    std::vector<owned_record> rs = {rec("/3/0/7/0", value::of_integer(3800)),
                                    rec("/3/0/7/1", value::of_integer(5000))};
    expect_encodes_to(content_format::senml_cbor, rs, P("/3/0/7"), "senml_multi_read");
    expect_decodes_to(content_format::senml_cbor, "senml_multi_read", P("/3/0/7"), rs);
}

TEST(SenmlCbor, CompositeReadResponseSpecExampleDecodes) {
    // Core TS 1.1 Table 7.4.4-7: full names, no bn. Decode only: we write a
    // bn per object instance (one byte shorter), senml_composite_read_bn.
    std::vector<owned_record> rs = {rec_s("/3/0/0", "Open Mobile Alliance"),
                                    rec("/3/0/9", value::of_integer(95)),
                                    rec("/1/0/1", value::of_integer(86400))};
    expect_decodes_to(content_format::senml_cbor, "senml_composite_read", lwm2m::path{}, rs);
    expect_encodes_to(content_format::senml_cbor, rs, lwm2m::path{}, "senml_composite_read_bn");
    expect_decodes_to(content_format::senml_cbor, "senml_composite_read_bn", lwm2m::path{}, rs);
    EXPECT_LT(load_vector("senml_composite_read_bn").size(),
              load_vector("senml_composite_read").size());
}

TEST(SenmlCbor, SendWithTimestampsUsesBaseTime) {
    std::vector<owned_record> rs = {rec("/3303/0/5700", value::of_float(22.5), 1700000000.0),
                                    rec("/3303/0/5700", value::of_float(23.25), 1700000010.0)};
    expect_encodes_to(content_format::senml_cbor, rs, lwm2m::path{}, "senml_send_timestamps");
    expect_decodes_to(content_format::senml_cbor, "senml_send_timestamps", lwm2m::path{}, rs);
}

TEST(SenmlCbor, TimestampedSpecExampleDecodes) {
    // Core TS 1.1 Table 7.4.4-3: bt 25462634, t -5 / -30 / -50, binary64
    // values, object 72 (no model: the value field decides the type).
    // Decode only: we write bt = the first timestamp, then relative t.
    std::vector<owned_record> rs = {rec("/72/1/2", value::of_float(22.4), 25462634.0 - 5),
                                    rec("/72/1/2", value::of_float(22.9), 25462634.0 - 30),
                                    rec("/72/1/2", value::of_float(24.1), 25462634.0 - 50)};
    auto d = decode_with(content_format::senml_cbor, load_vector("senml_timestamped_spec"),
                         P("/72"), nullptr);
    ASSERT_TRUE(d.status.has_value()) << d.status.error().reason;
    EXPECT_EQ(d.records, rs);
}

TEST(SenmlCbor, EveryValueField) {
    const std::uint8_t opaque[] = {0x00, 0x01, 0x02, 0x03, 0xde, 0xad, 0xbe, 0xef, 0x10, 0x20};
    std::vector<owned_record> rs = {
        rec_s("/33050/0/0", "Sirocco"),
        rec("/33050/0/1", value::of_integer(37)),
        rec("/33050/0/2", value::of_unsigned(74000)),
        rec("/33050/0/3", value::of_float(24.5)),
        rec("/33050/0/4", value::of_boolean(false)),
        rec("/33050/0/5", value::of_opaque(opaque)),
        rec("/33050/0/6", value::of_time(1700000222)),
        rec("/33050/0/7", value::of_objlnk({7, 0})),
        rec("/33050/0/8", value::of_float(28.274333882308138)),
        rec("/33050/0/10", value::of_integer(-444)),
    };
    expect_encodes_to(content_format::senml_cbor, rs, P("/33050/0"), "senml_types");
    expect_decodes_to(content_format::senml_cbor, "senml_types", P("/33050/0"), rs);
}

TEST(SenmlCbor, IndefiniteLengthsHalfFloatsAnyKeyOrderAndSplitNames) {
    std::vector<owned_record> rs = {rec_s("/3/0/0", "Open Mobile Alliance"),
                                    rec_s("/3/0/1", "Lightweight M2M Client"),
                                    rec("/3/0/9", value::of_integer(14))};
    expect_decodes_to(content_format::senml_cbor, "senml_device_read_indefinite", P("/3/0"), rs);
}

struct split_case {
    const char* hex;
    const char* path;
};

TEST(SenmlCbor, NamesSplitBetweenBnAndNInAnyLegalWay) {
    // Each decodes to one record /3/0/14 = "+02:00" (Device, UTC Offset).
    const split_case cases[] = {
        {"81a3 21 652f332f302f 00 623134 03 662b30323a3030", "/3/0/14"},  // "/3/0/" + "14"
        {"81a3 21 632f332f 00 64302f3134 03 662b30323a3030", "/3/0/14"},  // "/3/" + "0/14"
        {"81a2 21 672f332f302f3134 03 662b30323a3030", "/3/0/14"},        // bn only
        {"81a2 00 672f332f302f3134 03 662b30323a3030", "/3/0/14"},        // n only
        {"81a3 21 662f332f302f31 00 6134 03 662b30323a3030", "/3/0/14"},  // "/3/0/1" + "4"
        {"81a3 21 60 00 672f332f302f3134 03 662b30323a3030", "/3/0/14"},  // empty bn
        {"81a2 00 6131 03 662b30323a3030", "/3/0/1"},                     // relative to /3/0
        {"81a1 03 662b30323a3030", "/3/0"},  // no name: the request path
    };
    for (const auto& c : cases) {
        auto in = hex(c.hex);
        auto d = decode_with(content_format::senml_cbor, in, P("/3/0"), nullptr);
        if (std::string_view(c.path) == "/3/0") {
            ASSERT_FALSE(d.status.has_value()) << c.hex;  // a value needs a resource path
            EXPECT_EQ(d.status.error().code, errc::malformed);
            continue;
        }
        ASSERT_TRUE(d.status.has_value()) << c.hex << ": " << d.status.error().reason;
        ASSERT_EQ(d.records.size(), 1u) << c.hex;
        EXPECT_EQ(d.records[0].path, P(c.path)) << c.hex;
        EXPECT_EQ(d.records[0].value.view(), value::of_string("+02:00")) << c.hex;
    }
}

TEST(SenmlCbor, BaseNameCarriesOverAndChanges) {
    // [{-2: "/3/0/", 0: "9", 2: 1}, {0: "10", 2: 2}, {-2: "/1/0/", 0: "1", 2: 3}, {0: "0", 2: 4}]
    auto in =
        hex("84 a3 21 652f332f302f 00 6139 02 01  a2 00 623130 02 02"
            "   a3 21 652f312f302f 00 6131 02 03  a2 00 6130 02 04");
    auto d = decode_with(content_format::senml_cbor, in, {}, &models);
    ASSERT_TRUE(d.status.has_value()) << d.status.error().reason;
    std::vector<owned_record> want = {
        rec("/3/0/9", value::of_integer(1)), rec("/3/0/10", value::of_integer(2)),
        rec("/1/0/1", value::of_integer(3)), rec("/1/0/0", value::of_integer(4))};
    EXPECT_EQ(d.records, want);
}

TEST(SenmlCbor, WithoutModelTheFieldDecidesTheType) {
    // [{0: "/9/0/1", 2: 5}, {0: "/9/0/2", 2: 1.5}, {0: "/9/0/3", 4: true}, {0: "/9/0/4", 8: h'01'},
    //  {0: "/9/0/5", "vlo": "1:2"}, {0: "/9/0/6", 2: 18446744073709551615}]
    auto in =
        hex("86 a2 00 662f392f302f31 02 05"
            "   a2 00 662f392f302f32 02 f93e00"
            "   a2 00 662f392f302f33 04 f5"
            "   a2 00 662f392f302f34 08 4101"
            "   a2 00 662f392f302f35 63766c6f 63313a32"
            "   a2 00 662f392f302f36 02 1bffffffffffffffff");
    auto d = decode_with(content_format::senml_cbor, in, {}, nullptr);
    ASSERT_TRUE(d.status.has_value()) << d.status.error().reason;
    const std::uint8_t one[] = {1};
    std::vector<owned_record> want = {rec("/9/0/1", value::of_integer(5)),
                                      rec("/9/0/2", value::of_float(1.5)),
                                      rec("/9/0/3", value::of_boolean(true)),
                                      rec("/9/0/4", value::of_opaque(one)),
                                      rec("/9/0/5", value::of_objlnk({1, 2})),
                                      rec("/9/0/6", value::of_unsigned(18446744073709551615ull))};
    EXPECT_EQ(d.records, want);
}

TEST(SenmlCbor, ModelConvertsNumbersAndRejectsMismatches) {
    // /3/0/9 (Integer) given 14.0 as a float: accepted as 14.
    auto ok = decode_with(content_format::senml_cbor, hex("81a2 00 662f332f302f39 02 f94b00"), {},
                          &models);
    ASSERT_TRUE(ok.status.has_value());
    EXPECT_EQ(ok.records[0].value.view(), value::of_integer(14));
    // /3/0/13 (Time) from an integer.
    auto t = decode_with(content_format::senml_cbor, hex("81a2 00 672f332f302f3133 02 1a5182428f"),
                         {}, &models);
    ASSERT_TRUE(t.status.has_value());
    EXPECT_EQ(t.records[0].value.view(), value::of_time(1367491215));
    struct bad {
        const char* hex;
        errc code;
    } cases[] = {
        {"81a2 00 662f332f302f39 02 f93e00", errc::out_of_range},  // 1.5 for an Integer
        {"81a2 00 662f332f302f39 03 6131", errc::type_mismatch},   // vs for an Integer
        {"81a2 00 662f332f302f30 02 01", errc::type_mismatch},     // v for a String
        {"81a2 00 662f332f302f37 02 01", errc::type_mismatch},     // multiple resource, no instance
        {"81a2 00 682f332f302f392f30 02 01", errc::type_mismatch},  // single resource with instance
        {"81a2 00 662f312f302f36 02 01", errc::type_mismatch},      // v for a Boolean (vb is)
    };
    for (const auto& c : cases) {
        auto d = decode_with(content_format::senml_cbor, hex(c.hex), {}, &models);
        ASSERT_FALSE(d.status.has_value()) << c.hex;
        EXPECT_EQ(d.status.error().code, c.code) << c.hex << ": " << d.status.error().reason;
    }
}

TEST(SenmlCbor, RecordsWithoutValueArePathsOnly) {
    // [{0: "/3/0"}] -> a record of /3/0 without value (Read-Composite list style).
    auto d = decode_with(content_format::senml_cbor, hex("81a1 00 642f332f30"), {}, &models);
    ASSERT_TRUE(d.status.has_value());
    ASSERT_EQ(d.records.size(), 1u);
    EXPECT_EQ(d.records[0].path, P("/3/0"));
    EXPECT_TRUE(d.records[0].value.view().is_none());
}

TEST(SenmlCbor, UnknownFieldsAreIgnoredAndBaseValueApplies) {
    // {-1: 10 (bver), 1: "Cel" (u), "xyz": 1, 0: "/3303/0/5700", -5: 20.0 (bv), 2: 1.5, 7: 10 (ut)}
    auto in =
        hex("81a7 20 0a 01 6343656c 6378797a 01 00 6c2f333330332f302f35373030 24 f94d00 02 f93e00 "
            "07 0a");
    auto d = decode_with(content_format::senml_cbor, in, {}, &models);
    ASSERT_TRUE(d.status.has_value()) << d.status.error().reason;
    EXPECT_EQ(d.records[0].value.view(), value::of_float(21.5));
}

TEST(SenmlCbor, TrapZephyr99088MissingNamesOfResourceInstances) {
    // Our encoder names every resource instance (the bug was in an encoder).
    std::vector<owned_record> rs = {rec("/3/0/6/0", value::of_integer(1)),
                                    rec("/3/0/6/1", value::of_integer(5)),
                                    rec("/3/0/7/0", value::of_integer(3800))};
    auto out = encode_with(content_format::senml_cbor, rs, P("/3"), &models);
    ASSERT_TRUE(out.has_value());
    // [{-2: "/3/0/", 0: "6/0", 2: 1}, {0: "6/1", 2: 5}, {0: "7/0", 2: 3800}]
    EXPECT_EQ(to_hex(*out), to_hex(hex("83 a3 21 652f332f302f 00 63362f30 02 01"
                                       "   a2 00 63362f31 02 05  a2 00 63372f30 02 190ed8")));
    // The buggy payload is refused with a reason instead of being misread.
    auto d =
        decode_with(content_format::senml_cbor, load_vector("trap_zephyr_99088"), P("/3"), &models);
    ASSERT_FALSE(d.status.has_value());
    EXPECT_EQ(d.status.error().code, errc::malformed);
    EXPECT_EQ(lwm2m::to_status(d.status.error().code), lwm2m::status::bad_request);
}

TEST(SenmlCbor, TrapLeshan1654TextLabels) {
    auto d = decode_with(content_format::senml_cbor, load_vector("trap_leshan_1654"), {}, &models);
    ASSERT_FALSE(d.status.has_value());
    EXPECT_EQ(d.status.error().code, errc::malformed);
    EXPECT_NE(std::string_view(d.status.error().reason).find("integers"), std::string_view::npos);
}

TEST(SenmlCbor, MalformedInputsAreErrorsWith400) {
    const char* cases[] = {
        "",                                          // empty
        "a0",                                        // not an array
        "8101",                                      // record not a map
        "81a2 00 6131 02",                           // truncated
        "81a2 00 01 02 01",                          // n not text
        "81a3 00 6131 02 01 03 6161",                // two value fields
        "81a3 00 6131 00 6132 02 01",                // n twice
        "81a2 00 6131 02 6161",                      // v not a number
        "81a2 00 6131 04 01",                        // vb not a boolean
        "81a2 00 6131 08 6161",                      // vd not bytes
        "81a2 00 6131 61 76 01",                     // text label "v"
        "81a2 00 6131 6278 5f 01",                   // must-understand "x_"
        "81a2 00 6a2f332f302f3730303030 02 01",      // id over 65535
        "81a2 00 6c2f312f322f332f342f352f36 02 01",  // 6 ids
        "81a2 00 6131 02 01 00",                     // trailing bytes
        "9f a2 00 6131 02 01",                       // indefinite pack not closed
        "81 a2 00 6131 02 a1 01 02",                 // v is a map
    };
    for (const char* c : cases) {
        auto d = decode_with(content_format::senml_cbor, hex(c), P("/3/0"), &models);
        ASSERT_FALSE(d.status.has_value()) << c;
        EXPECT_EQ(lwm2m::to_status(d.status.error().code), lwm2m::status::bad_request)
            << c << ": " << d.status.error().reason;
    }
}

TEST(SenmlCbor, ScratchTooSmallForIndefiniteStringIs413) {
    auto in = load_vector("senml_device_read_indefinite");
    auto d = decode_with(content_format::senml_cbor, in, P("/3/0"), &models, 4);
    ASSERT_FALSE(d.status.has_value());
    EXPECT_EQ(d.status.error().code, errc::capacity_exceeded);
}

TEST(SenmlCbor, EncoderBufferTooSmall) {
    auto rs = device_records();
    auto v = views(rs);
    std::array<std::uint8_t, 20> out{};
    auto n = encode(content_format::senml_cbor, {P("/3/0"), &models}, v, out);
    ASSERT_FALSE(n.has_value());
    EXPECT_EQ(n.error().code, errc::buffer_too_small);
}

TEST(SenmlCbor, SingleResourceReadHasBaseNameOnly) {
    std::vector<owned_record> rs = {rec("/3/0/9", value::of_integer(100))};
    auto out = encode_with(content_format::senml_cbor, rs, P("/3/0/9"), &models);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(to_hex(*out),
              to_hex(hex("81a2 21 662f332f302f39 02 1864")));  // [{-2: "/3/0/9", 2: 100}]
}

TEST(SenmlCbor, MixedTimestampsUseAbsoluteTimes) {
    std::vector<owned_record> rs = {rec("/3303/0/5700", value::of_float(1.5), 1700000000.5),
                                    rec_s("/3303/0/5701", "Cel")};
    auto out = encode_with(content_format::senml_cbor, rs, P("/3303/0"), &models);
    ASSERT_TRUE(out.has_value());
    auto d = decode_with(content_format::senml_cbor, *out, P("/3303/0"), &models);
    ASSERT_TRUE(d.status.has_value());
    EXPECT_EQ(d.records, rs);
}

TEST(SenmlCbor, Instance50RoundTrip) {
    auto recs = bench::instance50_records();
    std::vector<std::uint8_t> out(4096);
    bench::instance50_models m;
    auto n = encode(content_format::senml_cbor, {bench::instance50_path, &m}, recs, out);
    ASSERT_TRUE(n.has_value());
    out.resize(*n);
    auto d = decode_with(content_format::senml_cbor, out, bench::instance50_path, &m);
    ASSERT_TRUE(d.status.has_value()) << d.status.error().reason;
    ASSERT_EQ(d.records.size(), recs.size());
    for (std::size_t i = 0; i < recs.size(); ++i)
        EXPECT_EQ(d.records[i].view(), recs[i]) << i;
}

TEST(SenmlCbor, IndefiniteBaseNameOutlivesTheScratchOfItsRecord) {
    // [{-2: (_ "/3/", "0/"), 0: "0", 3: "a"}, {0: (_ "1", "4"), 3: (_ "+0", "2:00")}]
    auto in =
        hex("82 a3 21 7f 632f332f 62302f ff 00 6130 03 6161"
            "   a2 00 7f 6131 6134 ff 03 7f 622b30 64323a3030 ff");
    auto d = decode_with(content_format::senml_cbor, in, {}, &models, 16);
    ASSERT_TRUE(d.status.has_value()) << d.status.error().reason;
    std::vector<owned_record> want = {rec_s("/3/0/0", "a"), rec_s("/3/0/14", "+02:00")};
    EXPECT_EQ(d.records, want);
}

TEST(Senml, ObjectLinkText) {
    EXPECT_EQ(*senml::parse_objlnk("3:0"), (lwm2m::objlnk{3, 0}));
    EXPECT_EQ(*senml::parse_objlnk("65535:65535"), lwm2m::objlnk::null());
    for (auto bad : {"", ":", "3:", ":0", "3:0:1", "65536:0", "3;0", "-1:0", "3:0 ", "a:b"})
        EXPECT_EQ(senml::parse_objlnk(bad).error().code, errc::malformed) << bad;
    char buf[11];
    auto n = senml::format_objlnk(lwm2m::objlnk::null(), buf);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(std::string_view(buf, *n), "65535:65535");
    char small[3];
    EXPECT_EQ(senml::format_objlnk({100, 0}, small).error().code, errc::buffer_too_small);
}

TEST(Senml, GrouperNamesForEveryRequestLevel) {
    std::vector<owned_record> rs = {rec("/3/0/9", value::of_integer(1)),
                                    rec("/3/0/11/0", value::of_integer(2)),
                                    rec("/3/1/9", value::of_integer(3))};
    auto v = views(rs);
    struct expect {
        const char* base;
        const char* names;  // bn|n per record, "-" when absent
    } cases[] = {
        {"/", "/3/0/|9 -|11/0 /3/1/|9"},
        {"/3", "/3/0/|9 -|11/0 /3/1/|9"},
        {"/3/0", "/3/0/|9 -|11/0 /3/1/|9"},
    };
    for (const auto& c : cases) {
        senml::grouper g(P(c.base), v);
        std::string got;
        for (std::size_t i = 0; i < v.size(); ++i) {
            auto e = g.next();
            ASSERT_TRUE(e.has_value());
            if (i) got += ' ';
            got += e->bn ? std::string(*e->bn) : "-";
            got += '|';
            got += e->n ? std::string(*e->n) : "-";
        }
        EXPECT_EQ(got, c.names) << c.base;
        EXPECT_EQ(g.next().error().code, errc::invalid_argument);
    }
}

struct path_list final : path_sink {
    result<void> on_path(const lwm2m::path& p) noexcept override {
        paths.push_back(p);
        return {};
    }
    std::vector<lwm2m::path> paths;
};

TEST(SenmlEtchCbor, PathListEncodesAndDecodesExactly) {
    // Core TS 1.1 Table 7.4.4-6, the Read-Composite request body.
    std::vector<lwm2m::path> ps = {P("/3/0/0"), P("/3/0/9"), P("/1/0/1")};
    std::vector<std::uint8_t> out(256);
    auto n = encode_paths(content_format::senml_etch_cbor, ps, out);
    ASSERT_TRUE(n.has_value());
    out.resize(*n);
    EXPECT_EQ(to_hex(out), to_hex(load_vector("senml_etch_paths")));
    path_list sink;
    ASSERT_TRUE(decode_paths(content_format::senml_etch_cbor, load_vector("senml_etch_paths"), sink)
                    .has_value());
    EXPECT_EQ(sink.paths, ps);
}

TEST(SenmlEtchCbor, BaseNamesRootAndErrors) {
    // [{-2: "/3/0/", 0: "9"}, {0: "10"}, {-2: "", 0: "/"}]: /3/0/9, /3/0/10, / (the root)
    path_list sink;
    auto in = hex("83 a2 21 652f332f302f 00 6139  a1 00 623130  a2 21 60 00 612f");
    ASSERT_TRUE(decode_paths(content_format::senml_etch_cbor, in, sink).has_value());
    std::vector<lwm2m::path> want = {P("/3/0/9"), P("/3/0/10"), lwm2m::path{}};
    EXPECT_EQ(sink.paths, want);
    path_list bad;
    auto r = decode_paths(content_format::senml_etch_cbor, hex("81a1 00 622f78"), bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::malformed);
}

}  // namespace
}  // namespace sirocco::codec::test
