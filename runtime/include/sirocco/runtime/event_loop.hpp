// The event loop: one asio::io_context (standalone Asio, Debian
// libasio-dev). Why Asio: header-only, the basis of the C++ networking
// proposal (N4771), and one io_context drives UDP/TCP sockets, timers,
// signals and DNS resolution on one thread, so a process can run many
// engines without a thread per device. Host-only.
#pragma once

#include <functional>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include "sirocco/runtime/asio.hpp"

#include "sirocco/runtime/clock.hpp"

namespace sirocco::runtime {

class event_loop {
  public:
    event_loop();
    event_loop(const event_loop&) = delete;
    event_loop& operator=(const event_loop&) = delete;

    asio::io_context& io() noexcept { return io_; }

    /// Calls `h(signal_number)` on SIGINT or SIGTERM (each time one arrives),
    /// from the loop's thread. Without a handler the loop stops.
    void on_signal(std::function<void(int)> h);

    /// Runs until stop() or until nothing is left to do.
    void run();
    /// Runs for at most `ms` milliseconds (tests).
    void run_for(time_ms ms);
    void stop() noexcept { io_.stop(); }

  private:
    void arm_signals();
    asio::io_context io_;
    asio::signal_set signals_;
    std::function<void(int)> on_signal_;
};

/// A timer armed from an engine's next_deadline(): arm(deadline) replaces the
/// previous arming; nullopt disarms. The callback runs once the deadline has
/// passed (never early), from the loop's thread.
class deadline_timer {
  public:
    deadline_timer(asio::io_context& io, std::function<void()> on_expiry);
    void arm(std::optional<time_ms> deadline);
    std::optional<time_ms> armed() const noexcept { return armed_; }

  private:
    asio::steady_timer timer_;
    std::function<void()> on_expiry_;
    std::optional<time_ms> armed_;
};

}  // namespace sirocco::runtime
