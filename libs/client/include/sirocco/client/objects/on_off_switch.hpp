// IPSO On/Off Switch (/3342, version 1.1): Digital Input State (5500),
// Digital Input Counter (5501, rising edges), On Time / Off Time in seconds
// (5852 / 5854, writable; writing 0 resets), Application Type (5750).
//
// Usage:
//   client::on_off_switch sw;
//   sw.add_switch(0);
//   sw.set_state(0, true);    // counter +1, observers notified
//   sw.tick(1);               // once a second
#pragma once

#include "sirocco/client/objects/config.hpp"
#include "sirocco/client/stored_object.hpp"

namespace sirocco::client {

namespace switch_res {
inline constexpr std::uint16_t state = 5500, counter = 5501, application_type = 5750,
                               on_time = 5852, off_time = 5854;
}

inline constexpr resource_def on_off_switch_resources[] = {
    res(5500, R, data_type::boolean).must(),   res(5501, R, data_type::integer),
    res(5750, RW, data_type::string).size(16), res(5852, RW, data_type::integer),
    res(5854, RW, data_type::integer),
};
inline constexpr object_def on_off_switch_def{3342, "1.1", true, on_off_switch_resources};

class on_off_switch : public stored_object<on_off_switch_def, SIROCCO_CLIENT_MAX_IPSO_INSTANCES> {
  public:
    result<void> add_switch(std::uint16_t iid) noexcept;
    /// The input changed: on a rising edge the counter grows and On Time
    /// restarts; on a falling edge Off Time restarts. Errors: not_found.
    result<void> set_state(std::uint16_t iid, bool on) noexcept;
    void tick(std::int64_t seconds) noexcept;
    status validate(std::uint16_t iid, std::uint16_t rid, std::optional<std::uint16_t> riid,
                    const lwm2m::value& v) noexcept override;
};

}  // namespace sirocco::client
