// coap-test-server: a small CoAP server on our engine, for interop tests with
// libcoap's coap-client. Listens on 127.0.0.1:PORT over UDP and TCP, and
// with --psk ID:KEY also over DTLS on --dtls-port and TLS on --tls-port
// (PSK: the identity ID with the key KEY, its ASCII bytes as libcoap's -k
// takes it; tls::dtls_server / tls::session of runtime/tls.hpp).
//   GET  /big     a 5000-byte body (Block2 when the client asks or it does not fit)
//   PUT  /store   stores the body (Block1 accepted); POST too
//   GET  /store   the stored body
//   GET  /obs     observable: "n=<k>" every 500 ms
// Usage: coap-test-server --port PORT [--lifetime SECONDS]
//        [--psk ID:KEY --dtls-port P --tls-port P]
// Prints "ready" on stdout once listening; exits on SIGTERM/SIGINT or after
// the lifetime (default 120 s), so a test that dies leaves nothing running.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "coap_net.hpp"
#include "sirocco/coap/options.hpp"
#include "sirocco/runtime/tls.hpp"

using namespace sirocco;
using namespace sirocco::coap;

namespace {

volatile std::sig_atomic_t stop = 0;
void on_signal(int) {
    stop = 1;
}

std::string path_of(const message& m) {
    std::string p;
    for (const auto& o : uri_path(m))
        p += "/" + std::string(o.as_string());
    return p.empty() ? "/" : p;
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0;
    int lifetime = 120;
    int dtls_port = 0, tls_port = 0;
    std::string psk;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--port") == 0) port = std::atoi(argv[i + 1]);
        if (std::strcmp(argv[i], "--lifetime") == 0) lifetime = std::atoi(argv[i + 1]);
        if (std::strcmp(argv[i], "--dtls-port") == 0) dtls_port = std::atoi(argv[i + 1]);
        if (std::strcmp(argv[i], "--tls-port") == 0) tls_port = std::atoi(argv[i + 1]);
        if (std::strcmp(argv[i], "--psk") == 0) psk = argv[i + 1];
    }
    if (port <= 0 || port > 65535) {
        std::fprintf(stderr, "usage: coap-test-server --port PORT [--lifetime SECONDS]\n");
        return 2;
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);

    config cfg;
    cfg.max_body_size = 64 * 1024;
    net::node srv(cfg);
    if (!srv.bind(static_cast<std::uint16_t>(port), true)) {
        std::perror("bind");
        return 1;
    }
    if (!psk.empty()) {
        const auto colon = psk.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == psk.size()) {
            std::fprintf(stderr, "--psk: ID:KEY\n");
            return 2;
        }
        const std::string id = psk.substr(0, colon);
        const std::vector<std::uint8_t> key(psk.begin() + static_cast<std::ptrdiff_t>(colon) + 1,
                                            psk.end());
        runtime::tls::server_policy pol;
        pol.psk_key = [id, key](std::string_view who) -> std::optional<std::vector<std::uint8_t>> {
            if (who != id) return std::nullopt;
            return key;
        };
        runtime::tls::config tcfg;
        tcfg.cid_length = 8;
        auto ctx = runtime::tls::server_context::create(tcfg, {}, pol);
        if (!ctx) {
            std::fprintf(stderr, "TLS: %s\n", ctx.error().reason);
            return 1;
        }
        if (!srv.bind_secure(static_cast<std::uint16_t>(dtls_port),
                             static_cast<std::uint16_t>(tls_port),
                             std::shared_ptr<runtime::tls::server_context>(std::move(*ctx)))) {
            std::perror("bind (DTLS/TLS)");
            return 1;
        }
    }
    const std::vector<std::uint8_t> big = net::big_body();
    std::vector<std::uint8_t> stored;
    std::vector<observation_id> observers;
    std::uint32_t counter = 0;
    std::string current = "n=0";

    srv.on_event = [&](net::node& n, const event& e) {
        const time_ms now = net::clock_ms();
        if (e.kind == event_kind::observe_cancelled) {
            std::erase(observers, e.observation);
            return;
        }
        if (e.kind != event_kind::request) return;
        const std::string path = path_of(e.msg);
        message resp;
        const code c = e.msg.code;
        std::array<std::uint8_t, 8> st{};
        message_builder b(resp, st);
        (void)b.add_uint(opt::content_format, 0);
        bytes_view body;
        if (path == "/big" && c == codes::get) {
            resp.code = codes::content;
            body = big;
        } else if (path == "/store" && (c == codes::put || c == codes::post)) {
            const std::size_t off = e.block1 ? e.block1->offset() : 0;
            if (off == 0) stored.clear();
            if (off == stored.size()) stored.insert(stored.end(), e.body.begin(), e.body.end());
            const bool more = e.block1 && e.block1->more;
            resp.code = more ? codes::continue_ : codes::changed;
            b.remove(opt::content_format);
        } else if (path == "/store" && c == codes::get) {
            resp.code = codes::content;
            body = stored;
        } else if (path == "/obs" && c == codes::get) {
            resp.code = codes::content;
            body = as_bytes(current);
        } else {
            resp.code = codes::not_found;
            b.remove(opt::content_format);
        }
        auto r = n.eng().respond(e.request, resp, body, now);
        if (r && *r) observers.push_back(**r);
    };

    std::printf("ready\n");
    std::fflush(stdout);
    const time_ms end = net::clock_ms() + static_cast<time_ms>(lifetime) * 1000;
    time_ms next_tick = net::clock_ms() + 500;
    while (stop == 0 && net::clock_ms() < end) {
        srv.step(50);
        if (net::clock_ms() >= next_tick) {
            next_tick += 500;
            current = "n=" + std::to_string(++counter);
            message m;
            m.code = codes::content;
            std::array<std::uint8_t, 8> st{};
            message_builder b(m, st);
            (void)b.add_uint(opt::content_format, 0);
            for (auto o : std::vector<observation_id>(observers))
                if (!srv.eng().notify(o, m, as_bytes(current), net::clock_ms()))
                    std::erase(observers, o);
            srv.flush();
        }
    }
    return 0;
}
