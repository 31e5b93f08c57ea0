// Tests of bench_util.hpp: the latency histogram's buckets and percentiles,
// the load shaper's closed and open loops (with a fake transport), the JSON
// writer and the loopback address sequence.
#include "bench_util.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <set>
#include <thread>

using namespace sirocco::bench;

TEST(latency_histogram, buckets_are_contiguous_and_tight) {
    std::uint64_t prev_index = 0;
    for (std::uint64_t v = 0; v < 1'000'000; v += 7) {
        std::size_t i = latency_histogram::index(v);
        ASSERT_LT(i, latency_histogram::bucket_count);
        ASSERT_GE(i, prev_index) << v;
        ASSERT_LE(latency_histogram::lower(i), v) << v;
        if (i + 1 < latency_histogram::bucket_count) {
            ASSERT_GT(latency_histogram::lower(i + 1), v);
        }
        // Relative width below 1/64.
        if (v >= 128) {
            double width =
                static_cast<double>(latency_histogram::lower(i + 1) - latency_histogram::lower(i));
            ASSERT_LE(width / static_cast<double>(v), 1.0 / 64.0 + 1e-12) << v;
        }
        prev_index = i;
    }
    EXPECT_LT(latency_histogram::index(UINT64_MAX), latency_histogram::bucket_count);
    EXPECT_EQ(latency_histogram::index(127), 127u);
    EXPECT_EQ(latency_histogram::lower(128), 128u);
}

TEST(latency_histogram, percentiles_of_a_uniform_sample) {
    latency_histogram h;
    EXPECT_EQ(h.percentile(0.5), 0u);
    EXPECT_EQ(h.max(), 0u);
    for (std::uint64_t v = 1; v <= 100'000; ++v)
        h.record(v);
    EXPECT_EQ(h.count(), 100'000u);
    EXPECT_EQ(h.max(), 100'000u);
    EXPECT_EQ(h.min(), 1u);
    EXPECT_NEAR(static_cast<double>(h.percentile(0.5)), 50'000, 50'000 / 64.0);
    EXPECT_NEAR(static_cast<double>(h.percentile(0.99)), 99'000, 99'000 / 64.0);
    EXPECT_LE(h.percentile(1.0), h.max());
    EXPECT_NEAR(h.mean(), 50'000.5, 1e-6);
    latency_histogram g;
    g.record(5'000'000);
    h.merge(g);
    EXPECT_EQ(h.max(), 5'000'000u);
    EXPECT_EQ(h.count(), 100'001u);
}

TEST(latency_histogram, small_values_are_exact) {
    latency_histogram h;
    for (int i = 0; i < 10; ++i)
        h.record(42);
    EXPECT_EQ(h.percentile(0.5), 42u);
    EXPECT_EQ(h.percentile(0.99), 42u);
}

TEST(load_shaper, closed_loop_keeps_the_window_full) {
    load_shaper s;
    load_shaper::config c;
    c.window = 4;
    c.warmup = 0;
    c.duration = 0.2;
    c.timeout = 10;
    std::deque<std::pair<std::uint64_t, std::uint64_t>> wire;
    auto send = [&](std::uint64_t seq, std::uint64_t slot) { wire.emplace_back(seq, slot); };
    s.start(c, send);
    EXPECT_EQ(wire.size(), 4u);
    int answered = 0;
    while (!s.done(now_s())) {
        s.tick(now_s(), send);
        if (!wire.empty()) {
            auto [seq, slot] = wire.front();
            wire.pop_front();
            double t = now_s();
            s.on_reply(seq, slot, t, send);
            ++answered;
            if (!s.done(t)) {
                EXPECT_EQ(wire.size(), 4u);  // one answered, one more sent
            }
        }
    }
    EXPECT_GT(answered, 100);
    EXPECT_EQ(s.lost(), 0u);
    EXPECT_GT(s.histogram().count(), 0u);
    // A duplicate or unknown answer changes nothing.
    auto before = s.histogram().count();
    s.on_reply(1, 0, now_s(), send);
    s.on_reply(999999, 77, now_s(), send);
    EXPECT_EQ(s.histogram().count(), before);
}

TEST(load_shaper, closed_loop_replaces_timed_out_requests) {
    load_shaper s;
    load_shaper::config c;
    c.window = 2;
    c.warmup = 0;
    c.duration = 0.3;
    c.timeout = 0.05;
    std::vector<std::uint64_t> sent;
    auto send = [&](std::uint64_t seq, std::uint64_t) { sent.push_back(seq); };
    s.start(c, send);
    while (!s.done(now_s())) {
        s.tick(now_s(), send);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    // Nothing is ever answered: every 50 ms both slots time out.
    EXPECT_GE(s.lost(), 6u);
    EXPECT_EQ(s.sent(), sent.size());
    EXPECT_EQ(s.histogram().count(), 0u);
}

TEST(load_shaper, open_loop_follows_the_timetable_and_measures_from_it) {
    load_shaper s;
    load_shaper::config c;
    c.rate = 1000;
    c.warmup = 0;
    c.duration = 0.3;
    c.timeout = 1;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> sent;
    auto send = [&](std::uint64_t seq, std::uint64_t slot) { sent.emplace_back(seq, slot); };
    s.start(c, send);
    // The "server" stalls for 100 ms, then answers everything: the samples
    // must show the stall (latency from the scheduled time), not hide it.
    double stall_until = now_s() + 0.1;
    std::size_t answered = 0;
    while (!s.done(now_s())) {
        s.tick(now_s(), send);
        if (now_s() > stall_until) {
            for (; answered < sent.size(); ++answered)
                s.on_reply(sent[answered].first, sent[answered].second, now_s(), send);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    // About rate x duration sent, none lost.
    EXPECT_NEAR(static_cast<double>(sent.size()), 300, 30);
    EXPECT_EQ(s.lost(), 0u);
    EXPECT_GE(s.histogram().max(), 80'000u);  // the first request waited ~100 ms
    EXPECT_LT(s.histogram().percentile(0.5), 80'000u);
}

TEST(load_shaper, open_loop_counts_unanswered_as_lost) {
    load_shaper s;
    load_shaper::config c;
    c.rate = 2000;
    c.warmup = 0;
    c.duration = 0.3;
    c.timeout = 0.05;
    std::size_t sent = 0;
    auto send = [&](std::uint64_t, std::uint64_t) { ++sent; };
    s.start(c, send);
    while (!s.done(now_s())) {
        s.tick(now_s(), send);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    // Everything older than 50 ms at the end is lost.
    EXPECT_GT(s.lost(), sent / 2);
    EXPECT_LE(s.lost(), sent);
}

TEST(json_out, writes_nested_objects) {
    json_out j;
    latency_histogram h;
    h.record(1500);
    j.begin()
        .num("a", 1)
        .str("b", "x\"y")
        .begin("c")
        .num("d", 0.5)
        .end()
        .latency("l", h)
        .counts("e", {{"timeout", 2}})
        .boolean("f", true)
        .end();
    EXPECT_EQ(
        j.text(),
        "{\"a\":1,\"b\":\"x\\\"y\",\"c\":{\"d\":0.5},\"l\":{\"p50\":1.5,\"p90\":1.5,"
        "\"p99\":1.5,\"max\":1.5,\"mean\":1.5,\"count\":1},\"e\":{\"timeout\":2},\"f\":true}");
}

TEST(flags, parses_and_reports_errors) {
    const char* argv[] = {"x", "--rate", "10", "--name", "n", "--on", "--bad", "q"};
    flags f(8, const_cast<char**>(argv));
    EXPECT_EQ(f.number("--rate", 0, 0, 100), 10);
    EXPECT_EQ(f.text("--name", ""), "n");
    EXPECT_TRUE(f.take_switch("--on"));
    EXPECT_FALSE(f.take_switch("--off"));
    std::string err;
    EXPECT_FALSE(f.finish(err));
    EXPECT_EQ(err, "unknown argument: --bad");
    const char* argv2[] = {"x", "--rate", "1000"};
    flags g(3, const_cast<char**>(argv2));
    g.number("--rate", 0, 0, 100);
    EXPECT_FALSE(g.finish(err));
    EXPECT_NE(err.find("--rate"), std::string::npos);
}

TEST(nth_loopback, skips_network_and_broadcast_bytes) {
    std::uint32_t base = (127u << 24) | (1u << 16) | 1u;  // 127.1.0.1
    EXPECT_EQ(nth_loopback(base, 0), base);
    EXPECT_EQ(nth_loopback(base, 253), (127u << 24) | (1u << 16) | 254u);
    EXPECT_EQ(nth_loopback(base, 254), (127u << 24) | (1u << 16) | (1u << 8) | 1u);
    std::set<std::uint32_t> seen;
    for (std::uint32_t i = 0; i < 100000; ++i) {
        std::uint32_t a = nth_loopback(base, i);
        ASSERT_NE(a & 0xff, 0u);
        ASSERT_NE(a & 0xff, 255u);
        ASSERT_TRUE(seen.insert(a).second);
    }
}
