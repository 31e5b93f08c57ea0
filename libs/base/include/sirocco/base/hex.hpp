// Hex text <-> bytes, for test vectors, logs and PSK keys given on a command
// line. Whitespace, ':' and '#'-to-end-of-line comments are skipped when
// parsing, so annotated vector files can be read directly.
#pragma once

#include <cstddef>
#include <string_view>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"

namespace sirocco {

/// Parses annotated hex into `out`; returns the number of bytes written.
/// Errors: malformed (a non-hex character or an odd digit count),
/// buffer_too_small.
result<std::size_t> parse_hex(std::string_view text, mutable_bytes out) noexcept;

/// Writes lowercase hex of `in` into `out` (2 chars per byte, no separators).
/// Returns chars written; buffer_too_small when out is too short.
result<std::size_t> format_hex(bytes_view in, std::span<char> out) noexcept;

}  // namespace sirocco
