// CoAP URIs (RFC 7252 6, RFC 8323 8): coap://, coaps://, coap+tcp://,
// coaps+tcp://. Used for LwM2M server URIs and firmware Package URIs.
//
// parse_uri() only splits: every field is a view into the caller's text (kept
// alive by the caller) and is still percent-encoded. percent_decode() and
// add_uri_options() decode into caller storage. Nothing allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "sirocco/base/result.hpp"
#include "sirocco/coap/message.hpp"

namespace sirocco::coap {

class message_builder;

struct uri {
    std::string_view scheme;  ///< lower-case as written: "coap", "coaps", "coap+tcp", "coaps+tcp"
    std::string_view host;    ///< reg-name or IPv4, or IPv6 without its brackets
    std::uint16_t port = 0;   ///< explicit, else 5683 (coap, coap+tcp) or 5684 (coaps, coaps+tcp)
    bool secure = false;      ///< DTLS or TLS
    coap::framing framing = coap::framing::datagram;  ///< datagram (UDP/DTLS) or stream (TCP/TLS)
    std::string_view path;                            ///< "" or "/seg/seg..." (encoded)
    std::string_view query;                           ///< after '?', "" when none (encoded)
};

/// Splits `text`. Errors: unsupported (another scheme), malformed (no "//"
/// authority, empty host, unclosed '[', a port that is not 1-65535 digits, or
/// a fragment, which CoAP URIs may not carry: RFC 7252 6.4 step 3).
result<uri> parse_uri(std::string_view text) noexcept;

/// Iterates the parts of `s` split at `sep` (path segments at '/', after
/// dropping one leading '/'; query parts at '&'). "" yields nothing.
class split_range {
  public:
    class iterator {
      public:
        iterator(std::string_view rest, bool done, char sep) noexcept
            : rest_(rest), done_(done), sep_(sep) {
            cut();
        }
        std::string_view operator*() const noexcept { return cur_; }
        iterator& operator++() noexcept {
            if (next_ == std::string_view::npos) {
                done_ = true;
            } else {
                rest_.remove_prefix(next_ + 1);
                cut();
            }
            return *this;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept {
            return a.done_ == b.done_ && (a.done_ || a.rest_.data() == b.rest_.data());
        }

      private:
        void cut() noexcept {
            next_ = rest_.find(sep_);
            cur_ = rest_.substr(0, next_);
        }
        std::string_view rest_, cur_;
        std::size_t next_ = 0;
        bool done_;
        char sep_;
    };
    split_range(std::string_view s, char sep) noexcept : s_(s), sep_(sep) {}
    iterator begin() const noexcept { return {s_, s_.empty(), sep_}; }
    iterator end() const noexcept { return {{}, true, sep_}; }

  private:
    std::string_view s_;
    char sep_;
};
/// Path segments of a parsed path ("/a/b" -> "a", "b"; "" and "/" -> none).
split_range path_segments(std::string_view path) noexcept;
/// Query parts ("ep=x&lt=60" -> "ep=x", "lt=60").
inline split_range query_parts(std::string_view query) noexcept {
    return {query, '&'};
}

/// Decodes %XX escapes of `in` into `out`; returns the decoded prefix of out.
/// Errors: malformed ('%' not followed by two hex digits), buffer_too_small.
result<std::string_view> percent_decode(std::string_view in, std::span<char> out) noexcept;

/// Adds Uri-Host (unless it is an IP literal, RFC 7252 6.4 step 5),
/// Uri-Port (when not the scheme default), Uri-Path and Uri-Query options for
/// `u` to the builder, percent-decoded into the builder's storage.
/// Errors: those of percent_decode and of the builder; out_of_range for a
/// segment longer than 255 bytes after decoding.
result<void> add_uri_options(const uri& u, message_builder& b) noexcept;

}  // namespace sirocco::coap
