// IPSO Temperature (/3303, version 1.1): Sensor Value in the units of 5701
// ("Cel"), Min/Max Measured Value tracked, 5605 resets them.
//
// Usage:
//   client::temperature t;
//   t.add_sensor(0, "Cel", -40, 125);
//   t.set_measurement(0, 21.5);
#pragma once

#include "sirocco/client/objects/ipso_sensor.hpp"

namespace sirocco::client {

inline constexpr resource_def temperature_resources[] = {
    res(5601, R, data_type::float_),
    res(5602, R, data_type::float_),
    res(5603, R, data_type::float_),
    res(5604, R, data_type::float_),
    res(5605, E),
    res(5700, R, data_type::float_).must(),
    res(5701, R, data_type::string).size(8),
    res(5750, RW, data_type::string).size(16),
};
inline constexpr object_def temperature_def{3303, "1.1", true, temperature_resources};

class temperature : public ipso_sensor<temperature_def, SIROCCO_CLIENT_MAX_IPSO_INSTANCES> {
  public:
    /// Adds instance `iid` in degrees Celsius over -40..125.
    result<void> add_celsius(std::uint16_t iid) noexcept;
};

}  // namespace sirocco::client
