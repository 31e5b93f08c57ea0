// The registration stores: the same behavioural tests over the memory store
// and the SQLite store, then SQLite persistence across a reopen.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "sirocco/server/registration_store.hpp"
#include "sirocco/server/sqlite_registration_store.hpp"

namespace srv = sirocco::server;
namespace fs = std::filesystem;

namespace {

srv::registration make(const std::string& ep, const std::string& id, std::uint32_t peer,
                       srv::time_ms at, std::uint32_t lt = 60) {
    srv::registration r;
    r.endpoint = ep;
    r.id = id;
    r.peer = srv::peer_id{peer};
    r.registered_at = at;
    r.updated_at = at;
    r.lifetime_s = lt;
    return r;
}

srv::registration rich(const std::string& ep, const std::string& id, std::uint32_t peer) {
    auto r = make(ep, id, peer, 1'700'000'000'000ull, 300);
    r.updated_at = 1'700'000'100'000ull;
    r.lwm2m_version = "1.1";
    r.binding = "UT";
    r.queue_mode = true;
    r.address = "udp://192.0.2.1:5683";
    auto l = srv::parse_object_list(
        "</>;rt=\"oma.lwm2m\";ct=\"60 110\",</1>;ver=1.1,</1/0>,</3/0>,</5>,</3303/2>,</3303/0>");
    EXPECT_TRUE(l.has_value());
    if (l) r.objects = *l;
    return r;
}

// A fresh temporary directory, removed with everything in it at the end.
class temp_dir {
  public:
    temp_dir() {
        std::string tmpl = (fs::temp_directory_path() / "sirocco-sqlite-XXXXXX").string();
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
    std::unique_ptr<srv::registration_store> make_store() {
        return std::make_unique<srv::memory_registration_store>();
    }
};

struct sqlite_kind {
    temp_dir dir;
    std::unique_ptr<srv::registration_store> make_store() {
        auto s = srv::sqlite_registration_store::open((dir.path() / "reg.db").string());
        EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().reason);
        if (!s) return nullptr;
        return std::move(*s);
    }
};

template <typename Kind>
class store_test : public ::testing::Test {
  protected:
    void SetUp() override {
        store = kind.make_store();
        ASSERT_NE(store, nullptr);
    }
    Kind kind;
    std::unique_ptr<srv::registration_store> store;
};

using kinds = ::testing::Types<memory_kind, sqlite_kind>;
TYPED_TEST_SUITE(store_test, kinds);

}  // namespace

TYPED_TEST(store_test, add_find_list_remove) {
    auto& s = *this->store;
    auto a = s.add(make("b-dev", "01", 1, 0));
    ASSERT_TRUE(a.has_value());
    EXPECT_FALSE(a->has_value());
    ASSERT_TRUE(s.add(make("a-dev", "02", 2, 0)).has_value());
    EXPECT_EQ(s.list().size(), 2u);
    EXPECT_EQ(s.find_by_endpoint("b-dev")->id, "01");
    EXPECT_EQ(s.find_by_id("02")->endpoint, "a-dev");
    EXPECT_FALSE(s.find_by_id("03").has_value());
    EXPECT_FALSE(s.find_by_endpoint("c-dev").has_value());
    ASSERT_EQ(s.find_by_peer(srv::peer_id{2}).size(), 1u);
    EXPECT_EQ(s.find_by_peer(srv::peer_id{2})[0].endpoint, "a-dev");
    EXPECT_TRUE(s.find_by_peer(srv::peer_id{9}).empty());
    auto l = s.list();
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l[0].endpoint, "a-dev");
    EXPECT_EQ(l[1].endpoint, "b-dev");
    auto r = s.remove("01");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->endpoint, "b-dev");
    EXPECT_EQ(s.remove("01").error().code, sirocco::errc::not_found);
    EXPECT_FALSE(s.find_by_endpoint("b-dev").has_value());
    EXPECT_EQ(s.list().size(), 1u);
}

TYPED_TEST(store_test, values_round_trip_exactly) {
    auto& s = *this->store;
    auto r = rich("dev", "7f", 4);
    ASSERT_TRUE(s.add(r).has_value());
    EXPECT_EQ(s.find_by_endpoint("dev"), r);
    EXPECT_EQ(s.find_by_id("7f"), r);
    auto alt = make("alt", "alt-id", 5, 10);
    auto l = srv::parse_object_list("</lwm2m>;rt=\"oma.lwm2m\",</lwm2m/1/0>,</lwm2m/3/0>");
    ASSERT_TRUE(l.has_value());
    alt.objects = *l;
    ASSERT_TRUE(s.add(alt).has_value());
    EXPECT_EQ(s.find_by_id("alt-id"), alt);
    EXPECT_EQ(s.find_by_id("alt-id")->objects.root_path, "/lwm2m");
}

TYPED_TEST(store_test, same_endpoint_replaces_and_returns_the_old_one) {
    auto& s = *this->store;
    ASSERT_TRUE(s.add(make("dev", "01", 1, 0)).has_value());
    auto old = s.add(make("dev", "02", 1, 5));
    ASSERT_TRUE(old.has_value());
    ASSERT_TRUE(old->has_value());
    EXPECT_EQ((*old)->id, "01");
    EXPECT_FALSE(s.find_by_id("01").has_value());
    EXPECT_EQ(s.find_by_id("02")->endpoint, "dev");
    EXPECT_EQ(s.find_by_id("02")->registered_at, 5u);
    EXPECT_EQ(s.list().size(), 1u);
    // The same id again for the same endpoint is a replace too.
    auto again = s.add(make("dev", "02", 1, 9));
    ASSERT_TRUE(again.has_value());
    ASSERT_TRUE(again->has_value());
    EXPECT_EQ((*again)->registered_at, 5u);
}

TYPED_TEST(store_test, rejects_bad_adds_and_updates) {
    auto& s = *this->store;
    EXPECT_EQ(s.add(make("", "01", 1, 0)).error().code, sirocco::errc::invalid_argument);
    EXPECT_EQ(s.add(make("dev", "", 1, 0)).error().code, sirocco::errc::invalid_argument);
    ASSERT_TRUE(s.add(make("dev", "01", 1, 0)).has_value());
    EXPECT_EQ(s.add(make("other", "01", 1, 0)).error().code, sirocco::errc::invalid_argument);
    EXPECT_FALSE(s.find_by_endpoint("other").has_value());
    EXPECT_EQ(s.update(make("dev", "99", 1, 0)).error().code, sirocco::errc::not_found);
    EXPECT_EQ(s.update(make("other", "01", 1, 0)).error().code, sirocco::errc::invalid_argument);
    EXPECT_EQ(s.list().size(), 1u);
}

TYPED_TEST(store_test, update_replaces_the_values) {
    auto& s = *this->store;
    ASSERT_TRUE(s.add(make("dev", "01", 1, 0)).has_value());
    auto u = rich("dev", "01", 3);
    ASSERT_TRUE(s.update(u).has_value());
    EXPECT_EQ(s.find_by_id("01"), u);
    EXPECT_TRUE(s.find_by_peer(srv::peer_id{1}).empty());
    EXPECT_EQ(s.find_by_peer(srv::peer_id{3}).size(), 1u);
}

TYPED_TEST(store_test, expiry) {
    auto& s = *this->store;
    EXPECT_FALSE(s.next_expiry().has_value());
    EXPECT_TRUE(s.take_expired(1'000'000).empty());
    ASSERT_TRUE(s.add(make("c", "3", 1, 0, 30)).has_value());    // expires 30000
    ASSERT_TRUE(s.add(make("a", "1", 2, 0, 10)).has_value());    // 10000
    ASSERT_TRUE(s.add(make("b", "2", 3, 5000, 5)).has_value());  // 10000
    EXPECT_EQ(s.next_expiry(), 10000u);
    EXPECT_TRUE(s.take_expired(9999).empty());
    auto gone = s.take_expired(10000);
    ASSERT_EQ(gone.size(), 2u);
    EXPECT_EQ(gone[0].endpoint, "a");
    EXPECT_EQ(gone[1].endpoint, "b");
    EXPECT_FALSE(s.find_by_id("1").has_value());
    EXPECT_EQ(s.next_expiry(), 30000u);
    // An update moves the expiry.
    auto c = make("c", "3", 1, 25000, 30);
    ASSERT_TRUE(s.update(c).has_value());
    EXPECT_EQ(s.next_expiry(), 55000u);
    EXPECT_TRUE(s.take_expired(54999).empty());
    EXPECT_EQ(s.take_expired(60000).size(), 1u);
    EXPECT_FALSE(s.next_expiry().has_value());
    EXPECT_TRUE(s.list().empty());
}

// --- SQLite only ---------------------------------------------------------

TEST(sqlite_store, object_list_text_round_trips) {
    auto r = rich("dev", "1", 1);
    auto text = srv::format_object_list(r.objects);
    auto back = srv::parse_object_list(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(*back, r.objects) << text;
    auto empty = srv::parse_object_list(srv::format_object_list(srv::object_list{}));
    ASSERT_TRUE(empty.has_value());
    EXPECT_EQ(*empty, srv::object_list{});
}

TEST(sqlite_store, registrations_survive_a_reopen) {
    temp_dir dir;
    ASSERT_FALSE(dir.path().empty());
    const std::string file = (dir.path() / "reg.db").string();
    auto a = rich("dev-a", "id-a", 11);
    auto b = make("dev-b", "id-b", 12, 2000, 120);
    b.address = "udp://[2001:db8::1]:5683";
    {
        auto s = srv::sqlite_registration_store::open(file);
        ASSERT_TRUE(s.has_value()) << s.error().reason;
        ASSERT_TRUE((*s)->add(a).has_value());
        ASSERT_TRUE((*s)->add(b).has_value());
        ASSERT_TRUE((*s)->add(make("dev-c", "id-c", 13, 0)).has_value());
        ASSERT_TRUE((*s)->remove("id-c").has_value());
    }
    auto s = srv::sqlite_registration_store::open(file);
    ASSERT_TRUE(s.has_value()) << s.error().reason;
    auto& st = **s;
    // Peers are restored as unknown (peer_id{}); everything else is kept.
    auto a2 = a;
    a2.peer = srv::peer_id{};
    auto b2 = b;
    b2.peer = srv::peer_id{};
    EXPECT_EQ(st.find_by_endpoint("dev-a"), a2);
    EXPECT_EQ(st.find_by_id("id-b"), b2);
    EXPECT_FALSE(st.find_by_id("id-c").has_value());
    auto l = st.list();
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l[0], a2);
    EXPECT_EQ(l[1], b2);
    EXPECT_TRUE(st.find_by_peer(srv::peer_id{11}).empty());
    EXPECT_TRUE(st.find_by_peer(srv::peer_id{12}).empty());
    // Heard from again: the new peer is found.
    auto b3 = b;
    b3.peer = srv::peer_id{40};
    b3.updated_at = 5000;
    ASSERT_TRUE(st.update(b3).has_value());
    ASSERT_EQ(st.find_by_peer(srv::peer_id{40}).size(), 1u);
    EXPECT_EQ(st.find_by_peer(srv::peer_id{40})[0], b3);
    EXPECT_TRUE(st.last_error_text().empty()) << st.last_error_text();
}

TEST(sqlite_store, expiry_after_a_reopen) {
    temp_dir dir;
    const std::string file = (dir.path() / "reg.db").string();
    {
        auto s = srv::sqlite_registration_store::open(file);
        ASSERT_TRUE(s.has_value()) << s.error().reason;
        ASSERT_TRUE((*s)->add(make("x", "1", 1, 1000, 10)).has_value());  // 11000
        ASSERT_TRUE((*s)->add(make("y", "2", 2, 1000, 60)).has_value());  // 61000
    }
    auto s = srv::sqlite_registration_store::open(file);
    ASSERT_TRUE(s.has_value()) << s.error().reason;
    EXPECT_EQ((*s)->next_expiry(), 11000u);
    auto gone = (*s)->take_expired(20000);
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].endpoint, "x");
    EXPECT_EQ(gone[0].lifetime_s, 10u);
    EXPECT_EQ((*s)->next_expiry(), 61000u);
    s->reset();
    // The removal was persisted too.
    auto again = srv::sqlite_registration_store::open(file);
    ASSERT_TRUE(again.has_value()) << again.error().reason;
    ASSERT_EQ((*again)->list().size(), 1u);
    EXPECT_EQ((*again)->list()[0].endpoint, "y");
}

TEST(sqlite_store, bad_path_gives_an_error_naming_it) {
    temp_dir dir;
    const std::string file = (dir.path() / "no-such-dir" / "reg.db").string();
    auto s = srv::sqlite_registration_store::open(file);
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().code, sirocco::errc::io_error);
    EXPECT_NE(std::string(s.error().reason).find(file), std::string::npos) << s.error().reason;
}

TEST(sqlite_store, a_file_that_is_not_a_database_gives_an_error) {
    temp_dir dir;
    const std::string file = (dir.path() / "junk.db").string();
    {
        FILE* f = std::fopen(file.c_str(), "wb");
        ASSERT_NE(f, nullptr);
        std::fputs(
            "this is not a SQLite database, just some text of enough length......"
            "..............................................................",
            f);
        std::fclose(f);
    }
    auto s = srv::sqlite_registration_store::open(file);
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().code, sirocco::errc::io_error);
    EXPECT_NE(std::string(s.error().reason).find(file), std::string::npos) << s.error().reason;
}

TEST(sqlite_store, file_is_in_wal_mode_and_another_schema_version_is_refused) {
    temp_dir dir;
    const std::string file = (dir.path() / "reg.db").string();
    {
        auto s = srv::sqlite_registration_store::open(file);
        ASSERT_TRUE(s.has_value()) << s.error().reason;
        ASSERT_TRUE((*s)->add(make("dev", "1", 1, 0)).has_value());
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(q, 0))), "wal");
    sqlite3_finalize(q);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 2", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    auto s = srv::sqlite_registration_store::open(file);
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().code, sirocco::errc::unsupported);
    EXPECT_NE(std::string(s.error().reason).find(file), std::string::npos) << s.error().reason;
}
