// LwM2M paths: "/", "/o", "/o/i", "/o/i/r", "/o/i/r/ri" (Core TS 1.2, 6.1 and
// 7.4.x; CoAP Uri-Path segments carry the same ids).
//
// A path is a small value type (10 bytes) with strong ids, a total order
// (lexicographic by ids, shorter first: "/3" < "/3/0" < "/3/0/0" < "/4"), and
// prefix relations used by observe, composite operations and access control.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "sirocco/base/result.hpp"
#include "sirocco/lwm2m/ids.hpp"

namespace sirocco::lwm2m {

/// How deep a path goes.
enum class path_level : std::uint8_t {
    root = 0,
    object = 1,
    instance = 2,
    resource = 3,
    resource_instance = 4,
};

struct path_parse_options {
    /// Accept "/3/0/" as "/3/0". Off by default: a trailing slash is an error
    /// in LwM2M paths (the REST API and CoAP Uri-Path never need one).
    bool allow_trailing_slash = false;
    /// Accept "3/0" without the leading slash.
    bool allow_relative = false;
    /// Accept "/" (and "" when allow_relative) as the root path.
    bool allow_root = true;
};

class path {
  public:
    /// Longest textual form: "/65535/65535/65535/65535".
    static constexpr std::size_t max_text_length = 24;

    constexpr path() noexcept = default;  ///< the root path "/"
    constexpr explicit path(object_id o) noexcept : ids_{o.value(), 0, 0, 0}, depth_(1) {}
    constexpr path(object_id o, instance_id i) noexcept
        : ids_{o.value(), i.value(), 0, 0}, depth_(2) {}
    constexpr path(object_id o, instance_id i, resource_id r) noexcept
        : ids_{o.value(), i.value(), r.value(), 0}, depth_(3) {}
    constexpr path(object_id o, instance_id i, resource_id r, resource_instance_id ri) noexcept
        : ids_{o.value(), i.value(), r.value(), ri.value()}, depth_(4) {}

    /// Builds a path from raw wire ids (0 to 4 of them). More than 4 ids is an
    /// invalid_argument error.
    static result<path> from_ids(std::span<const std::uint16_t> ids) noexcept;

    /// Parses "/3/0/1". Errors (code malformed or out_of_range) say why:
    /// "id is not a number" (/3/0/x), "id is over 65535", "empty segment"
    /// (/3//0), "trailing slash" (/3/0/), "more than 4 ids",
    /// "path must start with '/'".
    static result<path> parse(std::string_view text, path_parse_options opt = {}) noexcept;

    constexpr std::size_t depth() const noexcept { return depth_; }
    constexpr path_level level() const noexcept { return static_cast<path_level>(depth_); }
    constexpr bool is_root() const noexcept { return depth_ == 0; }
    constexpr bool is_object() const noexcept { return depth_ == 1; }
    constexpr bool is_instance() const noexcept { return depth_ == 2; }
    constexpr bool is_resource() const noexcept { return depth_ == 3; }
    constexpr bool is_resource_instance() const noexcept { return depth_ == 4; }

    /// Ids; calling one beyond depth() is a programming error (asserted).
    constexpr object_id object() const noexcept { return object_id(at(0)); }
    constexpr instance_id instance() const noexcept { return instance_id(at(1)); }
    constexpr resource_id resource() const noexcept { return resource_id(at(2)); }
    constexpr resource_instance_id resource_instance() const noexcept {
        return resource_instance_id(at(3));
    }
    /// Raw id at level index 0..depth()-1.
    constexpr std::uint16_t at(std::size_t i) const noexcept { return ids_[i]; }

    /// The path one level up; the root's parent is the root.
    constexpr path parent() const noexcept {
        path p = *this;
        if (p.depth_ > 0) {
            --p.depth_;
            p.ids_[p.depth_] = 0;
        }
        return p;
    }
    /// This path extended by one id; nullopt-like error when already depth 4.
    result<path> child(std::uint16_t id) const noexcept;

    /// True when this path equals `other` or is an ancestor of it
    /// ("/3/0" is a prefix of "/3/0/1" and of "/3/0"; "/" of every path).
    constexpr bool is_prefix_of(const path& other) const noexcept {
        if (depth_ > other.depth_) return false;
        for (std::size_t i = 0; i < depth_; ++i)
            if (ids_[i] != other.ids_[i]) return false;
        return true;
    }
    /// Strict ancestor.
    constexpr bool is_parent_of(const path& other) const noexcept {
        return depth_ < other.depth_ && is_prefix_of(other);
    }
    /// Either path is a prefix of the other (their subtrees overlap).
    constexpr bool overlaps(const path& other) const noexcept {
        return is_prefix_of(other) || other.is_prefix_of(*this);
    }

    /// Writes the textual form ("/3/0/1", "/" for the root) into `out`.
    /// Returns the number of chars written (no terminator); buffer_too_small
    /// when `out` is shorter than needed (max_text_length always suffices).
    result<std::size_t> format(std::span<char> out) const noexcept;

    /// Checks the reserved id rule (65535 not allowed as instance or resource
    /// instance id).
    result<void> validate() const noexcept;

    friend constexpr bool operator==(const path& a, const path& b) noexcept {
        if (a.depth_ != b.depth_) return false;
        for (std::size_t i = 0; i < a.depth_; ++i)
            if (a.ids_[i] != b.ids_[i]) return false;
        return true;
    }
    friend constexpr std::strong_ordering operator<=>(const path& a, const path& b) noexcept {
        std::size_t n = a.depth_ < b.depth_ ? a.depth_ : b.depth_;
        for (std::size_t i = 0; i < n; ++i)
            if (auto c = a.ids_[i] <=> b.ids_[i]; c != 0) return c;
        return a.depth_ <=> b.depth_;
    }

  private:
    std::array<std::uint16_t, 4> ids_{};
    std::uint8_t depth_ = 0;
};

/// A fixed buffer that formats a path, for logs: path_text(p).view().
class path_text {
  public:
    explicit path_text(const path& p) noexcept {
        auto r = p.format(buf_);
        n_ = r ? *r : 0;
    }
    std::string_view view() const noexcept { return {buf_, n_}; }

  private:
    char buf_[path::max_text_length];
    std::size_t n_ = 0;
};

}  // namespace sirocco::lwm2m
