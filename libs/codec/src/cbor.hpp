// Internal: a small CBOR (RFC 8949) reader and writer for the CBOR-based
// LwM2M formats (60 CBOR, 112 SenML CBOR, 322 SenML-ETCH CBOR, 11544 LwM2M
// CBOR). Device-side: no heap, no exceptions, no recursion deeper than
// `max_depth`.
//
// Reader: pulls one data item head at a time. Accepts every well-formed
// encoding: all argument lengths (including non-shortest ones, which RFC 8949
// 4.1 allows a decoder to accept), definite and indefinite arrays and maps,
// indefinite byte/text strings (their chunks are concatenated into the
// caller's scratch buffer, RFC 8949 3.2.3), half / single / double floats,
// tags (returned as items; skip_tags() drops them) and simple values.
// Rejected as malformed: reserved additional info 28..30, an indefinite
// length on major types 0, 1 and 6, a chunk of another major type inside an
// indefinite string, a "break" outside an indefinite container, a two-byte
// simple value below 32 (RFC 8949 3.3), text that is not UTF-8 is NOT
// checked (LwM2M strings are passed on as bytes).
//
// Writer: always the shortest ("preferred", RFC 8949 4.1/4.2.1) heads and
// definite lengths. Floats: written as binary32 when the value is exactly
// representable in 32 bits, else binary64, never binary16. Why not half:
// LwM2M Core TS 1.1 section 7.4.3 (table "CBOR data types") maps Float to
// "major type 7, 32 or 64 bit floating point" and some constrained peers
// only decode those two; decoding accepts half floats, because Leshan (via
// its CBOR library's shortest-form encoding) sends them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"

namespace sirocco::codec::cbor {

enum class major : std::uint8_t {
    unsigned_int = 0,
    negative_int = 1,
    bytes = 2,
    text = 3,
    array = 4,
    map = 5,
    tag = 6,
    simple = 7,
};

enum class kind : std::uint8_t {
    unsigned_int,  ///< `u` = the value
    negative_int,  ///< value = -1 - `u`
    bytes,         ///< `data`
    text,          ///< `data`
    array,         ///< `u` = count (when !indefinite)
    map,           ///< `u` = pair count (when !indefinite)
    tag,           ///< `u` = tag number; the tagged item follows
    boolean,       ///< `b`
    null,
    undefined,
    simple,    ///< other simple values, `u` = number
    floating,  ///< `f` (half and single widened to double)
    brk,       ///< the "break" stop code 0xff
};

struct item {
    kind type = kind::null;
    bool indefinite = false;
    bool b = false;
    std::uint64_t u = 0;
    double f = 0;
    /// String contents: a view into the input (definite strings) or into
    /// the reader's scratch (indefinite strings, valid until scratch_reset()).
    bytes_view data;
    std::string_view text() const noexcept { return as_chars(data); }
};

class reader {
  public:
    static constexpr std::size_t default_max_depth = 16;

    /// `in` and `scratch` are borrowed for the reader's lifetime.
    explicit reader(bytes_view in, mutable_bytes scratch = {},
                    std::size_t max_depth = default_max_depth) noexcept
        : in_(in), scratch_(scratch), max_depth_(max_depth) {}

    bool empty() const noexcept { return pos_ >= in_.size(); }
    std::size_t position() const noexcept { return pos_; }
    /// True when the next byte is the break code (0xff).
    bool at_break() const noexcept { return pos_ < in_.size() && in_[pos_] == 0xff; }

    /// Reads the next item. Strings are read whole. Errors: truncated (input
    /// ends inside the item -> treat as malformed, 4.00), malformed,
    /// capacity_exceeded (an indefinite string longer than the free scratch).
    result<item> next() noexcept;
    /// next(), skipping any tags before the item (up to 8).
    result<item> next_untagged() noexcept;
    /// Reads a value item: like next_untagged(), but a decimal fraction
    /// (tag 4, [exponent, mantissa] with integer parts, RFC 8949 3.4.4; Anjay
    /// sends doubles so) comes back as a floating item, and `time_tag` (if
    /// not null) tells whether a tag 1 (epoch time) preceded the item.
    /// Errors: as next(); malformed for a decimal fraction that is not two
    /// integers, out_of_range for an exponent beyond +-400.
    result<item> next_value(bool* time_tag = nullptr) noexcept;
    /// Skips one whole data item (with nested items), at most max_depth deep.
    /// Errors as next(), plus capacity_exceeded for too deep nesting.
    result<void> skip() noexcept;
    /// Skips the rest of a container whose head `it` was just read.
    result<void> skip_contents(const item& it) noexcept;

    /// Makes the whole scratch free again (strings of earlier items in
    /// scratch become invalid).
    void scratch_reset() noexcept { scratch_used_ = 0; }

  private:
    result<void> skip_depth(std::size_t depth) noexcept;
    result<void> skip_contents_depth(const item& it, std::size_t depth) noexcept;
    bytes_view in_;
    mutable_bytes scratch_;
    std::size_t max_depth_;
    std::size_t pos_ = 0;
    std::size_t scratch_used_ = 0;
    bool discard_ = false;
};

/// Reads an integer item (major 0 or 1) as a signed value. out_of_range when
/// it does not fit int64; type_mismatch when the item is not an integer.
result<std::int64_t> to_int64(const item& it) noexcept;

class writer {
  public:
    explicit writer(mutable_bytes out) noexcept : w_(out) {}

    void head(major m, std::uint64_t arg) noexcept;
    void uint(std::uint64_t v) noexcept { head(major::unsigned_int, v); }
    void int64(std::int64_t v) noexcept;
    void bytes(bytes_view b) noexcept;
    void text(std::string_view s) noexcept;
    void array(std::size_t n) noexcept { head(major::array, n); }
    void map(std::size_t n) noexcept { head(major::map, n); }
    void tag(std::uint64_t t) noexcept { head(major::tag, t); }
    void boolean(bool b) noexcept { w_.put_u8(b ? 0xf5 : 0xf4); }
    void null() noexcept { w_.put_u8(0xf6); }
    /// binary32 when exact (NaN and infinities too), else binary64.
    void floating(double d) noexcept;
    /// A number that is integral and fits int64 as an integer, else as
    /// floating() (SenML bt / t).
    void number(double d) noexcept;

    /// Bytes written; buffer_too_small when `out` was too short.
    result<std::size_t> finish() const noexcept;
    std::size_t size() const noexcept { return w_.size(); }

  private:
    byte_writer w_;
};

/// IEEE 754 half -> double (for tests and the reader).
double half_to_double(std::uint16_t h) noexcept;

}  // namespace sirocco::codec::cbor
