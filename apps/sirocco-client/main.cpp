// sirocco-client: a simulated LwM2M device (docs/client.md). The device
// (runtime/sim_device) runs on one event loop with its client_runner: UDP,
// timers, signals and the console all on one thread.
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>

#include "options.hpp"
#include "sirocco/runtime/client_runner.hpp"
#include "sirocco/runtime/event_loop.hpp"
#include "sirocco/runtime/package_fetcher.hpp"
#include "sirocco/runtime/sim_device.hpp"

namespace {

using namespace sirocco;
namespace asio = boost::asio;
using app::log_level;

log_level g_level = log_level::info;

void log(log_level l, const std::string& msg) {
    if (l > g_level) return;
    static const char* const names[] = {"error", "warn", "info", "debug"};
    std::cerr << "[" << names[static_cast<int>(l)] << "] " << msg << std::endl;
}

std::string code_text(client::status s) {
    auto c = static_cast<unsigned>(s);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%u.%02u", (c >> 5) & 7u, c & 31u);
    return buf;
}

std::string why(const client::client_event& ev) {
    if (ev.err.code != errc::ok)
        return std::string(to_string(ev.err.code)) + " (" + ev.err.reason + ")";
    return code_text(ev.code);
}

std::string hex(bytes_view b, std::size_t max = 64) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < b.size() && i < max; ++i) {
        s += d[b[i] >> 4];
        s += d[b[i] & 15];
    }
    if (b.size() > max) s += "...";
    return s;
}

void say(const std::string& line) {
    std::cout << line << std::endl;
}

class client_app {
  public:
    explicit client_app(const app::client_options& o)
        : opts_(o),
          device_(o.device),
          runner_(
              loop_, device_.engine(), [this](const client::client_event& ev) { on_event(ev); },
              runner_options()),
          sensors_(loop_.io(), [this] { simulate(); }),
          shutdown_timer_(loop_.io(),
                          [this] {
                              log(log_level::warn,
                                  "no answer to the De-register within 2 s; exiting");
                              loop_.stop();
                          }),
          input_(loop_.io()) {
        if (!o.firmware_dir.empty()) {
            fw_sink_ = std::make_unique<runtime::file_firmware_sink>(o.firmware_dir);
            device_.set_firmware_sink(fw_sink_.get());
            runtime::package_fetcher::options fo;
            fo.state_dir = o.firmware_dir;
            fo.block_size = o.fw_block_size;
            fo.block_delay = std::chrono::milliseconds(o.fw_block_delay_ms);
            fo.log = [](std::string_view ev,
                        const std::vector<std::pair<std::string, std::string>>& kv) {
                std::string line(ev);
                for (const auto& [k, v] : kv)
                    line += " " + k + "=" + v;
                say(line);
            };
            fw_fetch_ = std::make_unique<runtime::package_fetcher>(
                loop_, runner_, device_.firmware(), fw_sink_.get(), fo);
            device_.firmware().set_fetcher(fw_fetch_.get(), {client::firmware_protocol::coap,
                                                             client::firmware_protocol::mq2m});
        }
    }

    int run() {
        if (auto s = device_.setup_status(); !s) {
            std::cerr << "sirocco-client: cannot set up the device: " << s.error().reason << "\n";
            return 1;
        }
        loop_.on_signal([this](int sig) {
            log(log_level::info, std::string("signal ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                                     ": de-registering");
            shutdown();
        });
        log(log_level::info, "endpoint " + opts_.device.endpoint + ", server " +
                                 opts_.device.server_uri + ", lifetime " +
                                 std::to_string(opts_.device.lifetime) + " s, LwM2M " +
                                 std::string(client::to_string(opts_.device.version)));
        if (auto r = runner_.start(); !r) {
            std::cerr << "sirocco-client: cannot start: " << r.error().reason << "\n";
            return 1;
        }
        simulate();
        bool interactive = opts_.interactive.value_or(::isatty(STDIN_FILENO) == 1);
        if (interactive) start_console();
        loop_.run();
        return 0;
    }

  private:
    runtime::client_runner::options runner_options() {
        runtime::client_runner::options ro;
        ro.endpoint = opts_.device.endpoint;
        ro.mqtt.client_id = opts_.mqtt.client_id;
        ro.mqtt.username = opts_.mqtt.username;
        ro.mqtt.password = opts_.mqtt.password;
        ro.mqtt.ca_file = opts_.mqtt.ca_file;
        ro.mqtt.cert_file = opts_.mqtt.cert_file;
        ro.mqtt.key_file = opts_.mqtt.key_file;
        ro.mqtt.insecure = opts_.mqtt.insecure;
        ro.mqtt_log = [](std::string_view what) { log(log_level::info, std::string(what)); };
        // coaps:// and coaps+tcp:// read the account's keys from /0 (filled
        // from the security flags by parse_options).
        ro.security = &device_.security();
        ro.tls.cid_length = opts_.dtls_cid;
        ro.transport_log = [](std::string_view what) { log(log_level::info, std::string(what)); };
        if (opts_.level >= log_level::debug)
            ro.mqtt_trace = [](bool out, std::string_view topic, bytes_view d) {
                log(log_level::debug, std::string(out ? "-> " : "<- ") + std::string(topic) + " " +
                                          std::to_string(d.size()) + " B " + hex(d));
            };
        if (opts_.level >= log_level::debug)
            ro.trace = [](bool out, const runtime::udp_address& a, bytes_view d) {
                std::ostringstream s;
                s << (out ? "-> " : "<- ") << a << " " << d.size() << " B " << hex(d);
                log(log_level::debug, s.str());
            };
        return ro;
    }

    void on_event(const client::client_event& ev) {
        using k = client::client_event_kind;
        if (fw_fetch_) fw_fetch_->on_client_event(ev);
        switch (ev.kind) {
            case k::open_transport:
                log(log_level::info, "connecting to " + std::string(ev.uri));
                break;
            case k::close_transport:
                log(log_level::debug, "transport closed");
                break;
            case k::registered:
                say("registered " + std::string(ev.location));
                // Continues a download a killed process left.
                if (fw_fetch_ && !fw_fetch_->active()) fw_fetch_->resume();
                break;
            case k::updated:
                say("updated");
                break;
            case k::deregistered:
                say("deregistered");
                if (stopping_) loop_.stop();
                break;
            case k::registration_failed:
                say("registration failed: " + why(ev));
                if (stopping_) loop_.stop();
                break;
            case k::send_done:
                say("send done " + code_text(ev.code));
                break;
            case k::send_failed:
                say("send failed: " + why(ev));
                break;
            case k::sleeping:
                say("sleeping");
                break;
            case k::awake:
                say("awake");
                break;
            case k::fetch_block:
                break;  // the firmware fetcher's (package_fetcher)
        }
    }

    void simulate() {
        if (stopping_) return;
        time_t_ next = device_.simulate(runtime::now());
        runner_.pump();
        sensors_.arm(next);
    }
    using time_t_ = runtime::time_ms;

    void shutdown() {
        if (stopping_) {
            loop_.stop();  // a second signal: leave now
            return;
        }
        stopping_ = true;
        sensors_.arm(std::nullopt);
        input_.close();
        auto st = device_.engine().state(opts_.device.short_server_id);
        if (st != client::registration_state::registered &&
            st != client::registration_state::updating) {
            loop_.stop();
            return;
        }
        auto r = runner_.with_engine(
            [](client::client& c, runtime::time_ms now) { return c.deregister(now); });
        if (!r) {
            log(log_level::warn, std::string("de-register: ") + r.error().reason);
            loop_.stop();
            return;
        }
        shutdown_timer_.arm(runtime::now() + 2000);
    }

    // ---- console -----------------------------------------------------------
    void start_console() {
        boost::system::error_code ec;
        input_.assign(::dup(STDIN_FILENO), ec);
        if (ec) {
            log(log_level::warn, "console unavailable (stdin cannot be polled): " + ec.message());
            return;
        }
        tty_ = ::isatty(STDIN_FILENO) == 1;
        prompt();
        read_line();
    }
    void prompt() {
        if (tty_) std::cout << "sirocco> " << std::flush;
    }
    void read_line() {
        asio::async_read_until(
            input_, line_buf_, '\n', [this](const boost::system::error_code& ec, std::size_t n) {
                if (ec == asio::error::operation_aborted) return;
                if (ec) {
                    if (!stopping_) {
                        log(log_level::info, "end of console input: quitting");
                        shutdown();
                    }
                    return;
                }
                std::string line(
                    asio::buffers_begin(line_buf_.data()),
                    asio::buffers_begin(line_buf_.data()) + static_cast<std::ptrdiff_t>(n));
                line_buf_.consume(n);
                command(line);
                if (!stopping_) {
                    prompt();
                    read_line();
                }
            });
    }

    static std::vector<std::string> words(const std::string& line) {
        std::istringstream in(line);
        std::vector<std::string> w;
        for (std::string s; in >> s;)
            w.push_back(s);
        return w;
    }

    std::optional<lwm2m::path> path_arg(const std::string& s) {
        auto p = lwm2m::path::parse(s);
        if (!p) {
            say("error: bad path '" + s + "': " + p.error().reason);
            return std::nullopt;
        }
        return *p;
    }

    void command(const std::string& line) {
        auto w = words(line);
        if (w.empty()) return;
        const std::string& cmd = w[0];
        if (cmd == "help") {
            say("read PATH           print a value (/3303/0/5700) or an instance (/3/0)");
            say("set PATH VALUE      change a local value; observers are notified");
            say("send PATH...        LwM2M Send of these paths (1.1+)");
            say("update              send a Registration Update");
            say("deregister          de-register (the client keeps running)");
            say("quit                de-register and exit");
        } else if (cmd == "read" && w.size() == 2) {
            auto p = path_arg(w[1]);
            if (!p) return;
            auto r = device_.read_local(*p);
            say(r ? *r : "error: " + std::string(r.error().reason));
        } else if (cmd == "set" && w.size() >= 3) {
            auto p = path_arg(w[1]);
            if (!p) return;
            std::string value = line.substr(line.find(w[2], line.find(w[1]) + w[1].size()));
            while (!value.empty() &&
                   (value.back() == '\n' || value.back() == '\r' || value.back() == ' '))
                value.pop_back();
            auto r = device_.set_local(*p, value, runtime::now());
            runner_.pump();
            say(r ? "ok" : "error: " + std::string(r.error().reason));
        } else if (cmd == "send" && w.size() >= 2) {
            std::vector<lwm2m::path> paths;
            for (std::size_t i = 1; i < w.size(); ++i) {
                auto p = path_arg(w[i]);
                if (!p) return;
                paths.push_back(*p);
            }
            auto r = runner_.with_engine(
                [&](client::client& c, runtime::time_ms now) { return c.send(paths, now); });
            say(r ? "send started" : "error: " + std::string(r.error().reason));
        } else if (cmd == "update" && w.size() == 1) {
            auto r = runner_.with_engine(
                [](client::client& c, runtime::time_ms now) { return c.update(now); });
            if (!r) say("error: " + std::string(r.error().reason));
        } else if (cmd == "deregister" && w.size() == 1) {
            auto r = runner_.with_engine(
                [](client::client& c, runtime::time_ms now) { return c.deregister(now); });
            if (!r) say("error: " + std::string(r.error().reason));
        } else if ((cmd == "quit" || cmd == "exit") && w.size() == 1) {
            shutdown();
        } else {
            say("error: unknown command or wrong arguments: " + cmd + " (try help)");
        }
    }

    app::client_options opts_;
    runtime::event_loop loop_;
    runtime::sim_device device_;
    runtime::client_runner runner_;
    runtime::deadline_timer sensors_;
    runtime::deadline_timer shutdown_timer_;
    asio::posix::stream_descriptor input_;
    asio::streambuf line_buf_;
    bool stopping_ = false;
    bool tty_ = false;
    // After device_ and runner_: destroyed before them.
    std::unique_ptr<runtime::file_firmware_sink> fw_sink_;
    std::unique_ptr<runtime::package_fetcher> fw_fetch_;
};

std::string default_endpoint() {
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0')
        return "sirocco-client";
    return std::string("sirocco-") + host.data();
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string error;
    auto opts = app::parse_options(args, default_endpoint(), error);
    if (!opts) {
        std::cerr << "sirocco-client: " << error << "\n";
        return 2;
    }
    if (opts->help) {
        std::cout << app::usage_text;
        return 0;
    }
    g_level = opts->level;
    if (opts->mqtt.password.empty())
        if (const char* pw = std::getenv("SIROCCO_MQTT_PASSWORD")) opts->mqtt.password = pw;
    std::ios::sync_with_stdio(true);
    client_app a(*opts);
    return a.run();
}
