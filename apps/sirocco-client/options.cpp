#include "options.hpp"

#include <charconv>
#include <string_view>

#include "sirocco/runtime/secure_transport.hpp"
#include "sirocco/runtime/server_uri.hpp"
#include "sirocco/runtime/tls.hpp"

namespace sirocco::app {

const char* const usage_text =
    "usage: sirocco-client [options]\n"
    "Simulates an LwM2M device that registers with an LwM2M server over CoAP (UDP, DTLS, TCP,\n"
    "TLS) or MQTT.\n"
    "\n"
    "  --endpoint NAME          endpoint client name (default: sirocco-<hostname>)\n"
    "  --server URI             LwM2M server (docs/transports.md): coap://host[:port] (UDP, the\n"
    "                           default coap://127.0.0.1:5683), coaps://host[:port] (DTLS, port\n"
    "                           5684), coap+tcp://host[:port] (TCP, 5683), "
    "coaps+tcp://host[:port]\n"
    "                           (TLS, 5684), or an MQTT broker mqtt://host[:port]/root/ or\n"
    "                           mqtts://... (root default lwm2m/)\n"
    "Security of coaps:// and coaps+tcp:// (one mode; they fill the Security object /0/0):\n"
    "  --psk-identity ID        PSK identity (/0/0/3), with --psk-key\n"
    "  --psk-key HEX            the pre-shared key in hex (/0/0/5)\n"
    "  --rpk KEYFILE            Raw Public Key mode: our EC private key (PEM or DER; /0/0/5,\n"
    "                           its public key /0/0/3), with --server-key\n"
    "  --server-key FILE        the server's public key, private key or certificate (PEM or\n"
    "                           DER): only its public key is kept (/0/0/4)\n"
    "  --cert CERTFILE          X.509 mode: our certificate (PEM or DER; /0/0/3), with --key\n"
    "                           and --ca\n"
    "  --key KEYFILE            our private key (PEM or DER; /0/0/5)\n"
    "  --ca FILE                the server's trust anchor (CA certificate) or, with\n"
    "                           --cert-usage 1 or 3, the server's own certificate (/0/0/4)\n"
    "  --cert-usage N           /0/0/15, RFC 6698: 0 CA constraint, 1 service certificate\n"
    "                           constraint, 2 trust anchor assertion (default), 3 domain-issued\n"
    "                           certificate (the server's certificate must equal --ca)\n"
    "  --dtls-cid N             DTLS Connection ID length asked of the server, 0 = none\n"
    "                           (default 8; RFC 9146)\n"
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

std::optional<std::vector<std::uint8_t>> hex_bytes(std::string_view s) {
    if (s.empty() || s.size() % 2 != 0) return std::nullopt;
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i < s.size(); i += 2) {
        unsigned v = 0;
        auto [p, ec] = std::from_chars(s.data() + i, s.data() + i + 2, v, 16);
        if (ec != std::errc() || p != s.data() + i + 2) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(v));
    }
    return out;
}

// The bytes of a key or certificate file as DER; error names the flag.
std::optional<std::vector<std::uint8_t>> der_file(const std::string& flag, const std::string& path,
                                                  std::string& error) {
    auto text = runtime::tls::read_file(path);
    if (!text) {
        error = flag + ": cannot read " + path;
        return std::nullopt;
    }
    auto der = runtime::pem_to_der(*text);
    if (!der || der->empty()) {
        error = flag + ": not PEM or DER (" + (der ? "empty" : der.error().reason) + "): " + path;
        return std::nullopt;
    }
    return *der;
}

std::optional<std::vector<std::uint8_t>> spki_file(const std::string& flag, const std::string& path,
                                                   std::string& error) {
    auto text = runtime::tls::read_file(path);
    if (!text) {
        error = flag + ": cannot read " + path;
        return std::nullopt;
    }
    auto spki = runtime::tls::public_key_der(*text);
    if (!spki) {
        error = flag + ": not a key or certificate (PEM or DER): " + path;
        return std::nullopt;
    }
    return *spki;
}

// Checks the security flags against the server URI and fills the device's
// Security settings from them (files read now).
bool apply_security(client_options& o, std::string& error) {
    auto& c = o.sec;
    const bool psk = !c.psk_identity.empty() || !c.psk_key_hex.empty();
    const bool rpk = !c.rpk_file.empty() || !c.server_key_file.empty();
    const bool x509 = !c.cert_file.empty() || !c.key_file.empty() || !c.ca_file.empty() ||
                      c.cert_usage.has_value();
    const int modes = int(psk) + int(rpk) + int(x509);
    std::optional<runtime::coap_target> target;
    if (!runtime::is_mqtt_uri(o.device.server_uri))
        if (auto t = runtime::parse_coap_target(o.device.server_uri)) target = *t;
    const bool secure = target && target->secure();
    if (modes > 1) {
        error =
            "--psk-identity/--psk-key, --rpk/--server-key and --cert/--key/--ca are "
            "different security modes: choose one";
        return false;
    }
    if (modes == 1 && !secure) {
        error = std::string(psk   ? "--psk-identity/--psk-key"
                            : rpk ? "--rpk/--server-key"
                                  : "--cert/--key/--ca") +
                ": only for a coaps:// or coaps+tcp:// server (--server " + o.device.server_uri +
                ")";
        return false;
    }
    if (secure && modes == 0) {
        error = "--server: " + o.device.server_uri +
                " needs credentials: --psk-identity and --psk-key, --rpk and --server-key, or "
                "--cert, --key and --ca";
        return false;
    }
    auto& d = o.device;
    if (psk) {
        if (c.psk_identity.empty() || c.psk_key_hex.empty()) {
            error = "--psk-identity and --psk-key go together";
            return false;
        }
        auto key = hex_bytes(c.psk_key_hex);
        if (!key || key->size() > 64) {
            error = "--psk-key: an even number of hex digits, at most 64 bytes: " + c.psk_key_hex;
            return false;
        }
        d.security_mode = client::security_mode::psk;
        d.identity.assign(c.psk_identity.begin(), c.psk_identity.end());
        d.secret_key = *key;
    } else if (rpk) {
        if (c.rpk_file.empty() || c.server_key_file.empty()) {
            error = "--rpk and --server-key go together";
            return false;
        }
        auto key = der_file("--rpk", c.rpk_file, error);
        if (!key) return false;
        auto ours = spki_file("--rpk", c.rpk_file, error);
        if (!ours) return false;
        auto theirs = spki_file("--server-key", c.server_key_file, error);
        if (!theirs) return false;
        d.security_mode = client::security_mode::rpk;
        d.identity = *ours;
        d.secret_key = *key;
        d.server_public_key = *theirs;
    } else if (x509) {
        if (c.cert_file.empty() || c.key_file.empty() || c.ca_file.empty()) {
            error = "--cert, --key and --ca go together";
            return false;
        }
        auto cert = der_file("--cert", c.cert_file, error);
        if (!cert) return false;
        auto key = der_file("--key", c.key_file, error);
        if (!key) return false;
        auto ca = der_file("--ca", c.ca_file, error);
        if (!ca) return false;
        if (!runtime::tls::public_key_der(runtime::tls::read_file(c.key_file).value_or(""))) {
            error = "--key: not a private key: " + c.key_file;
            return false;
        }
        d.security_mode = client::security_mode::certificate;
        d.identity = *cert;
        d.secret_key = *key;
        d.server_public_key = *ca;
        d.certificate_usage = c.cert_usage.value_or(2);
    }
    if (d.identity.size() > SIROCCO_CLIENT_CERT_SIZE ||
        d.server_public_key.size() > SIROCCO_CLIENT_CERT_SIZE) {
        error = std::string(x509 ? "--cert or --ca" : "--psk-identity") +
                ": longer than the Security object holds (" +
                std::to_string(SIROCCO_CLIENT_CERT_SIZE) + " bytes of DER)";
        return false;
    }
    if (d.secret_key.size() > SIROCCO_CLIENT_PRIVATE_KEY_SIZE) {
        error = std::string(x509 ? "--key" : "--rpk") +
                ": the private key is longer than the Security object holds (" +
                std::to_string(SIROCCO_CLIENT_PRIVATE_KEY_SIZE) + " bytes of DER; use EC P-256)";
        return false;
    }
    return true;
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
            } else if (auto t = runtime::parse_coap_target(v); !t) {
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
        } else if (flag == "--psk-identity") {
            if (!value(o.sec.psk_identity)) return std::nullopt;
            if (o.sec.psk_identity.empty() || o.sec.psk_identity.size() > 128) {
                error = "--psk-identity: 1 to 128 bytes";
                return std::nullopt;
            }
        } else if (flag == "--psk-key") {
            if (!value(o.sec.psk_key_hex)) return std::nullopt;
        } else if (flag == "--rpk") {
            if (!value(o.sec.rpk_file)) return std::nullopt;
        } else if (flag == "--server-key") {
            if (!value(o.sec.server_key_file)) return std::nullopt;
        } else if (flag == "--cert") {
            if (!value(o.sec.cert_file)) return std::nullopt;
        } else if (flag == "--key") {
            if (!value(o.sec.key_file)) return std::nullopt;
        } else if (flag == "--ca") {
            if (!value(o.sec.ca_file)) return std::nullopt;
        } else if (flag == "--cert-usage") {
            if (!value(v)) return std::nullopt;
            std::uint64_t n = 0;
            if (!parse_u64(v, n) || n > 3) {
                error = "--cert-usage: 0, 1, 2 or 3: " + v;
                return std::nullopt;
            }
            o.sec.cert_usage = static_cast<std::uint8_t>(n);
        } else if (flag == "--dtls-cid") {
            if (!value(v)) return std::nullopt;
            std::uint64_t n = 0;
            if (!parse_u64(v, n) || n > 32) {
                error = "--dtls-cid: a length in bytes, 0..32: " + v;
                return std::nullopt;
            }
            o.dtls_cid = static_cast<std::uint8_t>(n);
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
    if (!apply_security(o, error)) return std::nullopt;
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
