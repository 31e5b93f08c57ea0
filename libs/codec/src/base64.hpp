// Base64 (RFC 4648 sections 4 and 5) for opaque values in text formats:
// text/plain (Core TS 1.2, 7.4 Plain Text: standard alphabet, padded), SenML JSON "vd"
// (RFC 8428 section 5: URL-safe alphabet, no padding), OMA JSON "sv" for
// opaque (standard alphabet). Device-side: no heap, no tables in RAM.
#pragma once

#include <cstddef>
#include <string_view>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"

namespace sirocco::codec::detail {

enum class base64_alphabet : std::uint8_t { standard, url };

/// Characters written for `n` bytes.
constexpr std::size_t base64_size(std::size_t n, bool pad) noexcept {
    return pad ? (n + 2) / 3 * 4 : n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

/// Appends the base64 text of `in` to `w` (which records overflow itself).
void base64_write(byte_writer& w, bytes_view in, base64_alphabet a, bool pad) noexcept;

/// Decodes `in` into `out`, accepting both alphabets ('+' or '-', '/' or
/// '_') and padding present or absent, because peers send all of these
/// (Leshan issue 1444, Zephyr issue 102390). Padding, when present, must be
/// complete and at the end. Returns the number of bytes written.
/// Errors: malformed ("invalid base64 character", "invalid base64 length",
/// "misplaced base64 padding"), capacity_exceeded when `out` is too small.
/// `out` may alias `in` (decoding in place is safe: output never overtakes input).
result<std::size_t> base64_decode(std::string_view in, mutable_bytes out) noexcept;

}  // namespace sirocco::codec::detail
