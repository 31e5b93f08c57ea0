// The whole OMA registry through the DDF loader: exact counts, and a few
// objects checked resource by resource against their files.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "sirocco/lwm2m/ddf.hpp"
#include "sirocco/lwm2m/model_store.hpp"

using namespace sirocco;
using namespace sirocco::lwm2m;

namespace {

const std::filesystem::path registry_dir = SIROCCO_REGISTRY_DIR;

struct expected_resource {
    std::uint16_t id;
    std::string_view name;
    operations ops;
    bool multiple;
    bool mandatory;
    data_type type;
    std::string_view range;
    std::string_view units;
};

constexpr auto R = operations::read;
constexpr auto W = operations::write;
constexpr auto RW = operations::read_write;
constexpr auto E = operations::execute;
constexpr bool multi = true, single = false, mand = true, opt = false;

void expect_resources(const object_model& m, std::span<const expected_resource> want) {
    ASSERT_EQ(m.resources.size(), want.size()) << "object " << m.id;
    for (const auto& w : want) {
        const resource_model* r = m.find(resource_id(w.id));
        ASSERT_NE(r, nullptr) << "/" << m.id << "/x/" << w.id;
        SCOPED_TRACE("/" + std::to_string(m.id) + "/x/" + std::to_string(w.id));
        EXPECT_EQ(r->name, w.name);
        EXPECT_EQ(r->ops, w.ops);
        EXPECT_EQ(r->multiple, w.multiple);
        EXPECT_EQ(r->mandatory, w.mandatory);
        EXPECT_EQ(r->type, w.type);
        EXPECT_EQ(r->range_enumeration, w.range);
        EXPECT_EQ(r->units, w.units);
        EXPECT_FALSE(r->description.empty());
    }
    for (std::size_t i = 1; i < m.resources.size(); ++i)
        EXPECT_LT(m.resources[i - 1].id, m.resources[i].id) << "resources sorted by id";
}

class registry : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        store_ = new model_store;
        report_ = new ddf_report(load_ddf_folder(registry_dir, *store_));
    }
    static void TearDownTestSuite() {
        delete report_;
        delete store_;
    }
    static model_store* store_;
    static ddf_report* report_;
};
model_store* registry::store_ = nullptr;
ddf_report* registry::report_ = nullptr;

TEST_F(registry, loads_every_file_with_exact_counts) {
    for (const auto& e : report_->errors)
        ADD_FAILURE() << e.file << ":" << e.line << ": " << e.message;
    // Counted independently of this loader (registry commit b62ffc2c):
    //  - `ls *.xml | wc -l` gives 330 XML files;
    //  - 327 of them are <LWM2M> files with one <Object ObjectType="MODefinition">
    //    each (`grep -h -c '<Object ObjectType' [0-9]*.xml`), the other 3 are
    //    DDF.xml (<DDFList>), LWM2M_senml_units.xml (<units>) and Common.xml
    //    (ObjectType="CommonResources", no <ObjectID>);
    //  - resources: python3 xml.etree, sum of len(Object/Resources/Item) over
    //    [0-9]*.xml = 3464. `cat [0-9]*.xml | grep -c '<Item ID='` gives 3476:
    //    12 of those are inside XML comments (2 each in 10337, 10338, 10340,
    //    10347, 10350 and 10352.xml).
    EXPECT_EQ(report_->files, 330u);
    EXPECT_EQ(report_->loaded.size(), 327u);
    EXPECT_EQ(report_->skipped.size(), 3u);
    EXPECT_EQ(report_->errors.size(), 0u);
    EXPECT_EQ(report_->resource_count(), 3464u);
    EXPECT_EQ(store_->size(), 327u);
    EXPECT_EQ(store_->resource_count(), 3464u);

    std::vector<std::string> skipped;
    for (const auto& s : report_->skipped) {
        skipped.push_back(std::filesystem::path(s.file).filename().string());
        EXPECT_FALSE(s.reason.empty());
    }
    std::sort(skipped.begin(), skipped.end());
    EXPECT_EQ(skipped,
              (std::vector<std::string>{"Common.xml", "DDF.xml", "LWM2M_senml_units.xml"}));
}

TEST_F(registry, natural_file_order) {
    ASSERT_GE(report_->loaded.size(), 4u);
    EXPECT_EQ(report_->loaded[0].id, 0);
    EXPECT_EQ(report_->loaded[1].id, 1);
    EXPECT_EQ(report_->loaded[2].id, 2);
    EXPECT_EQ(report_->loaded[3].id, 3);
}

TEST_F(registry, device_object_3) {
    const object_model* m = store_->find(object_id(3));
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->name, "Device");
    EXPECT_EQ(m->object_version, "1.2");
    EXPECT_EQ(m->lwm2m_version, "1.1");
    EXPECT_EQ(m->urn, "urn:oma:lwm2m:oma:3:1.2");
    EXPECT_FALSE(m->multiple);
    EXPECT_TRUE(m->mandatory);
    static constexpr expected_resource want[] = {
        {0, "Manufacturer", R, single, opt, data_type::string, "", ""},
        {1, "Model Number", R, single, opt, data_type::string, "", ""},
        {2, "Serial Number", R, single, opt, data_type::string, "", ""},
        {3, "Firmware Version", R, single, opt, data_type::string, "", ""},
        {4, "Reboot", E, single, mand, data_type::none, "", ""},
        {5, "Factory Reset", E, single, opt, data_type::none, "", ""},
        {6, "Available Power Sources", R, multi, opt, data_type::integer, "0..7", ""},
        {7, "Power Source Voltage", R, multi, opt, data_type::integer, "", ""},
        {8, "Power Source Current", R, multi, opt, data_type::integer, "", ""},
        {9, "Battery Level", R, single, opt, data_type::integer, "0..100", "/100"},
        {10, "Memory Free", R, single, opt, data_type::integer, "", ""},
        {11, "Error Code", R, multi, mand, data_type::integer, "0..32", ""},
        {12, "Reset Error Code", E, single, opt, data_type::none, "", ""},
        {13, "Current Time", RW, single, opt, data_type::time, "", ""},
        {14, "UTC Offset", RW, single, opt, data_type::string, "", ""},
        {15, "Timezone", RW, single, opt, data_type::string, "", ""},
        {16, "Supported Binding and Modes", R, single, mand, data_type::string, "", ""},
        {17, "Device Type", R, single, opt, data_type::string, "", ""},
        {18, "Hardware Version", R, single, opt, data_type::string, "", ""},
        {19, "Software Version", R, single, opt, data_type::string, "", ""},
        {20, "Battery Status", R, single, opt, data_type::integer, "0..6", ""},
        {21, "Memory Total", R, single, opt, data_type::integer, "", ""},
        {22, "ExtDevInfo", R, multi, opt, data_type::objlnk, "", ""},
    };
    expect_resources(*m, want);
    const resource_model* battery = m->find(resource_id(9));
    ASSERT_NE(battery, nullptr);
    EXPECT_EQ(battery->range_min, 0.0);
    EXPECT_EQ(battery->range_max, 100.0);
    EXPECT_FALSE(m->find(resource_id(13))->range_min.has_value());
}

TEST_F(registry, light_control_3311) {
    const object_model* m = store_->find(object_id(3311), "1.0");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->name, "Light Control");
    EXPECT_EQ(m->object_version, "1.0");
    EXPECT_EQ(m->urn, "urn:oma:lwm2m:ext:3311");
    EXPECT_TRUE(m->multiple);
    EXPECT_FALSE(m->mandatory);
    static constexpr expected_resource want[] = {
        {5701, "Sensor Units", R, single, opt, data_type::string, "", ""},
        {5706, "Colour", RW, single, opt, data_type::string, "", ""},
        {5750, "Application Type", RW, single, opt, data_type::string, "", ""},
        {5805, "Cumulative active power", R, single, opt, data_type::float_, "", "Wh"},
        {5820, "Power factor", R, single, opt, data_type::float_, "", ""},
        {5850, "On/Off", RW, single, mand, data_type::boolean, "", ""},
        {5851, "Dimmer", RW, single, opt, data_type::integer, "0..100", "/100"},
        {5852, "On time", RW, single, opt, data_type::integer, "", "s"},
    };
    expect_resources(*m, want);
}

TEST_F(registry, sca_10337_ignores_commented_out_items) {
    const object_model* m = store_->find(object_id(10337));
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->name, "SCA");
    EXPECT_EQ(m->urn, "urn:oma:lwm2m:x:10337");
    static constexpr expected_resource want[] = {
        {1, "SCA Name", R, single, mand, data_type::string, "", ""},
        {100, "SCA Motion Status", R, single, opt, data_type::integer, "0..2", ""},
        {200, "SCA Motion Control", E, single, opt, data_type::none, "", ""},
    };
    expect_resources(*m, want);
}

TEST_F(registry, location_3336_units_and_fractional_range) {
    const object_model* m = store_->find(object_id(3336));
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->object_version, "2.0");
    EXPECT_EQ(m->lwm2m_version, "1.0");
    static constexpr expected_resource want[] = {
        {5517, "Velocity", R, single, opt, data_type::opaque, "", ""},
        {5518, "Timestamp", R, single, opt, data_type::time, "", ""},
        {5705, "Compass Direction", R, single, opt, data_type::float_, "0..360", "deg"},
        {5750, "Application Type", RW, single, opt, data_type::string, "", ""},
        {6042, "Measurement Quality Indicator", R, single, opt, data_type::integer, "0..23", ""},
        {6049, "Measurement Quality Level", R, single, opt, data_type::integer, "0..100", ""},
        {6050, "Fractional Timestamp", R, single, opt, data_type::float_, "0..1", "s"},
        {6051, "Numeric Latitude", R, single, mand, data_type::float_, "", "lat"},
        {6052, "Numeric Longitude", R, single, mand, data_type::float_, "", "lon"},
        {6053, "Numeric Uncertainty", R, single, opt, data_type::float_, "", "m"},
    };
    expect_resources(*m, want);
    EXPECT_EQ(m->find(resource_id(5705))->range_max, 360.0);
}

TEST_F(registry, push_button_3395_lwm2m_1_1_types_and_enumeration) {
    const object_model* m = store_->find(object_id(3395));
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->lwm2m_version, "1.1");
    static constexpr std::string_view events =
        "0: RELEASE\n\t\t\t\t1: CLICK\n\t\t\t\t2: HOLD\n\t\t\t\t3: DOUBLE-CLICK\n\t\t\t\t255: "
        "STUCK";
    static constexpr expected_resource want[] = {
        {202, "Push-Button Event Value", R, single, mand, data_type::unsigned_integer, events, ""},
        {203, "Single Click Time", RW, single, mand, data_type::unsigned_integer, "100..60000",
         "ms"},
        {204, "Hold Repeat Time", RW, single, opt, data_type::unsigned_integer, "300..60000", "ms"},
        {901, "Documentary Description", RW, single, opt, data_type::string, "0..256", ""},
        {903, "Application Group ID", RW, single, mand, data_type::unsigned_integer, "0..65535",
         ""},
        {904, "Status Resend Time", RW, single, mand, data_type::unsigned_integer, "1..600", "s"},
        {905, "Debug Mode Enabled", RW, single, opt, data_type::boolean, "", ""},
        {906, "Inject Test Event", W, single, opt, data_type::integer, "0..65535", ""},
        {909, "Executing Object", RW, single, mand, data_type::corelnk, "", ""},
        {919, "Status Report Structure ID", RW, single, mand, data_type::unsigned_integer, "0..255",
         ""},
        {924, "Object Enabled", RW, single, opt, data_type::boolean, "", ""},
        {934, "Object Enabled", E, single, opt, data_type::none, "", ""},
        {4001, "ObjectVersion", R, single, opt, data_type::string, "", ""},
    };
    expect_resources(*m, want);
    const resource_model* ev = m->find(resource_id(202));
    EXPECT_FALSE(ev->range_min.has_value()) << "an enumeration is not a numeric range";
    EXPECT_EQ(m->find(resource_id(203))->range_min, 100.0);
    EXPECT_EQ(m->find(resource_id(203))->range_max, 60000.0);
}

}  // namespace
