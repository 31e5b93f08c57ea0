// CoAP URI splitting and option conversion: RFC 7252 6 and 6.4, RFC 8323 8.
#include "sirocco/coap/uri.hpp"

#include "sirocco/coap/options.hpp"

namespace sirocco::coap {
namespace {

struct scheme_info {
    std::string_view name;
    std::uint16_t port;
    bool secure;
    framing f;
};
constexpr scheme_info schemes[] = {
    {"coap", 5683, false, framing::datagram},
    {"coaps", 5684, true, framing::datagram},
    {"coap+tcp", 5683, false, framing::stream},
    {"coaps+tcp", 5684, true, framing::stream},
};

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_ip_literal(const uri& u) noexcept {
    if (u.host.find(':') != std::string_view::npos) return true;  // IPv6 (brackets removed)
    for (char c : u.host)
        if (!((c >= '0' && c <= '9') || c == '.')) return false;
    return !u.host.empty();
}

}  // namespace

result<uri> parse_uri(std::string_view text) noexcept {
    const std::size_t colon = text.find("://");
    if (colon == std::string_view::npos) return unexpected(errc::malformed, "URI has no scheme://");
    uri u;
    u.scheme = text.substr(0, colon);
    const scheme_info* si = nullptr;
    for (const auto& s : schemes)
        if (s.name == u.scheme) si = &s;
    if (!si)
        return unexpected(errc::unsupported,
                          "URI scheme is not coap, coaps, coap+tcp or coaps+tcp");
    u.port = si->port;
    u.secure = si->secure;
    u.framing = si->f;
    std::string_view rest = text.substr(colon + 3);
    if (rest.find('#') != std::string_view::npos)
        return unexpected(errc::malformed, "a CoAP URI may not have a fragment");
    const std::size_t auth_end = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, auth_end);
    rest = auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);
    if (authority.find('@') != std::string_view::npos)
        return unexpected(errc::malformed, "a CoAP URI may not carry user information");
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos)
            return unexpected(errc::malformed, "unclosed '[' in host");
        u.host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return unexpected(errc::malformed, "junk after IPv6 host");
            port_text = after.substr(1);
            if (port_text.empty()) return unexpected(errc::malformed, "empty port");
        }
    } else {
        const std::size_t pc = authority.find(':');
        u.host = authority.substr(0, pc);
        if (pc != std::string_view::npos) {
            port_text = authority.substr(pc + 1);
            if (port_text.empty()) return unexpected(errc::malformed, "empty port");
        }
    }
    if (u.host.empty()) return unexpected(errc::malformed, "URI has an empty host");
    if (!port_text.empty()) {
        std::uint32_t p = 0;
        if (port_text.size() > 5) return unexpected(errc::malformed, "port is not 1-65535");
        for (char c : port_text) {
            if (c < '0' || c > '9') return unexpected(errc::malformed, "port is not a number");
            p = p * 10 + static_cast<std::uint32_t>(c - '0');
        }
        if (p == 0 || p > 65535) return unexpected(errc::malformed, "port is not 1-65535");
        u.port = static_cast<std::uint16_t>(p);
    }
    const std::size_t q = rest.find('?');
    u.path = rest.substr(0, q);
    if (q != std::string_view::npos) u.query = rest.substr(q + 1);
    return u;
}

split_range path_segments(std::string_view path) noexcept {
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    return {path, '/'};
}

result<std::string_view> percent_decode(std::string_view in, std::span<char> out) noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size())
                return unexpected(errc::malformed, "'%' not followed by two hex digits");
            const int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
            if (hi < 0 || lo < 0)
                return unexpected(errc::malformed, "'%' not followed by two hex digits");
            c = static_cast<char>((hi << 4) | lo);
            i += 2;
        }
        if (n >= out.size())
            return unexpected(errc::buffer_too_small, "decoded URI part does not fit");
        out[n++] = c;
    }
    return std::string_view{out.data(), n};
}

result<void> add_uri_options(const uri& u, message_builder& b) noexcept {
    char tmp[255];
    auto add_decoded = [&](std::uint16_t number, std::string_view part) -> result<void> {
        auto d = percent_decode(part, std::span<char>{tmp});
        if (!d) {
            if (d.error().code == errc::buffer_too_small)
                return unexpected(errc::out_of_range, "URI part longer than 255 bytes");
            return unexpected(d.error());
        }
        return b.add_copy(number, as_bytes(*d));
    };
    const bool default_port = u.port == (u.secure ? 5684 : 5683);
    if (!is_ip_literal(u)) SIROCCO_TRY(add_decoded(opt::uri_host, u.host));
    if (!default_port) SIROCCO_TRY(b.add_uint(opt::uri_port, u.port));
    for (std::string_view seg : path_segments(u.path))
        SIROCCO_TRY(add_decoded(opt::uri_path, seg));
    for (std::string_view part : query_parts(u.query))
        SIROCCO_TRY(add_decoded(opt::uri_query, part));
    return {};
}

}  // namespace sirocco::coap
