// Text form of doubles, in two interchangeable implementations chosen by the
// build (whole files, no #ifdef): float_text_std.cpp uses std::to_chars and
// std::from_chars (exact, shortest round trip; host builds), float_text_small.cpp
// is a compact parser/formatter for devices, where libstdc++'s floating-point
// to_chars alone costs about 165 kB of flash on Cortex-M4.
#pragma once

#include <cstddef>
#include <string_view>

#include "sirocco/base/result.hpp"

namespace sirocco::lwm2m::detail {

/// Parses a decimal float ("1.5", "-2e3", "+7"). Errors: malformed, out_of_range.
result<double> parse_float(std::string_view s) noexcept;

/// Writes the shortest text that reads back to `f` into out (>= 32 chars).
/// Integral values get ".0" ("23.0"), as Leshan and Java's Double.toString.
std::size_t format_double(double f, char* out) noexcept;

}  // namespace sirocco::lwm2m::detail
