// Helpers of the TLS tests: a throwaway PKI (scripts/make-test-pki in a
// temporary folder, removed at the end) and in-memory pumps between sessions.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sirocco/runtime/dtls_server.hpp"
#include "sirocco/runtime/tls.hpp"

namespace sirocco_tls_test {

namespace tls = sirocco::runtime::tls;
using bytes = std::vector<std::uint8_t>;

/// The PKI of scripts/make-test-pki with endpoints dev1 and dev2, made once
/// per test binary.
class pki {
  public:
    static pki& get() {
        static pki p;
        return p;
    }
    std::string pem(const std::string& name) const {
        auto r = tls::read_file((dir_ / name).string());
        EXPECT_TRUE(r.has_value()) << name;
        return r ? *r : std::string();
    }
    ~pki() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

  private:
    pki() {
        char tmpl[] = "/tmp/sirocco-tls-pki-XXXXXX";
        const char* d = ::mkdtemp(tmpl);
        if (d == nullptr) std::abort();
        dir_ = d;
        const std::string cmd = std::string(SIROCCO_SOURCE_DIR) + "/scripts/make-test-pki " +
                                dir_.string() + " dev1 dev2 >/dev/null 2>&1";
        if (std::system(cmd.c_str()) != 0) std::abort();
    }
    std::filesystem::path dir_;
};

inline bytes to_bytes(std::string_view s) {
    return {s.begin(), s.end()};
}
inline std::string to_string(sirocco::bytes_view b) {
    return {b.begin(), b.end()};
}

inline tls::credentials psk_client(std::string id = "dev1-id",
                                   bytes key = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                                16}) {
    tls::credentials c;
    c.m = tls::mode::psk;
    c.psk_identity = std::move(id);
    c.psk_key = std::move(key);
    return c;
}

inline tls::server_policy psk_policy() {
    tls::server_policy p;
    p.psk_key = [](std::string_view id) -> std::optional<bytes> {
        if (id == "dev1-id") return bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        if (id == "dev2-id") return bytes{16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
        return std::nullopt;
    };
    return p;
}

/// Moves everything pending between two sessions until both are quiet.
/// `drop(from_client, index)` may drop a message (index counts the
/// messages of that direction).
inline void pump(tls::session& client, tls::session& server, tls::time_ms now,
                 const std::function<bool(bool, int)>& drop = {}) {
    int c2s = 0;
    int s2c = 0;
    for (int round = 0; round < 64; ++round) {
        bool moved = false;
        while (auto b = client.poll_transmit()) {
            moved = true;
            const bytes copy(b->begin(), b->end());
            if (drop && drop(true, c2s++)) continue;
            (void)server.on_receive(copy, now);
        }
        while (auto b = server.poll_transmit()) {
            moved = true;
            const bytes copy(b->begin(), b->end());
            if (drop && drop(false, s2c++)) continue;
            (void)client.on_receive(copy, now);
        }
        if (!moved) return;
    }
}

/// Client session <-> dtls_server, the client at `address`.
inline void pump(tls::session& client, const std::string& address, tls::dtls_server& server,
                 tls::time_ms now) {
    for (int round = 0; round < 64; ++round) {
        bool moved = false;
        while (auto b = client.poll_transmit()) {
            moved = true;
            const bytes copy(b->begin(), b->end());
            server.on_datagram(address, copy, now);
        }
        std::vector<tls::dtls_server::datagram> others;
        while (auto d = server.poll_transmit()) {
            moved = true;
            if (d->to == address) (void)client.on_receive(d->bytes, now);
        }
        if (!moved) return;
    }
}

inline std::vector<tls::dtls_server::event> events(tls::dtls_server& s) {
    std::vector<tls::dtls_server::event> v;
    while (auto e = s.poll_event())
        v.push_back(std::move(*e));
    return v;
}

inline std::string plaintext(tls::session& s) {
    std::string all;
    while (auto p = s.poll_plaintext())
        all += to_string(*p);
    return all;
}

}  // namespace sirocco_tls_test
