// IPSO Generic Sensor (/3300, version 1.1): a value with units, min/max
// tracking and reset (ipso_sensor.hpp).
//
// Usage:
//   client::generic_sensor s;
//   s.add_sensor(0, "ppm", 0, 5000);
//   s.set_measurement(0, 412.0);   // notifies observers of /3300/0/5700
#pragma once

#include "sirocco/client/objects/ipso_sensor.hpp"

namespace sirocco::client {

inline constexpr resource_def generic_sensor_resources[] = {
    res(5601, R, data_type::float_),
    res(5602, R, data_type::float_),
    res(5603, R, data_type::float_),
    res(5604, R, data_type::float_),
    res(5605, E),
    res(5700, R, data_type::float_).must(),
    res(5701, R, data_type::string).size(8),
    res(5750, RW, data_type::string).size(16),
    res(5751, R, data_type::string).size(16),
};
inline constexpr object_def generic_sensor_def{3300, "1.1", true, generic_sensor_resources};

class generic_sensor : public ipso_sensor<generic_sensor_def, SIROCCO_CLIENT_MAX_IPSO_INSTANCES> {
  public:
    /// Sets 5751 Sensor Type ("CO2"). Errors: not_found, out_of_range.
    result<void> set_sensor_type(std::uint16_t iid, std::string_view type) noexcept;
};

}  // namespace sirocco::client
