#include "sirocco/runtime/fleet_timer.hpp"

namespace sirocco::runtime {

void fleet_timer::reserve(std::size_t n) {
    heap_.reserve(n);
    if (pos_.size() < n) pos_.resize(n, none);
}

void fleet_timer::place(std::size_t i, const node& n) noexcept {
    heap_[i] = n;
    pos_[n.id] = static_cast<std::uint32_t>(i);
}

void fleet_timer::sift_up(std::size_t i) noexcept {
    node n = heap_[i];
    while (i > 0) {
        std::size_t parent = (i - 1) / 2;
        if (!less(n, heap_[parent])) break;
        place(i, heap_[parent]);
        i = parent;
    }
    place(i, n);
}

void fleet_timer::sift_down(std::size_t i) noexcept {
    const std::size_t size = heap_.size();
    node n = heap_[i];
    for (;;) {
        std::size_t c = 2 * i + 1;
        if (c >= size) break;
        if (c + 1 < size && less(heap_[c + 1], heap_[c])) ++c;
        if (!less(heap_[c], n)) break;
        place(i, heap_[c]);
        i = c;
    }
    place(i, n);
}

void fleet_timer::remove_at(std::size_t i) noexcept {
    pos_[heap_[i].id] = none;
    node last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size()) return;  // it was the last one
    place(i, last);
    if (i > 0 && less(heap_[i], heap_[(i - 1) / 2]))
        sift_up(i);
    else
        sift_down(i);
}

void fleet_timer::arm(id_type id, time_type deadline) {
    if (id >= pos_.size()) pos_.resize(static_cast<std::size_t>(id) + 1, none);
    std::uint32_t p = pos_[id];
    if (p == none) {
        heap_.push_back(node{deadline, id});
        pos_[id] = static_cast<std::uint32_t>(heap_.size() - 1);
        sift_up(heap_.size() - 1);
        return;
    }
    const time_type old = heap_[p].deadline;
    heap_[p].deadline = deadline;
    if (deadline < old)
        sift_up(p);
    else if (deadline > old)
        sift_down(p);
}

void fleet_timer::disarm(id_type id) noexcept {
    if (id >= pos_.size() || pos_[id] == none) return;
    remove_at(pos_[id]);
}

std::optional<fleet_timer::time_type> fleet_timer::deadline(id_type id) const noexcept {
    if (id >= pos_.size() || pos_[id] == none) return std::nullopt;
    return heap_[pos_[id]].deadline;
}

std::optional<fleet_timer::entry> fleet_timer::top() const noexcept {
    if (heap_.empty()) return std::nullopt;
    return entry{heap_.front().deadline, heap_.front().id};
}

std::optional<fleet_timer::entry> fleet_timer::pop_due(time_type now) noexcept {
    if (heap_.empty() || heap_.front().deadline > now) return std::nullopt;
    entry e{heap_.front().deadline, heap_.front().id};
    remove_at(0);
    return e;
}

}  // namespace sirocco::runtime
