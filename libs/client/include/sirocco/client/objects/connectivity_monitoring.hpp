// Connectivity Monitoring (/4/0, OMA TS, E.5): read-only values the device
// sets as its link changes; each set_value() notifies observers.
//
// Usage:
//   client::connectivity_monitoring cm;          // bearer 41 (Ethernet), rssi 0
//   cm.set_value(0, client::connmon_res::signal_strength, lwm2m::value::of_integer(-71));
//   cm.set_value(0, client::connmon_res::ip_addresses, lwm2m::value::of_string("192.0.2.7"), 0);
#pragma once

#include "sirocco/client/stored_object.hpp"

namespace sirocco::client {

namespace connmon_res {
inline constexpr std::uint16_t network_bearer = 0, available_bearers = 1, signal_strength = 2,
                               link_quality = 3, ip_addresses = 4, router_addresses = 5,
                               link_utilization = 6, apn = 7, cell_id = 8, smnc = 9, smcc = 10;
}

inline constexpr resource_def connectivity_monitoring_resources[] = {
    res(0, R, data_type::integer).must(),
    res(1, R, data_type::integer).multi(2).must(),
    res(2, R, data_type::integer).must(),
    res(3, R, data_type::integer),
    res(4, R, data_type::string).size(40).multi(2).must(),
    res(5, R, data_type::string).size(40).multi(1),
    res(6, R, data_type::integer),
    res(7, R, data_type::string).size(24).multi(1),
    res(8, R, data_type::integer),
    res(9, R, data_type::integer),
    res(10, R, data_type::integer),
};
inline constexpr object_def connectivity_monitoring_def{4, "1.0", false,
                                                        connectivity_monitoring_resources};

class connectivity_monitoring : public stored_object<connectivity_monitoring_def, 1> {
  public:
    /// Instance 0 with Network Bearer `bearer` (41 Ethernet, 21 WLAN, 6 LTE
    /// FDD, ...) also listed as the available bearer.
    explicit connectivity_monitoring(std::int64_t bearer = 41) noexcept;
    /// Sets Radio Signal Strength (dBm) and Link Quality together.
    void set_signal(std::int64_t rssi_dbm, std::int64_t link_quality) noexcept;
};

}  // namespace sirocco::client
