#include "options.hpp"

#include <charconv>
#include <string_view>

#include "sirocco/runtime/server_uri.hpp"

namespace sirocco::app {

const char* const usage_text =
    "usage: sirocco-client [options]\n"
    "Simulates an LwM2M device that registers with an LwM2M server over CoAP/UDP or MQTT.\n"
    "\n"
    "  --endpoint NAME          endpoint client name (default: sirocco-<hostname>)\n"
    "  --server URI             LwM2M server, coap://host[:port] (default coap://127.0.0.1:5683),\n"
    "                           or an MQTT broker mqtt://host[:port]/root/ or mqtts://...\n"
    "                           (root default lwm2m/; docs/transports.md)\n"
    "  --mqtt-ca FILE           mqtts://: CA certificate(s) of the broker (PEM)\n"
    "  --mqtt-cert FILE         mqtts://: client certificate (PEM), with --mqtt-key\n"
    "  --mqtt-key FILE          its private key (PEM)\n"
    "  --mqtt-user U            MQTT user name\n"
    "  --mqtt-password P        MQTT password (or the environment variable SIROCCO_MQTT_PASSWORD)\n"
    "  --mqtt-client-id ID      MQTT client id (default: the endpoint name)\n"
    "  --mqtt-insecure          do not check the broker's host name (tests only)\n"
    "  --lifetime S             registration lifetime in seconds (default 300)\n"
    "  --lwm2m-version V        1.0, 1.1 or 1.2 (default 1.1)\n"
    "  --objects LIST           optional objects to enable, comma-separated, or 'none'\n"
    "                           (default 4,5,6,7,3300,3303,3311,3342; 0, 1 and 3 always)\n"
    "  --log-level L            error, warn, info or debug (default info)\n"
    "  --non-interactive        no console (the default when stdin is not a terminal)\n"
    "  --interactive            console on stdin even when it is not a terminal\n"
    "  --firmware-dir DIR       firmware pull (mq2m:// and coap:// Package URIs): the image\n"
    "                           goes to DIR/firmware.bin, the download state lets a restarted\n"
    "                           process resume (docs/firmware.md)\n"
    "  --fw-block-size N        block size of the pull: 16..1024, a power of two (default 1024)\n"
    "  --fw-block-delay MS      pause between blocks in milliseconds (default 0)\n"
    "  --help                   this text\n"
    "\n"
    "Console commands: read PATH | set PATH VALUE | send PATH... | update | deregister | quit | "
    "help\n"
    "SIGINT/SIGTERM: de-register (waits up to 2 s for the answer) and exit 0.\n";

namespace {

bool parse_u64(std::string_view s, std::uint64_t& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::optional<client_options> parse_options(const std::vector<std::string>& args,
                                            const std::string& default_endpoint,
                                            std::string& error) {
    client_options o;
    o.device.endpoint = default_endpoint;
    bool endpoint_given = false;
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
        auto no_value = [&]() -> bool {
            if (inline_value) {
                error = flag + ": takes no value";
                return false;
            }
            return true;
        };
        std::string v;
        if (flag == "--help" || flag == "-h") {
            if (!no_value()) return std::nullopt;
            o.help = true;
        } else if (flag == "--endpoint") {
            if (!value(v)) return std::nullopt;
            if (v.empty() || v.size() > 64) {
                error = "--endpoint: the name must have 1 to 64 characters";
                return std::nullopt;
            }
            o.device.endpoint = v;
            endpoint_given = true;
        } else if (flag == "--server") {
            if (!value(v)) return std::nullopt;
            if (runtime::is_mqtt_uri(v)) {
                auto m = runtime::parse_mqtt_target(v);
                if (!m) {
                    error = "--server: " + std::string(m.error().reason) + ": " + v;
                    return std::nullopt;
                }
            } else if (auto t = runtime::parse_udp_target(v); !t) {
                error = "--server: " + std::string(t.error().reason) + ": " + v;
                return std::nullopt;
            }
            if (v.size() > SIROCCO_CLIENT_MAX_URI) {
                error = "--server: URI longer than " + std::to_string(SIROCCO_CLIENT_MAX_URI) +
                        " bytes: " + v;
                return std::nullopt;
            }
            o.device.server_uri = v;
        } else if (flag == "--lifetime") {
            if (!value(v)) return std::nullopt;
            std::uint64_t n = 0;
            if (!parse_u64(v, n) || n == 0 || n > 0x7fffffff) {
                error = "--lifetime: not a positive number of seconds: " + v;
                return std::nullopt;
            }
            o.device.lifetime = static_cast<std::int64_t>(n);
        } else if (flag == "--lwm2m-version") {
            if (!value(v)) return std::nullopt;
            if (v == "1.0")
                o.device.version = client::lwm2m_version::v1_0;
            else if (v == "1.1")
                o.device.version = client::lwm2m_version::v1_1;
            else if (v == "1.2")
                o.device.version = client::lwm2m_version::v1_2;
            else {
                error = "--lwm2m-version: must be 1.0, 1.1 or 1.2: " + v;
                return std::nullopt;
            }
        } else if (flag == "--objects") {
            if (!value(v)) return std::nullopt;
            o.device.objects.clear();
            if (v == "none" || v.empty()) continue;
            std::string_view rest = v;
            while (true) {
                auto comma = rest.find(',');
                std::string_view item = rest.substr(0, comma);
                std::uint64_t n = 0;
                if (!parse_u64(item, n) || n > 65535) {
                    error = "--objects: not an object id: '" + std::string(item) + "'";
                    return std::nullopt;
                }
                auto oid = static_cast<std::uint16_t>(n);
                if (oid != 0 && oid != 1 && oid != 3) {
                    if (!runtime::is_optional_object(oid)) {
                        error = "--objects: object " + std::to_string(oid) +
                                " is not simulated (choose from 4,5,6,7,3300,3303,3311,3342)";
                        return std::nullopt;
                    }
                    o.device.objects.push_back(oid);
                }
                if (comma == std::string_view::npos) break;
                rest.remove_prefix(comma + 1);
            }
        } else if (flag == "--log-level") {
            if (!value(v)) return std::nullopt;
            if (v == "error")
                o.level = log_level::error;
            else if (v == "warn")
                o.level = log_level::warn;
            else if (v == "info")
                o.level = log_level::info;
            else if (v == "debug")
                o.level = log_level::debug;
            else {
                error = "--log-level: must be error, warn, info or debug: " + v;
                return std::nullopt;
            }
        } else if (flag == "--firmware-dir") {
            if (!value(o.firmware_dir)) return std::nullopt;
            if (o.firmware_dir.empty()) {
                error = "--firmware-dir: empty path";
                return std::nullopt;
            }
        } else if (flag == "--fw-block-size") {
            if (!value(v)) return std::nullopt;
            std::uint64_t n = 0;
            if (!parse_u64(v, n) || n < 16 || n > 1024 || (n & (n - 1)) != 0) {
                error = "--fw-block-size: a power of two in 16..1024: " + v;
                return std::nullopt;
            }
            o.fw_block_size = static_cast<std::uint16_t>(n);
        } else if (flag == "--fw-block-delay") {
            if (!value(v)) return std::nullopt;
            std::uint64_t n = 0;
            if (!parse_u64(v, n) || n > 3600000) {
                error = "--fw-block-delay: milliseconds (0..3600000): " + v;
                return std::nullopt;
            }
            o.fw_block_delay_ms = static_cast<std::uint32_t>(n);
        } else if (flag == "--mqtt-ca") {
            if (!value(o.mqtt.ca_file)) return std::nullopt;
        } else if (flag == "--mqtt-cert") {
            if (!value(o.mqtt.cert_file)) return std::nullopt;
        } else if (flag == "--mqtt-key") {
            if (!value(o.mqtt.key_file)) return std::nullopt;
        } else if (flag == "--mqtt-user") {
            if (!value(o.mqtt.username)) return std::nullopt;
        } else if (flag == "--mqtt-password") {
            if (!value(o.mqtt.password)) return std::nullopt;
        } else if (flag == "--mqtt-client-id") {
            if (!value(o.mqtt.client_id)) return std::nullopt;
            if (o.mqtt.client_id.empty()) {
                error = "--mqtt-client-id: empty";
                return std::nullopt;
            }
        } else if (flag == "--mqtt-insecure") {
            if (!no_value()) return std::nullopt;
            o.mqtt.insecure = true;
        } else if (flag == "--non-interactive") {
            if (!no_value()) return std::nullopt;
            o.interactive = false;
        } else if (flag == "--interactive") {
            if (!no_value()) return std::nullopt;
            o.interactive = true;
        } else {
            error = flag + ": unknown option (see --help)";
            return std::nullopt;
        }
    }
    (void)endpoint_given;
    if (runtime::is_mqtt_uri(o.device.server_uri)) {
        if (auto r = runtime::check_mqtt_endpoint(o.device.endpoint); !r) {
            error = "--endpoint: " + std::string(r.error().reason) + ": " + o.device.endpoint;
            return std::nullopt;
        }
        auto m = runtime::parse_mqtt_target(o.device.server_uri);
        if (m && m->tls && o.mqtt.ca_file.empty()) {
            error = "--mqtt-ca: mqtts:// needs the broker's CA file";
            return std::nullopt;
        }
        if (o.mqtt.cert_file.empty() != o.mqtt.key_file.empty()) {
            error = "--mqtt-cert and --mqtt-key go together";
            return std::nullopt;
        }
        if (!o.mqtt.password.empty() && o.mqtt.username.empty()) {
            error = "--mqtt-password: needs --mqtt-user";
            return std::nullopt;
        }
    }
    return o;
}

}  // namespace sirocco::app
