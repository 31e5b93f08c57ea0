// Objects as data (after Zephyr's LwM2M engine, seeds/003): an object is a
// constant table of resource definitions plus a few hooks. The engine does
// the protocol work for every object (read, write, execute, create, delete,
// discover, attributes, observe); an object only says what it has and what
// its values are. Simple resources can live in storage the engine manages
// (stored_object.hpp), so most objects are a table and a handful of lines.
//
// Device-side: no heap, no exceptions, no RTTI. Definitions are constexpr and
// live in flash; an object instance holds only values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"
#include "sirocco/lwm2m/model.hpp"
#include "sirocco/lwm2m/path.hpp"
#include "sirocco/lwm2m/status.hpp"
#include "sirocco/lwm2m/value.hpp"

namespace sirocco::client {

using lwm2m::data_type;
using lwm2m::operations;
using lwm2m::status;

/// One resource of an object, as a constant (flash) table entry.
struct resource_def {
    std::uint16_t id = 0;
    operations ops = operations::none;
    data_type type = data_type::none;
    bool multiple = false;
    bool mandatory = false;
    /// Storage the engine reserves when the object keeps this resource in
    /// engine-managed storage (stored_object): resource instances of a
    /// multiple resource, and bytes per value of a String, Opaque or Corelnk
    /// resource. Ignored by objects that serve the resource from a hook.
    std::uint8_t max_instances = 1;
    std::uint16_t max_size = 0;
};

/// Shorthands so a table reads like the OMA one:
///   constexpr resource_def device_res[] = {
///       res(0, R, data_type::string).size(32),
///       res(4, E),
///       res(11, R, data_type::integer).multi(4),
///   };
struct res : resource_def {
    constexpr res(std::uint16_t rid, operations o, data_type t = data_type::none) noexcept {
        id = rid;
        ops = o;
        type = t;
    }
    constexpr res& size(std::uint16_t bytes) noexcept {
        max_size = bytes;
        return *this;
    }
    constexpr res& multi(std::uint8_t instances) noexcept {
        multiple = true;
        max_instances = instances;
        return *this;
    }
    constexpr res& must() noexcept {
        mandatory = true;
        return *this;
    }
};
inline constexpr operations R = operations::read, W = operations::write,
                            RW = operations::read_write, E = operations::execute;

/// One object: id, version, single or multiple instances, its resources
/// (sorted by id; checked by validate_def()).
struct object_def {
    std::uint16_t id = 0;
    /// Object version announced at registration (`</3>;ver=1.1`); "" or
    /// "1.0" announces none (Core TS 1.2, 6.2.2).
    std::string_view version;
    bool multiple = false;
    std::span<const resource_def> resources;

    /// Binary search by resource id; nullptr when the object has no such resource.
    constexpr const resource_def* find(std::uint16_t rid) const noexcept {
        std::size_t lo = 0, hi = resources.size();
        while (lo < hi) {
            std::size_t mid = (lo + hi) / 2;
            if (resources[mid].id < rid)
                lo = mid + 1;
            else
                hi = mid;
        }
        return (lo < resources.size() && resources[lo].id == rid) ? &resources[lo] : nullptr;
    }
};

/// True when the resources are sorted by id without duplicates (use in a
/// static_assert next to each table).
constexpr bool validate_def(const object_def& d) noexcept {
    for (std::size_t i = 1; i < d.resources.size(); ++i)
        if (d.resources[i - 1].id >= d.resources[i].id) return false;
    return true;
}

/// Which server asks (its Short Server ID, /1/x/0), for hooks that care
/// (Access Control, Server object). 0 for the bootstrap server or the device
/// itself.
using ssid = std::uint16_t;

/// Told when a value of an object changed by itself (a sensor reading, a
/// state machine step), so that observers are notified. data_model
/// implements it and installs itself when the object is added.
class change_listener {
  public:
    virtual void on_changed(const lwm2m::path& p) noexcept = 0;

  protected:
    ~change_listener() = default;
};

/// The hooks of one registered object. The engine calls them from its own
/// calls only (never from another thread), with paths it has already checked
/// against the definition: the resource exists in the table, the operation
/// is allowed by `ops`, a written value has the table's type. Every hook has
/// a default except the instance list and read().
///
/// Ownership: values returned by read() may point into `scratch` (lent by the
/// engine for the duration of the call) or into the object's own storage;
/// the engine copies them into the response before it calls any hook again.
class object {
  public:
    constexpr explicit object(const object_def& d) noexcept : def_(&d) {}
    object(const object&) = delete;
    object& operator=(const object&) = delete;

    const object_def& def() const noexcept { return *def_; }
    std::uint16_t id() const noexcept { return def_->id; }

    // ---- instances ---------------------------------------------------------
    /// Number of instances, and the id of the k-th (ascending ids).
    virtual std::size_t instance_count() const noexcept = 0;
    virtual std::uint16_t instance_at(std::size_t k) const noexcept = 0;
    bool has_instance(std::uint16_t iid) const noexcept;

    /// Whether instance `iid` has resource `rid` now (an optional resource
    /// may be absent). Default: every resource of the table.
    virtual bool has_resource(std::uint16_t iid, std::uint16_t rid) const noexcept;

    /// Resource instances of a multiple resource: their number and the id of
    /// the k-th (ascending). Default: none.
    virtual std::size_t resource_instance_count(std::uint16_t iid,
                                                std::uint16_t rid) const noexcept;
    virtual std::uint16_t resource_instance_at(std::uint16_t iid, std::uint16_t rid,
                                               std::size_t k) const noexcept;

    // ---- values ------------------------------------------------------------
    /// The value of /oid/iid/rid (or of resource instance `riid` of a multiple
    /// resource). Errors: not_found (no such instance/resource instance).
    virtual result<lwm2m::value> read(std::uint16_t iid, std::uint16_t rid,
                                      std::optional<std::uint16_t> riid,
                                      mutable_bytes scratch) noexcept = 0;

    /// Checks a value before any of a write is applied (a Write is all or
    /// nothing). Return a 4.xx status to refuse it (4.00 out of range).
    /// Default: accept.
    virtual status validate(std::uint16_t iid, std::uint16_t rid, std::optional<std::uint16_t> riid,
                            const lwm2m::value& v) noexcept;

    /// Stores a value. For a multiple resource written whole (replace), the
    /// engine first calls clear_resource(). Default: 4.05.
    virtual status write(std::uint16_t iid, std::uint16_t rid, std::optional<std::uint16_t> riid,
                         const lwm2m::value& v) noexcept;
    /// Removes every resource instance of a multiple resource. Default: 2.02.
    virtual status clear_resource(std::uint16_t iid, std::uint16_t rid) noexcept;
    /// Called once after a whole Write (or Create) was applied to `iid`, with
    /// the resource written when it was a single one, else nullopt.
    virtual void after_write(std::uint16_t iid, std::optional<std::uint16_t> rid) noexcept;

    /// Executes /oid/iid/rid with the Execute arguments as sent (Core TS 1.2,
    /// 5.4.5: `0='abc',1`). Default: 4.05.
    virtual status execute(std::uint16_t iid, std::uint16_t rid, std::string_view args) noexcept;

    /// Receives a large Opaque (or String) value in pieces, as Block1 blocks
    /// of a Write arrive (RFC 7959; e.g. /5/0/0 Package, push firmware
    /// update): `offset` of this piece, `last` on the final one. The engine
    /// does not buffer the whole value. A 4.xx status aborts the transfer
    /// (4.13 when it is too large). Default: 4.13 Request Entity Too Large,
    /// so only resources that take large values need it.
    virtual status write_chunk(std::uint16_t iid, std::uint16_t rid, std::size_t offset,
                               bytes_view chunk, bool last) noexcept;

    /// Creates an instance: with the id the server asked for, or, for
    /// nullopt, a free id the object picks. Returns the id. Default: not_allowed
    /// (4.05). Errors: capacity_exceeded (no room: 4.00 per Core TS), invalid_argument
    /// (the id exists: 4.00).
    virtual result<std::uint16_t> create(std::optional<std::uint16_t> iid) noexcept;
    /// Deletes an instance. Default: 4.05.
    virtual status remove(std::uint16_t iid) noexcept;

    /// Installed by data_model::add(); objects call changed() below.
    void set_listener(change_listener* l) noexcept { listener_ = l; }

  protected:
    ~object() = default;
    /// Reports that /oid/iid/rid changed by itself (no-op before the object
    /// is added to a data model).
    void changed(std::uint16_t iid, std::uint16_t rid) noexcept {
        if (listener_ != nullptr)
            listener_->on_changed(lwm2m::path(lwm2m::object_id(def_->id), lwm2m::instance_id(iid),
                                              lwm2m::resource_id(rid)));
    }
    /// Reports that an instance was added or removed by the device itself.
    void instances_changed() noexcept {
        if (listener_ != nullptr) listener_->on_changed(lwm2m::path(lwm2m::object_id(def_->id)));
    }

  private:
    const object_def* def_;
    change_listener* listener_ = nullptr;
};

}  // namespace sirocco::client
