// client::fetch_block(): one GET with Uri-Host / Uri-Path and Block2 per
// call, answered by one fetch_block event (the device sets the pace).
#include <string>

#include "../client/engine_harness.hpp"

namespace sirocco::client::test {
namespace {

struct fetch_harness : harness {
    std::string image;
    std::vector<std::uint32_t> served;  ///< block numbers the server answered
    bool answer_fetches = true;
    std::array<std::uint8_t, 4> etag{1, 2, 3, 4};

    fetch_harness() {
        image.resize(5000);
        for (std::size_t i = 0; i < image.size(); ++i)
            image[i] = static_cast<char>((i * 7 + i / 256) & 0xFF);
        answer = [](const srv_req& r) -> std::optional<coap::code> {
            if (r.code == coap::codes::get && r.path.rfind("/fw", 0) == 0) return coap::code{};
            return std::nullopt;
        };
        start();
    }
    /// Answers the fetches the server holds (the harness left them unanswered).
    void serve() {
        for (auto& r : requests) {
            if (r.code != coap::codes::get || r.path.rfind("/fw", 0) != 0 || r.payload == "done")
                continue;
            r.payload = "done";
            if (!answer_fetches) continue;
            coap::message resp;
            std::array<std::uint8_t, 16> st{};
            coap::message_builder b(resp, st);
            if (r.path == "/fw/image.bin") {
                resp.code = coap::codes::content;
                EXPECT_TRUE(b.add_uint(coap::opt::content_format, 42).has_value());
                EXPECT_TRUE(
                    b.add(coap::opt::etag, bytes_view(etag.data(), etag.size())).has_value());
                EXPECT_TRUE(srv->respond(r.id, resp, as_bytes(image), now).has_value());
            } else {
                resp.code = coap::codes::not_found;
                EXPECT_TRUE(srv->respond(r.id, resp, {}, now).has_value());
            }
        }
        pump();
    }
    std::vector<client_event> fetch_events() const {
        std::vector<client_event> v;
        for (const auto& e : events)
            if (e.kind == client_event_kind::fetch_block) v.push_back(e);
        return v;
    }
};

TEST(ClientFetchBlock, EachCallFetchesExactlyOneBlock) {
    fetch_harness h;
    std::string got;
    for (std::uint32_t n = 0;; ++n) {
        auto x = h.cl->fetch_block(101, {"server", "fw/image.bin"}, n, 1024, h.now);
        ASSERT_TRUE(x.has_value()) << x.error().reason;
        h.pump();
        h.serve();
        // Nothing more is asked for until the next call.
        h.advance(100);
        auto ev = h.fetch_events();
        ASSERT_EQ(ev.size(), n + 1);
        const auto& e =
            h.events.back().kind == client_event_kind::fetch_block ? h.events.back() : ev.back();
        EXPECT_EQ(e.fetch, *x);
        EXPECT_EQ(e.server, 101);
        ASSERT_EQ(e.code, status::content);
        EXPECT_EQ(e.block_num, n);
        // Size2 comes with block 0; the last block gives the size too.
        if (n == 0 || !e.more) {
            EXPECT_EQ(e.total, h.image.size()) << "block " << n;
        }
        ASSERT_EQ(e.etag.size(), 4u);
        EXPECT_EQ(e.etag[3], 4);
        got += std::string(as_chars(e.body));
        if (!e.more) break;
        ASSERT_LT(n, 10u);
    }
    EXPECT_EQ(got, h.image);
    std::size_t gets = 0;
    for (const auto& r : h.requests)
        if (r.code == coap::codes::get) ++gets;
    EXPECT_EQ(gets, 5u);  // 5000 bytes in 1024-byte blocks
}

TEST(ClientFetchBlock, StartsAtAnyBlockWithAnySize) {
    fetch_harness h;
    ASSERT_TRUE(h.cl->fetch_block(101, {"server", "/fw/image.bin"}, 9, 256, h.now).has_value());
    h.pump();
    h.serve();
    auto ev = h.fetch_events();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].block_num, 9u);
    EXPECT_TRUE(ev[0].more);
    EXPECT_EQ(std::string(as_chars(ev[0].body)), h.image.substr(9 * 256, 256));
    // The last one.
    ASSERT_TRUE(h.cl->fetch_block(101, {"server", "fw/image.bin"}, 19, 256, h.now).has_value());
    h.pump();
    h.serve();
    ev = h.fetch_events();
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_FALSE(ev[1].more);
    EXPECT_EQ(std::string(as_chars(ev[1].body)), h.image.substr(19 * 256));
}

TEST(ClientFetchBlock, UnknownPathGives404) {
    fetch_harness h;
    ASSERT_TRUE(h.cl->fetch_block(101, {"server", "fw/nothing"}, 0, 1024, h.now).has_value());
    h.pump();
    h.serve();
    auto ev = h.fetch_events();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].code, status::not_found);
    EXPECT_TRUE(ev[0].body.empty());
}

TEST(ClientFetchBlock, OneAtATimeAndArgumentChecks) {
    fetch_harness h;
    ASSERT_TRUE(h.cl->fetch_block(101, {"server", "fw/image.bin"}, 0, 1024, h.now).has_value());
    auto busy = h.cl->fetch_block(101, {"server", "fw/image.bin"}, 1, 1024, h.now);
    ASSERT_FALSE(busy.has_value());
    EXPECT_EQ(busy.error().code, errc::capacity_exceeded);
    auto bad = h.cl->fetch_block(101, {"server", "fw/image.bin"}, 0, 1000, h.now);
    ASSERT_FALSE(bad.has_value());
    auto none = h.cl->fetch_block(7, {"server", "fw/image.bin"}, 0, 1024, h.now);
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code, errc::not_found);
}

TEST(ClientFetchBlock, NoAnswerGivesAFailedFetchAndTheNextOneWorks) {
    fetch_harness h;
    h.answer_fetches = false;
    ASSERT_TRUE(h.cl->fetch_block(101, {"server", "fw/image.bin"}, 2, 1024, h.now).has_value());
    h.pump();
    h.serve();
    h.advance(300000);
    auto ev = h.fetch_events();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].code, status::service_unavailable);
    EXPECT_NE(ev[0].err.code, errc::ok);
    h.answer_fetches = true;
    ASSERT_TRUE(h.cl->fetch_block(101, {"server", "fw/image.bin"}, 2, 1024, h.now).has_value());
    h.pump();
    h.serve();
    ev = h.fetch_events();
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[1].code, status::content);
    EXPECT_EQ(ev[1].block_num, 2u);
}

TEST(ClientFetchBlock, LostTransportFailsTheFetch) {
    fetch_harness h;
    ASSERT_TRUE(h.cl->fetch_block(101, {"server", "fw/image.bin"}, 0, 1024, h.now).has_value());
    h.auto_open = false;
    h.cl->transport_failed(101, h.now);
    h.pump();
    auto ev = h.fetch_events();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].code, status::service_unavailable);
    auto closed = h.cl->fetch_block(101, {"server", "fw/image.bin"}, 0, 1024, h.now);
    ASSERT_FALSE(closed.has_value());
    EXPECT_EQ(closed.error().code, errc::not_allowed);
}

}  // namespace
}  // namespace sirocco::client::test
