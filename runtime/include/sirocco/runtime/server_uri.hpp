// LwM2M server URIs of the runtime's transports: coap://host:port (UDP,
// RFC 7252 6.1) and mqtt://host:port/root/, mqtts://host:port/root/ (LwM2M
// over MQTT, docs/transports.md). Other schemes (coaps, coap+tcp, ...) come
// with their transports in later issues and are refused with `unsupported`.
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

/// An MQTT broker and topic root (docs/transports.md).
struct mqtt_target {
    bool tls = false;        ///< mqtts://
    std::string host;        ///< DNS name or IP literal (IPv6 without brackets)
    std::uint16_t port = 0;  ///< explicit, else 1883 (mqtt) / 8883 (mqtts)
    std::string root;        ///< topic prefix, ends with '/'; default "lwm2m/"
};

/// Whether `uri` names an MQTT transport (mqtt:// or mqtts://, any case).
bool is_mqtt_uri(std::string_view uri) noexcept;

/// Parses mqtt://host[:port][/root/] or mqtts://... The path after the
/// authority is the topic root: empty or "/" gives "lwm2m/", otherwise it
/// must end with '/' and contain no '+', '#' or NUL. No query or fragment.
/// Errors: unsupported (another scheme), malformed (no host, bad port,
/// root not ending with '/', wildcards in the root, query/fragment).
result<mqtt_target> parse_mqtt_target(std::string_view uri);

/// An endpoint name can be carried in a topic level: non-empty, no '/',
/// '+', '#' or NUL. Errors: invalid_argument with the reason.
result<void> check_mqtt_endpoint(std::string_view ep);

/// The topics of endpoint `ep` under `root`: {root}{ep}/deviceToServer and
/// {root}{ep}/serverToDevice.
std::string mqtt_uplink_topic(std::string_view root, std::string_view ep);
std::string mqtt_downlink_topic(std::string_view root, std::string_view ep);

}  // namespace sirocco::runtime
