// The client's observations and when each must notify (Core TS 1.2, 5.1.2
// "Attributes" and 6.4 "Information Reporting Interface").
//
// A fixed-capacity set (no heap) that the engine owns: it adds an
// observation when an Observe (or Observe-Composite) request is answered,
// tells the set which paths changed, asks which observation is due, sends the
// notification, and reports it back with notified(). The set never reads a
// clock: every call takes `now` (milliseconds, any epoch, monotonic).
//
// Timing rules, with the attributes in effect for the observation's first
// path and its server (data_model::effective_attributes(): attached at the
// path or inherited, pmin/pmax defaulting to /1/x/2 and /1/x/3). Times are
// seconds in the attributes, milliseconds here. Tn is the time of the last
// notification (the Observe response counts as the first), Te the time of the
// last evaluation, Vn the numeric value last notified:
//
//  - pmax (when set, > 0 and >= pmin; otherwise ignored): due at Tn + pmax
//    even without any change.
//  - pmin (0 when absent): never due before Tn + pmin. A change reported
//    earlier is held and evaluated at Tn + pmin with the value current then.
//  - A change (changed() on an overlapping path) makes the observation
//    "pending". A pending observation is evaluated once it is past pmin and
//    past Te + epmin (when epmin is set).
//  - epmax (when set and > 0): the value is also sampled at Te + epmax (not
//    before Tn + pmin) even without a reported change; a sample of a numeric
//    resource notifies when it differs from Vn (and meets gt/lt/st below).
//  - Evaluation of a single numeric or Boolean resource (or resource
//    instance) reads the current value V. With none of gt/lt/st/edge set: notify when a change was
//    reported, or (epmax sample) V != Vn. With any of them set: notify only
//    when one of the set conditions holds:
//      gt: Vn and V lie on different sides of gt (crossing upwards: Vn <= gt < V,
//          or downwards: V <= gt < Vn);
//      lt: the same for lt (V < lt <= Vn, or Vn < lt <= V);
//      st: |V - Vn| >= st;
//      edge (LwM2M 1.2, Boolean resources, read as 0/1): edge=1 notifies
//          when V turns true since the previous evaluation (or the last
//          notification), edge=0 when it turns false.
//    Without a Vn yet (no value given at add()), every evaluation notifies.
//    Observations of anything else (instances, objects, strings, several
//    paths) notify on every evaluated change; gt/lt/st are ignored for them.
//  - An evaluation that does not notify clears "pending" and sets Te.
//  - Once due, an observation stays due (poll_due() returns it again) until
//    notified() is called for it.
//
// Edge cases: pmin > pmax cannot be stored (Write-Attributes refuses it, 4.00),
// but defaults from the Server object can make it so: pmax is then ignored.
// epmin > epmax is refused the same way. A value that cannot be read (deleted
// resource) evaluates as a plain change: the engine's notification will carry
// the 4.04. Attributes are looked up at every call, so a Write-Attributes
// takes effect at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "sirocco/base/result.hpp"
#include "sirocco/base/static_vector.hpp"
#include "sirocco/client/dm.hpp"
#include "sirocco/lwm2m/path.hpp"

#ifndef SIROCCO_CLIENT_MAX_OBSERVATIONS
#define SIROCCO_CLIENT_MAX_OBSERVATIONS 8
#endif
#ifndef SIROCCO_CLIENT_MAX_OBSERVE_PATHS
#define SIROCCO_CLIENT_MAX_OBSERVE_PATHS 4
#endif

namespace sirocco::client {

/// Milliseconds on the caller's monotonic clock (same as coap::time_ms).
using observe_time = std::uint64_t;

struct observation {
    std::uint32_t handle = 0;  ///< the engine's id (e.g. its token slot)
    ssid server = 0;
    static_vector<lwm2m::path, SIROCCO_CLIENT_MAX_OBSERVE_PATHS> paths;
    std::uint16_t format = 0;          ///< content format of the notifications
    observe_time last_notify = 0;      ///< Tn
    observe_time last_eval = 0;        ///< Te
    std::optional<double> last_value;  ///< Vn (numeric single-resource observations)
    std::optional<double> sampled;     ///< V read by the evaluation that made it due
    std::optional<double> last_seen;   ///< V of the last evaluation (for edge)
    bool pending = false;              ///< a change was reported and not evaluated yet
    bool due = false;                  ///< must notify; cleared by notified()
};

class observation_set {
  public:
    static constexpr std::size_t capacity = SIROCCO_CLIENT_MAX_OBSERVATIONS;
    static constexpr std::size_t max_paths = SIROCCO_CLIENT_MAX_OBSERVE_PATHS;

    /// Adds an observation of `paths` (one for Observe, up to max_paths for
    /// Observe-Composite) for `server`, answered at `now` (Tn = Te = now) with
    /// the numeric value `value` when it is a single numeric resource. A handle
    /// already present is replaced (a re-registration with the same token).
    /// Errors: capacity_exceeded (set full, or too many paths), invalid_argument
    /// (no path).
    result<void> add(ssid server, std::span<const lwm2m::path> paths, std::uint16_t format,
                     std::uint32_t handle, observe_time now,
                     std::optional<double> value = std::nullopt) noexcept;
    /// Removes one observation (Cancel, RST, reset by the server). False when
    /// there is no such handle.
    bool remove(std::uint32_t handle) noexcept;
    /// Removes every observation of a server (de-registered, registration lost).
    /// Returns how many.
    std::size_t remove_server(ssid server) noexcept;

    /// A value under `p` changed: observations with an overlapping path become
    /// pending. `now` is unused today (kept for change timestamps).
    void changed(const lwm2m::path& p, observe_time now) noexcept;

    /// The earliest time at which poll_due() may return something (now or in
    /// the past when one is due already), or nullopt when nothing is pending
    /// and no pmax/epmax runs.
    std::optional<observe_time> next_deadline(const data_model& dm) const noexcept;

    /// Evaluates the observations (see the rules above) and returns the handle
    /// of one that must notify now, or nullopt. The engine encodes the
    /// notification and then calls notified(). Reads numeric values through
    /// the objects' read() hooks.
    std::optional<std::uint32_t> poll_due(data_model& dm, observe_time now) noexcept;

    /// The notification for `handle` was sent at `now` carrying `value` (the
    /// numeric value; nullopt takes the one sampled by poll_due()). Tn = Te =
    /// now, Vn = value, pending and due cleared.
    void notified(std::uint32_t handle, observe_time now,
                  std::optional<double> value = std::nullopt) noexcept;

    /// The current value of a single numeric (or Boolean, as 0/1) resource
    /// or resource instance (for the engine's add() and notified() calls),
    /// else nullopt.
    static std::optional<double> numeric_value(data_model& dm, const lwm2m::path& p) noexcept;

    const observation* find(std::uint32_t handle) const noexcept;
    std::span<const observation> all() const noexcept { return obs_.span(); }
    std::size_t size() const noexcept { return obs_.size(); }

  private:
    observation* find_mut(std::uint32_t handle) noexcept;
    static bool evaluate(data_model& dm, observation& o, observe_time now, bool sample) noexcept;
    static_vector<observation, capacity> obs_;
};

}  // namespace sirocco::client
