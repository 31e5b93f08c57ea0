// A latency histogram for many samples without keeping them (sirocco-fleet
// records one registration latency per device, 100,000 of them): log-linear
// buckets as HdrHistogram's, 32 sub-buckets per power of two, so that any
// percentile is given within 1/32 (3.1 %) of the true sample value; values
// below 32 are exact. Fixed size (about 15 kB), no allocation per sample.
// Units are the caller's (sirocco-fleet records microseconds). Host-only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace sirocco::runtime {

class fleet_histogram {
  public:
    static constexpr unsigned sub_bits = 5;
    static constexpr std::uint64_t sub_count = std::uint64_t{1} << sub_bits;
    static constexpr std::size_t bucket_count = sub_count + (64 - sub_bits) * sub_count;

    void record(std::uint64_t value, std::uint64_t n = 1) noexcept;
    /// Adds every sample of `other`.
    void merge(const fleet_histogram& other) noexcept;
    void reset() noexcept { *this = fleet_histogram(); }

    std::uint64_t count() const noexcept { return count_; }
    /// 0 when empty.
    std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
    std::uint64_t max() const noexcept { return max_; }
    double mean() const noexcept {
        return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
    }
    /// The value below or at which `p` percent of the samples lie (p in
    /// [0, 100]; 100 gives max()): the highest value of the bucket holding
    /// that sample, never above max(). 0 when empty.
    std::uint64_t percentile(double p) const noexcept;

    /// Bucket of a value, and the highest value a bucket holds (tests).
    static std::size_t index_of(std::uint64_t v) noexcept;
    static std::uint64_t highest_in(std::size_t index) noexcept;

  private:
    std::array<std::uint64_t, bucket_count> buckets_{};
    std::uint64_t count_ = 0, sum_ = 0, min_ = ~std::uint64_t{0}, max_ = 0;
};

}  // namespace sirocco::runtime
