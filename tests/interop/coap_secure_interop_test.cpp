// DTLS and TLS interop with libcoap (Debian libcoap3-bin, its OpenSSL build,
// written by others) with PSK on 127.0.0.1:
// - libcoap's coap-client-openssl -u ID -k KEY against coap-test-server
//   (our coap::engine behind tls::dtls_server for coaps:// and a
//   tls::session per connection for coaps+tcp://): GET with Block2, PUT of a
//   large body with Block1 then GET it back, observe; a wrong key gets
//   nothing and the server goes on serving;
// - our engine over a tls::session client against coap-server-openssl -k
//   KEY (DTLS and TLS on its port + 1): GET / and GET /time answer 2.05.
// Processes are started and killed here, ports are picked free, the temp
// folder is removed at the end.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "coap_net.hpp"
#include "interop_util.hpp"
#include "sirocco/coap/options.hpp"

namespace sirocco::coap::interop {
namespace {

const std::string psk_id = "sirocco-interop";
const std::string psk_key = "interop-secret-1";

/// A coap-client built with a TLS library (the notls one has no coaps://).
std::string secure_client_bin() {
    return find_tool({"coap-client-openssl", "coap-client-gnutls"});
}

const char* secure_scheme(bool stream) {
    return stream ? "coaps+tcp" : "coaps";
}

/// Two ports free for UDP and TCP, p and p + 1 (libcoap's coap-server takes
/// its secure listeners at port + 1).
std::uint16_t free_port_pair() {
    for (int i = 0; i < 50; ++i) {
        std::uint16_t p = net::free_port();
        if (p == 0 || p == 65535) continue;
        // Is p + 1 free too? Bind both protocols for a moment.
        int u = ::socket(AF_INET, SOCK_DGRAM, 0);
        int t = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a = net::loopback(static_cast<std::uint16_t>(p + 1));
        const bool ok = ::bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                        ::bind(t, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        ::close(u);
        ::close(t);
        if (ok) return p;
    }
    return 0;
}

// ---- libcoap's coap-client against our coap-test-server -------------------------

class OurSecureServer : public ::testing::TestWithParam<bool> {
  protected:
    static void SetUpTestSuite() {
        dir_ = new temp_dir;
        port_ = net::free_port();
        dtls_port_ = net::free_port();
        tls_port_ = net::free_port();
        ASSERT_TRUE(port_ != 0 && dtls_port_ != 0 && tls_port_ != 0);
        const std::string bin = std::string(SIROCCO_BIN_DIR) + "/coap-test-server";
        server_ = new process({bin, "--port", std::to_string(port_), "--lifetime", "120", "--psk",
                               psk_id + ":" + psk_key, "--dtls-port", std::to_string(dtls_port_),
                               "--tls-port", std::to_string(tls_port_)},
                              dir_->path / "server.log");
        ASSERT_TRUE(server_->started());
        for (int i = 0; i < 300; ++i) {
            if (read_file(dir_->path / "server.log").size() >= 5) {  // "ready"
                ready_ = true;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        FAIL() << "coap-test-server did not start";
    }
    void SetUp() override {
        ASSERT_TRUE(ready_) << "the peer process did not start";
        ASSERT_FALSE(secure_client_bin().empty()) << "libcoap's coap-client-openssl not found";
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
        delete dir_;
        dir_ = nullptr;
        ready_ = false;
    }
    std::string uri(const char* path) const {
        return std::string(secure_scheme(GetParam())) +
               "://127.0.0.1:" + std::to_string(GetParam() ? tls_port_ : dtls_port_) + path;
    }
    /// Runs coap-client with PSK `key`; returns (exit code, output file bytes).
    std::pair<int, std::vector<std::uint8_t>> client(std::vector<std::string> args,
                                                     const char* path, int timeout_ms = 15000,
                                                     const std::string& key = psk_key) {
        const fs::path out = dir_->path / "client.out";
        fs::remove(out);
        std::vector<std::string> a{secure_client_bin(), "-u", psk_id, "-k", key, "-o",
                                   out.string()};
        a.insert(a.end(), args.begin(), args.end());
        a.push_back(uri(path));
        process p(a, dir_->path / "client.log");
        const int rc = p.wait(timeout_ms);
        return {rc, read_file(out)};
    }
    std::string client_log() const { return text(read_file(dir_->path / "client.log")); }

    static inline temp_dir* dir_ = nullptr;
    static inline process* server_ = nullptr;
    static inline std::uint16_t port_ = 0, dtls_port_ = 0, tls_port_ = 0;
    static inline bool ready_ = false;
};

TEST_P(OurSecureServer, CoapClientGetsBlock2With64ByteBlocks) {
    auto [rc, body] = client({"-m", "get", "-b", "64"}, "/big");
    EXPECT_EQ(rc, 0) << client_log();
    EXPECT_EQ(body, net::big_body()) << "5000 bytes, byte for byte";
}

TEST_P(OurSecureServer, CoapClientPutsLargeBodyWithBlock1) {
    std::vector<std::uint8_t> file = net::big_body(7000);
    file[1] = GetParam() ? 'T' : 'D';
    const fs::path in = dir_->path / "upload.bin";
    write_file(in, file);
    auto [rc, ignored] = client({"-m", "put", "-b", "64", "-f", in.string()}, "/store");
    EXPECT_EQ(rc, 0) << client_log();
    auto [rc2, back] = client({"-m", "get", "-b", "512"}, "/store");
    EXPECT_EQ(rc2, 0) << client_log();
    EXPECT_EQ(back, file) << "stored and served back byte for byte";
}

TEST_P(OurSecureServer, CoapClientObserves) {
    auto [rc, out] = client({"-m", "get", "-s", "2"}, "/obs", 10000);
    EXPECT_EQ(rc, 0) << client_log();
    const std::string s = text(out);
    std::size_t count = 0;
    for (std::size_t at = s.find("n="); at != std::string::npos; at = s.find("n=", at + 1))
        ++count;
    EXPECT_GE(count, 3u) << s;
}

TEST_P(OurSecureServer, WrongKeyGetsNothingAndTheServerGoesOn) {
    auto [rc, body] = client({"-m", "get"}, "/obs", 15000, "not-the-key");
    EXPECT_TRUE(body.empty()) << text(body);
    (void)rc;  // coap-client's exit code after a failed handshake varies by version
    auto [rc2, body2] = client({"-m", "get"}, "/obs");
    EXPECT_EQ(rc2, 0) << client_log();
    EXPECT_EQ(text(body2).rfind("n=", 0), 0u) << text(body2);
}

INSTANTIATE_TEST_SUITE_P(Transport, OurSecureServer, ::testing::Values(false, true),
                         [](const auto& i) { return std::string(i.param ? "tls" : "dtls"); });

// ---- our engine over tls::session against libcoap's coap-server -------------------

class LibcoapSecureServer : public ::testing::TestWithParam<bool> {
  protected:
    static void SetUpTestSuite() {
        dir_ = new temp_dir;
        const std::string bin = find_tool({"coap-server-openssl", "coap-server-gnutls"});
        ASSERT_FALSE(bin.empty())
            << "libcoap's coap-server-openssl not found (apt-get install libcoap3-bin)";
        port_ = free_port_pair();
        ASSERT_NE(port_, 0);
        server_ = new process(
            {bin, "-A", "127.0.0.1", "-p", std::to_string(port_), "-k", psk_key, "-v", "3"},
            dir_->path / "coap-server.log");
        ASSERT_TRUE(server_->started());
        // Ready when it answers a plain GET / on the first port.
        for (int i = 0; i < 50; ++i) {
            config c;
            c.ack_timeout_ms = 100;
            c.max_retransmit = 1;
            net::node n(c);
            ASSERT_TRUE(n.bind(0, false));
            auto p = n.udp_peer(port_);
            ASSERT_TRUE(p);
            bool answered = false;
            n.on_event = [&](net::node&, const event& e) {
                if (e.kind == event_kind::response) answered = true;
            };
            message m;
            m.code = codes::get;
            ASSERT_TRUE(n.eng().send_request(*p, m, {}, net::clock_ms()));
            n.run_until([&] { return answered; }, 200);
            if (answered) {
                ready_ = true;
                return;
            }
        }
        FAIL() << "coap-server did not come up";
    }
    void SetUp() override { ASSERT_TRUE(ready_) << "the peer process did not start"; }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
        delete dir_;
        dir_ = nullptr;
        ready_ = false;
    }
    std::string server_log() const { return text(read_file(dir_->path / "coap-server.log")); }

    static inline temp_dir* dir_ = nullptr;
    static inline process* server_ = nullptr;
    static inline std::uint16_t port_ = 0;
    static inline bool ready_ = false;
};

struct reply {
    code c;
    std::string body;
};

std::optional<reply> get(net::node& n, peer_id p, const char* path) {
    message m;
    m.code = codes::get;
    std::array<std::uint8_t, 16> st{};
    message_builder b(m, st);
    if (path[0] != '\0') {
        EXPECT_TRUE(b.add_uri_path(path).has_value());
    }
    auto x = n.eng().send_request(p, m, {}, net::clock_ms());
    EXPECT_TRUE(x.has_value());
    if (!x) return std::nullopt;
    std::optional<reply> out;
    n.on_event = [&](net::node&, const event& e) {
        if (e.exchange == *x && (e.kind == event_kind::response || e.kind == event_kind::timeout ||
                                 e.kind == event_kind::failed))
            out = reply{e.msg.code,
                        std::string(reinterpret_cast<const char*>(e.body.data()), e.body.size())};
    };
    n.run_until([&] { return out.has_value(); }, 8000);
    n.on_event = nullptr;
    return out;
}

TEST_P(LibcoapSecureServer, OurClientGetsRootAndTimeWithPsk) {
    const bool stream = GetParam();
    net::node n(config{});
    ASSERT_TRUE(n.bind(0, false));
    runtime::tls::credentials creds;
    creds.m = runtime::tls::mode::psk;
    creds.psk_identity = psk_id;
    creds.psk_key.assign(psk_key.begin(), psk_key.end());
    std::string why;
    auto p = n.connect_secure(static_cast<std::uint16_t>(port_ + 1), stream, creds, 8000, &why);
    ASSERT_TRUE(p) << "no " << secure_scheme(stream) << " session: " << why << "\n" << server_log();
    auto root = get(n, *p, "");
    ASSERT_TRUE(root);
    EXPECT_EQ(root->c, codes::content) << int(root->c.raw);
    EXPECT_NE(root->body.find("libcoap"), std::string::npos) << root->body;
    auto t = get(n, *p, "time");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->c, codes::content) << int(t->c.raw) << " " << t->body;
    EXPECT_FALSE(t->body.empty());
}

TEST_P(LibcoapSecureServer, AWrongKeyIsRefused) {
    net::node n(config{});
    ASSERT_TRUE(n.bind(0, false));
    runtime::tls::credentials creds;
    creds.m = runtime::tls::mode::psk;
    creds.psk_identity = psk_id;
    const std::string wrong = "not-the-key";
    creds.psk_key.assign(wrong.begin(), wrong.end());
    auto p = n.connect_secure(static_cast<std::uint16_t>(port_ + 1), GetParam(), creds, 5000);
    EXPECT_FALSE(p);
}

INSTANTIATE_TEST_SUITE_P(Transport, LibcoapSecureServer, ::testing::Values(false, true),
                         [](const auto& i) { return std::string(i.param ? "tls" : "dtls"); });

}  // namespace
}  // namespace sirocco::coap::interop
