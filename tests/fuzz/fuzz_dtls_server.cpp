// Fuzz: tls::dtls_server (PSK, CID 8) fed hostile datagrams. The first byte
// picks the mode:
//   0  raw datagrams: [addr byte][len hi][len lo][bytes]... from 4 addresses,
//      with timers advancing between them;
//   1  a recorded ClientHello carrying a valid cookie, mutated by
//      [pos hi][pos lo][xor] triples (then truncated by the last byte);
//   2  a real client handshake (then application data both ways) in which
//      the client's datagram number data[1] % 8 is mutated by triples;
//   3  TLS over a stream (coaps+tcp): the bytes, cut into pieces of
//      data[1] % 64 + 1 bytes, into an accepted server session.
// The server must never crash, leak or keep more than the limits allow.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sirocco/runtime/dtls_server.hpp"
#include "sirocco/runtime/tls.hpp"

namespace {

namespace tls = sirocco::runtime::tls;
using bytes = std::vector<std::uint8_t>;

const bytes psk_key{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

tls::config cfg() {
    tls::config c;
    c.cid_length = 8;
    c.handshake_timeout_ms = 5000;
    c.session_cache_size = 8;  // the shared context's cache: bounded, evicting
    return c;
}

tls::dtls_server_limits limits() {
    tls::dtls_server_limits l;
    l.max_handshakes = 4;
    l.max_sessions = 4;
    return l;
}

std::shared_ptr<tls::server_context> context() {
    static std::shared_ptr<tls::server_context> ctx = [] {
        tls::server_policy p;
        p.psk_key = [](std::string_view id) -> std::optional<bytes> {
            if (id == "fuzz") return psk_key;
            return std::nullopt;
        };
        return std::shared_ptr<tls::server_context>(
            std::move(tls::server_context::create(cfg(), {}, std::move(p))).value());
    }();
    return ctx;
}

std::unique_ptr<tls::session> new_client(tls::time_ms now) {
    tls::credentials c;
    c.psk_identity = "fuzz";
    c.psk_key = psk_key;
    return std::move(tls::session::client(cfg(), c, tls::transport::datagram, now)).value();
}

void drain(tls::dtls_server& s) {
    while (s.poll_transmit()) {
    }
    while (s.poll_event()) {
    }
}

/// A ClientHello with a cookie valid for "f:1" (cookies last 60 s: made
/// again every 20,000 inputs).
const bytes& hello_with_cookie() {
    static bytes hello;
    static unsigned uses = 0;
    if (hello.empty() || ++uses % 20000 == 0) {
        tls::dtls_server srv(context(), cfg(), limits());
        auto c = new_client(0);
        auto h = c->poll_transmit();
        srv.on_datagram("f:1", bytes(h->begin(), h->end()), 0);
        auto hvr = srv.poll_transmit();
        (void)c->on_receive(hvr->bytes, 0);
        auto h2 = c->poll_transmit();
        hello.assign(h2->begin(), h2->end());
    }
    return hello;
}

void mutate(bytes& b, const std::uint8_t* p, std::size_t n) {
    for (std::size_t i = 0; i + 3 <= n && !b.empty(); i += 3) {
        const std::size_t pos = (static_cast<std::size_t>(p[i]) << 8 | p[i + 1]) % b.size();
        b[pos] ^= p[i + 2];
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    tls::dtls_server srv(context(), cfg(), limits());
    tls::time_ms now = 1000;
    const std::uint8_t mode = data[0] % 4;
    if (mode == 0) {
        std::size_t i = 1;
        while (i + 3 <= size) {
            const std::string from = "f:" + std::to_string(data[i] & 3);
            const std::size_t len = static_cast<std::size_t>(data[i + 1]) << 8 | data[i + 2];
            i += 3;
            const std::size_t n = std::min(len, size - i);
            srv.on_datagram(from, sirocco::bytes_view(data + i, n), now);
            i += n;
            drain(srv);
            now += 700;
            srv.on_timer(now);
            drain(srv);
        }
    } else if (mode == 1) {
        bytes h = hello_with_cookie();
        mutate(h, data + 1, size - 1);
        if (size % 2 == 0 && !h.empty()) h.resize(h.size() - data[size - 1] % h.size());
        srv.on_datagram("f:1", h, now);
        drain(srv);
        srv.on_timer(now + 60000);
        drain(srv);
    } else if (mode == 3) {
        if (size < 2) return 0;
        auto s = std::move(context()->accept(tls::transport::stream, "t:1", now)).value();
        const std::size_t piece = data[1] % 64 + 1;
        for (std::size_t i = 2; i < size && s->state() == tls::state::handshaking; i += piece) {
            (void)s->on_receive(sirocco::bytes_view(data + i, std::min(piece, size - i)), now);
            while (s->poll_transmit()) {
            }
        }
        s->on_timer(now + 60000);
    } else if (size >= 2) {
        const int target = data[1] % 8;
        auto c = new_client(now);
        int sent = 0;
        for (int round = 0; round < 16; ++round) {
            bool moved = false;
            while (auto b = c->poll_transmit()) {
                moved = true;
                bytes d(b->begin(), b->end());
                if (sent++ == target) mutate(d, data + 2, size - 2);
                srv.on_datagram(round % 5 == 4 ? "f:9" : "f:1", d, now);
            }
            while (auto d = srv.poll_transmit()) {
                moved = true;
                (void)c->on_receive(d->bytes, now);
            }
            while (auto e = srv.poll_event()) {
                if (e->kind == tls::dtls_server::event_kind::established ||
                    e->kind == tls::dtls_server::event_kind::data)
                    (void)srv.send(e->id,
                                   sirocco::bytes_view(data, std::min<std::size_t>(size, 64)), now);
            }
            if (c->state() == tls::state::established && round < 12)
                (void)c->send(sirocco::bytes_view(data, std::min<std::size_t>(size, 200)), now);
            if (!moved) {
                now += 1000;
                c->on_timer(now);
                srv.on_timer(now);
            }
        }
    }
    const auto st = srv.counters();
    if (st.handshaking > limits().max_handshakes || st.sessions > limits().max_sessions)
        __builtin_trap();
    return 0;
}
