// CoAP options: the table of known options (RFC 7252 5.10, RFC 7641, RFC 7959,
// RFC 8323 5.3-5.6 signalling options, RFC 7967 No-Response), the receiver's
// option checks (RFC 7252 5.4.1, 5.4.3, 5.4.5), read helpers, and a builder
// that fills a message's options without the heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"
#include "sirocco/coap/message.hpp"

namespace sirocco::coap {

enum class option_format : std::uint8_t { empty, opaque, uint, string };

/// One known option (RFC 7252 5.10 table, and the extensions).
struct option_def {
    std::uint16_t number = 0;
    std::string_view name;
    option_format format = option_format::opaque;
    std::uint16_t min_length = 0;
    std::uint16_t max_length = 0;
    bool repeatable = false;
};

/// Option number properties (RFC 7252 5.4.6 / 12.2).
constexpr bool is_critical(std::uint16_t n) noexcept {
    return (n & 1) != 0;
}
constexpr bool is_unsafe(std::uint16_t n) noexcept {
    return (n & 2) != 0;
}
constexpr bool is_no_cache_key(std::uint16_t n) noexcept {
    return (n & 0x1E) == 0x1C;
}

/// The definition of option `number` in a message with code `c`: for signal
/// codes (7.xx) the RFC 8323 per-signal options, else the request/response
/// options. nullptr when the option is not known.
const option_def* find_option_def(std::uint16_t number, code c = codes::get) noexcept;

/// What a receiver must do with a message after checking its options.
struct option_verdict {
    enum class action : std::uint8_t {
        accept,      ///< every critical option is recognised (elective ones may be ignored)
        bad_option,  ///< a request: answer 4.02 Bad Option (RFC 7252 5.4.1), `number` says which
        reject,      ///< a response or empty message: reject it (RST if CON, RFC 7252 5.4.1)
        abort,  ///< a signal (7.xx): abort the connection (RFC 8323 5.6), Bad-CSM-Option = `number`
    };
    action what = action::accept;
    std::uint16_t number = 0;  ///< the offending option when what != accept
    const char* reason = "";   ///< words, for a diagnostic payload or a log
    /// The response code a request gets (4.02 for bad_option), else empty.
    constexpr code response_code() const noexcept {
        return what == action::bad_option ? codes::bad_option : codes::empty;
    }
    constexpr bool ok() const noexcept { return what == action::accept; }
};

/// Checks `m` as a receiver (RFC 7252 5.4.1, 5.4.3, 5.4.5; RFC 8323 5.3):
/// an option is unrecognised when it is unknown, its length is outside the
/// defined range, or it repeats a non-repeatable option (each supernumerary
/// occurrence is unrecognised). Unrecognised elective options are ignored (the
/// read helpers below skip them); the first unrecognised critical option gives
/// bad_option (request), reject (response, empty) or abort (signal).
/// This form answers every request with bad_option (as over TCP, TLS and MQTT,
/// which have no message types).
option_verdict check_options(const message& m) noexcept;
/// Same, for a message received in framing `f`: over datagram framing an
/// unrecognised critical option in a NON request gives reject, not
/// bad_option (RFC 7252 5.4.1: "... in a Non-confirmable message MUST cause
/// the message to be rejected", section 4.3).
option_verdict check_options(const message& m, framing f) noexcept;

/// True when occurrence `index` of m.options is recognised (known, length in
/// range, not a supernumerary repeat), in the sense of check_options().
bool option_recognised(const message& m, std::size_t index) noexcept;

// --- reading ----------------------------------------------------------------

/// The first option `number`, or nullptr. Does not check lengths.
const option* find_first(const message& m, std::uint16_t number) noexcept;

/// Iterates the values of every occurrence of option `number`, in order.
/// A view over `m`; valid while `m` is.
class option_range {
  public:
    class iterator {
      public:
        iterator(const option* p, const option* end, std::uint16_t n) noexcept
            : p_(p), end_(end), n_(n) {
            skip();
        }
        const option& operator*() const noexcept { return *p_; }
        const option* operator->() const noexcept { return p_; }
        iterator& operator++() noexcept {
            ++p_;
            skip();
            return *this;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept {
            return a.p_ == b.p_;
        }

      private:
        void skip() noexcept {
            while (p_ != end_ && p_->number != n_)
                ++p_;
        }
        const option* p_;
        const option* end_;
        std::uint16_t n_;
    };
    option_range(const message& m, std::uint16_t number) noexcept
        : b_(m.options.begin()), e_(m.options.end()), n_(number) {}
    iterator begin() const noexcept { return {b_, e_, n_}; }
    iterator end() const noexcept { return {e_, e_, n_}; }
    std::size_t count() const noexcept;

  private:
    const option* b_;
    const option* e_;
    std::uint16_t n_;
};
inline option_range find_all(const message& m, std::uint16_t number) noexcept {
    return {m, number};
}
inline option_range uri_path(const message& m) noexcept {
    return {m, opt::uri_path};
}
inline option_range uri_query(const message& m) noexcept {
    return {m, opt::uri_query};
}
inline option_range location_path(const message& m) noexcept {
    return {m, opt::location_path};
}

/// Value of the first *valid* occurrence of a uint option (length within the
/// table's range): nullopt when absent or invalid (an elective option with a
/// bad length is ignored, RFC 7252 5.4.3).
std::optional<std::uint32_t> uint_option(const message& m, std::uint16_t number) noexcept;
inline std::optional<std::uint32_t> content_format(const message& m) noexcept {
    return uint_option(m, opt::content_format);
}
inline std::optional<std::uint32_t> accept(const message& m) noexcept {
    return uint_option(m, opt::accept);
}
/// Observe (RFC 7641 2): 0 register / 1 deregister in a request, a 24-bit
/// sequence number in a notification.
inline std::optional<std::uint32_t> observe(const message& m) noexcept {
    return uint_option(m, opt::observe);
}

// --- writing ------------------------------------------------------------------

/// Bytes of the minimal big-endian form of v (RFC 7252 3.2: 0 is zero bytes).
/// Writes into `out` (at least 4 bytes) and returns the used prefix.
bytes_view encode_uint(std::uint32_t v, std::span<std::uint8_t, 4> out) noexcept;

/// Fills the options of a message, keeping them sorted by number; a repeated
/// number goes after the existing ones (stable). Values added by view
/// (add/add_string) are not copied: the caller keeps them alive while the
/// message is used. add_uint and add_copy write into `storage`, a buffer the
/// caller owns and keeps alive (and unchanged) while the message is used.
///
/// Errors of every add: capacity_exceeded (the message has max_options
/// options), buffer_too_small (storage is full), invalid_argument (a value
/// longer than 65804 bytes, RFC 7252 3.1).
class message_builder {
  public:
    message_builder(message& m, mutable_bytes storage) noexcept : m_(m), storage_(storage) {}

    result<void> add(std::uint16_t number, bytes_view value) noexcept;
    result<void> add_empty(std::uint16_t number) noexcept { return add(number, {}); }
    result<void> add_string(std::uint16_t number, std::string_view s) noexcept {
        return add(number, as_bytes(s));
    }
    /// Encodes v in the fewest bytes (0 -> zero-length value).
    result<void> add_uint(std::uint16_t number, std::uint32_t v) noexcept;
    /// Copies value into storage first.
    result<void> add_copy(std::uint16_t number, bytes_view value) noexcept;
    /// Removes every occurrence of `number`; returns how many were removed.
    std::size_t remove(std::uint16_t number) noexcept;

    /// Adds one Uri-Path option per '/'-separated segment of `path` (a leading
    /// '/' is skipped; "" adds nothing). The segments are views into `path`.
    result<void> add_uri_path(std::string_view path) noexcept;

    std::size_t storage_used() const noexcept { return used_; }
    message& msg() noexcept { return m_; }

  private:
    message& m_;
    mutable_bytes storage_;
    std::size_t used_ = 0;
};

}  // namespace sirocco::coap
