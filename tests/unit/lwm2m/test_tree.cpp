// Server data tree: building from records, back to sorted records, lookups,
// merge (partial update) and replace semantics, conflicts.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sirocco/lwm2m/tree.hpp"

using namespace sirocco;
using namespace sirocco::lwm2m;

namespace {

path P(std::string_view s) {
    return *path::parse(s);
}
record rec(std::string_view p, value v, std::optional<double> t = std::nullopt) {
    return {P(p), v, t};
}

std::vector<std::string> paths_of(const std::vector<owned_record>& rs) {
    std::vector<std::string> out;
    for (const auto& r : rs)
        out.emplace_back(path_text(r.path).view());
    return out;
}

const std::vector<record> device = {
    rec("/3/0/9", value::of_integer(87)),
    rec("/3/0/0", value::of_string("Sirocco")),
    rec("/3/0/7/1", value::of_integer(5000)),
    rec("/3/0/7/0", value::of_integer(3300)),
    rec("/3/0/13", value::of_time(1700000000), 1700000000.5),
    rec("/1/0/1", value::of_integer(300)),
};

TEST(tree, builds_and_gives_sorted_records_back) {
    auto t = data_tree::from_records(device);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->value_count(), 6u);
    auto out = t->to_records();
    EXPECT_EQ(paths_of(out), (std::vector<std::string>{"/1/0/1", "/3/0/0", "/3/0/7/0", "/3/0/7/1",
                                                       "/3/0/9", "/3/0/13"}));
    EXPECT_EQ(out[1].value.view().string(), "Sirocco");
    EXPECT_EQ(out[5].timestamp, 1700000000.5);

    // Round trip: the records rebuild the same tree.
    auto again = data_tree::from_records(std::span<const owned_record>(out));
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *t);
}

TEST(tree, lookups_by_path) {
    auto t = *data_tree::from_records(device);
    EXPECT_TRUE(t.contains(P("/")));
    EXPECT_TRUE(t.contains(P("/3")));
    EXPECT_TRUE(t.contains(P("/3/0")));
    EXPECT_TRUE(t.contains(P("/3/0/7")));
    EXPECT_TRUE(t.contains(P("/3/0/7/1")));
    EXPECT_FALSE(t.contains(P("/3/1")));
    EXPECT_FALSE(t.contains(P("/3/0/7/2")));
    EXPECT_FALSE(t.contains(P("/3/0/9/0")));
    EXPECT_FALSE(t.contains(P("/5")));

    ASSERT_NE(t.find_value(P("/3/0/9")), nullptr);
    EXPECT_EQ(*t.find_value(P("/3/0/9")), value::of_integer(87));
    EXPECT_EQ(*t.find_value(P("/3/0/7/1")), value::of_integer(5000));
    EXPECT_EQ(t.find_value(P("/3/0/7")), nullptr) << "a multiple resource has no single value";
    EXPECT_EQ(t.find_value(P("/3/0")), nullptr);
    EXPECT_EQ(t.find_leaf(P("/3/0/13"))->timestamp, 1700000000.5);

    const auto* r7 = t.find_resource(object_id(3), instance_id(0), resource_id(7));
    ASSERT_NE(r7, nullptr);
    EXPECT_TRUE(r7->multiple);
    EXPECT_EQ(r7->instances.size(), 2u);
    EXPECT_EQ(t.find_instance(object_id(3), instance_id(0))->size(), 4u);
    EXPECT_EQ(t.find_object(object_id(1))->size(), 1u);
}

TEST(tree, merge_is_a_partial_update) {
    auto t = *data_tree::from_records(device);
    const std::vector<record> upd = {
        rec("/3/0/9", value::of_integer(50)),                              // replaced
        rec("/3/0/7/2", value::of_integer(1200)),                          // added beside 0 and 1
        rec("/3/0/14", value::of_string("+01:00")), rec("/3/1", value()),  // an empty instance
    };
    ASSERT_TRUE(t.merge(upd));
    EXPECT_EQ(*t.find_value(P("/3/0/9")), value::of_integer(50));
    EXPECT_EQ(t.find_resource(object_id(3), instance_id(0), resource_id(7))->instances.size(), 3u);
    EXPECT_EQ(*t.find_value(P("/3/0/0")), value::of_string("Sirocco")) << "untouched";
    EXPECT_TRUE(t.contains(P("/3/1")));
    auto out = t.to_records(P("/3"));
    EXPECT_EQ(paths_of(out), (std::vector<std::string>{"/3/0/0", "/3/0/7/0", "/3/0/7/1", "/3/0/7/2",
                                                       "/3/0/9", "/3/0/13", "/3/0/14", "/3/1"}));
    EXPECT_TRUE(out.back().value.view().is_none());
}

TEST(tree, replace_instance_and_resource) {
    auto t = *data_tree::from_records(device);
    const std::vector<record> inst = {rec("/3/0/1", value::of_string("M1"))};
    ASSERT_TRUE(t.replace(P("/3/0"), inst));
    EXPECT_EQ(paths_of(t.to_records(P("/3"))), (std::vector<std::string>{"/3/0/1"}));
    EXPECT_TRUE(t.contains(P("/1/0/1"))) << "other objects untouched";

    // Replacing a resource may switch it between single and multiple.
    const std::vector<record> multi = {rec("/3/0/1/0", value::of_string("a")),
                                       rec("/3/0/1/4", value::of_string("b"))};
    ASSERT_TRUE(t.replace(P("/3/0/1"), multi));
    EXPECT_EQ(paths_of(t.to_records(P("/3/0/1"))),
              (std::vector<std::string>{"/3/0/1/0", "/3/0/1/4"}));
    const std::vector<record> one = {rec("/3/0/1/9", value::of_string("c"))};
    ASSERT_TRUE(t.replace(P("/3/0/1"), one));
    EXPECT_EQ(paths_of(t.to_records(P("/3/0/1"))), (std::vector<std::string>{"/3/0/1/9"}));

    // An instance replaced by nothing stays as an empty instance.
    ASSERT_TRUE(t.replace(P("/3/0"), {}));
    EXPECT_EQ(paths_of(t.to_records(P("/3"))), (std::vector<std::string>{"/3/0"}));

    // The root replaces everything.
    ASSERT_TRUE(t.replace(P("/"), inst));
    EXPECT_EQ(paths_of(t.to_records()), (std::vector<std::string>{"/3/0/1"}));
}

TEST(tree, conflicting_records_are_rejected_and_change_nothing) {
    // Single and multiple forms of one resource in one batch.
    const std::vector<record> both = {rec("/3/0/7", value::of_integer(1)),
                                      rec("/3/0/7/0", value::of_integer(2))};
    auto bad = data_tree::from_records(both);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, errc::type_mismatch);

    auto t = *data_tree::from_records(device);
    const auto before = t;
    // Against the tree: /3/0/7 is multiple, /3/0/9 single.
    const std::vector<record> a = {rec("/3/0/0", value::of_string("changed")),
                                   rec("/3/0/7", value::of_integer(1))};
    auto r = t.merge(a);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::type_mismatch);
    const std::vector<record> b = {rec("/3/0/9/0", value::of_integer(1))};
    EXPECT_EQ(t.merge(b).error().code, errc::type_mismatch);
    EXPECT_EQ(t, before) << "nothing applied";

    const std::vector<record> dup = {rec("/3/0/9", value::of_integer(1)),
                                     rec("/3/0/9", value::of_integer(2))};
    EXPECT_EQ(t.merge(dup).error().code, errc::invalid_argument);
    const std::vector<record> root = {rec("/", value())};
    EXPECT_EQ(t.merge(root).error().code, errc::invalid_argument);
    const std::vector<record> valued_instance = {rec("/3/0", value::of_integer(1))};
    EXPECT_EQ(t.merge(valued_instance).error().code, errc::invalid_argument);
    const std::vector<record> outside = {rec("/4/0/0", value::of_integer(1))};
    EXPECT_EQ(t.replace(P("/3/0"), outside).error().code, errc::invalid_argument);
    const std::vector<record> ri = {rec("/3/0/9/1", value::of_integer(1))};
    EXPECT_EQ(t.replace(P("/3/0/9/1"), ri).error().code, errc::type_mismatch);
    EXPECT_EQ(t, before);
}

TEST(tree, empty_containers_round_trip) {
    const std::vector<record> rs = {rec("/5", value()), rec("/6/0", value()),
                                    rec("/6/1/3", value())};
    auto t = data_tree::from_records(rs);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->value_count(), 0u);
    EXPECT_TRUE(t->find_resource(object_id(6), instance_id(1), resource_id(3))->multiple);
    auto out = t->to_records();
    EXPECT_EQ(paths_of(out), (std::vector<std::string>{"/5", "/6/0", "/6/1/3"}));
    auto back = data_tree::from_records(std::span<const owned_record>(out));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, *t);
}

TEST(tree, remove_and_owned_values) {
    std::string text = "volatile";
    data_tree t;
    {
        const std::vector<record> rs = {rec("/3/0/0", value::of_string(text)),
                                        rec("/3/0/6/0", value::of_integer(1)),
                                        rec("/3/0/6/1", value::of_integer(5))};
        ASSERT_TRUE(t.merge(rs));
    }
    text.assign("XXXXXXXX");  // the tree copied the string
    EXPECT_EQ(t.find_value(P("/3/0/0"))->string(), "volatile");

    EXPECT_TRUE(t.remove(P("/3/0/6/0")));
    EXPECT_FALSE(t.remove(P("/3/0/6/0")));
    EXPECT_FALSE(t.remove(P("/3/0/0/0"))) << "not a multiple resource";
    EXPECT_TRUE(t.remove(P("/3/0/0")));
    EXPECT_EQ(paths_of(t.to_records()), (std::vector<std::string>{"/3/0/6/1"}));
    EXPECT_FALSE(t.remove(P("/4")));
    EXPECT_TRUE(t.remove(P("/3")));
    EXPECT_TRUE(t.empty());
    EXPECT_FALSE(t.remove(P("/")));
}

}  // namespace
