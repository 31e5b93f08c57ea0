// The sans-I/O LwM2M server engine: the Registration interface (Core TS
// 1.2, 6.2: Register, Update, De-register, lifetime expiry) over one
// coap::engine in the server role that serves many clients (peers).
//
// Shape (like coap::engine and client::client): the runtime owns sockets and
// the clock.
//   on_receive(peer, bytes, now)   a datagram from a client (the peer is
//                                  opened on first use, datagram framing;
//                                  open_peer() first to give its address)
//   on_timer(now)                  when next_deadline() has passed: CoAP
//                                  retransmissions and registration expiry
//   poll_transmit(buf)             datagrams out, until nullopt
//   poll_event()                   what happened, until nullopt
//
// Answers (Core TS 1.2, 6.2 and Table 6.2.1-1 etc.):
//   POST /rd?ep=..&lt=..&lwm2m=..&b=..&Q   2.01 Created, Location-Path rd/{id}
//     4.00 missing ep, bad lt/b, object list that does not parse;
//     4.12 an lwm2m version other than 1.0 / 1.1 / 1.2;
//     4.15 a Content-Format other than 40 (link format).
//     An endpoint already registered is replaced: event `replaced` (the old
//     registration, whose observations must be cancelled), then `registered`.
//   POST /rd/{id}[?lt=..&b=..&Q]  Update, 2.04 Changed; 4.04 unknown id; 4.00 bad params.
//   DELETE /rd/{id}               2.02 Deleted; 4.04 unknown id.
//   other methods on /rd...       4.05 Method Not Allowed.
//   anything else (POST /dp Send, ...): event `request`; answer it with respond().
// Block1 uploads of an object list are reassembled (one per peer at a time,
// at most 64 KiB: 4.13 beyond).
//
// Host-side: events carry copies (std::string / vector), valid as long as
// the caller keeps them. Registrations live in a registration_store the
// caller lends (it must outlive the engine).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"
#include "sirocco/coap/engine.hpp"
#include "sirocco/server/registration.hpp"
#include "sirocco/server/registration_store.hpp"

namespace sirocco::server {

enum class event_kind : std::uint8_t {
    registered,    ///< `reg`: the new registration
    updated,       ///< `reg`: after the Update; `previous`: before it
    deregistered,  ///< `reg`: the removed registration (De-register)
    expired,       ///< `reg`: removed because its lifetime ran out
    replaced,      ///< `reg`: the old registration of an endpoint that registered again
                   ///< (cancel its observations); a `registered` event follows
    request,       ///< a request the engine does not handle: `request`, `peer`,
                   ///< `code`, `uri_path`, `uri_query`, `content_format`, `payload`
};

struct event {
    event_kind kind = event_kind::registered;
    registration reg;
    std::optional<registration> previous;
    // kind == request:
    peer_id peer;
    coap::request_id request;
    coap::code code;
    std::vector<std::string> uri_path;   ///< {"dp"}
    std::vector<std::string> uri_query;  ///< {"a=1"}
    std::optional<std::uint32_t> content_format;
    std::vector<std::uint8_t> payload;
};

struct server_config {
    /// CoAP parameters; coap.rng must be set (it also draws registration ids).
    coap::config coap;
    /// Extra time after a lifetime ends before the registration expires.
    time_ms expiry_grace_ms = 0;
};

class server_engine {
  public:
    /// `store` is borrowed and must outlive the engine.
    server_engine(const server_config& cfg, registration_store& store);
    server_engine(const server_engine&) = delete;
    server_engine& operator=(const server_engine&) = delete;

    /// Opens a peer with its framing and the runtime's text for its address
    /// (copied into registrations made over it). When all
    /// coap::limits::peers slots are taken, the peer heard from least
    /// recently is closed first (its registrations stay; its CoAP state, such
    /// as duplicate detection and unanswered requests, is lost).
    /// Errors: invalid_argument (the peer is already open).
    result<void> open_peer(peer_id peer, coap::framing f, std::string_view address, time_ms now);
    /// Forgets a peer's CoAP state (its registrations stay until they expire).
    void close_peer(peer_id peer);

    /// Feeds one datagram (or stream piece) from `peer`, opening it as a
    /// datagram peer when unknown. Errors: those of open_peer and of
    /// coap::engine::on_receive (not_found, capacity_exceeded).
    result<std::size_t> on_receive(peer_id peer, bytes_view bytes, time_ms now);
    /// CoAP timers, then expiry: registrations whose expires_at() +
    /// expiry_grace_ms <= now are removed with an `expired` event.
    void on_timer(time_ms now);
    /// The earliest time on_timer() has work; nullopt when none.
    std::optional<time_ms> next_deadline() const;

    /// Next datagram for the network into `out` (>= coap::limits::max_pdu bytes).
    std::optional<coap::transmit> poll_transmit(mutable_bytes out);
    std::optional<event> poll_event();

    /// Answers a `request` event (body read during the call). Errors: those
    /// of coap::engine::respond.
    result<void> respond(coap::request_id r, coap::code c, bytes_view body, time_ms now,
                         std::optional<std::uint16_t> content_format = {});

    /// The CoAP engine, for the device management requests of issue 6.
    coap::engine& coap() noexcept { return coap_; }
    registration_store& store() noexcept { return store_; }

  private:
    void drain(time_ms now);
    void handle_request(const coap::event& e, time_ms now);
    void handle_register(const coap::event& e, std::string_view body, time_ms now);
    void handle_update(const coap::event& e, const std::string& id, std::string_view body,
                       time_ms now);
    void handle_delete(const coap::event& e, const std::string& id, time_ms now);
    void answer(const coap::event& e, coap::code c, std::string_view diagnostic, time_ms now,
                const std::string* location_id = nullptr);
    std::string new_id();

    server_config cfg_;
    registration_store& store_;
    coap::engine coap_;
    std::deque<event> events_;
    struct peer_info {
        std::string address;
        time_ms last_heard = 0;
    };
    std::map<std::uint32_t, peer_info> peers_;
    std::map<std::uint32_t, std::string> uploads_;  ///< Block1 reassembly per peer
};

}  // namespace sirocco::server
