#include "sirocco/runtime/event_loop.hpp"

#include <chrono>
#include <csignal>

namespace sirocco::runtime {

event_loop::event_loop() : signals_(io_, SIGINT, SIGTERM) {
    arm_signals();
}

void event_loop::on_signal(std::function<void(int)> h) {
    on_signal_ = std::move(h);
}

void event_loop::arm_signals() {
    signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (on_signal_)
            on_signal_(sig);
        else
            io_.stop();
        arm_signals();
    });
}

void event_loop::run() {
    io_.restart();
    io_.run();
}

void event_loop::run_for(time_ms ms) {
    io_.restart();
    io_.run_for(std::chrono::milliseconds(ms));
}

deadline_timer::deadline_timer(asio::io_context& io, std::function<void()> on_expiry)
    : timer_(io), on_expiry_(std::move(on_expiry)) {}

void deadline_timer::arm(std::optional<time_ms> deadline) {
    if (deadline == armed_) return;
    armed_ = deadline;
    timer_.cancel();
    if (!deadline) return;
    time_ms t = now();
    time_ms delay = *deadline > t ? *deadline - t : 0;
    timer_.expires_after(std::chrono::milliseconds(delay));
    timer_.async_wait([this, d = *deadline](const boost::system::error_code& ec) {
        if (ec || armed_ != d) return;
        // steady_timer and now() read the same clock, but round differently:
        // never fire before the deadline in now() terms.
        if (now() < d) {
            armed_.reset();
            arm(d);
            return;
        }
        armed_.reset();
        on_expiry_();
    });
}

}  // namespace sirocco::runtime
