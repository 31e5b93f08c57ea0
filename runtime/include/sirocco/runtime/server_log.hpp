// Structured logs of sirocco-server: one line per event, logfmt
// (key=value, values with spaces or quotes quoted):
//   ts=2026-11-21T15:32:03.123Z level=info event=registered ep=dev1 id=a1b2 addr=udp://...
// Thread-safe (one mutex around each line); lines below the level are
// dropped before they are formatted. Host-only.
#pragma once

#include <initializer_list>
#include <mutex>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace sirocco::runtime {

enum class log_level : int { debug = 0, info = 1, warn = 2, error = 3 };

/// "debug", "info", "warn", "error".
std::string_view to_string(log_level l) noexcept;
/// Parses one of the names above; nullopt otherwise.
std::optional<log_level> parse_log_level(std::string_view s) noexcept;

class server_log {
  public:
    using field = std::pair<std::string_view, std::string>;

    /// Writes to `out` (borrowed; must outlive the log), lines at `min` and above.
    explicit server_log(std::ostream& out, log_level min = log_level::info)
        : out_(out), min_(min) {}

    bool enabled(log_level l) const noexcept { return l >= min_; }
    void set_level(log_level l) noexcept { min_ = l; }

    /// One line: ts, level, event, then the fields in order.
    void write(log_level l, std::string_view event, std::initializer_list<field> fields = {});
    /// The same with fields known at run time only.
    void write(log_level l, std::string_view event, std::span<const field> fields);

    /// logfmt quoting of one value (exposed for tests).
    static std::string quote(std::string_view v);

  private:
    std::ostream& out_;
    log_level min_;
    std::mutex mx_;
};

}  // namespace sirocco::runtime
