#include "sirocco/client/objects/generic_sensor.hpp"

namespace sirocco::client {

result<void> generic_sensor::set_sensor_type(std::uint16_t iid, std::string_view type) noexcept {
    return set_value(iid, ipso_res::sensor_type, lwm2m::value::of_string(type));
}

}  // namespace sirocco::client
