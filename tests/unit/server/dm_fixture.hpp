// Device-management test bench: a server_engine and any number of real
// in-process sirocco::client::client devices, wired back to back under a fake
// clock. Datagrams to or from a device can be dropped (device gone).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../client/engine_harness.hpp"
#include "sirocco/coap/options.hpp"
#include "sirocco/server/server_engine.hpp"

namespace sirocco::server::test {

namespace cli = sirocco::client;
namespace lw = sirocco::lwm2m;

/// One device: a client with Security, Server, Device, a firmware-like /5
/// and a temperature /3303 (instance 0: 5700 = 20.5, 5701 = "Cel").
struct node {
    static constexpr coap::peer_id server_at_client{1};
    coap::peer_id at_server;  ///< the server's id for this device
    std::string endpoint;
    std::string address;
    cli::test::zero_rng rng;
    cli::data_model dm;
    cli::security sec;
    cli::server srv_obj;
    cli::device dev;
    cli::test::firmware fw;
    cli::test::temperature temp;
    cli::client_config ccfg;
    std::optional<cli::client> cl;
    std::vector<cli::client_event_kind> events;
    bool online = true;  ///< false: datagrams both ways are lost

    node(coap::peer_id id, std::string ep, cli::lwm2m_version v, std::string_view binding,
         std::uint16_t block_size, std::int64_t lifetime)
        : at_server(id), endpoint(std::move(ep)), dm(v) {
        address = "udp://192.0.2." + std::to_string(id.value() % 250) + ":" +
                  std::to_string(40000 + id.value());
        EXPECT_TRUE(sec.add_server(0, "coap://127.0.0.1:5683", 101).has_value());
        EXPECT_TRUE(srv_obj.add_server(0, 101, lifetime, binding).has_value());
        EXPECT_TRUE(dev.set_info("ACME", "M1", "0001", "1.0.3").has_value());
        EXPECT_TRUE(temp.add_instance(0).has_value());
        EXPECT_TRUE(temp.set_value(0, 5700, lw::value::of_float(20.5)).has_value());
        EXPECT_TRUE(temp.set_value(0, 5701, lw::value::of_string("Cel")).has_value());
        EXPECT_TRUE(dm.add(sec).has_value());
        EXPECT_TRUE(dm.add(srv_obj).has_value());
        EXPECT_TRUE(dm.add(dev).has_value());
        EXPECT_TRUE(dm.add(fw).has_value());
        EXPECT_TRUE(dm.add(temp).has_value());
        ccfg.endpoint = endpoint;
        ccfg.coap.rng = &cli::test::zero_rng::next;
        ccfg.coap.rng_ctx = &rng;
        if (block_size != 0) ccfg.coap.max_block_size = block_size;
        cl.emplace(ccfg, dm);
        while (dm.poll_changed()) {
        }
    }
};

struct bench {
    coap::time_ms now = 1000;
    cli::test::zero_rng srng;
    server_config scfg;
    memory_registration_store mem_regs;
    memory_observation_store mem_obs;
    registration_store* regs = &mem_regs;
    observation_store* obs = &mem_obs;
    std::optional<server_engine> server;
    std::vector<event> events;
    std::vector<std::unique_ptr<node>> nodes;
    /// Datagrams the server sent to peers that are no device of this bench.
    std::vector<coap::peer_id> stray;

    bench() {
        scfg.coap.rng = &cli::test::zero_rng::next;
        scfg.coap.rng_ctx = &srng;
    }
    void start_server() { server.emplace(scfg, *regs, *obs, nullptr); }

    node& add(std::string ep, cli::lwm2m_version v = cli::lwm2m_version::v1_1,
              std::string_view binding = "U", std::uint16_t block_size = 0,
              std::int64_t lifetime = 3600, bool open = true) {
        const coap::peer_id id{static_cast<std::uint32_t>(100 + nodes.size())};
        nodes.push_back(
            std::make_unique<node>(id, std::move(ep), v, binding, block_size, lifetime));
        node& n = *nodes.back();
        if (open) {
            EXPECT_TRUE(server->open_peer(n.at_server, coap::framing::datagram, n.address, now)
                            .has_value());
        }
        return n;
    }

    /// Starts a device and lets it register.
    void start(node& n) {
        ASSERT_TRUE(n.cl->start(now).has_value());
        pump();
        ASSERT_EQ(n.cl->state(101), cli::registration_state::registered) << n.endpoint;
    }

    node* by_peer(coap::peer_id p) {
        for (auto& n : nodes)
            if (n->at_server == p) return n.get();
        return nullptr;
    }

    void drain() {
        while (auto e = server->poll_event())
            events.push_back(std::move(*e));
        for (auto& n : nodes)
            while (auto e = n->cl->poll_event()) {
                n->events.push_back(e->kind);
                if (e->kind == cli::client_event_kind::open_transport) {
                    EXPECT_TRUE(n->cl
                                    ->transport_open(e->server, node::server_at_client,
                                                     coap::framing::datagram, now)
                                    .has_value());
                }
            }
    }

    void pump() {
        std::vector<std::uint8_t> buf(coap::limits::max_pdu);
        drain();
        for (int rounds = 0; rounds < 100000; ++rounds) {
            bool any = false;
            for (auto& n : nodes)
                while (auto t = n->cl->poll_transmit(buf)) {
                    any = true;
                    if (n->online) {
                        EXPECT_TRUE(server->on_receive(n->at_server, {buf.data(), t->size}, now)
                                        .has_value());
                    }
                    drain();
                }
            while (auto t = server->poll_transmit(buf)) {
                any = true;
                node* n = by_peer(t->peer);
                if (n == nullptr) stray.push_back(t->peer);
                if (n != nullptr && n->online)
                    (void)n->cl->on_receive(node::server_at_client, {buf.data(), t->size}, now);
                drain();
            }
            if (!any) return;
        }
        FAIL() << "pump did not settle";
    }

    void run_until(coap::time_ms t) {
        for (int guard = 0; guard < 1000000; ++guard) {
            std::optional<coap::time_ms> d = server->next_deadline();
            for (auto& n : nodes)
                if (auto x = n->cl->next_deadline(); x && (!d || *x < *d)) d = x;
            if (!d || *d > t) break;
            if (*d > now) now = *d;
            server->on_timer(now);
            for (auto& n : nodes)
                n->cl->on_timer(now);
            pump();
        }
        now = t;
        server->on_timer(now);
        for (auto& n : nodes)
            n->cl->on_timer(now);
        pump();
    }

    /// Sends a request and runs until its response arrives (or `limit` ms).
    response call(const std::string& ep, dm_request req, coap::time_ms timeout = 30'000,
                  coap::time_ms limit = 120'000) {
        const auto h = server->send(ep, std::move(req), timeout, now);
        EXPECT_NE(h, 0u);
        pump();
        const auto end = now + limit;
        for (;;) {
            for (const auto& e : events)
                if (e.kind == event_kind::response && e.handle == h) return e.result;
            if (now >= end) break;
            run_until(std::min(end, now + 1000));
        }
        ADD_FAILURE() << "no response for handle " << h;
        return {};
    }

    std::size_t count(event_kind k) const {
        std::size_t n = 0;
        for (const auto& e : events)
            if (e.kind == k) ++n;
        return n;
    }
    std::vector<event> all(event_kind k) const {
        std::vector<event> out;
        for (const auto& e : events)
            if (e.kind == k) out.push_back(e);
        return out;
    }
};

inline const lw::owned_record* find(const std::vector<lw::owned_record>& recs, const lw::path& p) {
    for (const auto& r : recs)
        if (r.path == p) return &r;
    return nullptr;
}

inline lw::path P(std::uint16_t o) {
    return lw::path(lw::object_id(o));
}
inline lw::path P(std::uint16_t o, std::uint16_t i) {
    return lw::path(lw::object_id(o), lw::instance_id(i));
}
inline lw::path P(std::uint16_t o, std::uint16_t i, std::uint16_t r) {
    return lw::path(lw::object_id(o), lw::instance_id(i), lw::resource_id(r));
}

inline std::string code_of(const response& r) {
    const auto c = static_cast<std::uint8_t>(r.code);
    return std::to_string(c >> 5) + "." + ((c & 0x1F) < 10 ? "0" : "") + std::to_string(c & 0x1F);
}

}  // namespace sirocco::server::test
