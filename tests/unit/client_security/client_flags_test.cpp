// sirocco-client's security flags (apps/sirocco-client/options.cpp): each
// mode fills the device's Security settings from files (PEM or DER), and a
// bad combination, value or file names the flag.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "options.hpp"
#include "sirocco/runtime/secure_transport.hpp"
#include "sirocco/runtime/tls.hpp"

namespace sirocco::app {
namespace {

namespace fs = std::filesystem;

struct pki_dir {
    fs::path dir;
    pki_dir() {
        char tmpl[] = "/tmp/sirocco-client-flags-XXXXXX";
        dir = ::mkdtemp(tmpl);
        std::string cmd = std::string(SIROCCO_SOURCE_DIR) + "/scripts/make-test-pki " +
                          dir.string() + " dev >/dev/null 2>&1";
        EXPECT_EQ(std::system(cmd.c_str()), 0);
    }
    ~pki_dir() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string operator/(const char* f) const { return (dir / f).string(); }
};

std::optional<client_options> parse(std::vector<std::string> args, std::string& error) {
    return parse_options(args, "ep", error);
}

std::string fails(std::vector<std::string> args) {
    std::string error;
    auto o = parse(std::move(args), error);
    EXPECT_FALSE(o) << "accepted";
    return error;
}

TEST(ClientFlags, PskFillsTheSecuritySettings) {
    std::string error;
    auto o = parse({"--server", "coaps://127.0.0.1:5684", "--psk-identity", "dev-1", "--psk-key",
                    "0a0B0c", "--dtls-cid", "0"},
                   error);
    ASSERT_TRUE(o) << error;
    EXPECT_EQ(o->device.security_mode, client::security_mode::psk);
    EXPECT_EQ(std::string(o->device.identity.begin(), o->device.identity.end()), "dev-1");
    EXPECT_EQ(o->device.secret_key, (std::vector<std::uint8_t>{0x0a, 0x0b, 0x0c}));
    EXPECT_EQ(o->dtls_cid, 0);
    auto t = parse({"--server", "coaps+tcp://h", "--psk-identity=i", "--psk-key=00"}, error);
    ASSERT_TRUE(t) << error;
    EXPECT_EQ(t->dtls_cid, 8);
}

TEST(ClientFlags, RpkAndX509ReadTheirFiles) {
    pki_dir pki;
    std::string error;
    auto r = parse(
        {"--server", "coaps://h", "--rpk", pki / "dev.key", "--server-key", pki / "server.pem"},
        error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(r->device.security_mode, client::security_mode::rpk);
    auto spki = runtime::tls::public_key_der(*runtime::tls::read_file(pki / "dev.key"));
    EXPECT_EQ(r->device.identity, *spki);
    auto server_spki = runtime::tls::public_key_der(*runtime::tls::read_file(pki / "server.key"));
    EXPECT_EQ(r->device.server_public_key, *server_spki);
    EXPECT_EQ(r->device.secret_key[0], 0x30);  // DER

    auto x = parse({"--server", "coaps+tcp://h", "--cert", pki / "dev.pem", "--key",
                    pki / "dev.key", "--ca", pki / "ca.pem"},
                   error);
    ASSERT_TRUE(x) << error;
    EXPECT_EQ(x->device.security_mode, client::security_mode::certificate);
    EXPECT_EQ(x->device.identity, *runtime::pem_to_der(*runtime::tls::read_file(pki / "dev.pem")));
    EXPECT_EQ(x->device.server_public_key,
              *runtime::pem_to_der(*runtime::tls::read_file(pki / "ca.pem")));
    EXPECT_EQ(x->device.certificate_usage, std::optional<std::uint8_t>(2));
    auto u = parse({"--server", "coaps://h", "--cert", pki / "dev.pem", "--key", pki / "dev.key",
                    "--ca", pki / "server.pem", "--cert-usage", "3"},
                   error);
    ASSERT_TRUE(u) << error;
    EXPECT_EQ(u->device.certificate_usage, std::optional<std::uint8_t>(3));
}

TEST(ClientFlags, ErrorsNameTheFlag) {
    pki_dir pki;
    EXPECT_NE(fails({"--server", "coaps://h"}).find("--server"), std::string::npos);
    EXPECT_NE(fails({"--server", "coap://h", "--psk-identity", "a", "--psk-key", "00"})
                  .find("only for a coaps://"),
              std::string::npos);
    EXPECT_NE(fails({"--server", "coaps://h", "--psk-identity", "a"}).find("go together"),
              std::string::npos);
    EXPECT_NE(fails({"--server", "coaps://h", "--psk-identity", "a", "--psk-key", "0g"})
                  .find("--psk-key"),
              std::string::npos);
    EXPECT_NE(fails({"--server", "coaps://h", "--psk-identity", "a", "--psk-key", "000"})
                  .find("--psk-key"),
              std::string::npos);
    EXPECT_NE(fails({"--server", "coaps://h", "--psk-identity", "a", "--psk-key", "00", "--rpk",
                     pki / "dev.key", "--server-key", pki / "server.pem"})
                  .find("choose one"),
              std::string::npos);
    EXPECT_NE(fails({"--server", "coaps://h", "--rpk", pki / "nope.key", "--server-key",
                     pki / "server.pem"})
                  .find("--rpk: cannot read"),
              std::string::npos);
    EXPECT_NE(
        fails({"--server", "coaps://h", "--rpk", pki / "dev.key", "--server-key", pki / "missing"})
            .find("--server-key"),
        std::string::npos);
    EXPECT_NE(fails({"--server", "coaps://h", "--cert", pki / "dev.pem", "--key", pki / "dev.key"})
                  .find("go together"),
              std::string::npos);
    EXPECT_NE(fails({"--server", "coaps://h", "--cert", pki / "dev.pem", "--key", pki / "ca.pem",
                     "--ca", pki / "ca.pem"})
                  .find("--key"),
              std::string::npos);
    EXPECT_NE(fails({"--server", "coaps://h", "--cert", pki / "dev.pem", "--key", pki / "dev.key",
                     "--ca", pki / "ca.pem", "--cert-usage", "4"})
                  .find("--cert-usage"),
              std::string::npos);
    EXPECT_NE(fails({"--dtls-cid", "33"}).find("--dtls-cid"), std::string::npos);
    EXPECT_NE(fails({"--server", "coaps+udp://h"}).find("--server"), std::string::npos);
}

}  // namespace
}  // namespace sirocco::app
