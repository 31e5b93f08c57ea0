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
    "  --help                   this text\n"
    "\n"
    "On start it prints one line on stdout with the bound ports:\n"
    "  listening coap=udp://0.0.0.0:5683 http=http://0.0.0.0:8080\n"
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
        } else {
            error = flag + ": unknown option (see --help)";
            return std::nullopt;
        }
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
