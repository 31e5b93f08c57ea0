// Interop with libcoap (Debian libcoap3-bin, written by others) over real UDP
// and TCP on 127.0.0.1:
// - our engine as a client against libcoap's coap-server: GET, PUT (Block1),
//   GET (Block2), POST, observe, a separate (async) response;
// - libcoap's coap-client against coap-test-server (our engine): GET with
//   -b 64 (Block2), PUT of a large file (Block1), observe with -s.
// Payloads are compared byte for byte. Processes are started and killed
// here, ports are picked free, a temp folder is removed at the end.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "coap_net.hpp"
#include "interop_util.hpp"
#include "sirocco/coap/options.hpp"

namespace sirocco::coap::interop {
namespace {

/// An event with copied views.
struct got {
    event_kind kind{};
    exchange_id exchange;
    code c;
    msg_type type{};
    std::vector<std::uint8_t> body;
    std::uint32_t seq = 0;
    errc err = errc::ok;
};

/// Our engine as a client on an ephemeral UDP port or a TCP connection.
struct our_client {
    net::node n;
    std::optional<peer_id> peer;
    std::vector<got> events;

    our_client(bool tcp, std::uint16_t port, config cfg = {}) : n(cfg) {
        EXPECT_TRUE(n.bind(0, false));
        peer = tcp ? n.connect_tcp(port) : n.udp_peer(port);
        n.on_event = [this](net::node&, const event& e) {
            got g;
            g.kind = e.kind;
            g.exchange = e.exchange;
            g.c = e.msg.code;
            g.type = e.msg.type;
            g.body.assign(e.body.begin(), e.body.end());
            g.seq = e.observe_seq;
            g.err = e.err.code;
            events.push_back(std::move(g));
        };
    }
    static bool final_kind(event_kind k) {
        return k == event_kind::response || k == event_kind::timeout || k == event_kind::reset ||
               k == event_kind::failed;
    }
    std::size_t count(exchange_id x, event_kind k) const {
        std::size_t c = 0;
        for (const auto& e : events)
            if (e.exchange == x && e.kind == k) ++c;
        return c;
    }
    /// Sends a request and waits for its final event (or the n-th response).
    std::optional<got> exchange(const message& m, bytes_view body, request_options o = {},
                                int timeout_ms = 5000) {
        if (!peer) return std::nullopt;
        auto x = n.eng().send_request(*peer, m, body, net::clock_ms(), o);
        EXPECT_TRUE(x.has_value());
        if (!x) return std::nullopt;
        return wait_final(*x, timeout_ms);
    }
    std::optional<got> wait_final(exchange_id x, int timeout_ms) {
        std::optional<got> out;
        n.run_until(
            [&] {
                for (const auto& e : events)
                    if (e.exchange == x && final_kind(e.kind)) {
                        out = e;
                        return true;
                    }
                return false;
            },
            timeout_ms);
        return out;
    }
};

message request(code c, const char* path) {
    message m;
    m.code = c;
    std::array<std::uint8_t, 1> none{};
    message_builder b(m, none);
    EXPECT_TRUE(b.add_uri_path(path).has_value());
    return m;
}

const char* scheme(bool tcp) {
    return tcp ? "coap+tcp" : "coap";
}

// ---- our client against libcoap's coap-server ----------------------------------

class LibcoapServer : public ::testing::TestWithParam<bool> {
  protected:
    static void SetUpTestSuite() {
        dir_ = new temp_dir;
        const std::string bin = coap_server_bin();
        ASSERT_FALSE(bin.empty())
            << "libcoap's coap-server not found (apt-get install libcoap3-bin)";
        port_ = net::free_port();
        ASSERT_NE(port_, 0);
        server_ = new process(
            {bin, "-A", "127.0.0.1", "-p", std::to_string(port_), "-d", "20", "-v", "3"},
            dir_->path / "coap-server.log");
        ASSERT_TRUE(server_->started());
        // Ready when it answers a GET /.
        for (int i = 0; i < 50; ++i) {
            our_client c(false, port_, quick());
            auto r = c.exchange(request(codes::get, "/"), {}, {}, 200);
            if (r && r->kind == event_kind::response) {
                ready_ = true;
                return;
            }
        }
        FAIL() << "coap-server did not come up";
    }
    void SetUp() override { ASSERT_TRUE(ready_) << "the peer process did not start"; }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
        delete dir_;
        dir_ = nullptr;
        ready_ = false;
    }
    static config quick() {
        config c;
        c.ack_timeout_ms = 100;
        c.max_retransmit = 1;
        return c;
    }
    /// Runs coap-client with `args` + URI; returns its output file's bytes.
    static std::vector<std::uint8_t> libcoap_get(const std::string& uri,
                                                 std::vector<std::string> args = {}) {
        const fs::path out = dir_->path / "client.out";
        fs::remove(out);
        std::vector<std::string> a{coap_client_bin(), "-m", "get", "-o", out.string()};
        a.insert(a.end(), args.begin(), args.end());
        a.push_back(uri);
        process p(a, dir_->path / "client.log");
        EXPECT_EQ(p.wait(10000), 0);
        return read_file(out);
    }
    std::string uri(const char* path) const {
        return std::string(scheme(GetParam())) + "://127.0.0.1:" + std::to_string(port_) + path;
    }

    static inline temp_dir* dir_ = nullptr;
    static inline process* server_ = nullptr;
    static inline std::uint16_t port_ = 0;
    static inline bool ready_ = false;
};

TEST_P(LibcoapServer, GetIndexSameAsLibcoapClientSees) {
    our_client c(GetParam(), port_);
    auto r = c.exchange(request(codes::get, "/"), {});
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->kind, event_kind::response);
    EXPECT_EQ(r->c, codes::content);
    EXPECT_NE(text(r->body).find("libcoap"), std::string::npos);
    EXPECT_EQ(r->body, libcoap_get(uri("/")));
}

TEST_P(LibcoapServer, PutBlock1ThenGetBlock2SeveralKb) {
    config cfg;
    cfg.max_block_size = 256;  // our upload goes in 256-byte Block1 blocks
    our_client c(GetParam(), port_, cfg);
    std::vector<std::uint8_t> body = net::big_body(6000);
    body[0] = GetParam() ? 'T' : 'U';
    auto put = c.exchange(request(codes::put, "/example_data"), body);
    ASSERT_TRUE(put.has_value());
    ASSERT_EQ(put->kind, event_kind::response);
    EXPECT_TRUE(put->c == codes::changed || put->c == codes::created) << int(put->c.raw);
    EXPECT_GE(c.events.size(), 2u) << "Block1 progress events";

    std::vector<std::uint8_t> buf(16000);
    request_options o;
    o.response_buffer = buf;
    o.block2_size = 64;
    auto get = c.exchange(request(codes::get, "/example_data"), {}, o);
    ASSERT_TRUE(get.has_value());
    ASSERT_EQ(get->kind, event_kind::response);
    EXPECT_EQ(get->body, body) << "the body came back byte for byte";
    EXPECT_GE(c.count(get->exchange, event_kind::response_block), 90u) << "64-byte blocks";
    EXPECT_EQ(libcoap_get(uri("/example_data"), {"-b", "1024"}), body);
}

TEST_P(LibcoapServer, PostCreatesDynamicResource) {
    our_client c(GetParam(), port_);
    const char* path = GetParam() ? "/posted_tcp" : "/posted_udp";
    const std::string payload = "posted by sirocco over " + std::string(scheme(GetParam()));
    auto post = c.exchange(request(codes::post, path), as_bytes(payload));
    ASSERT_TRUE(post.has_value());
    ASSERT_EQ(post->kind, event_kind::response);
    EXPECT_EQ(post->c.cls(), 2u) << int(post->c.raw);
    auto get = c.exchange(request(codes::get, path), {});
    ASSERT_TRUE(get.has_value());
    EXPECT_EQ(text(get->body), payload);
    EXPECT_EQ(text(libcoap_get(uri(path))), payload);
}

TEST_P(LibcoapServer, ObserveTimeThenDeregister) {
    our_client c(GetParam(), port_);
    message m = request(codes::get, "/time");
    std::array<std::uint8_t, 1> none{};
    message_builder b(m, none);
    ASSERT_TRUE(b.add_empty(opt::observe));  // Observe 0: register
    auto x = c.n.eng().send_request(*c.peer, m, {}, net::clock_ms());
    ASSERT_TRUE(x.has_value());
    // /time changes every second: the first response and two notifications.
    ASSERT_TRUE(c.n.run_until([&] { return c.count(*x, event_kind::notification) >= 2; }, 6000));
    EXPECT_EQ(c.count(*x, event_kind::response), 1u);
    std::vector<got> notes;
    for (const auto& e : c.events)
        if (e.exchange == *x && e.kind == event_kind::notification) notes.push_back(e);
    EXPECT_FALSE(notes[0].body.empty());
    EXPECT_NE(notes[0].body, notes[1].body);
    EXPECT_NE(notes[0].seq, notes[1].seq);
    ASSERT_TRUE(c.n.eng().cancel(*x, net::clock_ms(), true).has_value());
    ASSERT_TRUE(c.n.run_until([&] { return c.count(*x, event_kind::response) >= 2; }, 5000))
        << "the GET with Observe 1 is answered";
}

TEST_P(LibcoapServer, AsyncResponse) {
    our_client c(GetParam(), port_);
    message m = request(codes::get, "/async");
    std::array<std::uint8_t, 1> none{};
    message_builder b(m, none);
    ASSERT_TRUE(b.add_string(opt::uri_query, "1"));  // answer after 1 s
    auto r = c.exchange(m, {}, {}, 5000);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->kind, event_kind::response);
    EXPECT_EQ(text(r->body), "done");
    if (!GetParam()) {
        EXPECT_EQ(r->type, msg_type::con) << "a separate response over UDP";
    }
}

INSTANTIATE_TEST_SUITE_P(Transport, LibcoapServer, ::testing::Values(false, true),
                         [](const auto& i) { return std::string(i.param ? "tcp" : "udp"); });

// ---- libcoap's coap-client against our coap-test-server -----------------------

class OurServer : public ::testing::TestWithParam<bool> {
  protected:
    static void SetUpTestSuite() {
        dir_ = new temp_dir;
        port_ = net::free_port();
        ASSERT_NE(port_, 0);
        const std::string bin = std::string(SIROCCO_BIN_DIR) + "/coap-test-server";
        server_ = new process({bin, "--port", std::to_string(port_), "--lifetime", "120"},
                              dir_->path / "server.log");
        ASSERT_TRUE(server_->started());
        for (int i = 0; i < 200; ++i) {
            if (read_file(dir_->path / "server.log").size() >= 5) {  // "ready"
                ready_ = true;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        FAIL() << "coap-test-server did not start";
    }
    void SetUp() override { ASSERT_TRUE(ready_) << "the peer process did not start"; }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
        delete dir_;
        dir_ = nullptr;
        ready_ = false;
    }
    std::string uri(const char* path) const {
        return std::string(scheme(GetParam())) + "://127.0.0.1:" + std::to_string(port_) + path;
    }
    /// Runs coap-client; returns (exit code, output file bytes).
    std::pair<int, std::vector<std::uint8_t>> client(std::vector<std::string> args,
                                                     const char* path, int timeout_ms = 10000) {
        const fs::path out = dir_->path / "client.out";
        fs::remove(out);
        std::vector<std::string> a{coap_client_bin(), "-o", out.string()};
        a.insert(a.end(), args.begin(), args.end());
        a.push_back(uri(path));
        process p(a, dir_->path / "client.log");
        const int rc = p.wait(timeout_ms);
        return {rc, read_file(out)};
    }

    static inline temp_dir* dir_ = nullptr;
    static inline process* server_ = nullptr;
    static inline std::uint16_t port_ = 0;
    static inline bool ready_ = false;
};

TEST_P(OurServer, CoapClientGetsBlock2With64ByteBlocks) {
    ASSERT_FALSE(coap_client_bin().empty()) << "libcoap's coap-client not found";
    auto [rc, body] = client({"-m", "get", "-b", "64"}, "/big");
    EXPECT_EQ(rc, 0);
    EXPECT_EQ(body, net::big_body()) << "5000 bytes, byte for byte";
}

TEST_P(OurServer, CoapClientPutsLargeBodyWithBlock1) {
    std::vector<std::uint8_t> file = net::big_body(7000);
    file[1] = GetParam() ? 'T' : 'U';
    const fs::path in = dir_->path / "upload.bin";
    write_file(in, file);
    auto [rc, ignored] = client({"-m", "put", "-b", "64", "-f", in.string()}, "/store");
    EXPECT_EQ(rc, 0);
    auto [rc2, back] = client({"-m", "get", "-b", "512"}, "/store");
    EXPECT_EQ(rc2, 0);
    EXPECT_EQ(back, file) << "stored and served back byte for byte";
}

TEST_P(OurServer, CoapClientObserves) {
    auto [rc, out] = client({"-m", "get", "-s", "2"}, "/obs", 8000);
    EXPECT_EQ(rc, 0);
    // The first response and the notifications, appended: "n=<k>" each.
    const std::string s = text(out);
    std::size_t count = 0;
    for (std::size_t at = s.find("n="); at != std::string::npos; at = s.find("n=", at + 1))
        ++count;
    EXPECT_GE(count, 3u) << s;
}

INSTANTIATE_TEST_SUITE_P(Transport, OurServer, ::testing::Values(false, true),
                         [](const auto& i) { return std::string(i.param ? "tcp" : "udp"); });

}  // namespace
}  // namespace sirocco::coap::interop
