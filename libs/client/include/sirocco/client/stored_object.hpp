// stored_object: an `object` whose simple resources live in storage the
// engine manages, sized at compile time from the object_def table. No heap:
// every byte is a member, so a stored_object is as big as its table says and
// can be a static or a member of the application's device struct.
//
//   inline constexpr resource_def my_res[] = {
//       res(0, R, data_type::string).size(16).must(),
//       res(1, RW, data_type::integer),
//       res(2, R, data_type::float_).multi(4),
//       res(3, E),
//   };
//   inline constexpr object_def my_def{.id = 30000, .version = "1.0", .multiple = true,
//                                      .resources = my_res};
//   class my_object final : public stored_object<my_def, 2> {
//       status execute(std::uint16_t iid, std::uint16_t rid, std::string_view) noexcept override;
//   };
//
// Memory layout, per instance (all in one byte array, no padding, values
// copied in and out with memcpy so nothing is aligned):
//   - a single resource: 8 bytes for a scalar value (Integer, Unsigned
//     Integer, Float, Boolean, Time, Objlnk), 2 + max_size bytes for a
//     String, Opaque or Corelnk value (16-bit length, then the bytes),
//     nothing for an executable resource (type none);
//   - a multiple resource: 1 byte (count), then max_instances entries of a
//     2-byte resource instance id followed by the value as above, kept in
//     ascending id order;
//   - one `present` bit per resource (rounded up to bytes), plus the 2-byte
//     instance id (instances are kept sorted by id; a count says how many).
// bytes_per_instance gives the total; sizeof(stored_object<D, N>) is
// N * bytes_per_instance + 7 words (vtable, def, listener, layout, storage
// pointer, sizes and count).
//
// Code size: every operation is implemented once, in stored_object_base
// (stored_object.cpp); the template only reserves the storage and computes
// the offsets at compile time, so a new object adds its constant table and
// its own hooks, not another copy of the storage code.
//
// Presence: mandatory and executable resources are always present; an
// optional resource is present once a value was written (by a server or by
// set_value()) and absent again after clear_value(). has_resource() reports
// it, so Read and Discover skip optional resources never set.
//
// Errors of the object interface: read() gives not_found for an unknown
// instance, an absent resource or resource instance, invalid_argument for a
// multiple resource read without a resource instance id; write() answers
// 4.04 (no instance), 4.00 (a value of another type that does not convert,
// a String/Opaque longer than max_size, a multiple resource full, a
// resource instance id on a single resource), 4.05 for an executable.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "sirocco/client/object.hpp"

namespace sirocco::client {

namespace stored_detail {

constexpr bool is_bytes_type(data_type t) noexcept {
    return t == data_type::string || t == data_type::opaque || t == data_type::corelnk;
}
/// Bytes of one value of resource `r` (without a resource instance id).
constexpr std::size_t value_size(const resource_def& r) noexcept {
    if (r.type == data_type::none) return 0;
    if (is_bytes_type(r.type)) return 2u + r.max_size;
    return 8;
}
/// Bytes of resource `r` in one instance.
constexpr std::size_t slot_size(const resource_def& r) noexcept {
    if (r.type == data_type::none) return 0;
    if (r.multiple) return 1u + static_cast<std::size_t>(r.max_instances) * (2u + value_size(r));
    return value_size(r);
}

/// Where things are in one instance's bytes: [iid:2][present bits][values].
struct layout {
    const std::uint16_t* offsets;  ///< per resource index, into the value area
    std::uint16_t present_bytes;
    std::uint16_t slot_bytes;  ///< whole instance
};

}  // namespace stored_detail

/// Size and offsets computed from the table at compile time.
template <const object_def& Def>
struct stored_layout {
    static constexpr std::size_t resource_count = Def.resources.size();
    static constexpr std::array<std::uint16_t, resource_count + 1> offsets = [] {
        std::array<std::uint16_t, resource_count + 1> o{};
        std::size_t at = 0;
        for (std::size_t i = 0; i < resource_count; ++i) {
            o[i] = static_cast<std::uint16_t>(at);
            at += stored_detail::slot_size(Def.resources[i]);
        }
        o[resource_count] = static_cast<std::uint16_t>(at);
        return o;
    }();
    static constexpr std::size_t value_bytes = offsets[resource_count];
    static constexpr std::size_t present_bytes = (resource_count + 7) / 8;
    static constexpr std::size_t slot_bytes =
        (2 + present_bytes + value_bytes + 1) & ~std::size_t{1};
    static constexpr stored_detail::layout value{offsets.data(),
                                                 static_cast<std::uint16_t>(present_bytes),
                                                 static_cast<std::uint16_t>(slot_bytes)};
    static_assert(validate_def(Def), "resources must be sorted by id without duplicates");
    static_assert(slot_bytes < 65536, "an instance must fit 64 KiB");
};

/// The storage engine of every stored_object: all the code, once. Use
/// stored_object<Def, N> below, which gives it its storage.
class stored_object_base : public object {
  public:
    // ---- C++ API for the application -------------------------------------

    /// Creates instance `iid` (or the lowest free id) locally. Errors:
    /// capacity_exceeded (every instance in use), invalid_argument (the id
    /// exists, or is 65535). Reports the new instance (instances_changed()).
    result<std::uint16_t> add_instance(std::optional<std::uint16_t> iid = std::nullopt) noexcept;
    /// Removes instance `iid` locally. Errors: not_found.
    result<void> remove_instance(std::uint16_t iid) noexcept;

    /// Sets a local value (converted to the table type), marks the resource
    /// present, and reports the change (object::changed()) when the value
    /// differs. `riid` addresses a resource instance of a multiple resource
    /// (added when new). Errors: not_found (no instance or resource),
    /// out_of_range (no lossless conversion to the table type, too long,
    /// multiple resource full, riid given for a single resource or missing
    /// for a multiple one, executable resource).
    result<void> set_value(std::uint16_t iid, std::uint16_t rid, const lwm2m::value& v,
                           std::optional<std::uint16_t> riid = std::nullopt) noexcept;
    /// Reads a stored value; String/Opaque/Corelnk point into this object's
    /// storage, valid until that resource changes. Errors as read().
    result<lwm2m::value> get_value(std::uint16_t iid, std::uint16_t rid,
                                   std::optional<std::uint16_t> riid = std::nullopt) const noexcept;
    /// Makes an optional resource absent (a multiple one loses its
    /// instances) and reports the change. Unknown ids are ignored.
    void clear_value(std::uint16_t iid, std::uint16_t rid) noexcept;
    /// Removes one resource instance locally. Errors: not_found.
    result<void> remove_value(std::uint16_t iid, std::uint16_t rid, std::uint16_t riid) noexcept;

    /// Instances this object can hold.
    std::size_t capacity() const noexcept { return max_; }

    // ---- object interface --------------------------------------------------

    std::size_t instance_count() const noexcept override { return count_; }
    std::uint16_t instance_at(std::size_t k) const noexcept override;
    bool has_resource(std::uint16_t iid, std::uint16_t rid) const noexcept override;
    std::size_t resource_instance_count(std::uint16_t iid,
                                        std::uint16_t rid) const noexcept override;
    std::uint16_t resource_instance_at(std::uint16_t iid, std::uint16_t rid,
                                       std::size_t k) const noexcept override;
    result<lwm2m::value> read(std::uint16_t iid, std::uint16_t rid,
                              std::optional<std::uint16_t> riid,
                              mutable_bytes scratch) noexcept override;
    status write(std::uint16_t iid, std::uint16_t rid, std::optional<std::uint16_t> riid,
                 const lwm2m::value& v) noexcept override;
    status clear_resource(std::uint16_t iid, std::uint16_t rid) noexcept override;
    result<std::uint16_t> create(std::optional<std::uint16_t> iid) noexcept override;
    status remove(std::uint16_t iid) noexcept override;

  protected:
    stored_object_base(const object_def& d, const stored_detail::layout& l, std::uint8_t* storage,
                       std::uint16_t max_instances) noexcept
        : object(d), layout_(&l), storage_(storage), max_(max_instances) {}
    ~stored_object_base() = default;

    /// Marks a resource present without a value change (for resources a
    /// subclass serves from read(), e.g. a clock).
    void mark_present(std::uint16_t iid, std::uint16_t rid) noexcept;

  private:
    std::uint8_t* slot(std::size_t k) const noexcept { return storage_ + k * layout_->slot_bytes; }
    std::uint8_t* find_slot(std::uint16_t iid) const noexcept;
    /// Slot of `iid` and index of `rid` in the table; nullptr when unknown.
    std::uint8_t* locate(std::uint16_t iid, std::uint16_t rid, std::size_t& index) const noexcept;
    status store(std::uint8_t* s, std::size_t index, std::optional<std::uint16_t> riid,
                 const lwm2m::value& v, bool& differs) noexcept;
    result<std::uint16_t> create_slot(std::optional<std::uint16_t> iid) noexcept;
    bool remove_slot(std::uint16_t iid) noexcept;

    const stored_detail::layout* layout_;
    std::uint8_t* storage_;
    std::uint16_t max_;
    std::uint16_t count_ = 0;
};

/// Generic object with engine-managed storage for `MaxInstances` instances
/// of `Def` (see the header comment for the layout). Thread-compatible like
/// every object: called from the engine's calls only. Not copyable (the
/// base points at the storage member).
template <const object_def& Def, std::size_t MaxInstances>
class stored_object : public stored_object_base {
    using L = stored_layout<Def>;
    static_assert(MaxInstances >= 1 && MaxInstances < 65535);

  public:
    static constexpr std::size_t max_instances = MaxInstances;
    /// Bytes of storage per instance: 2-byte id + presence bits + values,
    /// rounded up to even.
    static constexpr std::size_t bytes_per_instance = L::slot_bytes;

    stored_object() noexcept
        : stored_object_base(Def, L::value, storage_, static_cast<std::uint16_t>(MaxInstances)) {}

  private:
    alignas(2) std::uint8_t storage_[MaxInstances * L::slot_bytes] = {};
};

}  // namespace sirocco::client
