// The /api/security routes of the REST API over a fake device_manager and a
// security_admin backed by the memory security store; the Leshan JSON shapes
// of security entries and of the server's own key / certificate.
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "../rest/http_client.hpp"
#include "sirocco/lwm2m/builtin_models.hpp"
#include "sirocco/runtime/leshan_json.hpp"
#include "sirocco/runtime/rest_api.hpp"

namespace {

using namespace sirocco;
using namespace sirocco::runtime;
using json = nlohmann::json;
using sirocco::test::http_client;
using sirocco::test::io_threads;
namespace bhttp = boost::beast::http;

const char* const spki_hex =
    "3059301306072a8648ce3d020106082a8648ce3d03010703420004c8338b087af01a1700f9b6df639badb013963525"
    "0fff473e4a162fd683cbd57443222131cdcdb04b8962093d93c606ab4c6ef4b528fb4040842d1ebfc46513d6";

std::vector<std::uint8_t> unhex(std::string_view s) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < s.size(); i += 2)
        out.push_back(
            static_cast<std::uint8_t>(std::stoi(std::string(s.substr(i, 2)), nullptr, 16)));
    return out;
}

class no_devices final : public device_manager {
  public:
    std::vector<server::registration> registrations() const override { return {}; }
    std::optional<server::registration> find(std::string_view) const override { return {}; }
    std::vector<server::observation> observations(std::string_view) const override { return {}; }
    bool sleeping(std::string_view) const override { return false; }
    const lwm2m::model_provider& models() const override { return lwm2m::builtin_provider(); }
    void submit(std::string, server::dm_request, std::chrono::milliseconds,
                completion done) override {
        server::response r;
        r.fail = server::failure::not_registered;
        done(std::move(r));
    }
    std::uint64_t subscribe(listener) override { return 1; }
    void unsubscribe(std::uint64_t) override {}
};

class fake_admin final : public rest::security_admin {
  public:
    result<server::put_outcome> put_security(const server::security_entry& e) override {
        std::lock_guard lock(m_);
        if (fail_io) return unexpected(errc::io_error, "SQLite: cannot write the security entry");
        auto r = store_.put(e);
        if (r) puts.push_back(e.endpoint);
        return r;
    }
    std::vector<server::security_entry> security_entries() const override {
        std::lock_guard lock(m_);
        return store_.list();
    }
    result<server::security_entry> remove_security(std::string_view ep) override {
        std::lock_guard lock(m_);
        auto r = store_.remove(ep);
        if (r) removed.emplace_back(ep);
        return r;
    }
    server_credentials server_security() const override { return creds; }

    server_credentials creds;
    bool fail_io = false;
    std::vector<std::string> puts, removed;

  private:
    mutable std::mutex m_;
    server::memory_security_store store_;
};

class RestSecurity : public ::testing::Test {
  protected:
    void SetUp() override {
        rest::options o;
        o.security = &admin_;
        rest::install(
            srv_, dm_, metrics_,
            [this](rest::severity s, std::string line) {
                std::lock_guard lock(log_m_);
                logs_.emplace_back(s, std::move(line));
            },
            o);
        ASSERT_FALSE(srv_.start());
        client_ = std::make_unique<http_client>(srv_.port());
    }
    void TearDown() override {
        srv_.stop();
        for (int i = 0; i < 300 && srv_.session_count() > 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        t_.join();
    }
    test::http_result put(const std::string& body, std::string ct = "application/json") {
        return client_->request(bhttp::verb::put, "/api/security/clients", body, std::move(ct));
    }
    test::http_result get(const std::string& t = "/api/security/clients") {
        return client_->get(t);
    }
    test::http_result del(const std::string& ep) {
        return client_->request(bhttp::verb::delete_, "/api/security/clients/" + ep);
    }
    static std::string message(const test::http_result& r) {
        return json::parse(r.body).value("message", std::string("<none>"));
    }

    io_threads t_{2};
    no_devices dm_;
    fake_admin admin_;
    metrics metrics_;
    http::server srv_{t_.io};
    std::unique_ptr<http_client> client_;
    std::mutex log_m_;
    std::vector<std::pair<rest::severity, std::string>> logs_;
};

}  // namespace

TEST_F(RestSecurity, PutListDeleteEachMode) {
    auto r = put(
        R"({"endpoint":"dev-psk","tls":{"mode":"psk","details":{"identity":"id-1","key":"0A0b0c"}}})");
    EXPECT_EQ(r.status, 201u) << r.body;
    EXPECT_EQ(
        json::parse(r.body),
        json::parse(
            R"({"endpoint":"dev-psk","tls":{"mode":"psk","details":{"identity":"id-1","key":"0a0b0c"}}})"));
    r = put(std::string(R"({"endpoint":"dev-rpk","tls":{"mode":"rpk","details":{"key":")") +
            spki_hex + "\"}}}");
    EXPECT_EQ(r.status, 201u) << r.body;
    r = put(R"({"endpoint":"dev-x509","tls":{"mode":"x509","details":{}}})");
    EXPECT_EQ(r.status, 201u) << r.body;
    r = put(R"({"endpoint":"dev-x509b","tls":{"mode":"x509"}})");
    EXPECT_EQ(r.status, 201u) << r.body;

    r = get();
    ASSERT_EQ(r.status, 200u);
    auto list = json::parse(r.body);
    ASSERT_EQ(list.size(), 4u);
    EXPECT_EQ(list[0]["endpoint"], "dev-psk");
    EXPECT_EQ(
        list[1],
        json::parse(std::string(R"({"endpoint":"dev-rpk","tls":{"mode":"rpk","details":{"key":")") +
                    spki_hex + "\"}}}"));
    EXPECT_EQ(list[2], json::parse(R"({"endpoint":"dev-x509","tls":{"mode":"x509"}})"));

    // Replace: 200, and the new key is listed.
    r = put(
        R"({"endpoint":"dev-psk","tls":{"mode":"psk","details":{"identity":"id-1","key":"ff"}}})");
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(json::parse(get().body)[0]["tls"]["details"]["key"], "ff");

    r = del("dev-psk");
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(json::parse(r.body)["endpoint"], "dev-psk");
    r = del("dev-psk");
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(message(r), "no security entry for endpoint 'dev-psk'");
    EXPECT_EQ(json::parse(get().body).size(), 3u);
    EXPECT_EQ(admin_.removed, std::vector<std::string>{"dev-psk"});
    // An endpoint with characters that need encoding in the path.
    r = put(R"({"endpoint":"urn:dev/1 a","tls":{"mode":"x509"}})");
    EXPECT_EQ(r.status, 201u);
    EXPECT_EQ(del("urn:dev%2F1%20a").status, 200u);
}

TEST_F(RestSecurity, BadBodiesNameTheField) {
    struct bad_case {
        const char* body;
        const char* message_prefix;
    };
    const bad_case cases[] = {
        {"not json", "body is not valid JSON"},
        {"[]", "body: must be a JSON object"},
        {R"({"tls":{"mode":"x509"}})", "endpoint: missing"},
        {R"({"endpoint":5,"tls":{"mode":"x509"}})", "endpoint: must be a string"},
        {R"({"endpoint":"","tls":{"mode":"x509"}})", "endpoint: missing or empty"},
        {R"({"endpoint":"e"})", "tls: missing"},
        {R"({"endpoint":"e","oscore":{"rid":"01"}})", "oscore: not supported"},
        {R"({"endpoint":"e","tls":"psk"})", "tls: must be an object"},
        {R"({"endpoint":"e","tls":{}})", "tls.mode: missing"},
        {R"({"endpoint":"e","tls":{"mode":"PSK"}})", "tls.mode: 'PSK' is not psk, rpk or x509"},
        {R"({"endpoint":"e","tls":{"mode":"psk"}})", "tls.details: missing"},
        {R"({"endpoint":"e","tls":{"mode":"psk","details":[]}})", "tls.details: must be an object"},
        {R"({"endpoint":"e","tls":{"mode":"psk","details":{"key":"01"}}})",
         "tls.details.identity: missing"},
        {R"({"endpoint":"e","tls":{"mode":"psk","details":{"identity":1,"key":"01"}}})",
         "tls.details.identity: must be a string"},
        {R"({"endpoint":"e","tls":{"mode":"psk","details":{"identity":"i"}}})",
         "tls.details.key: missing"},
        {R"({"endpoint":"e","tls":{"mode":"psk","details":{"identity":"i","key":"0g"}}})",
         "tls.details.key: not a hex string"},
        {R"({"endpoint":"e","tls":{"mode":"psk","details":{"identity":"i","key":"012"}}})",
         "tls.details.key: not a hex string"},
        {R"({"endpoint":"e","tls":{"mode":"psk","details":{"identity":"i","key":""}}})",
         "tls.details.key: missing or empty"},
        {R"({"endpoint":"e","tls":{"mode":"psk","details":{"identity":"","key":"01"}}})",
         "tls.details.identity: missing or empty"},
        {R"({"endpoint":"e","tls":{"mode":"rpk","details":{"key":"0102"}}})",
         "tls.details.key: not a SubjectPublicKeyInfo"},
        {R"({"endpoint":"e","tls":{"mode":"rpk","details":{"key":12}}})",
         "tls.details.key: must be a hex string"},
        {R"({"endpoint":"e","tls":{"mode":"x509","details":"x"}})",
         "tls.details: must be an object"},
    };
    for (const auto& c : cases) {
        auto r = put(c.body);
        EXPECT_EQ(r.status, 400u) << c.body;
        EXPECT_EQ(message(r).rfind(c.message_prefix, 0), 0u) << c.body << " -> " << r.body;
    }
    auto r = put(R"({"endpoint":"e","tls":{"mode":"x509"}})", "text/plain");
    EXPECT_EQ(r.status, 400u);
    EXPECT_TRUE(admin_.puts.empty());
    EXPECT_EQ(json::parse(get().body), json::array());
}

TEST_F(RestSecurity, TakenIdentityIs409AndStoreFailureIs500) {
    ASSERT_EQ(put(R"({"endpoint":"a","tls":{"mode":"psk","details":{"identity":"id","key":"01"}}})")
                  .status,
              201u);
    auto r = put(R"({"endpoint":"b","tls":{"mode":"psk","details":{"identity":"id","key":"02"}}})");
    EXPECT_EQ(r.status, 409u);
    EXPECT_EQ(message(r), "tls.details.identity: already used by another endpoint");
    r = put(std::string(R"({"endpoint":"c","tls":{"mode":"rpk","details":{"key":")") + spki_hex +
            "\"}}}");
    EXPECT_EQ(r.status, 201u);
    r = put(std::string(R"({"endpoint":"d","tls":{"mode":"rpk","details":{"key":")") + spki_hex +
            "\"}}}");
    EXPECT_EQ(r.status, 409u);
    EXPECT_EQ(message(r), "tls.details.key: already used by another endpoint");
    admin_.fail_io = true;
    r = put(R"({"endpoint":"e","tls":{"mode":"x509"}})");
    EXPECT_EQ(r.status, 500u);
    EXPECT_EQ(json::parse(get().body).size(), 2u);
}

TEST_F(RestSecurity, ServerCredentials) {
    auto r = get("/api/security/server");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(json::parse(r.body), json::object());
    admin_.creds.public_key = unhex(spki_hex);
    r = get("/api/security/server");
    auto j = json::parse(r.body);
    ASSERT_TRUE(j.contains("pubkey")) << r.body;
    EXPECT_EQ(j["pubkey"]["x"], "c8338b087af01a1700f9b6df639badb0139635250fff473e4a162fd683cbd574");
    EXPECT_EQ(j["pubkey"]["y"], "43222131cdcdb04b8962093d93c606ab4c6ef4b528fb4040842d1ebfc46513d6");
    EXPECT_EQ(j["pubkey"]["params"],
              "secp256r1 [NIST P-256, X9.62 prime256v1] (1.2.840.10045.3.1.7)");
    EXPECT_EQ(j["pubkey"]["b64Der"],
              "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEyDOLCHrwGhcA+bbfY5utsBOWNSUP/"
              "0c+ShYv1oPL1XRDIiExzc2wS4liCT2TxgarTG70tSj7QECELR6/xGUT1g==");
    admin_.creds.certificate = {0x30, 0x03, 0x02, 0x01, 0x05};
    j = json::parse(get("/api/security/server").body);
    ASSERT_TRUE(j.contains("certificate"));
    EXPECT_FALSE(j.contains("pubkey"));
    EXPECT_EQ(j["certificate"]["b64Der"], "MAMCAQU=");
    EXPECT_EQ(j["certificate"]["pubkey"]["x"], j["certificate"]["pubkey"]["x"]);
}

TEST(RestSecurityRoutes, AbsentWithoutAnAdmin) {
    io_threads t(1);
    no_devices dm;
    metrics m;
    http::server srv(t.io);
    rest::install(srv, dm, m, {});
    ASSERT_FALSE(srv.start());
    http_client c(srv.port());
    EXPECT_EQ(c.get("/api/security/clients").status, 404u);
    srv.stop();
    for (int i = 0; i < 300 && srv.session_count() > 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    t.join();
}

TEST(LeshanSecurityJson, Base64) {
    auto b = [](std::string_view s) {
        return leshan::base64(
            bytes_view(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
    };
    EXPECT_EQ(b(""), "");
    EXPECT_EQ(b("f"), "Zg==");
    EXPECT_EQ(b("fo"), "Zm8=");
    EXPECT_EQ(b("foo"), "Zm9v");
    EXPECT_EQ(b("foob"), "Zm9vYg==");
    EXPECT_EQ(b("fooba"), "Zm9vYmE=");
    EXPECT_EQ(b("foobar"), "Zm9vYmFy");
}

TEST(LeshanSecurityJson, RoundTrip) {
    server::security_entry e;
    e.endpoint = "ep";
    e.mode = server::security_mode::psk;
    e.psk_identity = "id";
    e.psk_key = {0x00, 0xff};
    auto p = leshan::parse_security(leshan::security_json(e));
    ASSERT_TRUE(p.ok()) << p.error;
    EXPECT_EQ(*p.value, e);
    e.mode = server::security_mode::rpk;
    e.psk_identity.clear();
    e.psk_key.clear();
    e.public_key = unhex(spki_hex);
    p = leshan::parse_security(leshan::security_json(e));
    ASSERT_TRUE(p.ok()) << p.error;
    EXPECT_EQ(*p.value, e);
}

TEST(LeshanSecurityJson, RegistrationTransportAndSecure) {
    server::registration r;
    r.endpoint = "ep";
    const std::pair<const char*, std::pair<const char*, bool>> cases[] = {
        {"udp://127.0.0.1:1", {"udp", false}},
        {"coaps://127.0.0.1:1", {"dtls", true}},
        {"coap+tcp://127.0.0.1:1", {"tcp", false}},
        {"coaps+tcp://127.0.0.1:1", {"tls", true}},
        {"mqtt://127.0.0.1:1883/lwm2m/ep", {"mqtt", false}},
    };
    for (const auto& [addr, want] : cases) {
        r.address = addr;
        auto j = leshan::registration_json(r, false);
        EXPECT_EQ(j["transport"], want.first) << addr;
        EXPECT_EQ(j["secure"], want.second) << addr;
    }
    r.address = "coaps://[::1]:5684";
    EXPECT_EQ(leshan::registration_json(r, false)["address"], "[::1]:5684");
}
