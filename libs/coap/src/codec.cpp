// CoAP codecs: RFC 7252 3 (datagram), RFC 8323 3.2 (stream), RFC 8323 4
// (compact). The option and payload grammar is the same in all three.
#include "sirocco/coap/codec.hpp"

namespace sirocco::coap {
namespace {

constexpr std::size_t max_option_length = 65535 + 269;
constexpr std::uint64_t max_stream_body = 0xFFFFFFFFull + 65805;

// Reads an extended option delta or length for nibble `n` (13: +1 byte,
// 14: +2 bytes). The caller has already rejected 15.
bool read_ext(byte_reader& r, unsigned n, std::uint32_t& out) noexcept {
    if (n < 13) {
        out = n;
        return true;
    }
    std::uint64_t v = 0;
    if (n == 13) {
        if (!r.read_be(1, v)) return false;
        out = static_cast<std::uint32_t>(v + 13);
    } else {
        if (!r.read_be(2, v)) return false;
        out = static_cast<std::uint32_t>(v + 269);
    }
    return true;
}

// Options and payload: everything after the token (RFC 7252 3, 3.1).
result<void> decode_body(byte_reader& r, message& m) noexcept {
    std::uint32_t number = 0;
    std::uint8_t b = 0;
    while (r.read_u8(b)) {
        if (b == 0xFF) {
            if (r.empty())
                return unexpected(errc::malformed, "payload marker with no payload after it");
            m.payload = r.rest();
            (void)r.skip(r.remaining());
            return {};
        }
        unsigned dn = b >> 4, ln = b & 0x0F;
        if (dn == 15)
            return unexpected(errc::malformed, "option delta 15 outside the payload marker");
        if (ln == 15)
            return unexpected(errc::malformed, "option length 15 outside the payload marker");
        std::uint32_t delta = 0, len = 0;
        if (!read_ext(r, dn, delta))
            return unexpected(errc::truncated, "message ends inside an extended option delta");
        if (!read_ext(r, ln, len))
            return unexpected(errc::truncated, "message ends inside an extended option length");
        number += delta;
        if (number > 0xFFFF) return unexpected(errc::malformed, "option number above 65535");
        option o;
        o.number = static_cast<std::uint16_t>(number);
        if (!r.read_bytes(len, o.value))
            return unexpected(errc::truncated, "option value runs past the end of the message");
        if (!m.options.push_back(o))
            return unexpected(errc::capacity_exceeded, "message has more options than supported");
    }
    return {};
}

result<void> read_token(byte_reader& r, unsigned tkl, message& m) noexcept {
    if (tkl > token::max_size) return unexpected(errc::malformed, "token length 9-15 is reserved");
    bytes_view t;
    if (!r.read_bytes(tkl, t)) return unexpected(errc::truncated, "message ends inside the token");
    auto tok = token::from(t);
    if (!tok) return unexpected(tok.error());
    m.token = *tok;
    return {};
}

result<message> decode_datagram(bytes_view in) noexcept {
    auto h = peek_datagram_header(in);
    if (!h) return unexpected(h.error());
    message m;
    m.type = h->type;
    m.code = h->code;
    m.message_id = h->message_id;
    byte_reader r(in);
    (void)r.skip(4);
    if (m.code.is_empty() && (h->token_length != 0 || !r.empty()))
        return unexpected(errc::malformed, "empty message (0.00) with bytes after the message id");
    SIROCCO_TRY(read_token(r, h->token_length, m));
    SIROCCO_TRY(decode_body(r, m));
    return m;
}

// Stream header: Len/TKL, extended length, code. Fills len, tkl and the
// header length; no bounds beyond the header are checked.
struct stream_head {
    std::uint64_t body = 0;  // options + payload bytes
    unsigned tkl = 0;
    std::size_t ext = 0;  // extended length bytes
};
constexpr std::size_t ext_bytes(unsigned len_nibble) noexcept {
    return len_nibble < 13 ? 0 : (len_nibble == 13 ? 1 : (len_nibble == 14 ? 2 : 4));
}
bool read_stream_len(byte_reader& r, unsigned nib, std::uint64_t& body) noexcept {
    std::size_t n = ext_bytes(nib);
    if (n == 0) {
        body = nib;
        return true;
    }
    std::uint64_t v = 0;
    if (!r.read_be(n, v)) return false;
    body = v + (nib == 13 ? 13 : (nib == 14 ? 269 : 65805));
    return true;
}

result<message> decode_stream(bytes_view in) noexcept {
    byte_reader r(in);
    std::uint8_t b0 = 0, c = 0;
    if (!r.read_u8(b0)) return unexpected(errc::truncated, "empty input: no stream header");
    std::uint64_t body = 0;
    if (!read_stream_len(r, b0 >> 4, body))
        return unexpected(errc::truncated, "input ends inside the extended length");
    if (!r.read_u8(c)) return unexpected(errc::truncated, "input ends before the code");
    message m;
    m.type = msg_type::non;
    m.code = code{c};
    SIROCCO_TRY(read_token(r, b0 & 0x0F, m));
    if (r.remaining() < body)
        return unexpected(errc::truncated, "input is shorter than the frame's length");
    if (r.remaining() > body)
        return unexpected(errc::malformed, "bytes after the end of the frame");
    SIROCCO_TRY(decode_body(r, m));
    return m;
}

result<message> decode_compact(bytes_view in) noexcept {
    byte_reader r(in);
    std::uint8_t b0 = 0, c = 0;
    if (!r.read_u8(b0)) return unexpected(errc::truncated, "empty input: no compact header");
    if ((b0 >> 4) != 0) return unexpected(errc::malformed, "compact header length nibble is not 0");
    if (!r.read_u8(c)) return unexpected(errc::truncated, "input ends before the code");
    message m;
    m.type = msg_type::non;
    m.code = code{c};
    SIROCCO_TRY(read_token(r, b0 & 0x0F, m));
    SIROCCO_TRY(decode_body(r, m));
    return m;
}

void put_ext_nibble_value(byte_writer& w, std::uint32_t v) noexcept {
    if (v >= 269)
        w.put_be(v - 269, 2);
    else if (v >= 13)
        w.put_be(v - 13, 1);
}
constexpr unsigned nibble_for(std::uint32_t v) noexcept {
    return v < 13 ? v : (v < 269 ? 13u : 14u);
}

result<void> encode_body(const message& m, byte_writer& w) noexcept {
    std::uint16_t prev = 0;
    for (const option& o : m.options) {
        if (o.number < prev)
            return unexpected(errc::invalid_argument, "options are not sorted by number");
        if (o.value.size() > max_option_length)
            return unexpected(errc::invalid_argument, "option value longer than 65804 bytes");
        auto delta = static_cast<std::uint32_t>(o.number - prev);
        auto len = static_cast<std::uint32_t>(o.value.size());
        w.put_u8(static_cast<std::uint8_t>((nibble_for(delta) << 4) | nibble_for(len)));
        put_ext_nibble_value(w, delta);
        put_ext_nibble_value(w, len);
        w.put_bytes(o.value);
        prev = o.number;
    }
    if (!m.payload.empty()) {
        w.put_u8(0xFF);
        w.put_bytes(m.payload);
    }
    return {};
}

result<void> encode_into(const message& m, framing f, byte_writer& w) noexcept {
    const auto tkl = static_cast<std::uint8_t>(m.token.size());
    switch (f) {
        case framing::datagram:
            if (m.code.is_empty() && (tkl != 0 || !m.options.empty() || !m.payload.empty()))
                return unexpected(errc::invalid_argument,
                                  "an empty message (0.00) has no token, options or payload");
            w.put_u8(
                static_cast<std::uint8_t>(0x40 | ((static_cast<unsigned>(m.type) & 3) << 4) | tkl));
            w.put_u8(m.code.raw);
            w.put_be(m.message_id, 2);
            w.put_bytes(m.token.bytes());
            return encode_body(m, w);
        case framing::compact:
            w.put_u8(tkl);
            w.put_u8(m.code.raw);
            w.put_bytes(m.token.bytes());
            return encode_body(m, w);
        case framing::stream: {
            // Size the body first with a counting writer (writes nothing).
            byte_writer counter{mutable_bytes{}};
            SIROCCO_TRY(encode_body(m, counter));
            const std::uint64_t body = counter.size();
            if (body > max_stream_body)
                return unexpected(errc::invalid_argument, "message too long for a stream frame");
            if (body < 13) {
                w.put_u8(static_cast<std::uint8_t>((body << 4) | tkl));
            } else if (body < 269) {
                w.put_u8(static_cast<std::uint8_t>(0xD0 | tkl));
                w.put_be(body - 13, 1);
            } else if (body < 65805) {
                w.put_u8(static_cast<std::uint8_t>(0xE0 | tkl));
                w.put_be(body - 269, 2);
            } else {
                w.put_u8(static_cast<std::uint8_t>(0xF0 | tkl));
                w.put_be(body - 65805, 4);
            }
            w.put_u8(m.code.raw);
            w.put_bytes(m.token.bytes());
            return encode_body(m, w);
        }
    }
    return unexpected(errc::invalid_argument, "unknown framing");
}

}  // namespace

result<datagram_header> peek_datagram_header(bytes_view in) noexcept {
    if (in.size() < 4)
        return unexpected(errc::truncated, "datagram shorter than the 4-byte header");
    if ((in[0] >> 6) != 1) return unexpected(errc::malformed, "CoAP version is not 1");
    datagram_header h;
    h.type = static_cast<msg_type>((in[0] >> 4) & 0x03);
    h.token_length = in[0] & 0x0F;
    h.code = code{in[1]};
    h.message_id = static_cast<std::uint16_t>((in[2] << 8) | in[3]);
    return h;
}

result<message> decode(bytes_view in, framing f) noexcept {
    switch (f) {
        case framing::datagram:
            return decode_datagram(in);
        case framing::stream:
            return decode_stream(in);
        case framing::compact:
            return decode_compact(in);
    }
    return unexpected(errc::invalid_argument, "unknown framing");
}

result<message> decode_mqtt(bytes_view in, framing* form) noexcept {
    if (in.empty()) return unexpected(errc::truncated, "empty MQTT payload");
    framing f;
    if (in[0] <= 0x08)
        f = framing::compact;
    else if (in[0] >= 0x40 && in[0] <= 0x7F)
        f = framing::datagram;
    else
        return unexpected(errc::malformed, "first byte is neither a compact nor a datagram header");
    if (form) *form = f;
    return decode(in, f);
}

result<std::size_t> encoded_size(const message& m, framing f) noexcept {
    byte_writer counter{mutable_bytes{}};
    SIROCCO_TRY(encode_into(m, f, counter));
    return counter.size();
}

result<std::size_t> encode(const message& m, framing f, mutable_bytes out) noexcept {
    byte_writer w(out);
    SIROCCO_TRY(encode_into(m, f, w));
    if (!w.ok())
        return unexpected(errc::buffer_too_small, "output buffer too small for the message");
    return w.size();
}

result<stream_framer::status> stream_framer::check(bytes_view buffered) const noexcept {
    using kind = status::kind;
    if (buffered.empty()) return status{kind::need_more, 1};
    const unsigned nib = buffered[0] >> 4;
    const unsigned tkl = buffered[0] & 0x0F;
    if (tkl > token::max_size) return unexpected(errc::malformed, "token length 9-15 is reserved");
    const std::size_t head = 1 + ext_bytes(nib);
    if (buffered.size() < head) return status{kind::need_more, head - buffered.size()};
    byte_reader r(buffered);
    (void)r.skip(1);
    std::uint64_t body = 0;
    (void)read_stream_len(r, nib, body);
    const std::uint64_t total = head + 1 + tkl + body;
    if (total > max_)
        return unexpected(errc::capacity_exceeded, "frame larger than the maximum message size");
    const auto t = static_cast<std::size_t>(total);
    if (buffered.size() < t) return status{kind::need_more, t - buffered.size()};
    return status{kind::complete, t};
}

}  // namespace sirocco::coap
