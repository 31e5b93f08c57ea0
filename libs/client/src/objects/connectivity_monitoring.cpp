#include "sirocco/client/objects/connectivity_monitoring.hpp"

namespace sirocco::client {

connectivity_monitoring::connectivity_monitoring(std::int64_t bearer) noexcept {
    (void)add_instance(0);
    (void)set_value(0, connmon_res::network_bearer, lwm2m::value::of_integer(bearer));
    (void)set_value(0, connmon_res::available_bearers, lwm2m::value::of_integer(bearer),
                    std::uint16_t{0});
    (void)set_value(0, connmon_res::signal_strength, lwm2m::value::of_integer(0));
}

void connectivity_monitoring::set_signal(std::int64_t rssi_dbm,
                                         std::int64_t link_quality) noexcept {
    (void)set_value(0, connmon_res::signal_strength, lwm2m::value::of_integer(rssi_dbm));
    (void)set_value(0, connmon_res::link_quality, lwm2m::value::of_integer(link_quality));
}

}  // namespace sirocco::client
