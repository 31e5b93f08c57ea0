// Small helpers shared by the engine's source files. Private.
#pragma once

#include <cstdint>

#include "sirocco/coap/engine.hpp"

namespace sirocco::coap::detail {

/// Handles: generation in the high bits, slot index in the low 8 bits.
constexpr std::uint32_t make_handle(std::uint16_t gen, std::size_t index) noexcept {
    return (std::uint32_t{gen} << 8) | static_cast<std::uint32_t>(index & 0xFF);
}
constexpr std::size_t handle_index(std::uint32_t h) noexcept {
    return h & 0xFF;
}
constexpr std::uint16_t handle_gen(std::uint32_t h) noexcept {
    return static_cast<std::uint16_t>(h >> 8);
}

/// Unsigned value of an option (RFC 7252 3.2), the last 4 bytes at most.
inline std::uint32_t opt_uint(const option& o) noexcept {
    std::uint32_t v = 0;
    for (auto b : o.value)
        v = (v << 8) | b;
    return v;
}

/// The first option `number` of `m`, or nullptr.
inline const option* first_option(const message& m, std::uint16_t number) noexcept {
    for (const auto& o : m.options)
        if (o.number == number) return &o;
    return nullptr;
}

/// Options the exchange layer manages itself; never copied from a caller's
/// message into the wire message.
constexpr bool engine_managed(std::uint16_t n) noexcept {
    return n == opt::observe || n == opt::block1 || n == opt::block2 || n == opt::size1 ||
           n == opt::size2;
}

/// A 32-bit FNV-1a hash of a request's cache key for Block1 session matching
/// (RFC 7959 2.5: the request's options except Block1/Size1 and the like):
/// code, Uri-Host, Uri-Port, Uri-Path, Uri-Query.
inline std::uint32_t request_key(const message& m) noexcept {
    std::uint32_t h = 2166136261u;
    auto mix = [&](std::uint8_t b) {
        h ^= b;
        h *= 16777619u;
    };
    mix(m.code.raw);
    for (const auto& o : m.options) {
        if (o.number != opt::uri_host && o.number != opt::uri_port && o.number != opt::uri_path &&
            o.number != opt::uri_query)
            continue;
        mix(static_cast<std::uint8_t>(o.number));
        mix(static_cast<std::uint8_t>(o.value.size()));
        for (auto b : o.value)
            mix(b);
    }
    return h;
}

}  // namespace sirocco::coap::detail
