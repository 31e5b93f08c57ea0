// DTLS 1.2 and TLS 1.2 sessions on mbedTLS 3.6 (built from Debian's source
// with DTLS Connection ID, RFC 9146: docs/security.md says why), driven
// sans-I/O: the caller feeds the bytes that arrived and sends the bytes the
// session gives back; the session never touches a socket or a clock.
//
//   session::client(cfg, creds, transport, now)   a client session; the
//                                                 ClientHello is ready at once
//   server_context::accept(transport, now)        a server session (TCP/TLS:
//                                                 per connection; DTLS: through
//                                                 dtls_server.hpp, which checks
//                                                 cookies and bounds handshakes)
//   s.on_receive(bytes, now)      one datagram (DTLS) or any stream piece (TLS)
//   s.poll_transmit()             records to send, until nullopt (a DTLS
//                                 flight is one datagram per record group)
//   s.poll_plaintext()            application data received, until nullopt
//                                 (DTLS: one CoAP datagram per call)
//   s.send(plaintext)             protect application data (only established)
//   s.on_timer(now) / next_deadline()   DTLS retransmission, handshake timeout
//   s.state(), s.identity()       handshaking/established/closed/failed; who
//                                 the peer proved to be
//
// Modes (LwM2M Core TS 1.2, 7.1; Security object /0/x/2):
//   psk   TLS_PSK_WITH_AES_128_CCM_8 first, then TLS_PSK_WITH_AES_128_CBC_SHA256
//         (the two suites LwM2M names), identity /0/x/3, key /0/x/5.
//   rpk   Raw Public Keys, ECDHE_ECDSA with AES_128_CCM_8 first, secp256r1.
//         mbedTLS has no RFC 7250 certificate-type extensions, so each side
//         sends its key inside a minimal self-signed certificate it makes at
//         start, and the other side checks ONLY the public key (the
//         SubjectPublicKeyInfo, DER) against the one it expects (/0/x/4 on
//         the client, the security store on the server); names, dates and
//         the signature of that certificate mean nothing. Interop with an
//         RFC 7250 peer (Leshan, Californium) is therefore not given.
//   x509  Certificates, ECDHE_ECDSA with AES_128_CCM_8 first; the chain is
//         checked against `ca_pem` with the certificate usage of /0/x/15
//         (RFC 6698 semantics: 0 CA constraint, 1 service certificate
//         constraint, 2 trust anchor assertion, 3 domain-issued certificate:
//         the peer's certificate must equal `peer_certificate_pem`, no chain).
//         In detail: 0 and 2 verify the chain against `ca_pem` (and the name
//         when `server_name` is set); 1 does that and also wants the leaf to
//         equal `peer_certificate_pem` when given (with `ca_pem` empty: only that
//         the leaf equals `peer_certificate_pem` and is within its dates); 3 wants the leaf to
//         equal `peer_certificate_pem`, or when that is empty one of the certificates in `ca_pem`,
//         with no chain, date or name check (RFC 7671 5.1). The server takes a client certificate
//         that chains to `server_policy::client_ca_pem` as an X.509 identity (subject CN), else one
//         whose key `rpk_known` knows as an RPK identity.
//
// Ownership: a session owns copies of everything it is given; bytes_view
// results of poll_* are valid until the next call on the same session.
//
// Threads: a session, and a server_context with every session it accepted,
// are used from one thread at a time (the server sessions share the
// context's RNG, session cache and cookie key). A server session keeps its
// context's shared state alive, so the context may be destroyed first.
//
// Errors (sirocco::errc): invalid_argument (bad credentials or input),
// not_allowed (the session is not in a state for the call, e.g. send()
// before established or after closed/failed), capacity_exceeded (a DTLS
// datagram larger than max_fragment), malformed (a fatal TLS error: the
// state is failed and failure()/failure_reason() say why).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"
#include "sirocco/coap/config.hpp"

namespace sirocco::runtime::tls {

using coap::time_ms;

enum class mode : std::uint8_t { psk, rpk, x509 };
enum class transport : std::uint8_t { datagram /* DTLS 1.2 */, stream /* TLS 1.2 */ };

/// "psk", "rpk", "x509"; parse_mode: invalid_argument for anything else.
std::string_view to_string(mode m) noexcept;
result<mode> parse_mode(std::string_view s);

/// What one side presents and what it expects of the other.
struct credentials {
    mode m = mode::psk;
    // --- psk ---
    std::string psk_identity;           ///< client: sent; server: unused (lookup)
    std::vector<std::uint8_t> psk_key;  ///< client: the key; server: unused
    // --- rpk and x509 ---
    std::string private_key_pem;  ///< our key (PEM; DER accepted too)
    std::string certificate_pem;  ///< x509: our certificate chain, leaf first
    // --- what we expect of the peer ---
    std::vector<std::uint8_t> peer_public_key;  ///< rpk client: the server's
                                                ///< SubjectPublicKeyInfo (DER), /0/x/4
    std::string ca_pem;                         ///< x509: trust anchors (usage 0, 1, 2)
    std::string peer_certificate_pem;           ///< x509 usage 3 (and 1): the exact certificate
    std::uint8_t certificate_usage = 3;         ///< /0/x/15, default 3 as the Core TS says
    std::string server_name;  ///< x509 client: host name checked (SNI too); "" no check
};

/// Loads a PEM or DER file's bytes; io_error naming the path.
result<std::string> read_file(const std::string& path);
/// The SubjectPublicKeyInfo (DER) of a private key, public key or certificate
/// given as PEM or DER (what an RPK store keeps). invalid_argument when the
/// input is none of those.
result<std::vector<std::uint8_t>> public_key_der(std::string_view pem_or_der);
/// A fresh secp256r1 key pair as PEM (private key); tests and `sirocco-server`
/// when no key is configured for RPK/X.509 listeners.
result<std::string> generate_ec_key();

/// Who the peer proved to be once established.
struct identity {
    mode m = mode::psk;
    std::string psk_identity;              ///< psk
    std::vector<std::uint8_t> public_key;  ///< rpk and x509: SubjectPublicKeyInfo DER
    std::string subject_cn;                ///< x509: the leaf's Common Name
};

/// How a server decides (called during the handshake, on the caller's thread).
struct server_policy {
    /// The key of a PSK identity; nullopt: unknown identity (handshake fails
    /// with unknown_psk_identity, the session's failure says so).
    std::function<std::optional<std::vector<std::uint8_t>>(std::string_view psk_identity)> psk_key;
    /// RPK: whether a client's public key (SPKI DER) is known.
    std::function<bool(const std::vector<std::uint8_t>& spki)> rpk_known;
    /// X.509: client certificates are verified against this CA bundle (PEM);
    /// empty: X.509 clients are refused.
    std::string client_ca_pem;
};

/// Limits and timers (defaults suit LwM2M over constrained links).
struct config {
    /// DTLS handshake retransmission (RFC 6347 4.2.4): first and maximum.
    time_ms retransmit_min_ms = 1000;
    time_ms retransmit_max_ms = 8000;
    /// A handshake not finished after this fails (state failed, "handshake timeout").
    time_ms handshake_timeout_ms = 30000;
    /// DTLS Connection ID (RFC 9146): the length of the CID we ask the peer
    /// to put in records it sends us (0: no CID; a server uses a fixed
    /// length so dtls_server can find the session of a record by it).
    std::uint8_t cid_length = 0;
    /// Client: a session (ticket-less cache of the server's session id and
    /// master secret) to resume; session::saved() gives it after a handshake.
    std::vector<std::uint8_t> resume;
    /// Largest application payload of one DTLS record, i.e. the largest
    /// CoAP datagram send() takes (1024-byte block + CoAP header and options);
    /// the datagram carrying it is at most ~110 bytes larger (record header,
    /// CID, IV, MAC). Handshake messages are fragmented to the same size.
    std::size_t max_fragment = 1152;
    /// Server: resumable sessions kept (session-id cache, RFC 5246 7.3), the
    /// oldest dropped first; 0 disables resumption. Entries older than
    /// session_lifetime_ms (measured with the `now` of the calls) are not
    /// resumed.
    std::size_t session_cache_size = 16384;
    time_ms session_lifetime_ms = 24ull * 3600 * 1000;
};

enum class state : std::uint8_t { handshaking, established, closed, failed };

/// Why a handshake or session failed, for logs and tests.
enum class failure : std::uint8_t {
    none,
    unknown_identity,  ///< PSK identity / RPK key not known to the server
    bad_key,           ///< wrong PSK (Finished did not verify), bad record MAC
    bad_certificate,   ///< chain, CA, usage, name or RPK key mismatch
    timeout,           ///< handshake_timeout_ms passed
    peer_closed,       ///< close_notify or fatal alert from the peer
    protocol,          ///< anything else the TLS library refused
};
std::string_view to_string(failure f) noexcept;

class server_context;

class session {
  public:
    /// A client session; the first flight (ClientHello) is ready in
    /// poll_transmit(). Errors: invalid_argument (missing or unreadable key,
    /// certificate or CA: the reason names which).
    static result<std::unique_ptr<session>> client(const config& cfg, const credentials& creds,
                                                   transport t, time_ms now);
    virtual ~session() = default;

    /// Bytes from the peer: one whole datagram (DTLS) or any piece of the
    /// stream (TLS). Handshake messages advance the handshake; application
    /// data becomes poll_plaintext(). A record that does not authenticate is
    /// dropped (DTLS) as RFC 6347 4.1.2.7 says; a fatal error makes the state
    /// failed. Errors: invalid_state (closed/failed), protocol (fatal).
    virtual result<void> on_receive(bytes_view wire, time_ms now) = 0;
    /// Application data to protect and send (established only). DTLS: one
    /// CoAP datagram, at most max_fragment bytes. Errors: invalid_state,
    /// too_large.
    virtual result<void> send(bytes_view plaintext, time_ms now) = 0;
    /// Sends close_notify; state closed.
    virtual void close(time_ms now) = 0;
    virtual void on_timer(time_ms now) = 0;
    virtual std::optional<time_ms> next_deadline() const = 0;

    /// Bytes to send to the peer; each one datagram (DTLS) or a stream piece.
    virtual std::optional<bytes_view> poll_transmit() = 0;
    /// Application data received, one datagram's worth at a time (DTLS) or
    /// what the records carried (TLS).
    virtual std::optional<bytes_view> poll_plaintext() = 0;

    virtual tls::state state() const noexcept = 0;
    virtual tls::failure failure() const noexcept = 0;
    /// The TLS library's words for the failure (for logs), "" otherwise.
    virtual std::string failure_reason() const = 0;
    /// Valid once established.
    virtual const tls::identity& identity() const noexcept = 0;
    /// Whether both sides negotiated a Connection ID (DTLS).
    virtual bool cid_in_use() const noexcept = 0;
    /// Whether the last handshake resumed a session (abbreviated handshake).
    virtual bool resumed() const noexcept = 0;
    /// Client: the session to pass as config::resume next time (empty when
    /// not established).
    virtual std::vector<std::uint8_t> saved() const = 0;
    /// The Connection ID the peer puts in records it sends us (DTLS with
    /// cid_length > 0; empty otherwise). dtls_server finds sessions by it.
    virtual bytes_view local_cid() const noexcept = 0;
};

/// What every server session shares: our credentials for RPK/X.509, the
/// policy, the session cache for resumption, the cookie key (DTLS), the RNG.
class server_context {
  public:
    /// `ours`: the server's key and certificate for rpk/x509 (may be empty
    /// for a PSK-only server). Errors: invalid_argument (bad key/cert).
    static result<std::unique_ptr<server_context>> create(const config& cfg, credentials ours,
                                                          server_policy policy);
    virtual ~server_context() = default;
    /// A server session waiting for a ClientHello. For DTLS, use
    /// dtls_server (which verifies the cookie first); `client_id` is the
    /// transport address bound into the cookie (e.g. "127.0.0.1:4567").
    virtual result<std::unique_ptr<session>> accept(transport t, std::string_view client_id,
                                                    time_ms now) = 0;
    /// Stateless cookie exchange (RFC 6347 4.2.1): for a ClientHello without
    /// a valid cookie from `client_id`, the HelloVerifyRequest to send back
    /// in `reply` (no state kept); `valid` when `datagram` starts with a
    /// ClientHello carrying a valid cookie (go on: accept() and feed it);
    /// neither (valid false, reply empty) when it is not a ClientHello in
    /// epoch 0 or is malformed (drop it).
    struct cookie_check {
        bool valid = false;               ///< go on: accept() and feed it
        std::vector<std::uint8_t> reply;  ///< HelloVerifyRequest, when not valid
    };
    virtual cookie_check check_cookie(bytes_view datagram, std::string_view client_id) = 0;
    /// Forgets every resumable session, so that the next handshake of each
    /// client is a full one and meets the policy as it is now (call it when a
    /// PSK identity, key or certificate was removed or changed). Established
    /// sessions are not touched.
    virtual void clear_session_cache() = 0;
};

}  // namespace sirocco::runtime::tls
