// tls::session and tls::server_context in memory: every mode over DTLS and
// TLS, what each kind of wrong credential gives, resumption, timers.
#include <gtest/gtest.h>

#include "tls_test_util.hpp"

namespace {

using namespace sirocco_tls_test;
using tls::failure;
using tls::mode;
using tls::state;
using tls::transport;

struct pair_result {
    std::unique_ptr<tls::session> client;
    std::unique_ptr<tls::session> server;
};

/// A client and an accepted server session, pumped until quiet.
pair_result handshake(const tls::config& ccfg, const tls::credentials& creds,
                      tls::server_context& ctx, transport t, tls::time_ms now = 1000,
                      const std::function<bool(bool, int)>& drop = {}) {
    pair_result p;
    auto c = tls::session::client(ccfg, creds, t, now);
    EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().reason);
    if (!c) return p;
    p.client = std::move(*c);
    auto s = ctx.accept(t, "127.0.0.1:40000", now);
    EXPECT_TRUE(s.has_value());
    if (!s) return p;
    p.server = std::move(*s);
    pump(*p.client, *p.server, now, drop);
    return p;
}

std::unique_ptr<tls::server_context> psk_server(tls::config cfg = {}) {
    auto ctx = tls::server_context::create(cfg, {}, psk_policy());
    EXPECT_TRUE(ctx.has_value());
    return ctx ? std::move(*ctx) : nullptr;
}

/// A server with the test PKI: X.509 clients of `ca`, RPK clients whose key
/// is dev1's, its own certificate server.pem.
std::unique_ptr<tls::server_context> cert_server(tls::config cfg = {}, bool with_psk = true,
                                                 bool with_cert = true) {
    tls::credentials ours;
    ours.private_key_pem = pki::get().pem("server.key");
    if (with_cert) ours.certificate_pem = pki::get().pem("server.pem");
    tls::server_policy pol = with_psk ? psk_policy() : tls::server_policy{};
    pol.client_ca_pem = pki::get().pem("ca.pem");
    auto dev1 = tls::public_key_der(pki::get().pem("dev1.key"));
    EXPECT_TRUE(dev1.has_value());
    const bytes known = dev1 ? *dev1 : bytes{};
    pol.rpk_known = [known](const bytes& spki) { return spki == known; };
    auto ctx = tls::server_context::create(cfg, std::move(ours), std::move(pol));
    EXPECT_TRUE(ctx.has_value()) << (ctx ? "" : ctx.error().reason);
    return ctx ? std::move(*ctx) : nullptr;
}

tls::credentials rpk_client(const std::string& key = "dev1.key") {
    tls::credentials c;
    c.m = mode::rpk;
    c.private_key_pem = pki::get().pem(key);
    c.peer_public_key = *tls::public_key_der(pki::get().pem("server.key"));
    return c;
}

tls::credentials x509_client(std::uint8_t usage, const std::string& who = "dev1") {
    tls::credentials c;
    c.m = mode::x509;
    c.private_key_pem = pki::get().pem(who + ".key");
    c.certificate_pem = pki::get().pem(who + ".pem");
    c.certificate_usage = usage;
    if (usage == 1 || usage == 3) c.peer_certificate_pem = pki::get().pem("server.pem");
    if (usage != 3) c.ca_pem = pki::get().pem("ca.pem");
    c.server_name = "localhost";
    return c;
}

void expect_data_both_ways(pair_result& p, tls::time_ms now = 2000) {
    ASSERT_TRUE(p.client->send(to_bytes("</1/0>;ct=0 hello server"), now).has_value());
    pump(*p.client, *p.server, now);
    EXPECT_EQ(plaintext(*p.server), "</1/0>;ct=0 hello server");
    ASSERT_TRUE(p.server->send(to_bytes("2.04 hello client"), now).has_value());
    pump(*p.client, *p.server, now);
    EXPECT_EQ(plaintext(*p.client), "2.04 hello client");
}

class tls_both : public ::testing::TestWithParam<transport> {};
INSTANTIATE_TEST_SUITE_P(transports, tls_both,
                         ::testing::Values(transport::datagram, transport::stream),
                         [](const auto& i) {
                             return i.param == transport::datagram ? "dtls" : "tls";
                         });

TEST(tls_names, modes_and_failures) {
    EXPECT_EQ(tls::to_string(mode::rpk), "rpk");
    EXPECT_EQ(*tls::parse_mode("x509"), mode::x509);
    EXPECT_EQ(*tls::parse_mode("psk"), mode::psk);
    EXPECT_FALSE(tls::parse_mode("cert").has_value());
    EXPECT_EQ(tls::to_string(failure::bad_key), "bad_key");
}

TEST(tls_keys, public_key_der_of_key_cert_and_public_key) {
    auto from_key = tls::public_key_der(pki::get().pem("dev1.key"));
    auto from_cert = tls::public_key_der(pki::get().pem("dev1.pem"));
    ASSERT_TRUE(from_key.has_value());
    ASSERT_TRUE(from_cert.has_value());
    EXPECT_EQ(*from_key, *from_cert);
    EXPECT_EQ(from_key->size(), 91u);  // SPKI of a P-256 key
    auto from_der = tls::public_key_der(std::string(from_key->begin(), from_key->end()));
    ASSERT_TRUE(from_der.has_value());
    EXPECT_EQ(*from_der, *from_key);
    EXPECT_FALSE(tls::public_key_der("not a key").has_value());
    EXPECT_FALSE(tls::read_file("/nonexistent/sirocco.pem").has_value());
}

TEST(tls_keys, generated_key_is_usable) {
    auto k = tls::generate_ec_key();
    ASSERT_TRUE(k.has_value());
    EXPECT_NE(k->find("PRIVATE KEY"), std::string::npos);
    auto spki = tls::public_key_der(*k);
    ASSERT_TRUE(spki.has_value());
    EXPECT_EQ(spki->size(), 91u);
    EXPECT_NE(*spki, *tls::public_key_der(*tls::generate_ec_key()));
}

TEST(tls_config, bad_credentials_are_invalid_argument) {
    tls::credentials c = psk_client("", {1});
    auto r = tls::session::client({}, c, transport::datagram, 0);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, sirocco::errc::invalid_argument);
    tls::credentials x;
    x.m = mode::x509;
    x.private_key_pem = "garbage";
    EXPECT_FALSE(tls::session::client({}, x, transport::stream, 0).has_value());
    tls::credentials r2;
    r2.m = mode::rpk;
    r2.private_key_pem = pki::get().pem("dev1.key");
    EXPECT_FALSE(
        tls::session::client({}, r2, transport::datagram, 0).has_value());  // no server key
    EXPECT_FALSE(tls::server_context::create({}, {}, {}).has_value());      // nothing to offer
    tls::credentials bad_server;
    bad_server.private_key_pem = "garbage";
    EXPECT_FALSE(tls::server_context::create({}, bad_server, psk_policy()).has_value());
}

TEST_P(tls_both, psk_handshake_and_data) {
    auto ctx = psk_server();
    auto p = handshake({}, psk_client(), *ctx, GetParam());
    ASSERT_EQ(p.client->state(), state::established) << p.client->failure_reason();
    ASSERT_EQ(p.server->state(), state::established) << p.server->failure_reason();
    EXPECT_EQ(p.server->identity().m, mode::psk);
    EXPECT_EQ(p.server->identity().psk_identity, "dev1-id");
    EXPECT_EQ(p.client->identity().psk_identity, "dev1-id");
    EXPECT_FALSE(p.server->resumed());
    EXPECT_FALSE(p.client->cid_in_use());
    expect_data_both_ways(p);
    p.client->close(3000);
    EXPECT_EQ(p.client->state(), state::closed);
    pump(*p.client, *p.server, 3000);
    EXPECT_EQ(p.server->state(), state::closed);
    EXPECT_EQ(p.server->failure(), failure::peer_closed);
    EXPECT_EQ(p.client->send(to_bytes("x"), 3000).error().code, sirocco::errc::not_allowed);
}

TEST(tls_stream, byte_by_byte_stream) {
    auto ctx = psk_server();
    auto c = tls::session::client({}, psk_client(), transport::stream, 0).value();
    auto s = ctx->accept(transport::stream, "peer", 0).value();
    for (int round = 0; round < 20; ++round) {
        while (auto b = c->poll_transmit()) {
            const bytes copy(b->begin(), b->end());
            for (auto byte : copy)
                (void)s->on_receive(bytes{byte}, 0);
        }
        while (auto b = s->poll_transmit()) {
            const bytes copy(b->begin(), b->end());
            for (auto byte : copy)
                (void)c->on_receive(bytes{byte}, 0);
        }
    }
    ASSERT_EQ(c->state(), state::established);
    ASSERT_EQ(s->state(), state::established);
    // A large write is split into records and arrives whole.
    const std::string big(40000, 'x');
    ASSERT_TRUE(c->send(to_bytes(big), 1).has_value());
    pump(*c, *s, 1);
    EXPECT_EQ(plaintext(*s), big);
}

TEST(tls_dtls, datagram_larger_than_max_fragment_is_refused) {
    auto ctx = psk_server();
    auto p = handshake({}, psk_client(), *ctx, transport::datagram);
    ASSERT_EQ(p.client->state(), state::established);
    const tls::config defaults;
    EXPECT_TRUE(p.client->send(bytes(defaults.max_fragment, 7), 1).has_value());
    auto r = p.client->send(bytes(defaults.max_fragment + 1, 7), 1);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, sirocco::errc::capacity_exceeded);
    pump(*p.client, *p.server, 1);
    EXPECT_EQ(p.server->poll_plaintext()->size(), defaults.max_fragment);
}

TEST_P(tls_both, wrong_psk_is_bad_key) {
    auto ctx = psk_server();
    auto p = handshake({}, psk_client("dev1-id", bytes(16, 0xee)), *ctx, GetParam());
    EXPECT_EQ(p.server->state(), state::failed);
    EXPECT_EQ(p.server->failure(), failure::bad_key) << p.server->failure_reason();
    EXPECT_EQ(p.client->state(), state::failed);
    EXPECT_EQ(p.client->failure(), failure::bad_key) << p.client->failure_reason();
}

TEST_P(tls_both, unknown_psk_identity) {
    auto ctx = psk_server();
    auto p = handshake({}, psk_client("nobody"), *ctx, GetParam());
    EXPECT_EQ(p.server->state(), state::failed);
    EXPECT_EQ(p.server->failure(), failure::unknown_identity) << p.server->failure_reason();
    EXPECT_EQ(p.client->failure(), failure::unknown_identity) << p.client->failure_reason();
}

TEST_P(tls_both, rpk_handshake_and_data) {
    auto ctx = cert_server({}, true, /*with_cert=*/false);
    auto p = handshake({}, rpk_client(), *ctx, GetParam());
    ASSERT_EQ(p.client->state(), state::established) << p.client->failure_reason();
    ASSERT_EQ(p.server->state(), state::established) << p.server->failure_reason();
    EXPECT_EQ(p.server->identity().m, mode::rpk);
    EXPECT_EQ(p.server->identity().public_key, *tls::public_key_der(pki::get().pem("dev1.key")));
    EXPECT_EQ(p.client->identity().m, mode::rpk);
    EXPECT_EQ(p.client->identity().public_key, *tls::public_key_der(pki::get().pem("server.key")));
    expect_data_both_ways(p);
}

TEST_P(tls_both, rpk_client_accepts_server_certificate_with_the_same_key) {
    // A server with an X.509 certificate: an RPK client checks only the key.
    auto ctx = cert_server();
    auto p = handshake({}, rpk_client(), *ctx, GetParam());
    ASSERT_EQ(p.client->state(), state::established) << p.client->failure_reason();
    ASSERT_EQ(p.server->state(), state::established) << p.server->failure_reason();
    EXPECT_EQ(p.server->identity().m, mode::rpk);
}

TEST_P(tls_both, rpk_unknown_client_key) {
    auto ctx = cert_server({}, true, false);
    auto p = handshake({}, rpk_client("dev2.key"), *ctx, GetParam());
    EXPECT_EQ(p.server->state(), state::failed);
    EXPECT_EQ(p.server->failure(), failure::unknown_identity) << p.server->failure_reason();
    EXPECT_EQ(p.client->state(), state::failed);
    EXPECT_EQ(p.client->failure(), failure::bad_certificate) << p.client->failure_reason();
}

TEST_P(tls_both, rpk_wrong_server_key) {
    auto ctx = cert_server({}, true, false);
    tls::credentials c = rpk_client();
    c.peer_public_key = *tls::public_key_der(pki::get().pem("dev2.key"));
    auto p = handshake({}, c, *ctx, GetParam());
    EXPECT_EQ(p.client->state(), state::failed);
    EXPECT_EQ(p.client->failure(), failure::bad_certificate) << p.client->failure_reason();
    EXPECT_EQ(p.server->state(), state::failed);
}

TEST_P(tls_both, x509_usages_0_to_3) {
    for (std::uint8_t usage = 0; usage <= 3; ++usage) {
        SCOPED_TRACE(int(usage));
        auto ctx = cert_server();
        auto p = handshake({}, x509_client(usage), *ctx, GetParam());
        ASSERT_EQ(p.client->state(), state::established) << p.client->failure_reason();
        ASSERT_EQ(p.server->state(), state::established) << p.server->failure_reason();
        EXPECT_EQ(p.server->identity().m, mode::x509);
        EXPECT_EQ(p.server->identity().subject_cn, "dev1");
        EXPECT_EQ(p.server->identity().public_key,
                  *tls::public_key_der(pki::get().pem("dev1.pem")));
        EXPECT_EQ(p.client->identity().m, mode::x509);
        EXPECT_EQ(p.client->identity().subject_cn, "localhost");
        expect_data_both_ways(p);
    }
}

TEST_P(tls_both, x509_usage_1_without_trust_anchors_pins_the_certificate) {
    auto ctx = cert_server();
    tls::credentials c = x509_client(1);
    c.ca_pem.clear();  // /0/x/4 holds the server's certificate only
    auto p = handshake({}, c, *ctx, GetParam());
    ASSERT_EQ(p.client->state(), state::established) << p.client->failure_reason();
    c.peer_certificate_pem = pki::get().pem("dev2.pem");
    auto q = handshake({}, c, *ctx, GetParam());
    EXPECT_EQ(q.client->failure(), failure::bad_certificate) << q.client->failure_reason();
    c.peer_certificate_pem.clear();
    EXPECT_FALSE(tls::session::client({}, c, GetParam(), 0).has_value());
}

TEST_P(tls_both, x509_client_from_another_ca) {
    auto ctx = cert_server();
    auto p = handshake({}, x509_client(2, "rogue-dev1"), *ctx, GetParam());
    EXPECT_EQ(p.server->state(), state::failed);
    EXPECT_EQ(p.server->failure(), failure::bad_certificate) << p.server->failure_reason();
    EXPECT_EQ(p.client->state(), state::failed);
    EXPECT_EQ(p.client->failure(), failure::bad_certificate) << p.client->failure_reason();
}

TEST_P(tls_both, x509_server_from_another_ca) {
    auto ctx = cert_server();
    tls::credentials c = x509_client(2);
    c.ca_pem = pki::get().pem("other-ca.pem");
    auto p = handshake({}, c, *ctx, GetParam());
    EXPECT_EQ(p.client->state(), state::failed);
    EXPECT_EQ(p.client->failure(), failure::bad_certificate) << p.client->failure_reason();
}

TEST_P(tls_both, x509_server_name_mismatch) {
    auto ctx = cert_server();
    tls::credentials c = x509_client(2);
    c.server_name = "lwm2m.example.org";
    auto p = handshake({}, c, *ctx, GetParam());
    EXPECT_EQ(p.client->state(), state::failed);
    EXPECT_EQ(p.client->failure(), failure::bad_certificate) << p.client->failure_reason();
    // Usage 3 pins the certificate itself: no name check (RFC 7671 5.1).
    tls::credentials pinned = x509_client(3);
    pinned.server_name = "lwm2m.example.org";
    auto q = handshake({}, pinned, *ctx, GetParam());
    EXPECT_EQ(q.client->state(), state::established) << q.client->failure_reason();
}

TEST_P(tls_both, x509_usage_3_other_certificate) {
    auto ctx = cert_server();
    tls::credentials c = x509_client(3);
    c.peer_certificate_pem = pki::get().pem("dev2.pem");  // not the server's
    auto p = handshake({}, c, *ctx, GetParam());
    EXPECT_EQ(p.client->state(), state::failed);
    EXPECT_EQ(p.client->failure(), failure::bad_certificate) << p.client->failure_reason();
    tls::credentials u1 = x509_client(1);
    u1.peer_certificate_pem = pki::get().pem("dev2.pem");  // chains, but not the one
    auto q = handshake({}, u1, *ctx, GetParam());
    EXPECT_EQ(q.client->failure(), failure::bad_certificate) << q.client->failure_reason();
}

TEST_P(tls_both, x509_refused_without_client_ca) {
    tls::credentials ours;
    ours.private_key_pem = pki::get().pem("server.key");
    ours.certificate_pem = pki::get().pem("server.pem");
    auto ctx = tls::server_context::create({}, ours, psk_policy()).value();
    auto p = handshake({}, x509_client(2), *ctx, GetParam());
    EXPECT_EQ(p.server->state(), state::failed);
    EXPECT_EQ(p.server->failure(), failure::bad_certificate) << p.server->failure_reason();
    // PSK still works on the same context.
    auto q = handshake({}, psk_client(), *ctx, GetParam());
    EXPECT_EQ(q.server->state(), state::established);
}

TEST_P(tls_both, resumption_is_abbreviated_and_keeps_the_identity) {
    for (const bool cert : {false, true}) {
        SCOPED_TRACE(cert ? "x509" : "psk");
        auto ctx = cert_server();
        const tls::credentials creds = cert ? x509_client(2) : psk_client();
        auto first = handshake({}, creds, *ctx, GetParam());
        ASSERT_EQ(first.client->state(), state::established);
        EXPECT_FALSE(first.client->resumed());
        const bytes saved = first.client->saved();
        ASSERT_FALSE(saved.empty());
        tls::config again;
        again.resume = saved;
        int flights = 0;
        auto second = handshake(again, creds, *ctx, GetParam(), 5000, [&](bool, int) {
            ++flights;
            return false;
        });
        ASSERT_EQ(second.client->state(), state::established) << second.client->failure_reason();
        ASSERT_EQ(second.server->state(), state::established);
        EXPECT_TRUE(second.client->resumed());
        EXPECT_TRUE(second.server->resumed());
        EXPECT_EQ(second.server->identity().m, first.server->identity().m);
        EXPECT_EQ(second.server->identity().psk_identity, first.server->identity().psk_identity);
        EXPECT_EQ(second.server->identity().subject_cn, first.server->identity().subject_cn);
        expect_data_both_ways(second, 6000);
        // Once the cache is cleared (the security store changed), full again.
        ctx->clear_session_cache();
        auto after_clear = handshake(again, creds, *ctx, GetParam(), 7000);
        ASSERT_EQ(after_clear.client->state(), state::established);
        EXPECT_FALSE(after_clear.client->resumed());
        EXPECT_FALSE(after_clear.server->resumed());
        // A session the server does not know gives a full handshake.
        auto other_ctx = cert_server();
        auto third = handshake(again, creds, *other_ctx, GetParam());
        ASSERT_EQ(third.client->state(), state::established);
        EXPECT_FALSE(third.client->resumed());
        EXPECT_FALSE(third.server->resumed());
    }
}

TEST(tls_dtls, cid_negotiated_when_both_ask) {
    tls::config cfg;
    cfg.cid_length = 8;
    auto ctx = psk_server(cfg);
    auto p = handshake(cfg, psk_client(), *ctx, transport::datagram);
    ASSERT_EQ(p.client->state(), state::established);
    EXPECT_TRUE(p.client->cid_in_use());
    EXPECT_TRUE(p.server->cid_in_use());
    EXPECT_EQ(p.server->local_cid().size(), 8u);
    expect_data_both_ways(p);
    // A client that does not ask gets none.
    auto q = handshake({}, psk_client(), *ctx, transport::datagram);
    ASSERT_EQ(q.client->state(), state::established);
    EXPECT_FALSE(q.client->cid_in_use());
    EXPECT_FALSE(q.server->cid_in_use());
}

TEST(tls_dtls, lost_flight_is_retransmitted) {
    auto ctx = psk_server();
    auto c = tls::session::client({}, psk_client(), transport::datagram, 0).value();
    auto s = ctx->accept(transport::datagram, "127.0.0.1:1", 0).value();
    // The server's first flight after the cookie exchange is lost.
    int s2c = 0;
    pump(*c, *s, 0, [&](bool from_client, int) { return !from_client && ++s2c == 2; });
    EXPECT_EQ(c->state(), state::handshaking);
    const auto d = c->next_deadline();
    ASSERT_TRUE(d.has_value());
    EXPECT_LE(*d, tls::config{}.retransmit_min_ms);
    c->on_timer(*d - 1);
    EXPECT_FALSE(c->poll_transmit().has_value());  // not yet
    c->on_timer(*d);
    pump(*c, *s, *d);
    EXPECT_EQ(c->state(), state::established) << c->failure_reason();
    EXPECT_EQ(s->state(), state::established);
}

TEST(tls_dtls, lost_last_flight_of_the_server_is_sent_again) {
    // Full handshake: the server's CCS+Finished is lost; the server is
    // already established, the client retransmits its last flight and the
    // server answers it with its own again (RFC 6347 4.2.4).
    auto ctx = psk_server();
    auto c = tls::session::client({}, psk_client(), transport::datagram, 0).value();
    auto s = ctx->accept(transport::datagram, "127.0.0.1:1", 0).value();
    int s2c = 0;
    // Server datagrams: 1 HelloVerifyRequest, 2 ServerHello..Done, 3 CCS+Finished.
    pump(*c, *s, 0, [&](bool from_client, int) { return !from_client && ++s2c == 3; });
    ASSERT_EQ(s->state(), state::established) << s->failure_reason();
    ASSERT_EQ(c->state(), state::handshaking);
    const auto d = c->next_deadline();
    ASSERT_TRUE(d.has_value());
    c->on_timer(*d);
    pump(*c, *s, *d);
    EXPECT_EQ(c->state(), state::established) << c->failure_reason();
    EXPECT_EQ(s->state(), state::established);
    pair_result p{std::move(c), std::move(s)};
    expect_data_both_ways(p);
}

TEST(tls_dtls, handshake_timeout) {
    tls::config cfg;
    cfg.handshake_timeout_ms = 5000;
    auto c = tls::session::client(cfg, psk_client(), transport::datagram, 100).value();
    tls::time_ms now = 100;
    int sent = 0;
    while (c->state() == state::handshaking && now < 100000) {
        while (c->poll_transmit())
            ++sent;  // nobody answers
        const auto d = c->next_deadline();
        ASSERT_TRUE(d.has_value());
        now = *d;
        c->on_timer(now);
    }
    EXPECT_EQ(c->state(), state::failed);
    EXPECT_EQ(c->failure(), failure::timeout);
    EXPECT_EQ(now, 5100u);
    EXPECT_GE(sent, 3);  // the ClientHello and its retransmissions (1 s, 2 s)
    EXPECT_FALSE(c->next_deadline().has_value());
}

TEST(tls_stream, handshake_timeout) {
    tls::config cfg;
    cfg.handshake_timeout_ms = 3000;
    auto ctx = psk_server(cfg);
    auto s = ctx->accept(transport::stream, "x", 0).value();
    EXPECT_EQ(s->next_deadline(), 3000u);
    s->on_timer(3000);
    EXPECT_EQ(s->state(), state::failed);
    EXPECT_EQ(s->failure(), failure::timeout);
}

TEST(tls_stream, garbage_fails_the_session) {
    auto ctx = psk_server();
    auto s = ctx->accept(transport::stream, "x", 0).value();
    auto r = s->on_receive(to_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    EXPECT_FALSE(r.has_value());
    EXPECT_EQ(s->state(), state::failed);
    EXPECT_EQ(s->failure(), failure::protocol);
    EXPECT_FALSE(s->on_receive(to_bytes("more"), 0).has_value());
}

}  // namespace
