// The runtime's clock: the monotonic millisecond time every sans-I/O engine
// of libs/ takes as `now`. Host-only.
#pragma once

#include <chrono>

#include "sirocco/coap/config.hpp"

namespace sirocco::runtime {

using coap::time_ms;

/// Milliseconds of std::chrono::steady_clock (never goes backwards; its epoch
/// is unspecified, typically the boot time). The engines only compare and
/// subtract these values.
inline time_ms now() noexcept {
    return static_cast<time_ms>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now().time_since_epoch())
                                    .count());
}

}  // namespace sirocco::runtime
