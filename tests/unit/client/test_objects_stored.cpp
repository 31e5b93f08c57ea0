// stored_object: storage sized from the table, limits, presence, changes.
#include <cstring>

#include "sirocco/client/stored_object.hpp"
#include "test_objects_common.hpp"

namespace sirocco::client {
namespace {

using test::read_value;
using test::recording_listener;

inline constexpr resource_def demo_res[] = {
    res(0, R, data_type::string).size(8).must(),
    res(1, RW, data_type::integer),
    res(2, RW, data_type::float_).multi(3),
    res(3, E),
    res(4, RW, data_type::opaque).size(4),
    res(5, RW, data_type::boolean),
    res(6, RW, data_type::objlnk),
    res(7, RW, data_type::unsigned_integer),
    res(8, RW, data_type::time),
    res(9, RW, data_type::corelnk).size(16),
};
inline constexpr object_def demo_def{30000, "1.0", true, demo_res};
using demo = stored_object<demo_def, 2>;

TEST(StoredObject, LayoutIsComputedFromTheTable) {
    // 10 + 8 + (1 + 3 * 10) + 0 + 6 + 8 + 8 + 8 + 8 + 18 values, 2 presence bytes, 2 id bytes.
    constexpr std::size_t values = 10 + 8 + 31 + 0 + 6 + 8 + 8 + 8 + 8 + 18;
    EXPECT_EQ(demo::bytes_per_instance, (values + 2 + 2 + 1) & ~std::size_t{1});
    EXPECT_LE(sizeof(demo), 2 * demo::bytes_per_instance + 8 * sizeof(void*));
    demo d;
    EXPECT_EQ(d.capacity(), 2u);
    EXPECT_EQ(d.instance_count(), 0u);
}

TEST(StoredObject, CreateRemoveAndFullInstances) {
    demo d;
    auto a = d.create(std::uint16_t{5});
    ASSERT_TRUE(a);
    EXPECT_EQ(*a, 5);
    auto b = d.create(std::nullopt);  // lowest free id
    ASSERT_TRUE(b);
    EXPECT_EQ(*b, 0);
    EXPECT_EQ(d.instance_count(), 2u);
    EXPECT_EQ(d.instance_at(0), 0);  // ascending
    EXPECT_EQ(d.instance_at(1), 5);
    auto full = d.create(std::uint16_t{7});
    ASSERT_FALSE(full);
    EXPECT_EQ(full.error().code, errc::capacity_exceeded);
    EXPECT_EQ(d.remove(5), status::deleted);
    EXPECT_EQ(d.remove(5), status::not_found);
    auto dup = d.create(std::uint16_t{0});
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, errc::invalid_argument);
    EXPECT_FALSE(d.create(std::uint16_t{65535}));
    EXPECT_TRUE(d.has_instance(0));
    EXPECT_FALSE(d.has_instance(5));
}

TEST(StoredObject, ValuesOfEveryTypeRoundTrip) {
    demo d;
    ASSERT_TRUE(d.create(std::uint16_t{1}));
    EXPECT_EQ(d.write(1, 0, std::nullopt, lwm2m::value::of_string("abc")), status::changed);
    EXPECT_EQ(d.write(1, 1, std::nullopt, lwm2m::value::of_integer(-42)), status::changed);
    const std::uint8_t raw[] = {1, 2, 3, 4};
    EXPECT_EQ(d.write(1, 4, std::nullopt, lwm2m::value::of_opaque(raw)), status::changed);
    EXPECT_EQ(d.write(1, 5, std::nullopt, lwm2m::value::of_boolean(true)), status::changed);
    EXPECT_EQ(d.write(1, 6, std::nullopt, lwm2m::value::of_objlnk({3, 0})), status::changed);
    EXPECT_EQ(d.write(1, 7, std::nullopt, lwm2m::value::of_unsigned(1ull << 63)), status::changed);
    EXPECT_EQ(d.write(1, 8, std::nullopt, lwm2m::value::of_time(1700000000)), status::changed);
    EXPECT_EQ(d.write(1, 9, std::nullopt, lwm2m::value::of_corelnk("</3/0>")), status::changed);
    EXPECT_EQ(read_value(d, 1, 0).string(), "abc");
    EXPECT_EQ(read_value(d, 1, 1).integer(), -42);
    auto o = read_value(d, 1, 4).opaque();
    ASSERT_EQ(o.size(), 4u);
    EXPECT_EQ(std::memcmp(o.data(), raw, 4), 0);
    EXPECT_TRUE(read_value(d, 1, 5).boolean());
    EXPECT_EQ(read_value(d, 1, 6).link(), (lwm2m::objlnk{3, 0}));
    EXPECT_EQ(read_value(d, 1, 7).unsigned_integer(), 1ull << 63);
    EXPECT_EQ(read_value(d, 1, 8).time(), 1700000000);
    EXPECT_EQ(read_value(d, 1, 9).type(), data_type::corelnk);
    EXPECT_EQ(read_value(d, 1, 9).string(), "</3/0>");
    // Shorter string replaces a longer one completely.
    EXPECT_EQ(d.write(1, 0, std::nullopt, lwm2m::value::of_string("z")), status::changed);
    EXPECT_EQ(read_value(d, 1, 0).string(), "z");
}

TEST(StoredObject, WriteChecksTypesAndLimits) {
    demo d;
    ASSERT_TRUE(d.create(std::uint16_t{0}));
    EXPECT_EQ(d.write(0, 0, std::nullopt, lwm2m::value::of_string("123456789")),
              status::bad_request);  // 9 > 8
    EXPECT_EQ(d.write(0, 0, std::nullopt, lwm2m::value::of_string("12345678")), status::changed);
    EXPECT_EQ(d.write(0, 1, std::nullopt, lwm2m::value::of_string("x")),
              status::bad_request);  // type
    EXPECT_EQ(d.write(0, 1, std::nullopt, lwm2m::value::of_float(2.5)),
              status::bad_request);  // lossy
    EXPECT_EQ(d.write(0, 1, std::nullopt, lwm2m::value::of_float(2.0)),
              status::changed);  // converts
    EXPECT_EQ(d.write(0, 3, std::nullopt, lwm2m::value::of_integer(1)), status::method_not_allowed);
    EXPECT_EQ(d.write(0, 99, std::nullopt, lwm2m::value::of_integer(1)), status::not_found);
    EXPECT_EQ(d.write(7, 1, std::nullopt, lwm2m::value::of_integer(1)), status::not_found);
    EXPECT_EQ(d.write(0, 1, std::uint16_t{0}, lwm2m::value::of_integer(1)),
              status::bad_request);  // riid on single
    const std::uint8_t big[5] = {};
    EXPECT_EQ(d.write(0, 4, std::nullopt, lwm2m::value::of_opaque(big)), status::bad_request);
    auto too_long = d.set_value(0, 0, lwm2m::value::of_string("far too long"));
    ASSERT_FALSE(too_long);
    EXPECT_EQ(too_long.error().code, errc::out_of_range);
}

TEST(StoredObject, MultipleResourceInstances) {
    demo d;
    ASSERT_TRUE(d.create(std::uint16_t{0}));
    EXPECT_EQ(d.write(0, 2, std::uint16_t{7}, lwm2m::value::of_float(7.5)), status::changed);
    EXPECT_EQ(d.write(0, 2, std::uint16_t{2}, lwm2m::value::of_float(2.5)), status::changed);
    EXPECT_EQ(d.write(0, 2, std::uint16_t{4}, lwm2m::value::of_float(4.5)), status::changed);
    EXPECT_EQ(d.write(0, 2, std::uint16_t{9}, lwm2m::value::of_float(9.5)),
              status::bad_request);  // full
    EXPECT_EQ(d.write(0, 2, std::uint16_t{4}, lwm2m::value::of_float(4.25)),
              status::changed);  // replace
    EXPECT_EQ(d.write(0, 2, std::nullopt, lwm2m::value::of_float(1)), status::bad_request);
    ASSERT_EQ(d.resource_instance_count(0, 2), 3u);
    EXPECT_EQ(d.resource_instance_at(0, 2, 0), 2);
    EXPECT_EQ(d.resource_instance_at(0, 2, 1), 4);
    EXPECT_EQ(d.resource_instance_at(0, 2, 2), 7);
    EXPECT_EQ(d.resource_instance_at(0, 2, 3), 65535);
    EXPECT_DOUBLE_EQ(read_value(d, 0, 2, 4).float_value(), 4.25);
    std::uint8_t scratch[8];
    auto whole = d.read(0, 2, std::nullopt, scratch);
    ASSERT_FALSE(whole);
    EXPECT_EQ(whole.error().code, errc::invalid_argument);
    EXPECT_FALSE(d.read(0, 2, std::uint16_t{3}, scratch));
    ASSERT_TRUE(d.remove_value(0, 2, 4));
    EXPECT_EQ(d.resource_instance_count(0, 2), 2u);
    EXPECT_FALSE(d.remove_value(0, 2, 4));
    EXPECT_EQ(d.clear_resource(0, 2), status::deleted);
    EXPECT_EQ(d.resource_instance_count(0, 2), 0u);
    EXPECT_FALSE(d.has_resource(0, 2));
}

TEST(StoredObject, PresenceOfOptionalResources) {
    demo d;
    ASSERT_TRUE(d.create(std::uint16_t{0}));
    EXPECT_TRUE(d.has_resource(0, 0));   // mandatory
    EXPECT_TRUE(d.has_resource(0, 3));   // executable
    EXPECT_FALSE(d.has_resource(0, 1));  // optional, never written
    EXPECT_FALSE(d.has_resource(0, 99));
    EXPECT_FALSE(d.has_resource(1, 0));  // no such instance
    std::uint8_t scratch[8];
    auto absent = d.read(0, 1, std::nullopt, scratch);
    ASSERT_FALSE(absent);
    EXPECT_EQ(absent.error().code, errc::not_found);
    EXPECT_EQ(read_value(d, 0, 0).string(), "");  // mandatory, default empty
    ASSERT_TRUE(d.set_value(0, 1, lwm2m::value::of_integer(3)));
    EXPECT_TRUE(d.has_resource(0, 1));
    d.clear_value(0, 1);
    EXPECT_FALSE(d.has_resource(0, 1));
    // A new instance starts empty even where an old one was.
    ASSERT_TRUE(d.set_value(0, 1, lwm2m::value::of_integer(3)));
    EXPECT_EQ(d.remove(0), status::deleted);
    ASSERT_TRUE(d.create(std::uint16_t{0}));
    EXPECT_FALSE(d.has_resource(0, 1));
}

TEST(StoredObject, InstancesKeepTheirValuesWhenOthersComeAndGo) {
    demo d;
    ASSERT_TRUE(d.create(std::uint16_t{5}));
    ASSERT_TRUE(d.set_value(5, 0, lwm2m::value::of_string("five")));
    ASSERT_TRUE(d.create(std::uint16_t{1}));  // inserted before 5
    ASSERT_TRUE(d.set_value(1, 0, lwm2m::value::of_string("one")));
    EXPECT_EQ(read_value(d, 5, 0).string(), "five");
    EXPECT_EQ(d.remove(1), status::deleted);
    EXPECT_EQ(read_value(d, 5, 0).string(), "five");
}

TEST(StoredObject, SetValueReportsOnlyRealChanges) {
    demo d;
    recording_listener rec;
    d.set_listener(&rec);
    ASSERT_TRUE(d.add_instance(std::uint16_t{0}));
    EXPECT_TRUE(rec.saw("/30000"));  // instance added locally
    rec.paths.clear();
    ASSERT_TRUE(d.set_value(0, 1, lwm2m::value::of_integer(1)));
    ASSERT_TRUE(d.set_value(0, 1, lwm2m::value::of_integer(1)));  // same: no report
    ASSERT_TRUE(d.set_value(0, 1, lwm2m::value::of_integer(2)));
    ASSERT_TRUE(d.set_value(0, 2, lwm2m::value::of_float(1), std::uint16_t{0}));
    EXPECT_EQ(rec.paths, (std::vector<std::string>{"/30000/0/1", "/30000/0/1", "/30000/0/2"}));
    // A server write is not a self change: nothing reported.
    rec.paths.clear();
    EXPECT_EQ(d.write(0, 1, std::nullopt, lwm2m::value::of_integer(9)), status::changed);
    EXPECT_TRUE(rec.paths.empty());
    ASSERT_TRUE(d.remove_instance(0));
    EXPECT_TRUE(rec.saw("/30000"));
    EXPECT_FALSE(d.remove_instance(0));
    EXPECT_FALSE(d.set_value(0, 1, lwm2m::value::of_integer(1)));
}

inline constexpr resource_def names_res[] = {res(0, RW, data_type::string).size(8).multi(3)};
inline constexpr object_def names_def{30001, "1.0", false, names_res};

TEST(StoredObject, CopyingAValueWithinAMultipleResource) {
    stored_object<names_def, 1> o;
    ASSERT_TRUE(o.add_instance(std::uint16_t{0}));
    ASSERT_TRUE(o.set_value(0, 0, lwm2m::value::of_string("seven"), std::uint16_t{7}));
    // Insert riid 3 before 7 from a view of entry 7 itself (it moves up).
    auto seven = o.get_value(0, 0, std::uint16_t{7});
    ASSERT_TRUE(seven);
    ASSERT_TRUE(o.set_value(0, 0, *seven, std::uint16_t{3}));
    EXPECT_EQ(read_value(o, 0, 0, 3).string(), "seven");
    EXPECT_EQ(read_value(o, 0, 0, 7).string(), "seven");
    // And over itself.
    auto three = o.get_value(0, 0, std::uint16_t{3});
    ASSERT_TRUE(o.set_value(0, 0, *three, std::uint16_t{3}));
    EXPECT_EQ(read_value(o, 0, 0, 3).string(), "seven");
}

// An application object: subclass and override only the hooks it needs.
struct counter_object final : stored_object<demo_def, 1> {
    int executed = 0;
    status execute(std::uint16_t, std::uint16_t rid, std::string_view args) noexcept override {
        if (rid != 3) return status::method_not_allowed;
        executed += static_cast<int>(args.size());
        return status::changed;
    }
    status validate(std::uint16_t, std::uint16_t rid, std::optional<std::uint16_t>,
                    const lwm2m::value& v) noexcept override {
        return rid == 1 && v.integer() < 0 ? status::bad_request : status::changed;
    }
};

TEST(StoredObject, SubclassHooks) {
    counter_object c;
    ASSERT_TRUE(c.add_instance(std::uint16_t{0}));
    EXPECT_EQ(c.execute(0, 3, "0='a'"), status::changed);
    EXPECT_EQ(c.executed, 5);
    EXPECT_EQ(c.execute(0, 1, ""), status::method_not_allowed);
    EXPECT_EQ(c.validate(0, 1, std::nullopt, lwm2m::value::of_integer(-1)), status::bad_request);
    EXPECT_EQ(c.write_chunk(0, 4, 0, {}, true), status::request_entity_too_large);  // default
}

}  // namespace
}  // namespace sirocco::client
