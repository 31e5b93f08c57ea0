// Object list and Register / Update parameter parsing (Core TS 1.2, 6.2.1).
#include <gtest/gtest.h>

#include "sirocco/server/registration.hpp"

namespace srv = sirocco::server;

TEST(object_list, plain_list_with_versions_and_instances) {
    auto l =
        srv::parse_object_list("</1>;ver=1.1,</1/0>,</3/0>,</3303>;ver=1.1,</3303/0>,</3303/1>");
    ASSERT_TRUE(l.has_value());
    EXPECT_EQ(l->root_path, "/");
    ASSERT_EQ(l->objects.size(), 3u);
    EXPECT_EQ(l->objects[0], (srv::object_entry{1, "1.1", {0}}));
    EXPECT_EQ(l->objects[1], (srv::object_entry{3, "", {0}}));
    EXPECT_EQ(l->objects[2], (srv::object_entry{3303, "1.1", {0, 1}}));
}

TEST(object_list, root_link_with_content_formats) {
    auto l = srv::parse_object_list(R"(</>;rt="oma.lwm2m";ct=110,</3/0>)");
    ASSERT_TRUE(l.has_value());
    EXPECT_EQ(l->root_path, "/");
    EXPECT_EQ(l->content_formats, (std::vector<std::uint16_t>{110}));
    auto m = srv::parse_object_list(R"(</>;ct="60 110 112", </1/0>)");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->content_formats, (std::vector<std::uint16_t>{60, 110, 112}));
    ASSERT_EQ(m->objects.size(), 1u);
}

TEST(object_list, alternate_root_path) {
    auto l = srv::parse_object_list(R"(</lwm2m>;rt="oma.lwm2m",</lwm2m/1/0>,</lwm2m/3/0>)");
    ASSERT_TRUE(l.has_value());
    EXPECT_EQ(l->root_path, "/lwm2m");
    ASSERT_EQ(l->objects.size(), 2u);
    EXPECT_EQ(l->objects[1].id, 3);
    // A link outside the alternate root is an error.
    EXPECT_FALSE(srv::parse_object_list(R"(</lwm2m>;rt="oma.lwm2m",</3/0>)").has_value());
}

TEST(object_list, malformed_lists_are_errors) {
    EXPECT_FALSE(srv::parse_object_list("</1/0").has_value());
    EXPECT_FALSE(srv::parse_object_list("1/0>").has_value());
    EXPECT_FALSE(srv::parse_object_list("</1/0>;ver").has_value());
    EXPECT_FALSE(srv::parse_object_list("</abc>").has_value());
    EXPECT_FALSE(srv::parse_object_list("</3/0/1>").has_value());
    EXPECT_FALSE(srv::parse_object_list("</>;ct=abc").has_value());
    EXPECT_FALSE(srv::parse_object_list("</1/0>,,</3/0>").has_value());
    auto e = srv::parse_object_list("");
    ASSERT_TRUE(e.has_value());
    EXPECT_TRUE(e->objects.empty());
}

TEST(params, register_parameters) {
    auto p = srv::parse_params({"ep=dev1", "lt=300", "lwm2m=1.1", "b=U", "Q", "sms=123"});
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->endpoint, "dev1");
    EXPECT_EQ(p->lifetime, 300u);
    EXPECT_EQ(p->lwm2m_version, "1.1");
    EXPECT_EQ(p->binding, "U");
    EXPECT_TRUE(p->queue);
}

TEST(params, lwm2m_1_0_queue_binding) {
    auto p = srv::parse_params({"ep=x", "b=UQ"});
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->binding, "U");
    EXPECT_TRUE(p->queue);
}

TEST(params, bad_values) {
    EXPECT_FALSE(srv::parse_params({"ep="}).has_value());
    EXPECT_FALSE(srv::parse_params({"lt=abc"}).has_value());
    EXPECT_FALSE(srv::parse_params({"lt=-5"}).has_value());
    EXPECT_FALSE(srv::parse_params({"lt=0"}).has_value());
    EXPECT_FALSE(srv::parse_params({"lt=4294967296"}).has_value());
    EXPECT_FALSE(srv::parse_params({"b=X"}).has_value());
    EXPECT_FALSE(srv::parse_params({"b=UU"}).has_value());
    EXPECT_FALSE(srv::parse_params({"b="}).has_value());
    auto p = srv::parse_params({"lt=4294967295"});
    ASSERT_TRUE(p.has_value());
    EXPECT_FALSE(p->endpoint.has_value());
}
