// Location (/6/0, OMA TS, E.7): latitude, longitude, altitude, radius,
// speed and the time of the fix. set_position() updates them together and
// notifies observers of what changed.
//
// Usage:
//   client::location loc;
//   loc.set_position(48.85, 2.35, 35.0, now_seconds);
#pragma once

#include "sirocco/client/stored_object.hpp"

namespace sirocco::client {

namespace location_res {
inline constexpr std::uint16_t latitude = 0, longitude = 1, altitude = 2, radius = 3, velocity = 4,
                               timestamp = 5, speed = 6;
}

inline constexpr resource_def location_resources[] = {
    res(0, R, data_type::float_).must(),  res(1, R, data_type::float_).must(),
    res(2, R, data_type::float_),         res(3, R, data_type::float_),
    res(4, R, data_type::opaque).size(8), res(5, R, data_type::time).must(),
    res(6, R, data_type::float_),
};
inline constexpr object_def location_def{6, "1.0", false, location_resources};

class location : public stored_object<location_def, 1> {
  public:
    location() noexcept;
    /// Latitude and longitude in degrees (-90..90, -180..180), altitude in m,
    /// `timestamp` in Unix seconds. Errors: out_of_range (bad coordinates).
    result<void> set_position(double latitude, double longitude, std::optional<double> altitude,
                              std::int64_t timestamp) noexcept;
};

}  // namespace sirocco::client
