// Errors as values.
//
// Every fallible function in libs/ returns a sirocco::result<T> (see result.hpp)
// whose error side is a sirocco::error: a machine-readable code (errc) and a
// human-readable reason. The reason always points to a string literal with
// static storage duration, so an error can be copied freely, costs two words,
// and never allocates; that keeps it usable on a microcontroller built with
// -fno-exceptions -fno-rtti.
//
// Host code that wants std::error_code gets one through make_error_code()
// (error_code.hpp, host builds only).
#pragma once

#include <cstdint>
#include <string_view>

namespace sirocco {

/// What went wrong, independent of the protocol layer that noticed it.
enum class errc : std::uint8_t {
    ok = 0,
    invalid_argument,   ///< the caller passed something that is not acceptable
    out_of_range,       ///< a number does not fit the target type or range
    malformed,          ///< input bytes or text do not follow the grammar
    truncated,          ///< input ended early; a stream parser may be fed more
    buffer_too_small,   ///< the caller's output buffer cannot hold the result
    capacity_exceeded,  ///< a fixed limit (count, size) of the library was hit
    unsupported,        ///< valid but not supported (format, option, feature)
    not_found,          ///< the addressed thing does not exist
    type_mismatch,      ///< a value or node has another type than required
    not_allowed,        ///< the operation is not permitted in this state/access
    timeout,            ///< a deadline passed
    io_error,           ///< reading or writing a file or socket failed (runtime/)
};

/// Short stable name of an error code ("out_of_range"), for logs and tests.
constexpr std::string_view to_string(errc e) noexcept {
    switch (e) {
        case errc::ok:
            return "ok";
        case errc::invalid_argument:
            return "invalid_argument";
        case errc::out_of_range:
            return "out_of_range";
        case errc::malformed:
            return "malformed";
        case errc::truncated:
            return "truncated";
        case errc::buffer_too_small:
            return "buffer_too_small";
        case errc::capacity_exceeded:
            return "capacity_exceeded";
        case errc::unsupported:
            return "unsupported";
        case errc::not_found:
            return "not_found";
        case errc::type_mismatch:
            return "type_mismatch";
        case errc::not_allowed:
            return "not_allowed";
        case errc::timeout:
            return "timeout";
        case errc::io_error:
            return "io_error";
    }
    return "unknown";
}

/// An error: a code and a reason. `reason` is a string literal (static
/// storage), never null, and says what is wrong in words a user understands,
/// e.g. "object id is not a number".
struct error {
    errc code = errc::ok;
    const char* reason = "";

    constexpr error() = default;
    constexpr error(errc c, const char* why) noexcept : code(c), reason(why) {}

    friend constexpr bool operator==(const error& a, const error& b) noexcept {
        return a.code == b.code;  // reasons are explanations, not identity
    }
};

}  // namespace sirocco
