// The client's data model: the registered objects, and the LwM2M Device
// Management and Information Reporting operations over them (Core TS 1.2,
// 6.3 and 6.4), independent of CoAP. The engine (engine.hpp) decodes each
// CoAP request once into a call here (Anjay's rule: nothing above the edge
// touches raw options) and turns the result into the response.
//
// Every operation:
//  - checks the path against the object definitions (4.04 unknown path,
//    4.05 operation not allowed by the resource's R/W/E, 4.00 malformed),
//  - enforces Access Control (object 2) when more than one LwM2M server is
//    configured (4.01 when denied; Core TS 1.2 E.3, 7.3?),
//  - encodes or decodes the payload with libs/codec, driven by the object
//    definitions (type of each resource), in the content format asked for or
//    the one suited to the LwM2M version (4.06 for an Accept it cannot serve,
//    4.15 for a payload format it does not know),
//  - is all-or-nothing for writes: every value is validated first (object
//    hook validate()), then applied.
//
// Device-side: no heap. Output goes into the caller's buffer; `scratch` is
// working memory lent for the call (decoded strings, intermediate values).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"
#include "sirocco/base/static_vector.hpp"
#include "sirocco/client/object.hpp"
#include "sirocco/codec/format.hpp"
#include "sirocco/codec/link_format.hpp"
#include "sirocco/lwm2m/path.hpp"
#include "sirocco/lwm2m/status.hpp"

#ifndef SIROCCO_CLIENT_MAX_OBJECTS
#define SIROCCO_CLIENT_MAX_OBJECTS 16
#endif
#ifndef SIROCCO_CLIENT_MAX_ATTRIBUTES
#define SIROCCO_CLIENT_MAX_ATTRIBUTES 8
#endif

namespace sirocco::client {

/// The LwM2M version the client speaks (configured; sent as lwm2m= at
/// registration). It chooses default content formats (1.0: TLV; 1.1/1.2:
/// SenML CBOR for multiple values, text for a single one) and which
/// operations exist (composite, Send: 1.1+).
enum class lwm2m_version : std::uint8_t { v1_0, v1_1, v1_2 };
std::string_view to_string(lwm2m_version v) noexcept;  ///< "1.0", "1.1", "1.2"

/// Who is asking: the Short Server ID of the server whose request this is
/// (0 for the device itself), and whether it is the bootstrap server.
struct request_ctx {
    ssid server = 0;
    bool bootstrap = false;
};

/// The outcome of an operation: the response code, and for operations that
/// answer with a payload its size in the output buffer and its format. For
/// Create, `created` is the new instance id (Location-Path /oid/iid).
struct dm_result {
    status code = status::internal_server_error;
    std::size_t size = 0;
    codec::content_format format = codec::content_format::text;
    std::optional<std::uint16_t> created;
};

/// Notification attributes attached to a path for one server (Write-
/// Attributes), kept by the data model in fixed-capacity storage.
struct attribute_entry {
    ssid server = 0;
    lwm2m::path path;
    codec::link::attributes attrs;
};

#ifndef SIROCCO_CLIENT_MAX_PENDING_CHANGES
#define SIROCCO_CLIENT_MAX_PENDING_CHANGES 8
#endif

class data_model final : public change_listener {
public:
    static constexpr std::size_t max_pending_changes = SIROCCO_CLIENT_MAX_PENDING_CHANGES;
    static constexpr std::size_t max_objects = SIROCCO_CLIENT_MAX_OBJECTS;
    static constexpr std::size_t max_attributes = SIROCCO_CLIENT_MAX_ATTRIBUTES;

    explicit data_model(lwm2m_version v = lwm2m_version::v1_1) noexcept : version_(v) {}
    data_model(const data_model&) = delete;
    data_model& operator=(const data_model&) = delete;

    lwm2m_version version() const noexcept { return version_; }

    /// The content format for multi-value answers when the request has no
    /// Accept (client_config::preferred_format): 0 (the default) means the
    /// version's default, TLV (11542) for 1.0 and SenML CBOR (112) for 1.1
    /// and 1.2. Single values default to text/plain (application/octet-
    /// stream for Opaque) in every version.
    void set_preferred_format(std::uint16_t f) noexcept { preferred_ = f; }
    std::uint16_t preferred_format() const noexcept { return preferred_; }

    /// Registers an object (kept sorted by id). Errors: capacity_exceeded,
    /// invalid_argument (an object with that id exists, or its table is not
    /// sorted). The object must outlive the data model.
    result<void> add(object& o) noexcept;
    /// Unregisters an object (the engine then updates its registration).
    void remove(std::uint16_t oid) noexcept;
    object* find(std::uint16_t oid) noexcept;
    const object* find(std::uint16_t oid) const noexcept;
    std::span<object* const> objects() const noexcept { return objects_.span(); }

    /// Incremented whenever objects or instances are added or removed, so the
    /// engine knows when the registration's object list changed.
    std::uint32_t generation() const noexcept { return generation_; }

    /// change_listener: an object reported a change (object::changed()).
    /// Paths are queued (deduplicated; when the queue is full the change is
    /// widened to the object path) until the engine polls them. An object
    /// path alone (instances added/removed) also bumps generation().
    void on_changed(const lwm2m::path& p) noexcept override;
    /// The next queued change, oldest first.
    std::optional<lwm2m::path> poll_changed() noexcept;

    // ---- Device Management (Core TS 1.2, 6.3) -----------------------------

    /// Read `p` (object, instance, resource or resource instance). `accept`:
    /// the Accept option, or nullopt for the default format. 2.05 Content.
    dm_result read(const request_ctx& ctx, const lwm2m::path& p,
                   std::optional<std::uint16_t> accept, mutable_bytes out,
                   mutable_bytes scratch) noexcept;

    /// Write (PUT: replace=true; POST: partial update, replace=false) the
    /// payload in `format` to `p` (instance, resource or resource instance).
    /// 2.04 Changed.
    dm_result write(const request_ctx& ctx, const lwm2m::path& p, std::uint16_t format,
                    bytes_view payload, bool replace, mutable_bytes scratch) noexcept;

    /// Execute `p` (a resource) with the arguments text. 2.04 Changed.
    dm_result execute(const request_ctx& ctx, const lwm2m::path& p, std::string_view args) noexcept;

    /// Create an instance of object `p` (POST /oid): the payload gives its
    /// resources, and its instance id when it is wrapped in an instance (TLV
    /// instance TLV, SenML names /oid/iid/...). 2.01 Created, `created` set.
    dm_result create(const request_ctx& ctx, const lwm2m::path& p, std::uint16_t format,
                     bytes_view payload, mutable_bytes scratch) noexcept;

    /// Delete an instance (DELETE /oid/iid). 2.02 Deleted.
    dm_result remove(const request_ctx& ctx, const lwm2m::path& p) noexcept;

    /// Discover `p` (object, instance or resource): link format with the
    /// attributes attached at each level for `ctx.server` and `dim` for
    /// multiple resources (Core TS 1.2, 5.4.2). 2.05 Content, format 40.
    dm_result discover(const request_ctx& ctx, const lwm2m::path& p, mutable_bytes out) noexcept;

    /// Write-Attributes: `query` is the Uri-Query text joined by '&'
    /// ("pmin=10&gt=20.5&lt"). 2.04 Changed; 4.00 for a bad query or
    /// inconsistent attributes (pmin > pmax, lt >= gt, ...).
    dm_result write_attributes(const request_ctx& ctx, const lwm2m::path& p,
                               std::string_view query) noexcept;

    /// Read-Composite (FETCH): the payload lists paths (SenML-ETCH 320/322);
    /// answered in `accept` (SenML JSON/CBOR, LwM2M CBOR). 2.05 Content.
    dm_result read_composite(const request_ctx& ctx, std::uint16_t format, bytes_view payload,
                             std::optional<std::uint16_t> accept, mutable_bytes out,
                             mutable_bytes scratch) noexcept;

    /// Write-Composite (iPATCH): SenML JSON/CBOR records to several paths,
    /// all or nothing. 2.04 Changed.
    dm_result write_composite(const request_ctx& ctx, std::uint16_t format, bytes_view payload,
                              mutable_bytes scratch) noexcept;

    /// Encodes the current values of `paths` (for Send and composite
    /// notifications) in `format` (SenML JSON/CBOR, LwM2M CBOR), with
    /// timestamps when `timestamp` is given.
    dm_result encode_paths(const request_ctx& ctx, std::span<const lwm2m::path> paths,
                           std::uint16_t format, std::optional<double> timestamp,
                           mutable_bytes out, mutable_bytes scratch) noexcept;

    // ---- Attributes (Core TS 1.2, 5.1.2) -----------------------------------

    /// The attributes in effect at `p` for `server`, after inheritance
    /// (resource instance <- resource <- instance <- object <- the defaults of
    /// the Server object: /1/x/2 Default Minimum Period, /1/x/3 Default Maximum
    /// Period). Used by the observe scheduler.
    codec::link::attributes effective_attributes(ssid server, const lwm2m::path& p) const noexcept;

    // ---- Registration ------------------------------------------------------

    /// Writes the registration object list (Core TS 1.2, 6.2.1):
    /// `</>;rt="oma.lwm2m";ct=<preferred>,</1>;ver=1.1,</1/0>,</3/0>,...`
    /// (object 0 is never listed; versions other than 1.0 are). Returns the
    /// bytes written. Errors: buffer_too_small.
    result<std::size_t> write_object_list(mutable_bytes out, std::uint16_t preferred_format) const noexcept;

private:
    /// The attributes attached exactly at `p` for `server`, or nullptr.
    const codec::link::attributes* attached(ssid server, const lwm2m::path& p) const noexcept;
    /// Drops the attributes of every server under `p` (an instance deleted).
    void drop_attributes(const lwm2m::path& p) noexcept;

    lwm2m_version version_;
    std::uint16_t preferred_ = 0;
    static_vector<object*, max_objects> objects_;
    static_vector<attribute_entry, max_attributes> attributes_;
    static_vector<lwm2m::path, max_pending_changes> pending_;
    std::uint32_t generation_ = 0;
};

}  // namespace sirocco::client
