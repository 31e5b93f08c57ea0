// mqtt:// and mqtts:// server URIs, endpoint names as topic levels.
#include <gtest/gtest.h>

#include "sirocco/runtime/server_uri.hpp"

namespace sirocco::runtime {
namespace {

TEST(mqtt_uri, defaults) {
    auto t = parse_mqtt_target("mqtt://broker.example");
    ASSERT_TRUE(t);
    EXPECT_FALSE(t->tls);
    EXPECT_EQ(t->host, "broker.example");
    EXPECT_EQ(t->port, 1883);
    EXPECT_EQ(t->root, "lwm2m/");
    auto s = parse_mqtt_target("MQTTS://10.0.0.1/");
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->tls);
    EXPECT_EQ(s->port, 8883);
    EXPECT_EQ(s->root, "lwm2m/");
}

TEST(mqtt_uri, port_root_and_ipv6) {
    auto t = parse_mqtt_target("mqtt://127.0.0.1:18830/plant/a/");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->port, 18830);
    EXPECT_EQ(t->root, "plant/a/");
    auto v6 = parse_mqtt_target("mqtts://[::1]:8884/lwm2m/");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, 8884);
    EXPECT_TRUE(is_mqtt_uri("mqtt://x"));
    EXPECT_TRUE(is_mqtt_uri("MQTTS://x"));
    EXPECT_FALSE(is_mqtt_uri("coap://x"));
}

TEST(mqtt_uri, refusals) {
    EXPECT_EQ(parse_mqtt_target("coap://h").error().code, errc::unsupported);
    EXPECT_EQ(parse_mqtt_target("mqtt://").error().code, errc::malformed);
    EXPECT_EQ(parse_mqtt_target("mqtt://h:0/").error().code, errc::malformed);
    EXPECT_EQ(parse_mqtt_target("mqtt://h:70000/").error().code, errc::malformed);
    EXPECT_EQ(parse_mqtt_target("mqtt://h:x/").error().code, errc::malformed);
    EXPECT_EQ(parse_mqtt_target("mqtt://h/lwm2m").error().code, errc::malformed);  // no '/'
    EXPECT_EQ(parse_mqtt_target("mqtt://h/a/+/").error().code, errc::malformed);
    EXPECT_EQ(parse_mqtt_target("mqtt://h/a/#/").error().code, errc::malformed);
    EXPECT_EQ(parse_mqtt_target("mqtt://h/a/?x=1").error().code, errc::malformed);
    EXPECT_EQ(parse_mqtt_target("mqtt://u:p@h/").error().code, errc::malformed);
    EXPECT_EQ(parse_mqtt_target("mqtt://[::1/").error().code, errc::malformed);
}

TEST(mqtt_uri, endpoint_names_and_topics) {
    EXPECT_TRUE(check_mqtt_endpoint("urn:imei:490154203237518"));
    EXPECT_EQ(check_mqtt_endpoint("").error().code, errc::invalid_argument);
    EXPECT_EQ(check_mqtt_endpoint("a/b").error().code, errc::invalid_argument);
    EXPECT_EQ(check_mqtt_endpoint("a+b").error().code, errc::invalid_argument);
    EXPECT_EQ(check_mqtt_endpoint("a#").error().code, errc::invalid_argument);
    EXPECT_EQ(check_mqtt_endpoint(std::string_view("a\0b", 3)).error().code,
              errc::invalid_argument);
    EXPECT_EQ(mqtt_uplink_topic("lwm2m/", "dev1"), "lwm2m/dev1/deviceToServer");
    EXPECT_EQ(mqtt_downlink_topic("lwm2m/", "dev1"), "lwm2m/dev1/serverToDevice");
}

}  // namespace
}  // namespace sirocco::runtime
