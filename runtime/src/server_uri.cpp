#include "sirocco/runtime/server_uri.hpp"

#include <array>

#include "sirocco/coap/uri.hpp"

namespace sirocco::runtime {

result<udp_target> parse_udp_target(std::string_view text) {
    auto u = coap::parse_uri(text);
    if (!u) return unexpected(u.error());
    if (u->scheme != "coap")
        return unexpected(errc::unsupported,
                          "only coap:// (CoAP over UDP) server URIs are supported");
    std::array<char, 256> host{};
    auto h = coap::percent_decode(u->host, host);
    if (!h) return unexpected(h.error());
    return udp_target{std::string(*h), u->port};
}

}  // namespace sirocco::runtime
