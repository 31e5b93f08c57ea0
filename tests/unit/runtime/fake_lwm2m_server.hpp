// A fake LwM2M server for runtime and e2e tests: a coap::engine in the
// server role behind a runtime::udp_endpoint on 127.0.0.1 (port chosen by
// the OS). It answers Register (2.01 rd/1), Update (2.04) and De-register
// (2.02), records every request, and sends GETs (optionally Observe) to the
// last client that spoke to it.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/engine.hpp"
#include "sirocco/coap/options.hpp"
#include "sirocco/runtime/event_loop.hpp"
#include "sirocco/runtime/udp_endpoint.hpp"

namespace sirocco::testing {
namespace asio = boost::asio;

inline std::uint32_t test_rng(void*) noexcept {
    static std::uint32_t x = 12345;
    x = x * 1664525u + 1013904223u;
    return x;
}

struct seen_request {
    std::string method, path, query, payload;
};

inline std::string join_path(const coap::message& m) {
    std::string p;
    for (const auto& o : coap::uri_path(m))
        p += "/" + std::string(o.as_string());
    return p;
}

// A fake LwM2M server: answers Register (2.01 rd/1), Update (2.04) and
// De-register (2.02), and sends GETs to the client on demand.
class fake_server {
  public:
    explicit fake_server(runtime::event_loop& loop) : sock_(loop.io()), eng_(make_cfg()) {
        sock_.set_accept_unknown(true);
        auto r = sock_.open({asio::ip::make_address("127.0.0.1"), 0},
                            [this](coap::peer_id p, bytes_view b) { on_datagram(p, b); });
        EXPECT_TRUE(r);
    }
    std::uint16_t port() const { return sock_.local_address().port(); }

    std::vector<seen_request> requests;
    std::optional<coap::peer_id> client;
    std::vector<std::pair<std::string, std::string>> responses;  // code, payload

    std::vector<std::string> notifications;

    void get(const std::string& path, bool observe = false) {
        ASSERT_TRUE(client);
        coap::message m;
        m.type = coap::msg_type::con;
        m.code = coap::codes::get;
        coap::message_builder b(m, storage_);
        if (observe) {
            ASSERT_TRUE(b.add_uint(coap::opt::observe, 0));
        }
        ASSERT_TRUE(b.add_uri_path(path));
        ASSERT_TRUE(eng_.send_request(*client, m, {}, runtime::now()));
        pump();
    }

  private:
    static coap::config make_cfg() {
        coap::config c;
        c.rng = &test_rng;
        return c;
    }
    void on_datagram(coap::peer_id p, bytes_view b) {
        if (!client || *client != p) {
            (void)eng_.open_peer(p, coap::framing::datagram, runtime::now());
            client = p;
        }
        (void)eng_.on_receive(p, b, runtime::now());
        pump();
    }
    void pump() {
        while (auto ev = eng_.poll_event()) {
            if (ev->kind == coap::event_kind::request) {
                seen_request r;
                auto c = ev->msg.code;
                r.method = c == coap::codes::post  ? "POST"
                           : c == coap::codes::del ? "DELETE"
                                                   : "OTHER";
                r.path = join_path(ev->msg);
                for (const auto& q : coap::uri_query(ev->msg))
                    r.query += std::string(q.as_string()) + "&";
                r.payload.assign(reinterpret_cast<const char*>(ev->body.data()), ev->body.size());
                coap::message resp;
                coap::message_builder b(resp, storage_);
                if (r.method == "POST" && r.path == "/rd") {
                    resp.code = coap::codes::created;
                    (void)b.add_string(coap::opt::location_path, "rd");
                    (void)b.add_string(coap::opt::location_path, "1");
                } else if (r.method == "POST" && r.path == "/rd/1") {
                    resp.code = coap::codes::changed;
                } else if (r.method == "DELETE" && r.path == "/rd/1") {
                    resp.code = coap::codes::deleted;
                } else {
                    resp.code = coap::codes::not_found;
                }
                requests.push_back(r);
                (void)eng_.respond(ev->request, resp, {}, runtime::now());
            } else if (ev->kind == coap::event_kind::response) {
                char code[8];
                std::snprintf(code, sizeof code, "%d.%02d", ev->msg.code.raw >> 5,
                              ev->msg.code.raw & 31);
                responses.emplace_back(
                    code,
                    std::string(reinterpret_cast<const char*>(ev->body.data()), ev->body.size()));
            } else if (ev->kind == coap::event_kind::notification) {
                notifications.emplace_back(reinterpret_cast<const char*>(ev->body.data()),
                                           ev->body.size());
            }
        }
        std::uint8_t out[coap::limits::max_pdu];
        while (auto tx = eng_.poll_transmit(out))
            (void)sock_.send(tx->peer, bytes_view(out, tx->size));
    }

    runtime::udp_endpoint sock_;
    coap::engine eng_;
    std::uint8_t storage_[64];
};

}  // namespace sirocco::testing
