// DDF loader on small documents: defaults, skipped files, every kind of
// error with its line, numeric ranges.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sirocco/lwm2m/ddf.hpp"
#include "sirocco/lwm2m/model_store.hpp"

using namespace sirocco;
using namespace sirocco::lwm2m;

namespace {

// --- errors and edge cases on small documents -------------------------------

std::string item(std::string_view id, std::string_view ops = "R", std::string_view type = "Integer",
                 std::string_view multiple = "Single", std::string_view mandatory = "Optional") {
    return "<Item ID=\"" + std::string(id) + "\">\n<Name>N" + std::string(id) +
           "</Name>\n<Operations>" + std::string(ops) + "</Operations>\n<MultipleInstances>" +
           std::string(multiple) + "</MultipleInstances>\n<Mandatory>" + std::string(mandatory) +
           "</Mandatory>\n<Type>" + std::string(type) +
           "</Type>\n<RangeEnumeration></RangeEnumeration>\n<Units></Units>\n"
           "<Description>d</Description>\n</Item>\n";
}

std::string object(std::string_view head, const std::string& items) {
    return "<?xml version=\"1.0\"?>\n<LWM2M>\n<Object ObjectType=\"MODefinition\">\n" +
           std::string(head) +
           "<MultipleInstances>Multiple</MultipleInstances>\n<Mandatory>Optional</Mandatory>\n"
           "<Resources>\n" +
           items + "</Resources>\n</Object>\n</LWM2M>\n";
}

constexpr std::string_view head_900 = "<Name>T</Name>\n<ObjectID>900</ObjectID>\n";

TEST(ddf, minimal_object_with_defaults) {
    model_store s;
    auto rep = load_ddf_text(object(head_900, item("1") + item("0", "E", "")), "t.xml", s);
    ASSERT_TRUE(rep.ok()) << rep.errors[0].message;
    ASSERT_EQ(rep.loaded.size(), 1u);
    EXPECT_EQ(rep.loaded[0].resource_count, 2u);
    const object_model* m = s.find(object_id(900));
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->object_version, "1.0");
    EXPECT_EQ(m->lwm2m_version, "1.0");
    EXPECT_TRUE(m->multiple);
    EXPECT_FALSE(m->mandatory);
    ASSERT_EQ(m->resources.size(), 2u);
    EXPECT_EQ(m->resources[0].id, 0);
    EXPECT_EQ(m->resources[0].ops, operations::execute);
    EXPECT_EQ(s.source_of(m), "t.xml");
}

TEST(ddf, syntax_error_names_the_line) {
    model_store s;
    std::string xml = object(head_900, item("1"));
    xml.resize(xml.find("</Type>") + 3);  // cut inside the closing tag
    auto rep = load_ddf_text(xml, "cut.xml", s);
    ASSERT_EQ(rep.errors.size(), 1u);
    EXPECT_EQ(rep.errors[0].file, "cut.xml");
    EXPECT_EQ(rep.errors[0].line, 14u);  // the line holding "<Type>Integer</T"
    EXPECT_NE(rep.errors[0].message.find("XML syntax"), std::string::npos);
    EXPECT_TRUE(rep.loaded.empty());
    EXPECT_TRUE(s.empty());

    rep = load_ddf_text("<LWM2M>\n<Object>\n</Objcet>\n</LWM2M>\n", "tag.xml", s);
    ASSERT_EQ(rep.errors.size(), 1u);
    EXPECT_EQ(rep.errors[0].line, 3u);
}

TEST(ddf, missing_object_id) {
    model_store s;
    auto rep = load_ddf_text(object("<Name>T</Name>\n", item("1")), "noid.xml", s);
    ASSERT_EQ(rep.errors.size(), 1u);
    EXPECT_EQ(rep.errors[0].line, 3u);  // <Object ...>
    EXPECT_NE(rep.errors[0].message.find("missing <ObjectID>"), std::string::npos);
    EXPECT_TRUE(s.empty());
}

TEST(ddf, bad_values_each_reported_with_line) {
    model_store s;
    std::string items = item("0") + item("1", "RX") + item("2", "R", "Integr") +
                        item("3", "R", "Integer", "Many") +
                        item("4", "R", "Integer", "Single", "Yes") + item("0") + item("70000");
    auto rep = load_ddf_text(object(head_900, items), "bad.xml", s);
    ASSERT_EQ(rep.errors.size(), 6u);
    // Each <Item> of item() takes 10 lines; the first starts on line 9.
    EXPECT_EQ(rep.errors[0].line, 9u + 10 + 2);  // <Operations> of item 1
    EXPECT_NE(rep.errors[0].message.find("bad <Operations> \"RX\""), std::string::npos);
    EXPECT_EQ(rep.errors[1].line, 9u + 20 + 5);  // <Type> of item 2
    EXPECT_NE(rep.errors[1].message.find("bad <Type> \"Integr\""), std::string::npos);
    EXPECT_NE(rep.errors[2].message.find("bad <MultipleInstances> \"Many\""), std::string::npos);
    EXPECT_NE(rep.errors[3].message.find("bad <Mandatory> \"Yes\""), std::string::npos);
    EXPECT_EQ(rep.errors[4].line, 9u + 50);
    EXPECT_NE(rep.errors[4].message.find("duplicate resource id 0 (first at line 9)"),
              std::string::npos);
    EXPECT_NE(rep.errors[5].message.find("bad resource ID \"70000\""), std::string::npos);
    for (const auto& e : rep.errors)
        EXPECT_EQ(e.file, "bad.xml");
    EXPECT_TRUE(s.empty()) << "an object with errors is not added";
}

TEST(ddf, one_bad_object_does_not_stop_the_next) {
    model_store s;
    std::string two =
        "<LWM2M>\n"
        "<Object ObjectType=\"MODefinition\"><Name>A</Name><ObjectID>901</ObjectID>"
        "<MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory>"
        "<Resources>" +
        item("0", "Q") +
        "</Resources></Object>\n"
        "<Object ObjectType=\"MODefinition\"><Name>B</Name><ObjectID>902</ObjectID>"
        "<MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory>"
        "<Resources>" +
        item("0") + "</Resources></Object>\n</LWM2M>\n";
    auto rep = load_ddf_text(two, "two.xml", s);
    EXPECT_EQ(rep.errors.size(), 1u);
    ASSERT_EQ(rep.loaded.size(), 1u);
    EXPECT_EQ(rep.loaded[0].id, 902);
    EXPECT_EQ(s.find(object_id(901)), nullptr);
    EXPECT_NE(s.find(object_id(902)), nullptr);
}

TEST(ddf, same_object_and_version_twice_is_an_error) {
    model_store s;
    std::string xml = object(head_900, item("0"));
    EXPECT_TRUE(load_ddf_text(xml, "a.xml", s).ok());
    auto rep = load_ddf_text(xml, "b.xml", s);
    ASSERT_EQ(rep.errors.size(), 1u);
    EXPECT_EQ(rep.errors[0].file, "b.xml");
    EXPECT_NE(rep.errors[0].message.find("already in the store"), std::string::npos);
    EXPECT_EQ(s.size(), 1u);
}

TEST(ddf, non_object_files_are_skipped_not_errors) {
    model_store s;
    auto a = load_ddf_text("<DDFList><Item><ObjectID>0</ObjectID></Item></DDFList>", "DDF.xml", s);
    ASSERT_EQ(a.skipped.size(), 1u);
    EXPECT_TRUE(a.ok());
    auto b = load_ddf_text("<units/>", "u.xml", s);
    ASSERT_EQ(b.skipped.size(), 1u);
    EXPECT_NE(b.skipped[0].reason.find("<units>"), std::string::npos);
    auto c = load_ddf_text("<LWM2M><Object ObjectType=\"CommonResources\"><Resources>" +
                               item("4000") + "</Resources></Object></LWM2M>",
                           "Common.xml", s);
    ASSERT_EQ(c.skipped.size(), 1u);
    EXPECT_TRUE(c.ok());
    auto d = load_ddf_text("<LWM2M></LWM2M>", "empty.xml", s);
    ASSERT_EQ(d.skipped.size(), 1u);
    EXPECT_TRUE(s.empty());
}

TEST(ddf, unreadable_file_and_folder) {
    model_store s;
    auto f = load_ddf_file("/nonexistent/sirocco/x.xml", s);
    ASSERT_EQ(f.errors.size(), 1u);
    EXPECT_EQ(f.errors[0].line, 0u);
    auto dir = load_ddf_file(SIROCCO_REGISTRY_DIR, s);
    ASSERT_EQ(dir.errors.size(), 1u);
    EXPECT_EQ(dir.errors[0].message, "cannot read the file");
    auto d = load_ddf_folder("/nonexistent/sirocco", s);
    ASSERT_EQ(d.errors.size(), 1u);
    EXPECT_EQ(d.errors[0].line, 0u);
}

TEST(ddf, every_truncation_of_a_registry_file_is_an_error_not_a_crash) {
    std::ifstream in(std::filesystem::path(SIROCCO_REGISTRY_DIR) / "3.xml", std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    const std::string text = buf.str();
    ASSERT_GT(text.size(), 1000u);
    std::size_t cases = 0;
    for (std::size_t n = 0; n < text.size(); n += 13, ++cases) {
        model_store s;
        auto rep = load_ddf_text(std::string_view(text).substr(0, n), "3.xml", s);
        EXPECT_EQ(rep.loaded.size(), 0u) << "cut at " << n;
        EXPECT_EQ(rep.errors.size() + rep.skipped.size(), 1u) << "cut at " << n;
        for (const auto& e : rep.errors)
            EXPECT_GE(e.line, 1u);
    }
    model_store s;
    EXPECT_TRUE(load_ddf_text(text, "3.xml", s).ok());
    EXPECT_GT(cases, 1000u);
}

TEST(ddf, numeric_ranges) {
    auto r = [](std::string_view t) { return parse_numeric_range(t); };
    ASSERT_TRUE(r("0..255"));
    EXPECT_EQ(r("0..255")->min, 0);
    EXPECT_EQ(r("0..255")->max, 255);
    EXPECT_EQ(r("1-100")->min, 1);
    EXPECT_EQ(r("1-100")->max, 100);
    EXPECT_EQ(r("1...15")->max, 15);
    EXPECT_EQ(r(" 0.000001..1.0 ")->min, 0.000001);
    EXPECT_EQ(r("-1..1")->min, -1);
    EXPECT_EQ(r("-30..-120")->min, -120);
    EXPECT_EQ(r("-30..-120")->max, -30);
    EXPECT_EQ(r("-10-20")->min, -10);
    EXPECT_EQ(r("0..255 bytes")->max, 255);
    EXPECT_EQ(r("1..64 Bytes")->min, 1);
    EXPECT_EQ(r("0..18446744073709551615")->max, 18446744073709551615.0);
    EXPECT_FALSE(r(""));
    EXPECT_FALSE(r("64"));
    EXPECT_FALSE(r("0;1;2"));
    EXPECT_FALSE(r("0,1,2"));
    EXPECT_FALSE(r("0; 3.8..20.5"));
    EXPECT_FALSE(r("0: off\n1: on"));
    EXPECT_FALSE(r("ON;OFF"));
    EXPECT_FALSE(r("<7 to >12.5"));
    EXPECT_FALSE(r("0x10..0x20"));
    EXPECT_FALSE(r("nan..inf"));
}

}  // namespace
