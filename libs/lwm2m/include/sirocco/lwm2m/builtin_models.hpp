// Built-in object models (device side: constexpr tables in read-only memory,
// no heap, no I/O).
//
// Written by hand from the published object tables (OMA LwM2M Core TS 1.2
// appendix E for objects 0-7, the OMA registry / IPSO tables for 33xx), in
// the same object versions as the registry files they are tested against:
//
//   0 LWM2M Security 1.2            4 Connectivity Monitoring 1.3
//   1 LwM2M Server 1.2              5 Firmware Update 1.2
//   2 LwM2M Access Control 1.1      6 Location 1.0
//   3 Device 1.2                    7 Connectivity Statistics 1.0
//   3300 Generic Sensor 1.1         3303 Temperature 1.1
//   3311 Light Control 1.0          3342 On/Off switch 1.1
//
// Names, operations, instance/mandatory flags, types, range texts and units
// are those of the tables (test_builtin_models compares every field but the
// description with the registry XML); descriptions are one short line of our
// own. Resources are sorted by id. Everything returned points into static
// storage and lives for the whole program.
#pragma once

#include <span>
#include <string_view>

#include "sirocco/lwm2m/model.hpp"

namespace sirocco::lwm2m {

/// Every built-in object model, sorted by object id (one version each).
std::span<const object_model> builtin_models() noexcept;

/// model_provider over builtin_models(). Stateless; find() with a version
/// returns the model only when its object_version equals that version
/// (major.minor). Usable as a fallback of a model_store on the host.
class builtin_model_provider final : public model_provider {
  public:
    const object_model* find(object_id oid, std::string_view version = {}) const noexcept override;
};

/// A shared instance (constant initialised, no static-init order issue).
const builtin_model_provider& builtin_provider() noexcept;

}  // namespace sirocco::lwm2m
