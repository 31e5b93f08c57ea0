// Internal: a small streaming JSON (RFC 8259) tokenizer and writer helpers
// for the JSON content formats (SenML JSON, OMA LwM2M JSON, SenML-ETCH JSON).
//
// Device-side: no heap, no recursion, no floating-point from_chars. The
// reader checks the full grammar (commas, colons, nesting up to
// max_depth, string escapes, UTF-8, number syntax) as it goes, so a caller
// that stops at the first error never acts on a prefix of a bad document...
// except that records already passed to a sink stay passed (streaming).
//
// Strings are returned raw (the bytes between the quotes, escapes included)
// with a flag; unescape() turns them into their value in a caller buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"
#include "sirocco/lwm2m/value.hpp"

namespace sirocco::codec::detail::json {

enum class token : std::uint8_t {
    end,  ///< the document is complete (only white space followed)
    begin_object,
    end_object,
    begin_array,
    end_array,
    key,     ///< an object member name; text = raw string content
    string,  ///< text = raw string content
    number,  ///< text = the number as written
    true_,
    false_,
    null,
};

struct item {
    token kind = token::end;
    std::string_view text;
    bool escaped = false;  ///< the raw string holds a backslash escape
};

class reader {
  public:
    static constexpr std::size_t max_depth = 16;

    explicit reader(bytes_view in) noexcept : in_(as_chars(in)) {}

    /// The next token. Errors: malformed with the reason ("expected ','
    /// or '}'", "invalid escape", "unterminated string", "nesting deeper
    /// than 16", "data after the JSON value", "invalid number", ...).
    result<item> next() noexcept;

    /// Skips the rest of a value whose first token `first` was just read
    /// (nothing for scalars; up to the matching close for containers).
    result<void> skip(const item& first) noexcept;

    std::size_t depth() const noexcept { return depth_; }

  private:
    enum class want : std::uint8_t {
        value,
        value_or_close,
        key,
        key_or_close,
        comma_or_close,
        eof
    };
    result<item> value_token(char c) noexcept;
    result<std::string_view> lex_string(bool& escaped) noexcept;
    void after_value() noexcept;
    bool in_object() const noexcept { return depth_ > 0 && ((objects_ >> (depth_ - 1)) & 1u) != 0; }

    std::string_view in_;
    std::size_t pos_ = 0;
    std::size_t depth_ = 0;
    std::uint32_t objects_ = 0;  ///< bit i set: level i is an object
    want want_ = want::value;
};

/// Unescapes raw string content into `out`. Returns a view of `out` (or of
/// `raw` itself when it has no escapes). Errors: malformed (bad \u escape,
/// lone surrogate), capacity_exceeded when `out` is too small.
result<std::string_view> unescape(const item& s, std::span<char> out) noexcept;

/// Writes `s` as a JSON string (quotes included), escaping '"', '\\' and
/// control characters.
void write_string(byte_writer& w, std::string_view s) noexcept;

/// Writes a number value (integer, unsigned, float or time) as JSON text.
/// Errors: out_of_range for NaN and infinities (JSON has no form for them).
result<void> write_number(byte_writer& w, const lwm2m::value& v) noexcept;

/// The value of a JSON number: integer when it is written as one and fits
/// int64 (unsigned_integer when it only fits uint64), float otherwise.
result<lwm2m::value> number_value(std::string_view text) noexcept;

}  // namespace sirocco::codec::detail::json
