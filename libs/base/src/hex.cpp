#include "sirocco/base/hex.hpp"

namespace sirocco {
namespace {
int nibble(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

result<std::size_t> parse_hex(std::string_view text, mutable_bytes out) noexcept {
    std::size_t n = 0;
    int hi = -1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '#') {
            while (i < text.size() && text[i] != '\n')
                ++i;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':') {
            if (hi >= 0) return unexpected(errc::malformed, "hex byte split by a separator");
            continue;
        }
        int v = nibble(c);
        if (v < 0) return unexpected(errc::malformed, "not a hex digit");
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= out.size())
                return unexpected(errc::buffer_too_small, "hex output buffer too small");
            out[n++] = static_cast<std::uint8_t>((hi << 4) | v);
            hi = -1;
        }
    }
    if (hi >= 0) return unexpected(errc::malformed, "odd number of hex digits");
    return n;
}

result<std::size_t> format_hex(bytes_view in, std::span<char> out) noexcept {
    static constexpr char digits[] = "0123456789abcdef";
    if (out.size() < in.size() * 2)
        return unexpected(errc::buffer_too_small, "hex output buffer too small");
    std::size_t k = 0;
    for (auto b : in) {
        out[k++] = digits[b >> 4];
        out[k++] = digits[b & 0xF];
    }
    return k;
}

}  // namespace sirocco
