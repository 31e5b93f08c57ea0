// The CBOR reader and writer (libs/codec/src/cbor.hpp), RFC 8949.
#include "cbor.hpp"

#include <cmath>
#include <limits>

#include "cbor_test_support.hpp"

namespace sirocco::codec::test {
namespace {

std::string write_hex(void (*f)(cbor::writer&)) {
    std::array<std::uint8_t, 64> buf{};
    cbor::writer w(buf);
    f(w);
    auto n = w.finish();
    EXPECT_TRUE(n.has_value());
    return to_hex(bytes_view(buf.data(), n ? *n : 0));
}

TEST(CborWriter, IntegerHeadsAreShortest) {
    struct c {
        std::int64_t v;
        const char* hex;
    } cases[] = {{0, "00"},
                 {23, "17"},
                 {24, "1818"},
                 {255, "18ff"},
                 {256, "190100"},
                 {65535, "19ffff"},
                 {65536, "1a00010000"},
                 {4294967295, "1affffffff"},
                 {4294967296, "1b0000000100000000"},
                 {-1, "20"},
                 {-24, "37"},
                 {-25, "3818"},
                 {-256, "38ff"},
                 {-257, "390100"},
                 {std::numeric_limits<std::int64_t>::min(), "3b7fffffffffffffff"}};
    for (const auto& k : cases) {
        std::array<std::uint8_t, 16> buf{};
        cbor::writer w(buf);
        w.int64(k.v);
        EXPECT_EQ(to_hex(bytes_view(buf.data(), *w.finish())), k.hex) << k.v;
    }
    EXPECT_EQ(write_hex([](cbor::writer& w) { w.uint(18446744073709551615ull); }),
              "1bffffffffffffffff");
}

TEST(CborWriter, FloatsAre32BitsWhenExactElse64NeverHalf) {
    EXPECT_EQ(write_hex([](cbor::writer& w) { w.floating(1.5); }), "fa3fc00000");
    EXPECT_EQ(write_hex([](cbor::writer& w) { w.floating(0.0); }), "fa00000000");
    EXPECT_EQ(write_hex([](cbor::writer& w) { w.floating(-0.0); }), "fa80000000");
    EXPECT_EQ(write_hex([](cbor::writer& w) { w.floating(0.1); }), "fb3fb999999999999a");
    EXPECT_EQ(write_hex([](cbor::writer& w) { w.floating(1e300); }), "fb7e37e43c8800759c");
    EXPECT_EQ(
        write_hex([](cbor::writer& w) { w.floating(std::numeric_limits<double>::infinity()); }),
        "fa7f800000");
    EXPECT_EQ(
        write_hex([](cbor::writer& w) { w.floating(-std::numeric_limits<double>::infinity()); }),
        "faff800000");
    EXPECT_EQ(write_hex([](cbor::writer& w) { w.floating(std::nan("")); }), "fa7fc00000");
    // A double just above FLT_MAX is not converted to float (that would be UB).
    EXPECT_EQ(write_hex([](cbor::writer& w) { w.floating(3.5e38); }).substr(0, 2), "fb");
}

TEST(CborWriter, NumberWritesIntegralValuesAsIntegers) {
    EXPECT_EQ(write_hex([](cbor::writer& w) { w.number(10.0); }), "0a");
    EXPECT_EQ(write_hex([](cbor::writer& w) { w.number(-5.0); }), "24");
    EXPECT_EQ(write_hex([](cbor::writer& w) { w.number(1.5); }), "fa3fc00000");
    EXPECT_EQ(write_hex([](cbor::writer& w) { w.number(1e19); }), "fb43e158e460913d00");
}

TEST(CborWriter, StringsContainersSimple) {
    EXPECT_EQ(write_hex([](cbor::writer& w) { w.text("IETF"); }), "6449455446");
    EXPECT_EQ(write_hex([](cbor::writer& w) { w.text(""); }), "60");
    EXPECT_EQ(write_hex([](cbor::writer& w) {
                  const std::uint8_t b[] = {1, 2, 3, 4};
                  w.bytes(b);
              }),
              "4401020304");
    EXPECT_EQ(write_hex([](cbor::writer& w) {
                  w.array(2);
                  w.map(0);
                  w.tag(1);
                  w.uint(0);
              }),
              "82a0c100");
    EXPECT_EQ(write_hex([](cbor::writer& w) {
                  w.boolean(false);
                  w.boolean(true);
                  w.null();
              }),
              "f4f5f6");
}

TEST(CborWriter, ReportsShortBuffer) {
    std::array<std::uint8_t, 3> buf{};
    cbor::writer w(buf);
    w.text("four");
    auto r = w.finish();
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::buffer_too_small);
}

cbor::item read_one(std::string_view h, std::vector<std::uint8_t>& keep,
                    mutable_bytes scratch = {}) {
    keep = hex(h);
    cbor::reader r(keep, scratch);
    auto it = r.next();
    EXPECT_TRUE(it.has_value()) << h;
    EXPECT_TRUE(r.empty()) << h;
    return it ? *it : cbor::item{};
}

TEST(CborReader, EveryArgumentLengthIncludingNonShortest) {
    std::vector<std::uint8_t> k;
    EXPECT_EQ(read_one("17", k).u, 23u);
    EXPECT_EQ(read_one("1817", k).u, 23u);  // not shortest, still well-formed
    EXPECT_EQ(read_one("190017", k).u, 23u);
    EXPECT_EQ(read_one("1a00000017", k).u, 23u);
    EXPECT_EQ(read_one("1b0000000000000017", k).u, 23u);
    auto neg = read_one("3903e7", k);
    EXPECT_EQ(neg.type, cbor::kind::negative_int);
    EXPECT_EQ(*cbor::to_int64(neg), -1000);
    auto big = read_one("3bffffffffffffffff", k);
    EXPECT_EQ(cbor::to_int64(big).error().code, errc::out_of_range);
}

TEST(CborReader, HalfSingleDoubleFloats) {
    std::vector<std::uint8_t> k;
    EXPECT_EQ(read_one("f93c00", k).f, 1.0);
    EXPECT_EQ(read_one("f93e00", k).f, 1.5);
    EXPECT_EQ(read_one("f97bff", k).f, 65504.0);
    EXPECT_EQ(read_one("f90001", k).f, 5.960464477539063e-8);  // smallest subnormal
    EXPECT_EQ(read_one("f90400", k).f, 6.103515625e-05);       // smallest normal
    EXPECT_EQ(read_one("f9c400", k).f, -4.0);
    EXPECT_TRUE(std::signbit(read_one("f98000", k).f));
    EXPECT_EQ(read_one("f97c00", k).f, std::numeric_limits<double>::infinity());
    EXPECT_TRUE(std::isnan(read_one("f97e00", k).f));
    EXPECT_EQ(read_one("fa47c35000", k).f, 100000.0);
    EXPECT_EQ(read_one("fb3ff199999999999a", k).f, 1.1);
}

TEST(CborReader, IndefiniteStringsAreConcatenatedInScratch) {
    std::vector<std::uint8_t> k;
    std::array<std::uint8_t, 16> scratch{};
    auto t = read_one("7f657374726561646d696e67ff", k, scratch);
    EXPECT_EQ(t.type, cbor::kind::text);
    EXPECT_TRUE(t.indefinite);
    EXPECT_EQ(t.text(), "streaming");
    auto b = read_one("5f42010243030405ff", k, scratch);
    EXPECT_EQ(to_hex(b.data), "0102030405");
    auto e = read_one("7fff", k, scratch);
    EXPECT_EQ(e.text(), "");
    // Too little scratch.
    k = hex("7f657374726561646d696e67ff");
    cbor::reader r(k, mutable_bytes(scratch.data(), 4));
    EXPECT_EQ(r.next().error().code, errc::capacity_exceeded);
    // A chunk of another type, or a nested indefinite chunk.
    for (auto bad : {"7f4161ff", "7f7f6161ffff", "5f6161ff"}) {
        k = hex(bad);
        cbor::reader r2(k, scratch);
        EXPECT_EQ(r2.next().error().code, errc::malformed) << bad;
    }
}

TEST(CborReader, SimpleValuesAndReservedHeads) {
    std::vector<std::uint8_t> k;
    EXPECT_EQ(read_one("f4", k).type, cbor::kind::boolean);
    EXPECT_TRUE(read_one("f5", k).b);
    EXPECT_EQ(read_one("f6", k).type, cbor::kind::null);
    EXPECT_EQ(read_one("f7", k).type, cbor::kind::undefined);
    EXPECT_EQ(read_one("f0", k).type, cbor::kind::simple);
    EXPECT_EQ(read_one("f8ff", k).u, 255u);
    for (auto bad :
         {"f81f", "1c", "3d", "5e", "ff" /* break is an item, but skip() rejects it */}) {
        k = hex(bad);
        cbor::reader r(k);
        if (std::string_view(bad) == "ff") {
            EXPECT_EQ(r.skip().error().code, errc::malformed);
        } else {
            EXPECT_EQ(r.next().error().code, errc::malformed) << bad;
        }
    }
    for (auto bad : {"1f", "3f", "df"}) {  // indefinite length on numbers and tags
        k = hex(bad);
        cbor::reader r(k);
        EXPECT_EQ(r.next().error().code, errc::malformed) << bad;
    }
}

TEST(CborReader, TruncatedInputsNeverReadPastTheEnd) {
    for (auto bad : {"18", "19ff", "1affffff", "1bffffffffffffff", "62ff", "5b0000000100000000",
                     "7f61", "f9", "fa0000", "fb00"}) {
        auto k = hex(bad);
        cbor::reader r(k);
        auto it = r.next();
        ASSERT_FALSE(it.has_value()) << bad;
        EXPECT_EQ(it.error().code, errc::truncated) << bad;
    }
}

TEST(CborReader, SkipHandlesNestingAndLimitsDepth) {
    auto k = hex("9f a2 01 82 02 03 63 616263 5f 41 01 ff c1 1a 5182428f bf 01 9f ff ff ff 07");
    cbor::reader r(k);
    ASSERT_TRUE(r.skip().has_value());
    auto last = r.next();
    ASSERT_TRUE(last.has_value());
    EXPECT_EQ(last->u, 7u);
    // 20 nested arrays: over the default depth of 16.
    std::vector<std::uint8_t> deep(20, 0x81);
    deep.push_back(0x00);
    cbor::reader d(deep);
    EXPECT_EQ(d.skip().error().code, errc::capacity_exceeded);
    // A huge count does not loop forever: it stops at the end of the input.
    auto huge = hex("9bffffffffffffffff00");
    cbor::reader h(huge);
    EXPECT_EQ(h.skip().error().code, errc::truncated);
}

TEST(CborReader, NextUntaggedSkipsTags) {
    auto k = hex("c1 c2 d8 20 0a");
    cbor::reader r(k);
    auto it = r.next_untagged();
    ASSERT_TRUE(it.has_value());
    EXPECT_EQ(it->u, 10u);
}

}  // namespace
}  // namespace sirocco::codec::test
