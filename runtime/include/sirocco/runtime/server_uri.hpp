// LwM2M server URIs of the runtime's transports (docs/transports.md):
//   coap://host[:port]        CoAP over UDP (RFC 7252 6.1), port 5683
//   coaps://host[:port]       CoAP over DTLS 1.2 (RFC 7252 6.2), port 5684
//   coap+tcp://host[:port]    CoAP over TCP (RFC 8323 8.1), port 5683
//   coaps+tcp://host[:port]   CoAP over TLS 1.2 (RFC 8323 8.2), port 5684
//   mqtt://host:port/root/, mqtts://host:port/root/ (LwM2M over MQTT).
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

/// How a CoAP server URI is reached.
enum class coap_transport : std::uint8_t {
    udp,   ///< coap://
    dtls,  ///< coaps://
    tcp,   ///< coap+tcp://
    tls,   ///< coaps+tcp://
};
/// "udp", "dtls", "tcp", "tls".
std::string_view to_string(coap_transport t) noexcept;

struct coap_target {
    coap_transport transport = coap_transport::udp;
    std::string host;        ///< DNS name or IP literal (IPv6 without brackets), percent-decoded
    std::uint16_t port = 0;  ///< explicit, else 5683 (coap, coap+tcp) or 5684 (coaps, coaps+tcp)
    bool secure() const noexcept {
        return transport == coap_transport::dtls || transport == coap_transport::tls;
    }
    bool stream() const noexcept {
        return transport == coap_transport::tcp || transport == coap_transport::tls;
    }
};

/// Parses a coap://, coaps://, coap+tcp:// or coaps+tcp:// server URI (the
/// scheme in any case). Errors: those of coap::parse_uri (malformed, and
/// unsupported for another scheme), malformed (a bad %XX escape in the
/// host).
result<coap_target> parse_coap_target(std::string_view uri);

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
