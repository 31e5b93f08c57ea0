// Where the server keeps its registrations. An interface so that the
// in-memory store here can be joined by a persistent one (issue 6: SQLite,
// so that registrations survive a restart). Values in, values out: every
// function copies, nothing returned points into the store.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sirocco/base/result.hpp"
#include "sirocco/server/registration.hpp"

namespace sirocco::server {

class registration_store {
  public:
    virtual ~registration_store() = default;

    /// Adds `r`. When a registration with the same endpoint exists it is
    /// replaced and returned (its observations must be cancelled by the
    /// caller). Errors: invalid_argument (empty endpoint or id, or the id is
    /// in use by another endpoint); a persistent store may add io_error.
    virtual result<std::optional<registration>> add(const registration& r) = 0;
    /// Replaces the registration with r.id (after an Update).
    /// Errors: not_found (no such id), invalid_argument (the endpoint changed).
    virtual result<void> update(const registration& r) = 0;
    /// Removes and returns the registration with `id`. Errors: not_found.
    virtual result<registration> remove(std::string_view id) = 0;

    virtual std::optional<registration> find_by_endpoint(std::string_view endpoint) const = 0;
    virtual std::optional<registration> find_by_id(std::string_view id) const = 0;
    /// Every registration last heard from `peer` (normally at most one).
    virtual std::vector<registration> find_by_peer(peer_id peer) const = 0;
    /// Every registration, ordered by endpoint.
    virtual std::vector<registration> list() const = 0;

    /// Removes and returns the registrations with expires_at() <= now.
    virtual std::vector<registration> take_expired(time_ms now) = 0;
    /// The earliest expires_at() of all registrations; nullopt when empty.
    virtual std::optional<time_ms> next_expiry() const = 0;
};

/// Registrations in memory (lost on restart), sized for 100,000 and more:
/// add / update / remove / find_by_endpoint / find_by_id / find_by_peer are
/// O(1) on average, next_expiry() O(1) and take_expired() O(log n) per
/// entry (a lazy min-heap of expiry times); list() sorts, O(n log n).
/// Memory: what devices of one kind register alike (LwM2M version, binding,
/// object list) is kept once and shared ("profile", reference-counted);
/// each registration holds its endpoint, id and address text, times,
/// lifetime, peer and a pointer to its profile, in a slab with hash indexes
/// by endpoint, id and peer: about 350 bytes each (docs/perf/server_engine.md).
class memory_registration_store final : public registration_store {
  public:
    memory_registration_store();
    ~memory_registration_store() override;
    memory_registration_store(const memory_registration_store&) = delete;
    memory_registration_store& operator=(const memory_registration_store&) = delete;

    result<std::optional<registration>> add(const registration& r) override;
    result<void> update(const registration& r) override;
    result<registration> remove(std::string_view id) override;
    std::optional<registration> find_by_endpoint(std::string_view endpoint) const override;
    std::optional<registration> find_by_id(std::string_view id) const override;
    std::vector<registration> find_by_peer(peer_id peer) const override;
    std::vector<registration> list() const override;
    std::vector<registration> take_expired(time_ms now) override;
    std::optional<time_ms> next_expiry() const override;
    std::size_t size() const noexcept;
    /// Distinct profiles (version, binding, object list) kept for them.
    std::size_t profile_count() const noexcept;

  private:
    struct impl;
    std::unique_ptr<impl> d_;
};

}  // namespace sirocco::server
