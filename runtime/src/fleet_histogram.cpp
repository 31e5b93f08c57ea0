#include "sirocco/runtime/fleet_histogram.hpp"

#include <bit>
#include <cmath>

namespace sirocco::runtime {

std::size_t fleet_histogram::index_of(std::uint64_t v) noexcept {
    if (v < sub_count) return static_cast<std::size_t>(v);
    const unsigned e = 63u - static_cast<unsigned>(std::countl_zero(v));  // >= sub_bits
    const std::uint64_t sub = (v >> (e - sub_bits)) & (sub_count - 1);
    return static_cast<std::size_t>(sub_count + (e - sub_bits) * sub_count + sub);
}

std::uint64_t fleet_histogram::highest_in(std::size_t index) noexcept {
    if (index < sub_count) return index;
    const std::size_t k = index - sub_count;
    const unsigned e = static_cast<unsigned>(k / sub_count) + sub_bits;
    const std::uint64_t sub = k % sub_count;
    const std::uint64_t low = (std::uint64_t{1} << e) | (sub << (e - sub_bits));
    return low + ((std::uint64_t{1} << (e - sub_bits)) - 1);
}

void fleet_histogram::record(std::uint64_t value, std::uint64_t n) noexcept {
    if (n == 0) return;
    buckets_[index_of(value)] += n;
    count_ += n;
    sum_ += value * n;
    if (value < min_) min_ = value;
    if (value > max_) max_ = value;
}

void fleet_histogram::merge(const fleet_histogram& o) noexcept {
    if (o.count_ == 0) return;
    for (std::size_t i = 0; i < bucket_count; ++i)
        buckets_[i] += o.buckets_[i];
    count_ += o.count_;
    sum_ += o.sum_;
    if (o.min_ < min_) min_ = o.min_;
    if (o.max_ > max_) max_ = o.max_;
}

std::uint64_t fleet_histogram::percentile(double p) const noexcept {
    if (count_ == 0) return 0;
    if (!(p < 100.0)) return max_;
    if (p < 0.0) p = 0.0;
    // The rank of the sample (1-based), as the nearest-rank method.
    auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
    if (rank == 0) rank = 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += buckets_[i];
        if (seen >= rank) {
            const std::uint64_t h = highest_in(i);
            return h < max_ ? h : max_;
        }
    }
    return max_;
}

}  // namespace sirocco::runtime
