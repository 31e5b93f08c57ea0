// runtime::server_runner as the REST API sees it (device_manager), with a
// real sim_device + client_runner over UDP on 127.0.0.1, each on its own
// thread: the runner's core on one, the device on another, the test (as an
// HTTP thread would) calling submit()/subscribe()/registrations() from a
// third. Also: the logfmt logger, the server clock, and a restart over the
// SQLite store in a temp folder (the registration and the observation are
// back, a notification after the restart is delivered).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "sirocco/runtime/client_runner.hpp"
#include "sirocco/runtime/event_loop.hpp"
#include "sirocco/runtime/server_clock.hpp"
#include "sirocco/runtime/server_log.hpp"
#include "sirocco/runtime/server_runner.hpp"
#include "sirocco/runtime/sim_device.hpp"

namespace sirocco {
namespace asio = boost::asio;
namespace {

using namespace std::chrono_literals;

TEST(server_log, logfmt_lines_and_levels) {
    std::ostringstream out;
    runtime::server_log log(out, runtime::log_level::info);
    log.write(runtime::log_level::debug, "hidden");
    log.write(runtime::log_level::info, "registered",
              {{"ep", "dev 1"}, {"q", "a\"b"}, {"empty", ""}, {"plain", "x"}});
    std::string s = out.str();
    EXPECT_EQ(s.find("hidden"), std::string::npos);
    EXPECT_NE(s.find(" level=info event=registered ep=\"dev 1\" q=\"a\\\"b\" empty=\"\" plain=x\n"),
              std::string::npos)
        << s;
    EXPECT_EQ(s.rfind("ts=", 0), 0u);
    EXPECT_EQ(runtime::server_log::quote("a\nb"), "\"a\\nb\"");
    EXPECT_EQ(runtime::parse_log_level("warn"), runtime::log_level::warn);
    EXPECT_FALSE(runtime::parse_log_level("loud"));
}

TEST(server_clock, wall_clock_based_and_monotonic) {
    runtime::server_clock c;
    auto wall = static_cast<coap::time_ms>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
    auto a = c.now();
    EXPECT_LE(a > wall ? a - wall : wall - a, 1000u);
    std::this_thread::sleep_for(5ms);
    auto b = c.now();
    EXPECT_GE(b, a + 4);
    auto tp = c.to_steady(b + 1000);
    auto d = std::chrono::duration_cast<std::chrono::milliseconds>(
        tp - std::chrono::steady_clock::now());
    EXPECT_GT(d.count(), 900);
    EXPECT_LE(d.count(), 1001);
}

// The runner's core thread.
class core_thread {
  public:
    explicit core_thread(runtime::server_runner_options o)
        : out_(), log_(out_, runtime::log_level::debug), guard_(io_.get_executor()) {
        auto r = runtime::server_runner::create(io_, o, log_);
        EXPECT_TRUE(r) << (r ? "" : r.error().reason);
        if (!r) return;
        runner_ = std::move(*r);
        EXPECT_TRUE(runner_->start());
        t_ = std::thread([this] { io_.run(); });
    }
    ~core_thread() { stop(); }
    void stop() {
        if (!t_.joinable()) return;
        runner_->stop();  // posted: runs before `done` below
        std::promise<void> done;
        asio::post(io_, [&] { done.set_value(); });
        done.get_future().wait();
        guard_.reset();
        io_.stop();
        t_.join();
        runner_.reset();
    }
    runtime::server_runner& runner() { return *runner_; }
    std::string log_text() {
        std::ostringstream& o = out_;
        return o.str();
    }

  private:
    std::ostringstream out_;
    runtime::server_log log_;
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::unique_ptr<runtime::server_runner> runner_;
    std::thread t_;
};

// A sim_device on its own event loop thread.
class device_thread {
  public:
    device_thread(const std::string& ep, std::uint16_t port) {
        runtime::device_settings s;
        s.endpoint = ep;
        s.server_uri = "coap://127.0.0.1:" + std::to_string(port);
        s.lifetime = 120;
        s.sensor_period_ms = 0;
        device_ = std::make_unique<runtime::sim_device>(s);
        runner_ = std::make_unique<runtime::client_runner>(
            loop_, device_->engine(), [this](const client::client_event& e) {
                if (e.kind == client::client_event_kind::registered) ++registrations_;
            });
        EXPECT_TRUE(runner_->start());
        guard_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
            loop_.io().get_executor());
        t_ = std::thread([this] { loop_.io().run(); });
    }
    ~device_thread() {
        guard_.reset();
        loop_.stop();
        if (t_.joinable()) t_.join();
    }
    /// Runs f on the device's thread and waits.
    template <class F>
    void on_loop(F f) {
        std::promise<void> done;
        asio::post(loop_.io(), [&] {
            f();
            done.set_value();
        });
        done.get_future().wait();
    }
    void set(const std::string& path, const std::string& value) {
        on_loop([&] {
            auto p = lwm2m::path::parse(path);
            ASSERT_TRUE(p);
            ASSERT_TRUE(device_->set_local(*p, value, runtime::now()));
            runner_->pump();
        });
    }
    int registrations() const { return registrations_.load(); }

  private:
    runtime::event_loop loop_;
    std::unique_ptr<runtime::sim_device> device_;
    std::unique_ptr<runtime::client_runner> runner_;
    std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
    std::atomic<int> registrations_{0};
    std::thread t_;
};

template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds limit = 5000ms) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (p()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return p();
}

server::response submit(runtime::server_runner& r, const std::string& ep, server::dm_request req) {
    std::promise<server::response> p;
    auto f = p.get_future();
    r.submit(ep, std::move(req), 3000ms, [&p](server::response x) { p.set_value(std::move(x)); });
    EXPECT_EQ(f.wait_for(5s), std::future_status::ready);
    return f.get();
}

lwm2m::path P(const char* s) {
    return *lwm2m::path::parse(s);
}

class temp_dir {
  public:
    temp_dir() {
        char t[] = "/tmp/sirocco-runner-XXXXXX";
        path_ = ::mkdtemp(t);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

runtime::server_runner_options options(const std::string& dir, runtime::store_kind k,
                                       std::uint16_t port = 0) {
    runtime::server_runner_options o;
    o.coap_address = "127.0.0.1";
    o.coap_port = port;
    o.store = k;
    o.data_dir = dir;
    return o;
}

TEST(server_runner, device_manager_from_other_threads) {
    temp_dir dir;
    core_thread core(options(dir.path(), runtime::store_kind::memory));
    auto& r = core.runner();
    std::mutex mx;
    std::vector<server::event_kind> seen;
    auto id = r.subscribe([&](const server::event& e) {
        std::lock_guard<std::mutex> l(mx);
        seen.push_back(e.kind);
    });
    device_thread dev("runner-dev", r.coap_port());
    ASSERT_TRUE(eventually([&] { return r.find("runner-dev").has_value(); }));
    EXPECT_EQ(r.registrations().size(), 1u);
    EXPECT_FALSE(r.sleeping("runner-dev"));

    // Unknown endpoint: an answer, not a hang.
    auto nf = submit(r, "nobody", server::read_request{P("/3/0/0"), {}});
    EXPECT_EQ(nf.fail, server::failure::not_registered);

    // Requests from several threads at once.
    std::vector<std::thread> ts;
    std::atomic<int> ok{0};
    for (int i = 0; i < 4; ++i)
        ts.emplace_back([&] {
            for (int k = 0; k < 5; ++k) {
                auto x = submit(r, "runner-dev", server::read_request{P("/3/0/0"), {}});
                if (x.ok() && x.records.size() == 1) ++ok;
            }
        });
    for (auto& t : ts)
        t.join();
    EXPECT_EQ(ok.load(), 20);

    // Observe, a change on the device, the notification reaches listeners.
    auto obs = submit(r, "runner-dev", server::observe_request{P("/3303/0/5700"), {}});
    ASSERT_TRUE(obs.ok()) << obs.error;
    ASSERT_TRUE(obs.observed);
    EXPECT_EQ(r.observations("runner-dev").size(), 1u);
    dev.set("/3303/0/5700", "33.5");
    EXPECT_TRUE(eventually([&] {
        std::lock_guard<std::mutex> l(mx);
        return std::count(seen.begin(), seen.end(), server::event_kind::notification) >= 1;
    }));
    r.unsubscribe(id);
    auto before = seen.size();
    dev.set("/3303/0/5700", "34.5");
    std::this_thread::sleep_for(200ms);
    {
        std::lock_guard<std::mutex> l(mx);
        EXPECT_EQ(seen.size(), before);  // not called after unsubscribe()
    }
    EXPECT_GE(r.counters().notifications, 2u);
    core.stop();  // the log is written by the core thread: read it after
    EXPECT_NE(core.log_text().find("event=registered ep=runner-dev"), std::string::npos);
    EXPECT_NE(core.log_text().find("event=request ep=runner-dev op=read outcome=CONTENT"),
              std::string::npos);
}

TEST(server_runner, submit_after_stop_is_cancelled) {
    temp_dir dir;
    core_thread core(options(dir.path(), runtime::store_kind::memory));
    core.runner().stop();
    auto x = submit(core.runner(), "x", server::read_request{P("/3/0/0"), {}});
    EXPECT_EQ(x.fail, server::failure::cancelled);
}

TEST(server_runner, sqlite_restart_keeps_registration_and_observation) {
    temp_dir dir;
    std::uint16_t port = 0;
    auto dev_holder = std::unique_ptr<device_thread>();
    {
        core_thread core(options(dir.path(), runtime::store_kind::sqlite));
        port = core.runner().coap_port();
        dev_holder = std::make_unique<device_thread>("restart-dev", port);
        ASSERT_TRUE(eventually([&] { return core.runner().find("restart-dev").has_value(); }));
        auto obs =
            submit(core.runner(), "restart-dev", server::observe_request{P("/3303/0/5700"), {}});
        ASSERT_TRUE(obs.ok()) << obs.error;
    }  // the runner is gone (as after a crash: nothing told the device)
    EXPECT_TRUE(std::filesystem::exists(dir.path() + "/sirocco.db"));
    core_thread core(options(dir.path(), runtime::store_kind::sqlite, port));
    auto& r = core.runner();
    ASSERT_TRUE(r.find("restart-dev").has_value());
    ASSERT_EQ(r.observations("restart-dev").size(), 1u);
    std::atomic<int> notes{0};
    r.subscribe([&](const server::event& e) {
        if (e.kind == server::event_kind::notification) ++notes;
    });
    dev_holder->set("/3303/0/5700", "41.5");
    EXPECT_TRUE(eventually([&] { return notes.load() >= 1; }));
    auto x = submit(r, "restart-dev", server::read_request{P("/3/0/0"), {}});
    EXPECT_TRUE(x.ok()) << x.error;
    EXPECT_EQ(dev_holder->registrations(), 1);  // it never registered again
    dev_holder.reset();
}

}  // namespace
}  // namespace sirocco
