// The sans-I/O LwM2M server engine: the Registration interface (Core TS
// 1.2, 6.2: Register, Update, De-register, lifetime expiry), device
// management and information reporting (6.3, 6.4: send() with typed
// requests, observations, Send) and queue mode (6.5), over one coap::engine
// per peer (client), so the number of devices is bounded by memory only.
//
// Shape (like coap::engine and client::client): the runtime owns sockets and
// the clock.
//   on_receive(peer, bytes, now)   a datagram from a client (the peer is
//                                  opened on first use, datagram framing;
//                                  open_peer() first to give its address)
//   on_timer(now)                  when next_deadline() has passed: CoAP
//                                  retransmissions, request timeouts, queue-
//                                  mode windows, registration expiry
//   poll_transmit(buf)             datagrams out, until nullopt
//   poll_event()                   what happened, until nullopt
//   send(endpoint, request, ...)   a device-management request; one
//                                  `response` event per handle follows
// Call poll_transmit() / poll_event() after each of the others.
//
// Answers (Core TS 1.2, 6.2 and Table 6.2.1-1 etc.):
//   POST /rd?ep=..&lt=..&lwm2m=..&b=..&Q   2.01 Created, Location-Path rd/{id}
//     4.00 missing ep, bad lt/b, object list that does not parse;
//     4.12 an lwm2m version other than 1.0 / 1.1 / 1.2;
//     4.15 a Content-Format other than 40 (link format).
//     An endpoint already registered is replaced: event `replaced` (the old
//     registration; its observations are cancelled passively here, with
//     `observation_cancelled` events), then `registered`.
//   POST /rd/{id}[?lt=..&b=..&Q]  Update, 2.04 Changed; 4.04 unknown id; 4.00 bad params.
//     The registration moves to the peer the Update came from (NAT
//     rebinding, server restart) and its stored observations resume there.
//   DELETE /rd/{id}               2.02 Deleted; 4.04 unknown id.
//   other methods on /rd...       4.05 Method Not Allowed.
//   Register / Update / De-register from a peer that may not act as the
//   endpoint (open_peer's bound_endpoint, server_config::authorize): 4.03
//   Forbidden and a `refused` event; the registration stays where it was.
//   POST /dp (Send, 6.4.4)        2.04 and event `send` (records decoded with
//     the registration's models); 4.04 when the peer has no registration,
//     4.00 without Content-Format or for a payload that does not decode,
//     4.15 for a format that cannot carry several paths (SenML JSON/CBOR and
//     LwM2M CBOR can).
//   anything else: event `request` (its `request` id is the engine's own,
//     valid for respond() until answered or the peer's engine is released);
//     the runtime answers it (4.04 normally).
// Block1 uploads of an object list are reassembled (one per peer at a time,
// at most 64 KiB: 4.13 beyond).
//
// Device management: send() builds the CoAP request under the
// registration's root path (Read GET + Accept; Write PUT replace / POST
// partial, payload from codec::encode; Execute POST with the arguments as
// payload; Create POST /o, response.location from Location-Path; Delete;
// Discover GET Accept 40, response.links; Write-Attributes PUT with one
// Uri-Query per '&' part, checked with codec::link::parse_query; Observe GET
// Observe 0; Read-/Observe-Composite FETCH with the paths in SenML-ETCH CBOR
// (322, default) or JSON (320) — the formats the sirocco client takes;
// Write-Composite iPATCH). Responses are decoded with codec::decode into
// sorted owned records; Block2 responses are reassembled (up to
// coap.max_body_size). Formats when none is given: Read / Observe send no
// Accept; Write / Create use TLV for LwM2M 1.0, else the first of SenML
// CBOR, SenML JSON, LwM2M CBOR, LwM2M JSON, TLV the registration lists with
// ct=, SenML CBOR when it lists none (composite: only formats that carry
// several paths). Create with records under /o/65535 lets the device pick the
// instance id (TLV only). Object models come from the registration's
// object list `ver=` (falling back to the provider's newest model).
//
// Limits and order: each device has one coap::engine with
// coap::limits::exchanges slots; at most exchanges - 2 of them (6 with the
// defaults) carry our requests and established observations, the rest is
// kept for the device's own requests. So a device can hold at most 6
// observations, fewer while requests are in flight; requests beyond the free
// slots wait in a per-device FIFO (in order; NSTART 1 also applies on the
// wire). A request's timeout covers the wait and the exchange: failure::
// timeout when it was sent or waited for a slot, failure::expired when it
// waited for a sleeping queue-mode device the whole time; the CoAP exchange
// is cancelled then. A device's engine is released when idle for
// EXCHANGE_LIFETIME (no exchanges, observations, dedup entries); a stream
// peer (RFC 8323, CSM once per connection) keeps its engine while open.
//
// Queue mode: a queue-mode registration is awake for cfg.queue_awake_ms
// after any datagram from its peer (Register, Update, a response, a
// notification); `awake` when a sleeping one is heard from, `sleeping` when
// the window passes. After a restart every queue-mode device is asleep until
// heard from.
//
// Observations: a 2.05 with Observe to an Observe request creates an
// `observation` (id = token in hex) kept in the observation_store and in
// response.observed; each notification is a `notification` event; an error
// or non-Observe answer from the device, a failed exchange, a cancel, or the
// registration going away ends it (`observation_cancelled`, removed from the
// store). The store survives restarts: a new engine resumes an observation
// (coap::engine::resume_observation, by token) when its registration's peer
// is opened with the stored address, or when an Update arrives from a new
// peer. A resumed composite observation's active cancel carries no FETCH
// payload (the device may answer 4.00; it is forgotten all the same).
//
// Host-side: events carry copies (std::string / vector), valid as long as
// the caller keeps them. Registrations live in a registration_store the
// caller lends (it must outlive the engine).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
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
    /// A Register, Update or De-register answered 4.03 Forbidden because the
    /// peer may not act as that endpoint (open_peer's `bound_endpoint`, or
    /// server_config::authorize said no): `peer`, `code` (the request's
    /// method), `endpoint` (the one asked for, or the registration's),
    /// `result.code` (forbidden) and `result.error` (the reason, also the
    /// diagnostic payload of the 4.03). One event per refused request: a CoAP
    /// retransmission of it is answered from the duplicate cache, silently.
    refused,
};

struct event {
    event_kind kind = event_kind::registered;
    registration reg;
    std::optional<registration> previous;
    // kind == request:
    peer_id peer;
    coap::request_id request;
    coap::code code;
    std::string uri_host;                ///< Uri-Host when given ("server" in mq2m:// fetches)
    std::vector<std::string> uri_path;   ///< {"dp"}
    std::vector<std::string> uri_query;  ///< {"a=1"}
    std::optional<std::uint32_t> content_format;
    std::vector<std::uint8_t> payload;
    std::optional<coap::block_value> block2;  ///< the Block2 option asked for (block-wise GET)
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
    /// Who may be whom (issue 8): called before a Register (with its `ep`),
    /// an Update or a De-register (with the endpoint of the registration it
    /// names) from `peer`, and before open_peer() binds a stored registration
    /// to a new peer. false: the request is answered 4.03 Forbidden with the
    /// reason in the diagnostic payload and a `refused` event, nothing
    /// changes (a refused Update does not move the registration); a stored
    /// registration is then not bound to that peer. Empty: everything is
    /// allowed (bound_endpoint of open_peer still applies, checked first).
    /// Called synchronously inside on_receive()/open_peer(); it must not call
    /// back into the engine.
    std::function<bool(peer_id peer, std::string_view endpoint)> authorize;
};

/// Handle of a send(); never 0.
using request_handle = std::uint64_t;

class server_engine {
  public:
    /// `store` is borrowed and must outlive the engine; observations are kept
    /// in memory.
    server_engine(const server_config& cfg, registration_store& store);
    /// `store`, `observations` and `models` are borrowed and must outlive the
    /// engine. Stored observations whose registration is not in `store`
    /// are removed. `models`: the object models to encode and decode with, looked
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
    /// `bound_endpoint`: the only endpoint this peer may register or update
    /// as (the endpoint of an MQTT topic, later the one bound to a DTLS
    /// identity); a Register or Update for another one is answered 4.03
    /// Forbidden. Empty: any endpoint.
    /// Errors: invalid_argument (the peer is already open).
    result<void> open_peer(peer_id peer, coap::framing f, std::string_view address, time_ms now,
                           std::string_view bound_endpoint = {});
    /// Forgets a peer's CoAP state (its registrations stay until they expire).
    void close_peer(peer_id peer);
    /// The runtime's text for an open peer changed while its session goes on
    /// (DTLS Connection ID, RFC 9146: the client's source address moved):
    /// the peer keeps its id, CoAP state, exchanges and observations; the
    /// registrations bound to it get the new `address` in the store (no
    /// event; the next Update or the REST API shows it). Returns how many
    /// registrations were changed. Errors: not_found (the peer is not open);
    /// those of the store's update().
    result<std::size_t> set_peer_address(peer_id peer, std::string_view address);

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

    /// Answers a `request` event (body read during the call; a body larger
    /// than one block is served block by block, statelessly: give the same
    /// body to every block request). `etag` (0..8 bytes, RFC 7252 5.10.6),
    /// when not empty, goes into the response. Errors: those of
    /// coap::engine::respond; invalid_argument for an ETag over 8 bytes.
    result<void> respond(coap::request_id r, coap::code c, bytes_view body, time_ms now,
                         std::optional<std::uint16_t> content_format = {}, bytes_view etag = {});

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
        /// send() calls; responses with fail != none among them; stored
        /// observations resumed in a peer's engine (restart, address change).
        std::uint64_t requests = 0, request_failures = 0, observations_resumed = 0;
        /// Register / Update / De-register refused with 4.03 (`refused` events).
        std::uint64_t refused = 0;
    };
    const stats& counters() const noexcept { return stats_; }
    /// Open peers, and how many of them hold a coap::engine right now (the
    /// others are parked: a compact duplicate cache, see peer_state).
    std::size_t peer_count() const noexcept { return peers_.size(); }
    std::size_t engine_count() const noexcept { return engines_; }

  private:
    /// One transport peer: its address text and, while it has CoAP state,
    /// its own coap::engine. A datagram or compact peer's engine is released
    /// as soon as it is quiescent (nothing but duplicate detection left,
    /// after its last datagram was polled); what duplicates of the last
    /// messages must get is kept packed in `memo` until it expires, and the
    /// message-id sequence in `next_mid` (see park()).
    /// Rarely used parts of a peer, apart to keep peer_state small.
    struct peer_extra {
        std::string bound_endpoint;  ///< open_peer(): the only endpoint allowed here
        std::string upload;          ///< Block1 reassembly of an object list
    };
    struct peer_state {
        std::unique_ptr<coap::engine> eng;
        std::unique_ptr<peer_extra> extra;     ///< bound endpoint, upload; often none
        std::unique_ptr<std::uint8_t[]> memo;  ///< packed coap::dedup_records while parked
        std::optional<time_ms> key;            ///< its entry in deadlines_
        time_ms memo_until = 0;                ///< when every record in memo has expired
        std::string address;
        std::string endpoint;        ///< the registration last heard over this peer
        std::uint32_t client_x = 0;  ///< our exchanges on it (requests + observations)
        std::uint16_t memo_size = 0;
        std::uint16_t next_mid = 0;  ///< the parked engine's message-id sequence
        coap::framing fr = coap::framing::datagram;
        bool queue_mode = false;  ///< of the registration last heard here
        bool has_mid = false;     ///< next_mid is set (an engine was parked)
    };
    /// A request from send() until its response event.
    struct pending {
        request_handle handle = 0;
        std::string endpoint;
        dm_request req;
        time_ms deadline = 0;
        time_ms sent_at = 0;
        bool sent = false;
        bool held_asleep = false;  ///< waited for a sleeping queue-mode device
        std::uint32_t peer = 0;
        coap::exchange_id x;
        coap::message msg;                      ///< code and options (views into opt_storage)
        std::vector<std::uint8_t> opt_storage;  ///< option values of msg
        std::vector<std::uint8_t> body;         ///< payload (borrowed by the exchange)
        std::vector<std::uint8_t> rbuf;         ///< Block2 reassembly
        lwm2m::path base;                       ///< decode base of the response
        std::string notify_obs;  ///< fetches the rest of this observation's notification
    };
    /// What one of our CoAP exchanges belongs to: a pending request
    /// (handle != 0) or an established observation (obs_id).
    struct xref {
        request_handle handle = 0;
        std::string obs_id;
    };
    struct live_observation {
        observation o;
        std::uint32_t peer = 0;
        coap::exchange_id x;
        std::vector<std::uint8_t> body;  ///< the FETCH payload the exchange borrows
    };
    struct passthrough {
        std::uint32_t peer = 0;
        coap::request_id id;
    };
    using xkey = std::pair<std::uint32_t, std::uint32_t>;  ///< (peer, exchange)

    peer_state* find_peer(std::uint32_t peer);
    coap::engine& engine_of(std::uint32_t peer, peer_state& ps, time_ms now);
    void settle(time_ms now);
    void drain_peer(std::uint32_t peer, time_ms now);
    void refresh(std::uint32_t peer, time_ms now);
    void release(std::uint32_t peer, peer_state& ps);
    void park(std::uint32_t peer, peer_state& ps, time_ms now);
    void on_exchange_event(std::uint32_t peer, const coap::event& e, time_ms now);
    void on_observation_event(const std::string& id, const coap::event& e, time_ms now);
    void handle_request(std::uint32_t peer, const coap::event& e, time_ms now);
    void handle_register(std::uint32_t peer, const coap::event& e, std::string_view body,
                         time_ms now);
    void handle_update(std::uint32_t peer, const coap::event& e, const std::string& id,
                       std::string_view body, time_ms now);
    void handle_delete(std::uint32_t peer, const coap::event& e, const std::string& id,
                       time_ms now);
    void handle_send(std::uint32_t peer, const coap::event& e, time_ms now);
    void answer(std::uint32_t peer, const coap::event& e, coap::code c, std::string_view diagnostic,
                time_ms now, const std::string* location_id = nullptr);
    /// The reason `peer` may not act as `endpoint`, or nullptr when it may.
    const char* forbidden(std::uint32_t peer, std::string_view endpoint) const;
    void refuse(std::uint32_t peer, const coap::event& e, std::string_view endpoint,
                const char* why, time_ms now);
    std::string new_id();

    result<void> build(pending& p, const registration& reg);
    void dispatch(std::string endpoint, time_ms now);
    void finish(request_handle h, response r);
    void fail(request_handle h, failure f, std::string why);
    void drop_exchange(std::uint32_t peer, coap::exchange_id x, time_ms now, bool cancel_it);
    std::size_t cancel_observations(const registration& reg, const dm_request& req, bool active,
                                    request_handle h, time_ms now);
    void end_observation(const std::string& id, bool tell_device, time_ms now);
    void end_registration(const registration& reg, bool keep_waiting, time_ms now);
    void resume_observations(const registration& reg, std::uint32_t peer, time_ms now);
    void heard_from(std::uint32_t peer, time_ms now);
    bool awake(const std::string& endpoint, time_ms now) const;
    void set_awake(const std::string& endpoint, time_ms now);
    response decode_response(const pending& p, const registration* reg, const coap::event& e,
                             time_ms now) const;

    server_config cfg_;
    registration_store& store_;
    std::unique_ptr<observation_store> own_obs_;
    observation_store* obs_store_ = nullptr;
    const lwm2m::model_provider* models_ = nullptr;
    std::deque<event> events_;
    std::unordered_map<std::uint32_t, peer_state> peers_;
    /// (memo_until, peer) of parked peers, in the order parked: memos are
    /// dropped once expired (on_timer).
    std::deque<std::pair<time_ms, std::uint32_t>> memo_gc_;
    std::set<std::pair<time_ms, std::uint32_t>> deadlines_;
    std::set<std::uint32_t> ready_;  ///< peers that may have datagrams to send
    std::set<std::uint32_t> dirty_;  ///< peers whose engine was called since settle()
    std::multimap<std::string, std::string> unbound_;  ///< address -> endpoint, after a restart
    std::map<request_handle, pending> pending_;
    std::set<std::pair<time_ms, request_handle>> timeouts_;
    std::map<std::string, std::deque<request_handle>, std::less<>> waiting_;
    std::map<xkey, xref> xmap_;
    std::map<std::string, live_observation, std::less<>> live_;
    std::map<std::string, time_ms, std::less<>> awake_until_;
    std::set<std::pair<time_ms, std::string>> sleep_at_;
    std::map<std::uint32_t, passthrough> passthrough_;
    std::uint32_t next_passthrough_ = 1;
    std::vector<std::uint8_t> encode_buf_;  ///< codec output, copied to each request's body
    request_handle next_handle_ = 1;
    std::size_t engines_ = 0;
    /// Released engines kept for reuse (at most max_spare_engines): a storm
    /// then reuses a few 34 KB blocks instead of allocating and freeing one
    /// per Register, which fragments the heap (small long-lived allocations
    /// land in the freed blocks) and keeps the process's RSS high.
    std::vector<std::unique_ptr<coap::engine>> spare_;
    time_ms last_now_ = 0;
    stats stats_;
};

}  // namespace sirocco::server
