#include "base64.hpp"

namespace sirocco::codec::detail {

namespace {

constexpr char digit(unsigned v, base64_alphabet a) noexcept {
    if (v < 26) return static_cast<char>('A' + v);
    if (v < 52) return static_cast<char>('a' + (v - 26));
    if (v < 62) return static_cast<char>('0' + (v - 52));
    if (v == 62) return a == base64_alphabet::url ? '-' : '+';
    return a == base64_alphabet::url ? '_' : '/';
}

constexpr int value_of(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

}  // namespace

void base64_write(byte_writer& w, bytes_view in, base64_alphabet a, bool pad) noexcept {
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        unsigned v = (unsigned{in[i]} << 16) | (unsigned{in[i + 1]} << 8) | in[i + 2];
        w.put_u8(static_cast<std::uint8_t>(digit((v >> 18) & 63, a)));
        w.put_u8(static_cast<std::uint8_t>(digit((v >> 12) & 63, a)));
        w.put_u8(static_cast<std::uint8_t>(digit((v >> 6) & 63, a)));
        w.put_u8(static_cast<std::uint8_t>(digit(v & 63, a)));
    }
    std::size_t rest = in.size() - i;
    if (rest == 0) return;
    unsigned v = unsigned{in[i]} << 16;
    if (rest == 2) v |= unsigned{in[i + 1]} << 8;
    w.put_u8(static_cast<std::uint8_t>(digit((v >> 18) & 63, a)));
    w.put_u8(static_cast<std::uint8_t>(digit((v >> 12) & 63, a)));
    if (rest == 2) w.put_u8(static_cast<std::uint8_t>(digit((v >> 6) & 63, a)));
    if (pad) {
        w.put_u8('=');
        if (rest == 1) w.put_u8('=');
    }
}

result<std::size_t> base64_decode(std::string_view in, mutable_bytes out) noexcept {
    std::size_t n = in.size();
    std::size_t padding = 0;
    while (n > 0 && in[n - 1] == '=') {
        --n;
        ++padding;
    }
    if (padding > 2) return unexpected(errc::malformed, "misplaced base64 padding");
    if (padding != 0 && in.size() % 4 != 0)
        return unexpected(errc::malformed, "misplaced base64 padding");
    if (n % 4 == 1) return unexpected(errc::malformed, "invalid base64 length");
    if (padding != 0 && (4 - n % 4) % 4 != padding)
        return unexpected(errc::malformed, "misplaced base64 padding");
    std::size_t need = n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
    if (need > out.size())
        return unexpected(errc::capacity_exceeded,
                          "decoded base64 does not fit the scratch buffer");
    std::size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (std::size_t i = 0; i < n; ++i) {
        int v = value_of(in[i]);
        if (v < 0) return unexpected(errc::malformed, "invalid base64 character");
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = static_cast<std::uint8_t>(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return o;
}

}  // namespace sirocco::codec::detail
