// CoAP messages (RFC 7252 section 3, RFC 8323 sections 3 and 4) and their
// codecs for three framings.
//
// A `message` is a view: its token is stored inline, its options and payload
// point into the buffer the message was decoded from (or into storage the
// builder of the message owns). It holds at most `max_options` options, so
// decoding allocates nothing. Whoever decodes a message must keep the input
// buffer alive while the message is used.
//
// Layering (after avs_coap): this header knows framing, codes, tokens and
// options. Reliability (message ids, CON/ACK), signalling, block-wise and
// observe live in the exchange layer (engine.hpp), never in a framing.
//
// See codec.hpp (decode/encode per framing, stream framer), options.hpp
// (option table, RFC 7252 5.4 checks, helpers, message_builder), block.hpp
// (Block1/Block2 values) and uri.hpp (coap:// URIs).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"
#include "sirocco/base/static_vector.hpp"

namespace sirocco::coap {

/// RFC 7252 message types. Stream and compact framings have no type; their
/// messages decode as `non` (ignored by the exchange layer there).
enum class msg_type : std::uint8_t { con = 0, non = 1, ack = 2, rst = 3 };

/// The three wire framings.
enum class framing : std::uint8_t {
    datagram,  ///< RFC 7252 4-byte header with version, type, message id (UDP, DTLS)
    stream,    ///< RFC 8323 section 3.2 Len/TKL + extended length (TCP, TLS)
    compact,   ///< RFC 8323 section 4 (WebSockets form): Len nibble 0 (MQTT binding)
};

/// A CoAP code, class.detail in one byte (c << 5 | dd).
struct code {
    std::uint8_t raw = 0;
    constexpr code() noexcept = default;
    constexpr explicit code(std::uint8_t r) noexcept : raw(r) {}
    constexpr code(unsigned cls, unsigned detail) noexcept
        : raw(static_cast<std::uint8_t>((cls << 5) | (detail & 0x1F))) {}
    constexpr unsigned cls() const noexcept { return raw >> 5; }
    constexpr unsigned detail() const noexcept { return raw & 0x1F; }
    constexpr bool is_empty() const noexcept { return raw == 0; }
    constexpr bool is_request() const noexcept { return cls() == 0 && raw != 0; }
    constexpr bool is_response() const noexcept { return cls() >= 2 && cls() <= 5; }
    constexpr bool is_signal() const noexcept { return cls() == 7; }
    friend constexpr bool operator==(code, code) noexcept = default;
};

namespace codes {
inline constexpr code empty{0, 0};
inline constexpr code get{0, 1}, post{0, 2}, put{0, 3}, del{0, 4}, fetch{0, 5}, patch{0, 6},
    ipatch{0, 7};
inline constexpr code created{2, 1}, deleted{2, 2}, valid{2, 3}, changed{2, 4}, content{2, 5},
    continue_{2, 31};
inline constexpr code bad_request{4, 0}, unauthorized{4, 1}, bad_option{4, 2}, forbidden{4, 3},
    not_found{4, 4}, method_not_allowed{4, 5}, not_acceptable{4, 6},
    request_entity_incomplete{4, 8}, precondition_failed{4, 12}, request_entity_too_large{4, 13},
    unsupported_content_format{4, 15};
inline constexpr code internal_server_error{5, 0}, not_implemented{5, 1}, bad_gateway{5, 2},
    service_unavailable{5, 3}, gateway_timeout{5, 4}, proxying_not_supported{5, 5};
// RFC 8323 section 5 signalling codes.
inline constexpr code csm{7, 1}, ping{7, 2}, pong{7, 3}, release{7, 4}, abort{7, 5};
}  // namespace codes

/// Option numbers (RFC 7252 12.2, 7641, 7959, 8323 5.x, 7967).
namespace opt {
inline constexpr std::uint16_t if_match = 1, uri_host = 3, etag = 4, if_none_match = 5, observe = 6,
                               uri_port = 7, location_path = 8, uri_path = 11, content_format = 12,
                               max_age = 14, uri_query = 15, accept = 17, location_query = 20,
                               block2 = 23, block1 = 27, size2 = 28, proxy_uri = 35,
                               proxy_scheme = 39, size1 = 60, no_response = 258;
// Signalling options: meaning depends on the signal code (RFC 8323 5.3-5.6).
inline constexpr std::uint16_t csm_max_message_size = 2, csm_block_wise_transfer = 4,
                               ping_custody = 2, release_alternative_address = 2,
                               release_hold_off = 4, abort_bad_csm_option = 2;
/// Critical options have an odd number (RFC 7252 5.4.1).
constexpr bool is_critical(std::uint16_t n) noexcept {
    return (n & 1) != 0;
}
}  // namespace opt

/// One option: number and value bytes (a view).
struct option {
    std::uint16_t number = 0;
    bytes_view value;

    /// uint option value (RFC 7252 3.2): 0..4 bytes big-endian (8 for safety).
    std::uint64_t as_uint() const noexcept;
    std::string_view as_string() const noexcept { return as_chars(value); }
};

/// Token: 0..8 bytes, stored inline.
class token {
  public:
    static constexpr std::size_t max_size = 8;
    constexpr token() noexcept = default;
    /// Copies `b` (0..8 bytes). Errors: out_of_range (more than 8 bytes).
    static result<token> from(bytes_view b) noexcept;
    constexpr std::size_t size() const noexcept { return n_; }
    bytes_view bytes() const noexcept { return {b_.data(), n_}; }
    friend bool operator==(const token& a, const token& b) noexcept {
        return a.n_ == b.n_ && equal(a.bytes(), b.bytes());
    }

  private:
    std::array<std::uint8_t, max_size> b_{};
    std::uint8_t n_ = 0;
};

/// Most options a message may carry; a message with more is rejected
/// (capacity_exceeded -> 4.13 Request Entity Too Large / 4.02 per caller).
/// A build may change it with -DSIROCCO_COAP_MAX_OPTIONS=N (the whole build
/// must agree): every message and engine event holds N options inline (24
/// bytes each on x86-64), so a device simulator holding many engines may
/// lower it (LwM2M requests need about 8: Uri-Path x4, Content-Format,
/// Accept, Observe, Block).
#ifndef SIROCCO_COAP_MAX_OPTIONS
#define SIROCCO_COAP_MAX_OPTIONS 24
#endif
inline constexpr std::size_t max_options = SIROCCO_COAP_MAX_OPTIONS;

struct message {
    msg_type type = msg_type::con;  ///< datagram only
    coap::code code;
    std::uint16_t message_id = 0;  ///< datagram only
    coap::token token;
    static_vector<option, max_options> options;  ///< sorted by number, stable
    bytes_view payload;
};

}  // namespace sirocco::coap
