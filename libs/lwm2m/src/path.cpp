#include "sirocco/lwm2m/path.hpp"

namespace sirocco::lwm2m {

result<path> path::from_ids(std::span<const std::uint16_t> ids) noexcept {
    if (ids.size() > 4) return unexpected(errc::invalid_argument, "more than 4 ids");
    path p;
    for (std::size_t i = 0; i < ids.size(); ++i)
        p.ids_[i] = ids[i];
    p.depth_ = static_cast<std::uint8_t>(ids.size());
    return p;
}

result<path> path::parse(std::string_view text, path_parse_options opt) noexcept {
    std::size_t pos = 0;
    if (!text.empty() && text[0] == '/') {
        pos = 1;
    } else if (!opt.allow_relative) {
        return unexpected(errc::malformed, "path must start with '/'");
    }
    path p;
    if (pos == text.size()) {
        if (!opt.allow_root) return unexpected(errc::malformed, "root path not allowed here");
        return p;
    }
    while (true) {
        if (p.depth_ == 4) return unexpected(errc::malformed, "more than 4 ids");
        std::size_t start = pos;
        std::uint32_t v = 0;
        while (pos < text.size() && text[pos] != '/') {
            char c = text[pos];
            if (c < '0' || c > '9') return unexpected(errc::malformed, "id is not a number");
            v = v * 10 + static_cast<std::uint32_t>(c - '0');
            if (v > max_id) return unexpected(errc::out_of_range, "id is over 65535");
            ++pos;
        }
        if (pos == start) return unexpected(errc::malformed, "empty segment");
        // A leading zero is harmless ("03" is 3) but not canonical; accept it
        // as Leshan and Wakaama do.
        p.ids_[p.depth_++] = static_cast<std::uint16_t>(v);
        if (pos == text.size()) return p;
        ++pos;  // skip '/'
        if (pos == text.size()) {
            if (opt.allow_trailing_slash) return p;
            return unexpected(errc::malformed, "trailing slash");
        }
    }
}

result<path> path::child(std::uint16_t id) const noexcept {
    if (depth_ == 4) return unexpected(errc::invalid_argument, "path already has 4 ids");
    path p = *this;
    p.ids_[p.depth_++] = id;
    return p;
}

result<std::size_t> path::format(std::span<char> out) const noexcept {
    std::size_t n = 0;
    auto put = [&](char c) {
        if (n < out.size()) out[n] = c;
        ++n;
    };
    if (depth_ == 0) put('/');
    for (std::size_t i = 0; i < depth_; ++i) {
        put('/');
        char digits[5];
        std::size_t k = 0;
        std::uint16_t v = ids_[i];
        do {
            digits[k++] = static_cast<char>('0' + v % 10);
            v = static_cast<std::uint16_t>(v / 10);
        } while (v != 0);
        while (k > 0)
            put(digits[--k]);
    }
    if (n > out.size()) return unexpected(errc::buffer_too_small, "path text buffer too small");
    return n;
}

result<void> path::validate() const noexcept {
    if (depth_ >= 2 && ids_[1] == max_id)
        return unexpected(errc::out_of_range, "instance id 65535 is reserved");
    if (depth_ >= 4 && ids_[3] == max_id)
        return unexpected(errc::out_of_range, "resource instance id 65535 is reserved");
    return {};
}

}  // namespace sirocco::lwm2m
