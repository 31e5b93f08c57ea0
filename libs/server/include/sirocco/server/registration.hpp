// One client registration as the LwM2M server keeps it (Core TS 1.2, 6.2.1
// Register and 6.2.2 Update), and the parsers for its parts: the Uri-Query
// parameters of Register / Update and the object list in the payload
// (CoRE link format, RFC 6690, content format 40).
//
// Host-side: a registration is a plain value (std::string / std::vector), so
// that a store can copy it into memory or a database (issue 6: SQLite) and
// hand copies back; it holds no pointers into engine state or messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sirocco/base/result.hpp"
#include "sirocco/coap/config.hpp"

namespace sirocco::server {

using coap::peer_id;
using coap::time_ms;

/// One object of the registration's object list: `</3>;ver=1.1,</3/0>`.
struct object_entry {
    std::uint16_t id = 0;
    std::string version;                   ///< "ver=" of the object link; "" when not given
    std::vector<std::uint16_t> instances;  ///< in the order listed, no duplicates
    friend bool operator==(const object_entry&, const object_entry&) = default;
};

/// The object list of a Register / Update payload.
struct object_list {
    /// Alternate root path (`</lwm2m>;rt="oma.lwm2m"`), "/" when none.
    std::string root_path = "/";
    /// Content formats the client announces with ct= on the root link
    /// (`</>;ct=110` or `ct="60 110"`, LwM2M 1.1+). Empty when not given.
    std::vector<std::uint16_t> content_formats;
    std::vector<object_entry> objects;  ///< sorted by object id
    friend bool operator==(const object_list&, const object_list&) = default;
};

/// Parses an object list (Core TS 1.2, 6.2.1: "</>;rt="oma.lwm2m";ct=110,
/// </1>;ver=1.1,</1/0>,</3/0>"). Links below an alternate root are read
/// relative to it. An instance link creates its object entry. Errors:
/// malformed (not link format, a target that is not an object or object
/// instance path under the root, a ct or ver that is not valid).
result<object_list> parse_object_list(std::string_view text);

/// The Uri-Query parameters of Register / Update (Core TS 1.2, 6.2.1 and
/// 6.2.2, Table 6.2.1-1). Absent ones are nullopt / false.
struct registration_params {
    std::optional<std::string> endpoint;       ///< ep
    std::optional<std::uint32_t> lifetime;     ///< lt, seconds
    std::optional<std::string> lwm2m_version;  ///< lwm2m
    std::optional<std::string> binding;        ///< b, the queue letter of 1.0 ("UQ") removed
    bool queue = false;                        ///< Q, or a 'Q' in a 1.0 binding
    // sms= and unknown parameters are ignored.
};

/// Parses the query options ("ep=dev1", "lt=300", "Q", ...), one string per
/// Uri-Query option. Errors: invalid_argument for an empty ep, an lt that is
/// not a decimal number in 1..2^32-1, an empty lwm2m, a binding with letters
/// other than U M H T S N Q (Core TS 1.2, 6.2.1.1; each at most once).
result<registration_params> parse_params(const std::vector<std::string>& queries);

/// One registration (Core TS 1.2, 6.2.1).
struct registration {
    std::string endpoint;               ///< unique key among registrations
    std::string id;                     ///< the {id} of the location /rd/{id}
    std::string lwm2m_version = "1.0";  ///< "1.0" when the client did not say
    std::uint32_t lifetime_s = 86400;   ///< lt (default 86400 s)
    std::string binding = "U";
    bool queue_mode = false;
    object_list objects;        ///< root path, ct= formats and objects
    peer_id peer;               ///< the runtime's opaque id of the client's transport address
    std::string address;        ///< the runtime's text for it ("udp://192.0.2.1:5683")
    time_ms registered_at = 0;  ///< caller's clock at the Register
    time_ms updated_at = 0;     ///< caller's clock at the Register or the last Update

    /// When the registration expires (updated_at + lifetime).
    time_ms expires_at() const noexcept {
        return updated_at + static_cast<time_ms>(lifetime_s) * 1000u;
    }
    friend bool operator==(const registration&, const registration&) = default;
};

}  // namespace sirocco::server
