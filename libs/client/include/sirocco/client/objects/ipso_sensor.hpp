// Shared logic of the IPSO sensors (3300 Generic Sensor, 3303 Temperature,
// and any other sensor table with 5700/5601/5602/5605): set_measurement()
// stores Sensor Value (5700) and tracks Min/Max Measured Value (5601/5602);
// Execute 5605 Reset Min and Max Measured Values sets both to the current
// value. Each change notifies observers.
#pragma once

#include "sirocco/client/objects/config.hpp"
#include "sirocco/client/stored_object.hpp"

namespace sirocco::client {

namespace ipso_res {
inline constexpr std::uint16_t min_measured = 5601, max_measured = 5602, min_range = 5603,
                               max_range = 5604, reset_min_max = 5605, sensor_value = 5700,
                               units = 5701, application_type = 5750, sensor_type = 5751;
}

template <const object_def& Def, std::size_t N>
class ipso_sensor : public stored_object<Def, N> {
    using base = stored_object<Def, N>;

  public:
    /// Creates instance `iid` with its units ("Cel") and measurement range.
    result<void> add_sensor(std::uint16_t iid, std::string_view units, double min_range,
                            double max_range) noexcept {
        SIROCCO_TRY(this->add_instance(iid));
        SIROCCO_TRY(this->set_value(iid, ipso_res::units, lwm2m::value::of_string(units)));
        SIROCCO_TRY(this->set_value(iid, ipso_res::min_range, lwm2m::value::of_float(min_range)));
        return this->set_value(iid, ipso_res::max_range, lwm2m::value::of_float(max_range));
    }
    /// A new reading: Sensor Value, and Min/Max Measured when exceeded (or
    /// first set). Errors: not_found (no instance).
    result<void> set_measurement(std::uint16_t iid, double v) noexcept {
        SIROCCO_TRY(this->set_value(iid, ipso_res::sensor_value, lwm2m::value::of_float(v)));
        auto lo = this->get_value(iid, ipso_res::min_measured);
        if (!lo || v < lo->float_value())
            (void)this->set_value(iid, ipso_res::min_measured, lwm2m::value::of_float(v));
        auto hi = this->get_value(iid, ipso_res::max_measured);
        if (!hi || v > hi->float_value())
            (void)this->set_value(iid, ipso_res::max_measured, lwm2m::value::of_float(v));
        return {};
    }
    status execute(std::uint16_t iid, std::uint16_t rid, std::string_view) noexcept override {
        if (!this->has_instance(iid)) return status::not_found;
        if (rid != ipso_res::reset_min_max) return status::method_not_allowed;
        auto v = this->get_value(iid, ipso_res::sensor_value);
        if (v) {
            (void)this->set_value(iid, ipso_res::min_measured, *v);
            (void)this->set_value(iid, ipso_res::max_measured, *v);
        } else {
            this->clear_value(iid, ipso_res::min_measured);
            this->clear_value(iid, ipso_res::max_measured);
        }
        return status::changed;
    }
};

}  // namespace sirocco::client
