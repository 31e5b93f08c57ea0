// The device management and information reporting API of the server (Core
// TS 1.2, 6.3 and 6.4): one typed request per operation, the response as a
// value, and observations as plain records a store can persist.
//
// Host-side values (std::string / std::vector), like registration.hpp. The
// engine (server_engine.hpp) turns a request into a CoAP request to the
// device's registration (path under the registration's root path, options,
// payload encoded with codec::encode and the registration's object models),
// and the CoAP response into a `response` (payload decoded with
// codec::decode into records, or kept as link-format text for Discover).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sirocco/base/result.hpp"
#include "sirocco/codec/format.hpp"
#include "sirocco/lwm2m/owned_value.hpp"
#include "sirocco/lwm2m/path.hpp"
#include "sirocco/lwm2m/status.hpp"
#include "sirocco/server/registration.hpp"

namespace sirocco::server {

using codec::content_format;

/// Write (Core TS 1.2, 6.3.3): PUT replaces, POST updates (partial).
enum class write_mode : std::uint8_t { replace, partial };

/// Read /o, /o/i, /o/i/r or /o/i/r/ri. `format`: the Accept option; none lets
/// the device choose.
struct read_request {
    lwm2m::path path;
    std::optional<content_format> format;
};
/// Write: `records` are absolute paths at or below `path`. `format`: the
/// Content-Format to encode with; none picks the best one the registration
/// supports (SenML CBOR for 1.1+/ct=112, TLV for 1.0, text for one resource
/// value when nothing else is announced).
struct write_request {
    lwm2m::path path;
    write_mode mode = write_mode::replace;
    std::vector<lwm2m::owned_record> records;
    std::optional<content_format> format;
};
/// Execute /o/i/r with optional arguments (Core TS 1.2, 5.4.5: "0='a',1").
struct execute_request {
    lwm2m::path path;
    std::string arguments;
};
/// Create under /o: `records` are /o/i/... paths (the instance id the device
/// should use; no instance id at all lets the device pick: records are then
/// given as /o/65535/r... and sent without an instance level).
struct create_request {
    lwm2m::path path;
    std::vector<lwm2m::owned_record> records;
    std::optional<content_format> format;
};
struct delete_request {
    lwm2m::path path;
};
struct discover_request {
    lwm2m::path path;
};
/// Write-Attributes: `query` as in Core TS 1.2, 5.1.2 ("pmin=10&pmax=60&gt",
/// '&'-separated, each part one Uri-Query option). Checked with
/// codec::link::parse_query before it is sent.
struct write_attributes_request {
    lwm2m::path path;
    std::string query;
};
/// Observe (GET with Observe 0). The response carries the observation.
struct observe_request {
    lwm2m::path path;
    std::optional<content_format> format;
};
/// Cancels every observation of the registration on exactly this path.
/// Response: active -> the device's answer to the deregistration (2.05
/// usually; further matching observations are forgotten passively);
/// passive -> code 2.02 (deleted) at once, nothing sent; no matching
/// observation -> code 4.04 (fail none). Each ended observation also gives an
/// `observation_cancelled` event. A passive cancel does not wait for a
/// sleeping queue-mode device; an active one does.
/// `active`: send a GET with Observe 1 (RFC 7641 3.6) rather than forgetting
/// the token (the device then gets RST on its next notification).
struct cancel_observation_request {
    lwm2m::path path;
    bool active = true;
};
/// Read-Composite (FETCH, Core TS 1.2, 6.3.7): the paths go in the payload in
/// `request_format` (SenML CBOR by default, or SenML JSON / LwM2M CBOR).
struct read_composite_request {
    std::vector<lwm2m::path> paths;
    std::optional<content_format> format;
    std::optional<content_format> request_format;
};
/// Observe-Composite (FETCH with Observe 0).
struct observe_composite_request {
    std::vector<lwm2m::path> paths;
    std::optional<content_format> format;
    std::optional<content_format> request_format;
};
/// Cancels the composite observation on exactly these paths.
struct cancel_composite_observation_request {
    std::vector<lwm2m::path> paths;
    bool active = true;
};
/// Write-Composite (iPATCH, Core TS 1.2, 6.3.8): records anywhere.
struct write_composite_request {
    std::vector<lwm2m::owned_record> records;
    std::optional<content_format> format;
};

using dm_request =
    std::variant<read_request, write_request, execute_request, create_request, delete_request,
                 discover_request, write_attributes_request, observe_request,
                 cancel_observation_request, read_composite_request, observe_composite_request,
                 cancel_composite_observation_request, write_composite_request>;

/// Short name of the operation ("read", "write", "observe-composite", ...):
/// metrics labels and logs.
std::string_view operation_name(const dm_request& r) noexcept;

/// An observation the server holds (Core TS 1.2, 6.4.1 / 6.4.3). Plain value:
/// an observation_store keeps it across restarts; the token lets the engine
/// recognise notifications again afterwards.
struct observation {
    std::string id;        ///< the token in lower-case hex; unique
    std::string endpoint;  ///< of the registration it belongs to
    std::string registration_id;
    std::vector<lwm2m::path> paths;  ///< one path, or several when composite
    bool composite = false;
    std::optional<content_format> format;  ///< the Accept asked for
    std::vector<std::uint8_t> token;
    time_ms created_at = 0;
    friend bool operator==(const observation&, const observation&) = default;
};

/// Why a request ended without a response from the device.
enum class failure : std::uint8_t {
    none,            ///< the device answered (see response::code)
    timeout,         ///< no answer before the request's timeout
    not_registered,  ///< no such endpoint (or it went away before the answer)
    expired,         ///< queue mode: the device was not heard from before the timeout
    invalid,         ///< the request could not be built (encode error, bad path, bad query)
    unsupported,     ///< the content format is not one this build or the device handles
    transport,       ///< CoAP failure: RST, peer closed, block-wise error, ...
    cancelled,       ///< cancelled by the caller or by server shutdown
};
std::string_view failure_name(failure f) noexcept;

/// The result of one request.
struct response {
    failure fail = failure::none;
    std::string error;  ///< words for a failure, or the device's diagnostic payload on 4.xx/5.xx
    lwm2m::status code = lwm2m::status::content;  ///< the CoAP code, when fail == none
    std::optional<content_format> format;         ///< Content-Format of the payload
    /// Read / Observe / Read-Composite / Observe-Composite: the decoded
    /// content, absolute paths, sorted. Discover: empty.
    std::vector<lwm2m::owned_record> records;
    std::string links;                    ///< Discover: the link-format payload as text
    std::string location;                 ///< Create: the Location-Path as "/o/i"
    std::optional<observation> observed;  ///< Observe*: the observation now held
    time_ms round_trip_ms = 0;            ///< from sending to the answer (queue wait excluded)

    bool ok() const noexcept { return fail == failure::none && lwm2m::is_success(code); }
};

/// Persistent observations (the counterpart of registration_store). Value
/// semantics: copies in, copies out.
class observation_store {
  public:
    virtual ~observation_store() = default;
    /// Adds `o` (replacing one with the same id). Errors: invalid_argument
    /// (empty id or endpoint); io_error for a persistent store.
    virtual result<void> add(const observation& o) = 0;
    /// Removes the observation with `id`. Errors: not_found.
    virtual result<observation> remove(std::string_view id) = 0;
    /// Removes and returns every observation of a registration.
    virtual std::vector<observation> remove_by_registration(std::string_view registration_id) = 0;
    virtual std::optional<observation> find(std::string_view id) const = 0;
    virtual std::vector<observation> find_by_registration(
        std::string_view registration_id) const = 0;
    /// Every observation, ordered by id.
    virtual std::vector<observation> list() const = 0;
};

class memory_observation_store final : public observation_store {
  public:
    result<void> add(const observation& o) override;
    result<observation> remove(std::string_view id) override;
    std::vector<observation> remove_by_registration(std::string_view registration_id) override;
    std::optional<observation> find(std::string_view id) const override;
    std::vector<observation> find_by_registration(std::string_view registration_id) const override;
    std::vector<observation> list() const override;

  private:
    std::map<std::string, observation, std::less<>> by_id_;
};

}  // namespace sirocco::server
