// sirocco-fleet: N simulated LwM2M devices in one process (runtime/fleet.hpp)
// against one LwM2M server, with progress lines, a summary table and JSON.
#include <sys/resource.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "sirocco/base/hex.hpp"
#include "sirocco/coap/config.hpp"
#include "sirocco/runtime/fleet.hpp"

namespace {

namespace asio = boost::asio;
using sirocco::runtime::fleet;
using sirocco::runtime::fleet_options;

const char* const usage_text =
    "usage: sirocco-fleet --clients N --server URI [options]\n"
    "Simulates N LwM2M devices (the real client engine each: objects 0, 1, 3, 3303) in one\n"
    "process on one event loop; each registers, sends Updates on its lifetime, answers Read,\n"
    "Write, Execute and Observe, and notifies. At the end: a summary table (and --json).\n"
    "\n"
    "  --clients N            number of devices (default 1)\n"
    "  --server URI           coap://IP:PORT (UDP), coaps://IP:PORT (DTLS 1.2 PSK) or\n"
    "                         mqtt://HOST:PORT[/root/] (LwM2M over MQTT, one connection per\n"
    "                         device: keep N under the open-file limit)\n"
    "  --ramp R               devices started per second (default 10000; 0: all at once)\n"
    "  --lifetime S           registration lifetime /1/0/1 in seconds (default 300)\n"
    "  --duration S           run time after the last device registered (default 0: exit as\n"
    "                         soon as every device registered or failed)\n"
    "  --notify-rate R        changes per second of /3303/0/5700 on each observed device\n"
    "                         (default 0: the value does not change on its own)\n"
    "  --endpoint-prefix E    device i is E<first-index + i> (default fleet-)\n"
    "  --first-index I        (default 0)\n"
    "  --psk-prefix P         DTLS: device i uses PSK identity P<first-index + i> (default:\n"
    "                         the endpoint name)\n"
    "  --psk-key HEX          DTLS: one key for every device (default: each key is the first\n"
    "                         16 bytes of SHA-256(identity))\n"
    "  --print-psk            print each device's security entry as one JSON line in the\n"
    "                         form of the server's PUT /api/security/clients, then exit\n"
    "  --dtls-cid N           DTLS Connection ID length (default 8; 0: none)\n"
    "  --bind-base ADDR       first loopback source address (default 127.1.0.1): with a server\n"
    "                         on 127.0.0.0/8 ONE socket sends each device's datagrams from its\n"
    "                         own address (IP_PKTINFO), ADDR + i skipping .0 and .255\n"
    "  --sockets MODE         auto (default: shared on loopback, else per device), shared, or\n"
    "                         per-device (one UDP socket each, limited by the open-file limit;\n"
    "                         the only mode for a server that is not on loopback)\n"
    "  --register-timeout S   stop waiting for registrations S seconds after the last device\n"
    "                         started (default 120)\n"
    "  --ack-timeout MS       CoAP ACK_TIMEOUT of the devices (default 2000)\n"
    "  --lwm2m-version V      1.0, 1.1 or 1.2 (default 1.1)\n"
    "  --deregister           de-register every device at the end (waits up to 30 s)\n"
    "  --no-hibernate         keep every device's engine for the whole run (by default the\n"
    "                         engine of a device that holds nothing but its registration is\n"
    "                         destroyed and made anew from a snapshot when needed)\n"
    "  --progress S           a progress line every S seconds (default 0: none)\n"
    "  --json FILE            write the figures as JSON\n"
    "  --help                 this text\n"
    "\n"
    "Limits of this build (small per-device capacities, apps/sirocco-fleet/CMakeLists.txt):\n"
    "server URI at most 48 characters; endpoint name + lifetime digits at most 51 characters;\n"
    "CoAP messages of 320 bytes (answers above 256 bytes go block-wise); 2 observations.\n"
    "\n"
    "Exit status: 0 every device registered, 3 some did not, 1 error, 2 usage.\n"
    "SIGINT/SIGTERM end the run early (de-registering first with --deregister).\n";

bool parse_double(std::string_view s, double& out) {
    try {
        std::size_t n = 0;
        out = std::stod(std::string(s), &n);
        return n == s.size() && out >= 0;
    } catch (...) {
        return false;
    }
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

std::string hex_of(const std::vector<std::uint8_t>& k) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (auto b : k) {
        s += d[b >> 4];
        s += d[b & 15];
    }
    return s;
}

int usage_error(const std::string& what) {
    std::fprintf(stderr, "sirocco-fleet: %s\n(--help for the options)\n", what.c_str());
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    fleet_options o;
    std::string json_file;
    bool print_psk = false;
    std::vector<std::string> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& f = args[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= args.size()) return false;
            out = args[++i];
            return true;
        };
        std::string v;
        std::uint64_t u = 0;
        if (f == "--help" || f == "-h") {
            std::fputs(usage_text, stdout);
            return 0;
        } else if (f == "--deregister") {
            o.deregister = true;
        } else if (f == "--print-psk") {
            print_psk = true;
        } else if (f == "--no-hibernate") {
            o.hibernate = false;
        } else if (!value(v)) {
            return usage_error("unknown flag or missing value: " + f);
        } else if (f == "--clients") {
            if (!parse_u64(v, u) || u == 0 || u > 10'000'000) return usage_error("bad --clients");
            o.clients = static_cast<std::size_t>(u);
        } else if (f == "--server") {
            o.server_uri = v;
        } else if (f == "--ramp") {
            if (!parse_double(v, o.ramp)) return usage_error("bad --ramp");
        } else if (f == "--lifetime") {
            if (!parse_u64(v, u) || u == 0 || u > 0xFFFFFFFFu) return usage_error("bad --lifetime");
            o.lifetime = static_cast<std::int64_t>(u);
        } else if (f == "--duration") {
            if (!parse_double(v, o.duration_s)) return usage_error("bad --duration");
        } else if (f == "--notify-rate") {
            if (!parse_double(v, o.notify_rate) || o.notify_rate > 1000)
                return usage_error("bad --notify-rate");
        } else if (f == "--endpoint-prefix") {
            o.endpoint_prefix = v;
        } else if (f == "--first-index") {
            if (!parse_u64(v, u) || u > 0xFFFFFFFFu) return usage_error("bad --first-index");
            o.first_index = static_cast<std::uint32_t>(u);
        } else if (f == "--psk-prefix") {
            o.psk_prefix = v;
        } else if (f == "--psk-key") {
            std::vector<std::uint8_t> key(v.size() / 2 + 1);
            auto r = sirocco::parse_hex(v, sirocco::mutable_bytes(key.data(), key.size()));
            if (!r || *r == 0) return usage_error("bad --psk-key (hex)");
            key.resize(*r);
            o.psk_key = key;
        } else if (f == "--dtls-cid") {
            if (!parse_u64(v, u) || u > 32) return usage_error("bad --dtls-cid");
            o.dtls_cid = static_cast<std::uint8_t>(u);
        } else if (f == "--bind-base") {
            o.bind_base = v;
        } else if (f == "--sockets") {
            if (v == "auto")
                o.sockets = fleet_options::socket_mode::automatic;
            else if (v == "shared")
                o.sockets = fleet_options::socket_mode::shared;
            else if (v == "per-device")
                o.sockets = fleet_options::socket_mode::per_device;
            else
                return usage_error("bad --sockets (auto, shared, per-device)");
        } else if (f == "--register-timeout") {
            if (!parse_double(v, o.register_timeout_s))
                return usage_error("bad --register-timeout");
        } else if (f == "--ack-timeout") {
            if (!parse_u64(v, u) || u < 10 || u > 600000) return usage_error("bad --ack-timeout");
            o.ack_timeout_ms = static_cast<std::uint32_t>(u);
        } else if (f == "--lwm2m-version") {
            if (v == "1.0")
                o.version = sirocco::client::lwm2m_version::v1_0;
            else if (v == "1.1")
                o.version = sirocco::client::lwm2m_version::v1_1;
            else if (v == "1.2")
                o.version = sirocco::client::lwm2m_version::v1_2;
            else
                return usage_error("bad --lwm2m-version (1.0, 1.1, 1.2)");
        } else if (f == "--progress") {
            if (!parse_double(v, o.progress_s)) return usage_error("bad --progress");
        } else if (f == "--json") {
            json_file = v;
        } else {
            return usage_error("unknown flag: " + f);
        }
    }

    if (print_psk) {
        for (std::size_t i = 0; i < o.clients; ++i) {
            const std::string ep = o.endpoint_prefix + std::to_string(o.first_index + i);
            const std::string id =
                o.psk_prefix.empty() ? ep : o.psk_prefix + std::to_string(o.first_index + i);
            auto key = o.psk_key.empty() ? sirocco::runtime::fleet_derived_psk(id) : o.psk_key;
            std::printf(
                "{\"endpoint\":\"%s\",\"tls\":{\"mode\":\"psk\",\"details\":{\"identity\":\"%s\","
                "\"key\":\"%s\"}}}\n",
                ep.c_str(), id.c_str(), hex_of(key).c_str());
        }
        return 0;
    }

    // Many devices over MQTT or per-device sockets need descriptors: take
    // the hard limit.
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }

    asio::io_context io;
    o.log = [](const std::string& s) {
        std::fprintf(stdout, "%s\n", s.c_str());
        std::fflush(stdout);
    };
    fleet f(io, o);
    bool finished = false;
    auto r = f.start([&] {
        finished = true;
        io.stop();
    });
    if (!r) {
        std::fprintf(stderr, "sirocco-fleet: %s\n", r.error().reason);
        return 1;
    }
    asio::signal_set signals(io, SIGINT, SIGTERM);
    int signals_seen = 0;
    std::function<void()> wait_signal = [&] {
        signals.async_wait([&](const boost::system::error_code& ec, int) {
            if (ec) return;
            if (++signals_seen > 1) {
                io.stop();
                return;
            }
            std::fprintf(stdout, "fleet: signal, ending the run\n");
            f.stop();
            wait_signal();
        });
    };
    wait_signal();
    std::printf(
        "fleet: %zu devices against %s, ramp %.0f/s (coap limits: max_pdu %zu, "
        "exchanges %zu)\n",
        o.clients, o.server_uri.c_str(), o.ramp, sirocco::coap::limits::max_pdu,
        sirocco::coap::limits::exchanges);
    std::fflush(stdout);
    io.run();
    auto rep = f.report();
    std::fputs(fleet::summary(rep).c_str(), stdout);
    if (!json_file.empty()) {
        std::ofstream out(json_file);
        out << fleet::to_json(rep) << "\n";
        if (!out) {
            std::fprintf(stderr, "sirocco-fleet: cannot write %s\n", json_file.c_str());
            return 1;
        }
    }
    if (!finished) return 1;
    return rep.registered == rep.clients ? 0 : 3;
}
