// Device management through server_engine::send() against real in-process
// clients: every operation, in every content format the client handles.
#include <gtest/gtest.h>

#include "dm_fixture.hpp"

namespace srv = sirocco::server;
namespace lw = sirocco::lwm2m;
namespace coap = sirocco::coap;
using srv::content_format;
using srv::test::bench;
using srv::test::code_of;
using srv::test::P;

namespace {

constexpr content_format all_multi[] = {content_format::tlv, content_format::senml_json,
                                        content_format::senml_cbor, content_format::lwm2m_json,
                                        content_format::lwm2m_cbor};
constexpr content_format all_single[] = {content_format::text,       content_format::cbor,
                                         content_format::tlv,        content_format::senml_json,
                                         content_format::senml_cbor, content_format::lwm2m_json,
                                         content_format::lwm2m_cbor};

double value_at(const srv::response& r, const lw::path& p) {
    const auto* rec = srv::test::find(r.records, p);
    if (rec == nullptr) return -1;
    auto v = rec->value.view().as_float();
    return v ? *v : -2;
}

struct dm_bench : bench {
    srv::test::node* d = nullptr;
    explicit dm_bench(sirocco::client::lwm2m_version v = sirocco::client::lwm2m_version::v1_1,
                      std::uint16_t block = 0) {
        start_server();
        d = &add("dev1", v, "U", block);
        start(*d);
    }
};

}  // namespace

TEST(server_dm, read_a_resource_in_every_single_value_format) {
    dm_bench b;
    for (auto f : all_single) {
        SCOPED_TRACE(static_cast<int>(f));
        auto r = b.call("dev1", srv::read_request{P(3303, 0, 5700), f});
        ASSERT_TRUE(r.ok()) << r.error << " " << code_of(r);
        EXPECT_EQ(r.format, f);
        ASSERT_EQ(r.records.size(), 1u);
        EXPECT_EQ(r.records[0].path, P(3303, 0, 5700));
        EXPECT_DOUBLE_EQ(value_at(r, P(3303, 0, 5700)), 20.5);
        EXPECT_GE(r.round_trip_ms, 0u);
    }
    // No Accept: the device's choice, decoded all the same.
    auto r = b.call("dev1", srv::read_request{P(3303, 0, 5701), std::nullopt});
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r.records.size(), 1u);
    EXPECT_EQ(r.records[0].value.view().string(), "Cel");
}

TEST(server_dm, read_an_instance_and_an_object_in_every_multi_value_format) {
    dm_bench b;
    for (auto f : all_multi) {
        SCOPED_TRACE(static_cast<int>(f));
        auto r = b.call("dev1", srv::read_request{P(3303, 0), f});
        ASSERT_TRUE(r.ok()) << r.error << " " << code_of(r);
        EXPECT_EQ(r.format, f);
        EXPECT_DOUBLE_EQ(value_at(r, P(3303, 0, 5700)), 20.5);
        ASSERT_NE(srv::test::find(r.records, P(3303, 0, 5701)), nullptr);
        EXPECT_TRUE(std::is_sorted(r.records.begin(), r.records.end(),
                                   [](const auto& a, const auto& c) { return a.path < c.path; }));
        auto o = b.call("dev1", srv::read_request{P(3), f});
        ASSERT_TRUE(o.ok()) << o.error;
        const auto* manufacturer = srv::test::find(o.records, P(3, 0, 0));
        ASSERT_NE(manufacturer, nullptr);
        EXPECT_EQ(manufacturer->value.view().string(), "ACME");
    }
    // A device answer of 4.04 is a response, not a failure.
    auto nf = b.call("dev1", srv::read_request{P(3303, 7), std::nullopt});
    EXPECT_EQ(nf.fail, srv::failure::none);
    EXPECT_EQ(code_of(nf), "4.04");
    EXPECT_FALSE(nf.ok());
}

TEST(server_dm, large_read_is_reassembled_from_block2) {
    dm_bench b(sirocco::client::lwm2m_version::v1_1, 16);
    auto r = b.call("dev1", srv::read_request{P(3), content_format::senml_json});
    ASSERT_TRUE(r.ok()) << r.error << " " << code_of(r);
    EXPECT_GT(r.records.size(), 3u);
    EXPECT_EQ(srv::test::find(r.records, P(3, 0, 1))->value.view().string(), "M1");
    auto links = b.call("dev1", srv::discover_request{P(3)});
    ASSERT_TRUE(links.ok());
    EXPECT_NE(links.links.find("</3/0/0>"), std::string::npos);
    EXPECT_GT(links.links.size(), 16u);
}

TEST(server_dm, block_wise_notification_is_read_whole) {
    dm_bench b(sirocco::client::lwm2m_version::v1_1, 16);
    auto r = b.call("dev1", srv::observe_request{P(3303, 0), content_format::senml_json});
    ASSERT_TRUE(r.ok()) << r.error << " " << code_of(r);
    ASSERT_TRUE(r.observed.has_value());
    EXPECT_DOUBLE_EQ(value_at(r, P(3303, 0, 5700)), 20.5);
    b.run_until(b.now + 2000);
    ASSERT_TRUE(b.d->temp.set_value(0, 5700, lw::value::of_float(26.5)).has_value());
    b.d->cl->changed(P(3303, 0, 5700), b.now);
    b.run_until(b.now + 5000);
    auto notes = b.all(srv::event_kind::notification);
    ASSERT_GE(notes.size(), 1u);
    const auto& n = notes.back();
    EXPECT_EQ(n.obs->id, r.observed->id);
    EXPECT_TRUE(n.result.ok()) << n.result.error;
    EXPECT_DOUBLE_EQ(value_at(n.result, P(3303, 0, 5700)), 26.5);
    EXPECT_NE(srv::test::find(n.result.records, P(3303, 0, 5701)), nullptr);
    // The internal read is not a response of its own.
    EXPECT_EQ(b.count(srv::event_kind::response), 1u);
}

TEST(server_dm, write_replace_and_partial_in_every_format) {
    dm_bench b;
    int i = 0;
    for (auto f : all_single) {
        SCOPED_TRACE(static_cast<int>(f));
        const std::string v = "app" + std::to_string(i++);
        srv::write_request w;
        w.path = P(3303, 0, 5750);
        w.records.emplace_back(P(3303, 0, 5750), lw::owned_value::string(v));
        w.format = f;
        auto r = b.call("dev1", w);
        ASSERT_TRUE(r.ok()) << r.error << " " << code_of(r);
        EXPECT_EQ(code_of(r), "2.04");
        auto got = b.d->temp.get_value(0, 5750);
        ASSERT_TRUE(got.has_value());
        EXPECT_EQ(got->string(), v);
    }
    for (auto f : all_multi) {
        SCOPED_TRACE(static_cast<int>(f));
        const std::string v = "part" + std::to_string(i++);
        srv::write_request w;
        w.path = P(3303, 0);
        w.mode = srv::write_mode::partial;
        w.records.emplace_back(P(3303, 0, 5750), lw::owned_value::string(v));
        w.format = f;
        auto r = b.call("dev1", w);
        ASSERT_TRUE(r.ok()) << r.error << " " << code_of(r);
        EXPECT_EQ(b.d->temp.get_value(0, 5750)->string(), v);
    }
    // No format given: the registration's (SenML CBOR for this 1.1 client).
    srv::write_request w;
    w.path = P(3303, 0, 5750);
    w.records.emplace_back(P(3303, 0, 5750), lw::owned_value::string("default"));
    auto r = b.call("dev1", w);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(b.d->temp.get_value(0, 5750)->string(), "default");
    // A record outside the path is refused before anything is sent.
    srv::write_request bad;
    bad.path = P(3303, 0, 5750);
    bad.records.emplace_back(P(3, 0, 1), lw::owned_value::string("x"));
    EXPECT_EQ(b.call("dev1", bad).fail, srv::failure::invalid);
}

TEST(server_dm, write_to_a_1_0_client_uses_tlv) {
    dm_bench b(sirocco::client::lwm2m_version::v1_0);
    srv::write_request w;
    w.path = P(3303, 0);
    w.mode = srv::write_mode::partial;
    w.records.emplace_back(P(3303, 0, 5750), lw::owned_value::string("old"));
    auto r = b.call("dev1", w);
    ASSERT_TRUE(r.ok()) << r.error << " " << code_of(r);
    EXPECT_EQ(b.d->temp.get_value(0, 5750)->string(), "old");
    auto rd = b.call("dev1", srv::read_request{P(3303, 0), std::nullopt});
    ASSERT_TRUE(rd.ok());
    EXPECT_EQ(rd.format, content_format::tlv);
}

TEST(server_dm, execute_with_arguments) {
    dm_bench b;
    auto r = b.call("dev1", srv::execute_request{P(5, 0, 2), "0='a',1"});
    ASSERT_TRUE(r.ok()) << code_of(r);
    EXPECT_EQ(b.d->fw.executed, 1);
    EXPECT_EQ(b.d->fw.last_args, "0='a',1");
    EXPECT_EQ(b.call("dev1", srv::execute_request{P(5, 0), ""}).fail, srv::failure::invalid);
}

TEST(server_dm, create_with_location_then_delete) {
    dm_bench b;
    for (auto f : {content_format::tlv, content_format::senml_cbor, content_format::senml_json}) {
        SCOPED_TRACE(static_cast<int>(f));
        srv::create_request c;
        c.path = P(3303);
        c.records.emplace_back(P(3303, 1, 5750), lw::owned_value::string("made"));
        c.format = f;
        auto r = b.call("dev1", c);
        ASSERT_TRUE(r.ok()) << r.error << " " << code_of(r);
        EXPECT_EQ(code_of(r), "2.01");
        EXPECT_EQ(r.location, "/3303/1");
        EXPECT_EQ(b.d->temp.get_value(1, 5750)->string(), "made");
        auto del = b.call("dev1", srv::delete_request{P(3303, 1)});
        ASSERT_TRUE(del.ok()) << code_of(del);
        EXPECT_EQ(code_of(del), "2.02");
        EXPECT_FALSE(b.d->temp.has_instance(1));
    }
    // Without an instance id the device picks one (TLV only).
    srv::create_request c;
    c.path = P(3303);
    c.records.emplace_back(P(3303, 65535, 5750), lw::owned_value::string("picked"));
    c.format = content_format::tlv;
    auto r = b.call("dev1", c);
    ASSERT_TRUE(r.ok()) << r.error << " " << code_of(r);
    EXPECT_EQ(r.location, "/3303/1");
    EXPECT_EQ(b.d->temp.get_value(1, 5750)->string(), "picked");
    c.format = content_format::senml_cbor;
    EXPECT_EQ(b.call("dev1", c).fail, srv::failure::unsupported);
}

TEST(server_dm, discover_and_write_attributes) {
    dm_bench b;
    auto d = b.call("dev1", srv::discover_request{P(3303)});
    ASSERT_TRUE(d.ok()) << code_of(d);
    EXPECT_EQ(d.format, content_format::link_format);
    EXPECT_NE(d.links.find("</3303/0>"), std::string::npos);
    EXPECT_TRUE(d.records.empty());
    auto w = b.call("dev1", srv::write_attributes_request{P(3303, 0, 5700), "pmin=1&pmax=60"});
    ASSERT_TRUE(w.ok()) << code_of(w);
    EXPECT_EQ(code_of(w), "2.04");
    auto after = b.call("dev1", srv::discover_request{P(3303, 0, 5700)});
    EXPECT_NE(after.links.find("pmax=60"), std::string::npos) << after.links;
    // A query that is not notification attributes never leaves the server.
    auto bad = b.call("dev1", srv::write_attributes_request{P(3303, 0, 5700), "foo=1"});
    EXPECT_EQ(bad.fail, srv::failure::invalid);
    EXPECT_EQ(b.call("dev1", srv::write_attributes_request{P(3303, 0), ""}).fail,
              srv::failure::invalid);
}

TEST(server_dm, observe_notifications_and_cancel) {
    dm_bench b;
    auto r = b.call("dev1", srv::observe_request{P(3303, 0, 5700), content_format::senml_json});
    ASSERT_TRUE(r.ok()) << r.error << " " << code_of(r);
    ASSERT_TRUE(r.observed.has_value());
    const srv::observation o = *r.observed;
    EXPECT_EQ(o.endpoint, "dev1");
    EXPECT_EQ(o.paths, std::vector<lw::path>{P(3303, 0, 5700)});
    EXPECT_FALSE(o.composite);
    EXPECT_EQ(o.id.size(), o.token.size() * 2);
    EXPECT_DOUBLE_EQ(value_at(r, P(3303, 0, 5700)), 20.5);
    EXPECT_EQ(b.server->observations("dev1").size(), 1u);
    EXPECT_EQ(b.obs->list().size(), 1u);

    for (double v : {21.5, 22.5}) {
        b.run_until(b.now + 2000);
        ASSERT_TRUE(b.d->temp.set_value(0, 5700, lw::value::of_float(v)).has_value());
        b.d->cl->changed(P(3303, 0, 5700), b.now);
        b.run_until(b.now + 1000);
    }
    auto notes = b.all(srv::event_kind::notification);
    ASSERT_GE(notes.size(), 2u);
    EXPECT_EQ(notes.back().obs->id, o.id);
    EXPECT_EQ(notes.back().endpoint, "dev1");
    EXPECT_DOUBLE_EQ(value_at(notes.back().result, P(3303, 0, 5700)), 22.5);
    EXPECT_EQ(b.server->counters().notifications, notes.size());

    // Active cancel: GET with Observe 1; the device's answer is the response.
    auto c = b.call("dev1", srv::cancel_observation_request{P(3303, 0, 5700), true});
    ASSERT_TRUE(c.ok()) << c.error << " " << code_of(c);
    EXPECT_EQ(b.count(srv::event_kind::observation_cancelled), 1u);
    EXPECT_TRUE(b.server->observations("dev1").empty());
    const auto before = b.count(srv::event_kind::notification);
    ASSERT_TRUE(b.d->temp.set_value(0, 5700, lw::value::of_float(30)).has_value());
    b.d->cl->changed(P(3303, 0, 5700), b.now);
    b.run_until(b.now + 5000);
    EXPECT_EQ(b.count(srv::event_kind::notification), before);
    // Nothing left to cancel.
    EXPECT_EQ(code_of(b.call("dev1", srv::cancel_observation_request{P(3303, 0, 5700), true})),
              "4.04");
}

TEST(server_dm, active_cancel_answered_while_a_notification_crosses_it) {
    // The device's notification is on its way (NON, or CON) when the server
    // sends GET Observe 1; the device's answer must still end the request.
    for (int con = 0; con < 2; ++con) {
        for (int server_first = 0; server_first < 2; ++server_first) {
            SCOPED_TRACE(con * 10 + server_first);
            bench b;
            b.start_server();
            auto& d = b.add("dev1");
            if (con) d.ccfg.coap.notify_con_every = 1;
            d.cl.emplace(d.ccfg, d.dm);
            b.start(d);
            auto r = b.call("dev1", srv::observe_request{P(3303, 0, 5700), content_format::cbor});
            ASSERT_TRUE(r.observed.has_value());
            b.run_until(b.now + 2000);
            ASSERT_TRUE(d.temp.set_value(0, 5700, lw::value::of_float(33)).has_value());
            d.cl->changed(P(3303, 0, 5700), b.now);
            d.cl->on_timer(b.now);
            const auto h = b.server->send(
                "dev1", srv::cancel_observation_request{P(3303, 0, 5700), true}, 5000, b.now);
            if (server_first) {
                std::vector<std::uint8_t> buf(coap::limits::max_pdu);
                while (auto t = b.server->poll_transmit(buf))
                    (void)d.cl->on_receive(srv::test::node::server_at_client, {buf.data(), t->size},
                                           b.now);
            }
            b.run_until(b.now + 6000);
            bool ok = false;
            for (const auto& e : b.events)
                if (e.kind == srv::event_kind::response && e.handle == h) ok = e.result.ok();
            EXPECT_TRUE(ok);
            EXPECT_TRUE(b.obs->list().empty());
        }
    }
}

TEST(server_dm, passive_cancel_forgets_the_token) {
    dm_bench b;
    auto r = b.call("dev1", srv::observe_request{P(3303, 0, 5700), std::nullopt});
    ASSERT_TRUE(r.observed.has_value());
    auto c = b.call("dev1", srv::cancel_observation_request{P(3303, 0, 5700), false});
    EXPECT_TRUE(c.ok());
    EXPECT_EQ(code_of(c), "2.02");
    EXPECT_EQ(b.count(srv::event_kind::observation_cancelled), 1u);
    ASSERT_TRUE(b.d->temp.set_value(0, 5700, lw::value::of_float(31)).has_value());
    b.d->cl->changed(P(3303, 0, 5700), b.now);
    b.run_until(b.now + 5000);
    EXPECT_EQ(b.count(srv::event_kind::notification), 0u);
    // The device got RST for its notification and dropped the observation:
    // a second change sends nothing.
    ASSERT_TRUE(b.d->temp.set_value(0, 5700, lw::value::of_float(32)).has_value());
    b.d->cl->changed(P(3303, 0, 5700), b.now);
    b.run_until(b.now + 5000);
    EXPECT_EQ(b.count(srv::event_kind::notification), 0u);
}

TEST(server_dm, composite_read_observe_and_write) {
    dm_bench b;
    const std::vector<lw::path> paths = {P(3303, 0, 5700), P(3, 0, 0)};
    // (LwM2M JSON 11543 cannot carry several paths: Core TS 1.2, table 7.3-2.)
    for (auto f :
         {content_format::senml_cbor, content_format::senml_json, content_format::lwm2m_cbor}) {
        for (auto rf : {content_format::senml_etch_cbor, content_format::senml_etch_json}) {
            SCOPED_TRACE(static_cast<int>(f));
            auto r = b.call("dev1", srv::read_composite_request{paths, f, rf});
            ASSERT_TRUE(r.ok()) << r.error << " " << code_of(r);
            EXPECT_EQ(r.records.size(), 2u);
            EXPECT_DOUBLE_EQ(value_at(r, P(3303, 0, 5700)), 20.5);
            EXPECT_EQ(srv::test::find(r.records, P(3, 0, 0))->value.view().string(), "ACME");
        }
    }
    EXPECT_EQ(
        b.call("dev1", srv::read_composite_request{paths, std::nullopt, content_format::senml_cbor})
            .fail,
        srv::failure::unsupported);

    srv::write_composite_request w;
    w.records.emplace_back(P(3303, 0, 5750), lw::owned_value::string("comp"));
    for (auto f :
         {content_format::senml_cbor, content_format::senml_json, content_format::lwm2m_cbor}) {
        w.format = f;
        auto r = b.call("dev1", w);
        ASSERT_TRUE(r.ok()) << r.error << " " << code_of(r);
        EXPECT_EQ(b.d->temp.get_value(0, 5750)->string(), "comp");
    }
    w.format = std::nullopt;
    EXPECT_TRUE(b.call("dev1", w).ok());
    for (auto f : {content_format::tlv, content_format::lwm2m_json}) {
        w.format = f;
        EXPECT_EQ(b.call("dev1", w).fail, srv::failure::unsupported);
    }

    auto o = b.call(
        "dev1", srv::observe_composite_request{paths, content_format::senml_cbor, std::nullopt});
    ASSERT_TRUE(o.ok()) << o.error << " " << code_of(o);
    ASSERT_TRUE(o.observed.has_value());
    EXPECT_TRUE(o.observed->composite);
    b.run_until(b.now + 2000);
    ASSERT_TRUE(b.d->temp.set_value(0, 5700, lw::value::of_float(25)).has_value());
    b.d->cl->changed(P(3303, 0, 5700), b.now);
    b.run_until(b.now + 2000);
    auto notes = b.all(srv::event_kind::notification);
    ASSERT_GE(notes.size(), 1u);
    EXPECT_TRUE(notes.back().obs->composite);
    EXPECT_DOUBLE_EQ(value_at(notes.back().result, P(3303, 0, 5700)), 25);
    auto c = b.call(
        "dev1", srv::cancel_composite_observation_request{{P(3, 0, 0), P(3303, 0, 5700)}, true});
    EXPECT_TRUE(c.ok()) << c.error << " " << code_of(c);
    EXPECT_TRUE(b.server->observations("dev1").empty());
}

TEST(server_dm, send_from_the_device) {
    dm_bench b;
    const lw::path paths[] = {P(3303, 0, 5700), P(3, 0, 0)};
    ASSERT_TRUE(b.d->cl->send(paths, b.now).has_value());
    b.pump();
    auto s = b.all(srv::event_kind::send);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].endpoint, "dev1");
    EXPECT_EQ(s[0].reg.endpoint, "dev1");
    EXPECT_DOUBLE_EQ(value_at(s[0].result, P(3303, 0, 5700)), 20.5);
    EXPECT_EQ(b.server->counters().sends, 1u);
    bool done = false;
    for (auto k : b.d->events)
        if (k == sirocco::client::client_event_kind::send_done) done = true;
    EXPECT_TRUE(done);
}

TEST(server_dm, unknown_endpoint_and_timeout) {
    dm_bench b;
    auto u = b.call("nobody", srv::read_request{P(3, 0), std::nullopt});
    EXPECT_EQ(u.fail, srv::failure::not_registered);
    EXPECT_FALSE(u.ok());
    // The device goes silent: the request times out and its exchange ends.
    b.d->online = false;
    const auto start = b.now;
    auto t = b.call("dev1", srv::read_request{P(3, 0), std::nullopt}, 5000);
    EXPECT_EQ(t.fail, srv::failure::timeout);
    EXPECT_EQ(b.now, start + 5000);
    EXPECT_EQ(srv::failure_name(t.fail), "timeout");
    EXPECT_EQ(b.server->counters().requests, 2u);
    EXPECT_EQ(b.server->counters().request_failures, 2u);
    // Cancelled by the caller.
    const auto h = b.server->send("dev1", srv::read_request{P(3, 0), std::nullopt}, 5000, b.now);
    b.server->cancel(h, b.now);
    b.pump();
    bool seen = false;
    for (const auto& e : b.events)
        if (e.kind == srv::event_kind::response && e.handle == h) {
            EXPECT_EQ(e.result.fail, srv::failure::cancelled);
            seen = true;
        }
    EXPECT_TRUE(seen);
}

TEST(server_dm, requests_beyond_the_exchange_limit_wait_in_order) {
    dm_bench b;
    std::vector<srv::request_handle> hs;
    for (int i = 0; i < 12; ++i)
        hs.push_back(b.server->send("dev1", srv::read_request{P(3303, 0, 5700), std::nullopt},
                                    60'000, b.now));
    b.run_until(b.now + 30'000);
    std::vector<srv::request_handle> order;
    for (const auto& e : b.events)
        if (e.kind == srv::event_kind::response) {
            EXPECT_TRUE(e.result.ok()) << e.result.error;
            order.push_back(e.handle);
        }
    EXPECT_EQ(order, hs);
}

TEST(server_dm, names) {
    EXPECT_EQ(srv::operation_name(srv::read_request{}), "read");
    EXPECT_EQ(srv::operation_name(srv::observe_composite_request{}), "observe-composite");
    EXPECT_EQ(srv::operation_name(srv::write_attributes_request{}), "write-attributes");
    EXPECT_EQ(srv::failure_name(srv::failure::expired), "expired");
    EXPECT_EQ(srv::failure_name(srv::failure::not_registered), "not_registered");
}
