// Built-in models: each one compared field by field (all but descriptions)
// with the registry file of the same object, loaded by the DDF loader.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "sirocco/lwm2m/builtin_models.hpp"
#include "sirocco/lwm2m/ddf.hpp"
#include "sirocco/lwm2m/model_store.hpp"

using namespace sirocco;
using namespace sirocco::lwm2m;

namespace {

const std::filesystem::path registry_dir = SIROCCO_REGISTRY_DIR;

TEST(builtin_models, the_expected_objects_in_order) {
    std::vector<std::uint16_t> ids;
    for (const auto& m : builtin_models())
        ids.push_back(m.id);
    EXPECT_EQ(ids, (std::vector<std::uint16_t>{0, 1, 2, 3, 4, 5, 6, 7, 3300, 3303, 3311, 3342}));
    std::size_t total = 0;
    for (const auto& m : builtin_models())
        total += m.resources.size();
    EXPECT_EQ(total, 170u);  // 31+28+4+23+14+14+7+9+13+12+8+7, as in the registry files
}

TEST(builtin_models, match_the_registry_field_by_field) {
    for (const object_model& b : builtin_models()) {
        SCOPED_TRACE("object " + std::to_string(b.id));
        model_store store;
        auto rep = load_ddf_file(registry_dir / (std::to_string(b.id) + ".xml"), store);
        ASSERT_TRUE(rep.ok());
        const object_model* x = store.find(object_id(b.id), b.object_version);
        ASSERT_NE(x, nullptr) << "registry file has another version";
        EXPECT_EQ(b.name, x->name);
        EXPECT_EQ(b.object_version, x->object_version);
        EXPECT_EQ(b.lwm2m_version, x->lwm2m_version);
        EXPECT_EQ(b.urn, x->urn);
        EXPECT_EQ(b.multiple, x->multiple);
        EXPECT_EQ(b.mandatory, x->mandatory);
        EXPECT_FALSE(b.description.empty());
        ASSERT_EQ(b.resources.size(), x->resources.size());
        for (std::size_t i = 0; i < b.resources.size(); ++i) {
            const resource_model& r = b.resources[i];
            const resource_model& y = x->resources[i];
            SCOPED_TRACE("resource " + std::to_string(y.id));
            EXPECT_EQ(r.id, y.id);
            EXPECT_EQ(r.name, y.name);
            EXPECT_EQ(r.ops, y.ops);
            EXPECT_EQ(r.multiple, y.multiple);
            EXPECT_EQ(r.mandatory, y.mandatory);
            EXPECT_EQ(r.type, y.type);
            EXPECT_EQ(r.range_enumeration, y.range_enumeration);
            EXPECT_EQ(r.range_min, y.range_min);
            EXPECT_EQ(r.range_max, y.range_max);
            EXPECT_EQ(r.units, y.units);
            // Our own description: one short line.
            EXPECT_FALSE(r.description.empty());
            EXPECT_EQ(r.description.find('\n'), std::string_view::npos);
            EXPECT_LE(r.description.size(), 80u);
        }
    }
}

TEST(builtin_models, provider_lookups) {
    const builtin_model_provider& p = builtin_provider();
    const object_model* dev = p.find(object_id(3));
    ASSERT_NE(dev, nullptr);
    EXPECT_EQ(dev->name, "Device");
    EXPECT_EQ(p.find(object_id(3), "1.2"), dev);
    EXPECT_EQ(p.find(object_id(3), "1.0"), nullptr);
    EXPECT_EQ(p.find(object_id(8)), nullptr);
    EXPECT_EQ(p.find(object_id(65535)), nullptr);
    EXPECT_NE(p.find(object_id(3342)), nullptr);
    const resource_model* onoff = p.find_resource(object_id(3311), resource_id(5850));
    ASSERT_NE(onoff, nullptr);
    EXPECT_EQ(onoff->name, "On/Off");
    EXPECT_EQ(onoff->type, data_type::boolean);
    EXPECT_EQ(onoff->ops, operations::read_write);
    EXPECT_TRUE(onoff->mandatory);
    EXPECT_EQ(p.find_resource(object_id(3311), resource_id(1)), nullptr);
}

TEST(builtin_models, executables_have_no_type_and_ranges_have_bounds) {
    for (const auto& m : builtin_models())
        for (const auto& r : m.resources) {
            if (r.ops == operations::execute) {
                EXPECT_EQ(r.type, data_type::none);
            }
            EXPECT_EQ(r.range_min.has_value(), r.range_max.has_value());
            if (r.range_min && r.range_max) {
                EXPECT_LE(*r.range_min, *r.range_max);
            }
        }
}

}  // namespace
