// Test harness for the client engine: a client (with Security, Server,
// Device and a few test objects) wired back to back with a scripted LwM2M
// server built from a second coap::engine, under a fake clock.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sirocco/client/dm.hpp"
#include "sirocco/client/engine.hpp"
#include "sirocco/client/objects/device.hpp"
#include "sirocco/client/objects/security.hpp"
#include "sirocco/client/objects/server.hpp"
#include "sirocco/client/stored_object.hpp"
#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/engine.hpp"
#include "sirocco/coap/options.hpp"

namespace sirocco::client::test {

// Deterministic RNG: always 0, so every initial ACK timeout is exactly
// ACK_TIMEOUT (2 s) and retransmissions happen at 2, 6, 14, 30 s.
struct zero_rng {
    std::uint32_t n = 0;
    static std::uint32_t next(void* ctx) noexcept {
        auto* r = static_cast<zero_rng*>(ctx);
        // Low bits vary for tokens / message ids; the value modulo the
        // ACK_TIMEOUT spread (1001) stays 0.
        return 1001u * ++r->n;
    }
};

// A sensor-like test object /3303 (stored): 5700 value (R, float), 5701
// units (R, string), 5750 application type (RW string).
inline constexpr resource_def temp_resources[] = {
    res(5700, R, data_type::float_).must(),
    res(5701, R, data_type::string).size(8),
    res(5750, RW, data_type::string).size(16),
};
inline constexpr object_def temp_def{3303, "1.1", true, temp_resources};
struct temperature final : stored_object<temp_def, 2> {};

// A firmware-like test object /5 (single instance): 0 Package (W, opaque)
// taking Block1 pieces, 1 URI (RW string), 2 Update (E), 3 State (R int).
inline constexpr resource_def fw_resources[] = {
    res(0, W, data_type::opaque),
    res(1, RW, data_type::string).size(32),
    res(2, E),
    res(3, R, data_type::integer),
};
inline constexpr object_def fw_def{5, "1.0", false, fw_resources};
struct firmware final : object {
    firmware() noexcept : object(fw_def) {}
    struct chunk {
        std::size_t offset;
        std::string data;
        bool last;
    };
    std::vector<chunk> chunks;
    std::string uri;
    std::string last_args;
    int executed = 0;
    std::size_t instance_count() const noexcept override { return 1; }
    std::uint16_t instance_at(std::size_t) const noexcept override { return 0; }
    result<lwm2m::value> read(std::uint16_t, std::uint16_t rid, std::optional<std::uint16_t>,
                              mutable_bytes) noexcept override {
        if (rid == 1) return lwm2m::value::of_string(uri);
        if (rid == 3) return lwm2m::value::of_integer(static_cast<std::int64_t>(chunks.size()));
        return unexpected(errc::not_found, "no value");
    }
    status write(std::uint16_t, std::uint16_t rid, std::optional<std::uint16_t>,
                 const lwm2m::value& v) noexcept override {
        if (rid == 1) {
            uri = std::string(v.string());
            return status::changed;
        }
        if (rid == 0) {
            chunks.push_back({0, std::string(as_chars(v.opaque())), true});
            return status::changed;
        }
        return status::method_not_allowed;
    }
    status write_chunk(std::uint16_t, std::uint16_t rid, std::size_t offset, bytes_view data,
                       bool last) noexcept override {
        if (rid != 0) return status::method_not_allowed;
        chunks.push_back({offset, std::string(as_chars(data)), last});
        return status::changed;
    }
    status execute(std::uint16_t, std::uint16_t, std::string_view args) noexcept override {
        ++executed;
        last_args = std::string(args);
        return status::changed;
    }
};

/// A request the scripted server received (views copied).
struct srv_req {
    coap::request_id id;
    coap::code code;
    std::string path;                  ///< "/rd/5a3f"
    std::vector<std::string> queries;  ///< "ep=dev1", ...
    std::optional<std::uint32_t> cf;
    std::string payload;
    coap::time_ms at = 0;
    std::size_t order = 0;  ///< position among everything the server got
    bool has_query(const std::string& q) const {
        for (const auto& x : queries)
            if (x == q) return true;
        return false;
    }
};

/// A response (or notification) the scripted server received.
struct srv_resp {
    coap::event_kind kind{};
    coap::exchange_id exchange;
    coap::code code;
    std::optional<std::uint32_t> cf;
    std::optional<std::uint32_t> observe;
    std::vector<std::string> location;
    std::string payload;
    coap::time_ms at = 0;
    std::size_t order = 0;
};

inline std::string cstr(const coap::code c) {
    return std::to_string(c.cls()) + "." + (c.detail() < 10 ? "0" : "") +
           std::to_string(c.detail());
}

struct harness {
    static constexpr coap::peer_id server_peer{1};  // the client's id for the server
    static constexpr coap::peer_id client_peer{2};  // the server's id for the client

    coap::time_ms now = 1000;
    zero_rng crng, srng;
    data_model dm;
    security sec;
    server srv_obj;
    device dev;
    temperature temp;
    firmware fw;
    client_config ccfg;
    std::optional<client> cl;
    std::optional<coap::engine> srv;
    bool auto_open = true;
    bool connected = true;  ///< false: datagrams are lost both ways
    std::vector<client_event> events;
    std::vector<std::string> event_uris, event_locations;
    std::vector<srv_req> requests;    ///< every request the server got
    std::vector<srv_resp> responses;  ///< every response / notification
    std::vector<std::vector<std::uint8_t>> c2s;
    /// How the server answers registration requests; default: 2.01 with
    /// Location-Path rd/5a3f, 2.04 for Update / Send, 2.02 for De-register.
    std::function<std::optional<coap::code>(const srv_req&)> answer;

    explicit harness(lwm2m_version v = lwm2m_version::v1_1, std::int64_t lifetime = 300,
                     std::string_view binding = "U")
        : dm(v) {
        EXPECT_TRUE(sec.add_server(0, "coap://127.0.0.1:5683", 101).has_value());
        EXPECT_TRUE(srv_obj.add_server(0, 101, lifetime, binding).has_value());
        EXPECT_TRUE(dev.set_info("ACME", "M1", "0001", "1.0.3").has_value());
        EXPECT_TRUE(temp.add_instance(0).has_value());
        EXPECT_TRUE(temp.set_value(0, 5700, lwm2m::value::of_float(20.5)).has_value());
        EXPECT_TRUE(temp.set_value(0, 5701, lwm2m::value::of_string("Cel")).has_value());
        EXPECT_TRUE(dm.add(sec).has_value());
        EXPECT_TRUE(dm.add(srv_obj).has_value());
        EXPECT_TRUE(dm.add(dev).has_value());
        EXPECT_TRUE(dm.add(fw).has_value());
        EXPECT_TRUE(dm.add(temp).has_value());
        ccfg.endpoint = "dev1";
        ccfg.coap.rng = &zero_rng::next;
        ccfg.coap.rng_ctx = &crng;
        cl.emplace(ccfg, dm);
        coap::config scfg;
        scfg.rng = &zero_rng::next;
        scfg.rng_ctx = &srng;
        srv.emplace(scfg);
        EXPECT_TRUE(srv->open_peer(client_peer, coap::framing::datagram, now).has_value());
        // Drain the changes of the setup so they do not count as news.
        while (dm.poll_changed()) {
        }
    }

    std::size_t count(client_event_kind k) const {
        std::size_t n = 0;
        for (const auto& e : events)
            if (e.kind == k) ++n;
        return n;
    }
    std::vector<coap::time_ms> request_times(coap::code c, const std::string& path_prefix) const {
        std::vector<coap::time_ms> t;
        for (const auto& r : requests)
            if (r.code == c && r.path.rfind(path_prefix, 0) == 0) t.push_back(r.at);
        return t;
    }
    std::vector<srv_resp> notifications() const {
        std::vector<srv_resp> n;
        for (const auto& r : responses)
            if (r.kind == coap::event_kind::notification) n.push_back(r);
        return n;
    }

    void start() {
        ASSERT_TRUE(cl->start(now).has_value());
        pump();
    }

    void drain_client_events() {
        while (auto e = cl->poll_event()) {
            events.push_back(*e);
            event_uris.emplace_back(e->uri);
            event_locations.emplace_back(e->location);
            if (e->kind == client_event_kind::open_transport && auto_open) {
                ASSERT_TRUE(cl->transport_open(e->server, server_peer, coap::framing::datagram, now)
                                .has_value());
            }
        }
    }

    void drain_server_events() {
        while (auto e = srv->poll_event()) {
            if (e->kind == coap::event_kind::request) {
                srv_req r;
                r.id = e->request;
                r.code = e->msg.code;
                r.at = now;
                r.order = order++;
                for (const auto& o : coap::uri_path(e->msg))
                    r.path += "/" + std::string(o.as_string());
                for (const auto& o : coap::uri_query(e->msg))
                    r.queries.emplace_back(o.as_string());
                r.cf = coap::content_format(e->msg);
                r.payload = std::string(as_chars(e->body));
                requests.push_back(r);
                std::optional<coap::code> c;
                if (answer) c = answer(r);
                if (!c) {
                    if (r.code == coap::codes::post && r.path == "/rd")
                        c = coap::codes::created;
                    else if (r.code == coap::codes::post)
                        c = coap::codes::changed;
                    else if (r.code == coap::codes::del)
                        c = coap::codes::deleted;
                    else
                        c = coap::codes::not_found;
                }
                if (c->raw == 0) continue;  // no answer at all
                coap::message resp;
                resp.code = *c;
                std::array<std::uint8_t, 16> st{};
                coap::message_builder b(resp, st);
                if (*c == coap::codes::created) {
                    EXPECT_TRUE(b.add_string(coap::opt::location_path, "rd").has_value());
                    EXPECT_TRUE(b.add_string(coap::opt::location_path, "5a3f").has_value());
                }
                EXPECT_TRUE(srv->respond(e->request, resp, {}, now).has_value());
            } else {
                srv_resp r;
                r.kind = e->kind;
                r.exchange = e->exchange;
                r.code = e->msg.code;
                r.cf = coap::content_format(e->msg);
                r.observe = coap::observe(e->msg);
                for (const auto& o : coap::location_path(e->msg))
                    r.location.emplace_back(o.as_string());
                r.payload = std::string(as_chars(e->body));
                r.at = now;
                r.order = order++;
                responses.push_back(r);
            }
        }
    }

    /// Delivers datagrams both ways until both sides are quiet.
    void pump() {
        drain_client_events();
        for (int rounds = 0; rounds < 10000; ++rounds) {
            bool any = false;
            std::vector<std::uint8_t> buf(coap::limits::max_pdu);
            while (auto t = cl->poll_transmit(buf)) {
                any = true;
                std::vector<std::uint8_t> d(buf.begin(), buf.begin() + static_cast<long>(t->size));
                c2s.push_back(d);
                if (connected) {
                    (void)srv->on_receive(client_peer, d, now);
                    drain_server_events();
                }
            }
            drain_server_events();
            while (auto t = srv->poll_transmit(buf)) {
                any = true;
                std::vector<std::uint8_t> d(buf.begin(), buf.begin() + static_cast<long>(t->size));
                if (connected) {
                    (void)cl->on_receive(server_peer, d, now);
                    drain_client_events();
                }
            }
            drain_client_events();
            if (!any) return;
        }
        FAIL() << "pump did not settle";
    }

    /// Runs the clock to `t`, firing every deadline of both sides on the way.
    void run_until(coap::time_ms t) {
        for (int guard = 0; guard < 100000; ++guard) {
            std::optional<coap::time_ms> d = cl->next_deadline();
            auto ds = srv->next_deadline();
            if (ds && (!d || *ds < *d)) d = ds;
            if (!d || *d > t) break;
            if (*d > now) now = *d;
            cl->on_timer(now);
            srv->on_timer(now);
            drain_server_events();
            pump();
        }
        now = t;
        cl->on_timer(now);
        srv->on_timer(now);
        drain_server_events();
        pump();
    }
    void advance(coap::time_ms ms) { run_until(now + ms); }

    /// Sends a request from the server and returns its final response.
    srv_resp request(coap::code c, const std::string& path, std::optional<std::uint16_t> cf = {},
                     const std::string& payload = {}, std::optional<std::uint16_t> accept = {},
                     std::vector<std::string> queries = {},
                     std::optional<std::uint32_t> observe = {}) {
        coap::message m;
        m.code = c;
        m.type = coap::msg_type::con;
        std::array<std::uint8_t, 256> st{};
        coap::message_builder b(m, st);
        std::string p = path;
        EXPECT_TRUE(b.add_uri_path(p).has_value());
        if (cf) {
            EXPECT_TRUE(b.add_uint(coap::opt::content_format, *cf).has_value());
        }
        if (accept) {
            EXPECT_TRUE(b.add_uint(coap::opt::accept, *accept).has_value());
        }
        if (observe) {
            EXPECT_TRUE(b.add_uint(coap::opt::observe, *observe).has_value());
        }
        for (const auto& q : queries)
            EXPECT_TRUE(b.add_copy(coap::opt::uri_query, as_bytes(q)).has_value());
        body_keep = payload;
        coap::request_options ro;
        ro.response_buffer = reassembly;
        auto x = srv->send_request(client_peer, m, as_bytes(body_keep), now, ro);
        EXPECT_TRUE(x.has_value());
        if (!x) return {};
        const std::size_t before = responses.size();
        pump();
        for (std::size_t i = before; i < responses.size(); ++i)
            if (responses[i].exchange == *x &&
                responses[i].kind != coap::event_kind::notification &&
                responses[i].kind != coap::event_kind::response_block &&
                responses[i].kind != coap::event_kind::upload_progress)
                return responses[i];
        ADD_FAILURE() << "no response to " << path;
        return {};
    }
    coap::exchange_id last_exchange() const {
        return responses.empty() ? coap::exchange_id{} : responses.back().exchange;
    }

    std::size_t order = 0;
    std::string body_keep;
    std::array<std::uint8_t, 8192> reassembly_buf{};
    mutable_bytes reassembly{reassembly_buf.data(), reassembly_buf.size()};
};

}  // namespace sirocco::client::test
