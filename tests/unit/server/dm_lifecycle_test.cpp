// Device management over the registration's life: queue mode, replacement
// and de-registration ending observations, restarts over the same stores
// (memory and SQLite) resuming observations, Send errors, many devices.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "dm_fixture.hpp"
#include "sirocco/coap/codec.hpp"
#include "sirocco/server/sqlite_observation_store.hpp"
#include "sirocco/server/sqlite_registration_store.hpp"

namespace srv = sirocco::server;
namespace lw = sirocco::lwm2m;
namespace coap = sirocco::coap;
namespace cli = sirocco::client;
namespace fs = std::filesystem;
using srv::content_format;
using srv::test::bench;
using srv::test::code_of;
using srv::test::P;

namespace {

class temp_dir {
  public:
    temp_dir() {
        std::string tmpl = (fs::temp_directory_path() / "sirocco-dm-XXXXXX").string();
        if (::mkdtemp(tmpl.data())) path_ = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        if (!path_.empty()) fs::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

double value_at(const srv::response& r, const lw::path& p) {
    const auto* rec = srv::test::find(r.records, p);
    if (rec == nullptr) return -1;
    auto v = rec->value.view().as_float();
    return v ? *v : -2;
}

void change(bench& b, srv::test::node& d, double v) {
    ASSERT_TRUE(d.temp.set_value(0, 5700, lw::value::of_float(v)).has_value());
    d.cl->changed(P(3303, 0, 5700), b.now);
    b.run_until(b.now + 2000);
}

std::size_t client_count(const srv::test::node& d, cli::client_event_kind k) {
    std::size_t n = 0;
    for (auto e : d.events)
        if (e == k) ++n;
    return n;
}

/// A hand-made CON request from `peer` straight into the server; the code of
/// its piggybacked answer.
std::string raw_request(bench& b, coap::peer_id peer, coap::code c, const char* path,
                        std::optional<std::uint32_t> cf, const std::string& body) {
    static std::uint16_t mid = 0x4000;
    coap::message m;
    m.code = c;
    m.type = coap::msg_type::con;
    m.message_id = ++mid;
    std::array<std::uint8_t, 2> tb{0x77, static_cast<std::uint8_t>(mid)};
    m.token = *coap::token::from(tb);
    std::array<std::uint8_t, 32> st{};
    coap::message_builder mb(m, st);
    EXPECT_TRUE(mb.add_uri_path(path).has_value());
    if (cf) {
        EXPECT_TRUE(mb.add_uint(coap::opt::content_format, *cf).has_value());
    }
    m.payload = sirocco::as_bytes(body);
    std::vector<std::uint8_t> out(2048);
    auto n = coap::encode(m, coap::framing::datagram, out);
    EXPECT_TRUE(n.has_value());
    EXPECT_TRUE(b.server->on_receive(peer, {out.data(), *n}, b.now).has_value());
    b.drain();
    std::vector<std::uint8_t> buf(coap::limits::max_pdu);
    while (auto t = b.server->poll_transmit(buf)) {
        if (t->peer != peer) continue;
        auto r = coap::decode({buf.data(), t->size}, coap::framing::datagram);
        if (!r || r->message_id != m.message_id) continue;
        const auto cls = r->code.cls(), det = r->code.detail();
        return std::to_string(cls) + "." + (det < 10 ? "0" : "") + std::to_string(det);
    }
    return "none";
}

}  // namespace

TEST(server_lifecycle, queue_mode_requests_wait_for_the_device_and_expire) {
    bench b;
    b.scfg.queue_awake_ms = 10'000;
    b.start_server();
    auto& d = b.add("q1", cli::lwm2m_version::v1_1, "UQ");
    b.start(d);
    ASSERT_TRUE(b.regs->find_by_endpoint("q1")->queue_mode);
    // Awake right after Register; asleep when the window has passed.
    b.run_until(b.now + 10'500);
    ASSERT_EQ(b.count(srv::event_kind::sleeping), 1u);
    EXPECT_EQ(b.all(srv::event_kind::sleeping)[0].reg.endpoint, "q1");

    // A request for the sleeping device waits...
    const auto h =
        b.server->send("q1", srv::read_request{P(3303, 0, 5700), std::nullopt}, 60'000, b.now);
    b.run_until(b.now + 5000);
    EXPECT_EQ(b.count(srv::event_kind::response), 0u);
    // ...until the device is heard from (its Update); then it goes out.
    ASSERT_TRUE(d.cl->update(b.now).has_value());
    b.pump();
    EXPECT_EQ(b.count(srv::event_kind::awake), 1u);
    auto rs = b.all(srv::event_kind::response);
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].handle, h);
    EXPECT_TRUE(rs[0].result.ok()) << rs[0].result.error;
    EXPECT_DOUBLE_EQ(value_at(rs[0].result, P(3303, 0, 5700)), 20.5);

    // Asleep again; a request with a short timeout expires unsent.
    b.run_until(b.now + 11'000);
    EXPECT_EQ(b.count(srv::event_kind::sleeping), 2u);
    const auto start = b.now;
    auto e = b.call("q1", srv::read_request{P(3, 0), std::nullopt}, 4000);
    EXPECT_EQ(e.fail, srv::failure::expired);
    EXPECT_EQ(b.now, start + 4000);
    EXPECT_EQ(srv::failure_name(e.fail), "expired");
}

TEST(server_lifecycle, replacement_and_deregistration_end_observations) {
    bench b;
    b.start_server();
    auto& d = b.add("dev1");
    b.start(d);
    auto r = b.call("dev1", srv::observe_request{P(3303, 0, 5700), std::nullopt});
    ASSERT_TRUE(r.observed.has_value());
    ASSERT_EQ(b.obs->list().size(), 1u);
    // The same endpoint registers again from another device: replaced.
    auto& twin = b.add("dev1");
    b.start(twin);
    EXPECT_EQ(b.count(srv::event_kind::replaced), 1u);
    ASSERT_EQ(b.count(srv::event_kind::observation_cancelled), 1u);
    EXPECT_EQ(b.all(srv::event_kind::observation_cancelled)[0].obs->id, r.observed->id);
    EXPECT_TRUE(b.obs->list().empty());
    change(b, d, 40);
    EXPECT_EQ(b.count(srv::event_kind::notification), 0u);

    // Observe on the new one, then De-register.
    auto r2 = b.call("dev1", srv::observe_request{P(3303, 0, 5700), std::nullopt});
    ASSERT_TRUE(r2.observed.has_value());
    ASSERT_TRUE(twin.cl->deregister(b.now).has_value());
    b.pump();
    EXPECT_EQ(b.count(srv::event_kind::deregistered), 1u);
    EXPECT_EQ(b.count(srv::event_kind::observation_cancelled), 2u);
    EXPECT_TRUE(b.obs->list().empty());
    EXPECT_TRUE(b.server->observations("dev1").empty());
}

TEST(server_lifecycle, expiry_ends_observations_and_waiting_requests) {
    bench b;
    b.scfg.queue_awake_ms = 1000;
    b.start_server();
    auto& d = b.add("exp", cli::lwm2m_version::v1_1, "UQ", 0, 60);
    b.start(d);
    auto r = b.call("exp", srv::observe_request{P(3303, 0, 5700), std::nullopt});
    ASSERT_TRUE(r.observed.has_value());
    d.online = false;
    b.run_until(b.now + 5000);
    const auto h = b.server->send("exp", srv::read_request{P(3, 0), std::nullopt}, 600'000, b.now);
    b.run_until(b.now + 70'000);
    EXPECT_EQ(b.count(srv::event_kind::expired), 1u);
    EXPECT_EQ(b.count(srv::event_kind::observation_cancelled), 1u);
    bool failed = false;
    for (const auto& e : b.all(srv::event_kind::response))
        if (e.handle == h) failed = e.result.fail == srv::failure::not_registered;
    EXPECT_TRUE(failed);
}

namespace {

/// Restart: a second server_engine over the same stores. `sqlite`: the
/// stores are SQLite files reopened in between. `open_address`: the runtime
/// opens the stored registration's address; otherwise the client's next
/// Update arrives from a new peer and moves it there.
void restart_resumes(bool sqlite, bool open_address) {
    temp_dir dir;
    const std::string file = (dir.path() / "server.db").string();
    std::unique_ptr<srv::sqlite_registration_store> sregs;
    std::unique_ptr<srv::sqlite_observation_store> sobs;
    bench b;
    auto open_stores = [&] {
        if (!sqlite) return;
        sregs.reset();
        sobs.reset();
        auto r = srv::sqlite_registration_store::open(file);
        ASSERT_TRUE(r.has_value());
        sregs = std::move(*r);
        auto o = srv::sqlite_observation_store::open(file);
        ASSERT_TRUE(o.has_value());
        sobs = std::move(*o);
        b.regs = sregs.get();
        b.obs = sobs.get();
    };
    open_stores();
    b.start_server();
    auto& d = b.add("dev1");
    b.start(d);
    auto r = b.call("dev1", srv::observe_request{P(3303, 0, 5700), content_format::senml_cbor});
    ASSERT_TRUE(r.observed.has_value());
    change(b, d, 21);
    ASSERT_EQ(b.count(srv::event_kind::notification), 1u);

    // The server goes away (nothing is cancelled) and comes back.
    b.server.reset();
    open_stores();
    b.events.clear();
    b.start_server();
    ASSERT_TRUE(b.regs->find_by_endpoint("dev1").has_value());
    ASSERT_EQ(b.obs->list().size(), 1u);
    if (open_address) {
        ASSERT_TRUE(b.server->open_peer(d.at_server, coap::framing::datagram, d.address, b.now)
                        .has_value());
        EXPECT_EQ(b.regs->find_by_endpoint("dev1")->peer, d.at_server);
    } else {
        d.at_server = coap::peer_id{999};  // the runtime's new id for it
        ASSERT_TRUE(d.cl->update(b.now).has_value());
        b.pump();
        EXPECT_EQ(b.count(srv::event_kind::updated), 1u);
        EXPECT_EQ(b.regs->find_by_endpoint("dev1")->peer, coap::peer_id{999});
    }
    EXPECT_EQ(b.server->observations("dev1").size(), 1u);
    EXPECT_EQ(b.server->counters().observations_resumed, 1u);
    change(b, d, 23);
    auto notes = b.all(srv::event_kind::notification);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0].obs->id, r.observed->id);
    EXPECT_DOUBLE_EQ(value_at(notes[0].result, P(3303, 0, 5700)), 23);
    EXPECT_EQ(client_count(d, cli::client_event_kind::registered), 1u) << "no re-registration";
    // And it can still be cancelled actively after the restart.
    auto c = b.call("dev1", srv::cancel_observation_request{P(3303, 0, 5700), true});
    EXPECT_TRUE(c.ok()) << c.error << " " << code_of(c);
    EXPECT_TRUE(b.obs->list().empty());
}

}  // namespace

TEST(server_lifecycle, restart_over_memory_stores_resumes_observation_by_address) {
    restart_resumes(false, true);
}
TEST(server_lifecycle, restart_over_sqlite_stores_resumes_observation_by_address) {
    restart_resumes(true, true);
}
TEST(server_lifecycle, restart_over_sqlite_stores_resumes_observation_on_update) {
    restart_resumes(true, false);
}

TEST(server_lifecycle, send_errors) {
    bench b;
    b.start_server();
    auto& d = b.add("dev1");
    b.start(d);
    // 4.04 from a peer without a registration.
    EXPECT_EQ(raw_request(b, coap::peer_id{77}, coap::codes::post, "dp", 112, "\x81\xa0"), "4.04");
    // From the device's peer: 4.00 for a payload that does not decode, 4.15
    // for a format Send cannot use, 4.00 without a Content-Format.
    EXPECT_EQ(raw_request(b, d.at_server, coap::codes::post, "dp", 112, "\xff\xff"), "4.00");
    EXPECT_EQ(raw_request(b, d.at_server, coap::codes::post, "dp", 0, "1"), "4.15");
    EXPECT_EQ(raw_request(b, d.at_server, coap::codes::post, "dp", std::nullopt, "1"), "4.00");
    EXPECT_EQ(b.count(srv::event_kind::send), 0u);
    // A good one: SenML JSON.
    EXPECT_EQ(raw_request(b, d.at_server, coap::codes::post, "dp", 110,
                          R"([{"n":"/3303/0/5700","v":19.5}])"),
              "2.04");
    auto s = b.all(srv::event_kind::send);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_DOUBLE_EQ(value_at(s[0].result, P(3303, 0, 5700)), 19.5);
}

TEST(server_lifecycle, a_hundred_devices_registered_and_readable) {
    bench b;
    b.start_server();
    const std::size_t n = 100;
    static_assert(100 > coap::limits::peers);
    for (std::size_t i = 0; i < n; ++i)
        b.add("dev" + std::to_string(i));
    for (auto& node : b.nodes)
        ASSERT_TRUE(node->cl->start(b.now).has_value());
    b.pump();
    ASSERT_EQ(b.count(srv::event_kind::registered), n);
    ASSERT_EQ(b.regs->list().size(), n);
    std::vector<srv::request_handle> hs;
    for (std::size_t i = 0; i < n; ++i)
        hs.push_back(b.server->send("dev" + std::to_string(i),
                                    srv::read_request{P(3, 0, 0), std::nullopt}, 30'000, b.now));
    b.pump();
    auto rs = b.all(srv::event_kind::response);
    ASSERT_EQ(rs.size(), n);
    for (const auto& e : rs) {
        EXPECT_TRUE(e.result.ok()) << e.endpoint << " " << e.result.error;
        ASSERT_EQ(e.result.records.size(), 1u);
        EXPECT_EQ(e.result.records[0].value.view().string(), "ACME");
    }
    // Idle engines are released after EXCHANGE_LIFETIME; the devices stay
    // registered and reachable (a new engine is made for the next request).
    b.run_until(b.now + 300'000);
    auto again = b.call("dev42", srv::read_request{P(3, 0, 0), std::nullopt});
    EXPECT_TRUE(again.ok()) << again.error;
}

TEST(server_lifecycle, observations_without_registration_are_dropped_at_start) {
    bench b;
    srv::observation o;
    o.id = "0102";
    o.endpoint = "ghost";
    o.registration_id = "deadbeef";
    o.paths = {P(3, 0, 0)};
    o.token = {1, 2};
    ASSERT_TRUE(b.obs->add(o).has_value());
    b.start_server();
    EXPECT_TRUE(b.obs->list().empty());
}

TEST(server_lifecycle, content_without_content_format_uses_the_accept_or_text) {
    // A device that answers 2.05 without Content-Format (lwm2m-node-lib).
    bench b;
    b.start_server();
    sirocco::client::test::zero_rng rrng;
    coap::config rcfg;
    rcfg.rng = &sirocco::client::test::zero_rng::next;
    rcfg.rng_ctx = &rrng;
    coap::engine dev(rcfg);
    const coap::peer_id server{1}, device{50};
    ASSERT_TRUE(dev.open_peer(server, coap::framing::datagram, b.now).has_value());
    std::vector<std::uint8_t> buf(coap::limits::max_pdu);
    std::string answer;
    auto pump = [&] {
        for (int i = 0; i < 100; ++i) {
            bool any = false;
            while (auto t = dev.poll_transmit(buf)) {
                any = true;
                ASSERT_TRUE(b.server->on_receive(device, {buf.data(), t->size}, b.now).has_value());
            }
            b.drain();
            while (auto t = b.server->poll_transmit(buf)) {
                any = true;
                ASSERT_TRUE(dev.on_receive(server, {buf.data(), t->size}, b.now).has_value());
            }
            while (auto e = dev.poll_event()) {
                if (e->kind != coap::event_kind::request) continue;
                coap::message m;
                m.code = coap::codes::content;
                ASSERT_TRUE(dev.respond(e->request, m, sirocco::as_bytes(answer), b.now));
                any = true;
            }
            if (!any) return;
        }
    };
    coap::message reg;
    reg.code = coap::codes::post;
    std::array<std::uint8_t, 64> st{};
    coap::message_builder mb(reg, st);
    ASSERT_TRUE(mb.add_uri_path("rd").has_value());
    ASSERT_TRUE(mb.add_string(coap::opt::uri_query, "ep=node1").has_value());
    const std::string list = "</3/0>";
    ASSERT_TRUE(dev.send_request(server, reg, sirocco::as_bytes(list), b.now).has_value());
    pump();
    ASSERT_TRUE(b.regs->find_by_endpoint("node1").has_value());

    answer = "42";
    auto h =
        b.server->send("node1", srv::read_request{P(3, 0, 9), content_format::text}, 5000, b.now);
    pump();
    auto h2 = b.server->send("node1", srv::read_request{P(3, 0, 9), std::nullopt}, 5000, b.now);
    pump();
    answer = "x";
    auto h3 = b.server->send("node1", srv::read_request{P(3, 0), std::nullopt}, 5000, b.now);
    pump();
    int seen = 0;
    for (const auto& e : b.all(srv::event_kind::response)) {
        if (e.handle == h || e.handle == h2) {
            ++seen;
            ASSERT_TRUE(e.result.ok()) << e.result.error;
            EXPECT_EQ(e.result.format, content_format::text);
            ASSERT_EQ(e.result.records.size(), 1u);
            EXPECT_EQ(*e.result.records[0].value.view().as_integer(), 42);
        }
        if (e.handle == h3) {
            ++seen;
            EXPECT_EQ(e.result.fail, srv::failure::unsupported);
        }
    }
    EXPECT_EQ(seen, 3);
}
