#include "sirocco/runtime/server_uri.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <string>

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

std::string_view to_string(coap_transport t) noexcept {
    switch (t) {
        case coap_transport::udp:
            return "udp";
        case coap_transport::dtls:
            return "dtls";
        case coap_transport::tcp:
            return "tcp";
        case coap_transport::tls:
            return "tls";
    }
    return "?";
}

result<coap_target> parse_coap_target(std::string_view text) {
    // coap::parse_uri wants the scheme in lower case (RFC 3986 3.1: schemes
    // are case-insensitive).
    std::size_t colon = text.find(':');
    std::string lowered;
    if (colon != std::string_view::npos && colon < 16) {
        lowered.assign(text);
        for (std::size_t i = 0; i < colon; ++i)
            lowered[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(lowered[i])));
        text = lowered;
    }
    auto u = coap::parse_uri(text);
    if (!u) return unexpected(u.error());
    coap_target t;
    if (u->scheme == "coap")
        t.transport = coap_transport::udp;
    else if (u->scheme == "coaps")
        t.transport = coap_transport::dtls;
    else if (u->scheme == "coap+tcp")
        t.transport = coap_transport::tcp;
    else if (u->scheme == "coaps+tcp")
        t.transport = coap_transport::tls;
    else
        return unexpected(errc::unsupported, "not a CoAP server URI scheme");
    std::array<char, 256> host{};
    auto h = coap::percent_decode(u->host, host);
    if (!h) return unexpected(h.error());
    t.host = std::string(*h);
    t.port = u->port;
    return t;
}

namespace {
bool iequal_prefix(std::string_view s, std::string_view p) {
    if (s.size() < p.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != p[i]) return false;
    return true;
}
}  // namespace

bool is_mqtt_uri(std::string_view uri) noexcept {
    return iequal_prefix(uri, "mqtt://") || iequal_prefix(uri, "mqtts://");
}

result<mqtt_target> parse_mqtt_target(std::string_view uri) {
    mqtt_target t;
    std::string_view rest;
    if (iequal_prefix(uri, "mqtts://")) {
        t.tls = true;
        rest = uri.substr(8);
    } else if (iequal_prefix(uri, "mqtt://")) {
        rest = uri.substr(7);
    } else {
        return unexpected(errc::unsupported, "not an mqtt:// or mqtts:// URI");
    }
    if (rest.find_first_of("?#") != std::string_view::npos)
        return unexpected(errc::malformed, "an MQTT URI has no query or fragment");
    std::size_t slash = rest.find('/');
    std::string_view auth = rest.substr(0, slash);
    std::string_view path =
        slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    std::string_view host = auth, port;
    if (!auth.empty() && auth.front() == '[') {
        std::size_t close = auth.find(']');
        if (close == std::string_view::npos)
            return unexpected(errc::malformed, "unterminated IPv6 literal in the MQTT URI");
        host = auth.substr(1, close - 1);
        std::string_view after = auth.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return unexpected(errc::malformed, "bad MQTT URI authority");
            port = after.substr(1);
        }
    } else if (std::size_t colon = auth.rfind(':'); colon != std::string_view::npos) {
        host = auth.substr(0, colon);
        port = auth.substr(colon + 1);
    }
    if (host.empty()) return unexpected(errc::malformed, "the MQTT URI has no broker host");
    if (host.find('@') != std::string_view::npos)
        return unexpected(errc::malformed,
                          "no credentials in the MQTT URI (use --mqtt-user/--mqtt-password)");
    t.host = std::string(host);
    t.port = t.tls ? 8883 : 1883;
    if (!port.empty()) {
        unsigned v = 0;
        auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
        if (ec != std::errc() || p != port.data() + port.size() || v == 0 || v > 65535)
            return unexpected(errc::malformed, "bad port in the MQTT URI");
        t.port = static_cast<std::uint16_t>(v);
    }
    if (path.empty() || path == "/") {
        t.root = "lwm2m/";
    } else {
        std::string_view root = path.substr(1);
        if (root.back() != '/')
            return unexpected(errc::malformed, "the MQTT topic root must end with '/'");
        if (root.find_first_of(std::string_view("+#\0", 3)) != std::string_view::npos)
            return unexpected(errc::malformed, "the MQTT topic root must not contain + # or NUL");
        t.root = std::string(root);
    }
    return t;
}

result<void> check_mqtt_endpoint(std::string_view ep) {
    if (ep.empty()) return unexpected(errc::invalid_argument, "empty endpoint name");
    if (ep.find_first_of(std::string_view("/+#\0", 4)) != std::string_view::npos)
        return unexpected(errc::invalid_argument,
                          "an endpoint name carried over MQTT must not contain / + # or NUL "
                          "(it is a topic level)");
    return {};
}

std::string mqtt_uplink_topic(std::string_view root, std::string_view ep) {
    return std::string(root) + std::string(ep) + "/deviceToServer";
}

std::string mqtt_downlink_topic(std::string_view root, std::string_view ep) {
    return std::string(root) + std::string(ep) + "/serverToDevice";
}

}  // namespace sirocco::runtime
