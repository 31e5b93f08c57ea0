// Server-side data tree (host only): what a server knows of a client's
// data, built from the records a codec decoded (Read / Observe / Send
// responses) and turned back into records for a Write.
//
//   object -> instances -> resources -> a single value, or resource instances
//
// OMA LwM2M Core TS 1.2, 6.1 (data model) and 6.3.3 / 5.4.3 of TS 1.1
// (Write): "replace" replaces the addressed object instance or resource
// wholly; "partial update" adds or updates the resources and resource
// instances given and leaves the rest unchanged.
//
// Records at a resource path (/o/i/r) are single-instance resources; records
// at a resource-instance path (/o/i/r/ri) are instances of a
// multiple-instance resource. A record at an object or instance path with no
// value (value type none) stands for an empty container (some formats carry
// "instance exists, no resources"); a record at a resource path with no
// value stands for a multiple-instance resource with no instances.
// to_records() gives empty containers back that way.
//
// Every mutating call checks all its records first and changes nothing when
// it returns an error. Errors (sirocco::error, reasons are literals):
//  - invalid_argument "record path must point at an object, instance,
//    resource or resource instance" (the root path);
//  - invalid_argument "an object or instance record cannot carry a value";
//  - invalid_argument "the same path is given twice";
//  - type_mismatch "resource given both as a single value and as resource
//    instances" (within the records, or against the tree for merge());
//  - invalid_argument "record is outside the replaced path" (replace()).
// Values are copied (owned_value); the tree owns everything it holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "sirocco/base/result.hpp"
#include "sirocco/lwm2m/owned_value.hpp"
#include "sirocco/lwm2m/path.hpp"
#include "sirocco/lwm2m/record.hpp"

namespace sirocco::lwm2m {

class data_tree {
  public:
    struct leaf {
        owned_value value;
        std::optional<double> timestamp;
        friend bool operator==(const leaf&, const leaf&) = default;
    };
    struct resource_node {
        bool multiple = false;
        leaf single;                              ///< when !multiple
        std::map<std::uint16_t, leaf> instances;  ///< when multiple
        friend bool operator==(const resource_node&, const resource_node&) = default;
    };
    using instance_node = std::map<std::uint16_t, resource_node>;
    using object_node = std::map<std::uint16_t, instance_node>;

    data_tree() = default;

    /// Builds a tree from decoded records (any order).
    static result<data_tree> from_records(std::span<const record> records);
    static result<data_tree> from_records(std::span<const owned_record> records);

    /// Every value as records sorted by path (resource instances under their
    /// resource, ids ascending), with empty objects / instances / multiple
    /// resources as records without a value. Only the subtree at `under`
    /// (default: everything). The records own their values.
    std::vector<owned_record> to_records(const path& under = path()) const;

    /// Partial update: adds or replaces the given resources and resource
    /// instances; everything else stays. A single record for a resource that
    /// the tree holds as multiple (or the reverse) is a type_mismatch.
    result<void> merge(std::span<const record> records);

    /// Replace: removes the subtree at `target` (an object, instance or
    /// resource path), then inserts `records`, which must all lie under
    /// `target`. Replacing a resource switches it freely between single and
    /// multiple. The root path replaces the whole tree.
    result<void> replace(const path& target, std::span<const record> records);

    /// Removes the subtree at `p` (the whole tree for the root). Returns
    /// whether anything was there.
    bool remove(const path& p);
    void clear() noexcept { objects_.clear(); }

    /// True when the node at `p` exists (any level).
    bool contains(const path& p) const noexcept;
    /// The value at a single resource (/o/i/r) or a resource instance
    /// (/o/i/r/ri); nullptr for anything else or when absent.
    const leaf* find_leaf(const path& p) const noexcept;
    const value* find_value(const path& p) const noexcept {
        const leaf* l = find_leaf(p);
        return l ? &l->value.view() : nullptr;
    }
    const object_node* find_object(object_id o) const noexcept;
    const instance_node* find_instance(object_id o, instance_id i) const noexcept;
    const resource_node* find_resource(object_id o, instance_id i, resource_id r) const noexcept;

    const std::map<std::uint16_t, object_node>& objects() const noexcept { return objects_; }
    bool empty() const noexcept { return objects_.empty(); }
    /// Number of values (single resources plus resource instances).
    std::size_t value_count() const noexcept;

    friend bool operator==(const data_tree&, const data_tree&) = default;

  private:
    result<void> check(std::span<const record> records, bool against_tree) const;
    void insert(const record& r);

    std::map<std::uint16_t, object_node> objects_;
};

}  // namespace sirocco::lwm2m
