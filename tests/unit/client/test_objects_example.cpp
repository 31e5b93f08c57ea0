// The complete example of docs/client-objects.md, kept compiling and true.
#include "sirocco/client/stored_object.hpp"
#include "test_objects_common.hpp"

// ---- begin docs/client-objects.md example ----
namespace app {
using namespace sirocco;
using namespace sirocco::client;

// 1. The table: one res(...) per resource, sorted by id, as in the OMA/vendor DDF.
inline constexpr resource_def valve_resources[] = {
    res(0, RW, data_type::boolean).must(),    // Open
    res(1, R, data_type::float_),             // Flow rate (l/min)
    res(2, R, data_type::float_),             // Total volume (l)
    res(3, E),                                // Reset total
    res(4, RW, data_type::string).size(16),   // Name, up to 16 bytes
    res(5, RW, data_type::integer).multi(4),  // Schedule: up to 4 start times
};
inline constexpr object_def valve_def{32770, "1.0", true, valve_resources};
static_assert(validate_def(valve_def));

// 2. The object: storage for 2 instances, and only the hooks it needs.
class valve final : public stored_object<valve_def, 2> {
  public:
    // The application calls this from its sensor loop; observers are told.
    void measured(std::uint16_t iid, double litres_per_min, double seconds) noexcept {
        (void)set_value(iid, 1, lwm2m::value::of_float(litres_per_min));
        auto total = get_value(iid, 2);
        double t = total ? total->float_value() : 0.0;
        (void)set_value(iid, 2, lwm2m::value::of_float(t + litres_per_min * seconds / 60.0));
    }
    status execute(std::uint16_t iid, std::uint16_t rid, std::string_view) noexcept override {
        if (rid != 3 || !has_instance(iid)) return status::method_not_allowed;
        (void)set_value(iid, 2, lwm2m::value::of_float(0.0));
        return status::changed;
    }
    status validate(std::uint16_t, std::uint16_t rid, std::optional<std::uint16_t>,
                    const lwm2m::value& v) noexcept override {
        // Schedule entries are seconds of the day.
        if (rid == 5 && (v.integer() < 0 || v.integer() >= 86400)) return status::bad_request;
        return status::changed;
    }
    void after_write(std::uint16_t iid, std::optional<std::uint16_t> rid) noexcept override {
        if (!rid || *rid == 0) opened = get_value(iid, 0)->boolean();  // drive the hardware here
    }
    bool opened = false;
};
}  // namespace app
// ---- end docs/client-objects.md example ----

namespace sirocco::client {
namespace {

TEST(ObjectExample, TheDocumentedValveWorks) {
    app::valve v;
    test::recording_listener rec;
    v.set_listener(&rec);
    ASSERT_TRUE(v.add_instance(std::uint16_t{0}));
    EXPECT_FALSE(v.has_resource(0, 4));  // optional, never written
    EXPECT_EQ(v.write(0, 0, std::nullopt, lwm2m::value::of_boolean(true)), status::changed);
    v.after_write(0, std::uint16_t{0});
    EXPECT_TRUE(v.opened);
    v.measured(0, 12.0, 30.0);
    EXPECT_DOUBLE_EQ(test::read_value(v, 0, 2).float_value(), 6.0);
    EXPECT_TRUE(rec.saw("/32770/0/2"));
    EXPECT_EQ(v.execute(0, 3, ""), status::changed);
    EXPECT_DOUBLE_EQ(test::read_value(v, 0, 2).float_value(), 0.0);
    EXPECT_EQ(v.validate(0, 5, std::uint16_t{0}, lwm2m::value::of_integer(90000)),
              status::bad_request);
    EXPECT_EQ(v.write(0, 5, std::uint16_t{0}, lwm2m::value::of_integer(6 * 3600)), status::changed);
    EXPECT_EQ(v.resource_instance_count(0, 5), 1u);
    EXPECT_EQ(v.write(0, 4, std::nullopt, lwm2m::value::of_string("this name is too long")),
              status::bad_request);
    EXPECT_EQ(app::valve::bytes_per_instance, 2u + 1u + 8u + 8u + 8u + 18u + (1u + 4u * 10u));
}

}  // namespace
}  // namespace sirocco::client
