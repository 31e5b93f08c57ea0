// server_runner's secure and stream listeners in one process, with real
// sockets on 127.0.0.1: sim_device + client_runner devices over DTLS (PSK,
// RPK), CoAP over TCP and over TLS, each registering and answering Reads and
// Observes through the device_manager; the security store decides who may be
// whom; a DTLS device whose address changes (Connection ID) keeps its session
// and its registration follows; changing or removing a security entry closes
// the sessions of that identity.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "sirocco/runtime/client_runner.hpp"
#include "sirocco/runtime/event_loop.hpp"
#include "sirocco/runtime/server_log.hpp"
#include "sirocco/runtime/server_runner.hpp"
#include "sirocco/runtime/sim_device.hpp"
#include "sirocco/runtime/tls.hpp"

namespace sirocco {
namespace asio = boost::asio;
namespace {

using namespace std::chrono_literals;

// A log stream several threads may write (server_log serialises lines) and
// the test may read.
class shared_log {
  public:
    std::ostream& stream() { return out_; }
    std::string text() {
        std::lock_guard<std::mutex> l(mx_);
        return out_.str();
    }
    std::size_t count(const std::string& needle) {
        const std::string t = text();
        std::size_t n = 0;
        for (auto p = t.find(needle); p != std::string::npos; p = t.find(needle, p + 1))
            ++n;
        return n;
    }

  private:
    std::mutex mx_;
    std::ostringstream out_;
};

class core_thread {
  public:
    explicit core_thread(runtime::server_runner_options o)
        : log_(log_text_.stream(), runtime::log_level::debug), guard_(io_.get_executor()) {
        auto r = runtime::server_runner::create(io_, o, log_);
        EXPECT_TRUE(r) << (r ? "" : r.error().reason);
        if (!r) return;
        runner_ = std::move(*r);
        auto s = runner_->start();
        EXPECT_TRUE(s) << (s ? "" : s.error().reason);
        t_ = std::thread([this] { io_.run(); });
    }
    ~core_thread() { stop(); }
    void stop() {
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
    std::size_t log_count(const std::string& needle) { return log_text_.count(needle); }
    std::string log() { return log_text_.text(); }

  private:
    shared_log log_text_;
    runtime::server_log log_;
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::unique_ptr<runtime::server_runner> runner_;
    std::thread t_;
};

class device_thread {
  public:
    explicit device_thread(runtime::device_settings s) {
        s.sensor_period_ms = 0;
        if (s.lifetime == 300) s.lifetime = 120;
        device_ = std::make_unique<runtime::sim_device>(s);
        auto st = device_->setup_status();
        EXPECT_TRUE(st) << (st ? "" : st.error().reason);
        runtime::client_runner::options o;
        o.bind_v4 = asio::ip::make_address("127.0.0.1");
        o.security = &device_->security();
        o.transport_log = [this](std::string_view w) {
            std::lock_guard<std::mutex> l(mx_);
            transport_log_ += std::string(w) + "\n";
        };
        runner_ = std::make_unique<runtime::client_runner>(
            loop_, device_->engine(),
            [this](const client::client_event& e) {
                if (e.kind == client::client_event_kind::registered) ++registrations_;
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
    void rebind() {
        on_loop([&] { ASSERT_TRUE(runner_->rebind_udp()); });
    }
    int registrations() const { return registrations_.load(); }
    std::string transport_log() {
        std::lock_guard<std::mutex> l(mx_);
        return transport_log_;
    }

  private:
    runtime::event_loop loop_;
    std::unique_ptr<runtime::sim_device> device_;
    std::unique_ptr<runtime::client_runner> runner_;
    std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
    std::atomic<int> registrations_{0};
    std::mutex mx_;
    std::string transport_log_;
    std::thread t_;
};

template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds limit = 8000ms) {
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
    r.submit(ep, std::move(req), 4000ms, [&p](server::response x) { p.set_value(std::move(x)); });
    EXPECT_EQ(f.wait_for(8s), std::future_status::ready);
    return f.get();
}

lwm2m::path P(const char* s) {
    return *lwm2m::path::parse(s);
}

std::vector<std::uint8_t> bytes_of(std::string_view s) {
    return {s.begin(), s.end()};
}

runtime::server_runner_options secure_options() {
    runtime::server_runner_options o;
    o.coap_address = "127.0.0.1";
    o.coap_port = 0;
    o.coaps_port = 0;
    o.coap_tcp_port = 0;
    o.coaps_tcp_port = 0;
    o.store = runtime::store_kind::memory;
    return o;
}

server::security_entry psk(const std::string& ep, const std::string& id, const std::string& key) {
    server::security_entry e;
    e.endpoint = ep;
    e.mode = server::security_mode::psk;
    e.psk_identity = id;
    e.psk_key = bytes_of(key);
    return e;
}

runtime::device_settings psk_device(const std::string& ep, const std::string& uri,
                                    const std::string& id, const std::string& key) {
    runtime::device_settings s;
    s.endpoint = ep;
    s.server_uri = uri;
    s.security_mode = client::security_mode::psk;
    s.identity = bytes_of(id);
    s.secret_key = bytes_of(key);
    s.retry_timer_s = 1;
    return s;
}

// The DER bytes inside a PEM text (the first block; base64, RFC 7468).
std::vector<std::uint8_t> pem_to_der(const std::string& pem) {
    std::vector<std::uint8_t> out;
    auto b = pem.find("-----", pem.find("-----BEGIN") + 10);
    auto e = pem.find("-----END");
    unsigned acc = 0;
    int bits = 0;
    for (auto i = b + 5; i < e; ++i) {
        const char c = pem[i];
        int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '+'             ? 62
                : c == '/'             ? 63
                                       : -1;
        if (v < 0) continue;
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

std::string uri(const char* scheme, std::uint16_t port) {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port);
}

// Reads /3/0/0 and checks that the device answered.
void expect_read(runtime::server_runner& r, const std::string& ep) {
    auto x = submit(r, ep, server::read_request{P("/3/0/0"), {}});
    EXPECT_TRUE(x.ok()) << ep << ": " << x.error;
    EXPECT_EQ(x.records.size(), 1u) << ep;
}

}  // namespace

TEST(server_security_runner, dtls_psk_register_read_observe_and_refusals) {
    core_thread core(secure_options());
    auto& r = core.runner();
    const auto ports = r.ports();
    ASSERT_NE(ports.dtls, 0);
    ASSERT_TRUE(r.put_security(psk("dtls-dev", "dtls-id", "dtls-key")));
    ASSERT_TRUE(r.put_security(psk("other-dev", "other-id", "other-key")));

    device_thread dev(psk_device("dtls-dev", uri("coaps", ports.dtls), "dtls-id", "dtls-key"));
    ASSERT_TRUE(eventually([&] { return r.find("dtls-dev").has_value(); }));
    auto reg = r.find("dtls-dev");
    EXPECT_EQ(reg->address.rfind("coaps://127.0.0.1:", 0), 0u) << reg->address;
    expect_read(r, "dtls-dev");
    EXPECT_EQ(r.links().dtls, 1u);

    auto obs = submit(r, "dtls-dev", server::observe_request{P("/3303/0/5700"), {}});
    ASSERT_TRUE(obs.ok()) << obs.error;
    std::atomic<int> notes{0};
    auto sub = r.subscribe([&](const server::event& e) {
        if (e.kind == server::event_kind::notification && e.endpoint == "dtls-dev") ++notes;
    });
    dev.set("/3303/0/5700", "21.5");
    EXPECT_TRUE(eventually([&] { return notes.load() >= 1; }));

    // A device with the other identity's credentials but this endpoint:
    // the handshake works, its Register is refused, logged once.
    device_thread thief(psk_device("dtls-dev", uri("coaps", ports.dtls), "other-id", "other-key"));
    EXPECT_TRUE(eventually([&] { return core.log_count("event=registration_refused") >= 1; }));
    std::this_thread::sleep_for(2500ms);  // the thief's engine retries its Register
    EXPECT_EQ(core.log_count("event=registration_refused"), 1u) << core.log();
    EXPECT_EQ(thief.registrations(), 0);
    // The real device is still the one registered, and still served.
    EXPECT_EQ(r.find("dtls-dev")->id, reg->id);
    expect_read(r, "dtls-dev");
    const int before = notes.load();
    dev.set("/3303/0/5700", "22.5");
    EXPECT_TRUE(eventually([&] { return notes.load() > before; }));
    r.unsubscribe(sub);
}

TEST(server_security_runner, unknown_identity_and_plain_udp_of_a_secured_endpoint) {
    core_thread core(secure_options());
    auto& r = core.runner();
    const auto ports = r.ports();
    ASSERT_TRUE(r.put_security(psk("sec-dev", "sec-id", "sec-key")));
    device_thread stranger(psk_device("sec-dev", uri("coaps", ports.dtls), "who", "what"));
    EXPECT_TRUE(
        eventually([&] { return core.log_count("event=handshake_refused transport=dtls") >= 1; }));
    EXPECT_NE(core.log().find("reason=unknown_identity"), std::string::npos);
    runtime::device_settings plain;
    plain.endpoint = "sec-dev";
    plain.server_uri = uri("coap", ports.udp);
    plain.retry_timer_s = 1;
    device_thread udp(plain);
    EXPECT_TRUE(eventually([&] { return core.log_count("event=registration_refused") >= 1; }));
    EXPECT_NE(core.log().find("transport=udp"), std::string::npos);
    EXPECT_FALSE(r.find("sec-dev").has_value());
    // The same plain device name without an entry registers.
    ASSERT_TRUE(r.remove_security("sec-dev"));
    EXPECT_TRUE(eventually([&] { return r.find("sec-dev").has_value(); }, 15000ms));
}

TEST(server_security_runner, tcp_and_tls_devices) {
    core_thread core(secure_options());
    auto& r = core.runner();
    const auto ports = r.ports();
    ASSERT_NE(ports.tcp, 0);
    ASSERT_NE(ports.tls, 0);
    ASSERT_TRUE(r.put_security(psk("tls-dev", "tls-id", "tls-key")));
    runtime::device_settings tcp;
    tcp.endpoint = "tcp-dev";
    tcp.server_uri = uri("coap+tcp", ports.tcp);
    device_thread d1(tcp);
    device_thread d2(psk_device("tls-dev", uri("coaps+tcp", ports.tls), "tls-id", "tls-key"));
    ASSERT_TRUE(eventually([&] { return r.find("tcp-dev") && r.find("tls-dev"); }));
    EXPECT_EQ(r.find("tcp-dev")->address.rfind("coap+tcp://127.0.0.1:", 0), 0u);
    EXPECT_EQ(r.find("tls-dev")->address.rfind("coaps+tcp://127.0.0.1:", 0), 0u);
    for (int i = 0; i < 3; ++i) {
        expect_read(r, "tcp-dev");
        expect_read(r, "tls-dev");
    }
    auto obs = submit(r, "tls-dev", server::observe_request{P("/3303/0/5700"), {}});
    ASSERT_TRUE(obs.ok()) << obs.error;
    std::atomic<int> notes{0};
    auto sub = r.subscribe([&](const server::event& e) {
        if (e.kind == server::event_kind::notification && e.endpoint == "tls-dev") ++notes;
    });
    d2.set("/3303/0/5700", "19.0");
    EXPECT_TRUE(eventually([&] { return notes.load() >= 1; }));
    r.unsubscribe(sub);
    auto l = r.links();
    EXPECT_EQ(l.tcp, 1u);
    EXPECT_EQ(l.tls, 1u);
}

TEST(server_security_runner, rpk_device) {
    auto server_key = runtime::tls::generate_ec_key();
    auto device_key = runtime::tls::generate_ec_key();
    ASSERT_TRUE(server_key && device_key);
    char dir_tmpl[] = "/tmp/sirocco-secrunner-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_tmpl), nullptr);
    const std::string dir = dir_tmpl;
    const std::string key_file = dir + "/server.key";
    std::ofstream(key_file) << *server_key;
    auto opts = secure_options();
    opts.tls_key_file = key_file;
    {
        core_thread core(opts);
        auto& r = core.runner();
        auto server_spki = runtime::tls::public_key_der(*server_key);
        auto device_spki = runtime::tls::public_key_der(*device_key);
        ASSERT_TRUE(server_spki && device_spki);
        EXPECT_EQ(r.server_security().public_key, *server_spki);
        server::security_entry e;
        e.endpoint = "rpk-dev";
        e.mode = server::security_mode::rpk;
        e.public_key = *device_spki;
        ASSERT_TRUE(r.put_security(e));
        runtime::device_settings s;
        s.endpoint = "rpk-dev";
        s.server_uri = uri("coaps", r.ports().dtls);
        s.security_mode = client::security_mode::rpk;
        s.identity = *device_spki;
        s.secret_key = pem_to_der(*device_key);
        s.server_public_key = *server_spki;
        s.retry_timer_s = 1;
        device_thread dev(s);
        ASSERT_TRUE(eventually([&] { return r.find("rpk-dev").has_value(); }))
            << core.log() << dev.transport_log();
        expect_read(r, "rpk-dev");
        EXPECT_NE(core.log().find("identity=rpk:"), std::string::npos);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

TEST(server_security_runner, cid_session_moves_and_the_registration_follows) {
    core_thread core(secure_options());
    auto& r = core.runner();
    ASSERT_TRUE(r.put_security(psk("nat-dev", "nat-id", "nat-key")));
    device_thread dev(psk_device("nat-dev", uri("coaps", r.ports().dtls), "nat-id", "nat-key"));
    ASSERT_TRUE(eventually([&] { return r.find("nat-dev").has_value(); }));
    const auto first = *r.find("nat-dev");
    auto obs = submit(r, "nat-dev", server::observe_request{P("/3303/0/5700"), {}});
    ASSERT_TRUE(obs.ok()) << obs.error;
    std::atomic<int> notes{0};
    auto sub = r.subscribe([&](const server::event& e) {
        if (e.kind == server::event_kind::notification && e.endpoint == "nat-dev") ++notes;
    });
    dev.rebind();
    dev.set("/3303/0/5700", "30.5");  // the first record from the new address
    EXPECT_TRUE(eventually([&] { return notes.load() >= 1; }));
    EXPECT_TRUE(eventually([&] { return core.log_count("event=session_moved") == 1; }))
        << core.log();
    EXPECT_TRUE(eventually([&] { return r.find("nat-dev")->address != first.address; }));
    auto now = *r.find("nat-dev");
    EXPECT_EQ(now.id, first.id);  // same registration
    EXPECT_EQ(dev.registrations(), 1);
    EXPECT_EQ(r.links().dtls, 1u);  // same session
    expect_read(r, "nat-dev");
    r.unsubscribe(sub);
}

TEST(server_security_runner, changing_an_entry_closes_its_sessions) {
    core_thread core(secure_options());
    auto& r = core.runner();
    ASSERT_TRUE(r.put_security(psk("chg-dev", "chg-id", "chg-key")));
    ASSERT_TRUE(r.put_security(psk("keep-dev", "keep-id", "keep-key")));
    device_thread a(psk_device("chg-dev", uri("coaps", r.ports().dtls), "chg-id", "chg-key"));
    device_thread b(psk_device("keep-dev", uri("coaps", r.ports().dtls), "keep-id", "keep-key"));
    ASSERT_TRUE(eventually([&] { return r.find("chg-dev") && r.find("keep-dev"); }));
    EXPECT_EQ(r.links().dtls, 2u);
    // A new key for chg-dev: its session ends, the device's old key no
    // longer works; keep-dev is untouched.
    ASSERT_TRUE(r.put_security(psk("chg-dev", "chg-id", "new-key")));
    EXPECT_TRUE(eventually([&] { return r.links().dtls == 1u; })) << core.log();
    EXPECT_NE(core.log().find("security entry of 'chg-dev' changed"), std::string::npos);
    expect_read(r, "keep-dev");
    auto x = submit(r, "chg-dev", server::read_request{P("/3/0/0"), {}});
    EXPECT_FALSE(x.ok());
    EXPECT_TRUE(
        eventually([&] { return core.log().find("reason=bad_key") != std::string::npos; }, 15000ms))
        << core.log();
    // Removing keep-dev's entry ends its session too.
    ASSERT_TRUE(r.remove_security("keep-dev"));
    EXPECT_TRUE(eventually([&] { return r.links().dtls == 0u; }));
}

}  // namespace sirocco

namespace sirocco {

TEST(server_security_runner, silent_and_aborted_tcp_connections_are_closed) {
    auto opts = secure_options();
    opts.handshake_timeout_ms = 300;
    core_thread core(opts);
    auto& r = core.runner();
    asio::io_context io;
    auto connect = [&](std::uint16_t port) {
        asio::ip::tcp::socket s(io);
        s.connect({asio::ip::make_address("127.0.0.1"), port});
        return s;
    };
    // Waits for the server to close the connection (EOF or reset).
    auto closed_within = [&](asio::ip::tcp::socket& s, std::chrono::milliseconds limit) {
        ::timeval tv{static_cast<time_t>(limit.count() / 1000),
                     static_cast<suseconds_t>((limit.count() % 1000) * 1000)};
        ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        std::array<char, 256> buf{};
        boost::system::error_code ec;
        for (;;) {
            s.read_some(asio::buffer(buf), ec);
            if (ec) return ec == asio::error::eof || ec == asio::error::connection_reset;
        }
    };
    // Silent plain TCP and TLS connections: closed after the handshake timeout.
    auto silent = connect(r.ports().tcp);
    auto silent_tls = connect(r.ports().tls);
    EXPECT_TRUE(closed_within(silent, 3000ms));
    EXPECT_TRUE(closed_within(silent_tls, 3000ms));
    // Garbage on TCP: the engine answers Abort and the connection closes.
    auto junk = connect(r.ports().tcp);
    const std::array<std::uint8_t, 8> garbage{0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    asio::write(junk, asio::buffer(garbage));
    EXPECT_TRUE(closed_within(junk, 3000ms));
    EXPECT_TRUE(eventually([&] { return r.links().tcp == 0 && r.links().tls == 0; }));
    // The listener still works.
    runtime::device_settings tcp;
    tcp.endpoint = "after-dev";
    tcp.server_uri = uri("coap+tcp", r.ports().tcp);
    device_thread d(tcp);
    EXPECT_TRUE(eventually([&] { return r.find("after-dev").has_value(); }));
}

}  // namespace sirocco

namespace sirocco {

TEST(server_security_runner, idle_dtls_sessions_are_closed_when_asked) {
    auto opts = secure_options();
    opts.dtls_idle_timeout_ms = 400;
    core_thread core(opts);
    auto& r = core.runner();
    ASSERT_TRUE(r.put_security(psk("idle-dev", "idle-id", "idle-key")));
    device_thread dev(psk_device("idle-dev", uri("coaps", r.ports().dtls), "idle-id", "idle-key"));
    ASSERT_TRUE(eventually([&] { return r.find("idle-dev").has_value(); }));
    EXPECT_TRUE(eventually([&] { return r.links().dtls == 0u; }, 5000ms));
    EXPECT_NE(core.log().find("idle timeout"), std::string::npos) << core.log();
    EXPECT_TRUE(r.find("idle-dev").has_value());  // the registration stays
}

}  // namespace sirocco
