// The Registration interface engine, driven in-process under a fake clock:
// a real sirocco::client::client registers, updates and de-registers, and a
// raw coap::engine peer sends hand-made requests for the error answers.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "../client/engine_harness.hpp"
#include "sirocco/coap/options.hpp"
#include "sirocco/server/server_engine.hpp"

namespace cli = sirocco::client;
namespace srv = sirocco::server;
namespace coap = sirocco::coap;
using sirocco::as_bytes;
using sirocco::as_chars;

namespace {

struct raw_response {
    coap::code code;
    std::vector<std::string> location;
    std::string payload;
};

struct fixture {
    // Peer ids: what the client / raw peers call the server, and what the
    // server calls each of them.
    static constexpr coap::peer_id server_at_client{1};
    static constexpr coap::peer_id client_at_server{2};
    static constexpr coap::peer_id raw_at_server{3};
    /// The id under which the raw peer's datagrams reach the server (tests
    /// change it to look like several clients).
    coap::peer_id raw_peer = raw_at_server;

    coap::time_ms now = 1000;
    cli::test::zero_rng srng, crng, rrng;
    srv::memory_registration_store store;
    std::optional<srv::server_engine> server;
    std::vector<srv::event> events;

    cli::data_model dm;
    cli::security sec;
    cli::server srv_obj;
    cli::device dev;
    cli::test::temperature temp;
    cli::client_config ccfg;
    std::optional<cli::client> cl;
    std::vector<cli::client_event_kind> client_events;
    std::string client_location;

    std::optional<coap::engine> raw;
    std::map<std::uint32_t, raw_response> raw_responses;

    explicit fixture(std::int64_t lifetime = 300, std::string_view binding = "U",
                     std::string_view endpoint = "dev1",
                     cli::lwm2m_version version = cli::lwm2m_version::v1_1,
                     srv::time_ms grace_ms = 0)
        : dm(version) {
        srv::server_config scfg;
        scfg.coap.rng = &cli::test::zero_rng::next;
        scfg.coap.rng_ctx = &srng;
        scfg.expiry_grace_ms = grace_ms;
        server.emplace(scfg, store);

        EXPECT_TRUE(sec.add_server(0, "coap://127.0.0.1:5683", 101).has_value());
        EXPECT_TRUE(srv_obj.add_server(0, 101, lifetime, binding).has_value());
        EXPECT_TRUE(dev.set_info("ACME", "M1", "0001", "1.0.3").has_value());
        EXPECT_TRUE(temp.add_instance(0).has_value());
        EXPECT_TRUE(temp.add_instance(1).has_value());
        EXPECT_TRUE(dm.add(sec).has_value());
        EXPECT_TRUE(dm.add(srv_obj).has_value());
        EXPECT_TRUE(dm.add(dev).has_value());
        EXPECT_TRUE(dm.add(temp).has_value());
        ccfg.endpoint = endpoint;
        ccfg.coap.rng = &cli::test::zero_rng::next;
        ccfg.coap.rng_ctx = &crng;
        cl.emplace(ccfg, dm);
        while (dm.poll_changed()) {
        }

        coap::config rcfg;
        rcfg.rng = &cli::test::zero_rng::next;
        rcfg.rng_ctx = &rrng;
        raw.emplace(rcfg);
        EXPECT_TRUE(raw->open_peer(server_at_client, coap::framing::datagram, now).has_value());
        EXPECT_TRUE(
            server
                ->open_peer(client_at_server, coap::framing::datagram, "udp://192.0.2.7:40000", now)
                .has_value());
    }

    std::size_t count(srv::event_kind k) const {
        std::size_t n = 0;
        for (const auto& e : events)
            if (e.kind == k) ++n;
        return n;
    }
    std::size_t count(cli::client_event_kind k) const {
        std::size_t n = 0;
        for (auto e : client_events)
            if (e == k) ++n;
        return n;
    }

    void drain_server_only() {
        while (auto e = server->poll_event())
            events.push_back(std::move(*e));
    }

    void drain() {
        while (auto e = server->poll_event())
            events.push_back(std::move(*e));
        while (auto e = cl->poll_event()) {
            client_events.push_back(e->kind);
            if (e->kind == cli::client_event_kind::registered)
                client_location = std::string(e->location);
            if (e->kind == cli::client_event_kind::open_transport) {
                EXPECT_TRUE(
                    cl->transport_open(e->server, server_at_client, coap::framing::datagram, now)
                        .has_value());
            }
        }
        while (auto e = raw->poll_event()) {
            if (e->kind != coap::event_kind::response) continue;
            raw_response r;
            r.code = e->msg.code;
            for (const auto& o : coap::location_path(e->msg))
                r.location.emplace_back(o.as_string());
            r.payload = std::string(as_chars(e->body));
            raw_responses[e->exchange.value()] = r;
        }
    }

    /// Delivers datagrams between the three engines until all are quiet.
    void pump() {
        std::vector<std::uint8_t> buf(coap::limits::max_pdu);
        drain();
        for (int rounds = 0; rounds < 10000; ++rounds) {
            bool any = false;
            while (auto t = cl->poll_transmit(buf)) {
                any = true;
                EXPECT_TRUE(
                    server->on_receive(client_at_server, {buf.data(), t->size}, now).has_value());
                drain();
            }
            while (auto t = raw->poll_transmit(buf)) {
                any = true;
                EXPECT_TRUE(server->on_receive(raw_peer, {buf.data(), t->size}, now).has_value());
                drain();
            }
            while (auto t = server->poll_transmit(buf)) {
                any = true;
                if (t->peer == client_at_server)
                    (void)cl->on_receive(server_at_client, {buf.data(), t->size}, now);
                else if (t->peer == raw_peer)
                    (void)raw->on_receive(server_at_client, {buf.data(), t->size}, now);
                drain();
            }
            if (!any) return;
        }
        FAIL() << "pump did not settle";
    }

    /// Runs the clock to `t`, firing every deadline on the way.
    void run_until(coap::time_ms t) {
        for (int guard = 0; guard < 100000; ++guard) {
            std::optional<coap::time_ms> d;
            for (auto x : {cl->next_deadline(), server->next_deadline(), raw->next_deadline()})
                if (x && (!d || *x < *d)) d = x;
            if (!d || *d > t) break;
            if (*d > now) now = *d;
            cl->on_timer(now);
            server->on_timer(now);
            raw->on_timer(now);
            pump();
        }
        now = t;
        cl->on_timer(now);
        server->on_timer(now);
        raw->on_timer(now);
        pump();
    }

    /// Sends a hand-made request from the raw peer; returns its response.
    raw_response request(coap::code c, const std::string& path,
                         const std::vector<std::string>& queries, const std::string& body = {},
                         std::optional<std::uint32_t> cf = 40) {
        coap::message m;
        m.code = c;
        m.type = coap::msg_type::con;
        std::array<std::uint8_t, 256> st{};
        coap::message_builder b(m, st);
        EXPECT_TRUE(b.add_uri_path(path).has_value());
        if (cf) {
            EXPECT_TRUE(b.add_uint(coap::opt::content_format, *cf).has_value());
        }
        for (const auto& q : queries)
            EXPECT_TRUE(b.add_copy(coap::opt::uri_query, as_bytes(q)).has_value());
        body_keep = body;
        auto x = raw->send_request(server_at_client, m, as_bytes(body_keep), now);
        EXPECT_TRUE(x.has_value());
        if (!x) return {};
        pump();
        auto it = raw_responses.find(x->value());
        if (it == raw_responses.end()) {
            ADD_FAILURE() << "no response to " << path;
            return {};
        }
        return it->second;
    }
    std::string body_keep;
};

std::string code_text(coap::code c) {
    return std::to_string(c.cls()) + "." + (c.detail() < 10 ? "0" : "") +
           std::to_string(c.detail());
}

}  // namespace

TEST(server_engine, client_registers_updates_and_deregisters) {
    fixture f(300);
    ASSERT_TRUE(f.cl->start(f.now).has_value());
    f.pump();
    ASSERT_EQ(f.count(cli::client_event_kind::registered), 1u);
    ASSERT_EQ(f.count(srv::event_kind::registered), 1u);
    const srv::registration reg = f.events.back().reg;
    EXPECT_EQ(reg.endpoint, "dev1");
    EXPECT_EQ(f.client_location, "/rd/" + reg.id);
    EXPECT_EQ(reg.id.size(), 8u);
    EXPECT_EQ(reg.lwm2m_version, "1.1");
    EXPECT_EQ(reg.lifetime_s, 300u);
    EXPECT_EQ(reg.binding, "U");
    EXPECT_FALSE(reg.queue_mode);
    EXPECT_EQ(reg.peer, fixture::client_at_server);
    EXPECT_EQ(reg.address, "udp://192.0.2.7:40000");
    EXPECT_EQ(reg.registered_at, 1000u);
    EXPECT_EQ(reg.updated_at, 1000u);
    EXPECT_EQ(reg.objects.root_path, "/");
    // The client announces its preferred format (SenML CBOR) with ct=.
    EXPECT_FALSE(reg.objects.content_formats.empty());
    std::vector<std::uint16_t> ids;
    for (const auto& o : reg.objects.objects)
        ids.push_back(o.id);
    EXPECT_EQ(ids, (std::vector<std::uint16_t>{1, 3, 3303}));
    const auto& t = reg.objects.objects[2];
    EXPECT_EQ(t.version, "1.1");
    EXPECT_EQ(t.instances, (std::vector<std::uint16_t>{0, 1}));
    ASSERT_TRUE(f.store.find_by_endpoint("dev1").has_value());
    EXPECT_EQ(*f.store.find_by_endpoint("dev1"), reg);

    // The client updates before its lifetime ends; the registration lives on.
    f.run_until(f.now + 299'000);
    ASSERT_GE(f.count(srv::event_kind::updated), 1u);
    EXPECT_EQ(f.count(srv::event_kind::expired), 0u);
    const auto upd = f.store.find_by_id(reg.id);
    ASSERT_TRUE(upd.has_value());
    EXPECT_GT(upd->updated_at, reg.updated_at);
    EXPECT_LT(upd->updated_at, 301'000u);
    EXPECT_EQ(upd->objects, reg.objects);
    EXPECT_EQ(upd->registered_at, reg.registered_at);

    // A change of the object list goes out with the next Update.
    ASSERT_TRUE(f.temp.remove_instance(1).has_value());
    f.cl->changed(sirocco::lwm2m::path(sirocco::lwm2m::object_id(3303)), f.now);
    ASSERT_TRUE(f.cl->update(f.now).has_value());
    f.pump();
    const auto upd2 = f.store.find_by_id(reg.id);
    ASSERT_TRUE(upd2.has_value());
    EXPECT_EQ(upd2->objects.objects[2].instances, (std::vector<std::uint16_t>{0}));
    bool list_change_seen = false;
    for (const auto& e : f.events)
        if (e.kind == srv::event_kind::updated && e.previous &&
            e.previous->objects.objects[2].instances.size() == 2u &&
            e.reg.objects.objects[2].instances.size() == 1u)
            list_change_seen = true;
    EXPECT_TRUE(list_change_seen);

    // De-register removes it.
    ASSERT_TRUE(f.cl->deregister(f.now).has_value());
    f.pump();
    EXPECT_EQ(f.count(cli::client_event_kind::deregistered), 1u);
    ASSERT_EQ(f.count(srv::event_kind::deregistered), 1u);
    EXPECT_EQ(f.events.back().reg.id, reg.id);
    EXPECT_FALSE(f.store.find_by_endpoint("dev1").has_value());
    EXPECT_EQ(f.store.size(), 0u);
}

TEST(server_engine, client_registration_expires_when_updates_stop) {
    fixture f(60);
    ASSERT_TRUE(f.cl->start(f.now).has_value());
    f.pump();
    ASSERT_EQ(f.count(srv::event_kind::registered), 1u);
    const auto reg = f.events.back().reg;
    EXPECT_EQ(f.server->next_deadline(), reg.expires_at());
    // The client goes away (nothing it sends arrives any more).
    f.cl.reset();
    f.raw.reset();
    f.now += 59'999;
    f.server->on_timer(f.now);
    f.drain_server_only();
    EXPECT_EQ(f.count(srv::event_kind::expired), 0u);
    f.now += 1;
    f.server->on_timer(f.now);
    f.drain_server_only();
    ASSERT_EQ(f.count(srv::event_kind::expired), 1u);
    EXPECT_EQ(f.events.back().reg.id, reg.id);
    EXPECT_EQ(f.store.size(), 0u);
}

TEST(server_engine, queue_mode_client) {
    fixture f(300, "UQ");
    ASSERT_TRUE(f.cl->start(f.now).has_value());
    f.pump();
    ASSERT_EQ(f.count(srv::event_kind::registered), 1u);
    EXPECT_TRUE(f.events.back().reg.queue_mode);
    EXPECT_EQ(f.events.back().reg.binding, "U");
}

TEST(server_engine, register_answers_created_with_location) {
    fixture f;
    auto r = f.request(coap::codes::post, "rd", {"ep=raw1", "lt=120", "lwm2m=1.2", "b=U"},
                       R"(</lwm2m>;rt="oma.lwm2m";ct=110,</lwm2m/1/0>,</lwm2m/3/0>)");
    EXPECT_EQ(code_text(r.code), "2.01");
    ASSERT_EQ(r.location.size(), 2u);
    EXPECT_EQ(r.location[0], "rd");
    auto reg = f.store.find_by_id(r.location[1]);
    ASSERT_TRUE(reg.has_value());
    EXPECT_EQ(reg->endpoint, "raw1");
    EXPECT_EQ(reg->lifetime_s, 120u);
    EXPECT_EQ(reg->lwm2m_version, "1.2");
    EXPECT_EQ(reg->objects.root_path, "/lwm2m");
    EXPECT_EQ(reg->objects.content_formats, (std::vector<std::uint16_t>{110}));
    EXPECT_EQ(reg->objects.objects.size(), 2u);
    EXPECT_EQ(reg->peer, fixture::raw_at_server);
    EXPECT_EQ(reg->address, "");  // opened on first datagram: no address given

    // Defaults when only ep is given (Core TS 1.2, Table 6.2.1-1).
    auto d = f.request(coap::codes::post, "rd", {"ep=raw2"}, "</3/0>");
    EXPECT_EQ(code_text(d.code), "2.01");
    auto reg2 = f.store.find_by_endpoint("raw2");
    ASSERT_TRUE(reg2.has_value());
    EXPECT_EQ(reg2->lifetime_s, 86400u);
    EXPECT_EQ(reg2->lwm2m_version, "1.0");
    EXPECT_EQ(reg2->binding, "U");
    EXPECT_NE(reg2->id, reg->id);
}

TEST(server_engine, register_errors) {
    fixture f;
    EXPECT_EQ(code_text(f.request(coap::codes::post, "rd", {"lt=60"}, "</3/0>").code), "4.00");
    EXPECT_EQ(code_text(f.request(coap::codes::post, "rd", {"ep="}, "</3/0>").code), "4.00");
    EXPECT_EQ(code_text(f.request(coap::codes::post, "rd", {"ep=a", "lt=x"}, "</3/0>").code),
              "4.00");
    EXPECT_EQ(code_text(f.request(coap::codes::post, "rd", {"ep=a", "lt=0"}, "</3/0>").code),
              "4.00");
    EXPECT_EQ(code_text(f.request(coap::codes::post, "rd", {"ep=a", "b=Z"}, "</3/0>").code),
              "4.00");
    EXPECT_EQ(code_text(f.request(coap::codes::post, "rd", {"ep=a"}, "</3/0").code), "4.00");
    EXPECT_EQ(code_text(f.request(coap::codes::post, "rd", {"ep=a"}, "</3/0/1/2/3>").code), "4.00");
    EXPECT_EQ(code_text(f.request(coap::codes::post, "rd", {"ep=a"}, "garbage").code), "4.00");
    EXPECT_EQ(code_text(f.request(coap::codes::post, "rd", {"ep=a", "lwm2m=9.9"}, "</3/0>").code),
              "4.12");
    EXPECT_EQ(code_text(f.request(coap::codes::post, "rd", {"ep=a"}, "</3/0>", 0).code), "4.15");
    EXPECT_EQ(code_text(f.request(coap::codes::get, "rd", {}, "", std::nullopt).code), "4.05");
    EXPECT_EQ(f.store.size(), 0u);
    EXPECT_TRUE(f.events.empty());
}

TEST(server_engine, update_and_delete_of_unknown_id_are_not_found) {
    fixture f;
    EXPECT_EQ(code_text(f.request(coap::codes::post, "rd/nope", {"lt=60"}, "").code), "4.04");
    EXPECT_EQ(code_text(f.request(coap::codes::del, "rd/nope", {}, "", std::nullopt).code), "4.04");
    EXPECT_TRUE(f.events.empty());
}

TEST(server_engine, raw_update_changes_params_and_bad_update_is_rejected) {
    fixture f;
    auto r = f.request(coap::codes::post, "rd", {"ep=raw1", "lt=120", "lwm2m=1.1"}, "</3/0>");
    ASSERT_EQ(r.location.size(), 2u);
    const std::string path = "rd/" + r.location[1];
    f.now += 5000;
    auto u = f.request(coap::codes::post, path, {"lt=600", "b=U", "Q"}, "", std::nullopt);
    EXPECT_EQ(code_text(u.code), "2.04");
    auto reg = f.store.find_by_endpoint("raw1");
    ASSERT_TRUE(reg.has_value());
    EXPECT_EQ(reg->lifetime_s, 600u);
    EXPECT_TRUE(reg->queue_mode);
    EXPECT_EQ(reg->updated_at, 6000u);
    EXPECT_EQ(reg->objects.objects.size(), 1u);  // no payload: object list kept
    EXPECT_EQ(code_text(f.request(coap::codes::post, path, {"lt=abc"}, "").code), "4.00");
    EXPECT_EQ(code_text(f.request(coap::codes::post, path, {}, "</3/0").code), "4.00");
    EXPECT_EQ(f.store.find_by_endpoint("raw1")->lifetime_s, 600u);
    auto d = f.request(coap::codes::del, path, {}, "", std::nullopt);
    EXPECT_EQ(code_text(d.code), "2.02");
    EXPECT_EQ(code_text(f.request(coap::codes::del, path, {}, "", std::nullopt).code), "4.04");
    EXPECT_EQ(f.count(srv::event_kind::deregistered), 1u);
}

TEST(server_engine, second_register_of_an_endpoint_replaces_the_first) {
    fixture f;
    auto a = f.request(coap::codes::post, "rd", {"ep=same", "lt=100"}, "</3/0>");
    ASSERT_EQ(code_text(a.code), "2.01");
    auto b = f.request(coap::codes::post, "rd", {"ep=same", "lt=200"}, "</3/0>,</5/0>");
    ASSERT_EQ(code_text(b.code), "2.01");
    ASSERT_EQ(b.location.size(), 2u);
    EXPECT_NE(a.location[1], b.location[1]);
    ASSERT_EQ(f.events.size(), 3u);
    EXPECT_EQ(f.events[0].kind, srv::event_kind::registered);
    EXPECT_EQ(f.events[1].kind, srv::event_kind::replaced);
    EXPECT_EQ(f.events[1].reg.id, a.location[1]);
    EXPECT_EQ(f.events[2].kind, srv::event_kind::registered);
    EXPECT_EQ(f.events[2].reg.id, b.location[1]);
    EXPECT_EQ(f.store.size(), 1u);
    EXPECT_EQ(f.store.find_by_endpoint("same")->lifetime_s, 200u);
    // The old location is gone.
    EXPECT_EQ(code_text(f.request(coap::codes::post, "rd/" + a.location[1], {}, "").code), "4.04");
}

TEST(server_engine, expiry_after_lifetime) {
    fixture f;
    ASSERT_EQ(code_text(f.request(coap::codes::post, "rd", {"ep=short", "lt=30"}, "</3/0>").code),
              "2.01");
    ASSERT_EQ(code_text(f.request(coap::codes::post, "rd", {"ep=long", "lt=90"}, "</3/0>").code),
              "2.01");
    const auto start = f.now;
    f.run_until(start + 29'999);
    EXPECT_EQ(f.count(srv::event_kind::expired), 0u);
    f.run_until(start + 30'000);
    ASSERT_EQ(f.count(srv::event_kind::expired), 1u);
    EXPECT_EQ(f.events.back().reg.endpoint, "short");
    EXPECT_EQ(f.server->next_deadline(), start + 90'000);
    f.run_until(start + 100'000);
    EXPECT_EQ(f.count(srv::event_kind::expired), 2u);
    EXPECT_EQ(f.store.size(), 0u);
    // What is left is the per-peer CoAP engine, released once its duplicate
    // detection state is older than EXCHANGE_LIFETIME.
    f.run_until(start + 100'000 + 300'000);
    EXPECT_FALSE(f.server->next_deadline().has_value());
}

TEST(server_engine, other_requests_are_passed_on) {
    fixture f;
    coap::message m;
    m.code = coap::codes::post;
    std::array<std::uint8_t, 32> st{};
    coap::message_builder b(m, st);
    // (POST /dp is Send, handled by the engine itself: see dm_test.cpp.)
    ASSERT_TRUE(b.add_uri_path("other").has_value());
    ASSERT_TRUE(b.add_uint(coap::opt::content_format, 112).has_value());
    f.body_keep = "\x81\xa1\x00\x63/3/0";
    auto x = f.raw->send_request(fixture::server_at_client, m, as_bytes(f.body_keep), f.now);
    ASSERT_TRUE(x.has_value());
    f.pump();
    ASSERT_EQ(f.count(srv::event_kind::request), 1u);
    const auto e = f.events.back();
    EXPECT_EQ(e.uri_path, (std::vector<std::string>{"other"}));
    EXPECT_EQ(e.content_format, 112u);
    EXPECT_EQ(e.peer, fixture::raw_at_server);
    EXPECT_EQ(std::string(e.payload.begin(), e.payload.end()), f.body_keep);
    ASSERT_TRUE(f.server->respond(e.request, coap::codes::changed, {}, f.now).has_value());
    f.pump();
    ASSERT_EQ(f.raw_responses.count(x->value()), 1u);
    EXPECT_EQ(code_text(f.raw_responses[x->value()].code), "2.04");
}

TEST(server_engine, long_object_list_arrives_in_blocks) {
    fixture f;
    std::string list = "</1/0>";
    for (int i = 0; i < 300; ++i)
        list +=
            ",</" + std::to_string(10000 + i) + ">;ver=1.0,</" + std::to_string(10000 + i) + "/0>";
    ASSERT_GT(list.size(), 4000u);
    auto r = f.request(coap::codes::post, "rd", {"ep=big", "lt=60"}, list);
    EXPECT_EQ(code_text(r.code), "2.01");
    auto reg = f.store.find_by_endpoint("big");
    ASSERT_TRUE(reg.has_value());
    ASSERT_EQ(reg->objects.objects.size(), 301u);
    EXPECT_EQ(reg->objects.objects.back(), (srv::object_entry{10299, "1.0", {0}}));
}

TEST(server_engine, lwm2m_1_0_client_registers) {
    fixture f(300, "UQ", "old1", cli::lwm2m_version::v1_0);
    ASSERT_TRUE(f.cl->start(f.now).has_value());
    f.pump();
    ASSERT_EQ(f.count(srv::event_kind::registered), 1u);
    const auto& reg = f.events.back().reg;
    EXPECT_EQ(reg.endpoint, "old1");
    EXPECT_EQ(reg.lwm2m_version, "1.0");
    EXPECT_EQ(reg.binding, "U");  // "UQ" in 1.0 form
    EXPECT_TRUE(reg.queue_mode);
    ASSERT_EQ(reg.objects.objects.size(), 3u);
}

TEST(server_engine, expiry_waits_for_the_grace_period) {
    fixture f(300, "U", "dev1", cli::lwm2m_version::v1_1, 5000);
    ASSERT_EQ(code_text(f.request(coap::codes::post, "rd", {"ep=g", "lt=10"}, "</3/0>").code),
              "2.01");
    const auto start = f.now;
    EXPECT_EQ(f.server->next_deadline(), start + 15'000);
    f.run_until(start + 14'999);
    EXPECT_EQ(f.count(srv::event_kind::expired), 0u);
    f.run_until(start + 15'000);
    EXPECT_EQ(f.count(srv::event_kind::expired), 1u);
}

TEST(server_engine, update_from_a_new_address_moves_the_registration) {
    fixture f;
    auto r = f.request(coap::codes::post, "rd", {"ep=mover"}, "</3/0>");
    ASSERT_EQ(r.location.size(), 2u);
    EXPECT_EQ(f.store.find_by_endpoint("mover")->peer, fixture::raw_at_server);
    f.raw_peer = coap::peer_id{9};
    ASSERT_TRUE(
        f.server->open_peer(f.raw_peer, coap::framing::datagram, "udp://198.51.100.1:1", f.now)
            .has_value());
    EXPECT_EQ(code_text(f.request(coap::codes::post, "rd/" + r.location[1], {}, "").code), "2.04");
    const auto reg = f.store.find_by_endpoint("mover");
    EXPECT_EQ(reg->peer, coap::peer_id{9});
    EXPECT_EQ(reg->address, "udp://198.51.100.1:1");
    EXPECT_EQ(f.store.find_by_peer(coap::peer_id{9}).size(), 1u);
    EXPECT_TRUE(f.store.find_by_peer(fixture::raw_at_server).empty());
}

TEST(server_engine, more_peers_than_one_coap_engine_holds_all_stay_open) {
    fixture f;
    std::vector<std::string> ids;
    const std::size_t n = coap::limits::peers + 2;
    for (std::size_t i = 0; i < n; ++i) {
        f.raw_peer = coap::peer_id{static_cast<std::uint32_t>(10 + i)};
        f.now += 1000;
        auto r = f.request(coap::codes::post, "rd", {"ep=e" + std::to_string(i)}, "</3/0>");
        ASSERT_EQ(code_text(r.code), "2.01");
        ids.push_back(r.location[1]);
    }
    EXPECT_EQ(f.store.size(), n);
    // One coap::engine per peer: the first peer is still there.
    f.raw_peer = coap::peer_id{10};
    f.now += 1000;
    EXPECT_EQ(code_text(f.request(coap::codes::post, "rd/" + ids[0], {}, "").code), "2.04");
    EXPECT_EQ(f.store.find_by_endpoint("e0")->updated_at, f.now);
}

TEST(server_engine, garbage_datagrams_are_dropped_or_answered) {
    fixture f;
    std::uint32_t x = 12345;
    std::vector<std::uint8_t> buf(coap::limits::max_pdu);
    for (int i = 0; i < 2000; ++i) {
        std::vector<std::uint8_t> d(static_cast<std::size_t>(i % 64));
        for (auto& b : d) {
            x = x * 1103515245u + 12345u;
            b = static_cast<std::uint8_t>(x >> 16);
        }
        // Some look like CoAP (version 1, CON POST) with random options.
        if (d.size() >= 4 && i % 2 == 0) {
            d[0] = static_cast<std::uint8_t>(0x40 | (d[0] & 0x0F));
            d[1] = 0x02;
        }
        (void)f.server->on_receive(coap::peer_id{50}, d, f.now);
        while (f.server->poll_transmit(buf)) {
        }
        while (auto e = f.server->poll_event())
            if (e->kind == srv::event_kind::request) {
                (void)f.server->respond(e->request, coap::codes::not_found, {}, f.now);
            }
        f.now += 10;
    }
    f.server->on_timer(f.now + 1'000'000);
    SUCCEED();
}

namespace sirocco {
namespace {

TEST(server_engine, a_peer_bound_to_an_endpoint_may_register_only_as_it) {
    fixture f;
    ASSERT_TRUE(f.server
                    ->open_peer(fixture::raw_at_server, coap::framing::datagram,
                                "mqtt://127.0.0.1:1883/lwm2m/dev-a", f.now, "dev-a")
                    .has_value());
    EXPECT_EQ(code_text(f.request(coap::codes::post, "rd", {"ep=dev-b"}, "</3/0>").code), "4.03");
    EXPECT_FALSE(f.store.find_by_endpoint("dev-b").has_value());
    auto ok = f.request(coap::codes::post, "rd", {"ep=dev-a"}, "</3/0>");
    ASSERT_EQ(code_text(ok.code), "2.01");
    ASSERT_EQ(ok.location.size(), 2u);
    // Another peer bound to dev-b can neither update nor de-register dev-a.
    f.server->close_peer(fixture::raw_at_server);
    ASSERT_TRUE(f.server
                    ->open_peer(fixture::raw_at_server, coap::framing::datagram,
                                "mqtt://127.0.0.1:1883/lwm2m/dev-b", f.now, "dev-b")
                    .has_value());
    EXPECT_EQ(code_text(f.request(coap::codes::post, "rd/" + ok.location[1], {}, {}, {}).code),
              "4.03");
    EXPECT_EQ(code_text(f.request(coap::codes::del, "rd/" + ok.location[1], {}, {}, {}).code),
              "4.03");
    EXPECT_TRUE(f.store.find_by_endpoint("dev-a").has_value());
}

TEST(server_engine, passed_on_requests_carry_uri_host_and_answers_an_etag) {
    fixture f;
    coap::message m;
    m.code = coap::codes::get;
    std::array<std::uint8_t, 32> st{};
    coap::message_builder b(m, st);
    ASSERT_TRUE(b.add_string(coap::opt::uri_host, "server").has_value());
    ASSERT_TRUE(b.add_uri_path("fw").has_value());
    auto x = f.raw->send_request(fixture::server_at_client, m, {}, f.now);
    ASSERT_TRUE(x.has_value());
    f.pump();
    ASSERT_EQ(f.count(srv::event_kind::request), 1u);
    const auto e = f.events.back();
    EXPECT_EQ(e.uri_host, "server");
    const std::array<std::uint8_t, 9> too_long{};
    EXPECT_FALSE(
        f.server->respond(e.request, coap::codes::content, {}, f.now, 42, too_long).has_value());
    const std::array<std::uint8_t, 4> etag{1, 2, 3, 4};
    const std::string img = "img";
    ASSERT_TRUE(f.server->respond(e.request, coap::codes::content, as_bytes(img), f.now, 42, etag)
                    .has_value());
    f.pump();
    ASSERT_EQ(f.raw_responses.count(x->value()), 1u);
    EXPECT_EQ(f.raw_responses[x->value()].payload, "img");
}

}  // namespace
}  // namespace sirocco
