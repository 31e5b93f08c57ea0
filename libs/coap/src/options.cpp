// Option table and receiver checks: RFC 7252 5.4 and 5.10, RFC 7641 2,
// RFC 7959 2.1 and 4, RFC 8323 5.3-5.6, RFC 7967 2.
#include "sirocco/coap/options.hpp"

#include <cstring>

namespace sirocco::coap {
namespace {

using F = option_format;

// Request/response options (RFC 7252 5.10 and extensions), sorted by number.
constexpr option_def general_options[] = {
    {opt::if_match, "If-Match", F::opaque, 0, 8, true},
    {opt::uri_host, "Uri-Host", F::string, 1, 255, false},
    {opt::etag, "ETag", F::opaque, 1, 8, true},
    {opt::if_none_match, "If-None-Match", F::empty, 0, 0, false},
    {opt::observe, "Observe", F::uint, 0, 3, false},
    {opt::uri_port, "Uri-Port", F::uint, 0, 2, false},
    {opt::location_path, "Location-Path", F::string, 0, 255, true},
    {opt::uri_path, "Uri-Path", F::string, 0, 255, true},
    {opt::content_format, "Content-Format", F::uint, 0, 2, false},
    {opt::max_age, "Max-Age", F::uint, 0, 4, false},
    {opt::uri_query, "Uri-Query", F::string, 0, 255, true},
    {opt::accept, "Accept", F::uint, 0, 2, false},
    {opt::location_query, "Location-Query", F::string, 0, 255, true},
    {opt::block2, "Block2", F::uint, 0, 3, false},
    {opt::block1, "Block1", F::uint, 0, 3, false},
    {opt::size2, "Size2", F::uint, 0, 4, false},
    {opt::proxy_uri, "Proxy-Uri", F::string, 1, 1034, false},
    {opt::proxy_scheme, "Proxy-Scheme", F::string, 1, 255, false},
    {opt::size1, "Size1", F::uint, 0, 4, false},
    {opt::no_response, "No-Response", F::uint, 0, 1, false},
};

// RFC 8323 signalling options, per signal code.
constexpr option_def csm_options[] = {
    {opt::csm_max_message_size, "Max-Message-Size", F::uint, 0, 4, false},
    {opt::csm_block_wise_transfer, "Block-Wise-Transfer", F::empty, 0, 0, false},
};
constexpr option_def ping_pong_options[] = {
    {opt::ping_custody, "Custody", F::empty, 0, 0, false},
};
constexpr option_def release_options[] = {
    {opt::release_alternative_address, "Alternative-Address", F::string, 1, 255, true},
    {opt::release_hold_off, "Hold-Off", F::uint, 0, 3, false},
};
constexpr option_def abort_options[] = {
    {opt::abort_bad_csm_option, "Bad-CSM-Option", F::uint, 0, 2, false},
};

template <std::size_t N>
const option_def* lookup(const option_def (&table)[N], std::uint16_t n) noexcept {
    for (const auto& d : table)
        if (d.number == n) return &d;
    return nullptr;
}

}  // namespace

const option_def* find_option_def(std::uint16_t number, code c) noexcept {
    if (!c.is_signal()) return lookup(general_options, number);
    if (c == codes::csm) return lookup(csm_options, number);
    if (c == codes::ping || c == codes::pong) return lookup(ping_pong_options, number);
    if (c == codes::release) return lookup(release_options, number);
    if (c == codes::abort) return lookup(abort_options, number);
    return nullptr;
}

bool option_recognised(const message& m, std::size_t i) noexcept {
    if (i >= m.options.size()) return false;
    const option& o = m.options[i];
    const option_def* d = find_option_def(o.number, m.code);
    if (!d) return false;
    if (o.value.size() < d->min_length || o.value.size() > d->max_length) return false;
    if (!d->repeatable) {
        // Supernumerary occurrences (RFC 7252 5.4.5): any earlier one counts.
        for (std::size_t k = 0; k < i; ++k)
            if (m.options[k].number == o.number) return false;
    }
    return true;
}

option_verdict check_options(const message& m) noexcept {
    for (std::size_t i = 0; i < m.options.size(); ++i) {
        const std::uint16_t n = m.options[i].number;
        if (!is_critical(n) || option_recognised(m, i)) continue;
        option_verdict v;
        v.number = n;
        if (m.code.is_request()) {
            v.what = option_verdict::action::bad_option;
            v.reason = "unrecognised critical option in a request";
        } else if (m.code.is_signal()) {
            v.what = option_verdict::action::abort;
            v.reason = "unrecognised critical option in a signalling message";
        } else {
            v.what = option_verdict::action::reject;
            v.reason = "unrecognised critical option in a response";
        }
        return v;
    }
    return {};
}

option_verdict check_options(const message& m, framing f) noexcept {
    option_verdict v = check_options(m);
    if (v.what == option_verdict::action::bad_option && f == framing::datagram &&
        m.type == msg_type::non) {
        v.what = option_verdict::action::reject;
        v.reason = "unrecognised critical option in a non-confirmable request";
    }
    return v;
}

const option* find_first(const message& m, std::uint16_t number) noexcept {
    for (const option& o : m.options)
        if (o.number == number) return &o;
    return nullptr;
}

std::size_t option_range::count() const noexcept {
    std::size_t n = 0;
    for (auto it = begin(); it != end(); ++it)
        ++n;
    return n;
}

std::optional<std::uint32_t> uint_option(const message& m, std::uint16_t number) noexcept {
    for (std::size_t i = 0; i < m.options.size(); ++i) {
        const option& o = m.options[i];
        if (o.number != number) continue;
        // Only the first occurrence counts; later ones are supernumerary.
        const option_def* d = find_option_def(number, m.code);
        const std::size_t max = d ? d->max_length : 4;
        if (o.value.size() > max || o.value.size() > 4) return std::nullopt;
        if (d && o.value.size() < d->min_length) return std::nullopt;
        return static_cast<std::uint32_t>(o.as_uint());
    }
    return std::nullopt;
}

bytes_view encode_uint(std::uint32_t v, std::span<std::uint8_t, 4> out) noexcept {
    const std::size_t n = minimal_be_length(v);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
    return {out.data(), n};
}

result<void> message_builder::add(std::uint16_t number, bytes_view value) noexcept {
    if (value.size() > 65535 + 269)
        return unexpected(errc::invalid_argument, "option value longer than 65804 bytes");
    auto& opts = m_.options;
    if (opts.full())
        return unexpected(errc::capacity_exceeded, "message has the most options supported");
    std::size_t pos = opts.size();
    while (pos > 0 && opts[pos - 1].number > number)
        --pos;
    (void)opts.emplace_back();
    for (std::size_t k = opts.size() - 1; k > pos; --k)
        opts[k] = opts[k - 1];
    opts[pos] = option{number, value};
    return {};
}

result<void> message_builder::add_copy(std::uint16_t number, bytes_view value) noexcept {
    if (storage_.size() - used_ < value.size())
        return unexpected(errc::buffer_too_small, "option storage is full");
    if (m_.options.full())
        return unexpected(errc::capacity_exceeded, "message has the most options supported");
    std::uint8_t* dst = storage_.data() + used_;
    if (!value.empty()) std::memcpy(dst, value.data(), value.size());
    SIROCCO_TRY(add(number, bytes_view{dst, value.size()}));
    used_ += value.size();
    return {};
}

result<void> message_builder::add_uint(std::uint16_t number, std::uint32_t v) noexcept {
    std::uint8_t tmp[4];
    return add_copy(number, encode_uint(v, std::span<std::uint8_t, 4>{tmp}));
}

std::size_t message_builder::remove(std::uint16_t number) noexcept {
    std::size_t removed = 0;
    for (std::size_t i = m_.options.size(); i-- > 0;) {
        if (m_.options[i].number == number) {
            m_.options.erase_at(i);
            ++removed;
        }
    }
    return removed;
}

result<void> message_builder::add_uri_path(std::string_view path) noexcept {
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    if (path.empty()) return {};
    while (true) {
        const std::size_t slash = path.find('/');
        SIROCCO_TRY(add_string(opt::uri_path, path.substr(0, slash)));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return {};
}

}  // namespace sirocco::coap
