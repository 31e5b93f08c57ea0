// Configuration and fixed capacities of the CoAP exchange engine (engine.hpp).
//
// Two kinds of knobs:
// - `limits`: compile-time capacities. They size the storage inside an
//   `engine` object (no heap). A build changes them by defining the
//   SIROCCO_COAP_* macros below before including this header (the whole build
//   must agree, e.g. with a -D flag).
// - `config`: run-time protocol parameters (RFC 7252 4.8 transmission
//   parameters, block-wise bounds, observe policy), per engine.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sirocco/base/strong_id.hpp"

#ifndef SIROCCO_COAP_MAX_PDU
#define SIROCCO_COAP_MAX_PDU 1152
#endif
#ifndef SIROCCO_COAP_PEERS
#define SIROCCO_COAP_PEERS 4
#endif
#ifndef SIROCCO_COAP_EXCHANGES
#define SIROCCO_COAP_EXCHANGES 8
#endif
#ifndef SIROCCO_COAP_DEDUP
#define SIROCCO_COAP_DEDUP 8
#endif
#ifndef SIROCCO_COAP_OBSERVATIONS
#define SIROCCO_COAP_OBSERVATIONS 4
#endif
#ifndef SIROCCO_COAP_BLOCK1_SESSIONS
#define SIROCCO_COAP_BLOCK1_SESSIONS 2
#endif
#ifndef SIROCCO_COAP_EVENTS
#define SIROCCO_COAP_EVENTS 8
#endif
#ifndef SIROCCO_COAP_CONTROL
#define SIROCCO_COAP_CONTROL 8
#endif
#ifndef SIROCCO_COAP_TEMPLATE_BYTES
#define SIROCCO_COAP_TEMPLATE_BYTES 256
#endif
#ifndef SIROCCO_COAP_STREAM
#define SIROCCO_COAP_STREAM 1
#endif

namespace sirocco::coap {

/// Monotonic time in milliseconds, supplied by the caller (any epoch).
using time_ms = std::uint64_t;

/// Opaque small id of a peer (a UDP address, a TCP connection, an MQTT
/// topic pair...), assigned by the runtime. The engine never interprets it.
using peer_id = strong_id<struct peer_tag, std::uint32_t>;

namespace limits {
/// Largest message the engine stores or builds, header included (RFC 7252
/// 4.6 suggests 1152 bytes: a 1024-byte block plus header and options). Also
/// the Max-Message-Size we announce in our CSM (RFC 8323 5.3.1), and the
/// smallest buffer poll_transmit() accepts.
inline constexpr std::size_t max_pdu = SIROCCO_COAP_MAX_PDU;
/// Peers open at once (open_peer()). Each stream peer holds a receive buffer
/// of max_pdu bytes for a frame that arrived in pieces.
inline constexpr std::size_t peers = SIROCCO_COAP_PEERS;
/// Exchanges at once, over all peers: our outstanding requests (including
/// established client observations), incoming requests not yet answered,
/// separate responses and notifications awaiting their ACK. Each holds one
/// message buffer of max_pdu bytes.
inline constexpr std::size_t exchanges = SIROCCO_COAP_EXCHANGES;
/// Duplicate-detection entries (RFC 7252 4.5), each with a cached response of
/// up to max_pdu bytes, kept EXCHANGE_LIFETIME (or NON_LIFETIME).
inline constexpr std::size_t dedup = SIROCCO_COAP_DEDUP;
/// Observations we serve (RFC 7641, server role).
inline constexpr std::size_t observations = SIROCCO_COAP_OBSERVATIONS;
/// Block1 uploads we receive at once (RFC 7959 2.5, server role).
inline constexpr std::size_t block1_sessions = SIROCCO_COAP_BLOCK1_SESSIONS;
/// Events waiting for poll_event().
inline constexpr std::size_t events = SIROCCO_COAP_EVENTS;
/// Small messages waiting for poll_transmit(): empty ACK, RST, CSM, Ping,
/// Pong, Release, Abort.
inline constexpr std::size_t control = SIROCCO_COAP_CONTROL;
/// Bytes of options of one request kept to build its follow-up block
/// requests and its deregistration (Uri-Path, Uri-Query, Accept...).
inline constexpr std::size_t template_bytes = SIROCCO_COAP_TEMPLATE_BYTES;
/// Stream framing (RFC 8323, CoAP over TCP/TLS) compiled in. 0: each peer
/// drops its max_pdu receive buffer for frames that arrive in pieces, and
/// open_peer() refuses framing::stream (errc::unsupported). For builds that
/// only speak UDP/DTLS or MQTT (a device simulator holding many engines).
inline constexpr bool stream = SIROCCO_COAP_STREAM != 0;
/// Bytes of each peer's receive buffer for a stream frame in pieces.
inline constexpr std::size_t stream_rx_bytes = stream ? max_pdu : 0;
}  // namespace limits

/// Random source: returns 32 uniformly random bits. Used for message ids,
/// tokens and the ACK_RANDOM_FACTOR spread. Must be non-null.
using rng_fn = std::uint32_t (*)(void* ctx) noexcept;

/// Run-time parameters. Defaults are the RFC 7252 4.8 / 7641 / 8323 ones.
struct config {
    // RFC 7252 4.8 transmission parameters (datagram framing only).
    std::uint32_t ack_timeout_ms = 2000;              ///< ACK_TIMEOUT
    std::uint32_t ack_random_factor_permille = 1500;  ///< ACK_RANDOM_FACTOR x 1000 (>= 1000)
    std::uint8_t max_retransmit = 4;                  ///< MAX_RETRANSMIT
    std::uint8_t nstart = 1;                          ///< NSTART: outstanding requests per peer
    std::uint32_t exchange_lifetime_ms =
        247000;  ///< EXCHANGE_LIFETIME: dedup of CON, wait for a separate response
    std::uint32_t non_lifetime_ms = 145000;  ///< NON_LIFETIME: dedup of NON
    /// An incoming CON request not answered within this time gets an empty
    /// ACK; the response then goes out as a separate CON (RFC 7252 5.2.2).
    std::uint32_t piggyback_window_ms = 1000;
    /// How long we wait for the response to a NON request, and to any request
    /// over stream and compact framings (the MQTT binding's request timeout).
    std::uint32_t request_timeout_ms = 10000;

    // Block-wise (RFC 7959).
    /// Largest block we send or accept (16..1024, a power of two). A Block1
    /// block or an unfragmented request payload larger than this is answered
    /// 4.13 with a Block1 option of this size (RFC 7959 2.9.3).
    std::uint16_t max_block_size = 1024;
    /// Largest body we upload, accept in Block1, or reassemble from Block2.
    std::uint32_t max_body_size = 64 * 1024;
    /// Block-wise transfers at once, our uploads and downloads (<= exchanges).
    std::uint8_t max_transfers = 4;

    // Observe (RFC 7641 4.5), server role, datagram framing.
    /// Every Nth notification is CON (0: only by interval); the others NON.
    std::uint8_t notify_con_every = 5;
    /// A notification is CON when the last CON one was longer ago than this.
    std::uint32_t notify_con_interval_ms = 24u * 3600u * 1000u;

    /// Token length for our requests (1..8 bytes).
    std::uint8_t token_length = 4;

    rng_fn rng = nullptr;
    void* rng_ctx = nullptr;
};

}  // namespace sirocco::coap
