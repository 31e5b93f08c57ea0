#include "sirocco/runtime/http_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "http_client.hpp"

namespace {

using namespace sirocco::runtime;
using sirocco::test::http_client;
using sirocco::test::io_threads;
using sirocco::test::sse_client;
namespace bhttp = boost::beast::http;

TEST(PercentDecode, DecodesEscapesAndPlus) {
    EXPECT_EQ(http::percent_decode("a%20b%2Fc", false), "a b/c");
    EXPECT_EQ(http::percent_decode("a+b", true), "a b");
    EXPECT_EQ(http::percent_decode("a+b", false), "a+b");
    EXPECT_EQ(http::percent_decode("%4a%4A", false), "JJ");
    EXPECT_FALSE(http::percent_decode("%", false));
    EXPECT_FALSE(http::percent_decode("%2", false));
    EXPECT_FALSE(http::percent_decode("%zz", false));
    EXPECT_FALSE(http::percent_decode("abc%4", false));
}

TEST(ParseQuery, PairsInOrder) {
    auto q = http::parse_query("paths=/3/0/1,/3/0/2&format=SENML_CBOR&&flag&x=a%26b");
    ASSERT_TRUE(q);
    ASSERT_EQ(q->size(), 4u);
    EXPECT_EQ((*q)[0], (std::pair<std::string, std::string>{"paths", "/3/0/1,/3/0/2"}));
    EXPECT_EQ((*q)[1].second, "SENML_CBOR");
    EXPECT_EQ((*q)[2], (std::pair<std::string, std::string>{"flag", ""}));
    EXPECT_EQ((*q)[3].second, "a&b");
    EXPECT_FALSE(http::parse_query("a=%G0"));
    EXPECT_TRUE(http::parse_query("")->empty());
}

TEST(Router, MalformedPatternsThrow) {
    boost::asio::io_context io;
    http::server s(io);
    auto h = [](const http::request&, http::responder) {};
    EXPECT_THROW(s.route(http::verb::get, "api", h), std::invalid_argument);
    EXPECT_THROW(s.route(http::verb::get, "/a/{rest...}/b", h), std::invalid_argument);
    EXPECT_THROW(s.route(http::verb::get, "/a/{", h), std::invalid_argument);
    EXPECT_THROW(s.route(http::verb::get, "/a/{}", h), std::invalid_argument);
    EXPECT_NO_THROW(s.route(http::verb::get, "/a/{x}/{rest...}", h));
}

// A server with a few routes on two threads.
class HttpServer : public ::testing::Test {
  protected:
    void SetUp() override {
        cfg_.body_limit = 64;
        cfg_.sse_keepalive = std::chrono::milliseconds(100);
    }
    void start() {
        srv_ = std::make_unique<http::server>(t_.io, cfg_);
        srv_->route(http::verb::get, "/hello", [](const http::request&, http::responder r) {
            r.send(http::response::json(200, R"({"hello":"world"})"));
        });
        srv_->route(http::verb::get, "/api/clients/{ep}",
                    [](const http::request& req, http::responder r) {
                        nlohmann::json j;
                        j["ep"] = req.param("ep");
                        r.send(http::response::json(200, j.dump()));
                    });
        srv_->route(http::verb::get, "/api/clients/{ep}/{path...}",
                    [](const http::request& req, http::responder r) {
                        nlohmann::json j;
                        j["ep"] = req.param("ep");
                        j["path"] = req.rest;
                        const std::string* f = req.query_param("format");
                        j["format"] = f ? *f : "";
                        r.send(http::response::json(200, j.dump()));
                    });
        srv_->route(http::verb::put, "/echo", [](const http::request& req, http::responder r) {
            r.send(http::response::text(200, req.body));
        });
        srv_->route(http::verb::post, "/echo", [](const http::request& req, http::responder r) {
            r.send(http::response::text(201, std::string(req.header("content-type"))));
        });
        srv_->route(http::verb::get, "/later", [](const http::request&, http::responder r) {
            std::thread([r] {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                r.send(http::response::json(202, R"({"late":true})"));
            }).detach();
        });
        srv_->route(http::verb::get, "/drop", [](const http::request&, http::responder) {});
        srv_->route(http::verb::get, "/throw", [](const http::request&, http::responder) {
            throw std::runtime_error("boom");
        });
        srv_->route(http::verb::get, "/slow", [this](const http::request&, http::responder r) {
            {
                std::lock_guard lock(m_);
                slow_ = r;
            }
            cv_.notify_all();
        });
        srv_->stream("/events",
                     [this](const http::request& req,
                            const http::event_stream& s) -> std::optional<http::response> {
                         if (req.query_param("refuse"))
                             return http::response::error(400, "refused");
                         s.on_close([this] {
                             closed_ = true;
                             cv_.notify_all();
                         });
                         {
                             std::lock_guard lock(m_);
                             stream_ = s;
                         }
                         cv_.notify_all();
                         return std::nullopt;
                     });
        srv_->on_response([this](const http::request&, unsigned status, std::string_view) {
            {
                std::lock_guard lock(m_);
                statuses_.push_back(status);
            }
            cv_.notify_all();
        });
        ASSERT_FALSE(srv_->start());
        ASSERT_NE(srv_->port(), 0);
    }
    void TearDown() override {
        // Stop, let the sessions end, then stop the threads before the
        // fixture's members (which handlers capture) go away.
        if (srv_) {
            srv_->stop();
            for (int i = 0; i < 300 && srv_->session_count() > 0; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        t_.join();
    }
    template <class Pred>
    bool wait_for(Pred p, int ms = 3000) {
        std::unique_lock lock(m_);
        return cv_.wait_for(lock, std::chrono::milliseconds(ms), p);
    }

    io_threads t_{2};
    http::server_config cfg_;
    std::unique_ptr<http::server> srv_;
    std::mutex m_;
    std::condition_variable cv_;
    http::event_stream stream_;
    http::responder slow_;
    std::atomic<bool> closed_{false};
    std::vector<unsigned> statuses_;
};

TEST_F(HttpServer, RoutesParamsAndQuery) {
    start();
    http_client c(srv_->port());
    auto r = c.get("/hello");
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body, R"({"hello":"world"})");

    r = c.get("/api/clients/dev%201");
    EXPECT_EQ(nlohmann::json::parse(r.body)["ep"], "dev 1");
    r = c.get("/api/clients/dev1/");  // one trailing slash is ignored
    EXPECT_EQ(nlohmann::json::parse(r.body)["ep"], "dev1");

    r = c.get("/api/clients/dev1/3/0/1?format=TLV&timeout=5");
    auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["ep"], "dev1");
    EXPECT_EQ(j["path"], "3/0/1");
    EXPECT_EQ(j["format"], "TLV");
}

TEST_F(HttpServer, KeepAliveServesSeveralRequestsOnOneConnection) {
    start();
    http_client c(srv_->port());
    for (int i = 0; i < 5; ++i) {
        auto r = c.get("/hello");
        EXPECT_EQ(r.status, 200u);
        EXPECT_TRUE(r.keep_alive);
    }
    auto r = c.request(bhttp::verb::put, "/echo", "abc");
    EXPECT_EQ(r.body, "abc");
    r = c.request(bhttp::verb::post, "/echo", "x", "text/plain");
    EXPECT_EQ(r.status, 201u);
    EXPECT_EQ(r.body, "text/plain");
    EXPECT_EQ(srv_->session_count(), 1u);
}

TEST_F(HttpServer, NotFoundAndMethodNotAllowedAreJson) {
    start();
    http_client c(srv_->port());
    auto r = c.get("/nowhere");
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(nlohmann::json::parse(r.body)["message"], "no route for GET /nowhere");

    r = c.request(bhttp::verb::delete_, "/echo");
    EXPECT_EQ(r.status, 405u);
    EXPECT_EQ(r.allow, "PUT, POST");
    EXPECT_EQ(nlohmann::json::parse(r.body)["message"], "method DELETE not allowed on /echo");
    // The connection is still usable after errors.
    EXPECT_EQ(c.get("/hello").status, 200u);
}

TEST_F(HttpServer, BadEscapesAre400) {
    start();
    http_client c(srv_->port());
    auto r = c.get("/api/clients/%zz");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(nlohmann::json::parse(r.body)["message"], "malformed percent-encoding in the path");
    r = c.get("/hello?x=%");
    EXPECT_EQ(r.status, 400u);
}

TEST_F(HttpServer, BodyOverLimitIs413AndCloses) {
    start();
    http_client c(srv_->port());
    auto r = c.request(bhttp::verb::put, "/echo", std::string(65, 'x'));
    EXPECT_EQ(r.status, 413u);
    EXPECT_FALSE(r.keep_alive);
    EXPECT_EQ(nlohmann::json::parse(r.body)["message"], "request body larger than 64 bytes");
    EXPECT_TRUE(c.closed_by_peer());
    // Exactly at the limit is fine.
    http_client c2(srv_->port());
    EXPECT_EQ(c2.request(bhttp::verb::put, "/echo", std::string(64, 'x')).status, 200u);
}

TEST_F(HttpServer, LargeBodyGets413RatherThanAReset) {
    start();
    http_client c(srv_->port());
    auto r = c.request(bhttp::verb::put, "/echo", std::string(2 * 1024 * 1024, 'x'));
    EXPECT_EQ(r.status, 413u);
    EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpServer, MalformedRequestIs400) {
    start();
    http_client c(srv_->port());
    const std::string junk = "GET / HTTP/1.1\r\nContent-Length: nope\r\n\r\n";
    boost::asio::write(c.socket(), boost::asio::buffer(junk));
    boost::beast::flat_buffer buf;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(c.socket(), buf, res);
    EXPECT_EQ(res.result_int(), 400u);
    EXPECT_NE(res.body().find("malformed HTTP request"), std::string::npos);
}

TEST_F(HttpServer, AsynchronousResponderFromAnotherThread) {
    start();
    http_client c(srv_->port());
    auto r = c.get("/later");
    EXPECT_EQ(r.status, 202u);
    EXPECT_EQ(r.body, R"({"late":true})");
    EXPECT_EQ(c.get("/hello").status, 200u);
}

TEST_F(HttpServer, DroppedResponderOrThrowingHandlerGives500) {
    start();
    http_client c(srv_->port());
    auto r = c.get("/drop");
    EXPECT_EQ(r.status, 500u);
    EXPECT_EQ(nlohmann::json::parse(r.body)["message"], "no answer from the request handler");
    r = c.get("/throw");
    EXPECT_EQ(r.status, 500u);
    EXPECT_EQ(nlohmann::json::parse(r.body)["message"], "internal error: boom");
}

TEST_F(HttpServer, ResponseObserverSeesEveryStatus) {
    start();
    http_client c(srv_->port());
    c.get("/hello");
    c.get("/nowhere");
    ASSERT_TRUE(wait_for([this] { return statuses_.size() >= 2; }));
    std::lock_guard lock(m_);
    EXPECT_EQ(statuses_[0], 200u);
    EXPECT_EQ(statuses_[1], 404u);
}

TEST_F(HttpServer, ServerSentEvents) {
    start();
    sse_client s(srv_->port(), "/events");
    EXPECT_NE(s.head.find("200 OK"), std::string::npos);
    EXPECT_NE(s.head.find("Content-Type: text/event-stream"), std::string::npos);
    ASSERT_TRUE(wait_for([this] { return stream_.is_open(); }));
    EXPECT_TRUE(stream_.send("REGISTRATION", R"({"endpoint":"a"})"));
    EXPECT_TRUE(stream_.send("", "line1\nline2"));
    std::string b = s.next_block();
    while (b.rfind(':', 0) == 0)
        b = s.next_block();  // skip keep-alives
    EXPECT_EQ(b, "event: REGISTRATION\ndata: {\"endpoint\":\"a\"}");
    b = s.next_block();
    while (b.rfind(':', 0) == 0)
        b = s.next_block();
    EXPECT_EQ(b, "data: line1\ndata: line2");
    // Keep-alive comments arrive every 100 ms here.
    b = s.next_block();
    EXPECT_EQ(b, ": keep-alive");
}

TEST_F(HttpServer, EventStreamNoticesDisconnect) {
    start();
    {
        sse_client s(srv_->port(), "/events");
        ASSERT_TRUE(wait_for([this] { return stream_.is_open(); }));
        s.close();
    }
    ASSERT_TRUE(wait_for([this] { return closed_.load(); }));
    EXPECT_FALSE(stream_.is_open());
    EXPECT_FALSE(stream_.send("X", "y"));
}

TEST_F(HttpServer, EventStreamRefusedByHandler) {
    start();
    http_client c(srv_->port());
    auto r = c.get("/events?refuse=1");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(nlohmann::json::parse(r.body)["message"], "refused");
}

TEST_F(HttpServer, StopFinishesInFlightAndClosesTheRest) {
    start();
    http_client idle(srv_->port());
    EXPECT_EQ(idle.get("/hello").status, 200u);
    sse_client s(srv_->port(), "/events");
    ASSERT_TRUE(wait_for([this] { return stream_.is_open(); }));

    auto fut = std::async(std::launch::async, [this] {
        http_client c(srv_->port());
        return c.get("/slow");
    });
    ASSERT_TRUE(wait_for([this] { return slow_.pending(); }));
    srv_->stop();
    EXPECT_TRUE(idle.closed_by_peer());
    ASSERT_TRUE(wait_for([this] { return closed_.load(); }));
    slow_.send(http::response::json(200, R"({"done":true})"));
    auto r = fut.get();
    EXPECT_EQ(r.status, 200u);
    EXPECT_FALSE(r.keep_alive);
    EXPECT_EQ(r.body, R"({"done":true})");
    // No new connections.
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket sock(io);
    boost::system::error_code ec;
    for (int i = 0; i < 50 && !ec; ++i) {
        sock.close();
        sock.connect({boost::asio::ip::make_address("127.0.0.1"), srv_->port()}, ec);
        if (!ec) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(ec);
}

TEST_F(HttpServer, PortInUseIsAnError) {
    start();
    http::server_config cfg;
    cfg.port = srv_->port();
    http::server other(t_.io, cfg);
    EXPECT_TRUE(other.start());
    http::server_config bad;
    bad.address = "not-an-address";
    http::server third(t_.io, bad);
    EXPECT_TRUE(third.start());
}

TEST_F(HttpServer, CurlTalksToIt) {
    if (std::system("curl --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "curl not installed";
    start();
    const std::string url = "http://127.0.0.1:" + std::to_string(srv_->port());
    const std::string cmd =
        "curl -s -S -X PUT -H 'Content-Type: application/json' --data '{\"v\":1}' " + url +
        "/echo && curl -s -o /dev/null -w ' %{http_code}' " + url + "/nowhere";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[256];
    while (std::fgets(buf, sizeof buf, p))
        out += buf;
    EXPECT_EQ(pclose(p), 0);
    EXPECT_EQ(out, "{\"v\":1} 404");
}

}  // namespace
