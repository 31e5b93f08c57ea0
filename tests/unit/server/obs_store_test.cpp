// The observation stores: the same behavioural tests over the memory store
// and the SQLite store (alone and sharing the registrations' file), then
// SQLite persistence across a reopen.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "sirocco/server/dm.hpp"
#include "sirocco/server/sqlite_observation_store.hpp"
#include "sirocco/server/sqlite_registration_store.hpp"

namespace srv = sirocco::server;
namespace lw = sirocco::lwm2m;
namespace fs = std::filesystem;
using sirocco::errc;

namespace {

class temp_dir {
  public:
    temp_dir() {
        std::string tmpl = (fs::temp_directory_path() / "sirocco-obs-XXXXXX").string();
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

srv::observation make(const std::string& id, const std::string& ep, const std::string& reg) {
    srv::observation o;
    o.id = id;
    o.endpoint = ep;
    o.registration_id = reg;
    o.paths = {lw::path(lw::object_id(3303), lw::instance_id(0), lw::resource_id(5700))};
    o.token = {0xde, 0xad, 0x00, 0x01};
    o.created_at = 1'700'000'000'123ull;
    return o;
}

srv::observation composite(const std::string& id) {
    auto o = make(id, "dev2", "r2");
    o.composite = true;
    o.paths = {lw::path(lw::object_id(3), lw::instance_id(0), lw::resource_id(0)),
               lw::path(lw::object_id(3303)), lw::path()};
    o.format = srv::content_format::senml_cbor;
    o.token = {};
    return o;
}

struct store_param {
    const char* name;
    std::function<std::unique_ptr<srv::observation_store>(const fs::path&)> make;
};

void PrintTo(const store_param& p, std::ostream* os) {
    *os << p.name;
}

class obs_store : public ::testing::TestWithParam<store_param> {
  protected:
    void SetUp() override {
        s = GetParam().make(dir.path());
        ASSERT_NE(s, nullptr);
    }
    temp_dir dir;
    std::unique_ptr<srv::observation_store> s;
};

TEST_P(obs_store, add_find_list_remove) {
    EXPECT_TRUE(s->list().empty());
    EXPECT_FALSE(s->find("00").has_value());
    ASSERT_TRUE(s->add(make("b1", "dev1", "r1")).has_value());
    ASSERT_TRUE(s->add(make("a1", "dev1", "r1")).has_value());
    ASSERT_TRUE(s->add(composite("c1")).has_value());
    auto l = s->list();
    ASSERT_EQ(l.size(), 3u);
    EXPECT_EQ(l[0].id, "a1");
    EXPECT_EQ(l[1].id, "b1");
    EXPECT_EQ(l[2], composite("c1"));
    EXPECT_EQ(*s->find("b1"), make("b1", "dev1", "r1"));
    EXPECT_EQ(s->find_by_registration("r1").size(), 2u);
    EXPECT_EQ(s->find_by_registration("r2").size(), 1u);
    EXPECT_TRUE(s->find_by_registration("zz").empty());
    // Same id again replaces.
    auto changed = make("b1", "dev1", "r1");
    changed.format = srv::content_format::tlv;
    ASSERT_TRUE(s->add(changed).has_value());
    EXPECT_EQ(*s->find("b1"), changed);
    EXPECT_EQ(s->list().size(), 3u);
    auto r = s->remove("b1");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, changed);
    EXPECT_EQ(s->remove("b1").error().code, errc::not_found);
    auto gone = s->remove_by_registration("r1");
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].id, "a1");
    EXPECT_TRUE(s->remove_by_registration("r1").empty());
    EXPECT_EQ(s->list().size(), 1u);
}

TEST_P(obs_store, rejects_empty_id_or_endpoint) {
    EXPECT_EQ(s->add(make("", "dev1", "r1")).error().code, errc::invalid_argument);
    EXPECT_EQ(s->add(make("a", "", "r1")).error().code, errc::invalid_argument);
    EXPECT_TRUE(s->list().empty());
}

INSTANTIATE_TEST_SUITE_P(
    stores, obs_store,
    ::testing::Values(store_param{"memory",
                                  [](const fs::path&) -> std::unique_ptr<srv::observation_store> {
                                      return std::make_unique<srv::memory_observation_store>();
                                  }},
                      store_param{"sqlite",
                                  [](const fs::path& d) -> std::unique_ptr<srv::observation_store> {
                                      auto s = srv::sqlite_observation_store::open(
                                          (d / "obs.db").string());
                                      EXPECT_TRUE(s.has_value());
                                      if (!s) return nullptr;
                                      return std::move(*s);
                                  }}),
    [](const ::testing::TestParamInfo<store_param>& i) { return std::string(i.param.name); });

TEST(sqlite_observation_store, survives_reopen_and_shares_the_registration_file) {
    temp_dir dir;
    const std::string file = (dir.path() / "server.db").string();
    {
        auto regs = srv::sqlite_registration_store::open(file);
        ASSERT_TRUE(regs.has_value());
        auto obs = srv::sqlite_observation_store::open(file);
        ASSERT_TRUE(obs.has_value());
        ASSERT_TRUE((*obs)->add(make("0a0b", "dev1", "r1")).has_value());
        ASSERT_TRUE((*obs)->add(composite("0c0d")).has_value());
        srv::registration r;
        r.endpoint = "dev1";
        r.id = "r1";
        ASSERT_TRUE((*regs)->add(r).has_value());
    }
    auto obs = srv::sqlite_observation_store::open(file);
    ASSERT_TRUE(obs.has_value());
    auto l = (*obs)->list();
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l[0], make("0a0b", "dev1", "r1"));
    EXPECT_EQ(l[1], composite("0c0d"));
    auto regs = srv::sqlite_registration_store::open(file);
    ASSERT_TRUE(regs.has_value());
    EXPECT_TRUE((*regs)->find_by_id("r1").has_value());
}

TEST(sqlite_observation_store, open_fails_cleanly_on_a_bad_path) {
    auto s = srv::sqlite_observation_store::open("/nonexistent-dir-sirocco/x/obs.db");
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().code, errc::io_error);
}

}  // namespace
