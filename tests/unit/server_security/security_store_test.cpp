// The security stores: the same behavioural tests over the memory store and
// the SQLite store (checks of the REST contract, uniqueness, lookups), then
// SQLite persistence across a reopen and beside the registration store.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "sirocco/server/security_store.hpp"
#include "sirocco/server/security_store_sqlite.hpp"
#include "sirocco/server/sqlite_registration_store.hpp"

namespace srv = sirocco::server;
namespace fs = std::filesystem;
using sirocco::errc;

namespace {

std::vector<std::uint8_t> unhex(std::string_view s) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < s.size(); i += 2)
        out.push_back(
            static_cast<std::uint8_t>(std::stoi(std::string(s.substr(i, 2)), nullptr, 16)));
    return out;
}

// Two EC P-256 SubjectPublicKeyInfo (openssl ec -pubout -outform DER).
const std::vector<std::uint8_t> key1 = unhex(
    "3059301306072a8648ce3d020106082a8648ce3d03010703420004c8338b087af01a1700f9b6df639badb013963525"
    "0fff473e4a162fd683cbd57443222131cdcdb04b8962093d93c606ab4c6ef4b528fb4040842d1ebfc46513d6");
const std::vector<std::uint8_t> key2 = unhex(
    "3059301306072a8648ce3d020106082a8648ce3d030107034200048c54f5824bd45ba73a82dd36756d247e3a03e95f"
    "9eb64c4877b8bac4150bf96792312ee8e16979889bfd75b3104fe3e72a0d411f86b0ead90e2310004cd0f808");

srv::security_entry psk(const std::string& ep, const std::string& id, std::string_view key_hex) {
    srv::security_entry e;
    e.endpoint = ep;
    e.mode = srv::security_mode::psk;
    e.psk_identity = id;
    e.psk_key = unhex(key_hex);
    return e;
}

srv::security_entry rpk(const std::string& ep, const std::vector<std::uint8_t>& key) {
    srv::security_entry e;
    e.endpoint = ep;
    e.mode = srv::security_mode::rpk;
    e.public_key = key;
    return e;
}

srv::security_entry x509(const std::string& ep) {
    srv::security_entry e;
    e.endpoint = ep;
    e.mode = srv::security_mode::x509;
    return e;
}

class temp_dir {
  public:
    temp_dir() {
        std::string tmpl = (fs::temp_directory_path() / "sirocco-secstore-XXXXXX").string();
        if (::mkdtemp(tmpl.data())) path_ = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        if (!path_.empty()) fs::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

struct memory_kind {
    std::unique_ptr<srv::security_store> make_store() {
        return std::make_unique<srv::memory_security_store>();
    }
};

struct sqlite_kind {
    temp_dir dir;
    std::unique_ptr<srv::security_store> make_store() {
        auto s = srv::sqlite_security_store::open((dir.path() / "sirocco.db").string());
        EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().reason);
        if (!s) return nullptr;
        return std::move(*s);
    }
};

template <typename Kind>
class security_store_test : public ::testing::Test {
  protected:
    void SetUp() override {
        store = kind.make_store();
        ASSERT_NE(store, nullptr);
    }
    Kind kind;
    std::unique_ptr<srv::security_store> store;
};

using kinds = ::testing::Types<memory_kind, sqlite_kind>;
TYPED_TEST_SUITE(security_store_test, kinds);

}  // namespace

TYPED_TEST(security_store_test, put_get_list_remove_each_mode) {
    auto& s = *this->store;
    auto a = s.put(psk("dev-b", "id-b", "00112233"));
    ASSERT_TRUE(a.has_value()) << a.error().reason;
    EXPECT_EQ(*a, srv::put_outcome::created);
    ASSERT_TRUE(s.put(rpk("dev-a", key1)).has_value());
    ASSERT_TRUE(s.put(x509("dev-c")).has_value());

    EXPECT_EQ(s.get("dev-b"), psk("dev-b", "id-b", "00112233"));
    EXPECT_EQ(s.get("dev-a"), rpk("dev-a", key1));
    EXPECT_EQ(s.get("dev-c"), x509("dev-c"));
    EXPECT_FALSE(s.get("dev-d").has_value());
    EXPECT_FALSE(s.get("").has_value());

    auto l = s.list();
    ASSERT_EQ(l.size(), 3u);
    EXPECT_EQ(l[0].endpoint, "dev-a");
    EXPECT_EQ(l[1].endpoint, "dev-b");
    EXPECT_EQ(l[2].endpoint, "dev-c");

    auto r = s.remove("dev-b");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, psk("dev-b", "id-b", "00112233"));
    EXPECT_EQ(s.remove("dev-b").error().code, errc::not_found);
    EXPECT_FALSE(s.find_by_psk_identity("id-b").has_value());
    EXPECT_EQ(s.list().size(), 2u);
}

TYPED_TEST(security_store_test, lookups_by_identity_and_key) {
    auto& s = *this->store;
    ASSERT_TRUE(s.put(psk("dev-1", "Client_identity", "73656372657450534b")).has_value());
    ASSERT_TRUE(s.put(rpk("dev-2", key1)).has_value());
    EXPECT_EQ(s.find_by_psk_identity("Client_identity")->endpoint, "dev-1");
    EXPECT_FALSE(s.find_by_psk_identity("client_identity").has_value());  // exact bytes
    EXPECT_FALSE(s.find_by_psk_identity("").has_value());
    EXPECT_EQ(s.find_by_public_key(sirocco::bytes_view(key1.data(), key1.size()))->endpoint,
              "dev-2");
    EXPECT_FALSE(s.find_by_public_key(sirocco::bytes_view(key2.data(), key2.size())).has_value());
    EXPECT_FALSE(s.find_by_public_key({}).has_value());
    // An x509 entry is found by endpoint only.
    ASSERT_TRUE(s.put(x509("dev-3")).has_value());
    EXPECT_EQ(s.get("dev-3")->mode, srv::security_mode::x509);
}

TYPED_TEST(security_store_test, replace_changes_mode_and_frees_the_old_identity) {
    auto& s = *this->store;
    ASSERT_TRUE(s.put(psk("dev", "id-1", "01")).has_value());
    auto r = s.put(psk("dev", "id-2", "02"));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, srv::put_outcome::replaced);
    EXPECT_FALSE(s.find_by_psk_identity("id-1").has_value());
    EXPECT_EQ(s.find_by_psk_identity("id-2")->psk_key, unhex("02"));
    // The freed identity can go to another endpoint now.
    ASSERT_TRUE(s.put(psk("other", "id-1", "03")).has_value());
    // psk -> rpk -> x509 on the same endpoint.
    ASSERT_TRUE(s.put(rpk("dev", key1)).has_value());
    EXPECT_FALSE(s.find_by_psk_identity("id-2").has_value());
    EXPECT_EQ(s.find_by_public_key(sirocco::bytes_view(key1.data(), key1.size()))->endpoint, "dev");
    ASSERT_TRUE(s.put(x509("dev")).has_value());
    EXPECT_FALSE(s.find_by_public_key(sirocco::bytes_view(key1.data(), key1.size())).has_value());
    // Same identity again for the same endpoint: a replace, not a conflict.
    ASSERT_TRUE(s.put(psk("other", "id-1", "04")).has_value());
    EXPECT_EQ(s.list().size(), 2u);
}

TYPED_TEST(security_store_test, identity_and_key_belong_to_one_endpoint) {
    auto& s = *this->store;
    ASSERT_TRUE(s.put(psk("dev-1", "shared", "01")).has_value());
    auto r = s.put(psk("dev-2", "shared", "02"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::not_allowed);
    EXPECT_EQ(std::string(r.error().reason).rfind("tls.details.identity:", 0), 0u);
    EXPECT_FALSE(s.get("dev-2").has_value());  // unchanged

    ASSERT_TRUE(s.put(rpk("dev-3", key1)).has_value());
    auto k = s.put(rpk("dev-4", key1));
    ASSERT_FALSE(k.has_value());
    EXPECT_EQ(k.error().code, errc::not_allowed);
    EXPECT_EQ(std::string(k.error().reason).rfind("tls.details.key:", 0), 0u);
    EXPECT_EQ(s.list().size(), 2u);
}

TYPED_TEST(security_store_test, bad_entries_are_refused_naming_the_field) {
    auto& s = *this->store;
    auto field_of = [&](const srv::security_entry& e) {
        auto r = s.put(e);
        EXPECT_FALSE(r.has_value());
        if (r) return std::string("accepted");
        EXPECT_EQ(r.error().code, errc::invalid_argument);
        std::string why = r.error().reason;
        return why.substr(0, why.find(':'));
    };
    EXPECT_EQ(field_of(psk("", "id", "01")), "endpoint");
    EXPECT_EQ(field_of(psk(std::string(256, 'e'), "id", "01")), "endpoint");
    EXPECT_EQ(field_of(psk("a\nb", "id", "01")), "endpoint");
    EXPECT_EQ(field_of(psk("dev", "", "01")), "tls.details.identity");
    EXPECT_EQ(field_of(psk("dev", std::string(129, 'i'), "01")), "tls.details.identity");
    EXPECT_EQ(field_of(psk("dev", "id", "")), "tls.details.key");
    EXPECT_EQ(field_of(psk("dev", "id", std::string(130, 'a'))), "tls.details.key");
    EXPECT_EQ(field_of(rpk("dev", {})), "tls.details.key");
    EXPECT_EQ(field_of(rpk("dev", unhex("0102030405"))), "tls.details.key");
    auto truncated = key1;
    truncated.pop_back();
    EXPECT_EQ(field_of(rpk("dev", truncated)), "tls.details.key");
    auto trailing = key1;
    trailing.push_back(0);
    EXPECT_EQ(field_of(rpk("dev", trailing)), "tls.details.key");
    EXPECT_EQ(field_of(rpk("dev", std::vector<std::uint8_t>(1100, 0x30))), "tls.details.key");
    auto mixed = x509("dev");
    mixed.psk_identity = "id";
    EXPECT_EQ(field_of(mixed), "tls.details");
    auto mixed2 = rpk("dev", key1);
    mixed2.psk_key = unhex("01");
    EXPECT_EQ(field_of(mixed2), "tls.details");
    EXPECT_TRUE(s.list().empty());
    // Limits are inclusive.
    EXPECT_TRUE(s.put(psk(std::string(255, 'e'), std::string(128, 'i'), std::string(128, 'b')))
                    .has_value());
}

TYPED_TEST(security_store_test, binary_keys_and_identities_round_trip) {
    auto& s = *this->store;
    std::string id("id\x01\xff with space", 16);
    auto e = psk("dev", id, "00ff00ff0000");
    ASSERT_TRUE(s.put(e).has_value());
    EXPECT_EQ(s.get("dev"), e);
    EXPECT_EQ(s.find_by_psk_identity(id), e);
}

TEST(security_store_names, modes) {
    for (auto m : {srv::security_mode::psk, srv::security_mode::rpk, srv::security_mode::x509})
        EXPECT_EQ(srv::parse_security_mode(srv::to_string(m)), m);
    EXPECT_FALSE(srv::parse_security_mode("PSK").has_value());
    EXPECT_FALSE(srv::parse_security_mode("oscore").has_value());
}

TEST(sqlite_security_store, survives_a_reopen_beside_the_registration_store) {
    temp_dir dir;
    const std::string file = (dir.path() / "sirocco.db").string();
    {
        auto regs = srv::sqlite_registration_store::open(file);
        ASSERT_TRUE(regs.has_value());
        auto s = srv::sqlite_security_store::open(file);
        ASSERT_TRUE(s.has_value()) << s.error().reason;
        ASSERT_TRUE((*s)->put(psk("dev-1", "id-1", "0102")).has_value());
        ASSERT_TRUE((*s)->put(rpk("dev-2", key2)).has_value());
        ASSERT_TRUE((*s)->put(x509("dev-3")).has_value());
    }
    auto s = srv::sqlite_security_store::open(file);
    ASSERT_TRUE(s.has_value());
    auto l = (*s)->list();
    ASSERT_EQ(l.size(), 3u);
    EXPECT_EQ(l[0], psk("dev-1", "id-1", "0102"));
    EXPECT_EQ(l[1], rpk("dev-2", key2));
    EXPECT_EQ(l[2], x509("dev-3"));
    EXPECT_EQ((*s)->find_by_public_key(sirocco::bytes_view(key2.data(), key2.size()))->endpoint,
              "dev-2");
    auto regs = srv::sqlite_registration_store::open(file);
    EXPECT_TRUE(regs.has_value());
}

TEST(sqlite_security_store, open_errors) {
    temp_dir dir;
    auto bad = srv::sqlite_security_store::open((dir.path() / "no" / "such" / "x.db").string());
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code, errc::io_error);
    EXPECT_NE(std::string(bad.error().reason).find("x.db"), std::string::npos);
}
