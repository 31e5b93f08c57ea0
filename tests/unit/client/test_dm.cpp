// data_model operations: Read, Write, Execute, Create, Delete, composite,
// content formats and error codes (Core TS 1.2, 6.3; formats 7.3).
#include "dm_test_support.hpp"

namespace dm_test {
namespace {

using codec::content_format;

constexpr std::uint16_t TEXT = 0, OPAQUE = 42, CBOR = 60, SENML_JSON = 110, SENML_CBOR = 112,
                        ETCH_JSON = 320, ETCH_CBOR = 322, TLV = 11542, LWM2M_JSON = 11543,
                        LWM2M_CBOR = 11544;

// The model of object 9000, so answers decode back to typed values.
class test_models final : public lwm2m::model_provider {
  public:
    test_models() {
        for (std::size_t i = 0; i < std::size(test_res); ++i) {
            rm_[i].id = test_res[i].id;
            rm_[i].ops = test_res[i].ops;
            rm_[i].multiple = test_res[i].multiple;
            rm_[i].type = test_res[i].type;
        }
        om_.id = 9000;
        om_.multiple = true;
        om_.resources = rm_;
    }
    const lwm2m::object_model* find(lwm2m::object_id o, std::string_view) const noexcept override {
        return o.value() == 9000 ? &om_ : nullptr;
    }

  private:
    lwm2m::resource_model rm_[std::size(test_res)];
    lwm2m::object_model om_;
};

struct dm_ops : dm_fixture {
    test_models models;
    std::vector<lwm2m::owned_record> typed(const dm_result& r, const path& base) {
        lwm2m::record_list l;
        std::uint8_t s[1024];
        codec::decode_context dc{base, &models, mutable_bytes(s, sizeof s)};
        auto ok = codec::decode(r.format, dc, payload(r), l);
        EXPECT_TRUE(ok) << (ok ? "" : ok.error().reason);
        return l.records;
    }
    static const value* at(const std::vector<lwm2m::owned_record>& rs, std::string_view p) {
        for (const auto& r : rs)
            if (r.path == P(p)) return &r.value.view();
        return nullptr;
    }
    std::vector<std::string> paths_of(const std::vector<lwm2m::owned_record>& rs) {
        std::vector<std::string> v;
        for (const auto& r : rs)
            v.emplace_back(lwm2m::path_text(r.path).view());
        return v;
    }
};

// ---- Read ----------------------------------------------------------------------

TEST_F(dm_ops, read_single_resource_defaults_to_text) {
    auto r = dm.read(srv, P("/9000/0/1"), std::nullopt, out, scratch);
    EXPECT_EQ(r.code, status::content);
    EXPECT_EQ(r.format, content_format::text);
    EXPECT_EQ(text(r), "5");
    r = dm.read(srv, P("/9000/0/2"), std::nullopt, out, scratch);
    EXPECT_EQ(text(r), "1.5");
    r = dm.read(srv, P("/9000/0/3"), std::nullopt, out, scratch);
    EXPECT_EQ(text(r), "1");
    r = dm.read(srv, P("/9000/0/0"), std::nullopt, out, scratch);
    EXPECT_EQ(text(r), "acme");
    r = dm.read(srv, P("/9000/0/9"), std::nullopt, out, scratch);
    EXPECT_EQ(text(r), "3:0");
    r = dm.read(srv, P("/9000/0/5/1"), std::nullopt, out, scratch);
    EXPECT_EQ(r.format, content_format::text);
    EXPECT_EQ(text(r), "b");
}

TEST_F(dm_ops, read_opaque_defaults_to_octet_stream) {
    auto r = dm.read(srv, P("/9000/0/6"), std::nullopt, out, scratch);
    EXPECT_EQ(r.code, status::content);
    EXPECT_EQ(r.format, content_format::opaque);
    EXPECT_EQ(text(r), std::string("\x01\x02", 2));
    // text/plain carries Opaque as base64.
    r = dm.read(srv, P("/9000/0/6"), TEXT, out, scratch);
    EXPECT_EQ(r.code, status::content);
    EXPECT_EQ(text(r), "AQI=");
}

TEST_F(dm_ops, read_instance_default_is_senml_cbor_in_1_1_and_tlv_in_1_0) {
    auto r = dm.read(srv, P("/9000/0"), std::nullopt, out, scratch);
    EXPECT_EQ(r.code, status::content);
    EXPECT_EQ(r.format, content_format::senml_cbor);
    data_model dm10(lwm2m_version::v1_0);
    kv_object o(test_def);
    o.insts.insert(0);
    o.set(0, 1, value::of_integer(5));
    ASSERT_TRUE(dm10.add(o));
    r = dm10.read(srv, P("/9000/0"), std::nullopt, out, scratch);
    EXPECT_EQ(r.code, status::content);
    EXPECT_EQ(r.format, content_format::tlv);
    // Resource 1 = 5: TLV type 0b11000001 (resource, 1-byte length in the type), id 1, 1 byte.
    EXPECT_EQ(std::vector<std::uint8_t>(out_buf, out_buf + r.size),
              (std::vector<std::uint8_t>{0xC1, 0x01, 0x05}));
    // A preferred format replaces the version's default for multiple values.
    dm.set_preferred_format(SENML_JSON);
    r = dm.read(srv, P("/9000/0"), std::nullopt, out, scratch);
    EXPECT_EQ(r.format, content_format::senml_json);
    // A multiple resource is multi-value: SenML, not text.
    r = dm.read(srv, P("/9000/0/5"), std::nullopt, out, scratch);
    EXPECT_EQ(r.format, content_format::senml_json);
    EXPECT_EQ(text(r), R"([{"bn":"/9000/0/5/","n":"0","vs":"a"},{"n":"1","vs":"b"}])");
}

TEST_F(dm_ops, read_instance_in_every_multi_value_format) {
    for (std::uint16_t f : {TLV, SENML_JSON, SENML_CBOR, LWM2M_CBOR, LWM2M_JSON}) {
        SCOPED_TRACE(f);
        auto r = dm.read(srv, P("/9000/0"), f, out, scratch);
        ASSERT_EQ(r.code, status::content);
        EXPECT_EQ(static_cast<std::uint16_t>(r.format), f);
        auto rs = typed(r, P("/9000/0"));
        // Readable resources only: not 4 (E), 7 (W), 10 (absent).
        EXPECT_EQ(paths_of(rs),
                  (std::vector<std::string>{"/9000/0/0", "/9000/0/1", "/9000/0/2", "/9000/0/3",
                                            "/9000/0/5/0", "/9000/0/5/1", "/9000/0/6", "/9000/0/8",
                                            "/9000/0/9", "/9000/0/11"}));
        EXPECT_EQ(*at(rs, "/9000/0/0"), value::of_string("acme"));
        EXPECT_EQ(*at(rs, "/9000/0/1"), value::of_integer(5));
        EXPECT_EQ(*at(rs, "/9000/0/2"), value::of_float(1.5));
        EXPECT_EQ(*at(rs, "/9000/0/3"), value::of_boolean(true));
        EXPECT_EQ(*at(rs, "/9000/0/5/1"), value::of_string("b"));
        EXPECT_EQ(at(rs, "/9000/0/6")->opaque().size(), 2u);
        EXPECT_EQ(*at(rs, "/9000/0/8"), value::of_time(1700000000));
        EXPECT_EQ(*at(rs, "/9000/0/9"), value::of_objlnk({3, 0}));
        EXPECT_EQ(*at(rs, "/9000/0/11"), value::of_unsigned(7));
    }
}

TEST_F(dm_ops, read_single_values_in_cbor_and_tlv) {
    auto r = dm.read(srv, P("/9000/0/1"), CBOR, out, scratch);
    ASSERT_EQ(r.code, status::content);
    EXPECT_EQ(std::vector<std::uint8_t>(out_buf, out_buf + r.size),
              (std::vector<std::uint8_t>{0x05}));
    r = dm.read(srv, P("/9000/0/1"), TLV, out, scratch);
    ASSERT_EQ(r.code, status::content);
    EXPECT_EQ(std::vector<std::uint8_t>(out_buf, out_buf + r.size),
              (std::vector<std::uint8_t>{0xC1, 0x01, 0x05}));
    r = dm.read(srv, P("/9000/0/5/0"), SENML_JSON, out, scratch);
    EXPECT_EQ(text(r), R"([{"bn":"/9000/0/5/0","vs":"a"}])");
}

TEST_F(dm_ops, read_object_lists_every_instance) {
    fill(3);
    auto r = dm.read(srv, P("/9000"), SENML_JSON, out, scratch);
    ASSERT_EQ(r.code, status::content);
    auto rs = typed(r, P("/9000"));
    EXPECT_EQ(rs.size(), 10u + 8u);  // instance 3 has no resource 5 values
    EXPECT_NE(at(rs, "/9000/3/1"), nullptr);
    EXPECT_EQ(at(rs, "/9000/3/10"), nullptr);  // present but without a value: skipped
}

TEST_F(dm_ops, read_errors) {
    auto code = [&](std::string_view p, std::optional<std::uint16_t> a = std::nullopt) {
        return dm.read(srv, P(p), a, out, scratch).code;
    };
    EXPECT_EQ(code("/9999"), status::not_found);
    EXPECT_EQ(code("/9000/7"), status::not_found);
    EXPECT_EQ(code("/9000/0/99"), status::not_found);
    EXPECT_EQ(code("/9000/0/10"), status::not_found);          // absent optional resource
    EXPECT_EQ(code("/9000/0/5/9"), status::not_found);         // no such resource instance
    EXPECT_EQ(code("/9000/0/1/0"), status::not_found);         // single resource has no instances
    EXPECT_EQ(code("/9000/0/7"), status::method_not_allowed);  // W only
    EXPECT_EQ(code("/9000/0/4"), status::method_not_allowed);  // E
    EXPECT_EQ(code("/"), status::method_not_allowed);
    EXPECT_EQ(code("/9000/0", TEXT), status::not_acceptable);
    EXPECT_EQ(code("/9000/0", OPAQUE), status::not_acceptable);
    EXPECT_EQ(code("/9000/0/5", TEXT), status::not_acceptable);  // multiple resource
    EXPECT_EQ(code("/9000/0/1", OPAQUE), status::not_acceptable);
    EXPECT_EQ(code("/9000/0/1", 9999), status::not_acceptable);
    EXPECT_EQ(code("/9000/0/1", 40), status::not_acceptable);
    EXPECT_EQ(code("/9000/0/1", ETCH_JSON), status::not_acceptable);
    // Too small an output buffer or scratch is the device's problem: 5.00.
    std::uint8_t tiny[4];
    EXPECT_EQ(dm.read(srv, P("/9000/0"), SENML_JSON, mutable_bytes(tiny, 4), scratch).code,
              status::internal_server_error);
    EXPECT_EQ(dm.read(srv, P("/9000/0"), SENML_JSON, out, mutable_bytes(tiny, 4)).code,
              status::internal_server_error);
}

TEST_F(dm_ops, security_object_is_never_readable_by_a_server) {
    kv_object sec(security_def);
    sec.insts.insert(0);
    sec.set(0, 0, owned_value::string("coap://x"));
    ASSERT_TRUE(dm.add(sec));
    EXPECT_EQ(dm.read(srv, P("/0/0/0"), std::nullopt, out, scratch).code, status::unauthorized);
    EXPECT_EQ(dm.read(srv, P("/0"), std::nullopt, out, scratch).code, status::unauthorized);
    request_ctx device{0, false};
    EXPECT_EQ(dm.read(device, P("/0/0/0"), std::nullopt, out, scratch).code, status::content);
    request_ctx bs{0, true};
    EXPECT_EQ(dm.read(bs, P("/0/0/0"), std::nullopt, out, scratch).code, status::content);
}

// ---- Write -----------------------------------------------------------------

TEST_F(dm_ops, write_text_values_with_conversion_and_checks) {
    auto w = [&](std::string_view p, std::string_view t, std::uint16_t f = TEXT) {
        return dm.write(srv, P(p), f, B(t), true, scratch).code;
    };
    EXPECT_EQ(w("/9000/0/1", "42"), status::changed);
    EXPECT_EQ(*obj.get(0, 1), value::of_integer(42));
    EXPECT_EQ(w("/9000/0/2", "3"), status::changed);  // integer text for a float
    EXPECT_EQ(*obj.get(0, 2), value::of_float(3.0));
    EXPECT_EQ(w("/9000/0/3", "0"), status::changed);
    EXPECT_EQ(*obj.get(0, 3), value::of_boolean(false));
    EXPECT_EQ(w("/9000/0/9", "5:1"), status::changed);
    EXPECT_EQ(*obj.get(0, 9), value::of_objlnk({5, 1}));
    EXPECT_EQ(w("/9000/0/6", "AQID"), status::changed);  // base64 text for Opaque
    EXPECT_EQ(obj.get(0, 6)->opaque().size(), 3u);
    EXPECT_EQ(w("/9000/0/6", "xyz", OPAQUE), status::changed);
    EXPECT_EQ(obj.get(0, 6)->opaque().size(), 3u);
    EXPECT_EQ(w("/9000/0/5/3", "c"), status::changed);
    EXPECT_EQ(*obj.get(0, 5, 3), value::of_string("c"));
    EXPECT_EQ(w("/9000/0/7", "1"), status::changed);  // W-only
    EXPECT_EQ(obj.after_writes.back(),
              (std::pair<std::uint16_t, std::optional<std::uint16_t>>{0, 7}));

    EXPECT_EQ(w("/9000/0/1", "abc"), status::bad_request);
    EXPECT_EQ(w("/9000/0/1", "2.5"), status::bad_request);
    EXPECT_EQ(w("/9000/0/3", "2"), status::bad_request);
    EXPECT_EQ(w("/9000/0/11", "-1"), status::bad_request);
    EXPECT_EQ(w("/9000/0/0", "x"), status::method_not_allowed);  // R only
    EXPECT_EQ(w("/9000/0/4", "x"), status::method_not_allowed);  // E
    EXPECT_EQ(w("/9000/0/99", "1"), status::not_found);
    EXPECT_EQ(w("/9000/5/1", "1"), status::not_found);
    EXPECT_EQ(w("/9001/0/1", "1"), status::not_found);
    EXPECT_EQ(w("/9000", "1"), status::method_not_allowed);
    EXPECT_EQ(w("/9000/0/1", "1", 1234), status::unsupported_content_format);
    EXPECT_EQ(w("/9000/0", "1", TEXT), status::unsupported_content_format);
    EXPECT_EQ(w("/9000/0/1", "1", OPAQUE), status::unsupported_content_format);
    EXPECT_EQ(*obj.get(0, 1), value::of_integer(42));
}

TEST_F(dm_ops, write_read_only_by_device_or_bootstrap) {
    request_ctx device{0, false}, bs{0, true};
    EXPECT_EQ(dm.write(device, P("/9000/0/0"), TEXT, B("x"), true, scratch).code, status::changed);
    EXPECT_EQ(dm.write(bs, P("/9000/0/0"), TEXT, B("y"), true, scratch).code, status::changed);
    EXPECT_EQ(*obj.get(0, 0), value::of_string("y"));
    EXPECT_EQ(dm.write(bs, P("/9000/0/4"), TEXT, B("y"), true, scratch).code,
              status::method_not_allowed);
}

TEST_F(dm_ops, write_range_checked_by_the_object) {
    obj.validator = [](std::uint16_t, std::uint16_t rid, std::optional<std::uint16_t>,
                       const value& v) {
        return (rid == 1 && (v.integer() < 0 || v.integer() > 100)) ? status::bad_request
                                                                    : status::changed;
    };
    EXPECT_EQ(dm.write(srv, P("/9000/0/1"), TEXT, B("101"), true, scratch).code,
              status::bad_request);
    EXPECT_EQ(dm.write(srv, P("/9000/0/1"), TEXT, B("100"), true, scratch).code, status::changed);
}

TEST_F(dm_ops, write_instance_in_every_format) {
    struct fcase {
        std::uint16_t f;
        std::string payload;
    };
    const std::vector<fcase> cases = {
        // TLV: resource 1 = 77, resource 2 = 2.5 (float32), resource 5 = {0: "x"}.
        {TLV, std::string("\xC1\x01\x4D\xC4\x02\x40\x20\x00\x00\x83\x05\x41\x00x", 14)},
        {SENML_JSON,
         R"([{"bn":"/9000/0/","n":"1","v":77},{"n":"2","v":2.5},{"n":"5/0","vs":"x"}])"},
        {LWM2M_JSON,
         R"({"bn":"/9000/0/","e":[{"n":"1","v":77},{"n":"2","v":2.5},{"n":"5/0","sv":"x"}]})"},
        // SenML CBOR: [{-2:"/9000/0/", 0:"1", 2:77}, {0:"2", 2:2.5}, {0:"5/0", 3:"x"}]
        {SENML_CBOR, std::string("\x83\xA3\x21\x68/9000/0/\x00\x61"
                                 "1\x02\x18\x4D"
                                 "\xA2\x00\x61"
                                 "2\x02\xF9\x41\x00"
                                 "\xA2\x00\x63"
                                 "5/0\x03\x61x",
                                 35)},
        // LwM2M CBOR: {9000: {0: {1: 77, 2: 2.5, 5: {0: "x"}}}}
        {LWM2M_CBOR,
         std::string("\xA1\x19\x23\x28\xA1\x00\xA3\x01\x18\x4D\x02\xF9\x41\x00\x05\xA1\x00\x61x",
                     19)},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.f);
        obj.set(0, 1, value::of_integer(0));
        obj.set(0, 2, value::of_float(0));
        auto r = dm.write(srv, P("/9000/0"), c.f, B(c.payload), true, scratch);
        ASSERT_EQ(r.code, status::changed);
        EXPECT_EQ(*obj.get(0, 1), value::of_integer(77));
        EXPECT_EQ(*obj.get(0, 2), value::of_float(2.5));
        // Replace: resource 5 now has only instance 0.
        EXPECT_EQ(obj.riids(0, 5), (std::vector<int>{0}));
        EXPECT_EQ(*obj.get(0, 5, 0), value::of_string("x"));
        obj.set(0, 5, owned_value::string("b"), 1);
    }
}

TEST_F(dm_ops, write_replace_and_partial_update) {
    const std::string two = R"([{"bn":"/9000/0/5/","n":"2","vs":"c"}])";
    // Partial update of the instance (POST): resource 5 gains instance 2.
    EXPECT_EQ(dm.write(srv, P("/9000/0"), SENML_JSON, B(two), false, scratch).code,
              status::changed);
    EXPECT_EQ(obj.riids(0, 5), (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(obj.after_writes.back(),
              (std::pair<std::uint16_t, std::optional<std::uint16_t>>{0, std::nullopt}));
    // Replace of the resource (PUT /9000/0/5): only instance 2 is left.
    EXPECT_EQ(dm.write(srv, P("/9000/0/5"), SENML_JSON, B(two), true, scratch).code,
              status::changed);
    EXPECT_EQ(obj.riids(0, 5), (std::vector<int>{2}));
    // Partial update of the resource (POST /9000/0/5) adds.
    const std::string three = R"([{"bn":"/9000/0/5/","n":"3","vs":"d"}])";
    EXPECT_EQ(dm.write(srv, P("/9000/0/5"), SENML_JSON, B(three), false, scratch).code,
              status::changed);
    EXPECT_EQ(obj.riids(0, 5), (std::vector<int>{2, 3}));
    // Replace of the instance with no resource 5 empties it; resource 1 unchanged.
    const std::string only2 = R"([{"bn":"/9000/0/","n":"2","v":9}])";
    EXPECT_EQ(dm.write(srv, P("/9000/0"), SENML_JSON, B(only2), true, scratch).code,
              status::changed);
    EXPECT_TRUE(obj.riids(0, 5).empty());
    EXPECT_EQ(*obj.get(0, 1), value::of_integer(5));
    EXPECT_EQ(*obj.get(0, 2), value::of_float(9));
}

TEST_F(dm_ops, write_is_all_or_nothing) {
    // Resource 1 is fine, resource 3 gets a string: nothing is written.
    const std::string bad = R"([{"bn":"/9000/0/","n":"1","v":50},{"n":"3","vs":"yes"}])";
    EXPECT_EQ(dm.write(srv, P("/9000/0"), SENML_JSON, B(bad), false, scratch).code,
              status::bad_request);
    EXPECT_EQ(*obj.get(0, 1), value::of_integer(5));
    // A record outside the target instance is refused too.
    const std::string other = R"([{"bn":"/9000/0/","n":"1","v":50},{"n":"/9000/1/1","v":1}])";
    EXPECT_EQ(dm.write(srv, P("/9000/0"), SENML_JSON, B(other), false, scratch).code,
              status::bad_request);
    // A read-only resource in an instance write: 4.05, nothing written.
    const std::string ro = R"([{"bn":"/9000/0/","n":"1","v":50},{"n":"0","vs":"z"}])";
    EXPECT_EQ(dm.write(srv, P("/9000/0"), SENML_JSON, B(ro), false, scratch).code,
              status::method_not_allowed);
    // A validation failure of the object.
    obj.validator = [](std::uint16_t, std::uint16_t rid, std::optional<std::uint16_t>,
                       const value&) { return rid == 2 ? status::bad_request : status::changed; };
    const std::string v = R"([{"bn":"/9000/0/","n":"1","v":50},{"n":"2","v":1}])";
    EXPECT_EQ(dm.write(srv, P("/9000/0"), SENML_JSON, B(v), false, scratch).code,
              status::bad_request);
    EXPECT_EQ(*obj.get(0, 1), value::of_integer(5));
    // Malformed payloads.
    EXPECT_EQ(dm.write(srv, P("/9000/0"), SENML_JSON, B("[{"), false, scratch).code,
              status::bad_request);
    EXPECT_EQ(dm.write(srv, P("/9000/0"), TLV, B("\xC8"), false, scratch).code,
              status::bad_request);
    // Single resource given resource instances, and the reverse.
    const std::string ri = R"([{"n":"/9000/0/1/0","v":1}])";
    EXPECT_EQ(dm.write(srv, P("/9000/0"), SENML_JSON, B(ri), false, scratch).code,
              status::bad_request);
    const std::string whole = R"([{"n":"/9000/0/5","vs":"q"}])";
    EXPECT_EQ(dm.write(srv, P("/9000/0"), SENML_JSON, B(whole), false, scratch).code,
              status::bad_request);
    EXPECT_EQ(*obj.get(0, 1), value::of_integer(5));
}

TEST_F(dm_ops, write_tlv_values_typed_by_the_table) {
    // Integer 2 bytes (-2), boolean, time 4 bytes, objlnk, unsigned 8 bytes.
    const std::string p(
        "\xC2\x01\xFF\xFE"
        "\xC1\x03\x01"
        "\xC4\x08\x65\x53\xF1\x00"
        "\xC4\x09\x00\x03\x00\x01"
        "\xC8\x0B\x08\x80\x00\x00\x00\x00\x00\x00\x00",
        4 + 3 + 6 + 6 + 11);
    ASSERT_EQ(dm.write(srv, P("/9000/0"), TLV, B(p), false, scratch).code, status::changed);
    EXPECT_EQ(*obj.get(0, 1), value::of_integer(-2));
    EXPECT_EQ(*obj.get(0, 3), value::of_boolean(true));
    EXPECT_EQ(*obj.get(0, 8), value::of_time(0x6553F100));
    EXPECT_EQ(*obj.get(0, 9), value::of_objlnk({3, 1}));
    EXPECT_EQ(*obj.get(0, 11), value::of_unsigned(0x8000000000000000ull));
    // A 3-byte integer is malformed.
    EXPECT_EQ(
        dm.write(srv, P("/9000/0"), TLV, B(std::string("\xC3\x01\x00\x00\x01", 5)), false, scratch)
            .code,
        status::bad_request);
}

// Payloads made by the codecs themselves, one operation at a time per format.
struct encoded {
    std::uint8_t buf[512];
    std::size_t n = 0;
    bytes_view view() const { return {buf, n}; }
};
encoded encode_records(std::uint16_t f, const path& base, std::vector<lwm2m::record> rs) {
    encoded e;
    codec::encode_context ec{base, nullptr};
    auto n =
        codec::encode(static_cast<content_format>(f), ec, rs, mutable_bytes(e.buf, sizeof e.buf));
    EXPECT_TRUE(n) << f;
    e.n = n ? *n : 0;
    return e;
}

TEST_F(dm_ops, write_resource_and_resource_instances_in_every_format) {
    for (std::uint16_t f : {TEXT, CBOR, TLV, SENML_JSON, SENML_CBOR, LWM2M_JSON, LWM2M_CBOR}) {
        SCOPED_TRACE(f);
        auto e = encode_records(f, P("/9000/0/1"), {{P("/9000/0/1"), value::of_integer(33), {}}});
        ASSERT_EQ(dm.write(srv, P("/9000/0/1"), f, e.view(), true, scratch).code, status::changed);
        EXPECT_EQ(*obj.get(0, 1), value::of_integer(33));
        obj.set(0, 1, value::of_integer(0));
        e = encode_records(f, P("/9000/0/5/2"), {{P("/9000/0/5/2"), value::of_string("q"), {}}});
        ASSERT_EQ(dm.write(srv, P("/9000/0/5/2"), f, e.view(), true, scratch).code,
                  status::changed);
        EXPECT_EQ(*obj.get(0, 5, 2), value::of_string("q"));
        if (f == TEXT || f == CBOR) {
            EXPECT_EQ(dm.write(srv, P("/9000/0/5"), f, e.view(), true, scratch).code,
                      status::unsupported_content_format);
            continue;
        }
        // The whole multiple resource (replace).
        e = encode_records(f, P("/9000/0/5"),
                           {{P("/9000/0/5/7"), value::of_string("s"), {}},
                            {P("/9000/0/5/8"), value::of_string("t"), {}}});
        ASSERT_EQ(dm.write(srv, P("/9000/0/5"), f, e.view(), true, scratch).code, status::changed);
        EXPECT_EQ(obj.riids(0, 5), (std::vector<int>{7, 8}));
        obj.clear_resource(0, 5);
    }
}

TEST_F(dm_ops, read_resource_and_resource_instance_in_every_format) {
    for (std::uint16_t f : {TEXT, CBOR, TLV, SENML_JSON, SENML_CBOR, LWM2M_JSON, LWM2M_CBOR}) {
        SCOPED_TRACE(f);
        auto r = dm.read(srv, P("/9000/0/2"), f, out, scratch);
        ASSERT_EQ(r.code, status::content);
        auto rs = typed(r, P("/9000/0/2"));
        ASSERT_EQ(rs.size(), 1u);
        EXPECT_EQ(rs[0].value.view(), value::of_float(1.5));
        r = dm.read(srv, P("/9000/0/5/1"), f, out, scratch);
        ASSERT_EQ(r.code, status::content);
        rs = typed(r, P("/9000/0/5/1"));
        ASSERT_EQ(rs.size(), 1u);
        EXPECT_EQ(rs[0].value.view(), value::of_string("b"));
        r = dm.read(srv, P("/9000/0/5"), f, out, scratch);
        if (f == TEXT || f == CBOR) {
            EXPECT_EQ(r.code, status::not_acceptable);
            continue;
        }
        ASSERT_EQ(r.code, status::content);
        EXPECT_EQ(paths_of(typed(r, P("/9000/0/5"))),
                  (std::vector<std::string>{"/9000/0/5/0", "/9000/0/5/1"}));
    }
}

TEST_F(dm_ops, create_in_every_multi_value_format) {
    obj.max_instances = 10;
    std::uint16_t iid = 1;
    for (std::uint16_t f : {TLV, SENML_JSON, SENML_CBOR, LWM2M_JSON, LWM2M_CBOR}) {
        SCOPED_TRACE(f);
        path ip(lwm2m::object_id(9000), lwm2m::instance_id(iid));
        auto e = encode_records(f, P("/9000"),
                                {{*ip.child(1), value::of_integer(iid), {}},
                                 {*(*ip.child(5)).child(0), value::of_string("m"), {}}});
        auto r = dm.create(srv, P("/9000"), f, e.view(), scratch);
        ASSERT_EQ(r.code, status::created);
        EXPECT_EQ(r.created, std::optional<std::uint16_t>(iid));
        EXPECT_EQ(*obj.get(iid, 1), value::of_integer(iid));
        EXPECT_EQ(*obj.get(iid, 5, 0), value::of_string("m"));
        ++iid;
    }
}

TEST_F(dm_ops, write_composite_in_lwm2m_cbor_and_senml_cbor) {
    fill(1);
    for (std::uint16_t f : {SENML_CBOR, LWM2M_CBOR, SENML_JSON}) {
        SCOPED_TRACE(f);
        auto e = encode_records(f, path(),
                                {{P("/9000/0/1"), value::of_integer(f), {}},
                                 {P("/9000/1/3"), value::of_boolean(false), {}}});
        ASSERT_EQ(dm.write_composite(srv, f, e.view(), scratch).code, status::changed);
        EXPECT_EQ(*obj.get(0, 1), value::of_integer(f));
        EXPECT_EQ(*obj.get(1, 3), value::of_boolean(false));
        obj.set(1, 3, value::of_boolean(true));
    }
}

// ---- Execute ---------------------------------------------------------------------

TEST_F(dm_ops, execute) {
    EXPECT_EQ(dm.execute(srv, P("/9000/0/4"), "").code, status::changed);
    EXPECT_EQ(dm.execute(srv, P("/9000/0/4"), "0='abc',1").code, status::changed);
    EXPECT_EQ(obj.executed, (std::vector<std::string>{"0/4:", "0/4:0='abc',1"}));
    EXPECT_EQ(dm.execute(srv, P("/9000/0/4"), "x").code, status::bad_request);
    EXPECT_EQ(dm.execute(srv, P("/9000/0/4"), "0='abc").code, status::bad_request);
    EXPECT_EQ(dm.execute(srv, P("/9000/0/4"), "0,").code, status::bad_request);
    EXPECT_EQ(dm.execute(srv, P("/9000/0/1"), "").code, status::method_not_allowed);
    EXPECT_EQ(dm.execute(srv, P("/9000/0"), "").code, status::method_not_allowed);
    EXPECT_EQ(dm.execute(srv, P("/9000/0/99"), "").code, status::not_found);
    EXPECT_EQ(dm.execute(srv, P("/9000/4/4"), "").code, status::not_found);
    EXPECT_EQ(dm.execute(srv, P("/9"), "").code, status::not_found);
}

// ---- Create / Delete -----------------------------------------------------------

TEST_F(dm_ops, create_with_id_from_payload_or_chosen) {
    // TLV instance 7 wrapping resource 1 = 3.
    const std::string tlv("\x03\x07\xC1\x01\x03", 5);
    auto r = dm.create(srv, P("/9000"), TLV, B(tlv), scratch);
    EXPECT_EQ(r.code, status::created);
    EXPECT_EQ(r.created, std::optional<std::uint16_t>(7));
    EXPECT_EQ(*obj.get(7, 1), value::of_integer(3));
    // TLV without the instance wrapper: the object chooses (1).
    r = dm.create(srv, P("/9000"), TLV, B(std::string("\xC1\x01\x04", 3)), scratch);
    EXPECT_EQ(r.code, status::created);
    EXPECT_EQ(r.created, std::optional<std::uint16_t>(1));
    EXPECT_EQ(*obj.get(1, 1), value::of_integer(4));
    // SenML names the instance.
    r = dm.create(srv, P("/9000"), SENML_JSON, B(R"([{"bn":"/9000/3/","n":"1","v":8}])"), scratch);
    EXPECT_EQ(r.code, status::created);
    EXPECT_EQ(r.created, std::optional<std::uint16_t>(3));
    // The id exists: 4.00. No room left (4 instances): 4.00.
    EXPECT_EQ(dm.create(srv, P("/9000"), TLV, B(tlv), scratch).code, status::bad_request);
    EXPECT_EQ(dm.create(srv, P("/9000"), TLV, B(""), scratch).code, status::bad_request);
    EXPECT_EQ(obj.insts.size(), 4u);
    // Change queue: the object path (instances changed).
    auto gen = dm.generation();
    EXPECT_EQ(dm.remove(srv, P("/9000/3")).code, status::deleted);
    EXPECT_GT(dm.generation(), gen);
}

TEST_F(dm_ops, create_errors_leave_nothing) {
    obj.validator = [](std::uint16_t, std::uint16_t rid, std::optional<std::uint16_t>,
                       const value& v) {
        return rid == 1 && v.integer() > 100 ? status::bad_request : status::changed;
    };
    EXPECT_EQ(
        dm.create(srv, P("/9000"), SENML_JSON, B(R"([{"bn":"/9000/3/","n":"1","v":800}])"), scratch)
            .code,
        status::bad_request);
    EXPECT_EQ(obj.insts.count(3), 0u);
    EXPECT_EQ(dm.create(srv, P("/9000"), SENML_JSON, B(R"([{"bn":"/9000/3/","n":"1","vs":"x"}])"),
                        scratch)
                  .code,
              status::bad_request);
    EXPECT_EQ(
        dm.create(srv, P("/9000"), SENML_JSON, B(R"([{"bn":"/9000/3/","n":"4","v":1}])"), scratch)
            .code,
        status::method_not_allowed);
    EXPECT_EQ(dm.create(srv, P("/9000"), 1234, B("x"), scratch).code,
              status::unsupported_content_format);
    EXPECT_EQ(dm.create(srv, P("/9999"), TLV, B(""), scratch).code, status::not_found);
    EXPECT_EQ(dm.create(srv, P("/9000/0"), TLV, B(""), scratch).code, status::method_not_allowed);
    obj.can_create = false;
    EXPECT_EQ(dm.create(srv, P("/9000"), TLV, B(""), scratch).code, status::method_not_allowed);
    EXPECT_EQ(obj.insts.size(), 1u);
}

TEST_F(dm_ops, delete_instance) {
    fill(1);
    EXPECT_EQ(dm.remove(srv, P("/9000/1")).code, status::deleted);
    EXPECT_EQ(obj.insts.count(1), 0u);
    EXPECT_EQ(dm.remove(srv, P("/9000/1")).code, status::not_found);
    EXPECT_EQ(dm.remove(srv, P("/9000")).code, status::method_not_allowed);
    EXPECT_EQ(dm.remove(srv, P("/9000/0/1")).code, status::method_not_allowed);
    EXPECT_EQ(dm.remove(srv, P("/77/0")).code, status::not_found);
    kv_object single(single_def);
    single.insts.insert(0);
    ASSERT_TRUE(dm.add(single));
    EXPECT_EQ(dm.remove(srv, P("/9001/0")).code, status::method_not_allowed);
    // Bootstrap-Delete of an object.
    request_ctx bs{0, true};
    EXPECT_EQ(dm.remove(bs, P("/9000")).code, status::deleted);
    EXPECT_TRUE(obj.insts.empty());
}

// ---- Composite ---------------------------------------------------------------------

TEST_F(dm_ops, read_composite_in_senml_json_cbor_and_lwm2m_cbor) {
    fill(1);
    const std::string paths =
        R"([{"n":"/9000/1/1"},{"n":"/9000/0/5"},{"n":"/9000/7/1"},{"n":"/9000/0/1"}])";
    auto r = dm.read_composite(srv, ETCH_JSON, B(paths), SENML_JSON, out, scratch);
    ASSERT_EQ(r.code, status::content);
    EXPECT_EQ(text(r),
              R"([{"bn":"/9000/0/","n":"1","v":5},{"n":"5/0","vs":"a"},{"n":"5/1","vs":"b"},)"
              R"({"bn":"/9000/1/","n":"1","v":5}])");
    for (std::uint16_t f : {SENML_CBOR, LWM2M_CBOR}) {
        r = dm.read_composite(srv, ETCH_JSON, B(paths), f, out, scratch);
        ASSERT_EQ(r.code, status::content);
        auto rs = typed(r, path());
        EXPECT_EQ(paths_of(rs), (std::vector<std::string>{"/9000/0/1", "/9000/0/5/0", "/9000/0/5/1",
                                                          "/9000/1/1"}));
    }
    // Default answer: SenML CBOR. ETCH CBOR request: [{0:"/9000/0/1"}].
    r = dm.read_composite(srv, ETCH_CBOR, B(std::string("\x81\xA1\x00\x69/9000/0/1", 13)),
                          std::nullopt, out, scratch);
    ASSERT_EQ(r.code, status::content);
    EXPECT_EQ(r.format, content_format::senml_cbor);
    EXPECT_EQ(dm.read_composite(srv, SENML_JSON, B(paths), std::nullopt, out, scratch).code,
              status::unsupported_content_format);
    EXPECT_EQ(dm.read_composite(srv, ETCH_JSON, B(paths), TLV, out, scratch).code,
              status::not_acceptable);
    EXPECT_EQ(dm.read_composite(srv, ETCH_JSON, B("[{"), std::nullopt, out, scratch).code,
              status::bad_request);
}

TEST_F(dm_ops, write_composite_all_or_nothing) {
    fill(1);
    const std::string ok =
        R"([{"n":"/9000/0/1","v":11},{"n":"/9000/1/2","v":2},{"n":"/9000/1/5/3","vs":"z"}])";
    auto r = dm.write_composite(srv, SENML_JSON, B(ok), scratch);
    EXPECT_EQ(r.code, status::changed);
    EXPECT_EQ(*obj.get(0, 1), value::of_integer(11));
    EXPECT_EQ(*obj.get(1, 2), value::of_float(2));
    EXPECT_EQ(*obj.get(1, 5, 3), value::of_string("z"));
    EXPECT_EQ(obj.after_writes.size(), 2u);
    const std::string bad = R"([{"n":"/9000/0/1","v":12},{"n":"/9000/1/0","vs":"r"}])";
    EXPECT_EQ(dm.write_composite(srv, SENML_JSON, B(bad), scratch).code,
              status::method_not_allowed);
    const std::string missing = R"([{"n":"/9000/0/1","v":12},{"n":"/9000/9/1","v":1}])";
    EXPECT_EQ(dm.write_composite(srv, SENML_JSON, B(missing), scratch).code, status::not_found);
    EXPECT_EQ(*obj.get(0, 1), value::of_integer(11));
    EXPECT_EQ(dm.write_composite(srv, TLV, B(ok), scratch).code,
              status::unsupported_content_format);
    // SenML CBOR: [{0:"/9000/0/1", 2:13}]
    EXPECT_EQ(dm.write_composite(srv, SENML_CBOR,
                                 B(std::string("\x81\xA2\x00\x69/9000/0/1\x02\x0D", 15)), scratch)
                  .code,
              status::changed);
    EXPECT_EQ(*obj.get(0, 1), value::of_integer(13));
}

TEST_F(dm_ops, encode_paths_for_send_with_timestamp) {
    const path ps[] = {P("/9000/0/1"), P("/9000/0/3")};
    auto r = dm.encode_paths(srv, ps, SENML_JSON, 1700000000.0, out, scratch);
    ASSERT_EQ(r.code, status::content);
    EXPECT_EQ(text(r), R"([{"bn":"/9000/0/","bt":1700000000,"n":"1","v":5},{"n":"3","vb":true}])");
    EXPECT_EQ(dm.encode_paths(srv, ps, TLV, std::nullopt, out, scratch).code,
              status::not_acceptable);
}

// ---- Registration object list ---------------------------------------------------

TEST_F(dm_ops, object_list) {
    kv_object server(server_def), sec(security_def), single(single_def);
    server.insts.insert(0);
    sec.insts.insert(0);
    ASSERT_TRUE(dm.add(single));  // no instance: listed as </9001>
    ASSERT_TRUE(dm.add(server));
    ASSERT_TRUE(dm.add(sec));
    fill(2);
    char buf[256];
    auto n =
        dm.write_object_list(mutable_bytes(reinterpret_cast<std::uint8_t*>(buf), sizeof buf), 112);
    ASSERT_TRUE(n);
    EXPECT_EQ(
        std::string(buf, *n),
        R"(</>;rt="oma.lwm2m";ct=112,</1>;ver=1.1,</1/0>,</9000>;ver=1.1,</9000/0>,</9000/2>,</9001>)");
    EXPECT_FALSE(
        dm.write_object_list(mutable_bytes(reinterpret_cast<std::uint8_t*>(buf), 20), 112));
    EXPECT_EQ(dm.add(server).error().code, errc::invalid_argument);
}

// ---- Change queue ---------------------------------------------------------------

TEST_F(dm_ops, change_queue_dedups_and_widens) {
    obj.poke(0, 1);
    obj.poke(0, 1);
    obj.poke(0, 2);
    EXPECT_EQ(dm.poll_changed(), P("/9000/0/1"));
    EXPECT_EQ(dm.poll_changed(), P("/9000/0/2"));
    EXPECT_EQ(dm.poll_changed(), std::nullopt);
    // An instance path covers its resources.
    obj.poke(0, 1);
    dm.on_changed(P("/9000/0"));
    obj.poke(0, 3);
    EXPECT_EQ(dm.poll_changed(), P("/9000/0"));
    EXPECT_EQ(dm.poll_changed(), std::nullopt);
    // Full queue: widened to the object path.
    for (std::uint16_t i = 0; i < data_model::max_pending_changes + 3; ++i)
        obj.poke(i, 1);
    EXPECT_EQ(dm.poll_changed(), P("/9000"));
    EXPECT_EQ(dm.poll_changed(), std::nullopt);
    // Object path changes bump the generation.
    auto g = dm.generation();
    obj.poke_instances();
    EXPECT_EQ(dm.generation(), g + 1);
    EXPECT_EQ(dm.poll_changed(), P("/9000"));
    // A write is queued too.
    ASSERT_EQ(dm.write(srv, P("/9000/0/1"), TEXT, B("1"), true, scratch).code, status::changed);
    EXPECT_EQ(dm.poll_changed(), P("/9000/0/1"));
}

TEST_F(dm_ops, registry) {
    kv_object dup(test_def);
    EXPECT_EQ(dm.add(dup).error().code, errc::invalid_argument);
    EXPECT_EQ(dm.find(9000), &obj);
    dm.remove(9000);
    EXPECT_EQ(dm.find(9000), nullptr);
    EXPECT_EQ(dm.read(srv, P("/9000/0/1"), std::nullopt, out, scratch).code, status::not_found);
}

// ---- Access Control ---------------------------------------------------------------

struct dm_acl : dm_ops {
    kv_object server{server_def};
    kv_object acl{acl_def};
    request_ctx s1{1, false}, s2{2, false}, s3{3, false};
    void SetUp() override {
        dm_ops::SetUp();
        server.insts = {0, 1};
        server.set(0, 0, value::of_integer(1));
        server.set(1, 0, value::of_integer(2));
        ASSERT_TRUE(dm.add(server));
        ASSERT_TRUE(dm.add(acl));
        // /9000/0: server 1 may read only; default (others): read + write; owner 2.
        acl.insts = {0, 1};
        acl.set(0, 0, value::of_integer(9000));
        acl.set(0, 1, value::of_integer(0));
        acl.set(0, 2, value::of_integer(1), 1);
        acl.set(0, 2, value::of_integer(3), 0);
        acl.set(0, 3, value::of_integer(2));
        // Create on 9000: server 1 only.
        acl.set(1, 0, value::of_integer(9000));
        acl.set(1, 1, value::of_integer(65535));
        acl.set(1, 2, value::of_integer(16), 1);
        acl.set(1, 3, value::of_integer(1));
    }
};

TEST_F(dm_acl, enforced_with_two_servers) {
    EXPECT_EQ(dm.read(s1, P("/9000/0/1"), std::nullopt, out, scratch).code, status::content);
    EXPECT_EQ(dm.write(s1, P("/9000/0/1"), TEXT, B("1"), true, scratch).code, status::unauthorized);
    EXPECT_EQ(dm.execute(s1, P("/9000/0/4"), "").code, status::unauthorized);
    EXPECT_EQ(dm.remove(s1, P("/9000/0")).code, status::unauthorized);
    // Owner: full access.
    EXPECT_EQ(dm.write(s2, P("/9000/0/1"), TEXT, B("2"), true, scratch).code, status::changed);
    EXPECT_EQ(dm.execute(s2, P("/9000/0/4"), "").code, status::changed);
    // Default ACL (riid 0): read + write, no execute.
    EXPECT_EQ(dm.write(s3, P("/9000/0/1"), TEXT, B("3"), true, scratch).code, status::changed);
    EXPECT_EQ(dm.execute(s3, P("/9000/0/4"), "").code, status::unauthorized);
    // Composite: a denied path refuses the whole write.
    EXPECT_EQ(dm.write_composite(s1, SENML_JSON, B(R"([{"n":"/9000/0/1","v":4}])"), scratch).code,
              status::unauthorized);
    // An instance with no ACL instance: no access (instance 1).
    fill(1);
    EXPECT_EQ(dm.read(s1, P("/9000/1/1"), std::nullopt, out, scratch).code, status::unauthorized);
    // Object-level read leaves out the instances it may not read.
    auto r = dm.read(s1, P("/9000"), SENML_JSON, out, scratch);
    ASSERT_EQ(r.code, status::content);
    EXPECT_EQ(text(r).find("/9000/1/"), std::string::npos);
    // The device itself is never restricted.
    EXPECT_EQ(dm.read(request_ctx{0, false}, P("/9000/1/1"), std::nullopt, out, scratch).code,
              status::content);
}

TEST_F(dm_acl, create_needs_the_create_right_and_makes_the_creator_owner) {
    EXPECT_EQ(dm.create(s2, P("/9000"), TLV, B(""), scratch).code, status::unauthorized);
    auto r = dm.create(s1, P("/9000"), TLV, B(""), scratch);
    ASSERT_EQ(r.code, status::created);
    // An ACL instance for the new instance, owned by server 1.
    ASSERT_EQ(acl.insts.size(), 3u);
    EXPECT_EQ(*acl.get(2, 0), value::of_integer(9000));
    EXPECT_EQ(*acl.get(2, 1), value::of_integer(*r.created));
    EXPECT_EQ(*acl.get(2, 3), value::of_integer(1));
    std::string path = "/9000/" + std::to_string(*r.created) + "/1";
    EXPECT_EQ(dm.write(s1, P(path), TEXT, B("1"), true, scratch).code, status::changed);
    EXPECT_EQ(dm.write(s2, P(path), TEXT, B("1"), true, scratch).code, status::unauthorized);
}

TEST_F(dm_acl, acl_instances_belong_to_their_owner) {
    // ACL instance 0 is owned by server 2: only it may change the ACL.
    EXPECT_EQ(dm.write(s1, P("/2/0/2/1"), TEXT, B("31"), true, scratch).code, status::unauthorized);
    EXPECT_EQ(dm.write(s2, P("/2/0/2/1"), TEXT, B("31"), true, scratch).code, status::changed);
    EXPECT_EQ(dm.write(s1, P("/9000/0/1"), TEXT, B("1"), true, scratch).code, status::changed);
    EXPECT_EQ(dm.read(s3, P("/2/0"), std::nullopt, out, scratch).code, status::content);
    EXPECT_EQ(dm.remove(s2, P("/2/0")).code, status::unauthorized);
    // Deleting an instance deletes its ACL instance.
    EXPECT_EQ(dm.remove(s2, P("/9000/0")).code, status::deleted);
    EXPECT_EQ(acl.insts, (std::set<std::uint16_t>{1}));
}

TEST_F(dm_acl, not_enforced_with_one_server) {
    server.insts = {0};
    EXPECT_EQ(dm.write(s1, P("/9000/0/1"), TEXT, B("1"), true, scratch).code, status::changed);
    EXPECT_EQ(dm.execute(s1, P("/9000/0/4"), "").code, status::changed);
    fill(1);
    EXPECT_EQ(dm.read(s1, P("/9000/1/1"), std::nullopt, out, scratch).code, status::content);
}

}  // namespace
}  // namespace dm_test

namespace dm_test {
namespace {

// Malformed and mutated payloads for every entry point: an error code,
// never a crash (run under ASan/UBSan too).
TEST_F(dm_ops, mutated_payloads_never_crash) {
    fill(1);
    std::uint32_t seed = 12345;
    auto rnd = [&] {
        seed = seed * 1664525u + 1013904223u;
        return seed >> 8;
    };
    const std::uint16_t formats[] = {TEXT,       OPAQUE,     CBOR,      SENML_JSON,
                                     SENML_CBOR, ETCH_JSON,  ETCH_CBOR, TLV,
                                     LWM2M_JSON, LWM2M_CBOR, 40,        7};
    std::vector<std::vector<std::uint8_t>> seeds;
    for (std::uint16_t f : {TLV, SENML_JSON, SENML_CBOR, LWM2M_JSON, LWM2M_CBOR}) {
        auto r = dm.read(srv, P("/9000/0"), f, out, scratch);
        ASSERT_EQ(r.code, status::content);
        seeds.emplace_back(out_buf, out_buf + r.size);
    }
    const path targets[] = {P("/9000/0"),     P("/9000/0/1"), P("/9000/0/5"),
                            P("/9000/0/5/1"), P("/9000"),     P("/9000/1/6")};
    for (int i = 0; i < 3000; ++i) {
        auto data = seeds[rnd() % seeds.size()];
        std::size_t muts = 1 + rnd() % 4;
        for (std::size_t m = 0; m < muts && !data.empty(); ++m) {
            switch (rnd() % 3) {
                case 0:
                    data[rnd() % data.size()] = static_cast<std::uint8_t>(rnd());
                    break;
                case 1:
                    data.resize(rnd() % data.size());
                    break;
                default:
                    data.insert(data.begin() + rnd() % data.size(),
                                static_cast<std::uint8_t>(rnd()));
            }
        }
        bytes_view in(data.data(), data.size());
        std::uint16_t f = formats[rnd() % std::size(formats)];
        const path& t = targets[rnd() % std::size(targets)];
        std::uint8_t small[64];
        mutable_bytes sc = (rnd() % 4 == 0) ? mutable_bytes(small, sizeof small) : scratch;
        (void)dm.write(srv, t, f, in, rnd() % 2 == 0, sc);
        (void)dm.write_composite(srv, f, in, sc);
        (void)dm.read_composite(srv, f, in, std::nullopt, out, sc);
        auto c = dm.create(srv, P("/9000"), f, in, sc);
        if (c.code == status::created)
            (void)dm.remove(srv, P("/9000/" + std::to_string(*c.created)));
        (void)dm.write_attributes(
            srv, t, std::string_view(reinterpret_cast<const char*>(in.data()), in.size()));
        (void)dm.execute(srv, P("/9000/0/4"),
                         std::string_view(reinterpret_cast<const char*>(in.data()), in.size()));
        (void)dm.read(srv, t, f, out, sc);
    }
    // The object is still whole.
    EXPECT_EQ(dm.read(srv, P("/9000/0"), SENML_JSON, out, scratch).code, status::content);
}

}  // namespace
}  // namespace dm_test
