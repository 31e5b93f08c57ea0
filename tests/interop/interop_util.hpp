// Helpers of the interop tests: finding libcoap's tools, a temp folder, a
// child process with its output in a file, files as bytes.
#pragma once

#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace sirocco::coap::interop {

namespace fs = std::filesystem;

inline std::string find_tool(std::initializer_list<const char*> names) {
    const char* path = std::getenv("PATH");
    std::stringstream ss(path != nullptr ? path : "/usr/bin:/bin");
    std::string dir;
    std::vector<std::string> dirs;
    while (std::getline(ss, dir, ':'))
        dirs.push_back(dir);
    for (const char* n : names)
        for (const auto& d : dirs) {
            const std::string p = d + "/" + n;
            if (::access(p.c_str(), X_OK) == 0) return p;
        }
    return {};
}

inline std::string coap_server_bin() {
    return find_tool(
        {"coap-server", "coap-server-notls", "coap-server-openssl", "coap-server-gnutls"});
}
inline std::string coap_client_bin() {
    return find_tool(
        {"coap-client", "coap-client-notls", "coap-client-openssl", "coap-client-gnutls"});
}

struct temp_dir {
    fs::path path;
    temp_dir() {
        char tmpl[] = "/tmp/sirocco-coap-interop-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

/// A child process with stdout+stderr to `log`; killed when destroyed.
class process {
  public:
    process(const std::vector<std::string>& args, const fs::path& log) {
        std::vector<char*> argv;
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&fa);
    }
    ~process() { kill(); }
    process(const process&) = delete;
    process& operator=(const process&) = delete;

    bool started() const { return pid_ > 0; }
    /// Waits for the exit; kills after timeout. Returns the exit code, -1 on timeout.
    int wait(int timeout_ms) {
        if (pid_ <= 0) return -1;
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (std::chrono::steady_clock::now() < end) {
            int status = 0;
            const pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        kill();
        return -1;
    }
    void kill() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        for (int i = 0; i < 100; ++i) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

  private:
    pid_t pid_ = -1;
};

inline std::vector<std::uint8_t> read_file(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
inline void write_file(const fs::path& p, const std::vector<std::uint8_t>& b) {
    std::ofstream f(p, std::ios::binary);
    f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
inline std::string text(const std::vector<std::uint8_t>& b) {
    return std::string(b.begin(), b.end());
}

}  // namespace sirocco::coap::interop
