#include "sirocco/runtime/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "sirocco/server/dm.hpp"

namespace sirocco::runtime {

namespace {

bool valid_name(std::string_view n) noexcept {
    if (n.empty()) return false;
    for (std::size_t i = 0; i < n.size(); ++i) {
        const char c = n[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        const bool digit = c >= '0' && c <= '9';
        if (!(alpha || (i > 0 && digit))) return false;
    }
    return true;
}

void append_escaped(std::string& out, std::string_view v, bool help) {
    for (char c : v) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && !help) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

void append_labels(std::string& out, const metric_registry::labels& l,
                   std::string_view extra_name = {}, std::string_view extra_value = {}) {
    if (l.empty() && extra_name.empty()) return;
    out += '{';
    bool first = true;
    for (const auto& [k, v] : l) {
        if (!first) out += ',';
        first = false;
        out += k;
        out += "=\"";
        append_escaped(out, v, false);
        out += '"';
    }
    if (!extra_name.empty()) {
        if (!first) out += ',';
        out += extra_name;
        out += "=\"";
        out += extra_value;
        out += '"';
    }
    out += '}';
}

metric_registry::labels sorted(metric_registry::labels l) {
    std::sort(l.begin(), l.end());
    return l;
}

}  // namespace

std::string format_metric_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        return std::to_string(static_cast<long long>(v));
    }
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

void metric_registry::describe(std::string name, metric_type type, std::string help,
                               std::vector<double> buckets) {
    if (!valid_name(name)) throw std::invalid_argument("invalid metric name '" + name + "'");
    if (!std::is_sorted(buckets.begin(), buckets.end()) ||
        std::adjacent_find(buckets.begin(), buckets.end()) != buckets.end())
        throw std::invalid_argument("histogram buckets must be strictly ascending");
    std::lock_guard lock(m_);
    for (const auto& f : families_)
        if (f->name == name) return;
    auto f = std::make_unique<family>();
    f->name = std::move(name);
    f->type = type;
    f->help = std::move(help);
    if (type == metric_type::histogram) f->bounds = std::move(buckets);
    families_.push_back(std::move(f));
}

metric_registry::family* metric_registry::find(std::string_view name, metric_type t) {
    for (auto& f : families_)
        if (f->name == name) return f->type == t ? f.get() : nullptr;
    return nullptr;
}

const metric_registry::family* metric_registry::find(std::string_view name) const {
    for (const auto& f : families_)
        if (f->name == name) return f.get();
    return nullptr;
}

void metric_registry::inc(std::string_view name, const labels& l, double v) {
    if (!(v >= 0)) return;
    std::lock_guard lock(m_);
    if (family* f = find(name, metric_type::counter)) f->by_labels[sorted(l)].value += v;
}

void metric_registry::set(std::string_view name, const labels& l, double v) {
    std::lock_guard lock(m_);
    if (family* f = find(name, metric_type::gauge)) f->by_labels[sorted(l)].value = v;
}

void metric_registry::observe(std::string_view name, const labels& l, double v) {
    if (std::isnan(v)) return;
    std::lock_guard lock(m_);
    family* f = find(name, metric_type::histogram);
    if (!f) return;
    series& s = f->by_labels[sorted(l)];
    if (s.buckets.size() != f->bounds.size()) s.buckets.assign(f->bounds.size(), 0);
    for (std::size_t i = 0; i < f->bounds.size(); ++i)
        if (v <= f->bounds[i]) ++s.buckets[i];  // cumulative
    s.sum += v;
    ++s.count;
}

double metric_registry::value(std::string_view name, const labels& l) const {
    std::lock_guard lock(m_);
    const family* f = find(name);
    if (!f) return 0;
    const auto it = f->by_labels.find(sorted(l));
    if (it == f->by_labels.end()) return 0;
    return f->type == metric_type::histogram ? static_cast<double>(it->second.count)
                                             : it->second.value;
}

std::string metric_registry::expose() const {
    std::lock_guard lock(m_);
    std::string out;
    for (const auto& f : families_) {
        out += "# HELP ";
        out += f->name;
        out += ' ';
        append_escaped(out, f->help, true);
        out += "\n# TYPE ";
        out += f->name;
        out += f->type == metric_type::counter ? " counter\n"
               : f->type == metric_type::gauge ? " gauge\n"
                                               : " histogram\n";
        if (f->type != metric_type::histogram) {
            if (f->by_labels.empty()) {
                // A family without labels shows 0 from the start.
                out += f->name;
                out += " 0\n";
            }
            for (const auto& [l, s] : f->by_labels) {
                out += f->name;
                append_labels(out, l);
                out += ' ';
                out += format_metric_value(s.value);
                out += '\n';
            }
            continue;
        }
        for (const auto& [l, s] : f->by_labels) {
            for (std::size_t i = 0; i < f->bounds.size(); ++i) {
                out += f->name;
                out += "_bucket";
                append_labels(out, l, "le", format_metric_value(f->bounds[i]));
                out += ' ';
                out += std::to_string(i < s.buckets.size() ? s.buckets[i] : 0);
                out += '\n';
            }
            out += f->name;
            out += "_bucket";
            append_labels(out, l, "le", "+Inf");
            out += ' ';
            out += std::to_string(s.count);
            out += '\n';
            out += f->name;
            out += "_sum";
            append_labels(out, l);
            out += ' ';
            out += format_metric_value(s.sum);
            out += '\n';
            out += f->name;
            out += "_count";
            append_labels(out, l);
            out += ' ';
            out += std::to_string(s.count);
            out += '\n';
        }
    }
    return out;
}

// ---------------------------------------------------------------------------

metrics::metrics() {
    r_.describe("sirocco_registrations", metric_type::gauge, "Registrations currently held.");
    r_.describe("sirocco_registrations_total", metric_type::counter,
                "Registration events by kind (registered, updated, deregistered, expired).");
    r_.describe("sirocco_requests_total", metric_type::counter,
                "Device-management requests by operation and outcome.");
    r_.describe("sirocco_request_duration_seconds", metric_type::histogram,
                "Time from submitting a device-management request to its answer.",
                {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60});
    r_.describe("sirocco_notifications_total", metric_type::counter,
                "Observe notifications received.");
    r_.describe("sirocco_sends_total", metric_type::counter, "Send requests (POST /dp) received.");
    r_.describe("sirocco_coap_messages_dropped_total", metric_type::counter,
                "CoAP messages dropped (malformed or unexpected).");
    r_.describe("sirocco_http_requests_total", metric_type::counter,
                "REST API requests by HTTP status code.");
    r_.describe("sirocco_tls_handshakes_total", metric_type::counter,
                "DTLS/TLS handshakes by transport (dtls, tls) and outcome (established, "
                "resumed, unknown_identity, bad_key, bad_certificate, timeout, peer_closed, "
                "protocol).");
    r_.describe("sirocco_tls_sessions", metric_type::gauge,
                "Established DTLS sessions / TLS connections now, by transport.");
    r_.describe("sirocco_tcp_connections", metric_type::gauge,
                "Plain CoAP over TCP connections now.");
    r_.describe("sirocco_registrations_refused_total", metric_type::counter,
                "Register / Update / De-register answered 4.03 (identity and endpoint do not "
                "match), by transport.");
}

void metrics::tls_handshake(std::string_view transport, std::string_view outcome) {
    r_.inc("sirocco_tls_handshakes_total",
           {{"outcome", std::string(outcome)}, {"transport", std::string(transport)}});
}

void metrics::set_tls_sessions(std::string_view transport, std::size_t n) {
    r_.set("sirocco_tls_sessions", {{"transport", std::string(transport)}}, static_cast<double>(n));
}

void metrics::set_tcp_connections(std::size_t n) {
    r_.set("sirocco_tcp_connections", {}, static_cast<double>(n));
}

void metrics::registration_refused(std::string_view transport) {
    r_.inc("sirocco_registrations_refused_total", {{"transport", std::string(transport)}});
}

void metrics::set_registrations(std::size_t n) {
    r_.set("sirocco_registrations", {}, static_cast<double>(n));
}

void metrics::registration_event(std::string_view event) {
    r_.inc("sirocco_registrations_total", {{"event", std::string(event)}});
}

void metrics::request_done(std::string_view operation, std::string_view outcome, double seconds) {
    r_.inc("sirocco_requests_total",
           {{"operation", std::string(operation)}, {"outcome", std::string(outcome)}});
    r_.observe("sirocco_request_duration_seconds", {{"operation", std::string(operation)}},
               seconds);
}

void metrics::notification() {
    r_.inc("sirocco_notifications_total");
}

void metrics::send_received() {
    r_.inc("sirocco_sends_total");
}

void metrics::coap_dropped(std::uint64_t n) {
    r_.inc("sirocco_coap_messages_dropped_total", {}, static_cast<double>(n));
}

void metrics::http_request(unsigned status) {
    r_.inc("sirocco_http_requests_total", {{"code", std::to_string(status)}});
}

std::string_view request_outcome(const server::response& r) noexcept {
    switch (r.fail) {
        case server::failure::none:
            return lwm2m::is_success(r.code) ? "success" : "error";
        case server::failure::timeout:
            return "timeout";
        case server::failure::not_registered:
            return "not_registered";
        case server::failure::expired:
            return "expired";
        case server::failure::invalid:
            return "invalid";
        case server::failure::unsupported:
            return "unsupported";
        case server::failure::transport:
            return "transport";
        case server::failure::cancelled:
            return "cancelled";
    }
    return "error";
}

}  // namespace sirocco::runtime
