// The Security object's accounts (/0/x/2 mode, /3 /4 /5 keys, /14 SNI, /15
// certificate usage) as the runtime reads them to open a transport.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "sirocco/client/objects/security.hpp"

namespace sirocco::client {
namespace {

bytes_view bv(const std::vector<std::uint8_t>& v) {
    return bytes_view(v.data(), v.size());
}
std::string str(bytes_view b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

TEST(SecurityAccount, PskAccountReadsBackAsViews) {
    security sec;
    const std::uint8_t key[] = {0x01, 0x02, 0x03, 0x04};
    ASSERT_TRUE(sec.add_server(0, "coaps://127.0.0.1:5684", 7, security_mode::psk, "dev-1", key));
    auto a = sec.account_of(7);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->iid, 0);
    EXPECT_EQ(a->uri, "coaps://127.0.0.1:5684");
    EXPECT_FALSE(a->bootstrap);
    EXPECT_EQ(a->mode, security_mode::psk);
    EXPECT_EQ(str(a->identity), "dev-1");
    ASSERT_EQ(a->secret_key.size(), 4u);
    EXPECT_EQ(a->secret_key[3], 0x04);
    EXPECT_TRUE(a->server_public_key.empty());
    EXPECT_EQ(a->short_server_id, std::optional<ssid>(7));
    EXPECT_EQ(a->certificate_usage, 3);  // absent: 3 (E.1)
    EXPECT_TRUE(a->sni.empty());
    // The views point into the object's storage.
    auto raw = sec.get_value(0, security_res::identity);
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->opaque().data(), a->identity.data());
}

TEST(SecurityAccount, NoSecAndBootstrap) {
    security sec;
    ASSERT_TRUE(sec.add_bootstrap(0, "coap://bs:5683"));
    ASSERT_TRUE(sec.add_server(1, "coap://s:5683", 3));
    auto b = sec.account(0);
    ASSERT_TRUE(b);
    EXPECT_TRUE(b->bootstrap);
    EXPECT_FALSE(b->short_server_id);
    auto s = sec.account_of(3);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->mode, security_mode::no_sec);
    EXPECT_EQ(s->iid, 1);
    // The bootstrap account is never a server's.
    EXPECT_EQ(sec.account_of(0).error().code, errc::not_found);
    EXPECT_EQ(sec.account(9).error().code, errc::not_found);
}

TEST(SecurityAccount, SetKeysCertificateModeNeedsPkiStorage) {
    std::vector<std::uint8_t> cert(600, 0x30), ca(550, 0x31), key(138, 0x32);
    security small;
    ASSERT_TRUE(small.add_server(0, "coaps://h:5684", 1));
    security_keys k;
    k.mode = security_mode::certificate;
    k.identity = bv(cert);
    k.server_public_key = bv(ca);
    k.secret_key = bv(key);
    k.certificate_usage = 2;
    k.sni = "lwm2m.example";
    EXPECT_EQ(small.set_keys(0, k).error().code, errc::out_of_range);

    security_pki pki;
    ASSERT_TRUE(pki.add_server(0, "coaps://h:5684", 1));
    ASSERT_TRUE(pki.set_keys(0, k));
    auto a = pki.account_of(1);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->mode, security_mode::certificate);
    EXPECT_EQ(a->identity.size(), 600u);
    EXPECT_EQ(a->server_public_key.size(), 550u);
    EXPECT_EQ(a->secret_key.size(), 138u);
    EXPECT_EQ(a->certificate_usage, 2);
    EXPECT_EQ(a->sni, "lwm2m.example");

    // Back to PSK: usage and SNI become absent again.
    const std::uint8_t psk[] = {9, 9};
    security_keys p;
    p.mode = security_mode::psk;
    p.identity = as_bytes(std::string_view("id"));
    p.secret_key = psk;
    ASSERT_TRUE(pki.set_keys(0, p));
    a = pki.account(0);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->mode, security_mode::psk);
    EXPECT_EQ(a->certificate_usage, 3);
    EXPECT_TRUE(a->sni.empty());
    EXPECT_TRUE(a->server_public_key.empty());
    EXPECT_FALSE(pki.has_resource(0, security_res::certificate_usage));
}

TEST(SecurityAccount, SetKeysRefusals) {
    security sec;
    ASSERT_TRUE(sec.add_server(0, "coaps://h", 1));
    security_keys k;
    k.mode = security_mode::psk;
    EXPECT_EQ(sec.set_keys(5, k).error().code, errc::not_found);
    k.certificate_usage = 4;
    EXPECT_EQ(sec.set_keys(0, k).error().code, errc::invalid_argument);
    k.certificate_usage.reset();
    k.mode = security_mode::est;
    EXPECT_EQ(sec.set_keys(0, k).error().code, errc::invalid_argument);
}

TEST(SecurityAccount, ValuesWrittenOutOfRangeMakeTheAccountUnusable) {
    security sec;
    ASSERT_TRUE(sec.add_server(0, "coaps://h", 1));
    // A bootstrap write could put any integer there (set_value as it would).
    ASSERT_TRUE(sec.set_value(0, security_res::mode, lwm2m::value::of_integer(9)));
    EXPECT_EQ(sec.account(0).error().code, errc::malformed);
    ASSERT_TRUE(sec.set_value(0, security_res::mode, lwm2m::value::of_integer(0)));
    ASSERT_TRUE(sec.set_value(0, security_res::certificate_usage, lwm2m::value::of_unsigned(7)));
    EXPECT_EQ(sec.account(0).error().code, errc::malformed);
}

TEST(SecurityAccount, StorageOfTheTwoVariants) {
    // The PSK variant stays small (the fleet keeps one per device); the PKI
    // one holds certificates.
    EXPECT_LT(security::bytes_per_instance, 320u);
    EXPECT_GT(security_pki::bytes_per_instance, 2u * SIROCCO_CLIENT_CERT_SIZE);
    EXPECT_EQ(security::max_instances, SIROCCO_CLIENT_MAX_SERVERS + 1u);
    EXPECT_EQ(security_pki_def.id, 0);
    for (const auto& r : security_pki_def.resources)
        EXPECT_EQ(r.ops, operations::none);
}

}  // namespace
}  // namespace sirocco::client
