// runtime::firmware_repository: names, path safety, ETag, cache.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "sirocco/runtime/firmware_repository.hpp"
#include "sirocco/runtime/metrics.hpp"

namespace sirocco::runtime {
namespace {

namespace fs = std::filesystem;

struct repo_dir {
    fs::path root, p;
    repo_dir() {
        std::random_device rd;
        root = fs::temp_directory_path() /
               ("sirocco-repo-" + std::to_string(rd()) + std::to_string(rd()));
        p = root / "images";
        fs::create_directories(p / "sub");
        put("a.bin", "hello firmware");
        put("sub/b.bin", std::string(3000, 'b'));
        std::ofstream(root / "secret") << "not yours";
    }
    ~repo_dir() {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    void put(const std::string& name, const std::string& data) {
        std::ofstream out(p / name, std::ios::binary | std::ios::trunc);
        out << data;
    }
};

server::event request(std::string host, std::vector<std::string> path) {
    server::event e;
    e.kind = server::event_kind::request;
    e.code = coap::codes::get;
    e.uri_host = std::move(host);
    e.uri_path = std::move(path);
    return e;
}

TEST(FirmwareRepository, NamesOfRequests) {
    EXPECT_EQ(firmware_repository::name_of(request("server", {"a.bin"})), "a.bin");
    EXPECT_EQ(firmware_repository::name_of(request("server", {"sub", "b.bin"})), "sub/b.bin");
    EXPECT_EQ(firmware_repository::name_of(request("", {"fw", "sub", "b.bin"})), "sub/b.bin");
    EXPECT_EQ(firmware_repository::name_of(request("127.0.0.1", {"fw", "a.bin"})), "a.bin");
    EXPECT_FALSE(firmware_repository::name_of(request("", {"3", "0"})));
    EXPECT_FALSE(firmware_repository::name_of(request("other", {"a.bin"})));
}

TEST(FirmwareRepository, ServesFilesWithAStableETag) {
    repo_dir d;
    firmware_repository r(d.p);
    auto a = r.get("a.bin");
    ASSERT_TRUE(a.has_value()) << a.error().reason;
    EXPECT_EQ(std::string(a->data->begin(), a->data->end()), "hello firmware");
    auto b = r.get("sub/b.bin");
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->data->size(), 3000u);
    EXPECT_NE(a->etag, b->etag);
    // Cached: the same bytes are shared, not read again.
    auto a2 = r.get("a.bin");
    ASSERT_TRUE(a2.has_value());
    EXPECT_EQ(a2->data.get(), a->data.get());
    EXPECT_EQ(a2->etag, a->etag);
    // Another repository (a restarted server) gives the same ETag.
    firmware_repository r2(d.p);
    EXPECT_EQ(r2.get("a.bin")->etag, a->etag);
}

TEST(FirmwareRepository, AChangedFileIsLoadedAgainWithANewETag) {
    repo_dir d;
    firmware_repository r(d.p);
    auto a = r.get("a.bin");
    ASSERT_TRUE(a.has_value());
    d.put("a.bin", "hello firmware, version 2");
    auto a2 = r.get("a.bin");
    ASSERT_TRUE(a2.has_value());
    EXPECT_EQ(std::string(a2->data->begin(), a2->data->end()), "hello firmware, version 2");
    EXPECT_NE(a2->etag, a->etag);
    // The old transfer's bytes are still valid for whoever holds them.
    EXPECT_EQ(std::string(a->data->begin(), a->data->end()), "hello firmware");
}

TEST(FirmwareRepository, NoNameLeavesTheFolder) {
    repo_dir d;
    fs::create_symlink(d.root / "secret", d.p / "link-out");
    fs::create_symlink(d.p / "a.bin", d.p / "link-in");
    firmware_repository r(d.p);
    for (const char* bad : {"../secret", "sub/../../secret", "..", ".", "", "sub/", "/etc/passwd",
                            "sub//b.bin", "link-out", "sub", "nothing", "a.bin\\x"}) {
        auto f = r.get(bad);
        ASSERT_FALSE(f.has_value()) << bad;
        EXPECT_EQ(f.error().code, errc::not_found) << bad;
    }
    EXPECT_TRUE(r.get("link-in").has_value());  // a symlink inside is fine
    EXPECT_TRUE(r.get("sub/b.bin").has_value());
}

TEST(FirmwareRepository, AMissingFolderHasNoFiles) {
    firmware_repository r("/nonexistent/sirocco/firmware");
    EXPECT_FALSE(r.get("a.bin").has_value());
}

TEST(FirmwareRepository, OtherRequestsAreNotTaken) {
    repo_dir d;
    metrics m;
    firmware_repository r(d.p, &m.registry());
    // handle() returns false before touching the engine for a foreign request.
    auto e = request("", {"3", "0", "1"});
    server::registration_store* none = nullptr;
    (void)none;
    EXPECT_FALSE(firmware_repository::name_of(e));
    EXPECT_EQ(r.blocks_served(), 0u);
    EXPECT_NE(m.expose().find("sirocco_firmware_blocks_total"), std::string::npos);
}

}  // namespace
}  // namespace sirocco::runtime
