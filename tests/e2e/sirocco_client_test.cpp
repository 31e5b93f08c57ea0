// sirocco-client as a child process, driven through its console (a pipe on
// stdin, --interactive) and registered with a fake LwM2M server that lives in
// this test: a coap::engine in the server role behind a runtime::udp_endpoint
// on 127.0.0.1 (port chosen by the OS).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>

#include "../unit/runtime/fake_lwm2m_server.hpp"
#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/engine.hpp"
#include "sirocco/coap/options.hpp"
#include "sirocco/runtime/event_loop.hpp"
#include "sirocco/runtime/udp_endpoint.hpp"

extern char** environ;

namespace sirocco {
namespace asio = boost::asio;
namespace {

using testing::fake_server;

const std::string client_bin = std::string(SIROCCO_BIN_DIR) + "/sirocco-client";

// sirocco-client as a child with pipes on stdin and stdout.
class child {
  public:
    child(runtime::event_loop& loop, const std::vector<std::string>& args) : out_(loop.io()) {
        int in_pipe[2], out_pipe[2];
        EXPECT_EQ(::pipe(in_pipe), 0);
        EXPECT_EQ(::pipe(out_pipe), 0);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
        posix_spawn_file_actions_addclose(&fa, in_pipe[1]);
        posix_spawn_file_actions_addclose(&fa, out_pipe[0]);
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(client_bin.c_str()));
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        EXPECT_EQ(posix_spawn(&pid_, client_bin.c_str(), &fa, nullptr, argv.data(), environ), 0);
        posix_spawn_file_actions_destroy(&fa);
        ::close(in_pipe[0]);
        ::close(out_pipe[1]);
        in_ = in_pipe[1];
        out_.assign(out_pipe[0]);
        read();
    }
    ~child() {
        if (in_ >= 0) ::close(in_);
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    void send(const std::string& line) {
        std::string l = line + "\n";
        ASSERT_EQ(::write(in_, l.data(), l.size()), static_cast<ssize_t>(l.size()));
    }
    void signal(int s) { ::kill(pid_, s); }
    std::optional<int> wait_exit(int ms) {
        for (int i = 0; i < ms / 10; ++i) {
            int st = 0;
            if (::waitpid(pid_, &st, WNOHANG) == pid_) {
                exited_ = true;
                return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            }
            ::usleep(10000);
        }
        return std::nullopt;
    }
    std::vector<std::string> lines;

  private:
    void read() {
        asio::async_read_until(
            out_, buf_, '\n', [this](const boost::system::error_code& ec, std::size_t n) {
                if (ec) return;
                std::string l(
                    asio::buffers_begin(buf_.data()),
                    asio::buffers_begin(buf_.data()) + static_cast<std::ptrdiff_t>(n) - 1);
                buf_.consume(n);
                lines.push_back(l);
                read();
            });
    }
    pid_t pid_ = -1;
    int in_ = -1;
    bool exited_ = false;
    asio::posix::stream_descriptor out_;
    asio::streambuf buf_;
};

// Runs the loop until `done()` or `ms` passed.
bool run_until(runtime::event_loop& loop, const std::function<bool()>& done, int ms = 5000) {
    auto t0 = runtime::now();
    while (!done()) {
        if (runtime::now() - t0 > static_cast<runtime::time_ms>(ms)) return false;
        loop.run_for(20);
    }
    return true;
}

bool has_line(const child& c, const std::string& l) {
    for (const auto& x : c.lines)
        if (x == l) return true;
    return false;
}

TEST(sirocco_client_e2e, registers_console_server_read_update_sigterm) {
    runtime::event_loop loop;
    fake_server srv(loop);
    child c(loop, {"--endpoint", "e2e-dev", "--server",
                   "coap://localhost:" + std::to_string(srv.port()), "--lifetime", "45",
                   "--lwm2m-version", "1.1", "--interactive", "--log-level", "error"});

    ASSERT_TRUE(run_until(loop, [&] { return has_line(c, "registered /rd/1"); }))
        << "no registration";
    ASSERT_FALSE(srv.requests.empty());
    const auto& reg = srv.requests[0];
    EXPECT_EQ(reg.method, "POST");
    EXPECT_EQ(reg.path, "/rd");
    EXPECT_NE(reg.query.find("ep=e2e-dev&"), std::string::npos) << reg.query;
    EXPECT_NE(reg.query.find("lt=45&"), std::string::npos) << reg.query;
    EXPECT_NE(reg.query.find("lwm2m=1.1&"), std::string::npos) << reg.query;
    EXPECT_NE(reg.payload.find("</3303/0>"), std::string::npos) << reg.payload;

    // Console: local read and set.
    c.send("read /3/0/0");
    ASSERT_TRUE(run_until(loop, [&] { return has_line(c, "Sirocco"); }));
    c.send("set /3303/0/5700 30.5");
    c.send("read /3303/0/5700");
    ASSERT_TRUE(run_until(loop, [&] { return has_line(c, "30.5"); }));
    c.send("read /9/9");
    ASSERT_TRUE(run_until(loop, [&] { return c.lines.back().rfind("error:", 0) == 0; }));
    c.send("bogus");
    ASSERT_TRUE(run_until(
        loop, [&] { return c.lines.back().find("unknown command") != std::string::npos; }));

    // The server reads the value set on the console.
    srv.get("/3303/0/5700");
    ASSERT_TRUE(run_until(loop, [&] { return !srv.responses.empty(); }));
    EXPECT_EQ(srv.responses[0].first, "2.05");
    EXPECT_EQ(srv.responses[0].second, "30.5");

    // Observe it; a console `set` notifies the observer.
    srv.get("/3303/0/5700", true);
    ASSERT_TRUE(run_until(loop, [&] { return srv.responses.size() == 2; }));
    EXPECT_EQ(srv.responses[1].first, "2.05");
    c.send("set /3303/0/5700 33.25");
    ASSERT_TRUE(run_until(loop,
                          [&] {
                              for (const auto& n : srv.notifications)
                                  if (n == "33.25") return true;
                              return false;
                          }))
        << "no notification after set: " << srv.notifications.size() << " "
        << (srv.notifications.empty() ? "" : srv.notifications.back());

    // Update from the console.
    c.send("update");
    ASSERT_TRUE(run_until(loop, [&] { return has_line(c, "updated"); }));
    EXPECT_EQ(srv.requests.back().method, "POST");
    EXPECT_EQ(srv.requests.back().path, "/rd/1");

    // SIGTERM: De-register, then exit 0.
    c.signal(SIGTERM);
    ASSERT_TRUE(run_until(loop, [&] { return has_line(c, "deregistered"); }));
    EXPECT_EQ(srv.requests.back().method, "DELETE");
    EXPECT_EQ(srv.requests.back().path, "/rd/1");
    auto st = c.wait_exit(3000);
    ASSERT_TRUE(st);
    EXPECT_EQ(*st, 0);
}

TEST(sirocco_client_e2e, quit_on_the_console_deregisters_and_exits) {
    runtime::event_loop loop;
    fake_server srv(loop);
    child c(loop,
            {"--endpoint", "e2e-quit", "--server", "coap://127.0.0.1:" + std::to_string(srv.port()),
             "--interactive", "--objects", "none", "--lwm2m-version", "1.0"});
    ASSERT_TRUE(run_until(loop, [&] { return has_line(c, "registered /rd/1"); }));
    EXPECT_EQ(srv.requests[0].payload.find("</3303"), std::string::npos) << srv.requests[0].payload;
    EXPECT_NE(srv.requests[0].query.find("lwm2m=1.0&"), std::string::npos) << srv.requests[0].query;
    c.send("quit");
    ASSERT_TRUE(run_until(loop, [&] { return has_line(c, "deregistered"); }));
    auto st = c.wait_exit(3000);
    ASSERT_TRUE(st);
    EXPECT_EQ(*st, 0);
}

TEST(sirocco_client_e2e, sigterm_without_a_server_exits_within_the_deadline) {
    runtime::event_loop loop;
    // A port nobody listens on: registration never completes.
    std::uint16_t port;
    {
        runtime::udp_endpoint tmp(loop.io());
        ASSERT_TRUE(
            tmp.open({asio::ip::make_address("127.0.0.1"), 0}, [](coap::peer_id, bytes_view) {}));
        port = tmp.local_address().port();
    }
    child c(loop, {"--endpoint", "e2e-none", "--server", "coap://127.0.0.1:" + std::to_string(port),
                   "--non-interactive"});
    loop.run_for(300);
    c.signal(SIGINT);
    auto st = c.wait_exit(3000);
    ASSERT_TRUE(st);
    EXPECT_EQ(*st, 0);
}

int run_status(const std::string& args, std::string* err = nullptr) {
    std::string cmd = "'" + client_bin + "' " + args + " 2>&1 </dev/null";
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p) != nullptr)
        out += buf;
    int st = ::pclose(p);
    if (err) *err = out;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(sirocco_client_e2e, bad_flags_exit_2_naming_the_flag) {
    struct bad {
        const char* args;
        const char* names;
    } cases[] = {
        {"--bogus", "--bogus"},
        {"--lifetime abc", "--lifetime"},
        {"--lifetime 0", "--lifetime"},
        {"--lwm2m-version 2.0", "--lwm2m-version"},
        {"--objects 4,9999", "--objects"},
        {"--objects 4,x", "--objects"},
        {"--server http://example.org", "--server"},
        {"--server coaps://127.0.0.1", "--server"},
        {"--log-level loud", "--log-level"},
        {"--endpoint", "--endpoint"},
        {"--non-interactive=yes", "--non-interactive"},
    };
    for (const auto& b : cases) {
        std::string out;
        EXPECT_EQ(run_status(b.args, &out), 2) << b.args;
        EXPECT_NE(out.find(b.names), std::string::npos) << b.args << ": " << out;
    }
    std::string out;
    EXPECT_EQ(run_status("--help", &out), 0);
    EXPECT_NE(out.find("--lwm2m-version"), std::string::npos);
    EXPECT_NE(out.find("Console commands"), std::string::npos);
}

}  // namespace
}  // namespace sirocco
