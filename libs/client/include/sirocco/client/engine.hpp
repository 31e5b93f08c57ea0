// The LwM2M client engine (sans-I/O): registration with every LwM2M server
// configured in the Security (0) and Server (1) objects, the Device
// Management and Information Reporting interfaces over CoAP, observe and
// notifications, Send, queue mode. One engine per device; it owns the
// device's CoAP exchange engine and borrows its data model.
//
// Shape (as coap::engine, after ngtcp2): the caller owns sockets and clocks.
//   start(now)                            once, after the objects are added
//   poll_event() -> client_event          e.g. open_transport{ssid, uri}: the
//                                         runtime connects, then calls
//   transport_open(ssid, peer, framing)   with the peer id it chose
//   on_receive(peer, bytes, now)          bytes in
//   on_timer(now)                         when next_deadline() has passed
//   poll_transmit(buf) -> {peer, size}    bytes out, until nullopt
// After each call that feeds the engine, drain poll_event() and
// poll_transmit(), then re-arm the timer from next_deadline().
//
// Where the settings come from (Core TS 1.2, E.1 and E.2): each Security
// instance with Bootstrap-Server false (/0/x/1) and its Server instance
// (matched by Short Server ID /0/x/10 = /1/x/0) gives the server URI
// (/0/x/0), the lifetime (/1/x/1), the binding (/1/x/7, 'Q' or /1/x/... for
// queue mode), default pmin/pmax (/1/x/2, /1/x/3), and the 1.1 retry
// procedure (/1/x/17 communication retry count, /1/x/18 retry timer, /1/x/19
// sequence delay timer, /1/x/20 sequence retry count). Executing /1/x/8
// (Registration Update Trigger) sends an Update; /1/x/4 disables.
//
// Device-side: no heap, no exceptions. Memory: sizeof(client) is dominated by
// its coap::engine (limits in coap/config.hpp) and the buffers below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"
#include "sirocco/client/dm.hpp"
#include "sirocco/coap/engine.hpp"

namespace sirocco::client {

using coap::time_ms;

struct client_config {
    /// Endpoint client name (ep=). Must outlive the engine.
    std::string_view endpoint;
    /// Content format announced at registration (ct=) and used for
    /// multi-value answers when the server sends no Accept; 0 = the version's
    /// default (1.0: TLV 11542, 1.1/1.2: SenML CBOR 112).
    std::uint16_t preferred_format = 0;
    /// Run-time parameters of the CoAP layer (its rng must be set).
    coap::config coap;
};

/// What poll_event() reports to the application and the runtime.
enum class client_event_kind : std::uint8_t {
    /// The runtime must open a transport to `uri` for server `server` and
    /// answer with transport_open() (or transport_failed()).
    open_transport,
    /// The runtime may close the transport of `server` (de-registered,
    /// disabled, or queue mode going quiet on a connection-oriented link).
    close_transport,
    registered,           ///< 2.01 from the server; `location` is /rd/...
    updated,              ///< 2.04 to an Update
    deregistered,         ///< 2.02 to a De-register (or given up)
    registration_failed,  ///< the retry procedure ran out; `code` or `err` says why
    send_done,            ///< a Send was acknowledged (`code`)
    send_failed,          ///< a Send failed (`code` or `err`)
    sleeping,             ///< queue mode: the client stopped listening
    awake,                ///< queue mode: the client listens again
};

struct client_event {
    client_event_kind kind = client_event_kind::registered;
    ssid server = 0;
    std::string_view uri;       ///< open_transport: points into the Security object's value copy held by the engine
    std::string_view location;  ///< registered: the Location-Path joined ("/rd/5a3f")
    status code = status::content;
    sirocco::error err;
};

/// Registration state per server.
enum class registration_state : std::uint8_t {
    idle,           ///< not started, or disabled
    connecting,     ///< waiting for transport_open()
    registering,    ///< Register sent
    registered,
    updating,       ///< Update sent
    deregistering,  ///< De-register sent
    waiting_retry,  ///< between attempts of the retry procedure
    failed,         ///< retries exhausted
};

class client {
public:
    client(const client_config& cfg, data_model& dm) noexcept;
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    /// Reads the Security and Server objects and starts registering with each
    /// server (open_transport events). Errors: not_found (no usable server
    /// account: no Security instance with a Server instance of the same SSID).
    result<void> start(time_ms now) noexcept;

    /// The runtime opened the transport of `server` as `peer`.
    result<void> transport_open(ssid server, coap::peer_id peer, coap::framing f, time_ms now) noexcept;
    /// The runtime could not open it, or lost it; the retry procedure runs.
    void transport_failed(ssid server, time_ms now) noexcept;

    result<std::size_t> on_receive(coap::peer_id peer, bytes_view bytes, time_ms now) noexcept;
    void on_timer(time_ms now) noexcept;
    std::optional<time_ms> next_deadline() const noexcept;
    std::optional<coap::transmit> poll_transmit(mutable_bytes out) noexcept;
    std::optional<client_event> poll_event() noexcept;

    // ---- application ------------------------------------------------------

    /// A value under `p` changed (a sensor reading, a local write): observers
    /// of overlapping paths are notified as their attributes allow.
    void changed(const lwm2m::path& p, time_ms now) noexcept;
    /// LwM2M Send (1.1+) of the current values of `paths` to `server` (0: the
    /// first registered server) in SenML CBOR. Errors: not_allowed (1.0, or
    /// not registered, or /1/x/23 Mute Send), capacity_exceeded.
    result<void> send(std::span<const lwm2m::path> paths, time_ms now, ssid server = 0) noexcept;
    /// Sends a Registration Update now (to every registered server).
    result<void> update(time_ms now) noexcept;
    /// De-registers from every server; deregistered events follow.
    result<void> deregister(time_ms now) noexcept;

    registration_state state(ssid server) const noexcept;
    const data_model& model() const noexcept { return dm_; }
    const coap::engine& coap_engine() const noexcept { return coap_; }

private:
    client_config cfg_;
    data_model& dm_;
    coap::engine coap_;
};

}  // namespace sirocco::client
