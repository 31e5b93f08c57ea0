// CoAP message codecs for the three framings (RFC 7252 section 3, RFC 8323
// sections 3.2 and 4) and the incremental framer for stream transports.
//
// The codecs are purely syntactic: they check the header, token, option and
// payload-marker grammar and nothing about what the options mean. Whether the
// options are acceptable (unknown critical options, repetition, lengths) is
// decided by check_options() in options.hpp, and reliability (ACK/RST,
// message ids) by the exchange layer.
//
// Buffers: decode() returns a message whose option values and payload point
// into `in`; the caller keeps `in` alive and unchanged while it uses the
// message. encode() writes into the caller's buffer only. Nothing allocates.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"
#include "sirocco/coap/message.hpp"

namespace sirocco::coap {

/// Decodes exactly one message in `in` (a whole datagram, one whole stream
/// frame as delimited by stream_framer, or one compact message as delimited
/// by its carrier, e.g. an MQTT PUBLISH payload).
///
/// Errors (each with a reason in words):
/// - truncated: the input ends inside the header, token, extended length or an
///   option (RFC 7252 3: "message format error"); for the stream framing also
///   when the frame's Len says there are more bytes than given.
/// - malformed: version != 1 (datagram), TKL 9..15 (RFC 7252 3 / RFC 8323 3.2),
///   option delta or length nibble 15 that is not the payload marker (RFC 7252
///   3.1), a payload marker with no payload after it (RFC 7252 3), an option
///   number above 65535, an Empty message (0.00) with a token, options or
///   payload (datagram, RFC 7252 4.1), a compact header whose Len nibble is not
///   0 (RFC 8323 4), or bytes after the end of a stream frame.
/// - capacity_exceeded: more than `max_options` options.
/// A datagram error on a CON whose 4-byte header was readable is answered by
/// the exchange layer with RST (RFC 7252 4.2): see peek_datagram_header().
result<message> decode(bytes_view in, framing f) noexcept;

/// Decodes an MQTT-binding payload (docs mqtt-transport.md, "Framing"): the
/// compact form when the first byte is 0x00-0x08, the RFC 7252 datagram form
/// when it is 0x40-0x7F; anything else is malformed. The decoded message keeps
/// the wire type and message id; the MQTT transport treats every message as
/// non-confirmable and ignores the id. `form`, when given, receives the framing
/// that was recognised. Errors: as decode(), plus malformed for other first bytes.
result<message> decode_mqtt(bytes_view in, framing* form = nullptr) noexcept;

/// The fixed part of a datagram header (RFC 7252 3), readable even when the
/// rest of the message is malformed, so that a CON with a format error can be
/// rejected with a RST carrying its message id (RFC 7252 4.2).
struct datagram_header {
    msg_type type = msg_type::con;
    coap::code code;
    std::uint16_t message_id = 0;
    std::uint8_t token_length = 0;  ///< the raw TKL nibble (may be 9..15)
};
/// Errors: truncated (< 4 bytes), malformed (version != 1).
result<datagram_header> peek_datagram_header(bytes_view in) noexcept;

/// Bytes encode() would write for `m` in framing `f`.
/// Errors: invalid_argument when the options are not sorted by number, an
/// option value is longer than 65804 bytes (RFC 7252 3.1), (datagram) an
/// Empty message (0.00) has a token, options or a payload (RFC 7252 4.1), or
/// (stream) the message is longer than 2^32 - 1 + 65805 bytes.
result<std::size_t> encoded_size(const message& m, framing f) noexcept;

/// Encodes `m` into `out`; returns the number of bytes written. Datagram
/// writes version 1, m.type and m.message_id; stream writes the shortest Len
/// form (0-12, 13, 14, 15: RFC 8323 3.2); compact writes Len nibble 0.
/// Option deltas and lengths use the shortest forms (RFC 7252 3.1); a payload
/// marker is written only when the payload is not empty.
/// Errors: as encoded_size(), plus buffer_too_small (nothing usable is left in
/// `out` then; encoded_size() tells the size needed).
result<std::size_t> encode(const message& m, framing f, mutable_bytes out) noexcept;

/// Incremental framer for the stream framing (RFC 8323 3.2, TCP and TLS).
/// Feed it the bytes buffered so far (from the start of the next frame); it
/// answers how many more bytes it needs, or the length of the complete frame
/// at the front of the buffer, which the caller then passes to decode() and
/// drops from its buffer. It keeps no state between calls: a caller may call
/// it again after every read, with any split of the stream.
class stream_framer {
  public:
    /// Largest frame accepted, in bytes, header included (our Max-Message-Size,
    /// RFC 8323 5.3.1; the default 1152 is the RFC's base value).
    explicit constexpr stream_framer(std::size_t max_frame_size = 1152) noexcept
        : max_(max_frame_size) {}

    struct status {
        enum class kind : std::uint8_t { need_more, complete };
        kind what = kind::need_more;
        /// need_more: at least this many more bytes are needed (> 0);
        /// complete: the frame length (the frame is buffered[0, n)).
        std::size_t n = 1;
        constexpr bool complete() const noexcept { return what == kind::complete; }
    };

    /// Errors: malformed (TKL 9..15), capacity_exceeded (the frame is larger
    /// than max_frame_size(); the connection should be aborted, RFC 8323 5.6).
    result<status> check(bytes_view buffered) const noexcept;

    constexpr std::size_t max_frame_size() const noexcept { return max_; }
    constexpr void set_max_frame_size(std::size_t n) noexcept { max_ = n; }

  private:
    std::size_t max_;
};

}  // namespace sirocco::coap
