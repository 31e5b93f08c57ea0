// DTLS 1.2 on mbedTLS 3.6 in memory (no sockets): full and resumed PSK
// handshakes through dtls_server (cookie exchange included), RPK and X.509
// (ECDHE-ECDSA P-256) handshakes, a TLS PSK handshake, heap per established
// session (mallinfo2 deltas over 1,000 sessions), and protect + unprotect of
// a 100-byte CoAP datagram. Each handshake includes creating the client
// session (its RNG seeding too). Test PKI: scripts/make-test-pki in a
// temporary folder, removed at exit.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sirocco/runtime/dtls_server.hpp"
#include "sirocco/runtime/tls.hpp"

namespace {

namespace tls = sirocco::runtime::tls;
using bytes = std::vector<std::uint8_t>;

const bytes psk_key{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

struct pki {
    std::filesystem::path dir;
    pki() {
        char tmpl[] = "/tmp/sirocco-bench-pki-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr) std::abort();
        dir = tmpl;
        const std::string cmd = std::string(SIROCCO_SOURCE_DIR) + "/scripts/make-test-pki " +
                                dir.string() + " dev1 >/dev/null 2>&1";
        if (std::system(cmd.c_str()) != 0) std::abort();
    }
    ~pki() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    std::string pem(const char* name) const {
        return tls::read_file((dir / name).string()).value();
    }
};

const pki& the_pki() {
    static pki p;
    return p;
}

tls::config cfg() {
    tls::config c;
    c.cid_length = 8;
    return c;
}

std::shared_ptr<tls::server_context> server_ctx() {
    static std::shared_ptr<tls::server_context> ctx = [] {
        tls::credentials ours;
        ours.private_key_pem = the_pki().pem("server.key");
        ours.certificate_pem = the_pki().pem("server.pem");
        tls::server_policy p;
        p.psk_key = [](std::string_view) -> std::optional<bytes> { return psk_key; };
        p.client_ca_pem = the_pki().pem("ca.pem");
        const bytes dev1 = tls::public_key_der(the_pki().pem("dev1.key")).value();
        p.rpk_known = [dev1](const bytes& k) { return k == dev1; };
        auto r = tls::server_context::create(cfg(), std::move(ours), std::move(p));
        return std::shared_ptr<tls::server_context>(std::move(r).value());
    }();
    return ctx;
}

tls::credentials psk() {
    tls::credentials c;
    c.psk_identity = "dev1";
    c.psk_key = psk_key;
    return c;
}

tls::credentials rpk() {
    tls::credentials c;
    c.m = tls::mode::rpk;
    c.private_key_pem = the_pki().pem("dev1.key");
    c.peer_public_key = tls::public_key_der(the_pki().pem("server.key")).value();
    return c;
}

tls::credentials x509() {
    tls::credentials c;
    c.m = tls::mode::x509;
    c.private_key_pem = the_pki().pem("dev1.key");
    c.certificate_pem = the_pki().pem("dev1.pem");
    c.ca_pem = the_pki().pem("ca.pem");
    c.certificate_usage = 2;
    c.server_name = "localhost";
    return c;
}

/// Runs one client through `srv` from `addr` until quiet.
void pump(tls::session& c, const std::string& addr, tls::dtls_server& srv) {
    for (int round = 0; round < 32; ++round) {
        bool moved = false;
        while (auto b = c.poll_transmit()) {
            moved = true;
            srv.on_datagram(addr, *b, 0);
        }
        while (auto d = srv.poll_transmit()) {
            moved = true;
            (void)c.on_receive(d->bytes, 0);
        }
        if (!moved) return;
    }
}

std::unique_ptr<tls::session> connect(tls::dtls_server& srv, const tls::credentials& creds,
                                      const tls::config& c, const std::string& addr) {
    auto s = std::move(tls::session::client(c, creds, tls::transport::datagram, 0)).value();
    pump(*s, addr, srv);
    if (s->state() != tls::state::established) std::abort();
    return s;
}

void handshakes(benchmark::State& state, const tls::credentials& creds, bool resume) {
    tls::dtls_server srv(server_ctx(), cfg(), {});
    tls::config c = cfg();
    if (resume) c.resume = connect(srv, creds, cfg(), "127.0.0.1:1")->saved();
    std::uint64_t n = 0;
    for (auto _ : state) {
        const std::string addr = "127.0.0.1:" + std::to_string(2 + n++ % 60000);
        auto s = connect(srv, creds, c, addr);
        if (resume && !s->resumed()) std::abort();
        while (auto e = srv.poll_event()) {
            if (e->kind == tls::dtls_server::event_kind::established) srv.close(e->id, 0);
        }
        benchmark::DoNotOptimize(s.get());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_dtls_psk_handshake_full(benchmark::State& s) {
    handshakes(s, psk(), false);
}
void BM_dtls_psk_handshake_resumed(benchmark::State& s) {
    handshakes(s, psk(), true);
}
void BM_dtls_rpk_handshake(benchmark::State& s) {
    handshakes(s, rpk(), false);
}
void BM_dtls_x509_handshake(benchmark::State& s) {
    handshakes(s, x509(), false);
}
BENCHMARK(BM_dtls_psk_handshake_full)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_dtls_psk_handshake_resumed)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_dtls_rpk_handshake)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_dtls_x509_handshake)->Unit(benchmark::kMicrosecond);

void BM_tls_psk_handshake(benchmark::State& state) {
    for (auto _ : state) {
        auto c = std::move(tls::session::client(cfg(), psk(), tls::transport::stream, 0)).value();
        auto s = std::move(server_ctx()->accept(tls::transport::stream, "x", 0)).value();
        for (int round = 0; round < 16; ++round) {
            while (auto b = c->poll_transmit())
                (void)s->on_receive(*b, 0);
            while (auto b = s->poll_transmit())
                (void)c->on_receive(*b, 0);
        }
        if (s->state() != tls::state::established) std::abort();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_tls_psk_handshake)->Unit(benchmark::kMicrosecond);

// Heap of 1,000 established DTLS PSK sessions (CID 8) after one exchange
// each: the server's (inside dtls_server, with its maps) and the clients',
// per session (a client's counts its own mbedTLS configuration and RNG).
void BM_dtls_session_memory(benchmark::State& state) {
    constexpr int n = 1000;
    for (auto _ : state) {
        tls::dtls_server srv(server_ctx(), cfg(), {});
        std::vector<std::unique_ptr<tls::session>> clients;
        clients.reserve(n);
        // Warm up (first-use allocations), then measure.
        clients.push_back(connect(srv, psk(), cfg(), "127.0.0.1:1"));
        while (srv.poll_event()) {
        }
        const auto before = mallinfo2().uordblks;
        for (int i = 0; i < n; ++i) {
            auto c =
                std::move(tls::session::client(cfg(), psk(), tls::transport::datagram, 0)).value();
            const std::string addr = "127.0.0.1:" + std::to_string(2 + i);
            pump(*c, addr, srv);
            if (c->state() != tls::state::established) std::abort();
            // One exchange (as a Register and its answer): each side frees
            // what it kept of the handshake for retransmissions.
            (void)c->send(bytes(100, 1), 0);
            pump(*c, addr, srv);
            while (auto e = srv.poll_event()) {
                if (e->kind == tls::dtls_server::event_kind::data)
                    (void)srv.send(e->id, bytes(10, 2), 0);
            }
            pump(*c, addr, srv);
            while (c->poll_plaintext()) {
            }
            clients.push_back(std::move(c));
        }
        const auto both = mallinfo2().uordblks;
        clients.resize(1);  // the clients go, the server's sessions stay
        const auto server_only = mallinfo2().uordblks;
        state.counters["server_bytes_per_session"] = static_cast<double>(server_only - before) / n;
        state.counters["client_bytes_per_session"] = static_cast<double>(both - server_only) / n;
        if (srv.counters().sessions != n + 1) std::abort();
    }
}
BENCHMARK(BM_dtls_session_memory)->Unit(benchmark::kMillisecond)->Iterations(1);

// One 100-byte CoAP datagram protected by the client and unprotected by the
// server (AES-128-CCM-8, CID 8), through dtls_server.
void BM_dtls_protect_unprotect_100B(benchmark::State& state) {
    tls::dtls_server srv(server_ctx(), cfg(), {});
    auto c = connect(srv, psk(), cfg(), "127.0.0.1:1");
    while (srv.poll_event()) {
    }
    const bytes payload(100, 0x42);
    for (auto _ : state) {
        (void)c->send(payload, 0);
        auto rec = c->poll_transmit();
        srv.on_datagram("127.0.0.1:1", *rec, 0);
        auto e = srv.poll_event();
        if (!e || e->payload.size() != 100) std::abort();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 100);
}
BENCHMARK(BM_dtls_protect_unprotect_100B);

}  // namespace
