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
#include "sirocco/lwm2m/model.hpp"
#include "sirocco/server/dm.hpp"
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
    // --- device management (issue 6) ---
    response,      ///< `handle`, `endpoint`, `result`: the one answer to send()
    notification,  ///< `endpoint`, `obs` (the observation), `result` (records, format)
    send,          ///< `endpoint`, `reg`, `result.records`: a Send (POST /dp), answered 2.04
    sleeping,      ///< `reg`: a queue-mode device is now considered asleep
    awake,         ///< `reg`: a queue-mode device was heard from
    observation_cancelled,  ///< `endpoint`, `obs`: ended (RST, error notification,
                            ///< registration gone, cancel request)
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
    // kind == response / notification / send / observation_cancelled:
    std::uint64_t handle = 0;
    std::string endpoint;
    response result;
    std::optional<observation> obs;
};

struct server_config {
    /// CoAP parameters; coap.rng must be set (it also draws registration ids).
    coap::config coap;
    /// Extra time after a lifetime ends before the registration expires.
    time_ms expiry_grace_ms = 0;
    /// Queue mode (Core TS 1.2, 6.5): how long after the last message from a
    /// queue-mode device it is considered awake (Leshan: 93 s, CoAP
    /// MAX_TRANSMIT_WAIT). Requests for a sleeping device wait until it is
    /// heard from, or until their timeout.
    time_ms queue_awake_ms = 93000;
};

/// Handle of a send(); never 0.
using request_handle = std::uint64_t;

class server_engine {
  public:
    /// `store` is borrowed and must outlive the engine; observations are kept
    /// in memory.
    server_engine(const server_config& cfg, registration_store& store);
    /// `store`, `observations` and `models` are borrowed and must outlive the
    /// engine. `models`: the object models to encode and decode with, looked
    /// up per registration by the object's `ver=` (nullptr: the built-in
    /// models). At construction the stored observations are resumed: their
    /// notifications are recognised by token once the peer of their
    /// registration is opened (open_peer with the registration's address).
    server_engine(const server_config& cfg, registration_store& store,
                  observation_store& observations, const lwm2m::model_provider* models);
    server_engine(const server_engine&) = delete;
    server_engine& operator=(const server_engine&) = delete;

    /// Opens a peer with its framing and the runtime's text for its address
    /// (copied into registrations made over it). Each peer gets its own
    /// coap::engine (created when needed, released when idle), so the
    /// number of peers is bounded by memory only. Registrations in the store
    /// whose `address` equals `address` are bound to this peer (after a
    /// restart: the runtime opens the peers of stored registrations), and
    /// their stored observations are resumed on it.
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

    // --- device management (Core TS 1.2, 6.3 / 6.4) --------------------------

    /// Sends `req` to the registration of `endpoint`. Exactly one `response`
    /// event with the returned handle follows, also for failures found at
    /// once (not_registered, invalid). `timeout_ms` counts from `now` and
    /// covers the queue-mode wait and the exchange. Requests beyond the CoAP
    /// exchanges one device can have at once wait in order.
    request_handle send(std::string_view endpoint, dm_request req, time_ms timeout_ms, time_ms now);
    /// Ends a pending request: its `response` event has failure::cancelled.
    void cancel(request_handle h, time_ms now);
    /// The observations held for `endpoint` (copies).
    std::vector<observation> observations(std::string_view endpoint) const;

    registration_store& store() noexcept { return store_; }
    observation_store& observations_store() noexcept { return *obs_store_; }

    /// Counters for metrics and tests.
    struct stats {
        std::uint64_t coap_received = 0, coap_dropped = 0;
        std::uint64_t registrations = 0, updates = 0, deregistrations = 0, expirations = 0;
        std::uint64_t notifications = 0, sends = 0;
    };
    const stats& counters() const noexcept { return stats_; }

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
    observation_store* obs_store_ = nullptr;
    stats stats_;
};

}  // namespace sirocco::server
