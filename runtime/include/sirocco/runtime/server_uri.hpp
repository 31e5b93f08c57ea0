// LwM2M server URIs for the runtime's UDP transport: coap://host:port
// (RFC 7252 6.1). Other schemes (coaps, coap+tcp, ...) come with their
// transports in later issues and are refused here with `unsupported`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sirocco/base/result.hpp"

namespace sirocco::runtime {

struct udp_target {
    std::string host;        ///< DNS name or IP literal (IPv6 without brackets), percent-decoded
    std::uint16_t port = 0;  ///< explicit, else 5683
};

/// Parses a server URI with coap::parse_uri and keeps what a UDP transport
/// needs. Errors: those of parse_uri (malformed), unsupported (a scheme other
/// than coap: DTLS/TCP not yet in the runtime), malformed (a bad %XX escape
/// in the host).
result<udp_target> parse_udp_target(std::string_view uri);

}  // namespace sirocco::runtime
