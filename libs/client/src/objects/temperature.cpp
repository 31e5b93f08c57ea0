#include "sirocco/client/objects/temperature.hpp"

namespace sirocco::client {

result<void> temperature::add_celsius(std::uint16_t iid) noexcept {
    return add_sensor(iid, "Cel", -40.0, 125.0);
}

}  // namespace sirocco::client
