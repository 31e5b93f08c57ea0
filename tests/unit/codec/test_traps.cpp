// Known interop traps, reproduced as tests (issue 4, point 3).
#include <gtest/gtest.h>

#include "json_test_util.hpp"
#include "sirocco/lwm2m/status.hpp"

using namespace sirocco;
using namespace sirocco::test;
using codec::content_format;

namespace {
const test_models models;

std::vector<std::uint8_t> hex(std::string_view h) {
    std::vector<std::uint8_t> out(h.size() / 2 + 1);
    auto n = parse_hex(h, out);
    out.resize(n ? *n : 0);
    return out;
}

// The records of Leshan issue 984's payload: a bootstrap write of /0 by
// AVSystem's Coiote, opaque Security resources sent as "vd".
std::vector<owned_record> issue_984_records() {
    return {S("/0/1/0", "coaps://lwm2m-test.avsystem.io:5694"),
            I("/0/1/2", 0),
            O("/0/1/3", "test-jb"),
            O("/0/1/5", "XY7msCFO0Gagd4FwkV6o6jk3"),
            O("/0/1/4", ""),
            R("/0/1/1", value::of_boolean(true)),
            S("/0/2/0", "coaps://lwm2m-test.avsystem.io:5684"),
            I("/0/2/2", 0),
            O("/0/2/3", "test-jb"),
            O("/0/2/5", "krVcCbnUaBVrS5HY2RBQNrRv"),
            O("/0/2/4", ""),
            R("/0/2/1", value::of_boolean(false)),
            I("/0/2/10", 1)};
}
}  // namespace

// eclipse-leshan/leshan#984: Leshan failed on "vd" (data value) from another
// vendor: "Invalid content [[B@...] for type OPAQUE for path /0/1/3". The
// payload below is the SenML CBOR of the issue, byte for byte.
TEST(Traps, Leshan984DataValueFromAnotherVendorCbor) {
    auto in =
        hex("8da321632f302f0063312f30037823636f6170733a2f2f6c776d326d2d746573"
            "742e617673797374656d2e696f3a35363934a20063312f320200a20063312f33"
            "0847746573742d6a62a20063312f350858185859376d7343464f304761676434"
            "46776b56366f366a6b33a20063312f340840a20063312f3104f5a20063322f30"
            "037823636f6170733a2f2f6c776d326d2d746573742e617673797374656d2e69"
            "6f3a35363834a20063322f320200a20063322f330847746573742d6a62a20063"
            "322f350858186b72566343626e556142567253354859325242514e725276a200"
            "63322f340840a20063322f3104f4a20064322f31300201");
    auto d = decode(content_format::senml_cbor, "/0", in, &models);
    ASSERT_TRUE(d.status) << d.status.error().reason;
    EXPECT_EQ(d.records, issue_984_records());
}

TEST(Traps, Leshan984DataValueInSenmlJson) {
    // The same write in SenML JSON: vd is base64url without padding (RFC 8428
    // section 5)...
    const char* url =
        R"([{"bn":"/0/","n":"1/0","vs":"coaps://lwm2m-test.avsystem.io:5694"},{"n":"1/2","v":0},
        {"n":"1/3","vd":"dGVzdC1qYg"},{"n":"1/5","vd":"WFk3bXNDRk8wR2FnZDRGd2tWNm82amsz"},{"n":"1/4","vd":""},
        {"n":"1/1","vb":true},{"n":"2/0","vs":"coaps://lwm2m-test.avsystem.io:5684"},{"n":"2/2","v":0},
        {"n":"2/3","vd":"dGVzdC1qYg"},{"n":"2/5","vd":"a3JWY0NiblVhQlZyUzVIWTJSQlFOclJ2"},{"n":"2/4","vd":""},
        {"n":"2/1","vb":false},{"n":"2/10","v":1}])";
    auto d = decode(content_format::senml_json, "/0", bytes(url), &models);
    ASSERT_TRUE(d.status) << d.status.error().reason;
    EXPECT_EQ(d.records, issue_984_records());
    // ...but peers also send the standard alphabet with padding (Zephyr issue
    // 102390, Leshan issue 1444): accepted as well.
    auto padded =
        decode(content_format::senml_json, "/0/1/3", bytes(R"([{"vd":"dGVzdC1qYg=="}])"), &models);
    ASSERT_TRUE(padded.status);
    EXPECT_EQ(padded.records, (std::vector<owned_record>{O("/0/1/3", "test-jb")}));
    auto std_alpha =
        decode(content_format::senml_json, "/0/1/3", bytes(R"([{"vd":"+/8="}])"), &models);
    ASSERT_TRUE(std_alpha.status);
    EXPECT_EQ(std_alpha.records, (std::vector<owned_record>{O("/0/1/3", "\xfb\xff")}));
    // We write base64url without padding, as the RFC says.
    auto out = encode(content_format::senml_json, "/0/1/3", {O("/0/1/3", "\xfb\xff")}, &models);
    ASSERT_TRUE(out);
    EXPECT_EQ(str(*out), R"([{"bn":"/0/1/3","vd":"-_8"}])");
    // vd for a resource the model says is a String is a type error (4.00),
    // not a crash or a silent conversion.
    auto wrong = decode(content_format::senml_json, "/0/1/0", bytes(R"([{"vd":"AA"}])"), &models);
    ASSERT_FALSE(wrong.status);
    EXPECT_EQ(wrong.status.error().code, errc::type_mismatch);
    EXPECT_EQ(lwm2m::to_status(wrong.status.error().code), lwm2m::status::bad_request);
}

// eclipse-leshan/leshan#1654: a server sent SenML CBOR whose keys were the
// text strings "3" and "-2" instead of the integer labels 3 and -2; Leshan
// said "record must have a value", confusing the user. We refuse it with a
// reason that names the mistake, and refuse the mirror mistake in JSON
// (label numbers as JSON names).
TEST(Traps, Leshan1654IntegerLabelsWrittenAsText) {
    auto in =
        hex("81a2613363686868622d326b2f333434322f302f313130");  // [{"3":"hhh","-2":"/3442/0/110"}]
    auto d = decode(content_format::senml_cbor, "/3442/0/110", in, &models);
    ASSERT_FALSE(d.status);
    EXPECT_EQ(d.status.error().code, errc::malformed);
    EXPECT_EQ(lwm2m::to_status(d.status.error().code), lwm2m::status::bad_request);
    auto j = decode(content_format::senml_json, "/3442/0/110",
                    bytes(R"([{"3":"hhh","-2":"/3442/0/110"}])"), &models);
    ASSERT_FALSE(j.status);
    EXPECT_EQ(j.status.error().code, errc::malformed);
    EXPECT_NE(std::string_view(j.status.error().reason).find("CBOR label"), std::string_view::npos);
    // The correct forms decode.
    auto good = decode(content_format::senml_json, "/3/0/0",
                       bytes(R"([{"vs":"hhh","bn":"/3/0/0"}])"), &models);
    ASSERT_TRUE(good.status);
    EXPECT_EQ(good.records, (std::vector<owned_record>{S("/3/0/0", "hhh")}));
}

// Some servers swapped 11543 and 11544. We encode by IANA (11543 JSON,
// 11544 CBOR) and decode by the first byte when the label is wrong.
TEST(Traps, Swapped11543And11544) {
    std::vector<owned_record> recs{S("/3/0/0", "Open Mobile Alliance"), I("/3/0/9", 100)};
    auto json = encode(content_format::lwm2m_json, "/3/0", recs, &models);
    auto cbor = encode(content_format::lwm2m_cbor, "/3/0", recs, &models);
    ASSERT_TRUE(json);
    ASSERT_TRUE(cbor) << cbor.error().reason;
    EXPECT_EQ((*json)[0], '{');
    EXPECT_EQ((*cbor)[0] & 0xE0, 0xA0);  // a CBOR map
    // Correct labels.
    EXPECT_EQ(decode(content_format::lwm2m_json, "/3/0", *json, &models).records, recs);
    EXPECT_EQ(decode(content_format::lwm2m_cbor, "/3/0", *cbor, &models).records, recs);
    // Swapped labels.
    auto a = decode(content_format::lwm2m_json, "/3/0", *cbor, &models);  // CBOR labelled 11543
    ASSERT_TRUE(a.status) << a.status.error().reason;
    EXPECT_EQ(a.records, recs);
    auto b = decode(content_format::lwm2m_cbor, "/3/0", *json, &models);  // JSON labelled 11544
    ASSERT_TRUE(b.status) << b.status.error().reason;
    EXPECT_EQ(b.records, recs);
    // JSON with leading white space is still JSON.
    auto ws = *json;
    ws.insert(ws.begin(), {' ', '\n'});
    EXPECT_EQ(decode(content_format::lwm2m_cbor, "/3/0", ws, &models).records, recs);
    // Neither: decoded as labelled, and the error says why.
    auto junk = decode(content_format::lwm2m_json, "/3/0", bytes("xyz"), &models);
    EXPECT_EQ(junk.status.error().code, errc::malformed);
}
