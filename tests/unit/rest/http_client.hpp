// A small blocking HTTP/1.1 client for the tests (Boost.Beast), and a
// helper that runs an io_context on background threads.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace sirocco::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

/// Runs an io_context on `n` threads until destroyed.
class io_threads {
  public:
    explicit io_threads(int n = 2) : guard_(io.get_executor()) {
        for (int i = 0; i < n; ++i)
            threads_.emplace_back([this] { io.run(); });
    }
    ~io_threads() { join(); }
    /// Stops the io_context and waits for the threads: no handler runs after.
    void join() {
        guard_.reset();
        io.stop();
        for (auto& t : threads_)
            if (t.joinable()) t.join();
    }
    asio::io_context io;

  private:
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::vector<std::thread> threads_;
};

struct http_result {
    unsigned status = 0;
    std::string body;
    std::string content_type;
    std::string allow;
    bool keep_alive = false;
};

/// One connection; requests are sent one after the other (keep-alive).
class http_client {
  public:
    explicit http_client(std::uint16_t port) : sock_(io_) {
        sock_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    }
    http_result request(bhttp::verb method, const std::string& target, std::string body = {},
                        std::string content_type = "application/json") {
        bhttp::request<bhttp::string_body> req(method, target, 11);
        req.set(bhttp::field::host, "127.0.0.1");
        if (!body.empty() || method == bhttp::verb::put || method == bhttp::verb::post) {
            req.set(bhttp::field::content_type, content_type);
            req.body() = std::move(body);
        }
        req.prepare_payload();
        bhttp::write(sock_, req);
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        bhttp::read(sock_, buf_, parser);
        auto& res = parser.get();
        http_result r;
        r.status = res.result_int();
        r.body = res.body();
        r.content_type = std::string(res[bhttp::field::content_type]);
        r.allow = std::string(res[bhttp::field::allow]);
        r.keep_alive = res.keep_alive();
        return r;
    }
    http_result get(const std::string& target) { return request(bhttp::verb::get, target); }
    tcp::socket& socket() { return sock_; }
    /// Whether the server has closed the connection (reads EOF within `ms`).
    bool closed_by_peer(int ms = 2000) {
        sock_.non_blocking(true);
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        char c;
        while (std::chrono::steady_clock::now() < end) {
            boost::system::error_code ec;
            sock_.read_some(asio::buffer(&c, 1), ec);
            if (ec == asio::error::would_block) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
                continue;
            }
            sock_.non_blocking(false);
            return true;  // EOF, reset, or unexpected data: the response is over
        }
        sock_.non_blocking(false);
        return false;
    }

  private:
    asio::io_context io_;
    tcp::socket sock_;
    beast::flat_buffer buf_;
};

/// Reads a server-sent events stream over a raw socket.
class sse_client {
  public:
    sse_client(std::uint16_t port, const std::string& target) : sock_(io_) {
        sock_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        std::string req =
            "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
        asio::write(sock_, asio::buffer(req));
        asio::read_until(sock_, buf_, "\r\n\r\n");
        std::string all(asio::buffers_begin(buf_.data()), asio::buffers_end(buf_.data()));
        const auto end = all.find("\r\n\r\n") + 4;
        head = all.substr(0, end);
        buf_.consume(end);
    }
    /// The next block (up to a blank line), e.g. "event: X\ndata: {...}".
    std::string next_block() {
        asio::read_until(sock_, buf_, "\n\n");
        std::string all(asio::buffers_begin(buf_.data()), asio::buffers_end(buf_.data()));
        const auto end = all.find("\n\n");
        std::string block = all.substr(0, end);
        buf_.consume(end + 2);
        return block;
    }
    void close() {
        boost::system::error_code ec;
        sock_.shutdown(tcp::socket::shutdown_both, ec);
        sock_.close(ec);
    }
    std::string head;

  private:
    asio::io_context io_;
    tcp::socket sock_;
    asio::streambuf buf_;
};

}  // namespace sirocco::test
