// The standard objects through the object interface.
#include "sirocco/client/objects/access_control.hpp"
#include "sirocco/client/objects/connectivity_monitoring.hpp"
#include "sirocco/client/objects/connectivity_statistics.hpp"
#include "sirocco/client/objects/device.hpp"
#include "sirocco/client/objects/generic_sensor.hpp"
#include "sirocco/client/objects/light_control.hpp"
#include "sirocco/client/objects/location.hpp"
#include "sirocco/client/objects/on_off_switch.hpp"
#include "sirocco/client/objects/security.hpp"
#include "sirocco/client/objects/server.hpp"
#include "sirocco/client/objects/temperature.hpp"
#include "test_objects_common.hpp"

namespace sirocco::client {
namespace {

using test::read_value;
using test::recording_listener;

TEST(Objects, TablesAreSortedAndMatchTheirIds) {
    const object_def* defs[] = {&security_def,
                                &server_def,
                                &access_control_def,
                                &device_def,
                                &connectivity_monitoring_def,
                                &location_def,
                                &connectivity_statistics_def,
                                &generic_sensor_def,
                                &temperature_def,
                                &light_control_def,
                                &on_off_switch_def};
    const std::uint16_t ids[] = {0, 1, 2, 3, 4, 6, 7, 3300, 3303, 3311, 3342};
    for (std::size_t k = 0; k < std::size(defs); ++k) {
        EXPECT_TRUE(validate_def(*defs[k])) << defs[k]->id;
        EXPECT_EQ(defs[k]->id, ids[k]);
        for (const auto& r : defs[k]->resources) {
            // Executables have no type; strings have room.
            EXPECT_EQ(r.ops == E, r.type == data_type::none) << defs[k]->id << "/" << r.id;
            if (r.type == data_type::string) {
                EXPECT_GT(r.max_size, 0) << defs[k]->id << "/" << r.id;
            }
        }
    }
}

TEST(Security, AccountsAndLookups) {
    security sec;
    const std::uint8_t key[] = {0xAA, 0xBB};
    ASSERT_TRUE(sec.add_bootstrap(0, "coap://bs.example:5683"));
    ASSERT_TRUE(sec.add_server(1, "coaps://s.example:5684", 101, security_mode::psk, "ep-1", key));
    ASSERT_TRUE(sec.add_server(2, "coap://t.example", 102));
    EXPECT_FALSE(sec.add_server(3, "coap://u.example", 103));  // 2 servers + bootstrap
    EXPECT_EQ(sec.find_server(101), std::optional<std::uint16_t>(1));
    EXPECT_EQ(sec.find_server(102), std::optional<std::uint16_t>(2));
    EXPECT_FALSE(sec.find_server(7));
    EXPECT_TRUE(sec.is_bootstrap(0));
    EXPECT_FALSE(sec.is_bootstrap(1));
    EXPECT_EQ(sec.uri(1), "coaps://s.example:5684");
    EXPECT_EQ(read_value(sec, 1, security_res::mode).integer(), 0);
    EXPECT_EQ(read_value(sec, 1, security_res::secret_key).opaque().size(), 2u);
    EXPECT_EQ(read_value(sec, 2, security_res::mode).integer(), 3);
    // A URI longer than its storage is refused and leaves no half instance.
    security s2;
    std::string long_uri(SIROCCO_CLIENT_MAX_URI + 1, 'x');
    EXPECT_FALSE(s2.add_server(0, long_uri, 1));
    EXPECT_EQ(s2.instance_count(), 0u);
    // No operation is allowed to a server.
    for (const auto& r : security_def.resources)
        EXPECT_EQ(r.ops, operations::none);
}

TEST(Server, ValuesValidationAndTriggers) {
    server srv;
    ASSERT_TRUE(srv.add_server(0, 101, 300, "UQ"));
    EXPECT_EQ(srv.find_server(101), std::optional<std::uint16_t>(0));
    EXPECT_EQ(srv.integer_or(0, server_res::lifetime, 0), 300);
    EXPECT_EQ(srv.integer_or(0, server_res::default_pmin, 5), 5);  // absent: fallback
    EXPECT_FALSE(srv.has_resource(0, server_res::default_pmin));
    EXPECT_EQ(srv.binding(0), "UQ");
    EXPECT_FALSE(srv.mute_send(0));
    EXPECT_EQ(srv.validate(0, server_res::lifetime, std::nullopt, lwm2m::value::of_integer(-1)),
              status::bad_request);
    EXPECT_EQ(srv.validate(0, server_res::binding, std::nullopt, lwm2m::value::of_string("UX")),
              status::bad_request);
    EXPECT_EQ(srv.validate(0, server_res::binding, std::nullopt, lwm2m::value::of_string("T")),
              status::changed);
    EXPECT_EQ(srv.write(0, server_res::retry_count, std::nullopt, lwm2m::value::of_unsigned(5)),
              status::changed);
    EXPECT_EQ(srv.integer_or(0, server_res::retry_count, 0), 5);
    EXPECT_EQ(srv.write(0, server_res::mute_send, std::nullopt, lwm2m::value::of_boolean(true)),
              status::changed);
    EXPECT_TRUE(srv.mute_send(0));

    struct actions final : server_actions {
        int n = 0;
        void on_server_request(const server_request&) noexcept override { ++n; }
    } act;
    srv.set_actions(&act);
    EXPECT_EQ(srv.execute(0, server_res::update_trigger, ""), status::changed);
    EXPECT_EQ(srv.execute(0, server_res::update_trigger, ""), status::changed);  // merged
    EXPECT_EQ(srv.execute(0, server_res::bootstrap_trigger, ""), status::changed);
    EXPECT_EQ(srv.execute(0, server_res::disable, ""), status::changed);
    EXPECT_EQ(srv.execute(0, server_res::lifetime, ""), status::method_not_allowed);
    EXPECT_EQ(srv.execute(9, server_res::update_trigger, ""), status::not_found);
    EXPECT_EQ(act.n, 4);
    auto r1 = srv.take_request();
    ASSERT_TRUE(r1);
    EXPECT_EQ(r1->kind, server_request_kind::update);
    EXPECT_EQ(srv.take_request()->kind, server_request_kind::bootstrap_request);
    EXPECT_EQ(srv.take_request()->kind, server_request_kind::disable);
    EXPECT_FALSE(srv.take_request());
}

TEST(AccessControl, RightsOwnerDefaultAndPerServer) {
    access_control acl;
    ASSERT_TRUE(acl.add_entry(0, 3, 0, 101));
    ASSERT_TRUE(acl.set_acl(0, 102, acl_read));
    ASSERT_TRUE(acl.add_entry(1, 3303, 65535, 101));
    ASSERT_TRUE(acl.set_acl(1, 0, acl_create));
    EXPECT_EQ(acl.rights(101, 3, 0),
              std::optional<std::uint8_t>(acl_read | acl_write | acl_execute | acl_delete));
    EXPECT_EQ(acl.rights(102, 3, 0), std::optional<std::uint8_t>(acl_read));
    EXPECT_EQ(acl.rights(103, 3, 0), std::optional<std::uint8_t>(0));
    EXPECT_EQ(acl.rights(103, 3303, 65535),
              std::optional<std::uint8_t>(acl_create));  // default entry
    EXPECT_FALSE(acl.rights(102, 4, 0));                 // not controlled
    EXPECT_EQ(acl.validate(0, 2, std::uint16_t{102}, lwm2m::value::of_integer(32)),
              status::bad_request);
    EXPECT_EQ(acl.validate(0, 2, std::uint16_t{102}, lwm2m::value::of_integer(31)),
              status::changed);
    EXPECT_EQ(acl.write(0, 2, std::uint16_t{103}, lwm2m::value::of_integer(3)), status::changed);
    EXPECT_EQ(acl.rights(103, 3, 0), std::optional<std::uint8_t>(3));
    EXPECT_EQ(acl.resource_instance_count(0, 2), 2u);
    // Server Create of an instance, then the remove.
    auto c = acl.create(std::nullopt);
    ASSERT_TRUE(c);
    EXPECT_EQ(*c, 2);
    EXPECT_EQ(acl.remove(2), status::deleted);
}

std::int64_t fake_now = 1000;
std::int64_t fake_clock(void*) noexcept {
    return fake_now;
}

TEST(Device, InfoErrorsAndCallbacks) {
    device dev;
    recording_listener rec;
    dev.set_listener(&rec);
    ASSERT_TRUE(dev.set_info("ACME", "M1", "0001", "1.0.3"));
    EXPECT_EQ(read_value(dev, 0, device_res::manufacturer).string(), "ACME");
    EXPECT_EQ(read_value(dev, 0, device_res::firmware_version).string(), "1.0.3");
    EXPECT_FALSE(dev.has_resource(0, device_res::hardware_version));
    EXPECT_EQ(read_value(dev, 0, device_res::binding_modes).string(), "U");
    // Error code: [0] at start; add replaces "no error", then appends.
    ASSERT_EQ(dev.resource_instance_count(0, device_res::error_code), 1u);
    EXPECT_EQ(read_value(dev, 0, device_res::error_code, 0).integer(), 0);
    ASSERT_TRUE(dev.add_error(2));
    ASSERT_TRUE(dev.add_error(5));
    ASSERT_EQ(dev.resource_instance_count(0, device_res::error_code), 2u);
    EXPECT_EQ(read_value(dev, 0, device_res::error_code, 0).integer(), 2);
    EXPECT_EQ(read_value(dev, 0, device_res::error_code, 1).integer(), 5);
    EXPECT_TRUE(rec.saw("/3/0/11"));
    rec.paths.clear();
    EXPECT_EQ(dev.execute(0, device_res::reset_error_code, ""), status::changed);
    ASSERT_EQ(dev.resource_instance_count(0, device_res::error_code), 1u);
    EXPECT_EQ(read_value(dev, 0, device_res::error_code, 0).integer(), 0);
    EXPECT_TRUE(rec.saw("/3/0/11"));
    // Reboot and factory reset go to the application.
    EXPECT_EQ(dev.execute(0, device_res::reboot, ""),
              status::internal_server_error);  // no callbacks yet
    struct actions final : device_actions {
        int reboots = 0, resets = 0;
        status reboot() noexcept override {
            ++reboots;
            return status::changed;
        }
        status factory_reset() noexcept override {
            ++resets;
            return status::changed;
        }
    } act;
    dev.set_actions(&act);
    EXPECT_EQ(dev.execute(0, device_res::reboot, ""), status::changed);
    EXPECT_EQ(dev.execute(0, device_res::factory_reset, ""), status::changed);
    EXPECT_EQ(act.reboots, 1);
    EXPECT_EQ(act.resets, 1);
    EXPECT_EQ(dev.execute(0, device_res::manufacturer, ""), status::method_not_allowed);
    EXPECT_EQ(dev.execute(1, device_res::reboot, ""), status::not_found);
    // Single instance: no second one.
    EXPECT_FALSE(dev.create(std::uint16_t{1}));
    // Multiple power sources.
    ASSERT_TRUE(
        dev.set_value(0, device_res::power_sources, lwm2m::value::of_integer(1), std::uint16_t{0}));
    ASSERT_TRUE(dev.set_value(0, device_res::power_voltage, lwm2m::value::of_integer(3300),
                              std::uint16_t{0}));
    EXPECT_EQ(read_value(dev, 0, device_res::power_voltage, 0).integer(), 3300);
}

TEST(Device, CurrentTimeIsAnOffsetFromTheClock) {
    device dev;
    EXPECT_FALSE(dev.has_resource(0, device_res::current_time));
    fake_now = 1000;
    dev.set_clock(&fake_clock, nullptr);
    EXPECT_TRUE(dev.has_resource(0, device_res::current_time));
    EXPECT_EQ(read_value(dev, 0, device_res::current_time).time(), 1000);
    EXPECT_EQ(
        dev.write(0, device_res::current_time, std::nullopt, lwm2m::value::of_time(1700000000)),
        status::changed);
    EXPECT_EQ(read_value(dev, 0, device_res::current_time).time(), 1700000000);
    fake_now = 1060;  // the clock runs on; the offset stays
    EXPECT_EQ(read_value(dev, 0, device_res::current_time).time(), 1700000060);
    EXPECT_EQ(dev.current_time(), 1700000060);
    EXPECT_EQ(read_value(dev, 0, device_res::current_time).type(), data_type::time);
    EXPECT_EQ(dev.write(0, device_res::current_time, std::nullopt, lwm2m::value::of_string("x")),
              status::bad_request);
    // UTC offset and timezone are plain stored strings.
    EXPECT_EQ(dev.write(0, device_res::utc_offset, std::nullopt, lwm2m::value::of_string("+02:00")),
              status::changed);
    EXPECT_EQ(read_value(dev, 0, device_res::utc_offset).string(), "+02:00");
    EXPECT_EQ(
        dev.write(0, device_res::utc_offset, std::nullopt, lwm2m::value::of_string("+02:00:00:00")),
        status::bad_request);  // longer than 8
}

TEST(ConnectivityMonitoring, DefaultsAndChanges) {
    connectivity_monitoring cm(6);
    recording_listener rec;
    cm.set_listener(&rec);
    EXPECT_EQ(read_value(cm, 0, connmon_res::network_bearer).integer(), 6);
    EXPECT_EQ(read_value(cm, 0, connmon_res::available_bearers, 0).integer(), 6);
    cm.set_signal(-71, 80);
    EXPECT_EQ(read_value(cm, 0, connmon_res::signal_strength).integer(), -71);
    EXPECT_EQ(read_value(cm, 0, connmon_res::link_quality).integer(), 80);
    EXPECT_TRUE(rec.saw("/4/0/2"));
    EXPECT_TRUE(rec.saw("/4/0/3"));
    ASSERT_TRUE(cm.set_value(0, connmon_res::ip_addresses, lwm2m::value::of_string("192.0.2.7"),
                             std::uint16_t{0}));
    EXPECT_EQ(read_value(cm, 0, connmon_res::ip_addresses, 0).string(), "192.0.2.7");
}

TEST(Location, PositionAndRange) {
    location loc;
    recording_listener rec;
    loc.set_listener(&rec);
    ASSERT_TRUE(loc.set_position(48.85, 2.35, 35.0, 1700000000));
    EXPECT_DOUBLE_EQ(read_value(loc, 0, location_res::latitude).float_value(), 48.85);
    EXPECT_DOUBLE_EQ(read_value(loc, 0, location_res::altitude).float_value(), 35.0);
    EXPECT_EQ(read_value(loc, 0, location_res::timestamp).time(), 1700000000);
    EXPECT_TRUE(rec.saw("/6/0/0"));
    EXPECT_FALSE(loc.set_position(91, 0, std::nullopt, 0));
    EXPECT_FALSE(loc.set_position(0, -181, std::nullopt, 0));
    EXPECT_FALSE(loc.has_resource(0, location_res::speed));
}

TEST(ConnectivityStatistics, StartStopAndCounters) {
    connectivity_statistics st;
    st.record_tx(5000);  // not collecting: ignored
    EXPECT_EQ(read_value(st, 0, connstats_res::tx_data).integer(), 0);
    EXPECT_EQ(st.execute(0, connstats_res::start, ""), status::changed);
    EXPECT_TRUE(st.collecting());
    st.record_tx(2048);
    st.record_rx(100);
    st.record_rx(1000);
    EXPECT_EQ(read_value(st, 0, connstats_res::tx_data).integer(), 2);
    EXPECT_EQ(read_value(st, 0, connstats_res::rx_data).integer(), 1);
    EXPECT_EQ(read_value(st, 0, connstats_res::max_message_size).integer(), 2048);
    EXPECT_EQ(read_value(st, 0, connstats_res::average_message_size).integer(),
              (2048 + 100 + 1000) / 3);
    EXPECT_EQ(st.execute(0, connstats_res::stop, ""), status::changed);
    st.record_tx(4096);
    EXPECT_EQ(read_value(st, 0, connstats_res::tx_data).integer(), 2);    // stopped
    EXPECT_EQ(st.execute(0, connstats_res::start, ""), status::changed);  // start resets
    EXPECT_EQ(read_value(st, 0, connstats_res::tx_data).integer(), 0);
    EXPECT_EQ(
        st.write(0, connstats_res::collection_period, std::nullopt, lwm2m::value::of_integer(60)),
        status::changed);
    EXPECT_EQ(st.execute(0, connstats_res::tx_data, ""), status::method_not_allowed);
}

TEST(Temperature, MinMaxTrackingAndReset) {
    temperature t;
    recording_listener rec;
    t.set_listener(&rec);
    ASSERT_TRUE(t.add_celsius(0));
    EXPECT_EQ(read_value(t, 0, ipso_res::units).string(), "Cel");
    EXPECT_FALSE(t.has_resource(0, ipso_res::min_measured));
    ASSERT_TRUE(t.set_measurement(0, 20.0));
    ASSERT_TRUE(t.set_measurement(0, 25.5));
    ASSERT_TRUE(t.set_measurement(0, 18.25));
    ASSERT_TRUE(t.set_measurement(0, 21.0));
    EXPECT_DOUBLE_EQ(read_value(t, 0, ipso_res::sensor_value).float_value(), 21.0);
    EXPECT_DOUBLE_EQ(read_value(t, 0, ipso_res::min_measured).float_value(), 18.25);
    EXPECT_DOUBLE_EQ(read_value(t, 0, ipso_res::max_measured).float_value(), 25.5);
    EXPECT_TRUE(rec.saw("/3303/0/5700"));
    EXPECT_TRUE(rec.saw("/3303/0/5601"));
    rec.paths.clear();
    EXPECT_EQ(t.execute(0, ipso_res::reset_min_max, ""), status::changed);
    EXPECT_DOUBLE_EQ(read_value(t, 0, ipso_res::min_measured).float_value(), 21.0);
    EXPECT_DOUBLE_EQ(read_value(t, 0, ipso_res::max_measured).float_value(), 21.0);
    EXPECT_TRUE(rec.saw("/3303/0/5601"));
    EXPECT_TRUE(rec.saw("/3303/0/5602"));
    EXPECT_EQ(t.execute(0, ipso_res::sensor_value, ""), status::method_not_allowed);
    EXPECT_EQ(t.execute(4, ipso_res::reset_min_max, ""), status::not_found);
    EXPECT_FALSE(t.set_measurement(4, 1.0));
    // Second instance; then full.
    ASSERT_TRUE(t.add_celsius(1));
    EXPECT_FALSE(t.add_celsius(2));
    EXPECT_EQ(t.write(0, ipso_res::application_type, std::nullopt, lwm2m::value::of_string("room")),
              status::changed);
}

TEST(GenericSensor, ValuesAndType) {
    generic_sensor s;
    ASSERT_TRUE(s.add_sensor(3, "ppm", 0, 5000));
    ASSERT_TRUE(s.set_sensor_type(3, "CO2"));
    ASSERT_TRUE(s.set_measurement(3, 412.0));
    EXPECT_EQ(read_value(s, 3, ipso_res::sensor_type).string(), "CO2");
    EXPECT_DOUBLE_EQ(read_value(s, 3, ipso_res::max_range).float_value(), 5000.0);
    EXPECT_DOUBLE_EQ(read_value(s, 3, ipso_res::max_measured).float_value(), 412.0);
    EXPECT_EQ(s.instance_at(0), 3);
}

TEST(LightControl, WritesValidationAndOnTime) {
    light_control l;
    ASSERT_TRUE(l.add_light(0));
    EXPECT_FALSE(l.is_on(0));
    EXPECT_EQ(l.dimmer(0), 100);
    EXPECT_EQ(l.validate(0, light_res::dimmer, std::nullopt, lwm2m::value::of_integer(101)),
              status::bad_request);
    EXPECT_EQ(l.validate(0, light_res::dimmer, std::nullopt, lwm2m::value::of_integer(-1)),
              status::bad_request);
    EXPECT_EQ(l.validate(0, light_res::dimmer, std::nullopt, lwm2m::value::of_integer(40)),
              status::changed);
    EXPECT_EQ(l.write(0, light_res::dimmer, std::nullopt, lwm2m::value::of_integer(40)),
              status::changed);
    EXPECT_EQ(l.write(0, light_res::on_off, std::nullopt, lwm2m::value::of_boolean(true)),
              status::changed);
    EXPECT_TRUE(l.is_on(0));
    EXPECT_EQ(l.dimmer(0), 40);
    l.tick(5);
    l.tick(3);
    EXPECT_EQ(read_value(l, 0, light_res::on_time).integer(), 8);
    EXPECT_EQ(l.write(0, light_res::on_time, std::nullopt, lwm2m::value::of_integer(0)),
              status::changed);
    EXPECT_EQ(read_value(l, 0, light_res::on_time).integer(), 0);
    EXPECT_EQ(l.write(0, light_res::colour, std::nullopt, lwm2m::value::of_string("#FF8800")),
              status::changed);
}

TEST(OnOffSwitch, EdgesCounterAndTimes) {
    on_off_switch sw;
    recording_listener rec;
    sw.set_listener(&rec);
    ASSERT_TRUE(sw.add_switch(0));
    ASSERT_TRUE(sw.set_state(0, true));
    ASSERT_TRUE(sw.set_state(0, true));  // no edge
    sw.tick(4);
    EXPECT_EQ(read_value(sw, 0, switch_res::on_time).integer(), 4);
    ASSERT_TRUE(sw.set_state(0, false));
    sw.tick(2);
    ASSERT_TRUE(sw.set_state(0, true));
    EXPECT_EQ(read_value(sw, 0, switch_res::counter).integer(), 2);
    EXPECT_EQ(read_value(sw, 0, switch_res::off_time).integer(), 2);
    EXPECT_EQ(read_value(sw, 0, switch_res::on_time).integer(), 0);
    EXPECT_TRUE(read_value(sw, 0, switch_res::state).boolean());
    EXPECT_TRUE(rec.saw("/3342/0/5500"));
    EXPECT_FALSE(sw.set_state(9, true));
    EXPECT_EQ(sw.validate(0, switch_res::on_time, std::nullopt, lwm2m::value::of_integer(-3)),
              status::bad_request);
}

}  // namespace
}  // namespace sirocco::client
