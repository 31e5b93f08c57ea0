#include <charconv>
#include <cmath>
#include <cstring>

#include "float_text.hpp"

namespace sirocco::lwm2m::detail {

result<double> parse_float(std::string_view s) noexcept {
    if (s.empty()) return unexpected(errc::malformed, "empty number");
    const char* first = s.data();
    const char* last = s.data() + s.size();
    if (*first == '+') ++first;
    // from_chars does not take "inf"/"nan" as LwM2M numbers.
    for (const char* p = first; p != last; ++p) {
        char c = *p;
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+'))
            return unexpected(errc::malformed, "not a number");
    }
    double v = 0;
    auto [p, ec] = std::from_chars(first, last, v);
    if (ec == std::errc::result_out_of_range)
        return unexpected(errc::out_of_range, "float out of range");
    if (ec != std::errc() || p != last) return unexpected(errc::malformed, "not a number");
    return v;
}

std::size_t format_double(double f, char* out) noexcept {
    if (std::isnan(f)) {
        std::memcpy(out, "NaN", 3);
        return 3;
    }
    if (std::isinf(f)) {
        if (f < 0) {
            std::memcpy(out, "-Infinity", 9);
            return 9;
        }
        std::memcpy(out, "Infinity", 8);
        return 8;
    }
    // Shortest round trip; plain notation for moderate exponents.
    double a = std::fabs(f);
    auto fmt = (a != 0 && (a >= 1e21 || a < 1e-6)) ? std::chars_format::scientific
                                                   : std::chars_format::fixed;
    auto [p, ec] = std::to_chars(out, out + 32, f, fmt);
    (void)ec;
    std::size_t n = static_cast<std::size_t>(p - out);
    if (fmt == std::chars_format::fixed && std::memchr(out, '.', n) == nullptr) {
        out[n++] = '.';
        out[n++] = '0';
    }
    for (std::size_t i = 0; i < n; ++i)
        if (out[i] == 'e') out[i] = 'E';
    return n;
}

}  // namespace sirocco::lwm2m::detail
