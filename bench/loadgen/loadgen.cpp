// sirocco-loadgen: the server-side load driver of the performance suite
// (docs/performance.md). It IS a Sirocco server: it runs
// runtime::server_runner (the core of sirocco-server: UDP socket, MQTT
// listeners, server_engine, stores, metrics) on its own core thread, and
// drives it through the device_manager API (submit(), subscribe()) from a
// driver thread, as the REST API does but without HTTP: the figures are
// those of the server engine and its runtime, not of the REST layer.
//
// Phases, in order (each optional but the first):
//  1. listen: prints "listening coap=udp://ADDR:PORT [coaps=coaps://ADDR:PORT]
//     [mqtt=URI...]" on
//     stdout, then waits for --expect N registrations (devices such as
//     sirocco-fleet register against it): registration rate seen by the
//     server, memory per registration (RSS and heap growth / N), CPU of
//     the core thread.
//  2. reads (--read-window W or --read-rate R, --read-duration S): Reads of
//     --read-path (default /3/0/0) spread over every registered device.
//     Closed loop (window: W in flight, the peak rate) or OPEN loop (rate:
//     requests on a fixed timetable, latency measured from the scheduled
//     time, so a slow answer is not hidden: coordinated omission
//     corrected). With --read-open-fraction F after a window phase, a
//     second phase runs open loop at F x the peak just measured ("reads" and
//     "reads_open" in the JSON).
//  3. observe (--observe N, --observe-path, default /3303/0/5700): Observe
//     on N devices (paced at --observe-rate per second), then the
//     notifications received during --notify-duration S: intake rate.
// Then it prints "phases done" and, with --hold S, keeps serving until S
// seconds pass or SIGINT/SIGTERM (so that a driver can stop the devices
// first and read final counts). The JSON (--json FILE) has every figure plus what the server
// counted (engine counters and the sirocco_* metrics), for reconciliation with what the devices
// counted.
//
// Threads: core (the runner; everything of the server), driver (this
// program's main thread: the timetable). Completions run on the core thread
// and hand their result to the driver's shaper under a mutex.
#include <malloc.h>
#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "bench_util.hpp"
#include "sirocco/lwm2m/path.hpp"
#include "sirocco/runtime/fleet.hpp"
#include "sirocco/runtime/metrics.hpp"
#include "sirocco/runtime/server_log.hpp"
#include "sirocco/runtime/server_runner.hpp"

namespace {

using namespace sirocco;
using namespace sirocco::bench;
namespace asio = boost::asio;

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}

struct options {
    runtime::server_runner_options runner;
    std::size_t expect = 0;
    double register_timeout = 120;
    double progress = 0;
    // reads
    std::uint32_t read_window = 0;
    double read_rate = 0;
    double open_fraction = 0;  ///< after a window phase: open loop at this x peak
    double read_duration = 0;
    double warmup = 1;
    double timeout = 5;
    std::string read_path = "/3/0/0";
    // observe
    std::size_t observe = 0;
    double observe_rate = 2000;
    double notify_duration = 5;
    std::string observe_path = "/3303/0/5700";
    std::string json;
    runtime::log_level level = runtime::log_level::warn;
    double hold = 0;
    /// DTLS PSK entries put into the security store before start: device i
    /// of [0, psk_count) is endpoint psk_endpoint_prefix + i with identity
    /// psk_prefix + i and sirocco-fleet's derived key (fleet_derived_psk).
    std::string psk_prefix;
    std::string psk_endpoint_prefix = "fleet-";
    std::size_t psk_count = 0;
};

std::uint64_t heap_bytes() {
    struct mallinfo2 mi = ::mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

class loadgen {
  public:
    explicit loadgen(const options& o) : o_(o), log_(std::cerr, o.level) {}

    int run() {
        auto r = runtime::server_runner::create(core_, o_.runner, log_);
        if (!r) return fail(std::string("server: ") + r.error().reason);
        runner_ = std::move(*r);
        runner_->set_metrics(&metrics_);
        runner_->subscribe([this](const server::event& e) { on_event(e); });
        if (o_.psk_count > 0) {
            double t = now_s();
            for (std::size_t i = 0; i < o_.psk_count; ++i) {
                server::security_entry e;
                e.endpoint = o_.psk_endpoint_prefix + std::to_string(i);
                e.mode = server::security_mode::psk;
                e.psk_identity = o_.psk_prefix + std::to_string(i);
                e.psk_key = runtime::fleet_derived_psk(e.psk_identity);
                if (auto r2 = runner_->put_security(e); !r2)
                    return fail("security entry " + e.endpoint + ": " + r2.error().reason);
            }
            std::cerr << "loadgen: " << o_.psk_count << " PSK entries in " << (now_s() - t)
                      << " s\n";
        }
        if (auto s = runner_->start(); !s) return fail(std::string("start: ") + s.error().reason);
        rss0_ = rss_bytes();
        heap0_ = heap_bytes();
        core_thread_ = std::thread([this] { core_.run(); });
        ::pthread_getcpuclockid(core_thread_.native_handle(), &core_clock_);
        std::cout << "listening coap=udp://" << o_.runner.coap_address << ":"
                  << runner_->coap_port();
        if (o_.runner.coaps_port >= 0)
            std::cout << " coaps=coaps://" << o_.runner.coap_address << ":"
                      << runner_->ports().dtls;
        for (const auto& u : o_.runner.mqtt_uris)
            std::cout << " mqtt=" << u;
        std::cout << std::endl;
        if (!o_.runner.mqtt_uris.empty()) {
            double deadline = now_s() + 10;
            while (runner_->mqtt_connected() < o_.runner.mqtt_uris.size() && now_s() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            if (runner_->mqtt_connected() < o_.runner.mqtt_uris.size()) {
                shutdown();
                return fail("MQTT listeners not connected within 10 s");
            }
            std::cout << "mqtt connected" << std::endl;
        }
        int rc = 0;
        json_.begin();
        json_.str("tool", "sirocco-loadgen")
            .str("store", o_.runner.store == runtime::store_kind::memory ? "memory" : "sqlite");
        if (o_.expect > 0 && !wait_registered()) rc = 1;
        if (rc == 0 && (o_.read_window > 0 || o_.read_rate > 0) && o_.read_duration > 0) {
            double peak = 0;
            rc = reads(o_.read_window, o_.read_rate, "reads", peak);
            // Then open loop at a fraction of the peak: latency under a
            // load the server can carry.
            if (rc == 0 && o_.read_window > 0 && o_.open_fraction > 0 && peak > 0) {
                double unused = 0;
                rc = reads(0, o_.open_fraction * peak, "reads_open", unused);
            }
        }
        if (rc == 0 && o_.observe > 0) rc = observe();
        std::cout << "phases done" << std::endl;
        if (o_.hold > 0) {
            double until = now_s() + o_.hold;
            while (!g_stop && now_s() < until)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        server_counts();
        json_.num("process_cpu_s", process_cpu_s()).num("core_cpu_s", core_cpu_s());
        json_.num("rss_bytes", static_cast<double>(rss_bytes()));
        json_.end();
        shutdown();
        if (!o_.json.empty() && !write_file(o_.json, json_.text()))
            return fail("cannot write --json");
        return rc;
    }

  private:
    int fail(const std::string& what) {
        std::cerr << "sirocco-loadgen: " << what << "\n";
        return 1;
    }

    void shutdown() {
        if (!runner_) return;
        runner_->stop();
        asio::post(core_, [this] { core_.stop(); });
        if (core_thread_.joinable()) core_thread_.join();
        runner_.reset();
    }

    double core_cpu_s() const {
        timespec ts{};
        if (::clock_gettime(core_clock_, &ts) != 0) return 0;
        return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
    }

    /// On the core thread, for every server event.
    void on_event(const server::event& e) {
        using k = server::event_kind;
        switch (e.kind) {
            case k::registered: {
                double t = now_s();
                if (registered_.fetch_add(1) == 0) first_reg_ = t;
                last_reg_ = t;
                break;
            }
            case k::updated:
                ++updated_;
                break;
            case k::deregistered:
                ++deregistered_;
                break;
            case k::expired:
                ++expired_;
                break;
            case k::notification:
                ++notifications_;
                break;
            default:
                break;
        }
    }

    bool wait_registered() {
        double t0 = now_s(), cpu0 = core_cpu_s();
        double deadline = t0 + o_.register_timeout, next_progress = t0 + o_.progress;
        std::size_t reg = 0;
        while (!g_stop) {
            reg = registered_.load() - deregistered_.load() - expired_.load();
            if (reg >= o_.expect) break;
            double t = now_s();
            if (t > deadline) break;
            if (o_.progress > 0 && t > next_progress) {
                next_progress = t + o_.progress;
                std::cerr << "loadgen: " << reg << " of " << o_.expect << " registered\n";
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        double cpu = core_cpu_s() - cpu0;
        // Settle: the last Registers' responses leave, allocator steady.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        std::uint64_t rss = rss_bytes(), heap = heap_bytes();
        double span = last_reg_.load() - first_reg_.load();
        double n = static_cast<double>(reg);
        json_.begin("registration")
            .num("expected", static_cast<double>(o_.expect))
            .num("registered", n)
            .num("span_s", span)
            .num("registrations_per_s", span > 0 ? n / span : 0)
            .num("core_cpu_s", cpu)
            .num("registrations_per_cpu_s", cpu > 0 ? n / cpu : 0)
            .num("rss_before", static_cast<double>(rss0_))
            .num("rss_after", static_cast<double>(rss))
            .num("rss_per_registration",
                 n > 0 ? (static_cast<double>(rss) - static_cast<double>(rss0_)) / n : 0)
            .num("heap_per_registration",
                 n > 0 ? (static_cast<double>(heap) - static_cast<double>(heap0_)) / n : 0)
            .end();
        std::cerr << "loadgen: " << reg << " registered in " << span << " s\n";
        if (reg < o_.expect) {
            std::cerr << "sirocco-loadgen: only " << reg << " of " << o_.expect
                      << " devices registered within " << o_.register_timeout << " s\n";
            return false;
        }
        return true;
    }

    std::vector<std::string> endpoints() {
        std::vector<std::string> eps;
        for (auto& r : runner_->registrations())
            eps.push_back(std::move(r.endpoint));
        return eps;
    }

    static std::string kind_of(const server::response& r) {
        if (r.fail != server::failure::none) return std::string(server::failure_name(r.fail));
        return std::string(lwm2m::to_string(r.code));
    }

    /// One Read phase: window > 0 closed loop, else open loop at `rate`.
    /// Writes JSON object `key`; `peak` gets the measured rate.
    int reads(std::uint32_t window, double rate_target, const char* key, double& peak) {
        auto path = lwm2m::path::parse(o_.read_path);
        if (!path) return fail("--read-path: not an LwM2M path: " + o_.read_path);
        auto eps = endpoints();
        if (eps.empty()) return fail("reads: no device registered");
        load_shaper shaper;
        std::mutex mx;
        std::map<std::string, std::uint64_t> errors;
        std::uint64_t ok = 0, done = 0;
        std::uint64_t submitted = 0;
        auto timeout = std::chrono::milliseconds(static_cast<long>(o_.timeout * 1000));
        // The shaper decides what to send with mx held; the submit() calls
        // happen after mx is released, so a completion on the core thread
        // never waits for the driver. The driver hands each batch of due
        // requests to the core thread in one post (one wake-up per batch,
        // not per request); the core thread submits its own (closed loop:
        // the next request after an answer) directly.
        using item = std::pair<std::uint64_t, std::uint64_t>;
        std::vector<item> due;  // guarded by mx
        auto send = [&](std::uint64_t seq, std::uint64_t slot) { due.emplace_back(seq, slot); };
        std::function<void(std::uint64_t, std::uint64_t)> submit_one;
        auto submit_all = [&](std::vector<item>& items) {
            for (auto [seq, slot] : items)
                submit_one(seq, slot);
        };
        submit_one = [&](std::uint64_t seq, std::uint64_t slot) {
            runner_->submit(eps[seq % eps.size()], server::read_request{*path, std::nullopt},
                            timeout, [&, seq, slot](server::response r) {
                                std::vector<item> next;
                                {
                                    std::lock_guard<std::mutex> g(mx);
                                    ++done;
                                    bool good = r.ok();
                                    if (good)
                                        ++ok;
                                    else
                                        ++errors[kind_of(r)];
                                    shaper.on_reply(seq, slot, now_s(), send, good);
                                    next.swap(due);
                                    submitted += next.size();
                                }
                                submit_all(next);
                            });
        };
        load_shaper::config lc;
        lc.window = window;
        lc.rate = window > 0 ? 0 : rate_target;
        lc.warmup = o_.warmup;
        lc.duration = o_.read_duration;
        lc.timeout = o_.timeout + 1;  // the engine's own timeout answers first
        double cpu0 = 0, pcpu0 = 0, t_measure = now_s() + o_.warmup;
        bool measuring = false;
        {
            std::vector<item> first;
            {
                std::lock_guard<std::mutex> g(mx);
                shaper.start(lc, send);
                first.swap(due);
                submitted += first.size();
            }
            asio::post(core_, [&, first]() mutable { submit_all(first); });
        }
        std::uint64_t ok_at_start = 0;
        while (!g_stop) {
            double t = now_s();
            if (!measuring && t >= t_measure) {
                measuring = true;
                cpu0 = core_cpu_s();
                pcpu0 = process_cpu_s();
                std::lock_guard<std::mutex> g(mx);
                ok_at_start = ok;
            }
            double wait;
            std::vector<item> batch;
            {
                std::lock_guard<std::mutex> g(mx);
                if (shaper.done(t)) break;
                shaper.tick(t, send);
                wait = shaper.wait_s(now_s());
                batch.swap(due);
                submitted += batch.size();
            }
            if (!batch.empty())
                asio::post(core_, [&, b = std::move(batch)]() mutable { submit_all(b); });
            std::this_thread::sleep_for(std::chrono::duration<double>(std::max(wait, 0.0002)));
        }
        double cpu = core_cpu_s() - cpu0, pcpu = process_cpu_s() - pcpu0;
        // Let the requests still in flight finish (their completions
        // reference this frame).
        double deadline = now_s() + o_.timeout + 2;
        while (now_s() < deadline) {
            {
                std::lock_guard<std::mutex> g(mx);
                if (done == submitted) break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        bool complete;
        {
            std::lock_guard<std::mutex> g(mx);
            complete = done == submitted;
            if (!complete)
                std::cerr << "sirocco-loadgen: " << (submitted - done)
                          << " reads never completed\n";
        }
        // Cannot return while completions may still run against this frame:
        // stop the core first (it cancels what is pending).
        if (!complete) shutdown();
        std::lock_guard<std::mutex> g(mx);
        const auto& h = shaper.histogram();
        double rate = shaper.measured_rate();
        peak = rate;
        json_.begin(key)
            .str("mode", window > 0 ? "window" : "open")
            .num("window", window)
            .num("rate_target", lc.rate)
            .str("path", o_.read_path)
            .num("devices", static_cast<double>(eps.size()))
            .num("duration_s", o_.read_duration)
            .num("round_trips", static_cast<double>(h.count()))
            .num("rt_per_s", rate)
            .latency("latency_ms", h)
            .num("submitted", static_cast<double>(submitted))
            .num("ok", static_cast<double>(ok))
            .num("ok_measured", static_cast<double>(ok - ok_at_start))
            .num("lost", static_cast<double>(shaper.lost()))
            .counts("errors", errors)
            .num("core_cpu_s", cpu)
            .num("process_cpu_s", pcpu)
            .num("rt_per_core_cpu_s", cpu > 0 ? rate * o_.read_duration / cpu : 0)
            .end();
        std::printf(
            "reads: %s: %.0f round trips/s, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f "
            "ms, errors %zu kinds, core cpu %.2f s\n",
            window > 0 ? "window" : "open loop", rate, h.percentile_ms(0.5), h.percentile_ms(0.9),
            h.percentile_ms(0.99), h.max_ms(), errors.size(), cpu);
        std::fflush(stdout);
        return complete ? 0 : 1;
    }

    int observe() {
        auto path = lwm2m::path::parse(o_.observe_path);
        if (!path) return fail("--observe-path: not an LwM2M path: " + o_.observe_path);
        auto eps = endpoints();
        std::size_t n = std::min(o_.observe, eps.size());
        std::mutex mx;
        std::condition_variable cv;
        std::size_t done = 0, ok = 0;
        std::map<std::string, std::uint64_t> errors;
        latency_histogram h;
        auto timeout = std::chrono::milliseconds(static_cast<long>(o_.timeout * 1000));
        double t0 = now_s();
        for (std::size_t i = 0; i < n && !g_stop; ++i) {
            double due = t0 + static_cast<double>(i) / o_.observe_rate;
            double w = due - now_s();
            if (w > 0) std::this_thread::sleep_for(std::chrono::duration<double>(w));
            double sched = due;
            runner_->submit(eps[i], server::observe_request{*path, std::nullopt}, timeout,
                            [&, sched](server::response r) {
                                std::lock_guard<std::mutex> g(mx);
                                ++done;
                                if (r.ok()) {
                                    ++ok;
                                    h.record(static_cast<std::uint64_t>((now_s() - sched) * 1e6));
                                } else {
                                    ++errors[kind_of(r)];
                                }
                                cv.notify_all();
                            });
        }
        {
            std::unique_lock<std::mutex> g(mx);
            cv.wait_for(g, std::chrono::duration<double>(o_.timeout + 2),
                        [&] { return done == n; });
            if (done != n) {
                std::cerr << "sirocco-loadgen: " << (n - done) << " observes never completed\n";
                g.unlock();
                shutdown();
                return 1;
            }
        }
        double t_established = now_s() - t0;
        // Intake: notifications counted by the server during the window.
        std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long>(o_.warmup * 1000)));
        std::uint64_t n0 = notifications_.load();
        double cpu0 = core_cpu_s(), ts = now_s();
        while (!g_stop && now_s() - ts < o_.notify_duration)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        double span = now_s() - ts;
        std::uint64_t got = notifications_.load() - n0;
        double cpu = core_cpu_s() - cpu0;
        double rate = static_cast<double>(got) / span;
        json_.begin("observe")
            .str("path", o_.observe_path)
            .num("requested", static_cast<double>(n))
            .num("established", static_cast<double>(ok))
            .num("establish_s", t_established)
            .latency("observe_latency_ms", h)
            .counts("errors", errors)
            .num("notify_window_s", span)
            .num("notifications", static_cast<double>(got))
            .num("notifications_per_s", rate)
            .num("core_cpu_s", cpu)
            .num("notifications_per_core_cpu_s", cpu > 0 ? static_cast<double>(got) / cpu : 0)
            .end();
        std::printf(
            "observe: %zu of %zu established in %.2f s; %.0f notifications/s over %.1f s, "
            "core cpu %.2f s\n",
            ok, n, t_established, rate, span, cpu);
        std::fflush(stdout);
        return 0;
    }

    void server_counts() {
        if (!runner_) return;
        auto c = runner_->counters();
        json_.begin("server_counters")
            .num("registrations", static_cast<double>(c.registrations))
            .num("updates", static_cast<double>(c.updates))
            .num("deregistrations", static_cast<double>(c.deregistrations))
            .num("expirations", static_cast<double>(c.expirations))
            .num("notifications", static_cast<double>(c.notifications))
            .num("requests", static_cast<double>(c.requests))
            .num("request_failures", static_cast<double>(c.request_failures))
            .num("coap_received", static_cast<double>(c.coap_received))
            .num("coap_dropped", static_cast<double>(c.coap_dropped))
            .end();
        const auto& m = metrics_.registry();
        json_.begin("metrics")
            .num("registered", m.value("sirocco_registrations_total", {{"event", "registered"}}))
            .num("updated", m.value("sirocco_registrations_total", {{"event", "updated"}}))
            .num("deregistered",
                 m.value("sirocco_registrations_total", {{"event", "deregistered"}}))
            .num("notifications", m.value("sirocco_notifications_total"))
            .num("reads_success",
                 m.value("sirocco_requests_total", {{"operation", "read"}, {"outcome", "success"}}))
            .num("observes_success", m.value("sirocco_requests_total",
                                             {{"operation", "observe"}, {"outcome", "success"}}))
            .num("registrations_now", m.value("sirocco_registrations"))
            .end();
    }

    options o_;
    runtime::server_log log_;
    runtime::metrics metrics_;
    asio::io_context core_;
    std::unique_ptr<runtime::server_runner> runner_;
    std::thread core_thread_;
    clockid_t core_clock_{};
    std::uint64_t rss0_ = 0, heap0_ = 0;
    std::atomic<std::uint64_t> registered_{0}, updated_{0}, deregistered_{0}, expired_{0},
        notifications_{0};
    std::atomic<double> first_reg_{0}, last_reg_{0};
    json_out json_;
};

const char* usage =
    "usage: sirocco-loadgen [--coap-address 127.0.0.1] [--coap-port 0] [--store memory|sqlite]\n"
    "         [--data-dir DIR] [--mqtt URI]... [--log-level warn]\n"
    "         [--udp-buffer BYTES] [--coaps-port P] [--dtls-cid N] [--max-handshakes N]\n"
    "         [--psk-fleet PREFIX:N[:ENDPOINT_PREFIX]]  (DTLS PSK entries for sirocco-fleet\n"
    "          --psk-prefix PREFIX: endpoint fleet-i, identity PREFIX i, the fleet's key)\n"
    "         [--expect N] [--register-timeout S] [--progress S]\n"
    "         [--read-window W [--read-open-fraction F] | --read-rate R] [--read-duration S]\n"
    "         [--read-path /3/0/0]\n"
    "         [--warmup S] [--timeout S]\n"
    "         [--observe N] [--observe-path /3303/0/5700] [--observe-rate R]\n"
    "         [--notify-duration S] [--hold S] [--json FILE]\n";

}  // namespace

int main(int argc, char** argv) {
    flags f(argc, argv);
    if (f.take_switch("--help")) {
        std::cout << usage;
        return 0;
    }
    options o;
    o.runner.coap_address = f.text("--coap-address", "127.0.0.1");
    o.runner.coap_port = static_cast<std::uint16_t>(f.number("--coap-port", 0, 0, 65535));
    std::string store = f.text("--store", "memory");
    o.runner.data_dir = f.text("--data-dir", "sirocco-loadgen-data");
    // As sirocco-server's default (--udp-buffer): 4 MiB socket buffers for
    // the UDP and DTLS sockets.
    o.runner.udp_buffer_bytes =
        static_cast<std::size_t>(f.number("--udp-buffer", 4 << 20, 0, 1 << 30));
    o.runner.coaps_port = static_cast<int>(f.number("--coaps-port", -1, -1, 65535));
    o.runner.dtls_cid_length = static_cast<std::uint8_t>(f.number("--dtls-cid", 8, 0, 32));
    o.runner.max_handshakes = static_cast<std::size_t>(f.number("--max-handshakes", 256, 1, 1e7));
    if (auto pf = f.take("--psk-fleet")) {
        // PREFIX:N[:ENDPOINT_PREFIX]
        auto c1 = pf->find(':');
        auto c2 = c1 == std::string::npos ? c1 : pf->find(':', c1 + 1);
        o.psk_prefix = pf->substr(0, c1);
        o.psk_count =
            c1 == std::string::npos
                ? 0
                : static_cast<std::size_t>(std::strtoul(pf->c_str() + c1 + 1, nullptr, 10));
        if (c2 != std::string::npos) o.psk_endpoint_prefix = pf->substr(c2 + 1);
        if (o.psk_count == 0) {
            std::cerr << "sirocco-loadgen: --psk-fleet PREFIX:N[:ENDPOINT_PREFIX]\n";
            return 2;
        }
    }
    while (auto u = f.take("--mqtt"))
        o.runner.mqtt_uris.push_back(*u);
    std::string level = f.text("--log-level", "warn");
    o.expect = static_cast<std::size_t>(f.number("--expect", 0, 0, 1e7));
    o.register_timeout = f.number("--register-timeout", 120, 0.1, 3600);
    o.progress = f.number("--progress", 0, 0, 3600);
    o.read_window = static_cast<std::uint32_t>(f.number("--read-window", 0, 0, 1e6));
    o.read_rate = f.number("--read-rate", 0, 0, 1e7);
    o.read_duration = f.number("--read-duration", 0, 0, 3600);
    o.open_fraction = f.number("--read-open-fraction", 0, 0, 10);
    o.read_path = f.text("--read-path", o.read_path);
    o.warmup = f.number("--warmup", 1, 0, 600);
    o.timeout = f.number("--timeout", 5, 0.1, 600);
    o.observe = static_cast<std::size_t>(f.number("--observe", 0, 0, 1e7));
    o.observe_path = f.text("--observe-path", o.observe_path);
    o.observe_rate = f.number("--observe-rate", 2000, 1, 1e7);
    o.notify_duration = f.number("--notify-duration", 5, 0.1, 3600);
    o.hold = f.number("--hold", 0, 0, 86400);
    o.json = f.text("--json", "");
    std::string err;
    if (!f.finish(err)) {
        std::cerr << "sirocco-loadgen: " << err << "\n" << usage;
        return 2;
    }
    if (store == "memory")
        o.runner.store = runtime::store_kind::memory;
    else if (store == "sqlite")
        o.runner.store = runtime::store_kind::sqlite;
    else {
        std::cerr << "sirocco-loadgen: --store: memory or sqlite\n";
        return 2;
    }
    if (level == "debug")
        o.level = runtime::log_level::debug;
    else if (level == "info")
        o.level = runtime::log_level::info;
    else if (level == "warn")
        o.level = runtime::log_level::warn;
    else if (level == "error")
        o.level = runtime::log_level::error;
    else {
        std::cerr << "sirocco-loadgen: --log-level: debug, info, warn or error\n";
        return 2;
    }
    if (o.read_window > 0 && o.read_rate > 0) {
        std::cerr << "sirocco-loadgen: --read-window and --read-rate exclude each other\n";
        return 2;
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    return loadgen(o).run();
}
