// What the client engine offers a fleet of engines (engine.hpp): counters
// of what it did (client_counters) and borrowed working buffers
// (work_buffers), against the scripted server of tests/unit/client.
#include "engine_harness.hpp"

namespace sirocco::client::test {
namespace {

namespace codes = coap::codes;
constexpr std::uint16_t text = 0, link = 40;

lwm2m::path P(std::string_view s) {
    return *lwm2m::path::parse(s);
}

// A harness whose engine counts into `c` and borrows `w` (when given).
struct counted {
    harness h;
    client_counters c;
    explicit counted(const work_buffers* w = nullptr) {
        h.ccfg.counters = &c;
        h.ccfg.work = w;
        h.cl.emplace(h.ccfg, h.dm);
    }
};

TEST(FleetEngineCounters, CountsRegistrationAndEachOperation) {
    counted t;
    harness& h = t.h;
    h.start();
    EXPECT_EQ(t.c.registers, 1u);
    EXPECT_EQ(t.c.registered, 1u);
    EXPECT_EQ(h.request(codes::get, "/3303/0/5700", {}, {}, text).code, codes::content);
    EXPECT_EQ(h.request(codes::get, "/3/0", {}, {}, link).code, codes::content);
    EXPECT_EQ(h.request(codes::put, "/3303/0/5750", text, "outdoor").code, codes::changed);
    EXPECT_EQ(h.request(codes::post, "/5/0/2", {}, "").code, codes::changed);
    EXPECT_EQ(h.request(codes::put, "/3303/0/5700", {}, {}, {}, {"pmax=60"}).code, codes::changed);
    EXPECT_EQ(h.request(codes::get, "/3303/0/5700", {}, {}, text, {}, 0u).code, codes::content);
    EXPECT_EQ(h.request(codes::get, "/abc").code, codes::not_found);
    EXPECT_EQ(t.c.reads, 1u);
    EXPECT_EQ(t.c.discovers, 1u);
    EXPECT_EQ(t.c.writes, 1u);
    EXPECT_EQ(t.c.executes, 1u);
    EXPECT_EQ(t.c.write_attributes, 1u);
    EXPECT_EQ(t.c.observes, 1u);
    EXPECT_EQ(t.c.other_requests, 1u);
    ASSERT_TRUE(h.temp.set_value(0, 5700, lwm2m::value::of_float(25)).has_value());
    h.cl->changed(P("/3303/0/5700"), h.now);
    h.pump();
    EXPECT_EQ(h.notifications().size(), 1u);
    EXPECT_EQ(t.c.notifications, 1u);
    // The Update comes with the lifetime (300 s: update_delay is 207 s).
    h.advance(300 * 1000);
    EXPECT_GE(t.c.updates, 1u);
    EXPECT_EQ(t.c.updated, t.c.updates);
    EXPECT_EQ(t.c.timeouts + t.c.transport_failures, 0u);
    ASSERT_TRUE(h.cl->deregister(h.now).has_value());
    h.pump();
    EXPECT_EQ(t.c.deregisters, 1u);
}

// A Read answered block-wise is one read, however many blocks it takes.
TEST(FleetEngineCounters, BlockwiseReadCountsOnce) {
    counted t;
    harness& h = t.h;
    h.start();
    coap::message m;
    m.code = codes::get;
    m.type = coap::msg_type::con;
    std::array<std::uint8_t, 32> st{};
    coap::message_builder b(m, st);
    ASSERT_TRUE(b.add_uri_path("/3/0").has_value());
    coap::request_options ro;
    ro.response_buffer = h.reassembly;
    ro.block2_size = 16;
    auto x = h.srv->send_request(harness::client_peer, m, {}, h.now, ro);
    ASSERT_TRUE(x.has_value());
    h.pump();
    ASSERT_FALSE(h.responses.empty());
    EXPECT_EQ(h.responses.back().code, codes::content);
    EXPECT_GT(h.responses.back().payload.size(), 32u);
    EXPECT_EQ(t.c.reads, 1u);
    EXPECT_GE(t.c.block2_continuations, 2u);
}

TEST(FleetEngineCounters, CountsFailuresByKind) {
    counted t;
    harness& h = t.h;
    h.answer = [](const srv_req& r) -> std::optional<coap::code> {
        if (r.path == "/rd") return codes::forbidden;
        return std::nullopt;
    };
    h.start();
    EXPECT_EQ(t.c.registers, 1u);
    EXPECT_EQ(t.c.register_failed, 1u);
    EXPECT_EQ(t.c.error_codes[3], 1u);  // 4.03
    EXPECT_EQ(t.c.registered, 0u);
    // Then nothing answers: the next attempt (after the retry timer) times out.
    h.connected = false;
    h.advance(400 * 1000);
    EXPECT_GE(t.c.registers, 2u);
    EXPECT_GE(t.c.timeouts, 1u);
    h.cl->transport_failed(101, h.now);
    EXPECT_EQ(t.c.transport_failures, 1u);
}

// The engine answers from the lent buffers when it has none of its own
// (here it has its own too: the lent ones must be the ones used).
TEST(FleetEngineWork, AnswersFromBorrowedBuffers) {
    std::array<std::uint8_t, 1024> body{};
    std::array<std::uint8_t, 2048> scratch{};
    body.fill(0xAA);
    work_buffers w{mutable_bytes(body.data(), body.size()),
                   mutable_bytes(scratch.data(), scratch.size())};
    counted t(&w);
    harness& h = t.h;
    h.start();
    auto r = h.request(codes::get, "/3303/0/5701", {}, {}, text);
    EXPECT_EQ(r.code, codes::content);
    EXPECT_EQ(r.payload, "Cel");
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(body.data()), 3), "Cel");
    // A whole object in the default format goes through the scratch too.
    auto d = h.request(codes::get, "/3/0");
    EXPECT_EQ(d.code, codes::content);
    EXPECT_FALSE(d.payload.empty());
}

TEST(FleetEngineWork, TooSmallBorrowedBodyIsAnErrorNotACrash) {
    std::array<std::uint8_t, 8> body{};
    std::array<std::uint8_t, 512> scratch{};
    work_buffers w{mutable_bytes(body.data(), body.size()),
                   mutable_bytes(scratch.data(), scratch.size())};
    counted t(&w);
    harness& h = t.h;
    h.start();
    auto r = h.request(codes::get, "/3/0");
    EXPECT_NE(r.code, codes::content);
    EXPECT_EQ(h.request(codes::get, "/3303/0/5700", {}, {}, text).code, codes::content);
}

}  // namespace
}  // namespace sirocco::client::test

namespace sirocco::client::test {
namespace {

std::size_t registers(const harness& h) {
    std::size_t n = 0;
    for (const auto& r : h.requests)
        if (r.code == coap::codes::post && r.path == "/rd") ++n;
    return n;
}

// A registered, quiescent engine is destroyed and a new one resumes from its
// snapshot: no new Register, requests answered, the Update at the same time
// to the same location.
TEST(FleetEngineResume, ANewEngineGoesOnFromASnapshot) {
    harness h;
    h.start();
    ASSERT_EQ(h.cl->state(101), registration_state::registered);
    EXPECT_TRUE(h.cl->quiescent(h.now));
    auto snap = h.cl->snapshot(101);
    ASSERT_TRUE(snap.has_value());
    EXPECT_EQ(std::string(snap->loc.data(), snap->loc_len), "/rd/5a3f");
    EXPECT_EQ(snap->sent_lifetime, 300u);
    EXPECT_EQ(snap->peer, harness::server_peer);
    EXPECT_EQ(snap->update_due, h.now + h.cl->update_delay(300));
    ASSERT_TRUE(snap->next_message_id.has_value());
    EXPECT_EQ(*snap->next_message_id, *h.cl->coap_engine().next_message_id(harness::server_peer));
    EXPECT_FALSE(h.cl->snapshot(7).has_value());

    h.advance(5000);
    h.cl.reset();
    h.cl.emplace(h.ccfg, h.dm);
    ASSERT_TRUE(h.cl->resume(std::span<const registration_snapshot>(&*snap, 1), h.now));
    h.pump();
    EXPECT_EQ(h.cl->state(101), registration_state::registered);
    EXPECT_EQ(registers(h), 1u);
    EXPECT_EQ(h.request(coap::codes::get, "/3303/0/5700", {}, {}, 0).code, coap::codes::content);
    // A request answered: its duplicate-detection entry lives on.
    EXPECT_FALSE(h.cl->quiescent(h.now));
    // The Update carries the next message id of the old engine's sequence.
    const std::size_t sent_before = h.c2s.size();
    h.run_until(snap->update_due + 100);
    ASSERT_GT(h.c2s.size(), sent_before);
    const auto& up = h.c2s[sent_before];
    EXPECT_EQ(static_cast<std::uint16_t>((up[2] << 8) | up[3]), *snap->next_message_id);
    auto ups = h.request_times(coap::codes::post, "/rd/5a3f");
    ASSERT_EQ(ups.size(), 1u);
    EXPECT_EQ(ups[0], snap->update_due);
    EXPECT_EQ(registers(h), 1u);
    // Quiescent again once the Read's duplicate-detection entry expired.
    h.advance(250 * 1000);
    EXPECT_TRUE(h.cl->quiescent(h.now));
}

TEST(FleetEngineResume, NotQuiescentWhileObservedOrBusy) {
    harness h;
    EXPECT_FALSE(h.cl->quiescent(h.now));  // not started
    h.start();
    EXPECT_TRUE(h.cl->quiescent(h.now));
    EXPECT_EQ(h.request(coap::codes::get, "/3303/0/5700", {}, {}, 0, {}, 0u).code,
              coap::codes::content);
    EXPECT_EQ(h.cl->observation_count(), 1u);
    h.advance(300 * 1000);  // well past EXCHANGE_LIFETIME
    EXPECT_FALSE(h.cl->quiescent(h.now));
    // Registering (no answer yet) is not quiescent either.
    harness g;
    g.connected = false;
    g.start();
    EXPECT_EQ(g.cl->state(101), registration_state::registering);
    EXPECT_FALSE(g.cl->quiescent(g.now));
    EXPECT_FALSE(g.cl->snapshot(101).has_value());
}

TEST(FleetEngineResume, AccountsWithoutSnapshotRegisterAndErrors) {
    harness h;
    h.cl.emplace(h.ccfg, h.dm);
    ASSERT_TRUE(h.cl->resume({}, h.now));
    h.pump();
    EXPECT_EQ(h.cl->state(101), registration_state::registered);
    EXPECT_EQ(registers(h), 1u);
    auto r = h.cl->resume({}, h.now);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::not_allowed);
    harness g;
    registration_snapshot bogus;
    bogus.server = 7;
    bogus.loc_len = 3;
    auto e = g.cl->resume(std::span<const registration_snapshot>(&bogus, 1), g.now);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, errc::not_found);
}

}  // namespace
}  // namespace sirocco::client::test
