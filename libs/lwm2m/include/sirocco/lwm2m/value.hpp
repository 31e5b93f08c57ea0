// Values of the LwM2M data types (Core TS 1.2, appendix C).
//
// `value` is a non-owning view: String, Opaque and Corelnk values point at
// bytes owned by someone else (a received payload, an object's storage, an
// owned_value on the host). It is trivially copyable, 24 bytes, and never
// allocates, so device code and codecs pass it by value. Whoever creates a
// view must keep the bytes alive as long as the view is used.
//
// Conversions (as_integer(), convert(), ...) check ranges and report the
// reason on failure; they never silently truncate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"

namespace sirocco::lwm2m {

/// The LwM2M data types. `none` is the type of executable resources and of
/// an absent value.
enum class data_type : std::uint8_t {
    none = 0,
    string,
    integer,           ///< signed 64-bit
    unsigned_integer,  ///< unsigned 64-bit (LwM2M 1.1)
    float_,            ///< IEEE 754 binary64 (binary32 on the wire when exact)
    boolean,
    opaque,
    time,     ///< seconds since the Unix epoch, signed 64-bit
    objlnk,   ///< object link "oid:iid" (LwM2M 1.0 and later)
    corelnk,  ///< CoRE link (RFC 6690) text (LwM2M 1.1)
};

/// Name used by DDF files and the Leshan REST API ("STRING", "INTEGER", ...).
std::string_view to_string(data_type t) noexcept;
/// Parses a DDF <Type> value, case-insensitively: "String", "Integer",
/// "Unsigned Integer", "Float", "Boolean", "Opaque", "Time", "Objlnk",
/// "Corelnk", "" (none). Also accepts the REST names ("UNSIGNED_INTEGER").
result<data_type> parse_data_type(std::string_view s) noexcept;

/// Object link (Core TS 1.2, C.?): object id and instance id.
/// "no link" is 65535:65535.
struct objlnk {
    std::uint16_t object_id = 0;
    std::uint16_t instance_id = 0;
    friend constexpr bool operator==(objlnk, objlnk) noexcept = default;
    static constexpr objlnk null() noexcept { return {0xFFFF, 0xFFFF}; }
};

class value {
  public:
    constexpr value() noexcept : type_(data_type::none), u_{} {}

    static constexpr value of_string(std::string_view s) noexcept {
        value v(data_type::string);
        v.u_.s = {s.data(), s.size()};
        return v;
    }
    static constexpr value of_integer(std::int64_t i) noexcept {
        value v(data_type::integer);
        v.u_.i = i;
        return v;
    }
    static constexpr value of_unsigned(std::uint64_t u) noexcept {
        value v(data_type::unsigned_integer);
        v.u_.u = u;
        return v;
    }
    static constexpr value of_float(double f) noexcept {
        value v(data_type::float_);
        v.u_.f = f;
        return v;
    }
    static constexpr value of_boolean(bool b) noexcept {
        value v(data_type::boolean);
        v.u_.b = b;
        return v;
    }
    static value of_opaque(bytes_view b) noexcept {
        value v(data_type::opaque);
        v.u_.s = {reinterpret_cast<const char*>(b.data()), b.size()};
        return v;
    }
    static constexpr value of_time(std::int64_t seconds) noexcept {
        value v(data_type::time);
        v.u_.i = seconds;
        return v;
    }
    static constexpr value of_objlnk(objlnk l) noexcept {
        value v(data_type::objlnk);
        v.u_.o = l;
        return v;
    }
    static constexpr value of_corelnk(std::string_view s) noexcept {
        value v(data_type::corelnk);
        v.u_.s = {s.data(), s.size()};
        return v;
    }

    constexpr data_type type() const noexcept { return type_; }
    constexpr bool is_none() const noexcept { return type_ == data_type::none; }

    // Exact accessors: valid only for the matching type (asserted).
    std::string_view string() const noexcept;  ///< string or corelnk text
    bytes_view opaque() const noexcept;        ///< opaque bytes (string views too)
    std::int64_t integer() const noexcept;     ///< integer or time
    std::uint64_t unsigned_integer() const noexcept;
    double float_value() const noexcept;
    bool boolean() const noexcept;
    std::int64_t time() const noexcept;
    objlnk link() const noexcept;

    // Checked conversions between numeric types. Errors:
    // type_mismatch (e.g. a string as integer), out_of_range (e.g. -1 as
    // unsigned, 1e30 as integer, 2.5 as integer).
    result<std::int64_t> as_integer() const noexcept;
    result<std::uint64_t> as_unsigned() const noexcept;
    result<double> as_float() const noexcept;
    result<bool> as_boolean() const noexcept;       ///< boolean, or integer 0/1
    result<std::int64_t> as_time() const noexcept;  ///< time or integer

    /// Converts to `target` where the specification allows it without loss:
    /// between integer, unsigned, float and time with range checks; 0/1 to
    /// boolean; string to corelnk and back; opaque from string. Anything else
    /// is type_mismatch. The result shares this value's bytes.
    result<value> convert(data_type target) const noexcept;

    /// Exact equality: same type and same content (floats compared bitwise
    /// equal or ==; strings/opaque by bytes).
    friend bool operator==(const value& a, const value& b) noexcept;

  private:
    constexpr explicit value(data_type t) noexcept : type_(t), u_{} {}
    struct sv {
        const char* p;
        std::size_t n;
    };
    data_type type_;
    union u {
        std::int64_t i;
        std::uint64_t u;
        double f;
        bool b;
        objlnk o;
        sv s;
    } u_;
};

/// Parses the text/plain form of a value of `type` (Core TS 1.2, 7.3.1):
/// decimal integers, floats ("1.5", "-2e3"), booleans "0"/"1", time as
/// integer seconds, objlnk "3:0", strings and corelnk as is. Opaque is not
/// text (base64 belongs to the codec); none accepts only "".
/// String results point into `text`.
result<value> parse_text(std::string_view text, data_type type) noexcept;

/// Formats a value as text/plain into `out`; returns the chars written.
/// Floats use the shortest form that reads back to the same double.
/// Opaque is type_mismatch (use the codec's base64). buffer_too_small when
/// `out` is short.
result<std::size_t> format_text(const value& v, std::span<char> out) noexcept;

}  // namespace sirocco::lwm2m
