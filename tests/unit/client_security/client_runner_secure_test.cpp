// client_runner over coap+tcp://, coaps+tcp:// and coaps:// against the
// fake server of fake_secure_server.hpp (in-process, 127.0.0.1, free
// ports): registration, a server Read, reconnection, PSK / RPK / X.509
// credentials from the Security object, a wrong key, DTLS Connection ID
// across a socket rebind, the re-handshake without CID, resumption.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fake_secure_server.hpp"
#include "sirocco/runtime/client_runner.hpp"
#include "sirocco/runtime/secure_transport.hpp"
#include "sirocco/runtime/sim_device.hpp"

namespace sirocco {
namespace {

using runtime::client_runner;
using testing::fake_secure_server;
namespace fs = std::filesystem;

bool run_until(runtime::event_loop& loop, const std::function<bool()>& done, int ms = 8000) {
    auto t0 = runtime::now();
    while (!done()) {
        if (runtime::now() - t0 > static_cast<runtime::time_ms>(ms)) return false;
        loop.run_for(10);
    }
    return true;
}

std::vector<std::uint8_t> bytes_of(std::string_view s) {
    return {s.begin(), s.end()};
}

std::vector<std::uint8_t> der_of_file(const fs::path& p) {
    auto t = runtime::tls::read_file(p.string());
    EXPECT_TRUE(t) << p;
    auto d = runtime::pem_to_der(*t);
    EXPECT_TRUE(d) << p;
    return *d;
}

// The test PKI of scripts/make-test-pki, once for the whole file.
class pki {
  public:
    static const fs::path& dir() {
        static pki p;
        return p.dir_;
    }
    ~pki() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

  private:
    pki() {
        char tmpl[] = "/tmp/sirocco-client-pki-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        std::string cmd = std::string(SIROCCO_SOURCE_DIR) + "/scripts/make-test-pki " +
                          dir_.string() + " dev-x509 >/dev/null 2>&1";
        EXPECT_EQ(std::system(cmd.c_str()), 0);
    }
    fs::path dir_;
};

// One device with its runner, the events it saw and its transport log.
struct device {
    device(runtime::event_loop& loop, runtime::device_settings s, client_runner::options o = {})
        : dev(s) {
        EXPECT_TRUE(dev.setup_status()) << dev.setup_status().error().reason;
        o.security = &dev.security();
        o.transport_log = [this](std::string_view w) { log.emplace_back(w); };
        if (std::getenv("SIROCCO_TEST_TRACE"))
            o.trace = [this](bool out, const runtime::udp_address&, bytes_view b) {
                std::string h;
                for (std::size_t i = 0; i < b.size() && i < 24; ++i) {
                    char x[4];
                    std::snprintf(x, sizeof x, "%02x", b[i]);
                    h += x;
                }
                log.push_back(std::string(out ? "-> " : "<- ") + std::to_string(b.size()) + " " +
                              h);
            };
        runner = std::make_unique<client_runner>(
            loop, dev.engine(),
            [this](const client::client_event& ev) {
                using k = client::client_event_kind;
                if (ev.kind == k::registered) ++registered;
                if (ev.kind == k::updated) ++updated;
                if (ev.kind == k::registration_failed) ++failed;
                if (ev.kind == k::deregistered) ++deregistered;
            },
            std::move(o));
        EXPECT_TRUE(runner->start());
    }
    std::string all_log() const {
        std::string s;
        for (const auto& l : log)
            s += l + "\n";
        return s;
    }
    bool logged(std::string_view part) const {
        for (const auto& l : log)
            if (l.find(part) != std::string::npos) return true;
        return false;
    }
    runtime::sim_device dev;
    std::unique_ptr<client_runner> runner;
    std::vector<std::string> log;
    int registered = 0, updated = 0, failed = 0, deregistered = 0;
};

runtime::device_settings settings(const std::string& uri, const std::string& ep = "t-dev") {
    runtime::device_settings s;
    s.endpoint = ep;
    s.server_uri = uri;
    s.lifetime = 120;
    s.objects = {3303};
    s.sensor_period_ms = 0;
    s.retry_timer_s = 1;
    return s;
}

runtime::device_settings psk_settings(const std::string& uri, const std::string& id,
                                      std::vector<std::uint8_t> key) {
    auto s = settings(uri);
    s.security_mode = client::security_mode::psk;
    s.identity = bytes_of(id);
    s.secret_key = std::move(key);
    return s;
}

const std::vector<std::uint8_t> key1 = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                        0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};

fake_secure_server::settings psk_server(std::uint8_t cid = 8) {
    fake_secure_server::settings s;
    s.psk["dev-1"] = key1;
    s.cid_length = cid;
    return s;
}

bool has_response(const fake_secure_server& srv, std::string_view prefix) {
    for (const auto& r : srv.responses)
        if (r.rfind(prefix, 0) == 0) return true;
    return false;
}

TEST(ClientRunnerStream, TcpRegistersReadsAndReconnects) {
    runtime::event_loop loop;
    fake_secure_server srv(loop, psk_server());
    device d(loop, settings("coap+tcp://127.0.0.1:" + std::to_string(srv.tcp_port())));
    ASSERT_TRUE(run_until(loop, [&] { return d.registered == 1; })) << "no registration";
    auto st = d.runner->link_of(1);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->transport, runtime::coap_transport::tcp);
    EXPECT_TRUE(st->open);
    EXPECT_EQ(st->connections, 1u);
    EXPECT_EQ(srv.requests.front().identity, "");
    srv.get("3303/0/5700");
    ASSERT_TRUE(run_until(loop, [&] { return has_response(srv, "2.05"); }));
    // The server drops the connection: the engine registers again over a
    // new one.
    srv.drop_connections();
    ASSERT_TRUE(run_until(
        loop, [&] { return d.registered == 2; }, 15000))
        << "no re-registration";
    EXPECT_EQ(d.runner->link_of(1)->connections, 2u);
    EXPECT_TRUE(d.logged("lost"));
    // De-register: 2.02, then the connection is closed.
    (void)d.runner->with_engine(
        [](client::client& c, runtime::time_ms t) { return c.deregister(t); });
    ASSERT_TRUE(run_until(loop, [&] { return d.deregistered == 1; }));
    EXPECT_EQ(srv.deregisters, 1u);
}

TEST(ClientRunnerStream, TlsPskRegistersWithItsIdentity) {
    runtime::event_loop loop;
    fake_secure_server srv(loop, psk_server());
    device d(loop, psk_settings("coaps+tcp://127.0.0.1:" + std::to_string(srv.tls_port()), "dev-1",
                                key1));
    ASSERT_TRUE(run_until(loop, [&] { return d.registered == 1; })) << "no registration";
    EXPECT_EQ(srv.requests.front().identity, "dev-1");
    auto st = d.runner->link_of(1);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->transport, runtime::coap_transport::tls);
    EXPECT_TRUE(st->established);
    EXPECT_EQ(st->handshakes, 1u);
    srv.get("3303/0/5700");
    ASSERT_TRUE(run_until(loop, [&] { return has_response(srv, "2.05"); }));
    // A new connection resumes the TLS session.
    srv.drop_connections();
    ASSERT_TRUE(run_until(
        loop, [&] { return d.registered == 2; }, 15000));
    EXPECT_EQ(d.runner->link_of(1)->handshakes, 2u);
    EXPECT_TRUE(d.runner->link_of(1)->resumed);
}

TEST(ClientRunnerDtls, PskRegistersWithConnectionIdAndAnswersReads) {
    runtime::event_loop loop;
    fake_secure_server srv(loop, psk_server());
    device d(loop,
             psk_settings("coaps://127.0.0.1:" + std::to_string(srv.dtls_port()), "dev-1", key1));
    ASSERT_TRUE(run_until(loop, [&] { return d.registered == 1; }))
        << "no registration\n"
        << d.all_log() << srv.dtls_events.size() << " requests " << srv.requests.size()
        << " dropped " << srv.dtls().counters().dropped << " sessions "
        << srv.dtls().counters().sessions;
    EXPECT_EQ(srv.requests.front().identity, "dev-1");
    auto st = d.runner->link_of(1);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->transport, runtime::coap_transport::dtls);
    EXPECT_TRUE(st->cid);
    EXPECT_EQ(st->handshakes, 1u);
    EXPECT_TRUE(d.logged("connection id"));
    srv.get("3303/0/5700");
    ASSERT_TRUE(run_until(loop, [&] { return has_response(srv, "2.05"); }));
}

TEST(ClientRunnerDtls, WrongKeyAndUnknownIdentityAreRefused) {
    runtime::event_loop loop;
    fake_secure_server srv(loop, psk_server());
    auto bad = key1;
    bad[0] ^= 1;
    device wrong(
        loop, psk_settings("coaps://127.0.0.1:" + std::to_string(srv.dtls_port()), "dev-1", bad));
    device unknown(
        loop, psk_settings("coaps://127.0.0.1:" + std::to_string(srv.dtls_port()), "nobody", key1));
    ASSERT_TRUE(run_until(loop, [&] {
        return srv.count(runtime::tls::dtls_server::event_kind::refused) >= 2 &&
               wrong.logged("handshake failed") && unknown.logged("handshake failed");
    })) << "no refusal";
    EXPECT_EQ(wrong.registered + unknown.registered, 0);
    EXPECT_TRUE(srv.requests.empty());
}

TEST(ClientRunnerDtls, NoSecAccountOnASecureUriFails) {
    runtime::event_loop loop;
    fake_secure_server srv(loop, psk_server());
    device d(loop, settings("coaps://127.0.0.1:" + std::to_string(srv.dtls_port())));
    ASSERT_TRUE(run_until(loop, [&] { return d.logged("no usable credentials"); }));
    EXPECT_EQ(d.registered, 0);
}

TEST(ClientRunnerDtls, RpkAndX509) {
    const fs::path& dir = pki::dir();
    runtime::event_loop loop;
    fake_secure_server::settings ss = psk_server();
    auto ca = runtime::tls::read_file((dir / "ca.pem").string());
    auto skey = runtime::tls::read_file((dir / "server.key").string());
    auto scert = runtime::tls::read_file((dir / "server.pem").string());
    ASSERT_TRUE(ca && skey && scert);
    ss.client_ca_pem = *ca;
    ss.key_pem = *skey;
    ss.cert_pem = *scert;
    // The RPK device: a fresh key the server knows.
    auto rkey = runtime::tls::generate_ec_key();
    ASSERT_TRUE(rkey);
    auto rspki = runtime::tls::public_key_der(*rkey);
    ASSERT_TRUE(rspki);
    ss.rpk_keys.push_back(*rspki);
    fake_secure_server srv(loop, ss);

    auto r = settings("coaps://127.0.0.1:" + std::to_string(srv.dtls_port()), "dev-rpk");
    r.security_mode = client::security_mode::rpk;
    r.identity = *rspki;
    r.secret_key = *runtime::pem_to_der(*rkey);
    r.server_public_key = *runtime::tls::public_key_der(*skey);
    device drpk(loop, r);

    auto x = settings("coaps://localhost:" + std::to_string(srv.dtls_port()), "dev-x509");
    x.security_mode = client::security_mode::certificate;
    x.identity = der_of_file(dir / "dev-x509.pem");
    x.secret_key = der_of_file(dir / "dev-x509.key");
    x.server_public_key = der_of_file(dir / "ca.pem");
    x.certificate_usage = 2;
    device dx(loop, x);

    // X.509 over TLS too, the server's certificate pinned (usage 3).
    auto t = settings("coaps+tcp://127.0.0.1:" + std::to_string(srv.tls_port()), "dev-x509");
    t.security_mode = client::security_mode::certificate;
    t.identity = der_of_file(dir / "dev-x509.pem");
    t.secret_key = der_of_file(dir / "dev-x509.key");
    t.server_public_key = der_of_file(dir / "server.pem");
    t.certificate_usage = 3;
    device dt(loop, t);

    ASSERT_TRUE(run_until(
        loop, [&] { return drpk.registered == 1 && dx.registered == 1 && dt.registered == 1; }))
        << "rpk " << drpk.registered << " x509 " << dx.registered << " tls " << dt.registered;
    std::vector<std::string> ids;
    for (const auto& q : srv.requests)
        ids.push_back(q.identity);
    EXPECT_NE(std::find(ids.begin(), ids.end(), "rpk"), ids.end());
    EXPECT_EQ(std::count(ids.begin(), ids.end(), "dev-x509"), 2);
}

TEST(ClientRunnerDtls, CertificateFromAnotherCaIsRefused) {
    const fs::path& dir = pki::dir();
    runtime::event_loop loop;
    fake_secure_server::settings ss = psk_server();
    ss.client_ca_pem = *runtime::tls::read_file((dir / "ca.pem").string());
    ss.key_pem = *runtime::tls::read_file((dir / "server.key").string());
    ss.cert_pem = *runtime::tls::read_file((dir / "server.pem").string());
    fake_secure_server srv(loop, ss);
    auto x = settings("coaps://localhost:" + std::to_string(srv.dtls_port()), "dev-x509");
    x.security_mode = client::security_mode::certificate;
    x.identity = der_of_file(dir / "rogue-dev-x509.pem");
    x.secret_key = der_of_file(dir / "rogue-dev-x509.key");
    x.server_public_key = der_of_file(dir / "ca.pem");
    x.certificate_usage = 2;
    device d(loop, x);
    ASSERT_TRUE(run_until(loop, [&] { return d.logged("handshake failed"); }));
    EXPECT_EQ(d.registered, 0);
}

TEST(ClientRunnerDtls, RebindWithConnectionIdKeepsTheSession) {
    runtime::event_loop loop;
    fake_secure_server srv(loop, psk_server(8));
    device d(loop,
             psk_settings("coaps://127.0.0.1:" + std::to_string(srv.dtls_port()), "dev-1", key1));
    ASSERT_TRUE(run_until(loop, [&] { return d.registered == 1; }));
    srv.get("3303/0/5700", true);
    ASSERT_TRUE(run_until(loop, [&] { return has_response(srv, "2.05"); }));
    auto before = d.runner->local_address();
    ASSERT_TRUE(before);
    ASSERT_TRUE(d.runner->rebind_udp());
    auto after = d.runner->local_address();
    ASSERT_TRUE(after);
    EXPECT_NE(before->port(), after->port());
    ASSERT_TRUE(d.dev.set_local(*lwm2m::path::parse("/3303/0/5700"), "31.5", runtime::now()));
    d.runner->pump();
    ASSERT_TRUE(run_until(loop, [&] {
        for (const auto& n : srv.notifications)
            if (n.find("31.5") != std::string::npos) return true;
        return false;
    })) << "no notification after the rebind";
    EXPECT_EQ(srv.count(runtime::tls::dtls_server::event_kind::moved), 1u);
    EXPECT_EQ(srv.count(runtime::tls::dtls_server::event_kind::established), 1u);
    EXPECT_EQ(d.runner->link_of(1)->handshakes, 1u);
    EXPECT_EQ(d.registered, 1);
    EXPECT_EQ(srv.registers, 1u);
}

TEST(ClientRunnerDtls, RebindWithoutConnectionIdRehandshakesAndUpdates) {
    runtime::event_loop loop;
    fake_secure_server srv(loop, psk_server(0));
    client_runner::options o;
    o.tls.cid_length = 0;
    o.dtls_rehandshake_after = 1;
    device d(loop,
             psk_settings("coaps://127.0.0.1:" + std::to_string(srv.dtls_port()), "dev-1", key1),
             o);
    ASSERT_TRUE(run_until(loop, [&] { return d.registered == 1; }));
    EXPECT_FALSE(d.runner->link_of(1)->cid);
    srv.get("3303/0/5700", true);
    ASSERT_TRUE(run_until(loop, [&] { return has_response(srv, "2.05"); }));
    ASSERT_TRUE(d.runner->rebind_udp());
    // The server drops what comes from the new port; the Update (CON) is
    // retransmitted, and the runner does a new (resumed) handshake.
    ASSERT_TRUE(
        d.runner->with_engine([](client::client& c, runtime::time_ms t) { return c.update(t); }));
    ASSERT_TRUE(d.dev.set_local(*lwm2m::path::parse("/3303/0/5700"), "27.25", runtime::now()));
    d.runner->pump();
    ASSERT_TRUE(run_until(
        loop,
        [&] {
            bool notified = false;
            for (const auto& n : srv.notifications)
                if (n.find("27.25") != std::string::npos) notified = true;
            return notified && d.updated >= 1;
        },
        20000))
        << "no recovery: updates " << d.updated << " notifications " << srv.notifications.size()
        << "\n"
        << d.all_log();
    auto st = d.runner->link_of(1);
    EXPECT_EQ(st->rehandshakes, 1u);
    EXPECT_EQ(st->handshakes, 2u);
    EXPECT_TRUE(st->resumed);
    EXPECT_EQ(d.registered, 1);
    EXPECT_EQ(srv.registers, 1u);
    EXPECT_GE(srv.updates, 1u);
    EXPECT_TRUE(d.logged("new handshake"));
}

TEST(ClientRunnerDtls, ASessionClosedByTheServerIsResumed) {
    runtime::event_loop loop;
    fake_secure_server srv(loop, psk_server());
    device d(loop,
             psk_settings("coaps://127.0.0.1:" + std::to_string(srv.dtls_port()), "dev-1", key1));
    ASSERT_TRUE(run_until(loop, [&] { return d.registered == 1; }));
    ASSERT_TRUE(srv.last_peer);
    auto sid = srv.dtls_session_of(*srv.last_peer);
    ASSERT_TRUE(sid);
    srv.close_session(*sid);
    // close_notify reaches the client: transport_failed, retry after 1 s,
    // a resumed handshake, Register again.
    ASSERT_TRUE(run_until(
        loop, [&] { return d.registered == 2; }, 15000))
        << d.all_log();
    auto st = d.runner->link_of(1);
    EXPECT_EQ(st->handshakes, 2u);
    EXPECT_TRUE(st->resumed);
}

TEST(SecureTransport, PemAndDerRoundTrip) {
    auto key = runtime::tls::generate_ec_key();
    ASSERT_TRUE(key);
    auto der = runtime::pem_to_der(*key);
    ASSERT_TRUE(der);
    EXPECT_EQ((*der)[0], 0x30);
    // DER in, DER out.
    std::string raw(der->begin(), der->end());
    auto same = runtime::pem_to_der(raw);
    ASSERT_TRUE(same);
    EXPECT_EQ(*same, *der);
    auto pem = runtime::der_to_pem(bytes_view(der->data(), der->size()), "PRIVATE KEY");
    ASSERT_TRUE(pem);
    EXPECT_EQ(*runtime::pem_to_der(*pem), *der);
    // Two concatenated objects become two blocks.
    std::vector<std::uint8_t> two = *der;
    two.insert(two.end(), der->begin(), der->end());
    auto pem2 = runtime::der_to_pem(bytes_view(two.data(), two.size()), "CERTIFICATE");
    ASSERT_TRUE(pem2);
    EXPECT_EQ(std::count(pem2->begin(), pem2->end(), '\n') > 4, true);
    EXPECT_EQ(*runtime::pem_to_der(*pem2), two);
    EXPECT_FALSE(runtime::der_to_pem(bytes_view(two.data(), two.size() - 1), "X"));
    EXPECT_FALSE(runtime::pem_to_der("-----BEGIN X-----\n!!!!\n-----END X-----\n"));
}

TEST(SecureTransport, CredentialsFromAccounts) {
    client::security_account a;
    a.mode = client::security_mode::psk;
    EXPECT_FALSE(runtime::credentials_from(a, "h"));  // no identity
    std::string id = "me";
    a.identity = as_bytes(id);
    a.secret_key = bytes_view(key1.data(), key1.size());
    auto c = runtime::credentials_from(a, "h");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->m, runtime::tls::mode::psk);
    EXPECT_EQ(c->psk_identity, "me");
    EXPECT_EQ(c->psk_key, key1);
    a.mode = client::security_mode::no_sec;
    EXPECT_EQ(runtime::credentials_from(a, "h").error().code, errc::invalid_argument);
    a.mode = client::security_mode::rpk;
    EXPECT_FALSE(runtime::credentials_from(a, "h"));  // /4 missing
    a.server_public_key = a.secret_key;               // not a key
    EXPECT_FALSE(runtime::credentials_from(a, "h"));
}

}  // namespace
}  // namespace sirocco
