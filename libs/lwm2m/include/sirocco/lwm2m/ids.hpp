// Strong ids of the LwM2M data model (OMA-TS-LightweightM2M_Core 1.2, 6.1).
// Each id is 16 bits on the wire. 65535 (max_id) is reserved by the
// specification as "no id" for object instances and resource instances; the
// path parser accepts it so that a peer's message can be answered with a
// precise error, and validate() reports it.
#pragma once

#include <cstdint>

#include "sirocco/base/strong_id.hpp"

namespace sirocco::lwm2m {

struct object_tag {};
struct instance_tag {};
struct resource_tag {};
struct resource_instance_tag {};

using object_id = strong_id<object_tag, std::uint16_t>;
using instance_id = strong_id<instance_tag, std::uint16_t>;
using resource_id = strong_id<resource_tag, std::uint16_t>;
using resource_instance_id = strong_id<resource_instance_tag, std::uint16_t>;

inline constexpr std::uint16_t max_id = 65535;

}  // namespace sirocco::lwm2m
