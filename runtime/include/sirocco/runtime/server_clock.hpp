// The server's clock: milliseconds that are monotonic while the process runs
// AND meaningful across restarts, because registrations (their updated_at,
// hence their expiry) and observations are kept in a store that outlives
// the process. It reads the wall clock once, at construction (Unix epoch
// milliseconds), and adds the steady clock's elapsed time from then on: a
// wall-clock step while the server runs (NTP, an operator) does not move it;
// a restart re-reads the wall clock, so a registration stored before the
// restart keeps its expiry time in real time. Host-only.
#pragma once

#include <chrono>

#include "sirocco/coap/config.hpp"

namespace sirocco::runtime {

class server_clock {
  public:
    server_clock() noexcept
        : wall_at_start_(
              static_cast<coap::time_ms>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count())),
          steady_at_start_(std::chrono::steady_clock::now()) {}

    /// Unix-epoch milliseconds of the start plus steady time elapsed since.
    coap::time_ms now() const noexcept {
        auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - steady_at_start_)
                           .count();
        return wall_at_start_ + static_cast<coap::time_ms>(elapsed);
    }

    /// The steady-clock instant at which now() reaches `t` (for timers).
    std::chrono::steady_clock::time_point to_steady(coap::time_ms t) const noexcept {
        auto delta = static_cast<std::int64_t>(t) - static_cast<std::int64_t>(wall_at_start_);
        return steady_at_start_ + std::chrono::milliseconds(delta);
    }

  private:
    coap::time_ms wall_at_start_;
    std::chrono::steady_clock::time_point steady_at_start_;
};

}  // namespace sirocco::runtime
