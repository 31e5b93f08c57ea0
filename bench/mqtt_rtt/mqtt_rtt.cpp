// sirocco-mqtt-rtt: mosquitto's own request/response ceiling for LwM2M over
// MQTT (docs/performance.md). A LwM2M Read over MQTT is a request published
// down to the device's topic and a response published up, both through the
// broker; this tool does exactly that with nothing else: one "server"
// connection publishes to rtt/<i>/down, K "device" connections (one per
// simulated device, as sirocco-fleet has one MQTT connection per device)
// each subscribe to their own topic and publish the same bytes back to
// rtt/<i>/up, which the server connection subscribes to (rtt/+/up). QoS 0,
// libmosquitto driven by one poll() loop, no thread per connection.
//
//   sirocco-mqtt-rtt --broker 127.0.0.1:PORT [--devices 100] [--size 32]
//       [--window 64 | --rate R] [--duration 5] [--warmup 1] [--timeout 1]
//       [--json FILE]
//   --window W: closed loop, W in flight; --rate R: open loop on a fixed
//   timetable (latency from the scheduled time). JSON: round_trips,
//   rt_per_s, latency_ms {p50,p90,p99,max}, sent, lost, cpu_s.
#include <mosquitto.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "bench_util.hpp"

namespace {

using namespace sirocco::bench;

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}

class rtt_bench;
struct conn {
    rtt_bench* owner = nullptr;
    bool server = false;
    mosquitto* m = nullptr;
    std::string down, up;  // topics
    bool connected = false, subscribed = false;
    bool dirty = false;  // published since its last write
    int fd = -1;         // registered with epoll
};

class rtt_bench {
  public:
    struct cfg {
        std::string host = "127.0.0.1";
        int port = 1883;
        std::uint32_t devices = 100;
        std::size_t size = 32;
        load_shaper::config load;
        std::string json;
    };
    explicit rtt_bench(const cfg& c) : c_(c) {}
    ~rtt_bench() {
        if (ep_ >= 0) ::close(ep_);
        for (auto& k : conns_)
            if (k->m) mosquitto_destroy(k->m);
    }

    int run() {
        std::string tag = std::to_string(::getpid());
        // conns_[0]: the server side; 1..K: the devices.
        for (std::uint32_t i = 0; i <= c_.devices; ++i) {
            auto k = std::make_unique<conn>();
            std::string id = i == 0 ? "rtt-srv-" + tag : "rtt-dev-" + tag + "-" + std::to_string(i);
            k->owner = this;
            k->server = i == 0;
            k->m = mosquitto_new(id.c_str(), true, k.get());
            if (!k->m) return fail("mosquitto_new");
            if (i > 0) {
                k->down = "rtt/" + tag + "/" + std::to_string(i) + "/down";
                k->up = "rtt/" + tag + "/" + std::to_string(i) + "/up";
            }
            mosquitto_connect_callback_set(k->m, &rtt_bench::on_connect);
            mosquitto_subscribe_callback_set(k->m, &rtt_bench::on_subscribe);
            mosquitto_message_callback_set(k->m, &rtt_bench::on_message);
            by_handle_.push_back(k.get());
            conns_.push_back(std::move(k));
        }
        for (auto& k : conns_) {
            int rc = mosquitto_connect(k->m, c_.host.c_str(), c_.port, 60);
            if (rc != MOSQ_ERR_SUCCESS)
                return fail(std::string("connect: ") + mosquitto_strerror(rc));
        }
        // Wait for every CONNACK and SUBACK.
        double deadline = now_s() + 30;
        while (!g_stop && ready_ < conns_.size()) {
            if (now_s() > deadline) return fail("connections not ready within 30 s");
            loop(10);
        }
        payload_.assign(std::max<std::size_t>(c_.size, 16), 0xa5);
        double cpu0 = process_cpu_s();
        auto send = [this](std::uint64_t seq, std::uint64_t slot) { send_one(seq, slot); };
        shaper_.start(c_.load, send);
        while (!g_stop) {
            double t = now_s();
            if (shaper_.done(t)) break;
            shaper_.tick(t, send);
            loop(static_cast<int>(shaper_.wait_s(now_s()) * 1000));
        }
        double cpu = process_cpu_s() - cpu0;
        for (auto& k : conns_)
            mosquitto_disconnect(k->m);
        loop(0);
        const auto& h = shaper_.histogram();
        std::string mode =
            c_.load.rate > 0 ? "open loop " + std::to_string(static_cast<long>(c_.load.rate)) + "/s"
                             : "window " + std::to_string(c_.load.window);
        std::printf(
            "mqtt rtt: %s, %u devices, %zu B: %.0f round trips/s, p50 %.3f ms, p90 %.3f ms, "
            "p99 %.3f ms, max %.3f ms, lost %llu of %llu\n",
            mode.c_str(), c_.devices, payload_.size(), shaper_.measured_rate(),
            h.percentile_ms(0.5), h.percentile_ms(0.9), h.percentile_ms(0.99), h.max_ms(),
            static_cast<unsigned long long>(shaper_.lost()),
            static_cast<unsigned long long>(shaper_.sent()));
        if (!c_.json.empty()) {
            json_out j;
            j.begin()
                .str("mode", c_.load.rate > 0 ? "open" : "window")
                .num("window", c_.load.rate > 0 ? 0 : c_.load.window)
                .num("rate_target", c_.load.rate)
                .num("devices", c_.devices)
                .num("size", static_cast<double>(payload_.size()))
                .num("duration_s", c_.load.duration)
                .num("round_trips", static_cast<double>(h.count()))
                .num("rt_per_s", shaper_.measured_rate())
                .latency("latency_ms", h)
                .num("sent", static_cast<double>(shaper_.sent()))
                .num("lost", static_cast<double>(shaper_.lost()))
                .num("cpu_s", cpu)
                .end();
            if (!write_file(c_.json, j.text())) return 1;
        }
        return 0;
    }

  private:
    int fail(const std::string& what) {
        std::cerr << "sirocco-mqtt-rtt: " << what << "\n";
        return 1;
    }

    static void on_connect(mosquitto* m, void* self, int rc) {
        auto* k = static_cast<conn*>(self);
        if (rc != 0) return;
        k->connected = true;
        std::string topic = k->server ? "rtt/" + std::to_string(::getpid()) + "/+/up" : k->down;
        mosquitto_subscribe(m, nullptr, topic.c_str(), 0);
    }
    static void on_subscribe(mosquitto*, void* self, int, int, const int*) {
        auto* k = static_cast<conn*>(self);
        if (!k->subscribed) {
            k->subscribed = true;
            ++k->owner->ready_;
        }
    }
    static void on_message(mosquitto* m, void* self, const mosquitto_message* msg) {
        auto* k = static_cast<conn*>(self);
        auto* b = k->owner;
        if (msg->payloadlen < 16) return;
        if (k->server) {  // a response at the server side
            std::uint64_t seq = 0, slot = 0;
            std::memcpy(&seq, msg->payload, 8);
            std::memcpy(&slot, static_cast<const char*>(msg->payload) + 8, 8);
            b->shaper_.on_reply(seq, slot, now_s(),
                                [b](std::uint64_t s, std::uint64_t i) { b->send_one(s, i); });
            return;
        }
        // A device: answer on its uplink.
        mosquitto_publish(m, nullptr, k->up.c_str(), msg->payloadlen, msg->payload, 0, false);
        b->mark(k);
    }
    void mark(conn* k) {
        if (!k->dirty) {
            k->dirty = true;
            dirty_.push_back(k);
        }
    }

    void send_one(std::uint64_t seq, std::uint64_t slot) {
        std::memcpy(payload_.data(), &seq, 8);
        std::memcpy(payload_.data() + 8, &slot, 8);
        conn* dev = by_handle_[1 + seq % c_.devices];
        mosquitto_publish(by_handle_[0]->m, nullptr, dev->down.c_str(),
                          static_cast<int>(payload_.size()), payload_.data(), 0, false);
        mark(by_handle_[0]);
    }

    /// One epoll_wait over the connections' sockets, libmosquitto's read
    /// for those readable, its write for those that published since, and
    /// housekeeping (keep-alive) once a second.
    void loop(int wait_ms) {
        if (ep_ < 0) ep_ = ::epoll_create1(EPOLL_CLOEXEC);
        for (auto& k : conns_) {
            int fd = mosquitto_socket(k->m);
            if (fd != k->fd && fd >= 0) {
                epoll_event ev{};
                ev.events = EPOLLIN;
                ev.data.ptr = k.get();
                ::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
                k->fd = fd;
                mark(k.get());  // CONNECT may still be queued
            }
        }
        epoll_event evs[256];
        int n = ::epoll_wait(ep_, evs, 256, dirty_.empty() ? wait_ms : 0);
        for (int i = 0; i < n; ++i)
            mosquitto_loop_read(static_cast<conn*>(evs[i].data.ptr)->m, 1);
        std::vector<conn*> still;
        for (conn* k : dirty_) {
            k->dirty = false;
            if (mosquitto_want_write(k->m)) mosquitto_loop_write(k->m, 1);
            if (mosquitto_want_write(k->m)) still.push_back(k);
        }
        dirty_.clear();
        for (conn* k : still)
            mark(k);
        double t = now_s();
        if (t > next_misc_) {
            next_misc_ = t + 1;
            for (auto& k : conns_) {
                mosquitto_loop_misc(k->m);
                if (mosquitto_want_write(k->m)) mark(k.get());
            }
        }
    }

    cfg c_;
    std::vector<std::unique_ptr<conn>> conns_;
    std::vector<conn*> by_handle_;
    std::vector<conn*> dirty_;
    int ep_ = -1;
    std::size_t ready_ = 0;
    std::vector<std::uint8_t> payload_;
    load_shaper shaper_;
    double next_misc_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    flags f(argc, argv);
    if (f.take_switch("--help")) {
        std::cout << "usage: sirocco-mqtt-rtt --broker HOST:PORT [--devices K] [--size B] "
                     "[--window W | --rate R] [--duration S] [--warmup S] [--timeout S] "
                     "[--json FILE]\n";
        return 0;
    }
    rtt_bench::cfg c;
    std::string broker = f.text("--broker", "127.0.0.1:1883");
    c.devices = static_cast<std::uint32_t>(f.number("--devices", 100, 1, 10000));
    c.size = static_cast<std::size_t>(f.number("--size", 32, 16, 100000));
    c.load.window = static_cast<std::uint32_t>(f.number("--window", 64, 1, 100000));
    c.load.rate = f.number("--rate", 0, 0, 1e7);
    c.load.duration = f.number("--duration", 5, 0.1, 3600);
    c.load.warmup = f.number("--warmup", 1, 0, 600);
    c.load.timeout = f.number("--timeout", 1, 0.01, 60);
    c.json = f.text("--json", "");
    std::string err;
    if (!f.finish(err)) {
        std::cerr << "sirocco-mqtt-rtt: " << err << "\n";
        return 2;
    }
    auto colon = broker.rfind(':');
    if (colon == std::string::npos) {
        std::cerr << "sirocco-mqtt-rtt: --broker HOST:PORT\n";
        return 2;
    }
    c.host = broker.substr(0, colon);
    c.port = std::atoi(broker.c_str() + colon + 1);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    mosquitto_lib_init();
    int rc = rtt_bench(c).run();
    mosquitto_lib_cleanup();
    return rc;
}
