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
// (Registration Update Trigger) sends an Update; /1/x/4 (Disable)
// de-registers and registers again after /1/x/5 seconds. Settings are read
// again whenever something under /1 changes; a changed lifetime or binding
// is sent in an Update.
//
// Registration (Core TS 1.2, 6.2): Register is CON POST /rd?ep=&lt=&lwm2m=
// &b= (1.0: b=U or UQ; 1.1+: b=U plus Q for queue mode) with the object list
// (data_model::write_object_list, Content-Format 40). An Update (POST to the
// Location-Path, carrying only lt / b / the object list when they changed)
// goes update_delay(lifetime) after each 2.01 / 2.04 (see update_delay()),
// when dm.generation() changes, on /1/x/8, or on update(). A failed Register
// (error code, timeout, transport_failed) runs the 1.1 retry procedure
// (6.2.1.2): the n-th failed attempt of a sequence waits retry timer x
// 2^(n-1); after retry count attempts the next sequence starts after the
// sequence delay; after sequence retry count sequences: registration_failed.
// Any failed Update (4.04 included) registers again at once.
//
// The CoAP edge (Anjay's rule: decode once): each request event becomes one
// data_model call, the path from Uri-Path (a non-numeric segment or an id
// above 65535: 4.04; more than four ids: 4.00):
//   GET                     Read (Accept honoured)    Accept 40: Discover
//   GET Observe 0           Observe: Read, then the observation is handed to
//                           observation_set (observe.hpp); Observe 1 cancels
//   PUT                     Write (replace); with Uri-Query and no payload:
//                           Write-Attributes
//   POST /o                 Create (2.01 with Location-Path /o/i)
//   POST /o/i               Write (partial update)
//   POST /o/i/r             Execute (payload = arguments)
//   DELETE                  Delete
//   FETCH (+ Observe 0)     Read-Composite (Observe-Composite)
//   iPATCH                  Write-Composite
// Content-Format missing on a write with a payload: 4.00. A Block1 transfer
// of a resource in Opaque (42, or no Content-Format) is handed to
// object::write_chunk() block by block, nothing buffered (2.31 Continue per
// block, 2.04 at the end); Block1 in any other format: 4.13. Large answers
// are served by coap::engine in Block2 from the body the edge rebuilds per
// block request. Other methods: 4.05. Access Control is the data model's
// (write_chunk() bypasses it: the firmware Package is the device's choice).
//
// Notifications: changes come from changed(), from the data model's queue
// (objects calling object::changed(); picked up at the next call into the
// engine, so call on_timer() or changed() after such a change), and from the
// edge's own writes. observation_set decides when each observation is due;
// the engine reads the value (dm.read / dm.encode_paths for composite) in the
// format of the first answer and sends it with coap::engine::notify(). An
// error (the path is gone) is sent as the notification's code and ends the
// observation. RST or GET Observe 1 from the server ends it too.
//
// Queue mode (binding with 'Q', Core TS 1.2, 6.5): after queue_time() with
// no traffic with the server (and nothing due or in flight) the engine
// reports `sleeping` and drops whatever arrives from that server until it
// wakes (the server must hold its requests). A due notification, a Send, an
// Update (timer, trigger, update()) or de-registration wakes it: `awake`,
// then an Update first; notifications and a waiting Send go after the 2.04.
//
// Send (1.1+, 6.4.4 "Send"): CON POST /dp with the current values of the
// paths in SenML CBOR (112), one at a time; send_done / send_failed report
// the outcome.
//
// Device-side: no heap, no exceptions. Memory: sizeof(client) is dominated by
// its coap::engine (limits in coap/config.hpp) and the buffers below. With
// the default limits: 36,600 bytes on Cortex-M4 (30,704 of them the CoAP
// engine; the body, scratch, Register and Send buffers 3,968; the
// observation set of observe.hpp most of the rest), 39,928 bytes on x86-64
// (33,680 the CoAP engine); fetch_block()'s buffer adds
// SIROCCO_CLIENT_FETCH_BYTES + 8 (1,032 bytes) to these figures. The data
// model is separate (688 / 768 bytes).
// docs/perf/client-engine.md has the figures and how they were measured.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"
#include "sirocco/base/static_vector.hpp"
#include "sirocco/client/dm.hpp"
#include "sirocco/client/observe.hpp"
#include "sirocco/coap/engine.hpp"
#include "sirocco/coap/options.hpp"

// Capacities of the engine (compile-time, like coap::limits; the whole build
// must agree). They size the storage inside `client`; nothing is allocated.
#ifndef SIROCCO_CLIENT_MAX_SERVERS
#define SIROCCO_CLIENT_MAX_SERVERS 2  ///< LwM2M server accounts
#endif
#ifndef SIROCCO_CLIENT_MAX_URI
#define SIROCCO_CLIENT_MAX_URI 64  ///< bytes of a server URI (/0/x/0)
#endif
#ifndef SIROCCO_CLIENT_MAX_LOCATION
#define SIROCCO_CLIENT_MAX_LOCATION 48  ///< bytes of the registration location "/rd/..."
#endif
#ifndef SIROCCO_CLIENT_BODY_BYTES
#define SIROCCO_CLIENT_BODY_BYTES 1024  ///< largest response / notification body
#endif
#ifndef SIROCCO_CLIENT_SCRATCH_BYTES
#define SIROCCO_CLIENT_SCRATCH_BYTES \
    2048  ///< working memory lent to the data model (records of a Read)
#endif
#ifndef SIROCCO_CLIENT_REGISTER_BYTES
#define SIROCCO_CLIENT_REGISTER_BYTES 384  ///< the Register / Update object list
#endif
#ifndef SIROCCO_CLIENT_SEND_BYTES
#define SIROCCO_CLIENT_SEND_BYTES 512  ///< the payload of one Send
#endif
#ifndef SIROCCO_CLIENT_FETCH_BYTES
#define SIROCCO_CLIENT_FETCH_BYTES 1024  ///< largest block of fetch_block() (16..1024)
#endif
#ifndef SIROCCO_CLIENT_EVENTS
#define SIROCCO_CLIENT_EVENTS 8  ///< client_events waiting for poll_event()
#endif

namespace sirocco::client {

using coap::time_ms;

/// Working memory an engine may borrow instead of using its own arrays
/// (a simulator running many engines on one thread shares one set between
/// all of them, so that each device does not pay for buffers it uses only
/// during a call). `body` holds a response or notification body while it is
/// encoded and handed to the CoAP engine (which copies it), `scratch` is the
/// data model's working memory; both are used only during a call into the
/// engine (on_receive, on_timer, changed, update, send, ...) and must not
/// overlap. Lent through client_config::work, they must outlive every
/// engine that uses them; engines sharing them must be driven from one
/// thread. Sizes as SIROCCO_CLIENT_BODY_BYTES / SIROCCO_CLIENT_SCRATCH_BYTES
/// (the body bounds the largest answer, the scratch the records of a Read).
struct work_buffers {
    mutable_bytes body;
    mutable_bytes scratch;
};

/// What an engine did, counted into a caller's structure
/// (client_config::counters; several engines may share one, from one
/// thread). Requests are counted when they are answered, by operation.
struct client_counters {
    std::uint64_t reads = 0;             ///< GET (not Observe, not Discover)
    std::uint64_t observes = 0;          ///< GET / FETCH with Observe 0 (answered 2.05 or not)
    std::uint64_t observe_cancels = 0;   ///< GET with Observe 1
    std::uint64_t discovers = 0;         ///< GET with Accept 40
    std::uint64_t composite_reads = 0;   ///< FETCH without Observe
    std::uint64_t writes = 0;            ///< PUT / POST on an instance, iPATCH
    std::uint64_t write_attributes = 0;  ///< PUT with Uri-Query and no payload
    std::uint64_t executes = 0;          ///< POST on a resource
    std::uint64_t creates = 0;           ///< POST on an object
    std::uint64_t deletes = 0;           ///< DELETE
    std::uint64_t other_requests = 0;    ///< anything else (answered 4.xx)
    /// Requests for block 1, 2, ... of a Block2 answer (not counted above:
    /// the request for block 0 was).
    std::uint64_t block2_continuations = 0;
    std::uint64_t notifications = 0;    ///< notifications handed to the CoAP engine
    std::uint64_t registers = 0;        ///< Register requests sent
    std::uint64_t updates = 0;          ///< Update requests sent
    std::uint64_t deregisters = 0;      ///< De-register requests sent
    std::uint64_t registered = 0;       ///< 2.01 to a Register
    std::uint64_t updated = 0;          ///< 2.04 to an Update
    std::uint64_t register_failed = 0;  ///< a Register answered with an error or timed out
    std::uint64_t update_failed = 0;    ///< an Update answered with an error or timed out
    /// Why Register / Update / De-register exchanges failed: no answer in
    /// time (CoAP timeout), the transport (transport_failed(), RST, a failed
    /// exchange), or an error code, indexed (class - 4) x 32 + detail
    /// (4.00..4.31, then 5.00..5.31).
    std::uint64_t timeouts = 0;
    std::uint64_t transport_failures = 0;
    std::array<std::uint64_t, 64> error_codes{};
};

struct client_config {
    /// Endpoint client name (ep=). Must outlive the engine.
    std::string_view endpoint;
    /// Content format announced at registration (ct=) and used for
    /// multi-value answers when the server sends no Accept; 0 = the version's
    /// default (1.0: TLV 11542, 1.1/1.2: SenML CBOR 112).
    std::uint16_t preferred_format = 0;
    /// Run-time parameters of the CoAP layer (its rng must be set).
    coap::config coap;
    /// Borrowed working buffers (see work_buffers), nullptr: the engine's
    /// own body and scratch arrays. A build that sets
    /// SIROCCO_CLIENT_BODY_BYTES / SIROCCO_CLIENT_SCRATCH_BYTES to 0 must lend
    /// them (else every answer with a body is 5.00 / 4.13).
    const work_buffers* work = nullptr;
    /// Where to count what the engine does; nullptr: not counted.
    client_counters* counters = nullptr;
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
    /// The answer to fetch_block(): `fetch`, `code` (2.05 content, 4.04 ...,
    /// or service_unavailable with `err` on timeout / lost transport), and
    /// for 2.05 `body` (the block), `block_num`, `more`, `total` (Size2, 0
    /// when not sent), `etag` (empty when not sent).
    fetch_block,
};

/// Handle of a fetch_block() request.
using fetch_id = coap::exchange_id;

/// What fetch_block() asks for on a server's link: Uri-Host `host` (none
/// when empty) and one Uri-Path option per '/'-separated segment of `path`
/// (mq2m://{owner}/{path}: host = owner, "server" for the LwM2M server).
/// Both are copied during the call.
struct fetch_target {
    std::string_view host;
    std::string_view path;
};

struct client_event {
    client_event_kind kind = client_event_kind::registered;
    ssid server = 0;
    std::string_view
        uri;  ///< open_transport: points into the Security object's value copy held by the engine
    std::string_view location;  ///< registered: the Location-Path joined ("/rd/5a3f")
    status code = status::content;
    sirocco::error err;
    // fetch_block: the views point into the engine and stay valid until the
    // next call that feeds it (on_receive, on_timer, fetch_block, ...).
    fetch_id fetch;
    bytes_view body;
    bytes_view etag;
    std::uint32_t block_num = 0;
    std::uint32_t total = 0;
    bool more = false;
};

/// What a registered server account needs to go on in a NEW engine of the
/// same device (snapshot() / resume()): a host that runs many simulated
/// devices destroys the engine of a device that holds nothing else
/// (quiescent()) and keeps only this and the data model, so that an idle
/// device costs its objects and this record, not a whole engine.
struct registration_snapshot {
    ssid server = 0;
    coap::peer_id peer;  ///< the transport the registration was made on
    coap::framing framing = coap::framing::datagram;
    std::uint8_t loc_len = 0;
    std::array<char, SIROCCO_CLIENT_MAX_LOCATION> loc{};  ///< "/rd/5a3f"
    std::uint32_t sent_lifetime = 0;                      ///< what the server knows
    std::uint8_t sent_binding_len = 0;
    std::array<char, 4> sent_binding{};
    std::uint32_t sent_generation = 0;  ///< data_model::generation() of the last object list sent
    time_ms update_due = 0;             ///< when the next Update goes (the caller's clock)
    /// The CoAP message id the next message to the server carries (datagram),
    /// so that a new engine does not reuse ids the server may remember.
    std::optional<std::uint16_t> next_message_id;
};

/// Registration state per server.
enum class registration_state : std::uint8_t {
    idle,         ///< not started, or disabled
    connecting,   ///< waiting for transport_open()
    registering,  ///< Register sent
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

    /// Instead of start(), in a new engine over the same data model: reads
    /// the accounts as start() does and takes each one that has a snapshot
    /// in `regs` as registered on the snapshot's peer (opened with its
    /// framing; nothing is sent: the next Update goes at update_due, or
    /// at once when the data model changed since sent_generation); the
    /// others start registering (open_transport events) as after start().
    /// The message ids go on from the snapshot's; the rest of the CoAP state
    /// is not carried over (tokens start afresh): take snapshots only of a
    /// quiescent() engine. Errors: those of start(), not_allowed
    /// (already started), not_found (a snapshot of a server the objects do
    /// not name), and those of coap::engine::open_peer.
    result<void> resume(std::span<const registration_snapshot> regs, time_ms now) noexcept;
    /// True when nothing but registrations would be lost by destroying the
    /// engine at `now`: every account registered (no Register/Update/
    /// De-register/Send/fetch in flight or wanted, not in queue mode's
    /// sleep, not being disabled) or idle, no observation served, no
    /// client_event waiting, and the CoAP engine idle (coap::engine::idle:
    /// no exchange, no duplicate-detection entry alive, ...).
    bool quiescent(time_ms now) const noexcept;
    /// The registration of `server` (nullopt when it is not registered).
    /// Meaningful for resume() only when quiescent().
    std::optional<registration_snapshot> snapshot(ssid server) const noexcept;

    /// The runtime opened the transport of `server` as `peer` (the CoAP
    /// engine opens the peer; Register goes out when the account waits for
    /// it). Errors: not_found (no such account), those of
    /// coap::engine::open_peer (capacity_exceeded, invalid_argument).
    result<void> transport_open(ssid server, coap::peer_id peer, coap::framing f,
                                time_ms now) noexcept;
    /// The runtime could not open it, or lost it; the retry procedure runs.
    void transport_failed(ssid server, time_ms now) noexcept;

    /// Bytes from `peer` (as coap::engine::on_receive; its errors). While
    /// the server's account sleeps in queue mode, the bytes are dropped
    /// (returns their size). Requests are answered, responses and
    /// notifications handled, before it returns.
    result<std::size_t> on_receive(coap::peer_id peer, bytes_view bytes, time_ms now) noexcept;
    /// Runs retransmissions, registration timers, due notifications and the
    /// queue-mode quiet time.
    void on_timer(time_ms now) noexcept;
    std::optional<time_ms> next_deadline() const noexcept;
    std::optional<coap::transmit> poll_transmit(mutable_bytes out) noexcept;
    std::optional<client_event> poll_event() noexcept;

    // ---- application ------------------------------------------------------

    /// A value under `p` changed (a sensor reading, a local write): observers
    /// of overlapping paths are notified as their attributes allow.
    void changed(const lwm2m::path& p, time_ms now) noexcept;
    /// LwM2M Send (1.1+) of the current values of `paths` to `server` (0: the
    /// first registered server) in SenML CBOR. The values are encoded now
    /// (into the engine's Send buffer). Errors: not_allowed (1.0, or not
    /// registered, or /1/x/23 Mute Send), capacity_exceeded (a Send is in
    /// progress, or the values do not fit SIROCCO_CLIENT_SEND_BYTES),
    /// not_found (no such path), invalid_argument (other refusals of the
    /// data model), and those of coap::engine::send_request.
    result<void> send(std::span<const lwm2m::path> paths, time_ms now, ssid server = 0) noexcept;
    /// Sends a Registration Update now (to every registered server; waking
    /// it in queue mode). Errors: not_allowed (no server registered).
    result<void> update(time_ms now) noexcept;
    /// A device-paced block-wise download over the link of `server` (the
    /// mq2m:// transfer of docs/firmware.md, RFC 7959 2.4 with one request
    /// per block): sends GET `target` with Block2 (NUM `num`, SZX of
    /// `block_size`, a power of two in 16..SIROCCO_CLIENT_FETCH_BYTES) and
    /// reports the answer as ONE fetch_block event; the next block is asked
    /// for only by calling fetch_block() again. One fetch at a time. Wakes a
    /// sleeping queue-mode account. Errors: not_found (no such account),
    /// not_allowed (the transport is not open), capacity_exceeded (a fetch
    /// is in flight, or no exchange slot), invalid_argument (block size),
    /// those of coap::engine::send_request.
    result<fetch_id> fetch_block(ssid server, const fetch_target& target, std::uint32_t num,
                                 std::uint16_t block_size, time_ms now) noexcept;

    /// De-registers from every server; deregistered events follow.
    result<void> deregister(time_ms now) noexcept;

    registration_state state(ssid server) const noexcept;
    const data_model& model() const noexcept { return dm_; }
    const coap::engine& coap_engine() const noexcept { return coap_; }

    /// Capacities (see the SIROCCO_CLIENT_* macros above).
    static constexpr std::size_t max_servers = SIROCCO_CLIENT_MAX_SERVERS;
    /// Observations (observe.hpp's SIROCCO_CLIENT_MAX_OBSERVATIONS; the CoAP
    /// layer's SIROCCO_COAP_OBSERVATIONS bounds them too) and paths of one
    /// Observe-Composite (SIROCCO_CLIENT_MAX_OBSERVE_PATHS).
    static constexpr std::size_t max_observations = observation_set::capacity;
    static constexpr std::size_t max_composite_paths = observation_set::max_paths;
    /// Observations the engine serves now (all servers).
    std::size_t observation_count() const noexcept;
    /// The time an Update is due for a lifetime of `lifetime_s` seconds,
    /// counted from the Register / Update response: lifetime - margin, with
    /// margin = max(lifetime / 10, MAX_TRANSMIT_WAIT) but at most lifetime / 2
    /// (MAX_TRANSMIT_WAIT = ACK_TIMEOUT x (2^(MAX_RETRANSMIT+1) - 1) x
    /// ACK_RANDOM_FACTOR from the coap config: 93 s with the defaults), so
    /// that an Update with every retransmission still lands in time.
    time_ms update_delay(std::uint32_t lifetime_s) const noexcept;
    /// The queue-mode quiet time: MAX_TRANSMIT_WAIT (Core TS 1.2, 6.5).
    time_ms queue_time() const noexcept;

  private:
    enum class reg_op : std::uint8_t { none, reg, update, dereg };
    struct account {
        ssid id = 0;
        std::uint16_t srv_iid = 0;
        std::uint8_t uri_len = 0;
        std::array<char, SIROCCO_CLIENT_MAX_URI> uri{};
        coap::peer_id peer;
        coap::framing framing = coap::framing::datagram;
        bool open = false;
        registration_state st = registration_state::idle;
        // settings (Server object)
        std::uint32_t lifetime = 86400;
        std::array<char, 4> binding{};
        std::uint8_t binding_len = 0;
        bool queue = false;
        bool mute_send = false;
        std::uint32_t retry_count = 5, retry_timer = 60, seq_delay = 86400, seq_retry = 1;
        // what the server knows
        std::uint32_t sent_lifetime = 0;
        std::array<char, 4> sent_binding{};
        std::uint8_t sent_binding_len = 0;
        std::uint32_t sent_generation = 0;
        std::uint8_t loc_len = 0;
        std::array<char, SIROCCO_CLIENT_MAX_LOCATION> loc{};
        // retry procedure (Core TS 1.2, 6.2.1.2)
        std::uint32_t attempt = 0, sequence = 0;
        time_ms timer = 0;  ///< update due / next attempt; 0 = none
        // exchanges
        reg_op op = reg_op::none;
        coap::exchange_id reg_x;
        bool update_wanted = false;
        bool send_busy = false;
        coap::exchange_id send_x;
        bool send_wanted = false;  ///< a Send waits for the wake-up Update
        // queue mode
        time_ms last_traffic = 0;
        bool sleeping = false;
        bool waking = false;  ///< woke up; notifications wait for the Update
        // Disable (/1/x/4): de-register, then register again after /1/x/5.
        bool disable_wanted = false;
        bool disabling = false;
        std::uint32_t disable_timeout = 86400;
    };
    /// The CoAP observation behind each handle given to observation_set:
    /// handle = index + 1 + 256 x generation.
    struct obs_slot {
        bool used = false;
        bool composite = false;
        std::uint8_t gen = 0;
        coap::observation_id id;
    };

    result<void> load_accounts() noexcept;
    account* find_account(ssid s) noexcept;
    account* find_account(coap::peer_id p) noexcept;
    void push(const client_event& e) noexcept;
    result<void> load_settings(account& a) noexcept;
    void pump(time_ms now) noexcept;
    void handle_request(const coap::event& e, time_ms now) noexcept;
    void count_request(const coap::event& e, const lwm2m::path& path) noexcept;
    void count_failure(const coap::event& e) noexcept;
    void handle_result(account& a, const coap::event& e, time_ms now) noexcept;
    void handle_send_result(account& a, const coap::event& e) noexcept;
    void handle_fetch_result(const coap::event& e) noexcept;
    std::optional<coap::observation_id> respond_result(
        const coap::event& e, const dm_result& r, time_ms now,
        std::optional<std::uint16_t> location_oid = std::nullopt) noexcept;
    std::uint16_t preferred_format() const noexcept;
    void reg_failed(account& a, time_ms now, status code, sirocco::error err) noexcept;
    void begin_register(account& a, time_ms now) noexcept;
    result<void> send_register(account& a, time_ms now) noexcept;
    result<void> send_update(account& a, time_ms now) noexcept;
    result<void> send_deregister(account& a, time_ms now) noexcept;
    result<void> transmit_send(account& a, time_ms now) noexcept;
    void send_if_wanted(account& a, time_ms now) noexcept;
    result<void> add_binding(coap::message_builder& b, const account& a) noexcept;
    void mark_sent(account& a, std::uint32_t generation) noexcept;
    void wake(account& a, time_ms now) noexcept;
    void run_accounts(time_ms now) noexcept;
    void poll_model(time_ms now) noexcept;
    void on_path_changed(const lwm2m::path& p, time_ms now) noexcept;
    void run_observations(time_ms now) noexcept;
    void add_observation(coap::observation_id id, ssid server, std::span<const lwm2m::path> paths,
                         bool composite, std::uint16_t format, time_ms now) noexcept;
    obs_slot* find_slot(std::uint32_t handle) noexcept;
    void notify_one(std::uint32_t handle, time_ms now) noexcept;
    void drop_observation(coap::observation_id id) noexcept;
    void drop_observations(ssid server) noexcept;
    mutable_bytes body_buf() noexcept;
    mutable_bytes scratch_buf() noexcept;
    void count(std::uint64_t client_counters::*field) noexcept {
        if (counters_ != nullptr) ++(counters_->*field);
    }

    // What the engine keeps of its client_config (the CoAP part lives in
    // coap_), so that a fleet of engines does not hold it twice.
    std::string_view endpoint_;
    std::uint16_t preferred_format_ = 0;
    const work_buffers* work_ = nullptr;
    client_counters* counters_ = nullptr;
    data_model& dm_;
    coap::engine coap_;
    bool started_ = false;
    time_ms now_ = 0;  ///< the latest time a caller gave us
    std::uint32_t send_size_ = 0;
    static_vector<account, max_servers> accounts_;
    observation_set obs_;
    std::array<obs_slot, max_observations> slots_{};
    std::array<client_event, SIROCCO_CLIENT_EVENTS> events_{};
    std::size_t ev_head_ = 0, ev_count_ = 0;
    std::array<std::uint8_t, SIROCCO_CLIENT_BODY_BYTES> body_{};
    std::array<std::uint8_t, SIROCCO_CLIENT_SCRATCH_BYTES> scratch_{};
    std::array<std::uint8_t, SIROCCO_CLIENT_REGISTER_BYTES> reg_buf_{};
    std::array<std::uint8_t, SIROCCO_CLIENT_SEND_BYTES> send_buf_{};
    // fetch_block(): one in flight; the block and ETag are copied here so
    // that the event's views outlive the CoAP engine's.
    bool fetch_busy_ = false;
    fetch_id fetch_x_;
    std::array<std::uint8_t, SIROCCO_CLIENT_FETCH_BYTES> fetch_buf_{};
    std::array<std::uint8_t, 8> fetch_etag_{};
};

}  // namespace sirocco::client
