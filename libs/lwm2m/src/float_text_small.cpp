#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "float_text.hpp"

namespace sirocco::lwm2m::detail {

// Decimal float parser that does not depend on the C locale or strtod (not
// always present on a microcontroller's libc). Correctly rounded for up to 19
// significant digits and moderate exponents, which covers every value an LwM2M
// peer sends in text; other inputs round within 1 ulp.
result<double> parse_float(std::string_view s) noexcept {
    if (s.empty()) return unexpected(errc::malformed, "empty number");
    std::size_t i = 0;
    bool neg = false;
    if (s[i] == '+' || s[i] == '-') {
        neg = s[i] == '-';
        ++i;
    }
    std::uint64_t mant = 0;
    int exp10 = 0;
    int digits = 0;
    bool any = false;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
        any = true;
        if (digits < 19) {
            mant = mant * 10 + static_cast<std::uint64_t>(s[i] - '0');
            if (mant) ++digits;
        } else {
            ++exp10;
        }
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
            any = true;
            if (digits < 19) {
                mant = mant * 10 + static_cast<std::uint64_t>(s[i] - '0');
                if (mant) ++digits;
                --exp10;
            }
        }
    }
    if (!any) return unexpected(errc::malformed, "not a number");
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        bool eneg = false;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            ++i;
        }
        int e = 0;
        bool edig = false;
        for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
            edig = true;
            if (e < 100000) e = e * 10 + (s[i] - '0');
        }
        if (!edig) return unexpected(errc::malformed, "exponent has no digits");
        exp10 += eneg ? -e : e;
    }
    if (i != s.size()) return unexpected(errc::malformed, "not a number");
    double v = static_cast<double>(mant);
    // Exact powers of ten up to 1e22 keep the result correctly rounded.
    static constexpr double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (mant != 0) {
        int e = exp10;
        while (e > 22) {
            v *= 1e22;
            e -= 22;
            if (std::isinf(v)) break;
        }
        while (e < -22) {
            v /= 1e22;
            e += 22;
            if (v == 0) break;
        }
        if (e > 0) v *= p10[e];
        if (e < 0) v /= p10[-e];
    }
    if (std::isinf(v)) return unexpected(errc::out_of_range, "float out of range");
    return neg ? -v : v;
}

namespace {
// Writes digits d[0..nd) with decimal exponent `exp` (value = d.ddd x 10^exp)
// in plain notation for moderate exponents, else "d.dddE<exp>".
std::size_t emit(const char* d, std::size_t nd, int exp, char* out) noexcept {
    std::size_t c = 0;
    if (exp >= 0 && exp < 21) {
        for (int k = 0; k <= exp || static_cast<std::size_t>(k) < nd; ++k) {
            if (k == exp + 1) out[c++] = '.';
            out[c++] = static_cast<std::size_t>(k) < nd ? d[k] : '0';
        }
        if (static_cast<int>(nd) <= exp + 1) {
            out[c++] = '.';
            out[c++] = '0';
        }
    } else if (exp < 0 && exp >= -6) {
        out[c++] = '0';
        out[c++] = '.';
        for (int k = -1; k > exp; --k)
            out[c++] = '0';
        for (std::size_t k = 0; k < nd; ++k)
            out[c++] = d[k];
    } else {
        out[c++] = d[0];
        if (nd > 1) {
            out[c++] = '.';
            for (std::size_t k = 1; k < nd; ++k)
                out[c++] = d[k];
        }
        out[c++] = 'E';
        auto [ep, ec] = std::to_chars(out + c, out + c + 8, exp);
        (void)ec;
        c = static_cast<std::size_t>(ep - out);
    }
    return c;
}
}  // namespace

// Shortest round trip by search: for 1..17 significant digits, round the
// value to that many digits and keep the first text that parses back to the
// same double. Small code, no tables; slower than Ryu, which devices do not
// need for a handful of values.
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
    std::size_t n = 0;
    if (std::signbit(f)) {
        out[n++] = '-';
        f = -f;
    }
    if (f == 0) {
        std::memcpy(out + n, "0.0", 3);
        return n + 3;
    }
    if (f < 1e15 && std::trunc(f) == f) {
        auto [p, ec] = std::to_chars(out + n, out + n + 20, static_cast<std::uint64_t>(f));
        (void)ec;
        n = static_cast<std::size_t>(p - out);
        out[n++] = '.';
        out[n++] = '0';
        return n;
    }
    int e10 = static_cast<int>(std::floor(std::log10(f)));
    char cand[40];
    std::size_t c = 0;
    for (int prec = 1; prec <= 17; ++prec) {
        int shift = prec - 1 - e10;
        double scaled = shift >= 0 ? f * std::pow(10.0, shift) : f / std::pow(10.0, -shift);
        auto digits = static_cast<std::uint64_t>(std::llround(scaled));
        char d[24];
        auto [dp, dec] = std::to_chars(d, d + sizeof d, digits);
        (void)dec;
        auto nd = static_cast<std::size_t>(dp - d);
        int exp = e10;
        if (nd > static_cast<std::size_t>(prec)) {  // 9.96 rounded to 10.0
            --nd;
            ++exp;
        } else if (nd < static_cast<std::size_t>(prec)) {  // log10 overestimated
            exp -= static_cast<int>(static_cast<std::size_t>(prec) - nd);
        }
        while (nd > 1 && d[nd - 1] == '0')
            --nd;
        c = emit(d, nd, exp, cand);
        auto back = parse_float(std::string_view(cand, c));
        if (back && *back == f) break;
    }
    std::memcpy(out + n, cand, c);
    return n + c;
}

}  // namespace sirocco::lwm2m::detail
