// NAT rebinding over DTLS (issue 8, "Must show" 3): runtime::server_runner
// (DTLS listener, memory store, PSK entry put through its security_admin)
// and a sim_device + client_runner over coaps://, each on its own thread, on
// 127.0.0.1. Mid-session the client's UDP socket is closed and a new one
// opened on another port (client_runner::rebind_udp(), what a NAT rebinding
// looks like to the server).
//  - With a Connection ID (8 bytes both ways): the same session and the
//    same registration go on; the next notification arrives from the new
//    port; no new handshake; the server logs session_moved.
//  - Without (--dtls-cid 0 on both sides): the server drops what the new
//    port sends; the client's confirmable messages go unanswered, it does a
//    new (resumed) handshake and an Update, and the last value reaches the
//    server; still one registration (one `registered` event), no Register.
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "sirocco/runtime/client_runner.hpp"
#include "sirocco/runtime/event_loop.hpp"
#include "sirocco/runtime/server_log.hpp"
#include "sirocco/runtime/server_runner.hpp"
#include "sirocco/runtime/sim_device.hpp"

namespace sirocco {
namespace asio = boost::asio;
namespace {

using namespace std::chrono_literals;

const std::vector<std::uint8_t> psk = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                       0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};

// The server's core thread (as sirocco_server_runner_test.cpp's), with a log
// the test can read.
class core_thread {
  public:
    explicit core_thread(runtime::server_runner_options o)
        : log_(out_, runtime::log_level::debug), guard_(io_.get_executor()) {
        auto r = runtime::server_runner::create(io_, o, log_);
        EXPECT_TRUE(r) << (r ? "" : r.error().reason);
        if (!r) return;
        runner_ = std::move(*r);
        EXPECT_TRUE(runner_->start());
        t_ = std::thread([this] { io_.run(); });
    }
    ~core_thread() {
        if (!t_.joinable()) return;
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
    std::string log_text() {
        std::promise<std::string> p;
        asio::post(io_, [&] { p.set_value(out_.str()); });
        return p.get_future().get();
    }

  private:
    std::ostringstream out_;
    runtime::server_log log_;
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::unique_ptr<runtime::server_runner> runner_;
    std::thread t_;
};

// The device on its own loop thread.
class device_thread {
  public:
    device_thread(std::uint16_t port, std::uint8_t cid) {
        runtime::device_settings s;
        s.endpoint = "nat-dev";
        s.server_uri = "coaps://127.0.0.1:" + std::to_string(port);
        s.lifetime = 300;
        s.sensor_period_ms = 0;
        s.objects = {3303};
        s.security_mode = client::security_mode::psk;
        s.identity = {'n', 'a', 't', '-', 'i', 'd'};
        s.secret_key = psk;
        device_ = std::make_unique<runtime::sim_device>(s);
        EXPECT_TRUE(device_->setup_status());
        runtime::client_runner::options o;
        o.security = &device_->security();
        o.tls.cid_length = cid;
        o.transport_log = [this](std::string_view w) {
            std::lock_guard<std::mutex> l(mx_);
            log_ += std::string(w) + "\n";
        };
        runner_ = std::make_unique<runtime::client_runner>(
            loop_, device_->engine(),
            [this](const client::client_event& e) {
                if (e.kind == client::client_event_kind::registered) ++registered_;
                if (e.kind == client::client_event_kind::updated) ++updated_;
            },
            o);
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
    template <class F>
    auto on_loop(F f) {
        std::promise<decltype(f())> p;
        asio::post(loop_.io(), [&] { p.set_value(f()); });
        return p.get_future().get();
    }
    void set(const std::string& path, const std::string& value) {
        on_loop([&] {
            auto r = device_->set_local(*lwm2m::path::parse(path), value, runtime::now());
            runner_->pump();
            return r.has_value();
        });
    }
    std::uint16_t local_port() {
        return on_loop([&] { return runner_->local_address()->port(); });
    }
    void rebind() {
        ASSERT_TRUE(on_loop([&] { return runner_->rebind_udp().has_value(); }));
    }
    runtime::client_runner::link_status link() {
        return on_loop([&] { return *runner_->link_of(1); });
    }
    std::string log() {
        std::lock_guard<std::mutex> l(mx_);
        return log_;
    }
    int registered() const { return registered_.load(); }
    int updated() const { return updated_.load(); }

  private:
    runtime::event_loop loop_;
    std::unique_ptr<runtime::sim_device> device_;
    std::unique_ptr<runtime::client_runner> runner_;
    std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
    std::atomic<int> registered_{0}, updated_{0};
    std::mutex mx_;
    std::string log_;
    std::thread t_;
};

template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (p()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return p();
}

server::response submit(runtime::server_runner& r, server::dm_request req) {
    std::promise<server::response> p;
    auto f = p.get_future();
    r.submit("nat-dev", std::move(req), 5000ms,
             [&p](server::response x) { p.set_value(std::move(x)); });
    EXPECT_EQ(f.wait_for(10s), std::future_status::ready);
    return f.get();
}

// What the server saw: registered / updated events, notification values.
struct server_events {
    explicit server_events(runtime::server_runner& r) : r_(r) {
        id_ = r.subscribe([this](const server::event& e) {
            std::lock_guard<std::mutex> l(mx);
            if (e.kind == server::event_kind::registered) ++registered;
            if (e.kind == server::event_kind::updated) ++updated;
            if (e.kind == server::event_kind::notification)
                for (const auto& rec : e.result.records)
                    if (auto v = rec.value.view().as_float()) values.push_back(*v);
        });
    }
    ~server_events() { r_.unsubscribe(id_); }
    bool saw(double v) {
        std::lock_guard<std::mutex> l(mx);
        return std::find(values.begin(), values.end(), v) != values.end();
    }
    int count_registered() {
        std::lock_guard<std::mutex> l(mx);
        return registered;
    }
    int count_updated() {
        std::lock_guard<std::mutex> l(mx);
        return updated;
    }
    std::mutex mx;
    int registered = 0, updated = 0;
    std::vector<double> values;

  private:
    runtime::server_runner& r_;
    std::uint64_t id_ = 0;
};

runtime::server_runner_options server_options(std::uint8_t cid) {
    runtime::server_runner_options o;
    o.coap_address = "127.0.0.1";
    o.coap_port = 0;
    o.coaps_port = 0;
    o.store = runtime::store_kind::memory;
    o.dtls_cid_length = cid;
    return o;
}

void provision(runtime::server_runner& r) {
    server::security_entry e;
    e.endpoint = "nat-dev";
    e.mode = server::security_mode::psk;
    e.psk_identity = "nat-id";
    e.psk_key = psk;
    ASSERT_TRUE(r.put_security(e));
}

lwm2m::path P(const char* s) {
    return *lwm2m::path::parse(s);
}

TEST(nat_rebinding, with_connection_id_the_session_and_registration_go_on) {
    core_thread core(server_options(8));
    auto& r = core.runner();
    provision(r);
    server_events seen(r);
    device_thread dev(r.ports().dtls, 8);
    ASSERT_TRUE(eventually([&] { return r.find("nat-dev").has_value(); }, 10s)) << dev.log();
    EXPECT_TRUE(dev.link().cid);
    auto obs = submit(r, server::observe_request{P("/3303/0/5700"), {}});
    ASSERT_TRUE(obs.ok()) << obs.error;
    dev.set("/3303/0/5700", "21.5");
    ASSERT_TRUE(eventually([&] { return seen.saw(21.5); }, 10s));

    const std::uint16_t before = dev.local_port();
    dev.rebind();
    const std::uint16_t after = dev.local_port();
    EXPECT_NE(before, after);
    dev.set("/3303/0/5700", "22.75");
    ASSERT_TRUE(eventually([&] { return seen.saw(22.75); }, 10s))
        << "no notification after the rebind\n"
        << dev.log() << core.log_text();
    // Same session (one handshake), same registration, now at the new port.
    auto st = dev.link();
    EXPECT_EQ(st.handshakes, 1u);
    EXPECT_EQ(st.rehandshakes, 0u);
    EXPECT_EQ(seen.count_registered(), 1);
    EXPECT_EQ(dev.registered(), 1);
    auto reg = r.find("nat-dev");
    ASSERT_TRUE(reg);
    EXPECT_NE(reg->address.find(":" + std::to_string(after)), std::string::npos) << reg->address;
    EXPECT_NE(core.log_text().find("event=session_moved"), std::string::npos);
    // Reads still reach the device at its new address.
    auto rd = submit(r, server::read_request{P("/3/0/0"), {}});
    EXPECT_TRUE(rd.ok()) << rd.error;
}

TEST(nat_rebinding, without_connection_id_a_new_handshake_and_an_update) {
    core_thread core(server_options(0));
    auto& r = core.runner();
    provision(r);
    server_events seen(r);
    device_thread dev(r.ports().dtls, 0);
    ASSERT_TRUE(eventually([&] { return r.find("nat-dev").has_value(); }, 10s)) << dev.log();
    EXPECT_FALSE(dev.link().cid);
    auto obs = submit(r, server::observe_request{P("/3303/0/5700"), {}});
    ASSERT_TRUE(obs.ok()) << obs.error;
    dev.set("/3303/0/5700", "19.5");
    ASSERT_TRUE(eventually([&] { return seen.saw(19.5); }, 10s));

    dev.rebind();
    // Values change after the rebind: notifications (NON, every fifth CON)
    // go to a server that drops them; the CON one is retransmitted
    // unanswered, which makes the client handshake again.
    const char* values[] = {"20.25", "20.5", "20.75", "21.0", "21.25", "21.5"};
    for (const char* v : values) {
        dev.set("/3303/0/5700", v);
        std::this_thread::sleep_for(150ms);
    }
    ASSERT_TRUE(eventually([&] { return seen.saw(21.5); }, 45s)) << "the last value never arrived\n"
                                                                 << dev.log() << core.log_text();
    auto st = dev.link();
    EXPECT_EQ(st.rehandshakes, 1u);
    EXPECT_EQ(st.handshakes, 2u);
    EXPECT_GE(seen.count_updated(), 1);
    EXPECT_GE(dev.updated(), 1);
    // No registration lost, none made again.
    EXPECT_EQ(seen.count_registered(), 1);
    EXPECT_EQ(dev.registered(), 1);
    auto reg = r.find("nat-dev");
    ASSERT_TRUE(reg);
    EXPECT_NE(reg->address.find(":" + std::to_string(dev.local_port())), std::string::npos)
        << reg->address;
    auto rd = submit(r, server::read_request{P("/3/0/0"), {}});
    EXPECT_TRUE(rd.ok()) << rd.error;
}

}  // namespace
}  // namespace sirocco
