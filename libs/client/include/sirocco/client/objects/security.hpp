// LwM2M Security object (/0, Core TS 1.2, E.1): one instance per server
// account (LwM2M servers and the bootstrap server). Its resources have no
// operations for LwM2M servers (only the bootstrap interface and the device
// itself touch them), so the table's ops are none and Device Management
// requests to /0 are refused by the data model.
//
// Usage:
//   client::security sec;
//   sec.add_server(0, "coap://leshan.example:5683", 101);          // NoSec
//   sec.add_server(1, "coaps://s.example:5684", 102, security_mode::psk,
//                  "ep-1", key_bytes);
//   dm.add(sec);
//   ...
//   // The runtime, when the engine asks it to open the transport of 102:
//   auto acc = sec.account_of(102);   // mode, identity, keys: views
//
// What each mode keeps where (E.1, and the transport of runtime/
// secure_transport.hpp that reads it):
//   mode          /3 identity            /4 server public key      /5 secret key
//   psk (0)       PSK identity (bytes)   -                         PSK (bytes)
//   rpk (1)       our public key         the server's public key   our private key
//                 (SubjectPublicKeyInfo  (SubjectPublicKeyInfo     (DER: SEC1 or
//                 DER)                   DER)                      PKCS#8)
//   certificate   our certificate (DER)  the server's certificate  our private key
//   (2)                                  or trust anchor (DER), as (DER)
//                                        /15 certificate usage says
//   no_sec (3)    -                      -                         -
// /14 SNI (optional) names the host the server's certificate is checked
// against; /15 Certificate Usage (RFC 6698: 0 CA constraint, 1 service
// certificate constraint, 2 trust anchor assertion, 3 domain-issued
// certificate; absent: 3, as E.1 says).
//
// Storage: two variants of one class, so a device pays only for what it
// uses (each value is stored in place, stored_object.hpp):
//   security        SIROCCO_CLIENT_KEY_SIZE (32) bytes for /3, /4 and /5:
//                   NoSec and PSK; ~100 bytes of keys per instance.
//   security_pki    SIROCCO_CLIENT_CERT_SIZE (1024) bytes for /3 and /4,
//                   SIROCCO_CLIENT_PRIVATE_KEY_SIZE (200) for /5: RPK and
//                   X.509 with EC P-256 keys (a CA-signed P-256 certificate
//                   is 400-600 bytes of DER, a PKCS#8 key 138).
// Both hold SIROCCO_CLIENT_MAX_SERVERS + 1 instances (objects/config.hpp)
// and share every function (security_object); the engine and the runtime
// see either through the object interface or security_object&.
#pragma once

#include <optional>
#include <string_view>

#include "sirocco/client/objects/config.hpp"
#include "sirocco/client/stored_object.hpp"

/// Bytes of a certificate or public key in security_pki (/0/x/3, /0/x/4).
#ifndef SIROCCO_CLIENT_CERT_SIZE
#define SIROCCO_CLIENT_CERT_SIZE 1024
#endif
/// Bytes of a private key in security_pki (/0/x/5).
#ifndef SIROCCO_CLIENT_PRIVATE_KEY_SIZE
#define SIROCCO_CLIENT_PRIVATE_KEY_SIZE 200
#endif

namespace sirocco::client {

/// /0/x/2 Security Mode.
enum class security_mode : std::uint8_t { psk = 0, rpk = 1, certificate = 2, no_sec = 3, est = 4 };

namespace security_res {
inline constexpr std::uint16_t uri = 0, bootstrap = 1, mode = 2, identity = 3,
                               server_public_key = 4, secret_key = 5, short_server_id = 10,
                               client_hold_off = 11, bootstrap_account_timeout = 12,
                               matching_type = 13, sni = 14, certificate_usage = 15,
                               ciphersuite = 16;
}

inline constexpr operations no_ops = operations::none;

/// The resource table with `IdentityBytes` of storage for /3,
/// `ServerKeyBytes` for /4 and `SecretKeyBytes` for /5.
template <std::uint16_t IdentityBytes, std::uint16_t ServerKeyBytes, std::uint16_t SecretKeyBytes>
inline constexpr resource_def security_resources_sized[] = {
    res(0, no_ops, data_type::string).size(SIROCCO_CLIENT_MAX_URI).must(),
    res(1, no_ops, data_type::boolean).must(),
    res(2, no_ops, data_type::integer).must(),
    res(3, no_ops, data_type::opaque).size(IdentityBytes).must(),
    res(4, no_ops, data_type::opaque).size(ServerKeyBytes).must(),
    res(5, no_ops, data_type::opaque).size(SecretKeyBytes).must(),
    res(10, no_ops, data_type::integer),
    res(11, no_ops, data_type::integer),
    res(12, no_ops, data_type::integer),
    res(13, no_ops, data_type::unsigned_integer),
    res(14, no_ops, data_type::string).size(SIROCCO_CLIENT_MAX_URI / 2),
    res(15, no_ops, data_type::unsigned_integer),
    res(16, no_ops, data_type::unsigned_integer).multi(4),
};
template <std::uint16_t IdentityBytes, std::uint16_t ServerKeyBytes, std::uint16_t SecretKeyBytes>
inline constexpr object_def security_def_sized{
    0, "1.1", true, security_resources_sized<IdentityBytes, ServerKeyBytes, SecretKeyBytes>};

/// The table of `security` (PSK-sized keys).
inline constexpr const object_def& security_def =
    security_def_sized<SIROCCO_CLIENT_KEY_SIZE, SIROCCO_CLIENT_KEY_SIZE, SIROCCO_CLIENT_KEY_SIZE>;
/// The table of `security_pki` (certificate-sized keys).
inline constexpr const object_def& security_pki_def =
    security_def_sized<SIROCCO_CLIENT_CERT_SIZE, SIROCCO_CLIENT_CERT_SIZE,
                       SIROCCO_CLIENT_PRIVATE_KEY_SIZE>;

/// What one Security instance says about reaching its server: what the
/// runtime needs to open the transport. Every view points into the object's
/// storage and stays valid until that resource changes (a local set or a
/// bootstrap write) or the instance is removed: copy what must live longer.
struct security_account {
    std::uint16_t iid = 0;
    std::string_view uri;                        ///< /0/x/0
    bool bootstrap = false;                      ///< /0/x/1
    security_mode mode = security_mode::no_sec;  ///< /0/x/2
    bytes_view identity;                         ///< /0/x/3 (see the table above)
    bytes_view server_public_key;                ///< /0/x/4
    bytes_view secret_key;                       ///< /0/x/5
    std::optional<ssid> short_server_id;         ///< /0/x/10 (absent for the bootstrap account)
    std::string_view sni;                        ///< /0/x/14 ("" when absent)
    std::uint8_t certificate_usage = 3;          ///< /0/x/15 (3 when absent)
};

/// The keys of one account, for set_keys(). Views, copied during the call.
struct security_keys {
    security_mode mode = security_mode::no_sec;
    bytes_view identity;           ///< /3
    bytes_view server_public_key;  ///< /4
    bytes_view secret_key;         ///< /5
    /// /15; nullopt: left absent (3 applies).
    std::optional<std::uint8_t> certificate_usage;
    /// /14; "": left absent.
    std::string_view sni;
};

/// Every function of the Security object, on storage a subclass gives
/// (security, security_pki below). Device-side: no heap; nothing here
/// allocates or copies more than the values it stores.
class security_object : public stored_object_base {
  public:
    /// Adds a LwM2M server account as instance `iid`: URI, Short Server ID,
    /// mode, and for PSK the identity and key (copied). Errors:
    /// capacity_exceeded, invalid_argument (iid in use), out_of_range (a
    /// value longer than its storage). A failed call leaves no instance.
    result<void> add_server(std::uint16_t iid, std::string_view uri, ssid server,
                            security_mode mode = security_mode::no_sec,
                            std::string_view identity = {}, bytes_view key = {}) noexcept;
    /// Adds the bootstrap server account (/0/x/1 true, no Short Server ID).
    result<void> add_bootstrap(std::uint16_t iid, std::string_view uri,
                               security_mode mode = security_mode::no_sec) noexcept;
    /// Sets the mode and keys of instance `iid` (/2, /3, /4, /5, and /14,
    /// /15 when given; absent ones are cleared). Errors: not_found (no such
    /// instance), invalid_argument (certificate usage above 3, mode est:
    /// not supported), out_of_range (a value longer than its storage, e.g. a
    /// certificate in `security`: use security_pki). On error the instance
    /// may hold some of the new values: set it again or remove it.
    result<void> set_keys(std::uint16_t iid, const security_keys& k) noexcept;

    /// The instance holding Short Server ID `server`, if any.
    std::optional<std::uint16_t> find_server(ssid server) const noexcept;
    /// URI of instance `iid` ("" when absent); points into this object.
    std::string_view uri(std::uint16_t iid) const noexcept;
    bool is_bootstrap(std::uint16_t iid) const noexcept;

    /// Everything instance `iid` holds about its server (views, see
    /// security_account). Errors: not_found (no such instance),
    /// malformed (/2 outside 0..4, /15 outside 0..3: written by a bootstrap
    /// server, the account is unusable).
    result<security_account> account(std::uint16_t iid) const noexcept;
    /// The account of the LwM2M server with Short Server ID `server` (the
    /// bootstrap account is never returned). Errors: not_found, and those of
    /// account().
    result<security_account> account_of(ssid server) const noexcept;

  protected:
    using stored_object_base::stored_object_base;
    ~security_object() = default;
};

/// A Security object over the table `Def` with `MaxInstances` instances.
template <const object_def& Def, std::size_t MaxInstances>
class basic_security final : public security_object {
    using L = stored_layout<Def>;
    static_assert(MaxInstances >= 1 && MaxInstances < 65535);

  public:
    static constexpr std::size_t max_instances = MaxInstances;
    static constexpr std::size_t bytes_per_instance = L::slot_bytes;

    basic_security() noexcept
        : security_object(Def, L::value, storage_, static_cast<std::uint16_t>(MaxInstances)) {}

  private:
    alignas(2) std::uint8_t storage_[MaxInstances * L::slot_bytes] = {};
};

/// NoSec and PSK accounts (32-byte identity and keys by default).
using security = basic_security<security_def, SIROCCO_CLIENT_MAX_SERVERS + 1>;
/// Also RPK and X.509 accounts (certificate-sized /3 and /4).
using security_pki = basic_security<security_pki_def, SIROCCO_CLIENT_MAX_SERVERS + 1>;

}  // namespace sirocco::client
