#include "sirocco/lwm2m/value.hpp"

#include "float_text.hpp"

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace sirocco::lwm2m {

namespace {
char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Case-insensitive compare that treats ' ' and '_' alike ("Unsigned Integer"
// in DDF, "UNSIGNED_INTEGER" in the REST API).
bool same_name(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = lower(a[i]), y = lower(b[i]);
        if (x == '_') x = ' ';
        if (y == '_') y = ' ';
        if (x != y) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}
}  // namespace

std::string_view to_string(data_type t) noexcept {
    switch (t) {
        case data_type::none:
            return "NONE";
        case data_type::string:
            return "STRING";
        case data_type::integer:
            return "INTEGER";
        case data_type::unsigned_integer:
            return "UNSIGNED_INTEGER";
        case data_type::float_:
            return "FLOAT";
        case data_type::boolean:
            return "BOOLEAN";
        case data_type::opaque:
            return "OPAQUE";
        case data_type::time:
            return "TIME";
        case data_type::objlnk:
            return "OBJLNK";
        case data_type::corelnk:
            return "CORELINK";
    }
    return "NONE";
}

result<data_type> parse_data_type(std::string_view s) noexcept {
    s = trim(s);
    struct entry {
        std::string_view name;
        data_type type;
    };
    static constexpr entry table[] = {
        {"", data_type::none},
        {"none", data_type::none},
        {"string", data_type::string},
        {"integer", data_type::integer},
        {"unsigned integer", data_type::unsigned_integer},
        {"float", data_type::float_},
        {"boolean", data_type::boolean},
        {"opaque", data_type::opaque},
        {"time", data_type::time},
        {"objlnk", data_type::objlnk},
        {"corelnk", data_type::corelnk},
        {"corelink", data_type::corelnk},
    };
    for (const auto& e : table)
        if (same_name(s, e.name)) return e.type;
    return unexpected(errc::malformed, "unknown data type");
}

std::string_view value::string() const noexcept {
    assert(type_ == data_type::string || type_ == data_type::corelnk || type_ == data_type::opaque);
    return {u_.s.p, u_.s.n};
}
bytes_view value::opaque() const noexcept {
    assert(type_ == data_type::string || type_ == data_type::corelnk || type_ == data_type::opaque);
    return {reinterpret_cast<const std::uint8_t*>(u_.s.p), u_.s.n};
}
std::int64_t value::integer() const noexcept {
    assert(type_ == data_type::integer || type_ == data_type::time);
    return u_.i;
}
std::uint64_t value::unsigned_integer() const noexcept {
    assert(type_ == data_type::unsigned_integer);
    return u_.u;
}
double value::float_value() const noexcept {
    assert(type_ == data_type::float_);
    return u_.f;
}
bool value::boolean() const noexcept {
    assert(type_ == data_type::boolean);
    return u_.b;
}
std::int64_t value::time() const noexcept {
    assert(type_ == data_type::time || type_ == data_type::integer);
    return u_.i;
}
objlnk value::link() const noexcept {
    assert(type_ == data_type::objlnk);
    return u_.o;
}

namespace {
// 2^63 as a double: the first double that does not fit int64.
constexpr double two_pow_63 = 9223372036854775808.0;
constexpr double two_pow_64 = 18446744073709551616.0;
}  // namespace

result<std::int64_t> value::as_integer() const noexcept {
    switch (type_) {
        case data_type::integer:
        case data_type::time:
            return u_.i;
        case data_type::unsigned_integer:
            if (u_.u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                return unexpected(errc::out_of_range, "unsigned value too large for integer");
            return static_cast<std::int64_t>(u_.u);
        case data_type::float_: {
            double f = u_.f;
            if (!std::isfinite(f) || f < -two_pow_63 || f >= two_pow_63)
                return unexpected(errc::out_of_range, "float value out of integer range");
            if (std::trunc(f) != f)
                return unexpected(errc::out_of_range, "float value has a fractional part");
            return static_cast<std::int64_t>(f);
        }
        default:
            return unexpected(errc::type_mismatch, "value is not a number");
    }
}

result<std::uint64_t> value::as_unsigned() const noexcept {
    switch (type_) {
        case data_type::unsigned_integer:
            return u_.u;
        case data_type::integer:
        case data_type::time:
            if (u_.i < 0)
                return unexpected(errc::out_of_range, "negative value for unsigned integer");
            return static_cast<std::uint64_t>(u_.i);
        case data_type::float_: {
            double f = u_.f;
            if (!std::isfinite(f) || f < 0 || f >= two_pow_64)
                return unexpected(errc::out_of_range, "float value out of unsigned integer range");
            if (std::trunc(f) != f)
                return unexpected(errc::out_of_range, "float value has a fractional part");
            return static_cast<std::uint64_t>(f);
        }
        default:
            return unexpected(errc::type_mismatch, "value is not a number");
    }
}

result<double> value::as_float() const noexcept {
    switch (type_) {
        case data_type::float_:
            return u_.f;
        case data_type::integer:
        case data_type::time:
            return static_cast<double>(u_.i);
        case data_type::unsigned_integer:
            return static_cast<double>(u_.u);
        default:
            return unexpected(errc::type_mismatch, "value is not a number");
    }
}

result<bool> value::as_boolean() const noexcept {
    switch (type_) {
        case data_type::boolean:
            return u_.b;
        case data_type::integer:
            if (u_.i == 0 || u_.i == 1) return u_.i == 1;
            return unexpected(errc::out_of_range, "integer is not 0 or 1");
        case data_type::unsigned_integer:
            if (u_.u <= 1) return u_.u == 1;
            return unexpected(errc::out_of_range, "integer is not 0 or 1");
        default:
            return unexpected(errc::type_mismatch, "value is not a boolean");
    }
}

result<std::int64_t> value::as_time() const noexcept {
    return as_integer();
}

result<value> value::convert(data_type target) const noexcept {
    if (target == type_) return *this;
    switch (target) {
        case data_type::integer: {
            auto r = as_integer();
            if (!r) return unexpected(r.error());
            return of_integer(*r);
        }
        case data_type::time: {
            auto r = as_integer();
            if (!r) return unexpected(r.error());
            return of_time(*r);
        }
        case data_type::unsigned_integer: {
            auto r = as_unsigned();
            if (!r) return unexpected(r.error());
            return of_unsigned(*r);
        }
        case data_type::float_: {
            auto r = as_float();
            if (!r) return unexpected(r.error());
            return of_float(*r);
        }
        case data_type::boolean: {
            auto r = as_boolean();
            if (!r) return unexpected(r.error());
            return of_boolean(*r);
        }
        case data_type::string:
            if (type_ == data_type::corelnk) return of_string(string());
            break;
        case data_type::corelnk:
            if (type_ == data_type::string) return of_corelnk(string());
            break;
        case data_type::opaque:
            if (type_ == data_type::string) return of_opaque(opaque());
            break;
        default:
            break;
    }
    return unexpected(errc::type_mismatch, "value cannot be converted to that type");
}

bool operator==(const value& a, const value& b) noexcept {
    if (a.type_ != b.type_) return false;
    switch (a.type_) {
        case data_type::none:
            return true;
        case data_type::string:
        case data_type::opaque:
        case data_type::corelnk:
            return a.u_.s.n == b.u_.s.n &&
                   (a.u_.s.n == 0 || std::memcmp(a.u_.s.p, b.u_.s.p, a.u_.s.n) == 0);
        case data_type::integer:
        case data_type::time:
            return a.u_.i == b.u_.i;
        case data_type::unsigned_integer:
            return a.u_.u == b.u_.u;
        case data_type::float_:
            return a.u_.f == b.u_.f || (std::isnan(a.u_.f) && std::isnan(b.u_.f));
        case data_type::boolean:
            return a.u_.b == b.u_.b;
        case data_type::objlnk:
            return a.u_.o == b.u_.o;
    }
    return false;
}

namespace {
template <class Int>
result<Int> parse_int(std::string_view s) noexcept {
    if (s.empty()) return unexpected(errc::malformed, "empty number");
    const char* first = s.data();
    if (s[0] == '+') ++first;
    Int v{};
    auto [p, ec] = std::from_chars(first, s.data() + s.size(), v);
    if (ec == std::errc::result_out_of_range)
        return unexpected(errc::out_of_range, "number out of range");
    if (ec != std::errc() || p != s.data() + s.size())
        return unexpected(errc::malformed, "not a number");
    return v;
}

}  // namespace

result<value> parse_text(std::string_view text, data_type type) noexcept {
    switch (type) {
        case data_type::none:
            if (!text.empty()) return unexpected(errc::type_mismatch, "resource takes no value");
            return value{};
        case data_type::string:
            return value::of_string(text);
        case data_type::corelnk:
            return value::of_corelnk(text);
        case data_type::integer: {
            auto r = parse_int<std::int64_t>(text);
            if (!r) return unexpected(r.error());
            return value::of_integer(*r);
        }
        case data_type::time: {
            auto r = parse_int<std::int64_t>(text);
            if (!r) return unexpected(r.error());
            return value::of_time(*r);
        }
        case data_type::unsigned_integer: {
            if (!text.empty() && text[0] == '-')
                return unexpected(errc::out_of_range, "negative value for unsigned integer");
            auto r = parse_int<std::uint64_t>(text);
            if (!r) return unexpected(r.error());
            return value::of_unsigned(*r);
        }
        case data_type::float_: {
            auto r = detail::parse_float(text);
            if (!r) return unexpected(r.error());
            return value::of_float(*r);
        }
        case data_type::boolean:
            if (text == "1") return value::of_boolean(true);
            if (text == "0") return value::of_boolean(false);
            return unexpected(errc::malformed, "boolean must be 0 or 1");
        case data_type::objlnk: {
            auto colon = text.find(':');
            if (colon == std::string_view::npos)
                return unexpected(errc::malformed, "object link must be oid:iid");
            auto o = parse_int<std::uint16_t>(std::string_view(text.data(), colon));
            auto i = parse_int<std::uint16_t>(
                std::string_view(text.data() + colon + 1, text.size() - colon - 1));
            if (!o || !i) return unexpected(errc::malformed, "object link ids must be 0..65535");
            return value::of_objlnk({*o, *i});
        }
        case data_type::opaque:
            return unexpected(errc::type_mismatch, "opaque has no text form");
    }
    return unexpected(errc::type_mismatch, "unknown data type");
}

result<std::size_t> format_text(const value& v, std::span<char> out) noexcept {
    char tmp[40];
    std::size_t n = 0;
    auto fits = [&](std::size_t k) -> result<std::size_t> {
        if (k > out.size()) return unexpected(errc::buffer_too_small, "text buffer too small");
        return k;
    };
    switch (v.type()) {
        case data_type::none:
            return std::size_t{0};
        case data_type::string:
        case data_type::corelnk: {
            auto s = v.string();
            if (s.size() > out.size())
                return unexpected(errc::buffer_too_small, "text buffer too small");
            if (!s.empty()) std::memcpy(out.data(), s.data(), s.size());
            return s.size();
        }
        case data_type::integer:
        case data_type::time: {
            auto [p, ec] = std::to_chars(tmp, tmp + sizeof tmp, v.integer());
            (void)ec;
            n = static_cast<std::size_t>(p - tmp);
            break;
        }
        case data_type::unsigned_integer: {
            auto [p, ec] = std::to_chars(tmp, tmp + sizeof tmp, v.unsigned_integer());
            (void)ec;
            n = static_cast<std::size_t>(p - tmp);
            break;
        }
        case data_type::boolean:
            tmp[0] = v.boolean() ? '1' : '0';
            n = 1;
            break;
        case data_type::objlnk: {
            auto l = v.link();
            auto [p, ec] = std::to_chars(tmp, tmp + 6, l.object_id);
            (void)ec;
            *p++ = ':';
            auto [q, ec2] = std::to_chars(p, tmp + sizeof tmp, l.instance_id);
            (void)ec2;
            n = static_cast<std::size_t>(q - tmp);
            break;
        }
        case data_type::float_:
            n = detail::format_double(v.float_value(), tmp);
            break;
        case data_type::opaque:
            return unexpected(errc::type_mismatch, "opaque has no text form");
    }
    auto r = fits(n);
    if (r) std::memcpy(out.data(), tmp, n);
    return r;
}

}  // namespace sirocco::lwm2m
