#include "sirocco/client/objects/location.hpp"

namespace sirocco::client {

location::location() noexcept {
    (void)add_instance(0);
}

result<void> location::set_position(double latitude, double longitude,
                                    std::optional<double> altitude,
                                    std::int64_t timestamp) noexcept {
    if (!(latitude >= -90.0 && latitude <= 90.0) || !(longitude >= -180.0 && longitude <= 180.0))
        return unexpected(errc::out_of_range, "latitude or longitude out of range");
    (void)set_value(0, location_res::latitude, lwm2m::value::of_float(latitude));
    (void)set_value(0, location_res::longitude, lwm2m::value::of_float(longitude));
    if (altitude) (void)set_value(0, location_res::altitude, lwm2m::value::of_float(*altitude));
    (void)set_value(0, location_res::timestamp, lwm2m::value::of_time(timestamp));
    return {};
}

}  // namespace sirocco::client
