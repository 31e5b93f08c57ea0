// Firmware pull over real sockets in one process: runtime::server_runner
// (UDP, memory store) with a runtime::firmware_repository as its request
// handler, and a device (sim_device + client_runner + package_fetcher +
// file_firmware_sink) on its own event-loop thread. The server writes the
// Package URI through device_manager::submit, as the REST API does.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "../unit/mqtt/mosquitto_broker.hpp"
#include "sirocco/runtime/client_runner.hpp"
#include "sirocco/runtime/event_loop.hpp"
#include "sirocco/runtime/firmware_repository.hpp"
#include "sirocco/runtime/metrics.hpp"
#include "sirocco/runtime/package_fetcher.hpp"
#include "sirocco/runtime/server_log.hpp"
#include "sirocco/runtime/server_runner.hpp"
#include "sirocco/runtime/sim_device.hpp"

namespace sirocco {
namespace asio = boost::asio;
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class temp_dir {
  public:
    temp_dir() {
        char t[] = "/tmp/sirocco-fw-e2e-XXXXXX";
        path_ = ::mkdtemp(t);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    fs::path path() const { return path_; }

  private:
    std::string path_;
};

std::string random_bytes(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    std::mt19937 g(seed);
    for (auto& c : s)
        c = static_cast<char>(g() & 0xFF);
    return s;
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds limit = 10000ms) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (p()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return p();
}

/// The server: runner core thread + repository.
class server_side {
  public:
    explicit server_side(const fs::path& images, const std::string& mqtt_uri = {})
        : log_(out_, runtime::log_level::info),
          repo_(images, &metrics_.registry(),
                [this](std::string_view ev, const auto& kv) {
                    std::lock_guard<std::mutex> l(mx_);
                    std::string line(ev);
                    for (const auto& [k, v] : kv)
                        line += " " + k + "=" + v;
                    lines_.push_back(line);
                }),
          guard_(io_.get_executor()) {
        runtime::server_runner_options o;
        o.coap_address = "127.0.0.1";
        o.coap_port = 0;
        o.store = runtime::store_kind::memory;
        if (!mqtt_uri.empty()) o.mqtt_uris.push_back(mqtt_uri);
        o.request_handler = [this](const server::event& e, server::server_engine& eng,
                                   coap::time_ms now) { return repo_.handle(e, eng, now); };
        auto r = runtime::server_runner::create(io_, o, log_);
        EXPECT_TRUE(r) << (r ? "" : r.error().reason);
        runner_ = std::move(*r);
        EXPECT_TRUE(runner_->start());
        t_ = std::thread([this] { io_.run(); });
    }
    ~server_side() {
        runner_->stop();
        std::promise<void> done;
        asio::post(io_, [&] { done.set_value(); });
        done.get_future().wait();
        guard_.reset();
        io_.stop();
        t_.join();
        runner_.reset();
    }
    runtime::server_runner& runner() { return *runner_; }
    runtime::firmware_repository& repo() { return repo_; }
    std::vector<std::string> lines() {
        std::lock_guard<std::mutex> l(mx_);
        return lines_;
    }

    server::response submit(const std::string& ep, server::dm_request req) {
        std::promise<server::response> p;
        auto f = p.get_future();
        runner_->submit(ep, std::move(req), 5000ms,
                        [&p](server::response x) { p.set_value(std::move(x)); });
        EXPECT_EQ(f.wait_for(10s), std::future_status::ready);
        return f.get();
    }
    server::response write_uri(const std::string& ep, const std::string& uri) {
        server::write_request w;
        w.path = *lwm2m::path::parse("/5/0/1");
        w.records.emplace_back(w.path, lwm2m::owned_value::string(uri));
        return submit(ep, w);
    }
    std::optional<std::int64_t> read_int(const std::string& ep, const char* path) {
        auto r = submit(ep, server::read_request{*lwm2m::path::parse(path), {}});
        if (!r.ok() || r.records.size() != 1) return std::nullopt;
        return r.records[0].value.view().integer();
    }

  private:
    std::ostringstream out_;
    runtime::server_log log_;
    runtime::metrics metrics_;
    std::mutex mx_;
    std::vector<std::string> lines_;
    runtime::firmware_repository repo_;
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::unique_ptr<runtime::server_runner> runner_;
    std::thread t_;
};

/// A device with the firmware fetcher on its own loop thread. Destroying it
/// without stop() is like kill -9 for the download: nothing is cancelled.
class device_side {
  public:
    device_side(const std::string& ep, std::uint16_t port, const fs::path& dir,
                std::chrono::milliseconds delay = 0ms)
        : device_side(ep, "coap://127.0.0.1:" + std::to_string(port), dir, delay) {}
    device_side(const std::string& ep, const std::string& server_uri, const fs::path& dir,
                std::chrono::milliseconds delay = 0ms) {
        runtime::device_settings s;
        s.endpoint = ep;
        s.server_uri = server_uri;
        s.lifetime = 120;
        s.sensor_period_ms = 0;
        device_ = std::make_unique<runtime::sim_device>(s);
        sink_ = std::make_unique<runtime::file_firmware_sink>(dir);
        device_->set_firmware_sink(sink_.get());
        runtime::client_runner::options ro;
        ro.endpoint = ep;
        runner_ = std::make_unique<runtime::client_runner>(
            loop_, device_->engine(),
            [this](const client::client_event& e) {
                if (fetcher_) fetcher_->on_client_event(e);
                if (e.kind == client::client_event_kind::registered) {
                    ++registrations_;
                    if (fetcher_ && !fetcher_->active() && fetcher_->resume()) ++resumed_;
                }
            },
            ro);
        runtime::package_fetcher::options o;
        o.state_dir = dir;
        o.block_size = 1024;
        o.block_delay = delay;
        o.max_size = 64u << 20;
        o.log = [this](std::string_view ev, const auto&) {
            std::lock_guard<std::mutex> l(mx_);
            events_.emplace_back(ev);
        };
        fetcher_ = std::make_unique<runtime::package_fetcher>(loop_, *runner_, device_->firmware(),
                                                              sink_.get(), o);
        device_->firmware().set_fetcher(
            fetcher_.get(), {client::firmware_protocol::coap, client::firmware_protocol::mq2m});
        EXPECT_TRUE(runner_->start());
        guard_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
            loop_.io().get_executor());
        t_ = std::thread([this] { loop_.io().run(); });
    }
    ~device_side() {
        guard_.reset();
        loop_.stop();
        if (t_.joinable()) t_.join();
        fetcher_.reset();
        runner_.reset();
    }
    template <class F>
    auto on_loop(F f) {
        std::promise<decltype(f())> done;
        asio::post(loop_.io(), [&] { done.set_value(f()); });
        return done.get_future().get();
    }
    std::uint32_t next_block() {
        return on_loop([&] { return fetcher_->next_block(); });
    }
    client::firmware_state state() {
        return on_loop([&] { return device_->firmware().state(); });
    }
    int registrations() const { return registrations_.load(); }
    int resumed() const { return resumed_.load(); }
    runtime::file_firmware_sink& sink() { return *sink_; }
    bool saw(const std::string& ev) {
        std::lock_guard<std::mutex> l(mx_);
        return std::find(events_.begin(), events_.end(), ev) != events_.end();
    }

  private:
    runtime::event_loop loop_;
    std::unique_ptr<runtime::sim_device> device_;
    std::unique_ptr<runtime::file_firmware_sink> sink_;
    std::unique_ptr<runtime::client_runner> runner_;
    std::unique_ptr<runtime::package_fetcher> fetcher_;
    std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
    std::atomic<int> registrations_{0}, resumed_{0};
    std::mutex mx_;
    std::vector<std::string> events_;
    std::thread t_;
};

struct fixture : ::testing::Test {
    temp_dir tmp;
    fs::path images = tmp.path() / "images";
    fs::path dev_dir = tmp.path() / "device";
    void SetUp() override { fs::create_directories(images); }
    std::string put(const std::string& name, std::size_t n, unsigned seed = 7) {
        auto data = random_bytes(n, seed);
        fs::create_directories((images / name).parent_path());
        std::ofstream(images / name, std::ios::binary) << data;
        return data;
    }
};

/// Downloads `uri`, updates, and checks the image; returns the seconds taken.
double full_update(server_side& srv, device_side& dev, const std::string& ep,
                   const std::string& uri, const std::string& image) {
    auto t0 = std::chrono::steady_clock::now();
    auto w = srv.write_uri(ep, uri);
    EXPECT_TRUE(w.ok()) << w.error;
    EXPECT_TRUE(eventually(
        [&] {
            return dev.state() == client::firmware_state::downloaded ||
                   dev.state() == client::firmware_state::idle;  // failed
        },
        120000ms));
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(srv.read_int(ep, "/5/0/3"), 2);
    EXPECT_TRUE(read_file(dev.sink().image_path()) == image) << "image differs";
    auto x = srv.submit(ep, server::execute_request{*lwm2m::path::parse("/5/0/2"), ""});
    EXPECT_TRUE(x.ok()) << x.error;
    EXPECT_EQ(srv.read_int(ep, "/5/0/5"), 1);  // success
    EXPECT_EQ(srv.read_int(ep, "/5/0/3"), 0);  // Idle
    return secs;
}

TEST_F(fixture, coap_uri_4mib_in_1024_byte_blocks) {
    auto image = put("img.bin", 4u << 20);
    server_side srv(images);
    device_side dev("fw-coap", srv.runner().coap_port(), dev_dir);
    ASSERT_TRUE(eventually([&] { return srv.runner().find("fw-coap").has_value(); }));
    const std::string uri = "coap://127.0.0.1:" + std::to_string(srv.runner().coap_port()) +
                            "/fw/img.bin?size=" + std::to_string(image.size());
    double s = full_update(srv, dev, "fw-coap", uri, image);
    EXPECT_EQ(srv.repo().blocks_served(), 4096u);
    std::printf("[ figure ] coap:// 4 MiB in 1024-byte blocks over UDP: %.2f s, %.0f KiB/s\n", s,
                4096.0 / s);
    bool start = false, end = false;
    for (const auto& l : srv.lines()) {
        if (l.rfind("firmware_transfer_start file=img.bin", 0) == 0) start = true;
        if (l.rfind("firmware_transfer_end", 0) == 0) end = true;
    }
    EXPECT_TRUE(start);
    EXPECT_TRUE(end);  // the last block, by the Block2 number server::event carries
}

TEST_F(fixture, mq2m_uri_over_the_lwm2m_link) {
    auto image = put("sub/app.bin", 300000, 9);
    server_side srv(images);
    device_side dev("fw-mq2m", srv.runner().coap_port(), dev_dir);
    ASSERT_TRUE(eventually([&] { return srv.runner().find("fw-mq2m").has_value(); }));
    double s = full_update(srv, dev, "fw-mq2m",
                           "mq2m://server/sub/app.bin?size=" + std::to_string(image.size()), image);
    EXPECT_EQ(srv.repo().blocks_served(), (image.size() + 1023) / 1024);
    std::printf("[ figure ] mq2m:// over the UDP LwM2M link, %zu bytes: %.2f s\n", image.size(), s);
}

TEST_F(fixture, a_killed_device_resumes_where_it_stopped) {
    auto image = put("img.bin", 1u << 20);
    server_side srv(images);
    const std::string uri = "mq2m://server/img.bin?size=" + std::to_string(image.size());
    std::uint32_t at_kill = 0;
    {
        device_side dev("fw-kill", srv.runner().coap_port(), dev_dir, 2ms);
        ASSERT_TRUE(eventually([&] { return srv.runner().find("fw-kill").has_value(); }));
        ASSERT_TRUE(srv.write_uri("fw-kill", uri).ok());
        ASSERT_TRUE(eventually([&] { return dev.next_block() >= 400; }, 60000ms));
        at_kill = dev.next_block();
        // destroyed here without cancel: the "process" is gone
    }
    EXPECT_TRUE(fs::exists(dev_dir / "download.state"));
    device_side dev2("fw-kill", srv.runner().coap_port(), dev_dir);
    ASSERT_TRUE(eventually([&] { return dev2.resumed() == 1; }));
    ASSERT_TRUE(
        eventually([&] { return dev2.state() == client::firmware_state::downloaded; }, 60000ms));
    EXPECT_TRUE(read_file(dev2.sink().image_path()) == image);
    const std::uint64_t blocks = 1024;
    EXPECT_GE(srv.repo().blocks_served(), blocks);
    EXPECT_LE(srv.repo().blocks_served(), blocks + 3)
        << "fetched again after the kill at " << at_kill;
    EXPECT_EQ(srv.read_int("fw-kill", "/5/0/3"), 2);
    ASSERT_TRUE(
        srv.submit("fw-kill", server::execute_request{*lwm2m::path::parse("/5/0/2"), ""}).ok());
    EXPECT_EQ(srv.read_int("fw-kill", "/5/0/5"), 1);
}

TEST_F(fixture, wrong_size_and_unknown_path) {
    auto image = put("img.bin", 5000);
    server_side srv(images);
    device_side dev("fw-bad", srv.runner().coap_port(), dev_dir);
    ASSERT_TRUE(eventually([&] { return srv.runner().find("fw-bad").has_value(); }));
    // Size2 says 5000, the URI 4999: integrity check failure (5).
    ASSERT_TRUE(srv.write_uri("fw-bad", "mq2m://server/img.bin?size=4999").ok());
    EXPECT_TRUE(eventually([&] { return srv.read_int("fw-bad", "/5/0/5") == 5; }));
    EXPECT_EQ(srv.read_int("fw-bad", "/5/0/3"), 0);
    // Unknown path: invalid URI (7).
    ASSERT_TRUE(srv.write_uri("fw-bad", "mq2m://server/nothing.bin?size=10").ok());
    EXPECT_TRUE(eventually([&] { return srv.read_int("fw-bad", "/5/0/5") == 7; }));
    ASSERT_TRUE(
        srv.write_uri("fw-bad", "coap://127.0.0.1:" + std::to_string(srv.runner().coap_port()) +
                                    "/fw/../secret")
            .ok());
    EXPECT_TRUE(eventually([&] { return srv.read_int("fw-bad", "/5/0/5") == 7; }));
    // Too large for the device (max_size 64 MiB): not enough flash (2).
    ASSERT_TRUE(srv.write_uri("fw-bad", "mq2m://server/img.bin?size=999999999").ok());
    EXPECT_TRUE(eventually([&] { return srv.read_int("fw-bad", "/5/0/5") == 2; }));
    EXPECT_EQ(srv.read_int("fw-bad", "/5/0/3"), 0);
}

// mq2m:// over MQTT: a mosquitto on a free port, the server's MQTT listener,
// a device speaking MQTT; 4 MiB, then a broker restart half-way.
TEST_F(fixture, mq2m_over_mqtt_4mib_and_a_broker_restart) {
    test::mosquitto_broker broker;
    ASSERT_TRUE(broker.start());
    const std::string url = "mqtt://127.0.0.1:" + std::to_string(broker.port()) + "/lwm2m/";
    auto image = put("img.bin", 4u << 20);
    server_side srv(images, url);
    {
        device_side dev("fw-mqtt", url, dev_dir);
        ASSERT_TRUE(eventually([&] { return srv.runner().find("fw-mqtt").has_value(); }));
        const std::string uri = "mq2m://server/img.bin?size=" + std::to_string(image.size());
        double s = full_update(srv, dev, "fw-mqtt", uri, image);
        EXPECT_EQ(srv.repo().blocks_served(), 4096u);
        std::printf("[ figure ] mq2m:// 4 MiB in 1024-byte blocks over MQTT: %.2f s, %.0f KiB/s\n",
                    s, 4096.0 / s);
    }
    fs::remove_all(dev_dir);
    {
        device_side dev("fw-mqtt2", url, dev_dir, 1ms);
        ASSERT_TRUE(eventually([&] { return srv.runner().find("fw-mqtt2").has_value(); }));
        const std::string uri = "mq2m://server/img.bin?size=" + std::to_string(image.size());
        ASSERT_TRUE(srv.write_uri("fw-mqtt2", uri).ok());
        ASSERT_TRUE(eventually([&] { return dev.next_block() >= 1500; }, 120000ms));
        broker.stop();
        std::this_thread::sleep_for(1000ms);
        ASSERT_TRUE(broker.start());
        ASSERT_TRUE(eventually([&] { return dev.state() == client::firmware_state::downloaded; },
                               180000ms));
        EXPECT_TRUE(read_file(dev.sink().image_path()) == image);
        EXPECT_TRUE(dev.saw("fw_download_retry"));
        auto x = srv.submit("fw-mqtt2", server::execute_request{*lwm2m::path::parse("/5/0/2"), ""});
        EXPECT_TRUE(x.ok()) << x.error;
        EXPECT_EQ(srv.read_int("fw-mqtt2", "/5/0/5"), 1);
    }
}

}  // namespace
}  // namespace sirocco
