// The client side of coaps:// and coaps+tcp:// (docs/transports.md): what
// the runtime makes of a Security object instance (/0/x, Core TS 1.2 E.1,
// 7.1) and one DTLS or TLS session of a server account, over whatever
// carries its bytes (client_runner: its UDP socket for DTLS, a TCP
// connection of stream_transport.hpp for TLS). Host-only.
//
//   credentials_from(account, host)  Security instance -> tls::credentials
//   secure_link l(t, creds, cfg, hooks); l.start(now)
//   l.on_wire(bytes, now)      what arrived (one datagram, or stream bytes)
//   l.send(plaintext, now)     a CoAP message (established only)
//   l.on_timer(now)            when l.next_deadline() has passed
// The hooks are called from inside these calls: `wire` for every record to
// send, `established` once per handshake, `plaintext` for every CoAP
// datagram (DTLS) or piece of stream (TLS) received, `failed` once when the
// session ends (handshake refused, timeout, alert, close_notify).
//
// Key material, as the Security object keeps it (DER) and as sirocco-client
// reads it from files (PEM or DER), goes through pem_to_der()/der_to_pem().
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
#include "sirocco/client/objects/security.hpp"
#include "sirocco/runtime/tls.hpp"

namespace sirocco::runtime {

using coap::time_ms;

/// The tls::credentials of a Security instance, for a server reached at
/// `host` (the URI's host: the name an X.509 server certificate is checked
/// against when /0/x/14 SNI is absent):
///   psk          identity /3, key /5
///   rpk          private key /5 (DER), the server's public key /4 (its
///                SubjectPublicKeyInfo; a certificate or PEM is reduced to it)
///   certificate  certificate /3 and private key /5 (DER), /4 with the usage
///                /15: 0, 2 -> trust anchor(s) (ca_pem); 1, 3 ->
///                the server's own certificate (peer_certificate_pem)
/// Errors: invalid_argument naming what is missing or wrong (mode NoSec or
/// EST for a secure transport, an empty identity or key, /4 not a key).
result<tls::credentials> credentials_from(const client::security_account& a, std::string_view host);

/// DER of the certificates, keys or public keys in `text`: PEM blocks
/// decoded and concatenated in order, or `text` as is when it holds no PEM
/// block (already DER). Errors: malformed (a PEM block that does not decode).
result<std::vector<std::uint8_t>> pem_to_der(std::string_view text);
/// PEM of one or more concatenated DER objects (each an ASN.1 SEQUENCE),
/// each as a block with `label` ("CERTIFICATE"). Errors: malformed (not a
/// sequence of DER SEQUENCEs).
result<std::string> der_to_pem(bytes_view der, std::string_view label);

/// One client DTLS or TLS session and the plumbing around it.
class secure_link {
  public:
    struct hooks {
        std::function<void(bytes_view)> wire;       ///< bytes for the peer
        std::function<void()> established;          ///< handshake done
        std::function<void(bytes_view)> plaintext;  ///< application data in
        std::function<void(tls::failure, std::string_view reason)> failed;
    };

    secure_link(tls::transport t, tls::credentials creds, tls::config cfg, hooks h);
    secure_link(const secure_link&) = delete;
    secure_link& operator=(const secure_link&) = delete;
    ~secure_link();

    /// Starts the handshake (ClientHello through `wire`). Errors: those of
    /// tls::session::client (invalid_argument: a key or certificate that
    /// does not load).
    result<void> start(time_ms now);
    void on_wire(bytes_view bytes, time_ms now);
    /// Errors: not_allowed (not established), capacity_exceeded (a DTLS
    /// datagram above max_fragment), those of tls::session::send.
    result<void> send(bytes_view plaintext, time_ms now);
    void on_timer(time_ms now);
    std::optional<time_ms> next_deadline() const;
    /// close_notify (through `wire`); no hook is called afterwards.
    void close(time_ms now);

    bool established() const noexcept;
    /// nullptr before start().
    const tls::session* session() const noexcept { return session_.get(); }
    /// The session to resume next time (empty before established).
    std::vector<std::uint8_t> saved() const;

  private:
    void drain();
    tls::transport transport_;
    tls::credentials creds_;
    tls::config cfg_;
    hooks hooks_;
    std::unique_ptr<tls::session> session_;
    bool told_established_ = false;
    bool told_failed_ = false;
    bool closing_ = false;
    // Hooks may destroy this link (a failure handler that forgets it): every
    // call checks `alive_` after each hook.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sirocco::runtime
