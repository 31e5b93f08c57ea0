// Observation set: notification timing under pmin, pmax, gt, lt, st, epmin
// and epmax with a fake clock (milliseconds), exact times (Core TS 1.2, 5.1.2).
#include "sirocco/client/observe.hpp"

#include "dm_test_support.hpp"

namespace dm_test {
namespace {

struct observe_fx : dm_fixture {
    kv_object server{server_def};
    observation_set set;
    const path res1 = P("/9000/0/1");

    void SetUp() override {
        dm_fixture::SetUp();
        server.insts = {0};
        server.set(0, 0, value::of_integer(1));
        server.absent = {{0, 2}, {0, 3}};
        ASSERT_TRUE(dm.add(server));
    }
    void attrs(std::string_view p, std::string_view q) {
        ASSERT_EQ(dm.write_attributes(srv, P(p), q).code, status::changed) << q;
    }
    void observe(const path& p, std::uint32_t h, observe_time now) {
        ASSERT_TRUE(set.add(1, std::span<const path>(&p, 1), 112, h, now,
                            observation_set::numeric_value(dm, p)));
    }
    void value_is(std::int64_t v) { obj.set(0, 1, value::of_integer(v)); }
    // Sets the value and reports the change, as the engine does.
    void change(std::int64_t v, observe_time now) {
        value_is(v);
        set.changed(res1, now);
    }
    std::optional<std::uint32_t> due(observe_time now) { return set.poll_due(dm, now); }
    // The first time in [from, to] (1 ms steps) at which handle `h` is due.
    std::optional<observe_time> first_due(observe_time from, observe_time to) {
        for (observe_time t = from; t <= to; ++t)
            if (due(t)) return t;
        return std::nullopt;
    }
};

TEST_F(observe_fx, nothing_due_without_attributes_or_changes) {
    observe(res1, 7, 0);
    EXPECT_EQ(set.next_deadline(dm), std::nullopt);
    EXPECT_EQ(due(1'000'000), std::nullopt);
    // Without pmin a reported change is due at once.
    change(6, 500);
    EXPECT_EQ(set.next_deadline(dm), observe_time{0});
    EXPECT_EQ(due(500), 7u);
    // Stays due until notified.
    EXPECT_EQ(due(501), 7u);
    set.notified(7, 502);
    EXPECT_EQ(set.find(7)->last_value, 6.0);
    EXPECT_EQ(due(503), std::nullopt);
}

TEST_F(observe_fx, pmax_notifies_without_change) {
    attrs("/9000/0/1", "pmax=10");
    observe(res1, 1, 0);
    EXPECT_EQ(set.next_deadline(dm), observe_time{10'000});
    EXPECT_EQ(first_due(0, 10'000), observe_time{10'000});
    set.notified(1, 10'000);
    EXPECT_EQ(set.next_deadline(dm), observe_time{20'000});
    EXPECT_EQ(due(19'999), std::nullopt);
    EXPECT_EQ(due(20'000), 1u);
}

TEST_F(observe_fx, pmin_holds_changes) {
    attrs("/9000/0/1", "pmin=5&pmax=60");
    observe(res1, 1, 0);
    change(6, 1'000);
    EXPECT_EQ(set.next_deadline(dm), observe_time{5'000});
    EXPECT_EQ(first_due(1'000, 6'000), observe_time{5'000});
    set.notified(1, 5'000);
    // A change after pmin has passed is due at once.
    change(7, 12'000);
    EXPECT_EQ(due(12'000), 1u);
    set.notified(1, 12'000);
    // pmax counts from the last notification.
    EXPECT_EQ(set.next_deadline(dm), observe_time{72'000});
    EXPECT_EQ(first_due(71'990, 72'010), observe_time{72'000});
}

TEST_F(observe_fx, server_object_defaults_and_pmax_below_pmin_ignored) {
    server.absent.clear();
    server.set(0, 2, value::of_integer(3));
    server.set(0, 3, value::of_integer(8));
    observe(res1, 1, 0);
    EXPECT_EQ(set.next_deadline(dm), observe_time{8'000});
    change(6, 100);
    EXPECT_EQ(set.next_deadline(dm), observe_time{3'000});
    EXPECT_EQ(first_due(0, 9'000), observe_time{3'000});
    set.notified(1, 3'000);
    // Defaults pmin 20 > pmax 8: pmax is ignored.
    server.set(0, 2, value::of_integer(20));
    EXPECT_EQ(set.next_deadline(dm), std::nullopt);
    EXPECT_EQ(due(100'000), std::nullopt);
}

TEST_F(observe_fx, greater_than_crossing) {
    value_is(40);
    attrs("/9000/0/1", "gt=50");
    observe(res1, 1, 0);
    change(45, 1'000);  // below, no crossing
    EXPECT_EQ(due(1'000), std::nullopt);
    EXPECT_FALSE(set.find(1)->pending);
    change(55, 2'000);  // crosses upwards
    EXPECT_EQ(due(2'000), 1u);
    set.notified(1, 2'000);
    EXPECT_EQ(set.find(1)->last_value, 55.0);
    change(60, 3'000);  // stays above
    EXPECT_EQ(due(3'000), std::nullopt);
    change(50, 4'000);  // crosses downwards (50 is not above 50)
    EXPECT_EQ(due(4'000), 1u);
    set.notified(1, 4'000);
}

TEST_F(observe_fx, less_than_crossing) {
    value_is(40);
    attrs("/9000/0/1", "lt=30");
    observe(res1, 1, 0);
    change(31, 1'000);
    EXPECT_EQ(due(1'000), std::nullopt);
    change(29, 2'000);
    EXPECT_EQ(due(2'000), 1u);
    set.notified(1, 2'000);
    change(10, 3'000);
    EXPECT_EQ(due(3'000), std::nullopt);
    change(30, 4'000);  // back to 30: no longer below
    EXPECT_EQ(due(4'000), 1u);
}

TEST_F(observe_fx, step) {
    value_is(40);
    attrs("/9000/0/1", "st=5");
    observe(res1, 1, 0);
    change(44, 1'000);
    EXPECT_EQ(due(1'000), std::nullopt);
    change(45, 2'000);  // |45 - 40| >= 5
    EXPECT_EQ(due(2'000), 1u);
    set.notified(1, 2'000);
    change(41, 3'000);  // 4 from 45
    EXPECT_EQ(due(3'000), std::nullopt);
    change(39, 4'000);  // 6 from 45 (not from 41: the reference is the last notified value)
    EXPECT_EQ(due(4'000), 1u);
}

TEST_F(observe_fx, thresholds_are_evaluated_at_pmin_with_the_value_then) {
    value_is(40);
    attrs("/9000/0/1", "pmin=10&gt=50");
    observe(res1, 1, 0);
    change(55, 1'000);  // crosses, but pmin holds it
    EXPECT_EQ(due(9'999), std::nullopt);
    change(45, 5'000);                     // back below before pmin
    EXPECT_EQ(due(10'000), std::nullopt);  // no crossing with respect to 40
    change(60, 11'000);
    EXPECT_EQ(due(11'000), 1u);
}

TEST_F(observe_fx, pmax_overrides_conditions) {
    value_is(40);
    attrs("/9000/0/1", "pmax=30&st=100");
    observe(res1, 1, 0);
    change(41, 1'000);
    EXPECT_EQ(due(1'000), std::nullopt);
    EXPECT_EQ(first_due(29'990, 30'010), observe_time{30'000});
    set.notified(1, 30'000);
    EXPECT_EQ(set.find(1)->last_value, 41.0);  // sampled at pmax
}

TEST_F(observe_fx, epmax_samples_the_value) {
    value_is(40);
    attrs("/9000/0/1", "epmax=10");
    observe(res1, 1, 0);
    EXPECT_EQ(set.next_deadline(dm), observe_time{10'000});
    value_is(41);  // changes without a report
    EXPECT_EQ(due(9'999), std::nullopt);
    EXPECT_EQ(due(10'000), 1u);
    set.notified(1, 10'000);
    // Unchanged at the next sample: no notification, next sample 10 s later.
    EXPECT_EQ(due(20'000), std::nullopt);
    EXPECT_EQ(set.next_deadline(dm), observe_time{30'000});
    value_is(42);
    EXPECT_EQ(due(29'999), std::nullopt);
    EXPECT_EQ(due(30'000), 1u);
}

TEST_F(observe_fx, epmin_delays_evaluation) {
    value_is(40);
    attrs("/9000/0/1", "epmin=4&epmax=100");
    observe(res1, 1, 0);
    change(41, 1'000);
    EXPECT_EQ(set.next_deadline(dm), observe_time{4'000});
    EXPECT_EQ(first_due(1'000, 5'000), observe_time{4'000});
    set.notified(1, 4'000);
    change(42, 5'000);
    EXPECT_EQ(first_due(5'000, 9'000), observe_time{8'000});
}

TEST_F(observe_fx, edge_on_a_boolean) {
    const path b = P("/9000/0/3");
    obj.set(0, 3, value::of_boolean(false));
    ASSERT_EQ(dm.write_attributes(srv, P("/9000/0/1"), "edge=1").code, status::bad_request);
    attrs("/9000/0/3", "edge=1");
    observe(b, 1, 0);
    EXPECT_EQ(set.find(1)->last_value, 0.0);
    obj.set(0, 3, value::of_boolean(true));
    set.changed(b, 1'000);
    EXPECT_EQ(due(1'000), 1u);  // rising edge
    set.notified(1, 1'000);
    obj.set(0, 3, value::of_boolean(false));
    set.changed(b, 2'000);
    EXPECT_EQ(due(2'000), std::nullopt);  // falling edge: not asked for
    obj.set(0, 3, value::of_boolean(true));
    set.changed(b, 3'000);
    EXPECT_EQ(due(3'000), 1u);
}

TEST_F(observe_fx, instance_and_composite_observations) {
    const path inst = P("/9000/0");
    ASSERT_TRUE(set.add(1, std::span<const path>(&inst, 1), 112, 1, 0));
    const path two[] = {P("/9000/0/2"), P("/9000/0/3")};
    ASSERT_TRUE(set.add(1, two, 112, 2, 0));
    const path other = P("/9000/0/0");
    ASSERT_TRUE(set.add(2, std::span<const path>(&other, 1), 112, 3, 0));
    set.changed(P("/9000/0/3"), 100);
    EXPECT_TRUE(set.find(1)->pending);
    EXPECT_TRUE(set.find(2)->pending);
    EXPECT_FALSE(set.find(3)->pending);
    set.changed(P("/9000"), 100);  // the object: overlaps everything under it
    EXPECT_TRUE(set.find(3)->pending);
    EXPECT_EQ(due(100), 1u);
    set.notified(1, 100);
    EXPECT_EQ(due(100), 2u);
    set.notified(2, 100);
    EXPECT_EQ(due(100), 3u);
    set.notified(3, 100);
    EXPECT_EQ(due(100), std::nullopt);
}

TEST_F(observe_fx, add_remove_and_limits) {
    for (std::uint32_t h = 0; h < observation_set::capacity; ++h)
        ASSERT_TRUE(
            set.add(static_cast<ssid>(h % 2 + 1), std::span<const path>(&res1, 1), 0, h, 0));
    EXPECT_EQ(set.add(1, std::span<const path>(&res1, 1), 0, 99, 0).error().code,
              errc::capacity_exceeded);
    // Same handle again: replaced, not added.
    EXPECT_TRUE(set.add(1, std::span<const path>(&res1, 1), 60, 0, 5));
    EXPECT_EQ(set.size(), observation_set::capacity);
    EXPECT_EQ(set.find(0)->format, 60);
    EXPECT_TRUE(set.remove(3));
    EXPECT_FALSE(set.remove(3));
    EXPECT_EQ(set.remove_server(2), observation_set::capacity / 2 - 1);
    for (const auto& o : set.all())
        EXPECT_EQ(o.server, 1);
    path many[observation_set::max_paths + 1];
    EXPECT_EQ(set.add(1, many, 0, 50, 0).error().code, errc::capacity_exceeded);
    EXPECT_EQ(set.add(1, std::span<const path>(), 0, 50, 0).error().code, errc::invalid_argument);
    set.notified(12345, 0);  // unknown handle: ignored
}

TEST_F(observe_fx, numeric_value_only_for_single_numeric_resources) {
    EXPECT_EQ(observation_set::numeric_value(dm, P("/9000/0/1")), 5.0);
    EXPECT_EQ(observation_set::numeric_value(dm, P("/9000/0/2")), 1.5);
    EXPECT_EQ(observation_set::numeric_value(dm, P("/9000/0/3")), 1.0);  // Boolean
    EXPECT_EQ(observation_set::numeric_value(dm, P("/9000/0/0")), std::nullopt);
    EXPECT_EQ(observation_set::numeric_value(dm, P("/9000/0")), std::nullopt);
    EXPECT_EQ(observation_set::numeric_value(dm, P("/9000/0/5")), std::nullopt);
    EXPECT_EQ(observation_set::numeric_value(dm, P("/9000/9/1")), std::nullopt);
    EXPECT_EQ(observation_set::numeric_value(dm, P("/77/0/1")), std::nullopt);
}

}  // namespace
}  // namespace dm_test
