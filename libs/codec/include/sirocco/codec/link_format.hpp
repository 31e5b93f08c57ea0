// CoRE link format (RFC 6690, content format 40) with the LwM2M attributes
// (Core TS 1.2: "Attributes", the Register operation's object list, the
// Discover and Write-Attributes operations, Bootstrap-Discover).
//
// Three tools, all device-side (no heap; views into the caller's text):
// - link::writer writes link lists into a caller buffer:
//     registration: </>;rt="oma.lwm2m";ct=110,</1>;ver=1.1,</1/0>,</3/0>
//     Discover:     </3/0>;pmin=10,</3/0/1>,</3/0/7>;dim=3
// - link::parser reads a link list one link at a time, and
//   link::param_parser the parameters of one link. They accept what RFC 6690
//   allows plus white space around ',' ';' and '=' (the LwM2M TS examples and
//   some peers put a space after ','), token or quoted values, escapes in
//   quoted strings, and parameters without a value.
// - attributes: the LwM2M notification attributes as typed values, parsed
//   from a Write-Attributes query ("pmin=10&gt=20.5&lt": a name without a
//   value unsets it) or from the parameters of a Discover link, and written
//   back by the writer.
//
// Lifetimes: every string_view handed out points into the text given to the
// parser (or to parse_query); it stays valid as long as that text does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"
#include "sirocco/lwm2m/path.hpp"

namespace sirocco::codec::link {

/// One link-param. `value` is the text between the quotes for a quoted
/// string, with escapes still in it (see unquote()), else the token.
struct param {
    std::string_view name;
    std::string_view value;
    bool has_value = false;
    bool quoted = false;
};

/// One link-value: the URI-reference between '<' and '>', and the raw text
/// of its parameters (read them with param_parser).
struct link_value {
    std::string_view target;
    std::string_view params;
};

/// Reads a link list (links separated by ','). Errors (malformed): "link
/// must start with '<'", "unterminated link target", "unterminated quoted
/// string", "expected ',' between links", "empty parameter name".
class parser {
  public:
    explicit parser(std::string_view text) noexcept : text_(text) {}
    /// Fills `out` and returns true, or returns false at the end of the list.
    result<bool> next(link_value& out) noexcept;

  private:
    std::string_view text_;
    std::size_t pos_ = 0;
    bool first_ = true;
};

/// Reads the parameters of one link (the `params` of a link_value).
class param_parser {
  public:
    explicit param_parser(std::string_view params) noexcept : text_(params) {}
    result<bool> next(param& out) noexcept;

  private:
    std::string_view text_;
    std::size_t pos_ = 0;
};

/// Removes the backslash escapes of a quoted value into `out`; returns a
/// view of `out`. buffer_too_small when `out` is shorter than the value.
result<std::string_view> unquote(std::string_view quoted, std::span<char> out) noexcept;

/// The LwM2M path of a link target ("/3/0/1"), below an alternate root
/// `root` when the client registered one (`</lwm2m>;rt="oma.lwm2m"`).
/// "/" and "" are the root path. Errors: malformed when the target is not
/// under `root` or is not a path.
result<lwm2m::path> target_path(std::string_view target, std::string_view root = "/") noexcept;

// ---- LwM2M attributes ----

/// Whether an attribute is in a set: absent (not mentioned), set to a value,
/// or unset (a Write-Attributes query named it without a value: remove it).
enum class attr_state : std::uint8_t { absent, set, unset };

template <class T>
struct attr {
    attr_state state = attr_state::absent;
    T value{};
    constexpr bool is_set() const noexcept { return state == attr_state::set; }
    constexpr void set(T v) noexcept {
        state = attr_state::set;
        value = v;
    }
    friend constexpr bool operator==(const attr&, const attr&) = default;
};

/// The attributes of Core TS 1.2 (and 1.1), "Attributes": notification
/// attributes pmin, pmax, gt, lt, st, epmin, epmax, edge, con, hqmax; and
/// the properties dim, ssid, uri, ver that Discover and registration show.
struct attributes {
    attr<std::uint32_t> pmin, pmax, epmin, epmax, hqmax;
    attr<double> gt, lt, st;
    attr<std::uint8_t> edge, con;  ///< 0 or 1 (LwM2M 1.2)
    attr<std::uint16_t> dim, ssid;
    attr<std::string_view> ver;  ///< "1.1": points into the parsed text
    attr<std::string_view> uri;  ///< quoted on the wire, escapes kept
    friend bool operator==(const attributes&, const attributes&) = default;
};

/// Applies one parameter to `a`. Parameters that are not LwM2M attributes
/// (rt, ct, if, ...) are ignored when `strict` is false (links) and are
/// invalid_argument when it is true (Write-Attributes). Errors: malformed
/// for a value that is not a number where one is needed, out_of_range for
/// numbers out of range (pmin=-1, dim=70000, edge=2), invalid_argument for a
/// value given to ver/dim/ssid/uri without one (they cannot be unset).
result<void> apply(attributes& a, const param& p, bool strict) noexcept;

/// Parses a Write-Attributes query: "pmin=10&gt=20.5&lt" (each '&'-separated
/// part is one Uri-Query option; an empty query is no change). Only the
/// writable notification attributes are accepted (pmin pmax gt lt st epmin
/// epmax edge con hqmax): anything else is invalid_argument (-> 4.00).
result<attributes> parse_query(std::string_view query) noexcept;

/// Writes link lists. Overflow is remembered and reported by finish().
class writer {
  public:
    explicit writer(mutable_bytes out) noexcept : w_(out) {}

    /// Starts a link "<target>" (a ',' first unless it is the first link).
    void link(std::string_view target) noexcept;
    /// Starts a link to a path: "</3/0/1>" ("</>" for the root).
    void link(const lwm2m::path& p) noexcept;
    /// ";name"
    void param(std::string_view name) noexcept;
    /// ";name=token" (the caller makes sure `token` is a ptoken).
    void param(std::string_view name, std::string_view token) noexcept;
    /// ;name="value" with '"' and '\' escaped.
    void param_quoted(std::string_view name, std::string_view value) noexcept;
    void param(std::string_view name, std::uint64_t number) noexcept;
    /// Shortest text that reads back to the same double; no ".0" for
    /// integral values (gt=20). NaN and infinities are written as is and
    /// make finish() fail with out_of_range.
    void param(std::string_view name, double number) noexcept;
    /// The set attributes of `a`, in the order pmin pmax gt lt st epmin epmax
    /// edge con hqmax dim ssid uri ver. Unset and absent ones are skipped.
    void attributes(const link::attributes& a) noexcept;

    /// Bytes written. buffer_too_small when `out` was too short,
    /// out_of_range after a non-finite number.
    result<std::size_t> finish() const noexcept;

  private:
    byte_writer w_;
    bool first_ = true;
    bool bad_number_ = false;
};

}  // namespace sirocco::codec::link
