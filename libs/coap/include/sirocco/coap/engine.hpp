// The sans-I/O CoAP exchange engine: one exchange layer (tokens, block-wise,
// observe) over three framings (RFC 7252 datagram with its reliability layer,
// RFC 8323 stream with its signalling, RFC 8323 4 compact for the MQTT
// binding). The same engine plays the client and the server role at once.
//
// Shape (after ngtcp2): the caller owns sockets and clocks.
//   open_peer(peer, framing, now)         once per UDP address / connection
//   on_receive(peer, bytes, now)          bytes in (a datagram, a piece of a
//                                         stream, one MQTT payload)
//   on_timer(now)                         when next_deadline() has passed
//   poll_transmit(buf) -> {peer, size}    bytes out, until nullopt
//   poll_event() -> event                 what happened, until nullopt
//   send_request / respond / notify / cancel / ping / release / abort
// After each call that feeds the engine, drain poll_event() and
// poll_transmit(), then re-arm the timer from next_deadline().
//
// Layering (avs_coap's rule): the datagram reliability (message ids, CON/ACK,
// RST, retransmission, duplicate detection, RFC 7252 4) and the stream
// signalling (CSM, Ping/Pong, Release, Abort, RFC 8323 5) only carry
// messages; tokens, block-wise (RFC 7959) and observe (RFC 7641) are handled
// once, above them, for every framing. The compact framing has neither: no
// message ids or ACKs, token matching only, a request timeout.
//
// Memory: everything lives inside the engine object, sized by
// coap::limits (config.hpp); nothing is allocated, ever. sizeof(engine) is
// 30,704 bytes on Cortex-M4 (33,680 on x86-64) with the default limits, nearly
// all of it message buffers: (peers + exchanges + dedup) x max_pdu plus
// exchanges x template_bytes plus events x sizeof(event). The code is about
// 17 kB of flash (arm-none-eabi-g++ -Os, Thumb-2; the codec not included).
// Two kinds of buffers are borrowed from the caller and must outlive their
// use, as stated at each function: the body of an upload (send_request) and
// the reassembly buffer of a download (request_options::response_buffer).
//
// Time: `now` is the caller's monotonic clock in milliseconds; it must never
// go backwards. Randomness: config::rng.
//
// Views in events: an event's message and body point into the bytes given to
// the on_receive() call that produced it, into the engine, or into the
// caller's reassembly buffer. They stay valid until the next on_receive() or
// on_timer() call; poll every event before feeding the engine again.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"
#include "sirocco/coap/block.hpp"
#include "sirocco/coap/config.hpp"
#include "sirocco/coap/message.hpp"

namespace sirocco::coap {

/// Handle of a request we sent (client role). Stale handles are detected
/// (generation counter) and give not_found.
using exchange_id = strong_id<struct exchange_tag, std::uint32_t>;
/// Handle of a request we received (server role), for respond().
using request_id = strong_id<struct request_tag, std::uint32_t>;
/// Handle of an observation we serve (server role), for notify().
using observation_id = strong_id<struct observation_tag, std::uint32_t>;

/// What poll_event() reports.
enum class event_kind : std::uint8_t {
    /// Server: a request arrived. `request`, `msg` (the request as received),
    /// `body` (its payload), `block1` (when the request carries Block1: the
    /// engine has checked it is the next block; answer 2.31 Continue while
    /// block1->more, respond() echoes the Block1 option), `block2` (the block
    /// the client asked for; respond() slices the body for it), `observe`
    /// (the Observe option: 0 register, 1 deregister). Answer with respond().
    request,
    /// Client: the final response. `exchange`, `msg` (the last message),
    /// `body`: the whole reassembled body when a response_buffer was lent,
    /// else the payload of the last message. For an observe request whose
    /// response carries Observe the exchange stays open for notifications;
    /// `observe` is then set (also when only block 0 carried it).
    response,
    /// Client: one Block2 block of a response arrived (`body`, `offset`,
    /// `total` when Size2 was given). Sent before the next block is asked for.
    response_block,
    /// Client: the server acknowledged an upload block (2.31); `offset` =
    /// bytes acknowledged so far, `total` = body size.
    upload_progress,
    /// Client: a fresh notification of an observation (RFC 7641 3.4: stale
    /// or reordered ones are dropped). `observe_seq`, `msg`, `body`.
    notification,
    /// Client: the exchange gave up: no ACK after MAX_RETRANSMIT (datagram),
    /// or no response in time. `exchange`; also for a ping (`peer`).
    timeout,
    /// Client: the peer answered our request with RST. `exchange`.
    reset,
    /// Client: the exchange failed for another reason in `err` (body larger
    /// than the bound or the buffer, block-wise protocol error, peer
    /// closed/aborted). `exchange`.
    failed,
    /// Server: an observation ended: the client cancelled (RST, GET with
    /// Observe 1), a CON notification was not acknowledged, or the peer was
    /// closed. `observation`.
    observe_cancelled,
    /// Stream: the peer's CSM arrived (`max_message_size`, `block_wise`).
    csm,
    /// Stream: the Pong answering our ping(peer) arrived.
    pong,
    /// Stream: the peer sent Release (RFC 8323 5.5): send nothing new on it.
    released,
    /// Stream: the peer sent Abort (RFC 8323 5.6), or we aborted because it
    /// broke the protocol (`err` says why). All its exchanges have failed.
    aborted,
};

struct event {
    event_kind kind = event_kind::request;
    peer_id peer;
    exchange_id exchange;
    request_id request;
    observation_id observation;
    message msg;
    bytes_view body;
    std::size_t offset = 0;
    std::size_t total = 0;  ///< 0 when unknown
    std::optional<block_value> block1;
    std::optional<block_value> block2;
    std::optional<std::uint32_t> observe;
    std::uint32_t observe_seq = 0;
    std::uint32_t max_message_size = 0;
    bool block_wise = false;
    sirocco::error err;
};

/// One datagram / chunk of stream bytes written by poll_transmit().
struct transmit {
    peer_id peer;
    std::size_t size = 0;
};

/// Options of send_request().
struct request_options {
    /// Where a Block2 response body is reassembled (borrowed until the
    /// response / failure event of this exchange has been polled). Empty: no
    /// reassembly; the caller collects response_block events.
    mutable_bytes response_buffer;
    /// Ask for this block size from the first request (early negotiation,
    /// RFC 7959 2.4): 16..1024, 0 for none.
    std::uint16_t block2_size = 0;
    /// One block only (a device-paced download, e.g. mq2m:// firmware):
    /// ask for block `block2_num` of `block2_size` bytes (block2_size must be
    /// set) and end the exchange with its `response` event (`block2` gives
    /// NUM/M/SZX, `total` the Size2, `body` the block) instead of asking for
    /// the next block. max_body_size does not apply (no reassembly).
    bool block2_single = false;
    std::uint32_t block2_num = 0;
};

/// How notify() picks the message type on datagram framing.
enum class notify_type : std::uint8_t { automatic, con, non };

/// What a duplicate of an already handled datagram gets (RFC 7252 4.5).
enum class dedup_answer : std::uint8_t {
    response,   ///< the cached response (piggybacked ACK, or a NON answer) again
    empty_ack,  ///< an empty ACK (a separate response or CON notification we took)
    rst,        ///< RST (a message we rejected)
    ignore,     ///< nothing (a NON we took, a request forgotten unanswered)
};

/// One duplicate-detection entry of a datagram peer, for a host that keeps
/// one engine per peer and releases it between messages (engine::
/// dedup_records / restore_dedup): a few dozen bytes instead of an engine.
struct dedup_record {
    std::uint16_t message_id = 0;
    dedup_answer answer = dedup_answer::ignore;
    time_ms expiry = 0;   ///< the entry is dropped at this time
    bytes_view response;  ///< answer == response: the whole encoded message
};

/// A Block1 upload we receive (RFC 7959 2.5) between two of its blocks, for
/// the same host (engine::block1_records / restore_block1): which request it
/// is (a hash of its code and Uri options), the next block expected, bytes so
/// far, and when it is given up.
struct block1_record {
    std::uint32_t key = 0;
    std::uint32_t next_num = 0;
    std::uint32_t received = 0;
    time_ms expiry = 0;
};

class engine {
  public:
    /// `cfg.rng` must be set. Bad values are clamped: max_block_size to a
    /// power of two in 16..1024, token_length to 1..8, nstart to >= 1.
    explicit engine(const config& cfg) noexcept;
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    const config& cfg() const noexcept { return cfg_; }

    // --- peers --------------------------------------------------------------

    /// Starts tracking a peer. Stream peers get our CSM queued first (RFC
    /// 8323 5.3); our requests to them wait for the peer's CSM.
    /// Errors: capacity_exceeded (limits::peers open), invalid_argument (the
    /// id is already open), unsupported (framing::stream in a build with
    /// SIROCCO_COAP_STREAM=0).
    result<void> open_peer(peer_id peer, framing f, time_ms now) noexcept;
    /// Forgets a peer (connection closed, address gone). Its client
    /// exchanges end with `failed` events, its observations with
    /// observe_cancelled (as far as the event queue has room).
    void close_peer(peer_id peer) noexcept;

    // --- input --------------------------------------------------------------

    /// Feeds received bytes. Datagram and compact: `bytes` is one whole
    /// message. Stream: any piece of the byte stream; the engine handles at
    /// most one message per call and returns how many bytes it consumed: call
    /// again with the rest (after polling events) until all is consumed.
    /// Malformed input is answered (RST, 4.02, Abort) or dropped, never fatal.
    /// Errors: not_found (peer not open), capacity_exceeded (the event queue
    /// is full: nothing consumed; poll events and feed again).
    result<std::size_t> on_receive(peer_id peer, bytes_view bytes, time_ms now) noexcept;

    /// Runs retransmissions, timeouts and delayed ACKs due at `now`.
    void on_timer(time_ms now) noexcept;

    /// The earliest time on_timer() has work; nullopt when none.
    std::optional<time_ms> next_deadline() const noexcept;

    // --- output -------------------------------------------------------------

    /// Writes the next message to send into `out` (at least limits::max_pdu
    /// bytes, else nothing is written). nullopt when nothing is due.
    std::optional<transmit> poll_transmit(mutable_bytes out) noexcept;

    /// The next event, oldest first.
    std::optional<event> poll_event() noexcept;

    // --- client role --------------------------------------------------------

    /// Sends a request: `req` gives code, type (CON/NON, datagram only) and
    /// options (Observe 0 makes it an observe request); its token, message id
    /// and payload are ignored: the engine assigns token and message id and
    /// sends `body` (Block1 when larger than the block size). `req`'s option
    /// values are copied; `body` is borrowed until the exchange ends.
    /// Errors: not_found (peer), not_allowed (peer released/aborted),
    /// capacity_exceeded (no exchange slot, too many transfers, body larger
    /// than max_body_size, options above limits::template_bytes),
    /// invalid_argument (code is not a request).
    result<exchange_id> send_request(peer_id peer, const message& req, bytes_view body, time_ms now,
                                     const request_options& opts = {}) noexcept;

    /// Re-creates a client observation that an earlier engine (before a
    /// restart, or on another peer before the client's address changed)
    /// established: an exchange in the observing state on `peer` with token
    /// `tok`, so that notifications carrying that token are accepted and
    /// reported as `notification` events (the first one is always fresh).
    /// `req` gives code and options as for send_request() (kept for the
    /// deregistration of cancel(x, now, true)); its payload is not kept.
    /// Nothing is sent. Errors: not_found (peer), invalid_argument (code is
    /// not a request, or `tok` is already in use on that peer),
    /// capacity_exceeded (no exchange slot, options above
    /// limits::template_bytes).
    result<exchange_id> resume_observation(peer_id peer, const message& req, const coap::token& tok,
                                           time_ms now) noexcept;

    /// Ends an exchange. For an established observation with `deregister`,
    /// sends a GET with Observe 1 (RFC 7641 3.6; a FETCH again with its
    /// payload when that fits one block) and the exchange stays open
    /// until its response (a `response` event); otherwise it is forgotten and
    /// a later notification gets RST. Errors: not_found.
    result<void> cancel(exchange_id x, time_ms now, bool deregister = false) noexcept;

    // --- server role --------------------------------------------------------

    /// Answers a request event. `resp` gives code and options (token, type,
    /// message id, payload ignored; option values copied). `body` is read
    /// during the call only: when it does not fit one block, or the client
    /// asked for a block, the block the request asked for is sent with
    /// Block2 and (first block) Size2. Piggybacked on the ACK when in time,
    /// else a separate CON. When the request registered an observation
    /// (Observe 0) and the code is 2.xx, the observation is kept and its id
    /// returned (no id: not registered, e.g. limits::observations reached).
    /// Block2 is served statelessly (RFC 7959 2.4 allows it): each block
    /// request is a new request event, and the application gives the same
    /// body again; the engine sends the block asked for.
    /// A request not answered within EXCHANGE_LIFETIME is forgotten (its
    /// handle then gives not_found).
    /// Errors: not_found (stale handle), buffer_too_small (the response does
    /// not fit limits::max_pdu / the peer's Max-Message-Size),
    /// capacity_exceeded (too many options).
    result<std::optional<observation_id>> respond(request_id r, const message& resp,
                                                  bytes_view body, time_ms now) noexcept;

    /// Sends a notification with the next sequence number. Datagram: CON
    /// every config::notify_con_every or after notify_con_interval_ms (or as
    /// `type` says); a notification still unacknowledged is replaced by the
    /// new one (RFC 7641 4.5.2). A body larger than one block sends its first
    /// block (Block2, M=1). Errors: not_found, buffer_too_small,
    /// capacity_exceeded (no exchange slot for a CON notification).
    result<void> notify(observation_id o, const message& n, bytes_view body, time_ms now,
                        notify_type type = notify_type::automatic) noexcept;

    /// Drops an observation we serve, without telling the client.
    void end_observation(observation_id o) noexcept;

    // --- stream signalling (RFC 8323 5) --------------------------------------

    /// Sends a Ping; a `pong` or `timeout` event follows. Errors: not_found,
    /// not_allowed (not a stream peer), capacity_exceeded (queue full).
    result<void> ping(peer_id peer, time_ms now) noexcept;
    /// Sends Release. Errors as ping().
    result<void> release(peer_id peer) noexcept;
    /// Sends Abort with `diagnostic` (a string literal) and fails every
    /// exchange of the peer. Errors as ping().
    result<void> abort(peer_id peer, const char* diagnostic) noexcept;

    /// True when the engine holds no state worth keeping at `now`: no
    /// exchange (client, server, notification), no observation it serves, no
    /// Block1 session, no queued control message, no unpolled event, and no
    /// duplicate-detection entry still alive. A host keeping one engine per
    /// peer (the LwM2M server) may then destroy it and make a new one when
    /// the peer is heard from again.
    bool idle(time_ms now) const noexcept;

    /// True when nothing is left but duplicate detection and Block1 uploads
    /// between blocks: idle() except for dedup entries that are complete (not
    /// pending and not waiting to be sent) and Block1 sessions. A host keeping
    /// one engine per datagram peer may then save the peer's dedup_records(),
    /// block1_records() and next_message_id(), destroy the engine, and put
    /// them into a new one (restore_dedup, restore_block1,
    /// set_next_message_id) when the peer is heard from again: duplicates
    /// then get the same answers, the next block of an upload is taken, and
    /// our message ids do not repeat while the peer may still remember them.
    bool quiescent(time_ms now) const noexcept;
    /// Writes up to `max` Block1 sessions of `peer` alive at `now` into `out`;
    /// returns how many.
    std::size_t block1_records(peer_id peer, time_ms now, block1_record* out,
                               std::size_t max) const noexcept;
    /// Re-creates a Block1 session for `peer`. Errors: not_found (peer not
    /// open), capacity_exceeded (limits::block1_sessions alive).
    result<void> restore_block1(peer_id peer, const block1_record& r) noexcept;
    /// Writes up to `max` live duplicate-detection entries of `peer` (complete
    /// ones whose expiry is after `now`) into `out`; returns how many. The
    /// `response` views point into the engine and stay valid until the next
    /// call that feeds or polls it.
    std::size_t dedup_records(peer_id peer, time_ms now, dedup_record* out,
                              std::size_t max) const noexcept;
    /// Adds a duplicate-detection entry for `peer` (its response bytes are
    /// copied). Errors: not_found (peer not open), not_allowed (not a
    /// datagram peer), invalid_argument (answer == response with no bytes or
    /// more than limits::max_pdu), capacity_exceeded (no free entry).
    result<void> restore_dedup(peer_id peer, const dedup_record& r) noexcept;
    /// The message id our next message to `peer` will carry (datagram);
    /// nullopt when the peer is not open.
    std::optional<std::uint16_t> next_message_id(peer_id peer) const noexcept;
    /// Continues the message-id sequence of an earlier engine for `peer`.
    /// Errors: not_found.
    result<void> set_next_message_id(peer_id peer, std::uint16_t mid) noexcept;

    /// Counters for tests and metrics.
    struct stats {
        std::uint32_t retransmissions = 0;
        std::uint32_t duplicates = 0;
        std::uint32_t dropped = 0;  ///< messages dropped (malformed, no room, unknown)
    };
    const stats& counters() const noexcept { return stats_; }

  private:
    // ---- storage -------------------------------------------------------------
    enum class ctl_kind : std::uint8_t { empty_ack, rst, csm, ping, pong, release, abort, reply };
    struct control_entry {
        bool used = false;
        ctl_kind kind = ctl_kind::empty_ack;
        std::uint8_t peer = 0;
        std::uint16_t mid = 0;
        coap::token tok;
        const char* diagnostic = nullptr;
        std::uint16_t bad_option = 0;
        std::uint32_t order = 0;
        // reply: a short error answer when no cache entry is free
        coap::code code;
        msg_type type = msg_type::ack;
        bool has_block1 = false;
        block_value block1;
        std::uint32_t size1 = 0;
    };
    struct peer_slot {
        bool used = false;
        peer_id id;
        framing fr = framing::datagram;
        std::uint16_t next_mid = 0;
        bool csm_received = false;
        bool released = false;
        bool aborted = false;
        std::uint32_t peer_max_message = 1152;
        bool peer_block_wise = false;
        bool ping_outstanding = false;
        coap::token ping_token;
        time_ms ping_deadline = 0;
        std::uint16_t rx_size = 0;
        std::array<std::uint8_t, limits::stream_rx_bytes> rx{};
    };
    enum class dd_kind : std::uint8_t { pending, empty_ack, rst, response, ignore };
    struct dedup_entry {
        bool used = false;
        std::uint8_t peer = 0;
        std::uint16_t mid = 0;
        dd_kind kind = dd_kind::pending;
        time_ms expiry = 0;
        bool send_pending = false;
        std::uint32_t order = 0;
        std::uint16_t size = 0;
        std::array<std::uint8_t, limits::max_pdu> buf{};
    };
    enum class x_role : std::uint8_t { none, client, server, notification, oneshot };
    enum class c_state : std::uint8_t { queued, waiting, observing, deregistering };
    struct exchange_slot {
        x_role role = x_role::none;
        std::uint16_t gen = 0;
        std::uint8_t peer = 0;
        coap::token tok;
        std::uint16_t mid = 0;
        // transmission
        bool send_pending = false;
        std::uint32_t order = 0;
        bool awaiting_ack = false;
        std::uint8_t retransmits = 0;
        std::uint32_t timeout_ms = 0;
        time_ms next_retransmit = 0;
        time_ms deadline = 0;  ///< 0: none
        std::uint16_t wire_size = 0;
        std::array<std::uint8_t, limits::max_pdu> wire{};
        // client
        c_state state = c_state::queued;
        msg_type req_type = msg_type::con;
        coap::code req_code;
        std::uint16_t tmpl_size = 0;
        std::array<std::uint8_t, limits::template_bytes> tmpl{};
        bool observe = false;
        bool first_sent = false;
        bool transfer = false;  ///< counts against max_transfers
        bytes_view upload;
        std::size_t upload_offset = 0;
        std::uint8_t szx1 = 6;
        bool block1 = false;
        bool sent_413_restart = false;
        mutable_bytes reassembly;
        std::size_t received = 0;
        std::uint8_t szx2 = 6;
        bool early_block2 = false;
        std::uint32_t next_block2 = 0;
        bool single_block2 = false;
        bool have_seq = false;
        std::uint32_t last_seq = 0;
        time_ms last_seq_time = 0;
        // server
        msg_type in_type = msg_type::con;
        std::uint16_t in_mid = 0;
        bool empty_acked = false;
        time_ms ack_deadline = 0;
        std::optional<block_value> in_block1;
        std::optional<block_value> in_block2;
        bool observe_register = false;
        // notification
        std::uint8_t obs = 0;
    };
    struct observation_slot {
        bool used = false;
        std::uint16_t gen = 0;
        std::uint8_t peer = 0;
        coap::token tok;
        std::uint32_t seq = 0;
        std::uint32_t since_con = 0;
        time_ms last_con = 0;
        bool last_mid_valid = false;
        std::uint16_t last_mid = 0;
    };
    struct block1_session {
        bool used = false;
        std::uint8_t peer = 0;
        std::uint32_t key = 0;
        std::uint32_t next_num = 0;
        std::size_t received = 0;
        time_ms expiry = 0;
    };

    // ---- helpers (engine.cpp, exchange.cpp, observe.cpp, signalling.cpp) ----
    peer_slot* find_peer(peer_id p) noexcept;
    std::uint16_t next_mid(peer_slot& p) noexcept;
    std::uint32_t random() noexcept;
    coap::token new_token() noexcept;
    std::uint32_t initial_timeout() noexcept;
    std::uint32_t next_order() noexcept { return order_++; }
    bool push_event(const event& e) noexcept;
    std::size_t events_free() const noexcept { return limits::events - ev_count_; }
    bool queue_control(const control_entry& c) noexcept;
    exchange_slot* alloc_exchange(x_role role, std::uint8_t peer) noexcept;
    void free_exchange(exchange_slot& x) noexcept;
    std::uint8_t index_of(const peer_slot& p) const noexcept;
    std::uint8_t index_of(const exchange_slot& x) const noexcept;
    dedup_entry* find_dedup(std::uint8_t peer, std::uint16_t mid, time_ms now) noexcept;
    dedup_entry* alloc_dedup(std::uint8_t peer, std::uint16_t mid, time_ms expiry,
                             time_ms now) noexcept;
    void start_con(exchange_slot& x, time_ms now) noexcept;
    std::size_t write_control(const control_entry& c, mutable_bytes out) noexcept;

    void handle_message(peer_slot& p, const message& m, time_ms now) noexcept;
    void handle_ack_rst(peer_slot& p, const message& m, time_ms now) noexcept;
    void handle_request(peer_slot& p, const message& m, time_ms now) noexcept;
    void handle_response(peer_slot& p, exchange_slot& x, const message& m, time_ms now) noexcept;
    void handle_signal(peer_slot& p, const message& m, time_ms now) noexcept;
    void reply_direct(peer_slot& p, const message& req, code c, const block_value* block1,
                      std::uint32_t size1, time_ms now) noexcept;

    // client
    result<void> build_client_wire(exchange_slot& x, std::uint16_t deregister_observe) noexcept;
    void try_start(peer_slot& p, time_ms now) noexcept;
    void send_client(exchange_slot& x, time_ms now) noexcept;
    void finish_client(exchange_slot& x, event_kind k, sirocco::error err) noexcept;
    std::size_t outstanding(std::uint8_t peer) const noexcept;
    std::size_t active_transfers() const noexcept;
    std::size_t block_size_for(const peer_slot& p) const noexcept;

    // server
    block1_session* find_block1(std::uint8_t peer, std::uint32_t key, time_ms now) noexcept;
    observation_slot* find_observation(observation_id o) noexcept;
    void cancel_observation_slot(observation_slot& o, sirocco::error why) noexcept;
    result<std::size_t> encode_to(const message& m, const peer_slot& p,
                                  mutable_bytes out) const noexcept;

    bool send_oneshot(peer_slot& p, const message& m) noexcept;
    bool send_cached(peer_slot& p, std::uint16_t mid, const message& m) noexcept;
    void fail_peer(peer_slot& p, event_kind k, sirocco::error why) noexcept;
    exchange_slot* find_client_by_token(std::uint8_t peer, const coap::token& t) noexcept;

    config cfg_;
    stats stats_;
    std::uint32_t rng_state_ = 0x9E3779B9u;
    time_ms last_now_ = 0;  ///< the latest time a caller gave us
    std::uint32_t order_ = 1;
    std::uint16_t gen_ = 1;
    std::array<peer_slot, limits::peers> peers_{};
    std::array<exchange_slot, limits::exchanges> xs_{};
    std::array<dedup_entry, limits::dedup> dedup_{};
    std::array<observation_slot, limits::observations> obs_{};
    std::array<block1_session, limits::block1_sessions> b1_{};
    std::array<control_entry, limits::control> ctl_{};
    std::array<event, limits::events> ev_{};
    std::size_t ev_head_ = 0;
    std::size_t ev_count_ = 0;
};

}  // namespace sirocco::coap
