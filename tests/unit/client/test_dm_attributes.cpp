// Write-Attributes, attribute inheritance and Server-object defaults, and
// Discover output byte for byte (Core TS 1.2, 5.1.2, 5.4.2, 5.4.4).
#include "dm_test_support.hpp"

namespace dm_test {
namespace {

struct dm_attrs : dm_fixture {
    kv_object server{server_def};
    void SetUp() override {
        dm_fixture::SetUp();
        server.insts = {0, 1};
        server.set(0, 0, value::of_integer(1));
        server.set(0, 2, value::of_integer(5));
        server.set(0, 3, value::of_integer(300));
        server.set(1, 0, value::of_integer(2));
        server.absent = {{1, 2}, {1, 3}};
        ASSERT_TRUE(dm.add(server));
    }
    status wa(std::string_view p, std::string_view q, ssid s = 1) {
        return dm.write_attributes(request_ctx{s, false}, P(p), q).code;
    }
    std::string disc(std::string_view p, ssid s = 1) {
        auto r = dm.discover(request_ctx{s, false}, P(p), out);
        EXPECT_EQ(r.code, status::content);
        EXPECT_EQ(r.format, codec::content_format::link_format);
        return text(r);
    }
};

TEST_F(dm_attrs, write_attributes_checks) {
    EXPECT_EQ(wa("/9000/0/1", "pmin=10&pmax=60"), status::changed);
    EXPECT_EQ(wa("/9000/0/1", "gt=50&lt=42.2&st=0.5"), status::changed);
    EXPECT_EQ(wa("/9000/0/1", "pmin=61"), status::bad_request);  // > stored pmax
    EXPECT_EQ(wa("/9000/0/1", "lt=60"), status::bad_request);    // lt >= gt
    EXPECT_EQ(wa("/9000/0/1", "st=4"), status::bad_request);     // lt + 2 st >= gt
    EXPECT_EQ(wa("/9000/0/1", "epmin=10&epmax=5"), status::bad_request);
    EXPECT_EQ(wa("/9000/0/1", "pmin=x"), status::bad_request);
    EXPECT_EQ(wa("/9000/0/1", "foo=1"), status::bad_request);
    EXPECT_EQ(wa("/9000/0/1", "dim=2"), status::bad_request);
    EXPECT_EQ(wa("/9000/0/0", "gt=1"), status::bad_request);  // string resource
    EXPECT_EQ(wa("/9000/0", "gt=1"), status::bad_request);    // not a resource
    EXPECT_EQ(wa("/9000/0/99", "pmin=1"), status::not_found);
    EXPECT_EQ(wa("/9000/3", "pmin=1"), status::not_found);
    EXPECT_EQ(wa("/9000/0/5/7", "pmin=1"), status::not_found);
    EXPECT_EQ(wa("/9999", "pmin=1"), status::not_found);
    EXPECT_EQ(wa("/", "pmin=1"), status::method_not_allowed);
    EXPECT_EQ(wa("/9000/0/5/1", "pmin=3"), status::changed);
    auto a = dm.effective_attributes(1, P("/9000/0/1"));
    EXPECT_EQ(a.pmin.value, 10u);
    EXPECT_EQ(a.pmax.value, 60u);
    EXPECT_EQ(a.gt.value, 50);
    EXPECT_EQ(a.lt.value, 42.2);
    EXPECT_EQ(a.st.value, 0.5);
    // Unset removes: lt gone, then gt, then the rest.
    EXPECT_EQ(wa("/9000/0/1", "lt&gt"), status::changed);
    a = dm.effective_attributes(1, P("/9000/0/1"));
    EXPECT_FALSE(a.lt.is_set());
    EXPECT_FALSE(a.gt.is_set());
    EXPECT_TRUE(a.st.is_set());
    EXPECT_EQ(wa("/9000/0/1", "pmin&pmax&st"), status::changed);
    a = dm.effective_attributes(1, P("/9000/0/1"));
    EXPECT_EQ(a.pmin.value, 5u);  // the Server object's default again
}

TEST_F(dm_attrs, inheritance_and_server_defaults) {
    // No attributes: the Server object's /1/0/2 and /1/0/3 for server 1.
    auto a = dm.effective_attributes(1, P("/9000/0/1"));
    EXPECT_EQ(a.pmin.value, 5u);
    EXPECT_EQ(a.pmax.value, 300u);
    // Server 2 has no defaults; server 7 has no Server instance.
    EXPECT_FALSE(dm.effective_attributes(2, P("/9000/0/1")).pmin.is_set());
    EXPECT_FALSE(dm.effective_attributes(7, P("/9000/0/1")).pmax.is_set());
    ASSERT_EQ(wa("/9000", "pmin=20&pmax=100"), status::changed);
    ASSERT_EQ(wa("/9000/0", "pmax=50"), status::changed);
    ASSERT_EQ(wa("/9000/0/5", "pmin=1"), status::changed);
    ASSERT_EQ(wa("/9000/0/5/1", "pmax=7&epmin=2"), status::changed);
    a = dm.effective_attributes(1, P("/9000/0/1"));
    EXPECT_EQ(a.pmin.value, 20u);  // object
    EXPECT_EQ(a.pmax.value, 50u);  // instance
    a = dm.effective_attributes(1, P("/9000/0/5/1"));
    EXPECT_EQ(a.pmin.value, 1u);  // resource
    EXPECT_EQ(a.pmax.value, 7u);  // resource instance
    EXPECT_EQ(a.epmin.value, 2u);
    a = dm.effective_attributes(1, P("/9000/0/5/0"));
    EXPECT_EQ(a.pmax.value, 50u);
    EXPECT_FALSE(a.epmin.is_set());
    // Attributes are per server.
    a = dm.effective_attributes(2, P("/9000/0/1"));
    EXPECT_FALSE(a.pmin.is_set());
    EXPECT_FALSE(a.pmax.is_set());
    // Deleting an instance drops its attributes.
    fill(1);
    ASSERT_EQ(wa("/9000/1", "pmax=9"), status::changed);
    ASSERT_EQ(dm.remove(request_ctx{1, false}, P("/9000/1")).code, status::deleted);
    fill(1);
    EXPECT_EQ(dm.effective_attributes(1, P("/9000/1")).pmax.value, 100u);
}

TEST_F(dm_attrs, capacity_is_5_00) {
    for (std::uint16_t i = 0; i < data_model::max_attributes; ++i)
        ASSERT_EQ(wa("/9000/0/1", "pmin=1", static_cast<ssid>(10 + i)), status::changed);
    EXPECT_EQ(wa("/9000/0/2", "pmin=1"), status::internal_server_error);
    // Changing an existing entry still works, and removing one frees room.
    EXPECT_EQ(wa("/9000/0/1", "pmin=2", 10), status::changed);
    EXPECT_EQ(wa("/9000/0/1", "pmin", 10), status::changed);
    EXPECT_EQ(wa("/9000/0/2", "pmin=1"), status::changed);
}

TEST_F(dm_attrs, discover_byte_for_byte) {
    EXPECT_EQ(disc("/9000/0"),
              "</9000/0>,</9000/0/0>,</9000/0/1>,</9000/0/2>,</9000/0/3>,</9000/0/4>,"
              "</9000/0/5>;dim=2,</9000/0/6>,</9000/0/7>,</9000/0/8>,</9000/0/9>,</9000/0/11>");
    ASSERT_EQ(wa("/9000", "pmin=10"), status::changed);
    ASSERT_EQ(wa("/9000/0", "pmax=60"), status::changed);
    ASSERT_EQ(wa("/9000/0/1", "gt=50&lt=42.2"), status::changed);
    ASSERT_EQ(wa("/9000/0/5", "epmax=30"), status::changed);
    ASSERT_EQ(wa("/9000/0/1", "pmin=1", 2), status::changed);  // another server's
    fill(1);
    obj.absent.insert({1, 6});
    EXPECT_EQ(disc("/9000"),
              "</9000>;pmin=10,"
              "</9000/0>;pmax=60,</9000/0/0>,</9000/0/1>;gt=50;lt=42.2,</9000/0/2>,</9000/0/3>,"
              "</9000/0/4>,</9000/0/5>;dim=2;epmax=30,</9000/0/6>,</9000/0/7>,</9000/0/8>,"
              "</9000/0/9>,</9000/0/11>,"
              "</9000/1>,</9000/1/0>,</9000/1/1>,</9000/1/2>,</9000/1/3>,</9000/1/4>,"
              "</9000/1/5>;dim=0,</9000/1/7>,</9000/1/8>,</9000/1/9>,</9000/1/10>,</9000/1/11>");
    EXPECT_EQ(disc("/9000/0"),
              "</9000/0>;pmax=60,</9000/0/0>,</9000/0/1>;gt=50;lt=42.2,</9000/0/2>,</9000/0/3>,"
              "</9000/0/4>,</9000/0/5>;dim=2;epmax=30,</9000/0/6>,</9000/0/7>,</9000/0/8>,"
              "</9000/0/9>,</9000/0/11>");
    // Resource level: the attributes in effect there, inherited ones included.
    EXPECT_EQ(disc("/9000/0/1"), "</9000/0/1>;pmin=10;pmax=60;gt=50;lt=42.2");
    EXPECT_EQ(disc("/9000/0/5"), "</9000/0/5>;dim=2;pmin=10;pmax=60;epmax=30");
    EXPECT_EQ(disc("/9000/0/1", 2), "</9000/0/1>;pmin=1");
}

TEST_F(dm_attrs, discover_1_2_lists_resource_instances_with_attributes) {
    data_model dm12(lwm2m_version::v1_2);
    kv_object o(test_def);
    o.insts.insert(0);
    o.set(0, 5, owned_value::string("a"), 0);
    o.set(0, 5, owned_value::string("b"), 4);
    ASSERT_TRUE(dm12.add(o));
    ASSERT_EQ(dm12.write_attributes(request_ctx{1, false}, P("/9000/0/5/4"), "pmax=9").code,
              status::changed);
    auto r = dm12.discover(request_ctx{1, false}, P("/9000/0/5"), out);
    ASSERT_EQ(r.code, status::content);
    EXPECT_EQ(text(r), "</9000/0/5>;dim=2,</9000/0/5/4>;pmax=9");
}

TEST_F(dm_attrs, discover_errors) {
    request_ctx s{1, false};
    EXPECT_EQ(dm.discover(s, P("/9999"), out).code, status::not_found);
    EXPECT_EQ(dm.discover(s, P("/9000/4"), out).code, status::not_found);
    EXPECT_EQ(dm.discover(s, P("/9000/0/99"), out).code, status::not_found);
    EXPECT_EQ(dm.discover(s, P("/9000/0/10"), out).code, status::not_found);
    EXPECT_EQ(dm.discover(s, P("/"), out).code, status::method_not_allowed);
    EXPECT_EQ(dm.discover(s, P("/9000/0/5/0"), out).code, status::method_not_allowed);
    std::uint8_t tiny[8];
    EXPECT_EQ(dm.discover(s, P("/9000"), mutable_bytes(tiny, 8)).code,
              status::internal_server_error);
}

}  // namespace
}  // namespace dm_test
