// Prometheus metrics: thread-safe counters, gauges and histograms with
// labels, exposed in the Prometheus text format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/):
//   # HELP name text
//   # TYPE name counter|gauge|histogram
//   name{label="value",...} 42
//   name_bucket{le="0.1"} 3 ... name_bucket{le="+Inf"} 5, name_sum, name_count
// Families appear in the order they were described, series in label order.
// Host-only.
//
// `metrics` is the one object sirocco-server's runner (CoAP side) and the
// REST API (HTTP side) share: it describes the sirocco_* families below and
// has one typed method per thing to count.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sirocco::server {
struct response;
}

namespace sirocco::runtime {

enum class metric_type : std::uint8_t { counter, gauge, histogram };

/// A generic registry. All methods are thread-safe.
class metric_registry {
  public:
    using labels = std::vector<std::pair<std::string, std::string>>;

    /// Declares a family (once; a second call with the same name is ignored).
    /// `name` must match [a-zA-Z_:][a-zA-Z0-9_:]*; `buckets` (histograms
    /// only) are the upper bounds, sorted ascending; +Inf is implicit.
    /// Throws std::invalid_argument for a bad name or unsorted buckets.
    void describe(std::string name, metric_type type, std::string help,
                  std::vector<double> buckets = {});

    /// Counter += v (v >= 0; negative values are ignored). Unknown family:
    /// ignored (so a typo cannot crash the server).
    void inc(std::string_view name, const labels& l = {}, double v = 1);
    /// Gauge = v.
    void set(std::string_view name, const labels& l, double v);
    /// Histogram: one observation.
    void observe(std::string_view name, const labels& l, double v);

    /// The current value of a counter or gauge series (0 when absent); for a
    /// histogram, its count. For tests and the runner's own use.
    double value(std::string_view name, const labels& l = {}) const;

    /// The whole registry in text format 0.0.4.
    std::string expose() const;

  private:
    struct series {
        double value = 0;  // counter/gauge
        std::vector<std::uint64_t> buckets;
        double sum = 0;
        std::uint64_t count = 0;
    };
    struct family {
        std::string name;
        metric_type type = metric_type::counter;
        std::string help;
        std::vector<double> bounds;
        std::map<labels, series> by_labels;
    };
    family* find(std::string_view name, metric_type t);
    const family* find(std::string_view name) const;

    mutable std::mutex m_;
    std::vector<std::unique_ptr<family>> families_;
};

/// Content-Type of expose()'s text.
inline constexpr std::string_view prometheus_content_type = "text/plain; version=0.0.4";

/// The sirocco-server metrics:
///   sirocco_registrations                       gauge: registrations now
///   sirocco_registrations_total{event}          registered|updated|deregistered|expired
///   sirocco_requests_total{operation,outcome}   device-management requests
///   sirocco_request_duration_seconds{operation} histogram, submit to answer
///   sirocco_notifications_total                 notifications received
///   sirocco_sends_total                         Send (POST /dp) received
///   sirocco_coap_messages_dropped_total         malformed / unexpected CoAP
///   sirocco_http_requests_total{code}           REST API answers by status
///   sirocco_tls_handshakes_total{outcome,transport}  DTLS/TLS handshakes (issue 8)
///   sirocco_tls_sessions{transport}             gauge: established sessions now
///   sirocco_tcp_connections                     gauge: plain TCP connections now
///   sirocco_registrations_refused_total{transport}  4.03 to Register/Update/De-register
class metrics {
  public:
    metrics();

    void set_registrations(std::size_t n);
    /// `event`: "registered", "updated", "deregistered" or "expired".
    void registration_event(std::string_view event);
    /// `operation`: server::operation_name(); `outcome`: request_outcome().
    void request_done(std::string_view operation, std::string_view outcome, double seconds);
    void notification();
    void send_received();
    void coap_dropped(std::uint64_t n = 1);
    void http_request(unsigned status);
    /// `transport`: "dtls" or "tls"; `outcome`: "established", "resumed" or a
    /// tls::failure name ("unknown_identity", "bad_key", ...).
    void tls_handshake(std::string_view transport, std::string_view outcome);
    void set_tls_sessions(std::string_view transport, std::size_t n);
    void set_tcp_connections(std::size_t n);
    /// `transport`: "udp", "dtls", "tcp", "tls", "mqtt".
    void registration_refused(std::string_view transport);

    metric_registry& registry() noexcept { return r_; }
    const metric_registry& registry() const noexcept { return r_; }
    std::string expose() const { return r_.expose(); }

  private:
    metric_registry r_;
};

/// The outcome label of a device-management response: "success" (2.xx),
/// "error" (the device answered 4.xx/5.xx), or the failure's name
/// ("timeout", "not_registered", "expired", "invalid", "unsupported",
/// "transport", "cancelled").
std::string_view request_outcome(const server::response& r) noexcept;

/// Formats a sample value as Prometheus does: integers without a fraction,
/// "+Inf", "-Inf", "NaN", otherwise the shortest round-trip decimal.
std::string format_metric_value(double v);

}  // namespace sirocco::runtime
