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
//    configured, i.e. the Server object (1) has more than one instance (4.01
//    when denied; Core TS 1.2, appendix E.3 and 7.3 "Access Control"). The
//    rights of server S on /oid/iid come from the object-2 instance whose
//    /2/x/0 = oid and /2/x/1 = iid (65535 for Create on the object): its ACL
//    resource instance /2/x/2/S; else full rights when /2/x/3 Owner = S; else
//    the default ACL /2/x/2/0; else none. No ACL instance for the target: no
//    rights. Bits: Read 1 (Read, Observe, Discover, Write-Attributes), Write 2,
//    Execute 4, Delete 8, Create 16. The device itself (ssid 0) and the
//    bootstrap server are never restricted. Whatever the server count, no
//    LwM2M server reaches the Security (0) or OSCORE (21) objects (4.01), and
//    object 2 is readable by every server; under enforcement an ACL
//    instance is writable only by its owner, and only the bootstrap server or
//    the device creates or deletes ACL instances. When a server creates an
//    instance under enforcement, the data model creates the ACL instance
//    making it the owner; deleting an instance deletes its ACL instances (E.3).
//  - encodes or decodes the payload with libs/codec, driven by the object
//    definitions (type of each resource), in the content format asked for or
//    the one suited to the LwM2M version (4.06 for an Accept it cannot serve,
//    4.15 for a payload format it does not know),
//  - is all-or-nothing for writes: every value is validated first (object
//    hook validate()), then applied. The payload is decoded twice (decoded
//    values live only during the codec's callback), so nothing is stored.
//
// Values: a decoded value is converted to the table type where the spec
// allows it (an integer for a Float, 0/1 for a Boolean, "3:0" text for an
// Objlnk, SenML "vs" for Opaque, TLV bytes read by the table type); any
// other mismatch is 4.00. Ranges are the object's business: its validate()
// hook returns 4.00 for a value out of range (object_def has no ranges).
//
// Status codes, summed up: 4.04 unknown object / instance / resource /
// resource instance (also an optional resource absent now, or one without a
// value); 4.05 Read of a W-only or E resource, Write of an R-only one by a
// server (the bootstrap server and the device, ssid 0, may), Write or Read
// of an E resource, Execute of a non-E one or of anything but a resource,
// Delete of a single-instance object's instance or of an object, operations
// on "/"; 4.00 malformed payloads, wrong types, refused values, a Create
// whose id exists or that finds no room, bad Execute arguments (5.4.5
// grammar `0='abc',1`); 4.06 an Accept that is unknown, link-format or
// SenML-ETCH, a single-value format (text, opaque, CBOR) for several values,
// opaque for a non-Opaque resource, or a format this build lacks; 4.15 a
// payload format that is unknown, paths-only, or cannot carry the target
// (text for an instance); 4.13 a decoded value larger than `scratch`;
// 5.00 an output buffer or `scratch` too small for the answer.
//
// Device-side: no heap. Output goes into the caller's buffer; `scratch` is
// working memory lent for the call: Read and composite answers gather an
// aligned array of lwm2m::record (one per value, ~40 bytes on Cortex-M4)
// plus the String/Opaque bytes they hold; writes use it for decoded strings
// (JSON escapes, base64). Two kB serve the standard objects.
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
/// Attributes), as a value type. (The data model stores them packed, see
/// stored_attributes below.)
struct attribute_entry {
    ssid server = 0;
    lwm2m::path path;
    codec::link::attributes attrs;
};

/// How the data model keeps one attribute_entry: the writable notification
/// attributes only, packed (64 bytes on Cortex-M4 and x86-64, against ~140 /
/// ~200 for attribute_entry), since the table lives in every device's RAM.
struct stored_attributes {
    lwm2m::path path;
    ssid server = 0;
    std::uint16_t set = 0;  ///< bit per attribute, in the order of the fields below
    std::uint8_t edge = 0, con = 0;
    std::uint32_t pmin = 0, pmax = 0, epmin = 0, epmax = 0, hqmax = 0;
    double gt = 0, lt = 0, st = 0;

    codec::link::attributes get() const noexcept;
    void put(const codec::link::attributes& a) noexcept;
};

/// Paths in one Read-Composite request (kept on the stack, 10 bytes each).
#ifndef SIROCCO_CLIENT_MAX_COMPOSITE_PATHS
#define SIROCCO_CLIENT_MAX_COMPOSITE_PATHS 16
#endif
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
    /// the Accept option, or nullopt for the default format: text/plain for a
    /// single value (application/octet-stream for Opaque), else
    /// preferred_format(), else TLV (1.0) or SenML CBOR (1.1, 1.2). An object
    /// or instance read gives every readable resource present (not E, not
    /// W-only, not absent optional ones); an object read leaves out the
    /// instances Access Control hides. 2.05 Content.
    dm_result read(const request_ctx& ctx, const lwm2m::path& p,
                   std::optional<std::uint16_t> accept, mutable_bytes out,
                   mutable_bytes scratch) noexcept;

    /// Write (PUT: replace=true; POST: partial update, replace=false) the
    /// payload in `format` to `p` (instance, resource or resource instance),
    /// Core TS 1.2, 6.3.3. Replace of an instance empties every writable
    /// multiple resource (clear_resource()) before writing the payload's
    /// values, so a multiple resource absent from the payload is left with no
    /// instances; single resources absent from the payload keep their value
    /// (the object API has no "unset"). Replace of a multiple resource
    /// replaces its instances; partial updates add or change only what is
    /// given. Every record must lie under `p` (4.00). after_write() is
    /// called once. The written path is queued as a change (poll_changed()),
    /// so observers of other servers are told. 2.04 Changed.
    dm_result write(const request_ctx& ctx, const lwm2m::path& p, std::uint16_t format,
                    bytes_view payload, bool replace, mutable_bytes scratch) noexcept;

    /// Execute `p` (a resource) with the arguments text. 2.04 Changed.
    dm_result execute(const request_ctx& ctx, const lwm2m::path& p, std::string_view args) noexcept;

    /// Create an instance of object `p` (POST /oid): the payload gives its
    /// resources, and its instance id when it is wrapped in an instance (TLV
    /// instance TLV, SenML names /oid/iid/...); else the object picks one.
    /// The values are type-checked first, the instance is created, then the
    /// values are validated against it and written; any refusal removes the
    /// instance again. Errors: 4.00 (id exists, no room, bad value), 4.05
    /// (the object does not create, or an R/E resource in the payload), 4.01
    /// (no Create right: ACL instance /oid/65535). 2.01 Created, `created` set.
    dm_result create(const request_ctx& ctx, const lwm2m::path& p, std::uint16_t format,
                     bytes_view payload, mutable_bytes scratch) noexcept;

    /// Delete an instance (DELETE /oid/iid). Its attributes are dropped.
    /// 4.05 for a single-instance object (unless bootstrap) and for an
    /// object path (except Bootstrap-Delete of /oid: every instance). 2.02.
    dm_result remove(const request_ctx& ctx, const lwm2m::path& p) noexcept;

    /// Discover `p` (object, instance or resource): link format with the
    /// attributes attached at each level for `ctx.server` and `dim` for
    /// multiple resources (Core TS 1.2, 5.4.2). 2.05 Content, format 40.
    ///   /3   -> </3>;pmin=10,</3/0>;pmax=60,</3/0/0>,...,</3/0/6>;dim=2;gt=5,...
    ///   /3/0 -> </3/0>;pmax=60,</3/0/0>,...   (every resource present, E too)
    ///   /3/0/6 -> </3/0/6>;dim=2;pmin=10;pmax=60;gt=5  (attributes in effect:
    ///           attached there or inherited from instance and object; no
    ///           Server-object defaults). With LwM2M 1.2, resource instances
    ///           that have attributes of their own follow: </3/0/6/1>;lt=3.
    /// Attribute order: dim, then pmin pmax gt lt st epmin epmax edge con hqmax.
    /// 4.05 for "/" and resource instances; 5.00 when `out` is too small.
    dm_result discover(const request_ctx& ctx, const lwm2m::path& p, mutable_bytes out) noexcept;

    /// Write-Attributes: `query` is the Uri-Query text joined by '&'
    /// ("pmin=10&gt=20.5&lt"; a name without value removes it). Stored per
    /// (ctx.server, p) in a table of max_attributes entries; an entry left
    /// empty is freed. 2.04 Changed; 4.00 for a bad query, an attribute that
    /// is not writable (dim, ver...), gt/lt/st on anything but a numeric
    /// resource or resource instance, or a result that is inconsistent at
    /// that level (pmin > pmax, epmin > epmax, lt >= gt, lt + 2*st >= gt,
    /// st < 0; Core TS 1.2, 5.1.2); 4.04 unknown path; 5.00 when the table is
    /// full (the server did nothing wrong; the device is out of room).
    dm_result write_attributes(const request_ctx& ctx, const lwm2m::path& p,
                               std::string_view query) noexcept;

    /// Read-Composite (FETCH): the payload lists paths (SenML-ETCH 320/322,
    /// else 4.15; at most SIROCCO_CLIENT_MAX_COMPOSITE_PATHS = 16, else 4.13);
    /// answered in `accept` (SenML JSON/CBOR, LwM2M CBOR, else 4.06; default
    /// preferred_format() when it can carry several paths, else SenML CBOR).
    /// Paths that do not exist or may not be read are left out; overlapping
    /// paths give each value once, sorted. 2.05 Content.
    dm_result read_composite(const request_ctx& ctx, std::uint16_t format, bytes_view payload,
                             std::optional<std::uint16_t> accept, mutable_bytes out,
                             mutable_bytes scratch) noexcept;

    /// Write-Composite (iPATCH): SenML JSON/CBOR or LwM2M CBOR records to
    /// several paths, all or nothing (4.04 for a path that does not exist,
    /// 4.05 / 4.01 / 4.00 as for Write). after_write() once per instance.
    /// 2.04 Changed.
    dm_result write_composite(const request_ctx& ctx, std::uint16_t format, bytes_view payload,
                              mutable_bytes scratch) noexcept;

    /// Encodes the current values of `paths` (for Send and composite
    /// notifications) in `format` (SenML JSON/CBOR, LwM2M CBOR; else 4.06),
    /// with timestamps when `timestamp` is given; same selection rules as
    /// read_composite(). 2.05 Content.
    dm_result encode_paths(const request_ctx& ctx, std::span<const lwm2m::path> paths,
                           std::uint16_t format, std::optional<double> timestamp, mutable_bytes out,
                           mutable_bytes scratch) noexcept;

    // ---- Attributes (Core TS 1.2, 5.1.2) -----------------------------------

    /// The attributes in effect at `p` for `server`, after inheritance
    /// (resource instance <- resource <- instance <- object <- the defaults of
    /// the Server object: /1/x/2 Default Minimum Period, /1/x/3 Default Maximum
    /// Period of the instance whose /1/x/0 is `server`; a default pmax of 0
    /// means none). A more specific level overrides each attribute it sets.
    /// Only pmin, pmax, gt, lt, st, epmin, epmax, edge, con, hqmax are
    /// returned. Used by the observe scheduler (observe.hpp).
    codec::link::attributes effective_attributes(ssid server, const lwm2m::path& p) const noexcept;

    // ---- Registration ------------------------------------------------------

    /// Writes the registration object list (Core TS 1.2, 6.2.1):
    /// `</>;rt="oma.lwm2m";ct=<preferred>,</1>;ver=1.1,</1/0>,</3/0>,...`
    /// (objects 0 Security and 21 OSCORE are never listed; versions other
    /// than 1.0 are, as </oid>;ver=x before the instances; an object without
    /// instances is listed as </oid>; ct is left out when `preferred_format`
    /// is 0). Returns the bytes written. Errors: buffer_too_small.
    result<std::size_t> write_object_list(mutable_bytes out,
                                          std::uint16_t preferred_format) const noexcept;

  private:
    /// The attributes attached exactly at `p` for `server`, if any.
    std::optional<codec::link::attributes> attached(ssid server,
                                                    const lwm2m::path& p) const noexcept;
    /// Drops the attributes of every server under `p` (an instance deleted).
    void drop_attributes(const lwm2m::path& p) noexcept;

    lwm2m_version version_;
    std::uint16_t preferred_ = 0;
    static_vector<object*, max_objects> objects_;
    static_vector<stored_attributes, max_attributes> attributes_;
    static_vector<lwm2m::path, max_pending_changes> pending_;
    std::uint32_t generation_ = 0;
};

}  // namespace sirocco::client
