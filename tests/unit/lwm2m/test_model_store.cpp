// model_store: versions side by side, newest-first lookup, fallback, and
// views that stay valid while more models are added.
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
const std::filesystem::path vectors_dir =
    std::filesystem::path(SIROCCO_SOURCE_DIR) / "tests" / "vectors" / "ddf";

TEST(model_store, device_1_0_beside_registry_1_2) {
    model_store s;
    auto a = load_ddf_file(registry_dir / "3.xml", s);
    auto b = load_ddf_file(vectors_dir / "device-1.0.xml", s);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(b.ok()) << b.errors[0].file << ":" << b.errors[0].line << ": "
                        << b.errors[0].message;
    EXPECT_EQ(s.size(), 2u);

    const object_model* v10 = s.find(object_id(3), "1.0");
    const object_model* v12 = s.find(object_id(3), "1.2");
    ASSERT_NE(v10, nullptr);
    ASSERT_NE(v12, nullptr);
    EXPECT_NE(v10, v12);
    EXPECT_EQ(v10->object_version, "1.0");  // no <ObjectVersion> in the file
    EXPECT_EQ(v10->lwm2m_version, "1.0");
    EXPECT_EQ(v10->resources.size(), 7u);
    EXPECT_EQ(v12->resources.size(), 23u);
    EXPECT_EQ(s.find(object_id(3)), v12) << "no version: the newest";
    EXPECT_EQ(s.find(object_id(3), "1.1"), nullptr);
    EXPECT_EQ(s.find(object_id(3), "1.00"), v10) << "versions compare as numbers";

    const resource_model* battery = v10->find(resource_id(9));
    ASSERT_NE(battery, nullptr);
    EXPECT_EQ(battery->range_enumeration, "0-100");
    EXPECT_EQ(battery->range_min, 0.0);
    EXPECT_EQ(battery->range_max, 100.0);
    EXPECT_EQ(battery->units, "%");
    EXPECT_EQ(v10->find(resource_id(16))->range_enumeration, "U;UQ;S;SQ;US;UQS");
    EXPECT_FALSE(v10->find(resource_id(16))->range_min.has_value());
    EXPECT_EQ(v10->find(resource_id(11))->multiple, true);
    EXPECT_EQ(v10->find(resource_id(22)), nullptr);
    EXPECT_NE(v12->find(resource_id(22)), nullptr);

    auto vs = s.versions(object_id(3));
    ASSERT_EQ(vs.size(), 2u);
    EXPECT_EQ(vs[0], v12);
    EXPECT_EQ(vs[1], v10);
    auto all = s.all();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0], v10);
    EXPECT_EQ(all[1], v12);
    EXPECT_EQ(s.source_of(v10), (vectors_dir / "device-1.0.xml").string());
}

TEST(model_store, both_versions_found_after_loading_the_whole_registry) {
    model_store s;
    auto rep = load_ddf_folder(registry_dir, s);
    ASSERT_TRUE(rep.ok());
    auto extra = load_ddf_file(vectors_dir / "device-1.0.xml", s);
    ASSERT_TRUE(extra.ok());
    EXPECT_EQ(s.size(), 328u);
    EXPECT_EQ(s.find(object_id(3), "1.0")->resources.size(), 7u);
    EXPECT_EQ(s.find(object_id(3), "1.2")->resources.size(), 23u);
    EXPECT_EQ(s.find(object_id(3))->object_version, "1.2");
}

TEST(model_store, views_stay_valid_while_adding) {
    model_store s;
    std::vector<const object_model*> kept;
    std::vector<std::string> names;
    for (std::uint16_t id = 0; id < 300; ++id) {
        std::string name = "object number " + std::to_string(id) + " with a long name";
        std::string rname = "resource of " + std::to_string(id);
        resource_model r[2] = {};
        r[0].id = 7;
        r[0].name = rname;
        r[1].id = 2;
        r[1].name = "two";
        object_model m;
        m.id = id;
        m.name = name;
        m.resources = r;
        auto added = s.add(m);
        ASSERT_TRUE(added);
        kept.push_back(*added);
        names.push_back(name);
    }
    for (std::size_t i = 0; i < kept.size(); ++i) {
        EXPECT_EQ(kept[i]->name, names[i]);
        ASSERT_EQ(kept[i]->resources.size(), 2u);
        EXPECT_EQ(kept[i]->resources[0].id, 2) << "sorted on add";
        EXPECT_EQ(kept[i]->resources[1].name, "resource of " + std::to_string(i));
        EXPECT_EQ(s.find(object_id(static_cast<std::uint16_t>(i))), kept[i]);
    }
    EXPECT_EQ(s.resource_count(), 600u);
}

TEST(model_store, add_errors) {
    model_store s;
    resource_model dup[2] = {};
    dup[0].id = 1;
    dup[1].id = 1;
    object_model m;
    m.id = 5;
    m.resources = dup;
    auto r = s.add(m);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::invalid_argument);
    EXPECT_TRUE(s.empty());

    m.resources = {};
    ASSERT_TRUE(s.add(m));
    auto again = s.add(m);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, errc::invalid_argument);
    m.object_version = "1.1";
    EXPECT_TRUE(s.add(m));
    EXPECT_EQ(s.size(), 2u);
}

TEST(model_store, fallback_to_builtin_models) {
    model_store s;
    EXPECT_EQ(s.find(object_id(3303)), nullptr);
    s.set_fallback(&builtin_provider());
    const object_model* t = s.find(object_id(3303));
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t, builtin_provider().find(object_id(3303)));
    EXPECT_EQ(s.find(object_id(3303), "1.1"), t);
    EXPECT_EQ(s.find(object_id(3303), "9.9"), nullptr);
    EXPECT_TRUE(s.versions(object_id(3303)).empty()) << "versions() does not ask the fallback";

    ASSERT_TRUE(load_ddf_file(vectors_dir / "device-1.0.xml", s).ok());
    EXPECT_EQ(s.find(object_id(3))->object_version, "1.0") << "the store wins";
    EXPECT_EQ(s.find(object_id(3), "1.2"), builtin_provider().find(object_id(3)));
    const model_provider& p = s;
    EXPECT_NE(p.find_resource(object_id(3303), resource_id(5700)), nullptr);
}

}  // namespace
