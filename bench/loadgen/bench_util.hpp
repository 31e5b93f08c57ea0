// Shared pieces of the bench tools (sirocco-loadgen, sirocco-udp-echo,
// sirocco-mqtt-rtt): a log-bucket latency histogram, CPU time and resident
// memory of this process or one thread, a small JSON writer and flag
// parsing. Host-only, header-only (the tools are separate programs).
//
// Latency histogram: HDR-like, 64 sub-buckets per power of two (relative
// error below 1.6 %), values in microseconds, exact below 128 us; fixed size
// (about 30 KB), no per-sample storage, so 10 million samples cost nothing
// more than one. Not thread-safe: one owner thread, or merge() copies.
#pragma once

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace sirocco::bench {

class latency_histogram {
  public:
    static constexpr int sub_buckets = 64;
    static constexpr std::size_t bucket_count = 59 * sub_buckets + sub_buckets;

    /// Records one sample (microseconds).
    void record(std::uint64_t us) noexcept {
        ++counts_[index(us)];
        ++total_;
        max_ = std::max(max_, us);
        min_ = std::min(min_, us);
        sum_ += static_cast<double>(us);
    }
    void merge(const latency_histogram& o) noexcept {
        for (std::size_t i = 0; i < bucket_count; ++i)
            counts_[i] += o.counts_[i];
        total_ += o.total_;
        max_ = std::max(max_, o.max_);
        min_ = std::min(min_, o.min_);
        sum_ += o.sum_;
    }
    std::uint64_t count() const noexcept { return total_; }
    std::uint64_t max() const noexcept { return total_ ? max_ : 0; }
    std::uint64_t min() const noexcept { return total_ ? min_ : 0; }
    double mean() const noexcept { return total_ ? sum_ / static_cast<double>(total_) : 0; }

    /// The value at quantile q (0..1): the middle of the bucket holding the
    /// q-th sample, within [min(), max()]. 0 when empty.
    std::uint64_t percentile(double q) const noexcept {
        if (total_ == 0) return 0;
        auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_));
        if (rank >= total_) rank = total_ - 1;
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < bucket_count; ++i) {
            seen += counts_[i];
            if (seen > rank) return std::clamp(middle(i), min_, max_);
        }
        return max_;
    }

    /// percentile(q) and max() in milliseconds.
    double percentile_ms(double q) const noexcept {
        return static_cast<double>(percentile(q)) / 1000.0;
    }
    double max_ms() const noexcept { return static_cast<double>(max()) / 1000.0; }

    /// Bucket index of a value (exposed for the tests).
    static std::size_t index(std::uint64_t v) noexcept {
        if (v < 2 * sub_buckets) return static_cast<std::size_t>(v);
        int msb = 63 - std::countl_zero(v);
        int shift = msb - 6;  // v >> shift is in [64, 128)
        return static_cast<std::size_t>(shift + 1) * sub_buckets +
               static_cast<std::size_t>((v >> shift) - sub_buckets);
    }
    /// Smallest value of bucket i.
    static std::uint64_t lower(std::size_t i) noexcept {
        if (i < 2 * sub_buckets) return i;
        std::size_t shift = i / sub_buckets - 1;
        return (static_cast<std::uint64_t>(i % sub_buckets) + sub_buckets) << shift;
    }
    static std::uint64_t middle(std::size_t i) noexcept {
        if (i < 2 * sub_buckets) return i;
        std::size_t shift = i / sub_buckets - 1;
        return lower(i) + ((std::uint64_t{1} << shift) >> 1);
    }

  private:
    std::array<std::uint64_t, bucket_count> counts_{};
    std::uint64_t total_ = 0;
    std::uint64_t max_ = 0;
    std::uint64_t min_ = UINT64_MAX;
    double sum_ = 0;
};

/// CPU seconds (user + system) of this process.
inline double process_cpu_s() noexcept {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/// CPU seconds of the calling thread.
inline double thread_cpu_s() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// A value of /proc/self/status in bytes ("VmRSS", "VmHWM"); 0 if absent.
inline std::uint64_t proc_status_bytes(std::string_view key) {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 &&
            line[key.size()] == ':') {
            return std::strtoull(line.c_str() + key.size() + 1, nullptr, 10) * 1024;
        }
    }
    return 0;
}
inline std::uint64_t rss_bytes() {
    return proc_status_bytes("VmRSS");
}

/// Seconds on the steady clock since an arbitrary origin.
inline double now_s() noexcept {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// A minimal JSON writer (objects of numbers, strings and nested objects).
class json_out {
  public:
    json_out& begin(std::string_view key = {}) {
        sep(key);
        s_ << '{';
        first_ = true;
        return *this;
    }
    json_out& end() {
        s_ << '}';
        first_ = false;
        return *this;
    }
    json_out& num(std::string_view key, double v) {
        sep(key);
        char buf[64];
        if (v == static_cast<double>(static_cast<long long>(v)) && v < 9e15 && v > -9e15)
            std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
        else
            std::snprintf(buf, sizeof buf, "%.6g", v);
        s_ << buf;
        return *this;
    }
    json_out& str(std::string_view key, std::string_view v) {
        sep(key);
        quote(v);
        return *this;
    }
    json_out& boolean(std::string_view key, bool v) {
        sep(key);
        s_ << (v ? "true" : "false");
        return *this;
    }
    /// {"p50": .., "p90": .., "p99": .., "max": .., "mean": .., "count": ..}
    /// in milliseconds.
    json_out& latency(std::string_view key, const latency_histogram& h) {
        begin(key);
        num("p50", static_cast<double>(h.percentile(0.50)) / 1000.0);
        num("p90", static_cast<double>(h.percentile(0.90)) / 1000.0);
        num("p99", static_cast<double>(h.percentile(0.99)) / 1000.0);
        num("max", static_cast<double>(h.max()) / 1000.0);
        num("mean", h.mean() / 1000.0);
        num("count", static_cast<double>(h.count()));
        return end();
    }
    json_out& counts(std::string_view key, const std::map<std::string, std::uint64_t>& m) {
        begin(key);
        for (const auto& [k, v] : m)
            num(k, static_cast<double>(v));
        return end();
    }
    std::string text() const { return s_.str(); }

  private:
    void sep(std::string_view key) {
        if (!first_) s_ << ',';
        first_ = false;
        if (!key.empty()) {
            quote(key);
            s_ << ':';
        }
    }
    void quote(std::string_view v) {
        s_ << '"';
        for (char c : v) {
            if (c == '"' || c == '\\')
                s_ << '\\' << c;
            else if (static_cast<unsigned char>(c) < 0x20)
                s_ << ' ';
            else
                s_ << c;
        }
        s_ << '"';
    }
    std::ostringstream s_;
    bool first_ = true;
};

/// Drives request/response load on one thread, either closed loop (a window
/// of W requests in flight: peak throughput) or open loop (R requests per
/// second on a fixed timetable: the latency of request k is measured from
/// its scheduled time k/R, so a slow answer delays no later request and is
/// not hidden: coordinated omission corrected). The caller owns the I/O:
/// `send(seq, slot)` puts a request on the wire carrying both numbers, and
/// the caller hands replies back with on_reply(seq, slot). Only samples whose
/// answer arrives in [start + warmup, start + warmup + duration] count;
/// a request unanswered after `timeout` is lost (and, closed loop, replaced).
class load_shaper {
  public:
    struct config {
        std::uint32_t window = 64;  ///< closed loop when rate == 0
        double rate = 0;            ///< requests/s, open loop when > 0
        double warmup = 1, duration = 5, timeout = 1;
    };
    template <class Send>
    void start(const config& c, Send&& send) {
        c_ = c;
        start_ = now_s();
        from_ = start_ + c.warmup;
        end_ = from_ + c.duration;
        if (c_.rate > 0) {
            cap_ = std::bit_ceil(static_cast<std::size_t>(c_.rate * (c_.timeout + 1)) + 1024);
            slots_.assign(cap_, {});
        } else {
            slots_.assign(c_.window, {});
            for (std::uint32_t i = 0; i < c_.window; ++i)
                issue(i, now_s(), send);
        }
    }
    bool done(double t) const noexcept { return t > end_; }
    /// Sends what the timetable says is due and expires what timed out.
    template <class Send>
    void tick(double t, Send&& send) {
        if (c_.rate > 0) {
            double interval = 1.0 / c_.rate;
            while (start_ + static_cast<double>(next_ - 1) * interval <= t) {
                double sched = start_ + static_cast<double>(next_ - 1) * interval;
                slot& s = slots_[next_ & (cap_ - 1)];
                if (s.busy && s.t >= from_) ++lost_;  // overwritten: never answered
                s = {next_, sched, true};
                ++sent_;
                send(next_, next_ & (cap_ - 1));
                ++next_;
            }
            while (oldest_ < next_) {
                slot& s = slots_[oldest_ & (cap_ - 1)];
                if (s.seq == oldest_ && s.busy) {
                    if (t - s.t <= c_.timeout) break;
                    if (s.t >= from_) ++lost_;
                    s.busy = false;
                }
                ++oldest_;
            }
        } else if (t > next_sweep_) {
            next_sweep_ = t + 0.01;
            for (std::size_t i = 0; i < slots_.size(); ++i) {
                if (t - slots_[i].t > c_.timeout) {
                    if (slots_[i].t >= from_) ++lost_;
                    issue(i, t, send);
                }
            }
        }
    }
    /// Seconds until tick() has something to do (at most 5 ms).
    double wait_s(double t) const noexcept {
        if (c_.rate <= 0) return 0.005;
        double due = start_ + static_cast<double>(next_ - 1) / c_.rate;
        return std::clamp(due - t, 0.0, 0.005);
    }
    /// A reply to (seq, slot) at time t; `ok` false: an error answer (frees
    /// the slot, no latency sample; the caller counts it by kind).
    template <class Send>
    void on_reply(std::uint64_t seq, std::uint64_t idx, double t, Send&& send, bool ok = true) {
        if (idx >= slots_.size()) return;
        slot& s = slots_[idx];
        if (!s.busy || s.seq != seq) return;  // late or duplicate
        s.busy = false;
        if (ok && t >= from_ && t <= end_)
            hist_.record(static_cast<std::uint64_t>((t - s.t) * 1e6));
        if (c_.rate <= 0 && t <= end_) issue(idx, t, send);
    }
    const latency_histogram& histogram() const noexcept { return hist_; }
    std::uint64_t sent() const noexcept { return sent_; }
    std::uint64_t lost() const noexcept { return lost_; }
    double measured_rate() const noexcept {
        return static_cast<double>(hist_.count()) / c_.duration;
    }

  private:
    struct slot {
        std::uint64_t seq = 0;
        double t = 0;  // send (closed) or scheduled (open) time
        bool busy = false;
    };
    template <class Send>
    void issue(std::size_t i, double t, Send& send) {
        slots_[i] = {next_, t, true};
        ++sent_;
        send(next_++, i);
    }
    config c_;
    std::vector<slot> slots_;
    std::size_t cap_ = 0;
    std::uint64_t next_ = 1, oldest_ = 1, sent_ = 0, lost_ = 0;
    double start_ = 0, from_ = 0, end_ = 0, next_sweep_ = 0;
    latency_histogram hist_;
};

/// Writes `text` to `path` ("-": stdout). Returns false on error.
inline bool write_file(const std::string& path, const std::string& text) {
    if (path == "-") {
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
        return true;
    }
    std::ofstream f(path);
    f << text << '\n';
    return static_cast<bool>(f);
}

/// Flag parsing: --name value pairs and --switch flags.
class flags {
  public:
    flags(int argc, char** argv) {
        for (int i = 1; i < argc; ++i)
            args_.emplace_back(argv[i]);
    }
    /// Takes "--name V" out; nullopt when absent. Sets error when the value
    /// is missing.
    std::optional<std::string> take(std::string_view name) {
        for (std::size_t i = 0; i < args_.size(); ++i) {
            if (args_[i] != name) continue;
            if (i + 1 >= args_.size()) {
                error_ = std::string(name) + ": missing value";
                args_.erase(args_.begin() + static_cast<std::ptrdiff_t>(i));
                return std::nullopt;
            }
            std::string v = args_[i + 1];
            args_.erase(args_.begin() + static_cast<std::ptrdiff_t>(i),
                        args_.begin() + static_cast<std::ptrdiff_t>(i + 2));
            return v;
        }
        return std::nullopt;
    }
    bool take_switch(std::string_view name) {
        auto it = std::find(args_.begin(), args_.end(), name);
        if (it == args_.end()) return false;
        args_.erase(it);
        return true;
    }
    double number(std::string_view name, double dflt, double lo, double hi) {
        auto v = take(name);
        if (!v) return dflt;
        char* end = nullptr;
        double d = std::strtod(v->c_str(), &end);
        if (v->empty() || *end != '\0' || !(d >= lo && d <= hi)) {
            error_ =
                std::string(name) + ": not a number in [" + fmt(lo) + ", " + fmt(hi) + "]: " + *v;
            return dflt;
        }
        return d;
    }
    std::string text(std::string_view name, std::string dflt) {
        auto v = take(name);
        return v ? *v : dflt;
    }
    /// Call after every take(): unknown flags are an error.
    bool finish(std::string& error) {
        if (error_.empty() && !args_.empty()) error_ = "unknown argument: " + args_.front();
        error = error_;
        return error_.empty();
    }

  private:
    static std::string fmt(double d) {
        char b[32];
        std::snprintf(b, sizeof b, "%g", d);
        return b;
    }
    std::vector<std::string> args_;
    std::string error_;
};

/// The i-th loopback address from `base` (127.a.b.c, host order arithmetic,
/// skipping .0 and .255 in the last byte so each is a usual host address).
inline std::uint32_t nth_loopback(std::uint32_t base_host_order, std::uint32_t i) noexcept {
    // 254 usable last bytes per /24.
    std::uint32_t last = (base_host_order & 0xffu);
    if (last == 0 || last == 255) last = 1;
    std::uint32_t offset = (last - 1) + i;
    std::uint32_t net = (base_host_order & ~0xffu) + (offset / 254) * 256;
    return net | (offset % 254 + 1);
}

}  // namespace sirocco::bench
