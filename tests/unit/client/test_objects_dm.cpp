// The standard objects registered with the real data_model (dm.cpp).
#include <string>

#include "sirocco/client/dm.hpp"
#include "sirocco/client/objects/device.hpp"
#include "sirocco/client/objects/server.hpp"
#include "sirocco/client/objects/temperature.hpp"
#include "test_objects_common.hpp"

namespace sirocco::client {
namespace {

lwm2m::path pth(std::string_view s) {
    return *lwm2m::path::parse(s);
}
std::string text_of(const std::uint8_t* p, std::size_t n) {
    return std::string(reinterpret_cast<const char*>(p), n);
}
constexpr std::uint16_t text_format = 0, tlv_format = 11542;

struct ObjectsInDataModel : ::testing::Test {
    device dev;
    server srv;
    temperature temp;
    data_model dm{lwm2m_version::v1_1};
    std::uint8_t out[512];
    std::uint8_t scratch[1024];
    request_ctx ctx{101, false};
    void SetUp() override {
        ASSERT_TRUE(dev.set_info("ACME", "M1", "", ""));
        ASSERT_TRUE(srv.add_server(0, 101, 300));
        ASSERT_TRUE(temp.add_celsius(0));
        ASSERT_TRUE(dm.add(dev));
        ASSERT_TRUE(dm.add(srv));
        ASSERT_TRUE(dm.add(temp));
    }
};

TEST_F(ObjectsInDataModel, ReadWriteExecuteDiscoverThroughTheDataModel) {
    auto r = dm.read(ctx, pth("/3/0/0"), text_format, out, scratch);
    ASSERT_EQ(r.code, status::content);
    EXPECT_EQ(text_of(out, r.size), "ACME");
    // Absent optional resource: 4.04; multiple resource in TLV: 2.05.
    EXPECT_EQ(dm.read(ctx, pth("/3/0/17"), text_format, out, scratch).code, status::not_found);
    EXPECT_EQ(dm.read(ctx, pth("/3/0/11"), tlv_format, out, scratch).code, status::content);
    EXPECT_EQ(dm.read(ctx, pth("/3/0"), tlv_format, out, scratch).code, status::content);
    // Write an optional resource never set, then read it back.
    const char pmin[] = "15";
    auto w = dm.write(ctx, pth("/1/0/2"), text_format,
                      bytes_view(reinterpret_cast<const std::uint8_t*>(pmin), 2), true, scratch);
    EXPECT_EQ(w.code, status::changed);
    r = dm.read(ctx, pth("/1/0/2"), text_format, out, scratch);
    ASSERT_EQ(r.code, status::content);
    EXPECT_EQ(text_of(out, r.size), "15");
    // A string too long for its storage is refused.
    std::string long_type(40, 'x');
    w = dm.write(
        ctx, pth("/3303/0/5750"), text_format,
        bytes_view(reinterpret_cast<const std::uint8_t*>(long_type.data()), long_type.size()), true,
        scratch);
    EXPECT_EQ(w.code, status::bad_request);
    // Execute: Reset Error Code, and Reset Min/Max.
    EXPECT_EQ(dm.execute(ctx, pth("/3/0/12"), "").code, status::changed);
    EXPECT_EQ(dm.execute(ctx, pth("/3303/0/5605"), "").code, status::changed);
    // Discover lists present resources only.
    auto d = dm.discover(ctx, pth("/3/0"), out);
    ASSERT_EQ(d.code, status::content);
    std::string links = text_of(out, d.size);
    EXPECT_NE(links.find("</3/0/0>"), std::string::npos) << links;
    EXPECT_EQ(links.find("</3/0/17>"), std::string::npos) << links;
    // A local change reaches the data model's queue.
    ASSERT_TRUE(temp.set_measurement(0, 22.5));
    bool saw = false;
    while (auto p = dm.poll_changed())
        if (*p == pth("/3303/0/5700")) saw = true;
    EXPECT_TRUE(saw);
}

}  // namespace
}  // namespace sirocco::client
