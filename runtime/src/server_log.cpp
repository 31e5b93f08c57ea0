#include "sirocco/runtime/server_log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace sirocco::runtime {

std::string_view to_string(log_level l) noexcept {
    switch (l) {
        case log_level::debug:
            return "debug";
        case log_level::info:
            return "info";
        case log_level::warn:
            return "warn";
        case log_level::error:
            return "error";
    }
    return "info";
}

std::optional<log_level> parse_log_level(std::string_view s) noexcept {
    if (s == "debug") return log_level::debug;
    if (s == "info") return log_level::info;
    if (s == "warn" || s == "warning") return log_level::warn;
    if (s == "error") return log_level::error;
    return std::nullopt;
}

std::string server_log::quote(std::string_view v) {
    bool plain = !v.empty();
    for (char c : v)
        if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
            plain = false;
    if (plain) return std::string(v);
    std::string s = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') {
            s += '\\';
            s += c;
        } else if (c == '\n') {
            s += "\\n";
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\x%02x",
                          static_cast<unsigned>(static_cast<unsigned char>(c)));
            s += b;
        } else {
            s += c;
        }
    }
    s += '"';
    return s;
}

void server_log::write(log_level l, std::string_view event, std::initializer_list<field> fields) {
    write(l, event, std::span<const field>(fields.begin(), fields.size()));
}

void server_log::write(log_level l, std::string_view event, std::span<const field> fields) {
    if (!enabled(l)) return;
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char ts[96];
    std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms % 1000));
    std::string line = "ts=";
    line += ts;
    line += " level=";
    line += to_string(l);
    line += " event=";
    line += quote(event);
    for (const auto& [k, v] : fields) {
        line += ' ';
        line += k;
        line += '=';
        line += quote(v);
    }
    line += '\n';
    std::lock_guard<std::mutex> lock(mx_);
    out_ << line << std::flush;
}

}  // namespace sirocco::runtime
