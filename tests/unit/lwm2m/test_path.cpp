#include "sirocco/lwm2m/path.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace sirocco;
using namespace sirocco::lwm2m;

namespace {
std::string text(const path& p) {
    return std::string(path_text(p).view());
}
}  // namespace

TEST(Path, ParsesEveryLevel) {
    EXPECT_TRUE(path::parse("/")->is_root());
    auto o = path::parse("/3");
    ASSERT_TRUE(o);
    EXPECT_TRUE(o->is_object());
    EXPECT_EQ(o->object(), object_id(3));
    auto i = path::parse("/3/0");
    ASSERT_TRUE(i);
    EXPECT_EQ(i->level(), path_level::instance);
    auto r = path::parse("/3/0/13");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->resource(), resource_id(13));
    auto ri = path::parse("/65535/65534/65533/65532");
    ASSERT_TRUE(ri);
    EXPECT_TRUE(ri->is_resource_instance());
    EXPECT_EQ(ri->resource_instance(), resource_instance_id(65532));
}

TEST(Path, RejectsWithReason) {
    struct bad {
        const char* in;
        errc code;
        const char* reason;
    };
    const bad cases[] = {
        {"/3/0/x", errc::malformed, "id is not a number"},
        {"/3/65536", errc::out_of_range, "id is over 65535"},
        {"/3/99999999999", errc::out_of_range, "id is over 65535"},
        {"/3//0", errc::malformed, "empty segment"},
        {"/3/0/", errc::malformed, "trailing slash"},
        {"3/0", errc::malformed, "path must start with '/'"},
        {"/1/2/3/4/5", errc::malformed, "more than 4 ids"},
        {"/-1", errc::malformed, "id is not a number"},
        {"//", errc::malformed, "empty segment"},
    };
    for (const auto& c : cases) {
        auto r = path::parse(c.in);
        ASSERT_FALSE(r) << c.in;
        EXPECT_EQ(r.error().code, c.code) << c.in;
        EXPECT_STREQ(r.error().reason, c.reason) << c.in;
    }
}

TEST(Path, Options) {
    EXPECT_EQ(text(*path::parse("/3/0/", {.allow_trailing_slash = true})), "/3/0");
    EXPECT_EQ(text(*path::parse("3/0", {.allow_relative = true})), "/3/0");
    EXPECT_FALSE(path::parse("/", {.allow_root = false}));
}

TEST(Path, FormatRoundTrip) {
    for (const char* s :
         {"/", "/0", "/3/0", "/3/0/13", "/65535/65535/65535/65535", "/10/20/30/40"}) {
        auto p = path::parse(s);
        ASSERT_TRUE(p) << s;
        EXPECT_EQ(text(*p), s);
    }
    char small[3];
    EXPECT_EQ(path::parse("/3/0")->format(small).error().code, errc::buffer_too_small);
}

TEST(Path, Order) {
    std::vector<path> v;
    for (const char* s : {"/4", "/3/0/1", "/3", "/3/0", "/3/0/0/1", "/3/0/0", "/", "/3/1", "/10"})
        v.push_back(*path::parse(s));
    std::sort(v.begin(), v.end());
    std::string joined;
    for (auto& p : v)
        joined += text(p) + " ";
    EXPECT_EQ(joined, "/ /3 /3/0 /3/0/0 /3/0/0/1 /3/0/1 /3/1 /4 /10 ");
}

TEST(Path, PrefixRelations) {
    auto root = path{};
    auto obj = path(object_id(3));
    auto inst = path(object_id(3), instance_id(0));
    auto res = path(object_id(3), instance_id(0), resource_id(1));
    auto other = path(object_id(3), instance_id(1), resource_id(1));
    EXPECT_TRUE(root.is_prefix_of(res));
    EXPECT_TRUE(obj.is_prefix_of(inst));
    EXPECT_TRUE(inst.is_prefix_of(inst));
    EXPECT_FALSE(inst.is_parent_of(inst));
    EXPECT_TRUE(inst.is_parent_of(res));
    EXPECT_FALSE(inst.is_prefix_of(other));
    EXPECT_FALSE(res.is_prefix_of(inst));
    EXPECT_TRUE(res.overlaps(obj));
    EXPECT_FALSE(res.overlaps(other));
    EXPECT_EQ(res.parent(), inst);
    EXPECT_EQ(root.parent(), root);
    EXPECT_EQ(*inst.child(1), res);
    EXPECT_FALSE(
        path(object_id(1), instance_id(1), resource_id(1), resource_instance_id(1)).child(1));
}

TEST(Path, FromIdsAndValidate) {
    const std::uint16_t ids[] = {3, 0, 7, 1};
    EXPECT_EQ(text(*path::from_ids(ids)), "/3/0/7/1");
    const std::uint16_t many[] = {1, 2, 3, 4, 5};
    EXPECT_FALSE(path::from_ids(many));
    EXPECT_FALSE(path::parse("/3/65535")->validate());
    EXPECT_TRUE(path::parse("/3/65534")->validate());
}
