#include "options.hpp"

#include "sirocco/runtime/server_uri.hpp"

#include <charconv>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace sirocco::app {

const char* const usage_text =
    "usage: sirocco-server [options]\n"
    "An LwM2M server: the Registration interface over CoAP/UDP, device management\n"
    "through a REST API shaped like Leshan's demo server, events at /api/event (SSE),\n"
    "Prometheus metrics at /metrics.\n"
    "\n"
    "  --coap-address A         IP address of the CoAP/UDP socket (default 0.0.0.0;\n"
    "                           '::' for IPv6)\n"
    "  --coap-port P            CoAP/UDP port (default 5683; 0 = any free port)\n"
    "  --http-address A         IP address of the HTTP server (default 0.0.0.0)\n"
    "  --http-port H            HTTP port of the REST API (default 8080; 0 = any free port)\n"
    "  --data-dir D             folder of the SQLite store, created when missing\n"
    "                           (default ./sirocco-data; the file is D/sirocco.db)\n"
    "  --store sqlite|memory    where registrations and observations live (default\n"
    "                           sqlite: they survive a restart; memory: lost at exit)\n"
    "  --models DIR             a folder of DDF XML object definitions, added to the\n"
    "                           built-in models (chosen per registration by ver=)\n"
    "  --log-level L            debug, info, warn or error (default info); logs go to\n"
    "                           stderr, one logfmt line per event\n"
    "  --lifetime-grace S       seconds a registration outlives its lifetime before it\n"
    "                           expires (default 2)\n"
    "  --mqtt URI               also an MQTT listener: mqtt://host[:port]/root/ or\n"
    "                           mqtts://...; subscribes {root}+/deviceToServer (repeatable;\n"
    "                           root default lwm2m/; docs/transports.md)\n"
    "  --mqtt-share GROUP       subscribe $share/GROUP/{root}+/deviceToServer instead\n"
    "  --mqtt-client-id ID      the server's MQTT client id (default sirocco-server-<pid>)\n"
    "  --mqtt-ca FILE           mqtts://: CA certificate(s) of the broker (PEM)\n"
    "  --mqtt-cert FILE         mqtts://: the server's client certificate, with --mqtt-key\n"
    "  --mqtt-key FILE          its private key (PEM)\n"
    "  --mqtt-user U            MQTT user name of the server\n"
    "  --mqtt-password P        its password (or the environment variable\n"
    "                           SIROCCO_MQTT_PASSWORD)\n"
    "  --mqtt-insecure          do not check the broker's host name (tests only)\n"
    "  --firmware-dir DIR       serve the files of DIR as mq2m://server/NAME and\n"
    "                           coap://HOST:PORT/fw/NAME (docs/firmware.md)\n"
    "  --coaps-port P           DTLS (coaps://) UDP port (default 5684; 0 = any free\n"
    "                           port; -1 = off)\n"
    "  --coap-tcp-port P        CoAP over TCP (coap+tcp://) port (default 5683; 0, -1)\n"
    "  --coaps-tcp-port P       CoAP over TLS (coaps+tcp://) port (default 5684; 0, -1)\n"
    "                           With --coap-port 0 these default to 0 as well; a port\n"
    "                           taken by default that cannot be bound only disables\n"
    "                           that listener (a warning), a port given cannot (exit 1)\n"
    "  --coaps-address A        IP address of the DTLS socket (default: --coap-address)\n"
    "  --coap-tcp-address A     IP address of the TCP and TLS listeners (default:\n"
    "                           --coap-address)\n"
    "  --tls-key FILE           the server's private key (PEM/DER, EC P-256) for RPK and\n"
    "                           X.509 (default: a key generated at start, RPK only)\n"
    "  --tls-cert FILE          the server's certificate (PEM, chain leaf first); without\n"
    "                           it X.509 server authentication is off\n"
    "  --tls-ca FILE            CA bundle (PEM) for client certificates; without it\n"
    "                           X.509 clients are refused\n"
    "  --dtls-cid N             DTLS Connection ID length, RFC 9146 (default 8; 0 = off)\n"
    "  --max-handshakes N       DTLS/TLS handshakes in progress at once (default 256)\n"
    "  --dtls-idle-timeout S    close a DTLS session silent for S seconds (default 0 =\n"
    "                           never; make it longer than the longest lifetime)\n"
    "  --udp-buffer BYTES       SO_RCVBUF/SO_SNDBUF of the UDP and DTLS sockets (default\n"
    "                           4194304; 0 = leave the defaults; capped by net.core.rmem_max)\n"
    "  (who may use which credentials: PUT /api/security/clients, docs/rest-api.md)\n"
    "  --help                   this text\n"
    "\n"
    "On start it prints one line on stdout with the bound ports:\n"
    "  listening coap=udp://0.0.0.0:5683 http=http://0.0.0.0:8080 coaps=coaps://0.0.0.0:5684\n"
    "  coap+tcp=coap+tcp://0.0.0.0:5683 coaps+tcp=coaps+tcp://0.0.0.0:5684\n"
    "(the secure and TCP parts only for the listeners that are on), and one log line\n"
    "event=listening transport=udp|dtls|tcp|tls|http port=N per listener.\n"
    "SIGINT/SIGTERM: stop accepting, finish in-flight HTTP responses, close the\n"
    "stores, exit 0. Exit status 2: a bad flag or value; 1: cannot start.\n";

namespace {

bool parse_u64(std::string_view s, std::uint64_t& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

bool is_ip(const std::string& s) {
    boost::system::error_code ec;
    (void)boost::asio::ip::make_address(s, ec);
    return !ec;
}

}  // namespace

std::optional<server_options> parse_options(const std::vector<std::string>& args,
                                            std::string& error) {
    server_options o;
    o.runner.data_dir = "sirocco-data";
    o.runner.coaps_port = 5684;
    o.runner.coap_tcp_port = 5683;
    o.runner.coaps_tcp_port = 5684;
    o.runner.udp_buffer_bytes = 4u << 20;
    bool coaps_given = false, coap_tcp_given = false, coaps_tcp_given = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string flag = args[i];
        std::optional<std::string> inline_value;
        if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
            inline_value = flag.substr(eq + 1);
            flag = flag.substr(0, eq);
        }
        auto value = [&](std::string& v) -> bool {
            if (inline_value) {
                v = *inline_value;
                return true;
            }
            if (i + 1 >= args.size()) {
                error = flag + ": missing value";
                return false;
            }
            v = args[++i];
            return true;
        };
        auto port = [&](std::uint16_t& out) -> bool {
            std::string v;
            if (!value(v)) return false;
            std::uint64_t n = 0;
            if (!parse_u64(v, n) || n > 65535) {
                error = flag + ": not a port number (0..65535): " + v;
                return false;
            }
            out = static_cast<std::uint16_t>(n);
            return true;
        };
        // A port that may be -1 (off).
        auto port_or_off = [&](int& out) -> bool {
            std::string v;
            if (!value(v)) return false;
            if (v == "-1") {
                out = -1;
                return true;
            }
            std::uint64_t n = 0;
            if (!parse_u64(v, n) || n > 65535) {
                error = flag + ": not a port number (0..65535, or -1 = off): " + v;
                return false;
            }
            out = static_cast<int>(n);
            return true;
        };
        auto count = [&](std::uint64_t lo, std::uint64_t hi, std::uint64_t& out) -> bool {
            std::string v;
            if (!value(v)) return false;
            if (!parse_u64(v, out) || out < lo || out > hi) {
                error = flag + ": not a number in " + std::to_string(lo) + ".." +
                        std::to_string(hi) + ": " + v;
                return false;
            }
            return true;
        };
        auto file = [&](std::string& out) -> bool {
            if (!value(out)) return false;
            if (out.empty()) {
                error = flag + ": empty path";
                return false;
            }
            return true;
        };
        auto address = [&](std::string& out) -> bool {
            std::string v;
            if (!value(v)) return false;
            if (!is_ip(v)) {
                error = flag + ": not an IP address: " + v;
                return false;
            }
            out = v;
            return true;
        };
        std::string v;
        if (flag == "--help" || flag == "-h") {
            if (inline_value) {
                error = flag + ": takes no value";
                return std::nullopt;
            }
            o.help = true;
        } else if (flag == "--coap-address") {
            if (!address(o.runner.coap_address)) return std::nullopt;
        } else if (flag == "--coap-port") {
            if (!port(o.runner.coap_port)) return std::nullopt;
        } else if (flag == "--http-address") {
            if (!address(o.http_address)) return std::nullopt;
        } else if (flag == "--http-port") {
            if (!port(o.http_port)) return std::nullopt;
        } else if (flag == "--data-dir") {
            if (!value(v)) return std::nullopt;
            if (v.empty()) {
                error = "--data-dir: empty path";
                return std::nullopt;
            }
            o.runner.data_dir = v;
        } else if (flag == "--store") {
            if (!value(v)) return std::nullopt;
            if (v == "sqlite")
                o.runner.store = runtime::store_kind::sqlite;
            else if (v == "memory")
                o.runner.store = runtime::store_kind::memory;
            else {
                error = "--store: must be sqlite or memory: " + v;
                return std::nullopt;
            }
        } else if (flag == "--models") {
            if (!value(v)) return std::nullopt;
            if (v.empty()) {
                error = "--models: empty path";
                return std::nullopt;
            }
            o.runner.models_dir = v;
        } else if (flag == "--log-level") {
            if (!value(v)) return std::nullopt;
            auto l = runtime::parse_log_level(v);
            if (!l) {
                error = "--log-level: must be debug, info, warn or error: " + v;
                return std::nullopt;
            }
            o.level = *l;
        } else if (flag == "--lifetime-grace") {
            if (!value(v)) return std::nullopt;
            std::uint64_t n = 0;
            if (!parse_u64(v, n) || n > 86400) {
                error = "--lifetime-grace: not a number of seconds (0..86400): " + v;
                return std::nullopt;
            }
            o.runner.lifetime_grace = std::chrono::seconds(n);
        } else if (flag == "--firmware-dir") {
            if (!value(o.firmware_dir)) return std::nullopt;
            if (o.firmware_dir.empty()) {
                error = "--firmware-dir: empty path";
                return std::nullopt;
            }
        } else if (flag == "--mqtt") {
            if (!value(v)) return std::nullopt;
            auto t = runtime::parse_mqtt_target(v);
            if (!t) {
                error = "--mqtt: " + std::string(t.error().reason) + ": " + v;
                return std::nullopt;
            }
            o.runner.mqtt_uris.push_back(v);
        } else if (flag == "--mqtt-share") {
            if (!value(o.runner.mqtt_share_group)) return std::nullopt;
            if (o.runner.mqtt_share_group.empty() ||
                o.runner.mqtt_share_group.find_first_of(std::string_view("/+#\0", 4)) !=
                    std::string::npos) {
                error = "--mqtt-share: a group name without / + # or NUL";
                return std::nullopt;
            }
        } else if (flag == "--mqtt-client-id") {
            if (!value(o.runner.mqtt_client_id)) return std::nullopt;
        } else if (flag == "--mqtt-ca") {
            if (!value(o.runner.mqtt_ca_file)) return std::nullopt;
        } else if (flag == "--mqtt-cert") {
            if (!value(o.runner.mqtt_cert_file)) return std::nullopt;
        } else if (flag == "--mqtt-key") {
            if (!value(o.runner.mqtt_key_file)) return std::nullopt;
        } else if (flag == "--mqtt-user") {
            if (!value(o.runner.mqtt_username)) return std::nullopt;
        } else if (flag == "--mqtt-password") {
            if (!value(o.runner.mqtt_password)) return std::nullopt;
        } else if (flag == "--mqtt-insecure") {
            if (inline_value) {
                error = flag + ": takes no value";
                return std::nullopt;
            }
            o.runner.mqtt_insecure = true;
        } else if (flag == "--coaps-port") {
            if (!port_or_off(o.runner.coaps_port)) return std::nullopt;
            coaps_given = true;
        } else if (flag == "--coap-tcp-port") {
            if (!port_or_off(o.runner.coap_tcp_port)) return std::nullopt;
            coap_tcp_given = true;
        } else if (flag == "--coaps-tcp-port") {
            if (!port_or_off(o.runner.coaps_tcp_port)) return std::nullopt;
            coaps_tcp_given = true;
        } else if (flag == "--coaps-address") {
            if (!address(o.runner.coaps_address)) return std::nullopt;
        } else if (flag == "--coap-tcp-address") {
            if (!address(o.runner.coap_tcp_address)) return std::nullopt;
        } else if (flag == "--tls-key") {
            if (!file(o.runner.tls_key_file)) return std::nullopt;
        } else if (flag == "--tls-cert") {
            if (!file(o.runner.tls_cert_file)) return std::nullopt;
        } else if (flag == "--tls-ca") {
            if (!file(o.runner.tls_ca_file)) return std::nullopt;
        } else if (flag == "--dtls-cid") {
            std::uint64_t n = 0;
            if (!count(0, 32, n)) return std::nullopt;
            o.runner.dtls_cid_length = static_cast<std::uint8_t>(n);
        } else if (flag == "--dtls-idle-timeout") {
            std::uint64_t n = 0;
            if (!count(0, 10u * 365 * 86400, n)) return std::nullopt;
            o.runner.dtls_idle_timeout_ms = n * 1000;
        } else if (flag == "--udp-buffer") {
            std::uint64_t n = 0;
            if (!count(0, 1u << 30, n)) return std::nullopt;
            o.runner.udp_buffer_bytes = static_cast<std::size_t>(n);
        } else if (flag == "--max-handshakes") {
            std::uint64_t n = 0;
            if (!count(1, 1000000, n)) return std::nullopt;
            o.runner.max_handshakes = static_cast<std::size_t>(n);
        } else {
            error = flag + ": unknown option (see --help)";
            return std::nullopt;
        }
    }
    // Ports not given: 5684 / 5683 / 5684, or 0 (any free port) when the
    // CoAP port is 0 (tests, several servers on one host); a default port
    // that is taken only disables its listener.
    if (!coaps_given && o.runner.coap_port == 0) o.runner.coaps_port = 0;
    if (!coap_tcp_given && o.runner.coap_port == 0) o.runner.coap_tcp_port = 0;
    if (!coaps_tcp_given && o.runner.coap_port == 0) o.runner.coaps_tcp_port = 0;
    o.runner.coaps_port_required = coaps_given;
    o.runner.coap_tcp_port_required = coap_tcp_given;
    o.runner.coaps_tcp_port_required = coaps_tcp_given;
    if (!o.runner.tls_cert_file.empty() && o.runner.tls_key_file.empty()) {
        error = "--tls-cert needs --tls-key (the certificate's private key)";
        return std::nullopt;
    }
    if (o.runner.mqtt_cert_file.empty() != o.runner.mqtt_key_file.empty()) {
        error = "--mqtt-cert and --mqtt-key go together";
        return std::nullopt;
    }
    for (const auto& u : o.runner.mqtt_uris)
        if (auto t = runtime::parse_mqtt_target(u); t && t->tls && o.runner.mqtt_ca_file.empty()) {
            error = "--mqtt-ca: mqtts:// needs the broker's CA file";
            return std::nullopt;
        }
    return o;
}

}  // namespace sirocco::app
