// The data model over the standard objects of libs/client/objects: Server
// defaults for attributes, Access Control with two servers, an IPSO sensor
// read in several formats, changes flowing into the observation set.
#include "sirocco/client/objects/access_control.hpp"
#include "sirocco/client/objects/server.hpp"
#include "sirocco/client/objects/temperature.hpp"
#include "sirocco/client/observe.hpp"

#include "dm_test_support.hpp"

namespace dm_test {
namespace {

struct dm_standard : ::testing::Test {
    data_model dm{lwm2m_version::v1_1};
    client::server servers;
    client::access_control acl;
    client::temperature temp;
    std::uint8_t out_buf[1024]{};
    std::uint8_t scratch_buf[2048]{};
    mutable_bytes out{out_buf, sizeof out_buf};
    mutable_bytes scratch{scratch_buf, sizeof scratch_buf};
    request_ctx s101{101, false}, s102{102, false};

    void SetUp() override {
        ASSERT_TRUE(servers.add_server(0, 101, 300));
        ASSERT_TRUE(servers.add_server(1, 102, 300));
        ASSERT_TRUE(servers.set_value(0, 2, value::of_integer(10)));
        ASSERT_TRUE(servers.set_value(0, 3, value::of_integer(120)));
        ASSERT_TRUE(temp.add_celsius(0));
        ASSERT_TRUE(temp.set_measurement(0, 21.5));
        ASSERT_TRUE(acl.add_entry(0, 3303, 0, 101));
        ASSERT_TRUE(acl.set_acl(0, 102, client::acl_read));
        ASSERT_TRUE(dm.add(servers));
        ASSERT_TRUE(dm.add(acl));
        ASSERT_TRUE(dm.add(temp));
        while (dm.poll_changed()) {
        }
    }
    std::string text(const dm_result& r) const {
        return std::string(reinterpret_cast<const char*>(out_buf), r.size);
    }
};

TEST_F(dm_standard, server_defaults_reach_the_attributes) {
    auto a = dm.effective_attributes(101, P("/3303/0/5700"));
    EXPECT_EQ(a.pmin.value, 10u);
    EXPECT_EQ(a.pmax.value, 120u);
    EXPECT_FALSE(dm.effective_attributes(102, P("/3303/0/5700")).pmin.is_set());
}

TEST_F(dm_standard, access_control_with_two_servers) {
    auto r = dm.read(s102, P("/3303/0/5700"), std::nullopt, out, scratch);
    ASSERT_EQ(r.code, status::content);
    EXPECT_EQ(text(r), "21.5");
    EXPECT_EQ(dm.write(s102, P("/3303/0/5750"), 0, dm_fixture::B("x"), true, scratch).code,
              status::unauthorized);
    EXPECT_EQ(dm.write(s101, P("/3303/0/5750"), 0, dm_fixture::B("x"), true, scratch).code,
              status::changed);
    EXPECT_EQ(dm.execute(s102, P("/3303/0/5605"), "").code, status::unauthorized);
}

TEST_F(dm_standard, sensor_read_in_formats_and_object_list) {
    auto r = dm.read(s101, P("/3303/0"), 110, out, scratch);
    ASSERT_EQ(r.code, status::content);
    EXPECT_NE(text(r).find(R"({"n":"5700","v":21.5})"), std::string::npos) << text(r);
    for (int f : {11542, 112, 11544, 11543}) {
        r = dm.read(s101, P("/3303/0"), static_cast<std::uint16_t>(f), out, scratch);
        EXPECT_EQ(r.code, status::content) << f;
    }
    char buf[256];
    auto n =
        dm.write_object_list(mutable_bytes(reinterpret_cast<std::uint8_t*>(buf), sizeof buf), 112);
    ASSERT_TRUE(n);
    EXPECT_EQ(
        std::string(buf, *n),
        R"(</>;rt="oma.lwm2m";ct=112,</1>;ver=1.1,</1/0>,</1/1>,</2/0>,</3303>;ver=1.1,</3303/0>)");
}

TEST_F(dm_standard, sensor_changes_drive_notifications) {
    observation_set set;
    const path p = P("/3303/0/5700");
    ASSERT_EQ(dm.write_attributes(s101, p, "st=1").code, status::changed);
    ASSERT_TRUE(set.add(101, std::span<const path>(&p, 1), 112, 1, 0,
                        observation_set::numeric_value(dm, p)));
    ASSERT_TRUE(temp.set_measurement(0, 22.0));
    while (auto c = dm.poll_changed())
        set.changed(*c, 1'000);
    EXPECT_EQ(set.poll_due(dm, 10'000), std::nullopt);  // pmin 10 s, step 0.5 < 1
    ASSERT_TRUE(temp.set_measurement(0, 23.0));
    while (auto c = dm.poll_changed())
        set.changed(*c, 11'000);
    EXPECT_EQ(set.poll_due(dm, 11'000), 1u);
    set.notified(1, 11'000);
    EXPECT_EQ(set.find(1)->last_value, 23.0);
}

}  // namespace
}  // namespace dm_test
