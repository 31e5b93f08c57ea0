// The deadlines of many engines in one structure (sirocco-fleet): an
// indexed binary min-heap over (deadline, id), so that a simulator with
// 100,000 devices arms ONE event-loop timer (for top()) instead of one timer
// per device. Each id has at most one deadline; arm() replaces it (decrease
// or increase key), disarm() removes it; all in O(log n), no allocation
// once reserve()d. Memory: 12 bytes per armed id in the heap plus 4 bytes
// per id of the position table. Host-only (std::vector), single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "sirocco/coap/config.hpp"

namespace sirocco::runtime {

class fleet_timer {
  public:
    using id_type = std::uint32_t;
    using time_type = coap::time_ms;

    struct entry {
        time_type deadline;
        id_type id;
    };

    fleet_timer() = default;
    /// Room for ids 0..n-1 without growing later (ids >= n grow the table).
    void reserve(std::size_t n);

    /// Sets the deadline of `id` (replacing any earlier one).
    void arm(id_type id, time_type deadline);
    /// Removes the deadline of `id`; no-op when it has none.
    void disarm(id_type id) noexcept;
    /// arm() when `deadline` has a value, else disarm().
    void set(id_type id, std::optional<time_type> deadline) {
        if (deadline)
            arm(id, *deadline);
        else
            disarm(id);
    }

    /// The deadline of `id`, nullopt when not armed.
    std::optional<time_type> deadline(id_type id) const noexcept;
    /// The earliest entry; nullopt when empty.
    std::optional<entry> top() const noexcept;
    /// Removes and returns the earliest entry when its deadline <= now.
    std::optional<entry> pop_due(time_type now) noexcept;

    std::size_t size() const noexcept { return heap_.size(); }
    bool empty() const noexcept { return heap_.empty(); }

  private:
    static constexpr std::uint32_t none = 0xFFFFFFFFu;
    struct node {
        time_type deadline;
        id_type id;
    };
    static bool less(const node& a, const node& b) noexcept {
        return a.deadline < b.deadline || (a.deadline == b.deadline && a.id < b.id);
    }
    void place(std::size_t i, const node& n) noexcept;
    void sift_up(std::size_t i) noexcept;
    void sift_down(std::size_t i) noexcept;
    void remove_at(std::size_t i) noexcept;

    std::vector<node> heap_;
    std::vector<std::uint32_t> pos_;  ///< heap index of each id, `none` when not armed
};

}  // namespace sirocco::runtime
