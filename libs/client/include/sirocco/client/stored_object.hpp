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
// N * bytes_per_instance + 4 words (vtable, def, listener, count).
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

/// Non-template engine of stored_object: works on one instance's bytes,
/// given the table and the offsets. Keeps the template thin so that each
/// object adds little code (stored_object.cpp).
struct layout {
    const object_def* def;
    const std::uint16_t* offsets;  ///< per resource index, into the value area
    std::size_t value_bytes;       ///< size of the value area
};

result<lwm2m::value> read(const layout& l, const std::uint8_t* inst, const std::uint8_t* present,
                          std::size_t index, std::optional<std::uint16_t> riid) noexcept;
status write(const layout& l, std::uint8_t* inst, std::uint8_t* present, std::size_t index,
             std::optional<std::uint16_t> riid, const lwm2m::value& v, bool* differs) noexcept;
std::size_t ri_count(const layout& l, const std::uint8_t* inst, std::size_t index) noexcept;
std::uint16_t ri_at(const layout& l, const std::uint8_t* inst, std::size_t index,
                    std::size_t k) noexcept;
void clear(const layout& l, std::uint8_t* inst, std::uint8_t* present, std::size_t index) noexcept;
bool remove_ri(const layout& l, std::uint8_t* inst, std::size_t index, std::uint16_t riid) noexcept;
/// Index of resource `rid` in the table, or the table size.
std::size_t index_of(const object_def& d, std::uint16_t rid) noexcept;

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
    static_assert(validate_def(Def), "resources must be sorted by id without duplicates");
    static_assert(value_bytes < 65536, "an instance must fit 64 KiB");
};

/// Generic object with engine-managed storage for `MaxInstances` instances
/// of `Def` (see the header comment for the layout). Thread-compatible like
/// every object: called from the engine's calls only.
template <const object_def& Def, std::size_t MaxInstances>
class stored_object : public object {
    using L = stored_layout<Def>;
    struct slot {
        std::uint16_t iid;
        std::uint8_t present[L::present_bytes == 0 ? 1 : L::present_bytes];
        std::uint8_t values[L::value_bytes == 0 ? 1 : L::value_bytes];
    };

  public:
    static constexpr std::size_t max_instances = MaxInstances;
    /// Bytes of storage per instance: values + presence bits + 2-byte id
    /// (+ 1 byte of padding when that sum is odd).
    static constexpr std::size_t bytes_per_instance = sizeof(slot);

    constexpr stored_object() noexcept : object(Def) {}

    // ---- C++ API for the application -------------------------------------

    /// Creates instance `iid` (or the lowest free id) locally. Errors:
    /// capacity_exceeded (all MaxInstances in use), invalid_argument (the id
    /// exists, or is 65535). Reports the new instance (instances_changed()).
    result<std::uint16_t> add_instance(std::optional<std::uint16_t> iid = std::nullopt) noexcept {
        auto r = create_slot(iid);
        if (r) instances_changed();
        return r;
    }
    /// Removes instance `iid` locally. Errors: not_found.
    result<void> remove_instance(std::uint16_t iid) noexcept {
        if (!remove_slot(iid)) return unexpected(errc::not_found, "no such object instance");
        instances_changed();
        return {};
    }

    /// Sets a local value (converted to the table type), marks the resource
    /// present, and reports the change (object::changed()) when the value
    /// differs. `riid` addresses a resource instance of a multiple resource
    /// (added when new). Errors: not_found (no instance or resource),
    /// type_mismatch (no lossless conversion), out_of_range (too long,
    /// multiple resource full, riid given for a single resource).
    result<void> set_value(std::uint16_t iid, std::uint16_t rid, const lwm2m::value& v,
                           std::optional<std::uint16_t> riid = std::nullopt) noexcept {
        auto* s = find_slot(iid);
        std::size_t idx = stored_detail::index_of(Def, rid);
        if (s == nullptr || idx == L::resource_count)
            return unexpected(errc::not_found, "no such instance or resource");
        bool differs = false;
        status st = stored_detail::write(layout(), s->values, s->present, idx, riid, v, &differs);
        if (st == status::changed) {
            if (differs) changed(iid, rid);
            return {};
        }
        if (st == status::not_found) return unexpected(errc::not_found, "no such resource");
        return unexpected(errc::out_of_range, "value does not fit the resource");
    }
    /// Reads a stored value (points into this object's storage, valid until
    /// the next change of that resource). Errors as read().
    result<lwm2m::value> get_value(
        std::uint16_t iid, std::uint16_t rid,
        std::optional<std::uint16_t> riid = std::nullopt) const noexcept {
        const auto* s = find_slot(iid);
        std::size_t idx = stored_detail::index_of(Def, rid);
        if (s == nullptr || idx == L::resource_count)
            return unexpected(errc::not_found, "no such instance or resource");
        return stored_detail::read(layout(), s->values, s->present, idx, riid);
    }
    /// Makes an optional resource absent (a multiple one loses its
    /// instances) and reports the change. Unknown ids are ignored.
    void clear_value(std::uint16_t iid, std::uint16_t rid) noexcept {
        auto* s = find_slot(iid);
        std::size_t idx = stored_detail::index_of(Def, rid);
        if (s == nullptr || idx == L::resource_count) return;
        stored_detail::clear(layout(), s->values, s->present, idx);
        changed(iid, rid);
    }
    /// Removes one resource instance locally. Errors: not_found.
    result<void> remove_value(std::uint16_t iid, std::uint16_t rid, std::uint16_t riid) noexcept {
        auto* s = find_slot(iid);
        std::size_t idx = stored_detail::index_of(Def, rid);
        if (s == nullptr || idx == L::resource_count ||
            !stored_detail::remove_ri(layout(), s->values, idx, riid))
            return unexpected(errc::not_found, "no such resource instance");
        changed(iid, rid);
        return {};
    }

    // ---- object interface --------------------------------------------------

    std::size_t instance_count() const noexcept override { return count_; }
    std::uint16_t instance_at(std::size_t k) const noexcept override {
        return k < count_ ? slots_[k].iid : lwm2m::max_id;
    }
    bool has_resource(std::uint16_t iid, std::uint16_t rid) const noexcept override {
        const auto* s = find_slot(iid);
        std::size_t idx = stored_detail::index_of(Def, rid);
        if (s == nullptr || idx == L::resource_count) return false;
        const resource_def& r = Def.resources[idx];
        if (r.mandatory || r.type == data_type::none) return true;
        return (s->present[idx / 8] & (1u << (idx % 8))) != 0;
    }
    std::size_t resource_instance_count(std::uint16_t iid,
                                        std::uint16_t rid) const noexcept override {
        const auto* s = find_slot(iid);
        std::size_t idx = stored_detail::index_of(Def, rid);
        if (s == nullptr || idx == L::resource_count) return 0;
        return stored_detail::ri_count(layout(), s->values, idx);
    }
    std::uint16_t resource_instance_at(std::uint16_t iid, std::uint16_t rid,
                                       std::size_t k) const noexcept override {
        const auto* s = find_slot(iid);
        std::size_t idx = stored_detail::index_of(Def, rid);
        if (s == nullptr || idx == L::resource_count) return lwm2m::max_id;
        return stored_detail::ri_at(layout(), s->values, idx, k);
    }
    result<lwm2m::value> read(std::uint16_t iid, std::uint16_t rid,
                              std::optional<std::uint16_t> riid, mutable_bytes) noexcept override {
        return get_value(iid, rid, riid);
    }
    status write(std::uint16_t iid, std::uint16_t rid, std::optional<std::uint16_t> riid,
                 const lwm2m::value& v) noexcept override {
        auto* s = find_slot(iid);
        std::size_t idx = stored_detail::index_of(Def, rid);
        if (s == nullptr || idx == L::resource_count) return status::not_found;
        bool differs = false;
        return stored_detail::write(layout(), s->values, s->present, idx, riid, v, &differs);
    }
    status clear_resource(std::uint16_t iid, std::uint16_t rid) noexcept override {
        auto* s = find_slot(iid);
        std::size_t idx = stored_detail::index_of(Def, rid);
        if (s == nullptr || idx == L::resource_count) return status::not_found;
        stored_detail::clear(layout(), s->values, s->present, idx);
        return status::deleted;
    }
    result<std::uint16_t> create(std::optional<std::uint16_t> iid) noexcept override {
        return create_slot(iid);
    }
    status remove(std::uint16_t iid) noexcept override {
        return remove_slot(iid) ? status::deleted : status::not_found;
    }

  protected:
    /// Marks a resource present without a value change (for resources a
    /// subclass serves from read(), e.g. a clock).
    void mark_present(std::uint16_t iid, std::uint16_t rid) noexcept {
        auto* s = find_slot(iid);
        std::size_t idx = stored_detail::index_of(Def, rid);
        if (s != nullptr && idx < L::resource_count)
            s->present[idx / 8] =
                static_cast<std::uint8_t>(s->present[idx / 8] | (1u << (idx % 8)));
    }

  private:
    static constexpr stored_detail::layout layout() noexcept {
        return {&Def, L::offsets.data(), L::value_bytes};
    }
    slot* find_slot(std::uint16_t iid) noexcept {
        for (std::size_t k = 0; k < count_; ++k)
            if (slots_[k].iid == iid) return &slots_[k];
        return nullptr;
    }
    const slot* find_slot(std::uint16_t iid) const noexcept {
        for (std::size_t k = 0; k < count_; ++k)
            if (slots_[k].iid == iid) return &slots_[k];
        return nullptr;
    }
    result<std::uint16_t> create_slot(std::optional<std::uint16_t> iid) noexcept {
        if (count_ == MaxInstances)
            return unexpected(errc::capacity_exceeded, "no room for another instance");
        std::uint16_t id = 0;
        if (iid) {
            if (*iid == lwm2m::max_id)
                return unexpected(errc::invalid_argument, "instance id 65535 is reserved");
            if (find_slot(*iid) != nullptr)
                return unexpected(errc::invalid_argument, "instance exists");
            id = *iid;
        } else {
            while (find_slot(id) != nullptr)
                ++id;  // at most MaxInstances steps
        }
        std::size_t at = 0;
        while (at < count_ && slots_[at].iid < id)
            ++at;
        for (std::size_t k = count_; k > at; --k)
            slots_[k] = slots_[k - 1];
        slots_[at] = slot{};
        slots_[at].iid = id;
        ++count_;
        return id;
    }
    bool remove_slot(std::uint16_t iid) noexcept {
        for (std::size_t k = 0; k < count_; ++k) {
            if (slots_[k].iid != iid) continue;
            for (std::size_t j = k + 1; j < count_; ++j)
                slots_[j - 1] = slots_[j];
            --count_;
            return true;
        }
        return false;
    }

    std::array<slot, MaxInstances> slots_{};
    std::size_t count_ = 0;
};

}  // namespace sirocco::client
