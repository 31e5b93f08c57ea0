// Device Management through CoAP bytes (Core TS 1.2, 6.3): each operation in
// each content format, Block1 and Block2, and the error codes.
#include <map>

#include "engine_harness.hpp"
#include "sirocco/codec/codec.hpp"
#include "sirocco/lwm2m/builtin_models.hpp"

namespace sirocco::client::test {
namespace {

namespace codes = coap::codes;

constexpr std::uint16_t text = 0, link = 40, opaque = 42, senml_json = 110, senml_cbor = 112,
                        etch_cbor = 322, tlv = 11542, lwm2m_cbor = 11544;

struct collector final : lwm2m::record_sink {
    std::map<std::string, std::string> values;
    result<void> on_record(const lwm2m::record& r) noexcept override {
        char buf[64];
        std::string v = "?";
        if (auto n = lwm2m::format_text(r.value, buf)) v.assign(buf, *n);
        values[std::string(lwm2m::path_text(r.path).view())] = v;
        return {};
    }
};

std::map<std::string, std::string> decode(std::uint16_t fmt, const std::string& payload,
                                          lwm2m::path base) {
    collector c;
    std::array<std::uint8_t, 512> scratch{};
    codec::decode_context ctx;
    ctx.base = base;
    ctx.models = &lwm2m::builtin_provider();
    ctx.scratch = scratch;
    auto r = codec::decode(static_cast<codec::content_format>(fmt), ctx, as_bytes(payload), c);
    EXPECT_TRUE(r.has_value()) << "format " << fmt << ": " << (r ? "" : r.error().reason);
    return c.values;
}

std::string encode(std::uint16_t fmt, lwm2m::path base, std::vector<lwm2m::record> recs) {
    std::array<std::uint8_t, 512> out{};
    codec::encode_context ctx;
    ctx.base = base;
    ctx.models = &lwm2m::builtin_provider();
    auto n = codec::encode(static_cast<codec::content_format>(fmt), ctx, recs, out);
    EXPECT_TRUE(n.has_value());
    return n ? std::string(reinterpret_cast<const char*>(out.data()), *n) : std::string();
}

lwm2m::path P(std::string_view s) {
    return *lwm2m::path::parse(s);
}

struct ClientDm : ::testing::Test {
    harness h;
    void SetUp() override { h.start(); }
};

TEST_F(ClientDm, ReadResourceInEachFormat) {
    auto r = h.request(codes::get, "/3303/0/5700", {}, {}, text);
    EXPECT_EQ(r.code, codes::content);
    EXPECT_EQ(r.cf, text);
    EXPECT_EQ(r.payload, "20.5");
    for (std::uint16_t f : {tlv, senml_json, senml_cbor, lwm2m_cbor}) {
        SCOPED_TRACE(f);
        auto x = h.request(codes::get, "/3303/0/5700", {}, {}, f);
        EXPECT_EQ(x.code, codes::content);
        EXPECT_EQ(x.cf, f);
        auto v = decode(f, x.payload, P("/3303/0/5700"));
        EXPECT_EQ(v["/3303/0/5700"], "20.5");
    }
    // Without Accept, a single resource of 1.1 comes as text.
    auto d = h.request(codes::get, "/3/0/0");
    EXPECT_EQ(d.code, codes::content);
    EXPECT_EQ(d.payload, "ACME");
}

TEST_F(ClientDm, ReadInstanceInEachMultiFormat) {
    for (std::uint16_t f : {tlv, senml_json, senml_cbor, lwm2m_cbor}) {
        SCOPED_TRACE(f);
        auto x = h.request(codes::get, "/3303/0", {}, {}, f);
        ASSERT_EQ(x.code, codes::content);
        EXPECT_EQ(x.cf, f);
        auto v = decode(f, x.payload, P("/3303/0"));
        EXPECT_EQ(v["/3303/0/5700"], "20.5");
        EXPECT_EQ(v["/3303/0/5701"], "Cel");
    }
    // Default for an instance in 1.1: SenML CBOR.
    auto x = h.request(codes::get, "/3303/0");
    EXPECT_EQ(x.cf, senml_cbor);
}

TEST_F(ClientDm, WriteResourceInEachFormat) {
    int n = 0;
    for (std::uint16_t f : {text, tlv, senml_json, senml_cbor, lwm2m_cbor}) {
        SCOPED_TRACE(f);
        std::string val = "room" + std::to_string(n++);
        std::string body = f == text
                               ? val
                               : encode(f, P("/3303/0/5750"),
                                        {{P("/3303/0/5750"), lwm2m::value::of_string(val), {}}});
        auto w = h.request(codes::put, "/3303/0/5750", f, body);
        EXPECT_EQ(w.code, codes::changed);
        auto r = h.request(codes::get, "/3303/0/5750", {}, {}, text);
        EXPECT_EQ(r.payload, val);
    }
}

TEST_F(ClientDm, WritePartialUpdateOnInstance) {
    for (std::uint16_t f : {tlv, senml_json, senml_cbor, lwm2m_cbor}) {
        SCOPED_TRACE(f);
        std::string body =
            encode(f, P("/3303/0"), {{P("/3303/0/5750"), lwm2m::value::of_string("hall"), {}}});
        auto w = h.request(codes::post, "/3303/0", f, body);
        EXPECT_EQ(w.code, codes::changed);
        EXPECT_EQ(h.request(codes::get, "/3303/0/5750", {}, {}, text).payload, "hall");
        // Partial: 5701 kept.
        EXPECT_EQ(h.request(codes::get, "/3303/0/5701", {}, {}, text).payload, "Cel");
    }
}

TEST_F(ClientDm, ExecuteWithArguments) {
    auto r = h.request(codes::post, "/5/0/2", {}, "0='abc',1");
    EXPECT_EQ(r.code, codes::changed);
    EXPECT_EQ(h.fw.executed, 1);
    EXPECT_EQ(h.fw.last_args, "0='abc',1");
}

TEST_F(ClientDm, CreateAndDelete) {
    std::string body =
        encode(tlv, P("/3303"), {{P("/3303/1/5750"), lwm2m::value::of_string("x"), {}}});
    auto c = h.request(codes::post, "/3303", tlv, body);
    ASSERT_EQ(c.code, codes::created);
    EXPECT_EQ(c.location, (std::vector<std::string>{"3303", "1"}));
    EXPECT_TRUE(h.temp.has_instance(1));
    auto d = h.request(codes::del, "/3303/1");
    EXPECT_EQ(d.code, codes::deleted);
    EXPECT_FALSE(h.temp.has_instance(1));
    EXPECT_EQ(h.request(codes::del, "/3303/1").code, codes::not_found);
    // The object list changed twice: Updates with the object list.
    h.pump();
    EXPECT_GE(h.request_times(codes::post, "/rd/5a3f").size(), 1u);
}

TEST_F(ClientDm, DiscoverAndWriteAttributes) {
    auto w = h.request(codes::put, "/3303/0/5700", {}, {}, {}, {"pmin=10", "gt=30"});
    EXPECT_EQ(w.code, codes::changed);
    auto d = h.request(codes::get, "/3303/0", {}, {}, link);
    EXPECT_EQ(d.code, codes::content);
    EXPECT_EQ(d.cf, link);
    EXPECT_NE(d.payload.find("</3303/0/5700>;pmin=10;gt=30"), std::string::npos) << d.payload;
    EXPECT_NE(d.payload.find("</3303/0/5701>"), std::string::npos) << d.payload;
    auto bad = h.request(codes::put, "/3303/0/5700", {}, {}, {}, {"pmin=x"});
    EXPECT_EQ(bad.code, codes::bad_request);
}

TEST_F(ClientDm, ErrorCodes) {
    // 4.04 unknown object / instance / resource, non-numeric path.
    EXPECT_EQ(h.request(codes::get, "/9999/0").code, codes::not_found);
    EXPECT_EQ(h.request(codes::get, "/3303/7").code, codes::not_found);
    EXPECT_EQ(h.request(codes::get, "/3303/0/1").code, codes::not_found);
    EXPECT_EQ(h.request(codes::get, "/3/0/abc").code, codes::not_found);
    EXPECT_EQ(h.request(codes::get, "/3/0/70000").code, codes::not_found);
    // 4.00 a path deeper than four ids.
    EXPECT_EQ(h.request(codes::get, "/3/0/11/0/1").code, codes::bad_request);
    // 4.05 write on read-only, execute on non-executable.
    EXPECT_EQ(h.request(codes::put, "/3/0/0", text, "X").code, codes::method_not_allowed);
    EXPECT_EQ(h.request(codes::post, "/3/0/0").code, codes::method_not_allowed);
    // 4.00 a value of the wrong type.
    EXPECT_EQ(h.request(codes::put, "/1/0/1", text, "abc").code, codes::bad_request);
    // 4.06 an Accept it cannot serve.
    EXPECT_EQ(h.request(codes::get, "/3/0/0", {}, {}, 9999).code, codes::not_acceptable);
    // 4.15 a content format it does not know.
    EXPECT_EQ(h.request(codes::put, "/3303/0/5750", 9999, "x").code,
              codes::unsupported_content_format);
    // The Security object is not for LwM2M servers.
    auto s = h.request(codes::get, "/0/0/0");
    EXPECT_TRUE(s.code == codes::unauthorized || s.code == codes::not_found ||
                s.code == codes::method_not_allowed)
        << cstr(s.code);
}

TEST_F(ClientDm, Block1WriteIsDeliveredInChunks) {
    std::string image(3000, '\0');
    for (std::size_t i = 0; i < image.size(); ++i)
        image[i] = static_cast<char>('a' + i % 26);
    auto r = h.request(codes::put, "/5/0/0", opaque, image);
    EXPECT_EQ(r.code, codes::changed);
    ASSERT_EQ(h.fw.chunks.size(), 3u);
    EXPECT_EQ(h.fw.chunks[0].offset, 0u);
    EXPECT_EQ(h.fw.chunks[1].offset, 1024u);
    EXPECT_EQ(h.fw.chunks[2].offset, 2048u);
    EXPECT_FALSE(h.fw.chunks[0].last);
    EXPECT_TRUE(h.fw.chunks[2].last);
    std::string got;
    for (const auto& c : h.fw.chunks)
        got += c.data;
    EXPECT_EQ(got, image);
    // A Block1 write in another format cannot be streamed: 4.13.
    auto t = h.request(codes::put, "/3303/0/5750", tlv, image);
    EXPECT_EQ(t.code, codes::request_entity_too_large);
}

TEST_F(ClientDm, Block2ResponseOfAReadIsServedBlockByBlock) {
    coap::message m;
    m.code = codes::get;
    std::array<std::uint8_t, 64> st{};
    coap::message_builder b(m, st);
    ASSERT_TRUE(b.add_uri_path("/3/0").has_value());
    ASSERT_TRUE(b.add_uint(coap::opt::accept, senml_json).has_value());
    coap::request_options ro;
    ro.response_buffer = h.reassembly;
    ro.block2_size = 64;
    auto x = h.srv->send_request(harness::client_peer, m, {}, h.now, ro);
    ASSERT_TRUE(x.has_value());
    h.pump();
    const auto& r = h.responses.back();
    EXPECT_EQ(r.code, codes::content);
    EXPECT_GT(r.payload.size(), 64u);
    auto v = decode(senml_json, r.payload, P("/3/0"));
    EXPECT_EQ(v["/3/0/0"], "ACME");
    EXPECT_EQ(v["/3/0/1"], "M1");
}

// Access Control (object 2) is enforced when there is more than one
// server: 4.01 for a request the ACL denies.
inline constexpr resource_def acl_resources[] = {
    res(0, R, data_type::integer).must(),
    res(1, R, data_type::integer).must(),
    res(2, RW, data_type::integer).multi(4),
    res(3, RW, data_type::integer).must(),
};
inline constexpr object_def acl_def{2, "1.0", true, acl_resources};
struct acl final : stored_object<acl_def, 4> {};

TEST(ClientDmAcl, UnauthorizedWhenTheAclDenies) {
    harness h;
    acl a;
    ASSERT_TRUE(a.add_instance(0).has_value());
    ASSERT_TRUE(a.set_value(0, 0, lwm2m::value::of_integer(3303)).has_value());
    ASSERT_TRUE(a.set_value(0, 1, lwm2m::value::of_integer(0)).has_value());
    ASSERT_TRUE(a.set_value(0, 2, lwm2m::value::of_integer(1), 101).has_value());  // read only
    ASSERT_TRUE(a.set_value(0, 3, lwm2m::value::of_integer(102)).has_value());
    ASSERT_TRUE(h.dm.add(a).has_value());
    ASSERT_TRUE(h.srv_obj.add_server(1, 102, 300).has_value());
    h.start();
    EXPECT_EQ(h.request(codes::get, "/3303/0/5700", {}, {}, text).code, codes::content);
    EXPECT_EQ(h.request(codes::put, "/3303/0/5750", text, "x").code, codes::unauthorized);
}

}  // namespace
}  // namespace sirocco::client::test

namespace sirocco::client::test {
namespace {

TEST(ClientDmPreferred, InstanceWithoutAcceptUsesTheRegisteredFormat) {
    // ct= announced at registration is also the format of multi-value
    // answers when the server sends no Accept.
    harness h;
    h.ccfg.preferred_format = 110;
    h.cl.emplace(h.ccfg, h.dm);
    h.start();
    auto r = h.request(coap::codes::get, "/3303/0");
    EXPECT_EQ(r.code, coap::codes::content);
    EXPECT_EQ(r.cf, 110);
    bool announced = false;
    for (const auto& q : h.requests)
        if (q.payload.find("ct=110") != std::string::npos) announced = true;
    EXPECT_TRUE(announced);
}

}  // namespace
}  // namespace sirocco::client::test
