// The server side of DTLS on one UDP socket, sans-I/O: many sessions,
// found by the sender's address or, for records carrying a Connection ID
// (RFC 9146, content type 25), by that CID, so that a client whose address
// changed (NAT rebinding) keeps its session; the session's address moves to
// the new one once a record from there authenticated (RFC 9146 6).
//
// What a stranger can cost is bounded (RFC 6347 4.2.1, docs/security.md):
//  - a ClientHello without a valid cookie gets a stateless HelloVerifyRequest
//    and leaves nothing behind;
//  - at most `max_handshakes` sessions may be handshaking at once (further
//    ClientHellos are dropped, counted in stats::refused_busy), each for at
//    most config::handshake_timeout_ms;
//  - at most `max_sessions` established sessions (the least recently heard
//    from is dropped for a new one); with `idle_timeout_ms`, a session that
//    sent no application data for that long is closed (close_notify, event
//    closed "idle timeout"), e.g. the one a client left behind when its
//    address changed without a CID;
//  - anything else from an unknown address (application data, alerts,
//    garbage) is dropped without a reply.
//
//   on_datagram(from, bytes, now)  a datagram; from is the runtime's address
//                                  text ("1.2.3.4:5683", "[::1]:5683")
//   poll_transmit() -> {to, bytes} datagrams to send, until nullopt
//   poll_event() -> event          established / data / closed / moved / refused
//   send(id, plaintext, now)       protect and queue a CoAP datagram
//   close(id, now)                 close_notify and forget
//   on_timer(now), next_deadline() retransmissions and timeouts of all sessions
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"
#include "sirocco/runtime/tls.hpp"

namespace sirocco::runtime::tls {

struct dtls_server_limits {
    std::size_t max_handshakes = 256;
    std::size_t max_sessions = 200000;
    /// 0: never. Otherwise longer than any registration lifetime the server
    /// grants (a queue-mode client may stay silent until its Update).
    time_ms idle_timeout_ms = 0;
};

class dtls_server {
  public:
    using session_id = std::uint32_t;  ///< never reused while the server lives

    enum class event_kind : std::uint8_t {
        established,  ///< `id`, `address`, `who` (identity), `resumed`, `cid`
        data,         ///< `id`, `address`, `payload`: one CoAP datagram
        closed,       ///< `id`, `address`, `reason`: close_notify, fatal alert, timeout, evicted
        moved,        ///< `id`, `address` (the new one), `previous`: CID session changed address
        refused,      ///< `address`, `reason`, `fail`: a handshake that failed (wrong
                      ///< PSK, unknown identity, bad certificate, timeout): log it
    };
    struct event {
        event_kind kind = event_kind::data;
        session_id id = 0;
        std::string address;
        std::string previous;
        std::vector<std::uint8_t> payload;
        tls::identity who;
        tls::failure fail = tls::failure::none;
        std::string reason;
        bool resumed = false;
        bool cid = false;
    };
    struct datagram {
        std::string to;
        std::vector<std::uint8_t> bytes;
    };
    struct stats {
        std::uint64_t hello_verify_sent = 0;  ///< stateless cookie replies
        std::uint64_t handshakes_started = 0;
        std::uint64_t handshakes_completed = 0;
        std::uint64_t handshakes_failed = 0;
        std::uint64_t refused_busy = 0;  ///< ClientHellos dropped at max_handshakes
        std::uint64_t dropped = 0;       ///< datagrams dropped (unknown peer, bad record)
        std::size_t handshaking = 0;     ///< now
        std::size_t sessions = 0;        ///< established now
    };

    /// `ctx` is shared with TLS listeners (same credentials and policy).
    dtls_server(std::shared_ptr<server_context> ctx, config cfg, dtls_server_limits limits);
    ~dtls_server();
    dtls_server(const dtls_server&) = delete;
    dtls_server& operator=(const dtls_server&) = delete;

    void on_datagram(std::string_view from, bytes_view bytes, time_ms now);
    std::optional<datagram> poll_transmit();
    std::optional<event> poll_event();
    /// Errors: not_found (no such established session), those of session::send.
    result<void> send(session_id id, bytes_view plaintext, time_ms now);
    void close(session_id id, time_ms now);
    void on_timer(time_ms now);
    std::optional<time_ms> next_deadline() const;

    /// The address a session is reached at now; nullopt when unknown.
    std::optional<std::string> address_of(session_id id) const;
    const tls::identity* identity_of(session_id id) const;
    stats counters() const;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace sirocco::runtime::tls
