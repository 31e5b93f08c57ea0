// IPSO Light Control (/3311): On/Off (5850), Dimmer 0..100 (5851), On Time
// in seconds (5852, writing 0 resets it), Cumulative Active Power (5805),
// Power Factor (5820), Colour (5706), Sensor Units (5701), Application Type
// (5750). The application reacts to writes by overriding after_write() (call
// the base first) or by reading is_on()/dimmer(); tick() accumulates On Time.
//
// Usage:
//   client::light_control light;
//   light.add_light(0);
//   light.tick(1);            // once a second: On Time grows while on
#pragma once

#include "sirocco/client/objects/config.hpp"
#include "sirocco/client/stored_object.hpp"

namespace sirocco::client {

namespace light_res {
inline constexpr std::uint16_t on_off = 5850, dimmer = 5851, on_time = 5852, active_power = 5805,
                               power_factor = 5820, colour = 5706, units = 5701,
                               application_type = 5750;
}

inline constexpr resource_def light_control_resources[] = {
    res(5701, R, data_type::string).size(8),   res(5706, RW, data_type::string).size(16),
    res(5750, RW, data_type::string).size(16), res(5805, R, data_type::float_),
    res(5820, R, data_type::float_),           res(5850, RW, data_type::boolean).must(),
    res(5851, RW, data_type::integer),         res(5852, RW, data_type::integer),
};
inline constexpr object_def light_control_def{3311, "1.0", true, light_control_resources};

class light_control : public stored_object<light_control_def, SIROCCO_CLIENT_MAX_IPSO_INSTANCES> {
  public:
    /// Adds a light, off, dimmer 100, on time 0.
    result<void> add_light(std::uint16_t iid) noexcept;
    bool is_on(std::uint16_t iid) const noexcept;
    std::int64_t dimmer(std::uint16_t iid) const noexcept;
    /// `seconds` passed: On Time of every light that is on grows.
    void tick(std::int64_t seconds) noexcept;

    /// 4.00 for a dimmer outside 0..100 or a negative On Time.
    status validate(std::uint16_t iid, std::uint16_t rid, std::optional<std::uint16_t> riid,
                    const lwm2m::value& v) noexcept override;
};

}  // namespace sirocco::client
