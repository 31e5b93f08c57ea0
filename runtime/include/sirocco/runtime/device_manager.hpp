// The server as the REST API (and later the web UI) sees it: a thread-safe
// facade over the sans-I/O server_engine, implemented by server_runner.
// Callers may be on any thread (HTTP sessions); the engine runs on the
// runtime's core thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sirocco/lwm2m/model.hpp"
#include "sirocco/server/dm.hpp"
#include "sirocco/server/registration.hpp"
#include "sirocco/server/server_engine.hpp"

namespace sirocco::runtime {

class device_manager {
  public:
    virtual ~device_manager() = default;

    /// Every registration, ordered by endpoint (a snapshot).
    virtual std::vector<server::registration> registrations() const = 0;
    virtual std::optional<server::registration> find(std::string_view endpoint) const = 0;
    /// The observations held for `endpoint` (a snapshot).
    virtual std::vector<server::observation> observations(std::string_view endpoint) const = 0;
    /// Whether a queue-mode device is asleep (false for other devices).
    virtual bool sleeping(std::string_view endpoint) const = 0;

    /// Every object model the server knows (built-in + --models DIR), by id
    /// and version. Immutable while the server runs: safe from any thread.
    virtual const lwm2m::model_provider& models() const = 0;

    /// Sends `req` to `endpoint`. `done` is called exactly once, on the core
    /// thread (it must not block: post the result to your own executor),
    /// with the device's answer or a failure (timeout, not_registered, ...).
    using completion = std::function<void(server::response)>;
    virtual void submit(std::string endpoint, server::dm_request req,
                        std::chrono::milliseconds timeout, completion done) = 0;

    /// Every server event (registered, updated, deregistered, expired,
    /// notification, send, sleeping, awake, ...), on the core thread, in
    /// order; a listener must not block. Returns an id for unsubscribe().
    using listener = std::function<void(const server::event&)>;
    virtual std::uint64_t subscribe(listener l) = 0;
    /// After it returns, the listener is not called again.
    virtual void unsubscribe(std::uint64_t id) = 0;
};

}  // namespace sirocco::runtime
