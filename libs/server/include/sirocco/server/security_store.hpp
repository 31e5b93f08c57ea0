// Who may be whom: the server's security store (issue 8). One entry per
// endpoint says how that endpoint authenticates over DTLS / TLS (LwM2M Core
// TS 1.2, 7.1; the Security object's modes /0/x/2):
//   psk   a PSK identity and its key (RFC 4279); identities are unique
//         across endpoints, so a handshake's identity names one endpoint;
//   rpk   the client's raw public key (RFC 7250), kept as its
//         SubjectPublicKeyInfo DER (RFC 5280 4.1.2.7); keys are unique too;
//   x509  a certificate whose subject Common Name is the endpoint, issued by
//         the CA the server trusts (nothing else is stored).
// The runtime binds each authenticated session to the endpoint of the entry
// its identity matches and refuses (4.03) a Register as any other endpoint;
// an endpoint that has an entry may not register over plain CoAP (UDP, TCP).
// This is the shape of Leshan's SecurityInfo / EditableSecurityStore and of
// the REST API of its demo server (docs/rest-api.md).
//
// Host-only (std containers): values in, values out; every function copies,
// nothing returned points into the store. Not thread-safe: one thread at a
// time (the runtime guards it with a mutex).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"

namespace sirocco::server {

enum class security_mode : std::uint8_t { psk, rpk, x509 };

/// "psk", "rpk", "x509".
std::string_view to_string(security_mode m) noexcept;
/// The inverse of to_string(); nullopt for anything else.
std::optional<security_mode> parse_security_mode(std::string_view s) noexcept;

/// Limits checked by check_entry() (and so by every store's put()).
struct security_limits {
    static constexpr std::size_t max_endpoint = 255;      ///< bytes of the endpoint name
    static constexpr std::size_t max_psk_identity = 128;  ///< bytes (RFC 4279 allows 2^16-1;
                                                          ///< LwM2M clients use short names)
    static constexpr std::size_t max_psk_key = 64;        ///< bytes (mbedTLS MBEDTLS_PSK_MAX_LEN)
    static constexpr std::size_t max_public_key = 1024;   ///< bytes of SPKI DER
};

struct security_entry {
    std::string endpoint;
    security_mode mode = security_mode::psk;
    std::string psk_identity;              ///< psk only (empty otherwise)
    std::vector<std::uint8_t> psk_key;     ///< psk only
    std::vector<std::uint8_t> public_key;  ///< rpk only: SubjectPublicKeyInfo DER

    friend bool operator==(const security_entry&, const security_entry&) = default;
};

/// Whether an entry is well-formed on its own (no store lookups):
/// endpoint 1..max_endpoint bytes without control characters; psk: identity
/// 1..max_psk_identity bytes, key 1..max_psk_key bytes, no public key; rpk: a
/// public key that is one DER SEQUENCE (tag 0x30, definite length covering
/// exactly the bytes given, at most max_public_key) holding an
/// AlgorithmIdentifier SEQUENCE and a BIT STRING, no PSK fields; x509: no
/// PSK or key fields. Errors: invalid_argument; the reason starts with the
/// JSON field the REST API reads it from ("endpoint: ...",
/// "tls.details.identity: ...", "tls.details.key: ...").
result<void> check_entry(const security_entry& e);

/// What put() did.
enum class put_outcome : std::uint8_t { created, replaced };

class security_store {
  public:
    virtual ~security_store() = default;

    /// Adds the entry of e.endpoint or replaces it (any mode for any mode).
    /// Errors: those of check_entry(); not_allowed when the PSK identity
    /// ("tls.details.identity: already used by another endpoint") or the
    /// public key ("tls.details.key: already used by another endpoint") is
    /// another endpoint's; a persistent store may add io_error. On error the
    /// store is unchanged.
    virtual result<put_outcome> put(const security_entry& e) = 0;
    virtual std::optional<security_entry> get(std::string_view endpoint) const = 0;
    /// Removes and returns the entry of `endpoint`. Errors: not_found
    /// (io_error for a persistent store).
    virtual result<security_entry> remove(std::string_view endpoint) = 0;
    /// Every entry, ordered by endpoint.
    virtual std::vector<security_entry> list() const = 0;
    /// The psk entry with this identity (exact bytes, case-sensitive).
    virtual std::optional<security_entry> find_by_psk_identity(std::string_view identity) const = 0;
    /// The rpk entry with this SubjectPublicKeyInfo DER (exact bytes).
    virtual std::optional<security_entry> find_by_public_key(bytes_view spki) const = 0;
};

/// Entries in memory (lost at exit). Lookups are O(log n).
class memory_security_store final : public security_store {
  public:
    result<put_outcome> put(const security_entry& e) override;
    std::optional<security_entry> get(std::string_view endpoint) const override;
    result<security_entry> remove(std::string_view endpoint) override;
    std::vector<security_entry> list() const override;
    std::optional<security_entry> find_by_psk_identity(std::string_view identity) const override;
    std::optional<security_entry> find_by_public_key(bytes_view spki) const override;
    std::size_t size() const noexcept { return by_endpoint_.size(); }

  private:
    std::map<std::string, security_entry, std::less<>> by_endpoint_;
    std::map<std::string, std::string, std::less<>> by_identity_;  ///< identity -> endpoint
    /// SPKI bytes (as chars) -> endpoint. A std::string key: g++ 12 -O3
    /// warns falsely (-Wstringop-overread) on std::less of byte vectors.
    std::map<std::string, std::string, std::less<>> by_key_;
};

}  // namespace sirocco::server
