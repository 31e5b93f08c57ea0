// Object models (OMA DDF, Core TS 1.2 appendix D): what an object and its
// resources are, as published in the OMA LwM2M registry.
//
// The structs are views: every string_view and span points at storage owned
// elsewhere. The built-in models (builtin_models.hpp) are constexpr tables in
// read-only memory; models loaded from DDF XML (ddf.hpp, host only) are owned
// by a model_store that outlives every view it hands out.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "sirocco/lwm2m/ids.hpp"
#include "sirocco/lwm2m/value.hpp"

namespace sirocco::lwm2m {

/// Operations a resource allows (DDF <Operations>: R, W, RW, E, or empty).
enum class operations : std::uint8_t {
    none = 0,
    read = 1,
    write = 2,
    read_write = 3,
    execute = 4,
};
constexpr bool can_read(operations o) noexcept {
    return (static_cast<std::uint8_t>(o) & 1) != 0;
}
constexpr bool can_write(operations o) noexcept {
    return (static_cast<std::uint8_t>(o) & 2) != 0;
}
constexpr bool can_execute(operations o) noexcept {
    return o == operations::execute;
}
/// "R", "W", "RW", "E" or "" (none).
std::string_view to_string(operations o) noexcept;
/// Parses a DDF operations string (case-insensitive, blanks ignored).
result<operations> parse_operations(std::string_view s) noexcept;

struct resource_model {
    std::uint16_t id = 0;
    std::string_view name;
    operations ops = operations::none;
    bool multiple = false;  ///< multiple-instance resource
    bool mandatory = false;
    data_type type = data_type::none;
    /// <RangeEnumeration> as written in the DDF ("0..100", "1-4", "0;1;2",
    /// "" for none). range_min/range_max hold the numeric bounds when the text
    /// is a numeric range (also for string lengths, e.g. "0..255 bytes").
    std::string_view range_enumeration;
    std::optional<double> range_min;
    std::optional<double> range_max;
    std::string_view units;
    std::string_view description;
};

struct object_model {
    std::uint16_t id = 0;
    std::string_view name;
    std::string_view description;
    std::string_view object_version = "1.0";  ///< <ObjectVersion>, "1.0" when absent
    std::string_view lwm2m_version = "1.0";   ///< <LWM2MVersion>, "1.0" when absent
    bool multiple = false;                    ///< multiple-instance object
    bool mandatory = false;
    std::string_view urn;                       ///< "urn:oma:lwm2m:oma:3:1.2"
    std::span<const resource_model> resources;  ///< sorted by id

    /// The resource with that id, or nullptr. Resources are sorted by id, so
    /// this is a binary search.
    const resource_model* find(resource_id rid) const noexcept;
};

/// Where codecs and engines look up models. Implementations: the built-in
/// table, a model_store, or a chain of both.
class model_provider {
  public:
    /// The model for this object id (and, when given, this object version:
    /// "1.1"); nullptr when unknown. Without a version, the newest one.
    virtual const object_model* find(object_id oid,
                                     std::string_view version = {}) const noexcept = 0;

    const resource_model* find_resource(object_id oid, resource_id rid) const noexcept {
        const object_model* m = find(oid);
        return m ? m->find(rid) : nullptr;
    }

  protected:
    ~model_provider() = default;
};

/// Compares "1.10" > "1.2" numerically by major.minor. Malformed versions
/// compare as 0.0.
int compare_versions(std::string_view a, std::string_view b) noexcept;

}  // namespace sirocco::lwm2m
