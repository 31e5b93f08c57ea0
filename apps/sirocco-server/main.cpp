// sirocco-server: the LwM2M server (docs/server.md).
// Threads: the main thread runs the core io_context (UDP socket, engine,
// timers, SQLite, signals); the HTTP io_context runs on (cores - 1, at
// least 1) worker threads.
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include "options.hpp"
#include "sirocco/runtime/firmware_repository.hpp"
#include "sirocco/runtime/http_server.hpp"
#include "sirocco/runtime/metrics.hpp"
#include "sirocco/runtime/rest_api.hpp"
#include "sirocco/runtime/server_log.hpp"
#include "sirocco/runtime/server_runner.hpp"

namespace {

using namespace sirocco;
namespace asio = boost::asio;

class server_app {
  public:
    explicit server_app(const app::server_options& o)
        : opts_(o), log_(std::cerr, o.level), signals_(core_, SIGINT, SIGTERM) {}

    int run() {
        runtime::server_runner_options ro = opts_.runner;
        if (!opts_.firmware_dir.empty()) {
            std::error_code fec;
            if (!std::filesystem::is_directory(opts_.firmware_dir, fec)) {
                std::cerr << "sirocco-server: --firmware-dir: not a folder: " << opts_.firmware_dir
                          << "\n";
                return 1;
            }
            firmware_ = std::make_unique<runtime::firmware_repository>(
                opts_.firmware_dir, &metrics_.registry(),
                [this](std::string_view event,
                       const std::vector<std::pair<std::string, std::string>>& kv) {
                    std::vector<runtime::server_log::field> f;
                    f.reserve(kv.size());
                    for (const auto& [k, v] : kv)
                        f.emplace_back(k, v);
                    log_.write(runtime::log_level::info, event, std::span(f));
                });
            ro.request_handler = [this](const server::event& e, server::server_engine& eng,
                                        coap::time_ms now) {
                return firmware_->handle(e, eng, now);
            };
        }
        auto r = runtime::server_runner::create(core_, ro, log_);
        if (!r) {
            std::cerr << "sirocco-server: " << r.error().reason << "\n";
            return 1;
        }
        runner_ = std::move(*r);
        runner_->set_metrics(&metrics_);
        if (auto s = runner_->start(); !s) {
            std::cerr << "sirocco-server: cannot start the CoAP listeners (UDP on "
                      << opts_.runner.coap_address << ":" << opts_.runner.coap_port
                      << "): " << s.error().reason << "\n";
            return 1;
        }
        std::string http = "disabled";
        if (auto h = start_http(); !h) {
            std::cerr << "sirocco-server: " << h.error().reason << "\n";
            http_.reset();
            runner_->stop();
            core_.run_for(std::chrono::milliseconds(200));
            return 1;
        } else {
            http = *h;
        }
        std::string host = opts_.runner.coap_address;
        if (host.find(':') != std::string::npos) host = "[" + host + "]";
        std::cout << "listening coap=udp://" << host << ":" << runner_->coap_port()
                  << " http=" << http;
        const auto ports = runner_->ports();
        auto host_of = [](std::string a) {
            return a.find(':') != std::string::npos ? "[" + a + "]" : a;
        };
        const std::string dtls_host =
            host_of(opts_.runner.coaps_address.empty() ? opts_.runner.coap_address
                                                       : opts_.runner.coaps_address);
        const std::string tcp_host =
            host_of(opts_.runner.coap_tcp_address.empty() ? opts_.runner.coap_address
                                                          : opts_.runner.coap_tcp_address);
        if (ports.dtls) std::cout << " coaps=coaps://" << dtls_host << ":" << ports.dtls;
        if (ports.tcp) std::cout << " coap+tcp=coap+tcp://" << tcp_host << ":" << ports.tcp;
        if (ports.tls) std::cout << " coaps+tcp=coaps+tcp://" << tcp_host << ":" << ports.tls;
        for (const auto& u : opts_.runner.mqtt_uris)
            std::cout << " mqtt=" << u;
        std::cout << std::endl;

        signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
            if (ec) return;
            shutdown(sig);
        });
        unsigned n = std::max(1u, std::thread::hardware_concurrency());
        unsigned http_threads = std::max(1u, n - 1);
        for (unsigned i = 0; i < http_threads; ++i)
            workers_.emplace_back([this] { http_io_.run(); });
        log_.write(runtime::log_level::info, "started",
                   {{"http_threads", std::to_string(http_threads)}});
        core_.run();
        // Core stopped: HTTP is already stopped; let the workers finish.
        http_guard_.reset();
        for (auto& t : workers_)
            t.join();
        http_.reset();
        runner_.reset();  // closes the stores
        log_.write(runtime::log_level::info, "stopped");
        return 0;
    }

  private:
    static runtime::log_level level_of(runtime::rest::severity s) {
        switch (s) {
            case runtime::rest::severity::debug:
                return runtime::log_level::debug;
            case runtime::rest::severity::info:
                return runtime::log_level::info;
            case runtime::rest::severity::warn:
                return runtime::log_level::warn;
            case runtime::rest::severity::error:
                return runtime::log_level::error;
        }
        return runtime::log_level::info;
    }

    /// Starts the HTTP server; returns its URL ("http://0.0.0.0:8080").
    result<std::string> start_http() {
        runtime::http::server_config hc;
        hc.address = opts_.http_address;
        hc.port = opts_.http_port;
        http_ = std::make_unique<runtime::http::server>(http_io_, hc);
        // The REST API (its routes, /metrics, the HTTP response metrics).
        runtime::rest::options ro;
        ro.security = runner_.get();
        runtime::rest::install(
            *http_, *runner_, metrics_,
            [this](runtime::rest::severity sev, std::string line) {
                log_.write(level_of(sev), "http", {{"msg", std::move(line)}});
            },
            ro);
        if (auto ec = http_->start()) {
            static thread_local std::string reason;
            reason = "cannot open the HTTP server on " + opts_.http_address + ":" +
                     std::to_string(opts_.http_port) + ": " + ec.message();
            return unexpected(errc::io_error, reason.c_str());
        }
        std::string host = opts_.http_address;
        if (host.find(':') != std::string::npos) host = "[" + host + "]";
        log_.write(runtime::log_level::info, "http_listening",
                   {{"address", opts_.http_address}, {"port", std::to_string(http_->port())}});
        log_.write(runtime::log_level::info, "listening",
                   {{"transport", "http"},
                    {"address", opts_.http_address},
                    {"port", std::to_string(http_->port())}});
        return "http://" + host + ":" + std::to_string(http_->port());
    }

    void shutdown(int sig) {
        log_.write(runtime::log_level::info, "shutdown",
                   {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
        if (http_) http_->stop();  // stop accepting; in-flight requests finish
        runner_->stop();           // pending device requests answer "cancelled"
        // After the runner's stop (posted first, so it runs first).
        asio::post(core_, [this] {
            signals_.cancel();
            core_.stop();
        });
    }

    app::server_options opts_;
    runtime::server_log log_;
    asio::io_context core_;
    asio::io_context http_io_;
    asio::executor_work_guard<asio::io_context::executor_type> http_guard_{http_io_.get_executor()};
    asio::signal_set signals_;
    runtime::metrics metrics_;
    std::unique_ptr<runtime::firmware_repository> firmware_;  // outlives runner_
    std::unique_ptr<runtime::server_runner> runner_;
    std::unique_ptr<runtime::http::server> http_;
    std::vector<std::thread> workers_;
};

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string error;
    auto opts = app::parse_options(args, error);
    if (!opts) {
        std::cerr << "sirocco-server: " << error << "\n";
        return 2;
    }
    if (opts->help) {
        std::cout << app::usage_text;
        return 0;
    }
    if (opts->runner.mqtt_password.empty())
        if (const char* pw = std::getenv("SIROCCO_MQTT_PASSWORD")) opts->runner.mqtt_password = pw;
    server_app a(*opts);
    return a.run();
}
