// runtime::package_fetcher with a fake link, a manual scheduler and clock:
// pace, resume after a restart, size checks, 4.04, retries, ETag change.
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "sirocco/client/objects/firmware_update.hpp"
#include "sirocco/runtime/package_fetcher.hpp"

namespace sirocco::runtime {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using client::firmware_state;
using client::status;
using client::update_result;

struct temp_dir {
    fs::path p;
    temp_dir() {
        std::random_device rd;
        p = fs::temp_directory_path() /
            ("sirocco-fw-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(p);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(p, ec);
    }
};

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

/// One simulated device process: sink, object, fetcher over a fake link.
struct device {
    struct fake_link final : package_fetcher::link {
        device* d;
        explicit fake_link(device* dv) : d(dv) {}
        result<void> request(std::uint32_t num, std::uint16_t size) override {
            if (!d->link_ok) return unexpected(errc::not_allowed, "link down");
            d->requests.push_back({num, size});
            return {};
        }
        void cancel() noexcept override { d->cancelled = true; }
    };
    struct timer {
        std::chrono::milliseconds at;
        std::function<void()> f;
    };

    file_firmware_sink sink;
    client::firmware_update fw{sink};
    std::chrono::milliseconds now{0};
    std::vector<timer> timers;
    std::vector<std::pair<std::uint32_t, std::uint16_t>> requests;
    std::vector<std::string> log_events;
    std::vector<package_uri> links_made;
    bool link_ok = true;
    bool cancelled = false;
    std::optional<package_fetcher> fetcher;

    explicit device(const fs::path& dir, package_fetcher::options o = {}) : sink(dir) {
        if (o.state_dir.empty()) o.state_dir = dir;
        o.log = [this](std::string_view ev, const auto&) { log_events.emplace_back(ev); };
        fetcher.emplace(
            fw, &sink, o,
            [this](std::chrono::milliseconds d, std::function<void()> f) {
                timers.push_back({now + d, std::move(f)});
            },
            [this] { return now; },
            [this](const package_uri& u) -> std::unique_ptr<package_fetcher::link> {
                links_made.push_back(u);
                return std::make_unique<fake_link>(this);
            });
        fw.set_fetcher(&*fetcher,
                       {client::firmware_protocol::coap, client::firmware_protocol::mq2m});
    }
    /// Runs the timers due up to now + d.
    void run(std::chrono::milliseconds d = 0ms) {
        const auto until = now + d;
        for (;;) {
            std::size_t best = timers.size();
            for (std::size_t i = 0; i < timers.size(); ++i)
                if (timers[i].at <= until &&
                    (best == timers.size() || timers[i].at < timers[best].at))
                    best = i;
            if (best == timers.size()) break;
            auto t = std::move(timers[best]);
            timers.erase(timers.begin() + static_cast<long>(best));
            if (t.at > now) now = t.at;
            t.f();
        }
        now = until;
    }
    status write_uri(const std::string& uri) {
        return fw.write(0, client::firmware_res::package_uri, std::nullopt,
                        lwm2m::value::of_string(uri));
    }
};

/// The server side: answers the last request from an image.
struct image_server {
    std::string image;
    std::string etag = "\x01\x02\x03\x04\x05\x06\x07\x08";
    bool send_size2 = true;
    explicit image_server(std::size_t n) : image(n, '\0') {
        std::mt19937 g(42);
        for (auto& c : image)
            c = static_cast<char>(g() & 0xFF);
    }
    void answer(device& d, std::optional<std::size_t> claimed_total = {}) {
        ASSERT_FALSE(d.requests.empty());
        auto [num, size] = d.requests.back();
        package_fetcher::reply r;
        std::size_t off = static_cast<std::size_t>(num) * size;
        ASSERT_LE(off, image.size());
        std::size_t len = std::min<std::size_t>(size, image.size() - off);
        r.code = status::content;
        r.body = bytes_view(reinterpret_cast<const std::uint8_t*>(image.data()) + off, len);
        r.etag = bytes_view(reinterpret_cast<const std::uint8_t*>(etag.data()), etag.size());
        r.num = num;
        r.more = off + len < image.size();
        if (num == 0 && send_size2)
            r.total = static_cast<std::uint32_t>(claimed_total.value_or(image.size()));
        if (!r.more) r.total = static_cast<std::uint32_t>(image.size());
        d.fetcher->on_reply(r);
    }
    /// Serves until the device stops asking (or `max` blocks).
    void serve(device& d, std::size_t max = 100000) {
        for (std::size_t i = 0; i < max; ++i) {
            d.run();
            if (d.requests.size() <= served) return;
            served = d.requests.size();
            answer(d);
        }
    }
    std::size_t served = 0;
};

TEST(PackageUri, Parses) {
    auto m = parse_package_uri("mq2m://server/fw/a-1.bin?size=12345");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->kind, package_uri::scheme::mq2m);
    EXPECT_EQ(m->host, "server");
    EXPECT_EQ(m->path, "fw/a-1.bin");
    EXPECT_EQ(m->size, 12345u);
    auto c = parse_package_uri("coap://127.0.0.1:5690/fw/x");
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->kind, package_uri::scheme::coap);
    EXPECT_EQ(c->host, "127.0.0.1");
    EXPECT_EQ(c->port, 5690);
    EXPECT_EQ(c->path, "fw/x");
    EXPECT_FALSE(c->size);
    auto v6 = parse_package_uri("coap://[::1]/fw/x");
    ASSERT_TRUE(v6.has_value());
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, 5683);
    for (const char* bad :
         {"mq2m://server", "mq2m:///x", "mq2m://server/x?size=abc", "mq2m://server/x?foo=1",
          "coap://h:99999/x", "coap://h/a//b", "mq2m://server:12/x", "coap://h:/x"})
        EXPECT_FALSE(parse_package_uri(bad).has_value()) << bad;
    auto http = parse_package_uri("http://h/x");
    ASSERT_FALSE(http.has_value());
    EXPECT_EQ(http.error().code, errc::unsupported);
}

TEST(PackageFetcher, DownloadsBlockByBlockAtItsOwnPace) {
    temp_dir t;
    package_fetcher::options o;
    o.block_delay = 50ms;
    device d(t.p, o);
    image_server s(5000);
    EXPECT_EQ(d.write_uri("mq2m://server/fw/img?size=5000"), status::changed);
    EXPECT_EQ(d.fw.state(), firmware_state::downloading);
    ASSERT_EQ(d.links_made.size(), 1u);
    EXPECT_EQ(d.links_made[0].path, "fw/img");
    EXPECT_TRUE(d.requests.empty());  // never inside start()
    d.run();
    ASSERT_EQ(d.requests.size(), 1u);
    EXPECT_EQ(d.requests[0], std::make_pair(0u, std::uint16_t{1024}));
    s.answer(d);
    // Block 1 only after the delay.
    d.run(49ms);
    EXPECT_EQ(d.requests.size(), 1u);
    d.run(1ms);
    ASSERT_EQ(d.requests.size(), 2u);
    EXPECT_EQ(d.requests[1].first, 1u);
    EXPECT_TRUE(fs::exists(d.fetcher->state_path()));
    for (std::uint32_t n = 1; n < 5; ++n) {
        s.answer(d);
        d.run(50ms);
    }
    EXPECT_EQ(d.requests.size(), 5u);
    EXPECT_EQ(d.fw.state(), firmware_state::downloaded);
    EXPECT_EQ(d.fw.result_code(), update_result::initial);
    EXPECT_EQ(read_file(d.sink.image_path()), s.image);
    EXPECT_FALSE(fs::exists(d.fetcher->state_path()));
    EXPECT_FALSE(fs::exists(d.sink.partial_path()));
    EXPECT_EQ(d.fw.execute(0, client::firmware_res::update, ""), status::changed);
    EXPECT_EQ(d.fw.state(), firmware_state::idle);
    EXPECT_EQ(d.fw.result_code(), update_result::success);
}

TEST(PackageFetcher, ARestartedProcessResumesAtTheNextMissingBlock) {
    temp_dir t;
    image_server s(10 * 1024 + 100);
    {
        device d(t.p);
        d.write_uri("mq2m://server/img?size=" + std::to_string(s.image.size()));
        s.serve(d, 4);  // blocks 0..3 stored
        d.run();
        EXPECT_EQ(d.requests.back().first, 4u);
        // "killed" here: block 4 asked, never answered; the destructors do
        // not cancel, so the files stay as after a kill -9.
    }
    ASSERT_TRUE(fs::exists(t.p / "download.state"));
    ASSERT_EQ(fs::file_size(t.p / "firmware.part"), 4u * 1024);
    device d2(t.p);
    EXPECT_TRUE(d2.fetcher->resume());
    EXPECT_EQ(d2.fw.state(), firmware_state::downloading);
    d2.run();
    ASSERT_EQ(d2.requests.size(), 1u);
    EXPECT_EQ(d2.requests[0].first, 4u);  // not 0
    image_server s2 = s;
    s2.served = 0;
    s2.serve(d2);
    EXPECT_EQ(d2.requests.size(), 7u);  // blocks 4..10
    EXPECT_EQ(d2.fw.state(), firmware_state::downloaded);
    EXPECT_EQ(read_file(d2.sink.image_path()), s.image);
}

TEST(PackageFetcher, APartialImageLongerThanTheStateIsCut) {
    temp_dir t;
    image_server s(4096);
    {
        device d(t.p);
        d.write_uri("mq2m://server/img");
        s.serve(d, 2);
        d.fetcher.reset();
    }
    // A block written but the state not yet saved (killed in between).
    {
        std::ofstream out(t.p / "firmware.part", std::ios::app | std::ios::binary);
        out << std::string(1024, 'x');
    }
    device d2(t.p);
    ASSERT_TRUE(d2.fetcher->resume());
    d2.run();
    ASSERT_EQ(d2.requests.size(), 1u);
    EXPECT_EQ(d2.requests[0].first, 2u);
    image_server s2 = s;
    s2.served = 0;
    s2.serve(d2);
    EXPECT_EQ(read_file(d2.sink.image_path()), s.image);
}

TEST(PackageFetcher, Size2OtherThanSizeIsAnIntegrityFailure) {
    temp_dir t;
    device d(t.p);
    image_server s(3000);
    d.write_uri("mq2m://server/img?size=2999");
    d.run();
    s.answer(d);
    EXPECT_EQ(d.fw.state(), firmware_state::idle);
    EXPECT_EQ(d.fw.result_code(), update_result::integrity_failure);
    EXPECT_FALSE(fs::exists(t.p / "download.state"));
    EXPECT_FALSE(fs::exists(t.p / "firmware.part"));
}

TEST(PackageFetcher, ATotalOtherThanSizeIsAnIntegrityFailure) {
    temp_dir t;
    device d(t.p);
    image_server s(3000);
    s.send_size2 = false;
    d.write_uri("coap://127.0.0.1/fw/img?size=4000");
    s.serve(d);
    EXPECT_EQ(d.requests.size(), 3u);
    EXPECT_EQ(d.fw.result_code(), update_result::integrity_failure);
    EXPECT_EQ(d.fw.state(), firmware_state::idle);
}

TEST(PackageFetcher, SizeAboveTheSpaceIsNotEnoughFlash) {
    temp_dir t;
    package_fetcher::options o;
    o.max_size = 1 << 20;
    device d(t.p, o);
    d.write_uri("mq2m://server/img?size=2000000");
    d.run();
    EXPECT_TRUE(d.requests.empty());
    EXPECT_EQ(d.fw.state(), firmware_state::idle);
    EXPECT_EQ(d.fw.result_code(), update_result::not_enough_flash);
}

TEST(PackageFetcher, NotFoundIsInvalidUri) {
    temp_dir t;
    device d(t.p);
    d.write_uri("mq2m://server/nothing?size=10");
    d.run();
    package_fetcher::reply r;
    r.code = status::not_found;
    d.fetcher->on_reply(r);
    EXPECT_EQ(d.fw.state(), firmware_state::idle);
    EXPECT_EQ(d.fw.result_code(), update_result::invalid_uri);
}

TEST(PackageFetcher, BadUrisAndSchemes) {
    temp_dir t;
    device d(t.p);
    EXPECT_EQ(d.write_uri("mq2m://server"), status::changed);
    EXPECT_EQ(d.fw.result_code(), update_result::invalid_uri);
    EXPECT_EQ(d.fw.state(), firmware_state::idle);
    EXPECT_EQ(d.write_uri("https://h/x"), status::bad_request);  // not in /5/0/8
    EXPECT_EQ(d.fw.result_code(), update_result::unsupported_protocol);
}

TEST(PackageFetcher, ALostLinkIsRetriedAndLinkUpAsksAtOnce) {
    temp_dir t;
    package_fetcher::options o;
    o.retry_delay = 1000ms;
    o.give_up_after = 10000ms;
    device d(t.p, o);
    image_server s(3000);
    d.write_uri("mq2m://server/img?size=3000");
    s.serve(d, 1);
    d.run();
    ASSERT_EQ(d.requests.size(), 2u);
    // Block 1 times out (broker gone): retried after 1 s...
    package_fetcher::reply lost;
    lost.code = status::service_unavailable;
    lost.reason = "timeout";
    d.link_ok = false;
    d.fetcher->on_reply(lost);
    d.run(999ms);
    EXPECT_EQ(d.requests.size(), 2u);
    d.run(5000ms);  // down: nothing sent, still retrying
    EXPECT_EQ(d.requests.size(), 2u);
    EXPECT_EQ(d.fw.state(), firmware_state::downloading);
    // ... and the link is back: at once.
    d.link_ok = true;
    d.fetcher->link_up();
    d.run();
    ASSERT_EQ(d.requests.size(), 3u);
    EXPECT_EQ(d.requests[2].first, 1u);
    s.served = 2;
    s.serve(d);
    EXPECT_EQ(d.fw.state(), firmware_state::downloaded);
    EXPECT_EQ(read_file(d.sink.image_path()), s.image);
}

TEST(PackageFetcher, GivesUpWithConnectionLost) {
    temp_dir t;
    package_fetcher::options o;
    o.retry_delay = 1000ms;
    o.give_up_after = 10000ms;
    device d(t.p, o);
    d.link_ok = false;
    d.write_uri("mq2m://server/img?size=3000");
    d.run(20000ms);
    EXPECT_EQ(d.fw.state(), firmware_state::idle);
    EXPECT_EQ(d.fw.result_code(), update_result::connection_lost);
}

TEST(PackageFetcher, AChangedETagRestartsTheDownload) {
    temp_dir t;
    device d(t.p);
    image_server s(4096);
    d.write_uri("mq2m://server/img?size=4096");
    s.serve(d, 2);
    d.run();
    // The image is replaced on the server.
    image_server s2(4096);
    s2.image[0] = static_cast<char>(s.image[0] ^ 1);
    s2.etag = "\x09\x09\x09\x09\x09\x09\x09\x09";
    s2.answer(d);
    EXPECT_EQ(d.fetcher->restarts(), 1u);
    d.run();
    EXPECT_EQ(d.requests.back().first, 0u);
    s2.served = d.requests.size() - 1;
    s2.serve(d);
    EXPECT_EQ(d.fw.state(), firmware_state::downloaded);
    EXPECT_EQ(read_file(d.sink.image_path()), s2.image);
}

TEST(PackageFetcher, AnEmptyUriCancels) {
    temp_dir t;
    device d(t.p);
    image_server s(4096);
    d.write_uri("mq2m://server/img");
    s.serve(d, 1);
    EXPECT_EQ(d.write_uri(""), status::changed);
    EXPECT_TRUE(d.cancelled);
    EXPECT_EQ(d.fw.state(), firmware_state::idle);
    const auto n = d.requests.size();
    d.run(10000ms);
    EXPECT_EQ(d.requests.size(), n);
    EXPECT_FALSE(fs::exists(t.p / "download.state"));
    EXPECT_FALSE(fs::exists(t.p / "firmware.part"));
    // A late answer is ignored.
    s.answer(d);
    EXPECT_EQ(d.fw.state(), firmware_state::idle);
}

}  // namespace
}  // namespace sirocco::runtime
