// CoRE link format (40) with LwM2M attributes.
#include <gtest/gtest.h>

#include <limits>

#include "json_test_util.hpp"
#include "sirocco/codec/link_format.hpp"

using namespace sirocco;
using namespace sirocco::test;
using namespace sirocco::codec::link;

namespace {
struct parsed_link {
    std::string target;
    std::vector<std::tuple<std::string, std::string, bool>> params;  // name, value, has_value
    bool operator==(const parsed_link&) const = default;
};

result<std::vector<parsed_link>> parse_all(std::string_view text) {
    parser p(text);
    std::vector<parsed_link> out;
    link_value lv;
    for (;;) {
        auto r = p.next(lv);
        if (!r) return unexpected(r.error());
        if (!*r) break;
        parsed_link l{std::string(lv.target), {}};
        param_parser pp(lv.params);
        param prm;
        while (*pp.next(prm))
            l.params.emplace_back(std::string(prm.name), std::string(prm.value), prm.has_value);
        out.push_back(std::move(l));
    }
    return out;
}

std::string body(const char* file) {
    return str(load_vector(file).bytes);
}
}  // namespace

TEST(LinkFormat, RegistrationListBothWays) {
    auto text = body("link/registration.link");
    auto links = parse_all(text);
    ASSERT_TRUE(links);
    ASSERT_EQ(links->size(), 7u);
    EXPECT_EQ((*links)[0], (parsed_link{"/", {{"rt", "oma.lwm2m", true}, {"ct", "110", true}}}));
    EXPECT_EQ((*links)[1], (parsed_link{"/1", {{"ver", "1.1", true}}}));
    EXPECT_EQ((*links)[2], (parsed_link{"/1/0", {}}));
    EXPECT_EQ(*target_path((*links)[6].target), P("/3303/1"));

    std::vector<std::uint8_t> buf(256);
    writer w(buf);
    w.link("/");
    w.param_quoted("rt", "oma.lwm2m");
    w.param("ct", std::uint64_t{110});
    w.link(P("/1"));
    w.param("ver", "1.1");
    w.link(P("/1/0"));
    w.link(P("/3/0"));
    w.link(P("/3303"));
    w.param("ver", "1.1");
    w.link(P("/3303/0"));
    w.link(P("/3303/1"));
    auto n = w.finish();
    ASSERT_TRUE(n);
    EXPECT_EQ(std::string(buf.begin(), buf.begin() + static_cast<long>(*n)), text);
}

TEST(LinkFormat, DiscoverAnswerBothWays) {
    auto text = body("link/discover.link");
    parser p(text);
    link_value lv;
    std::vector<std::uint8_t> buf(256);
    writer w(buf);
    int count = 0;
    while (*p.next(lv)) {
        attributes a;
        param_parser pp(lv.params);
        param prm;
        while (*pp.next(prm))
            ASSERT_TRUE(apply(a, prm, false));
        if (lv.target == "/3/0") {
            EXPECT_EQ(a.pmin.value, 10u);
            EXPECT_EQ(a.pmax.value, 60u);
        }
        if (lv.target == "/3/0/7") {
            EXPECT_EQ(a.dim.value, 2u);
            EXPECT_EQ(a.gt.value, 3.5);
            EXPECT_EQ(a.lt.value, 0.5);
            EXPECT_FALSE(a.st.is_set());
        }
        w.link(lv.target);
        w.attributes(a);
        ++count;
    }
    EXPECT_EQ(count, 6);
    auto n = w.finish();
    ASSERT_TRUE(n);
    // Our attribute order puts gt/lt before dim: same set, canonical order.
    EXPECT_EQ(std::string(buf.begin(), buf.begin() + static_cast<long>(*n)),
              "</3/0>;pmin=10;pmax=60,</3/0/0>,</3/0/1>,</3/0/6>;dim=2,</3/0/"
              "7>;gt=3.5;lt=0.5;dim=2,</3/0/9>;st=5");
}

TEST(LinkFormat, QuotedValuesWithSeparatorsAndSpaces) {
    auto links = parse_all(body("link/bootstrap_discover.link"));
    ASSERT_TRUE(links);
    ASSERT_EQ(links->size(), 5u);
    EXPECT_EQ((*links)[2],
              (parsed_link{"/0/1",
                           {{"ssid", "101", true}, {"uri", "coaps://dm.example.com,a;b", true}}}));
    // White space around separators, a parameter without value, escapes.
    links = parse_all(R"(</3/0>;pmin=10, </3/0/1> ; obs ,</3/0/7>;dim=3;x="a\"b")");
    ASSERT_TRUE(links);
    ASSERT_EQ(links->size(), 3u);
    EXPECT_EQ((*links)[1], (parsed_link{"/3/0/1", {{"obs", "", false}}}));
    EXPECT_EQ(std::get<1>((*links)[2].params[1]), "a\\\"b");
    char buf[8];
    EXPECT_EQ(*unquote("a\\\"b", buf), "a\"b");
    // Writer escapes quotes.
    std::vector<std::uint8_t> out(64);
    writer w(out);
    w.link("/0/0");
    w.param_quoted("uri", "a\"b");
    EXPECT_EQ(std::string(out.begin(), out.begin() + static_cast<long>(*w.finish())),
              R"(</0/0>;uri="a\"b")");
}

TEST(LinkFormat, Errors) {
    for (const char* s : {"/3/0", "<", "</3/0", "</3/0>;", "</3/0>;=1", "</3/0>;a=\"x",
                          "</3/0></3/1>", "</3/0>,,</3/1>", "</3/0>;a b", "</3/0>x"}) {
        SCOPED_TRACE(s);
        auto r = parse_all(s);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, errc::malformed);
    }
    EXPECT_TRUE(parse_all("")->empty());
    EXPECT_FALSE(target_path("/3/x"));
    EXPECT_EQ(*target_path("/lwm2m/3/0", "/lwm2m"), P("/3/0"));
    EXPECT_FALSE(target_path("/3/0", "/lwm2m"));
}

TEST(WriteAttributes, QueryParsing) {
    auto a = parse_query("pmin=10&gt=20.5&lt");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->pmin.state, attr_state::set);
    EXPECT_EQ(a->pmin.value, 10u);
    EXPECT_EQ(a->gt.value, 20.5);
    EXPECT_EQ(a->lt.state, attr_state::unset);
    EXPECT_EQ(a->pmax.state, attr_state::absent);
    a = parse_query("epmin=1&epmax=600&st=0.5&edge=1&con=0&hqmax=8&pmax");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->edge.value, 1);
    EXPECT_EQ(a->pmax.state, attr_state::unset);
    EXPECT_TRUE(parse_query(""));
    struct {
        const char* q;
        errc code;
    } bad[] = {{"pmin=-1", errc::out_of_range},  // parse_text refuses a negative unsigned
               {"pmin=abc", errc::malformed},      {"pmin=4294967296", errc::out_of_range},
               {"gt=x", errc::malformed},          {"edge=2", errc::out_of_range},
               {"dim=2", errc::invalid_argument},  // not writable
               {"foo=1", errc::invalid_argument},  {"pmin=", errc::malformed},
               {"pmin=1&&pmax=2", errc::malformed}};
    for (const auto& b : bad) {
        SCOPED_TRACE(b.q);
        auto r = parse_query(b.q);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, b.code) << r.error().reason;
    }
}

TEST(WriteAttributes, WriterOrderAndNumbers) {
    attributes a;
    a.lt.set(-1.25);
    a.pmin.set(5);
    a.gt.set(20.0);
    a.ssid.set(101);
    std::vector<std::uint8_t> out(64);
    writer w(out);
    w.link(P("/3303/0/5700"));
    w.attributes(a);
    EXPECT_EQ(std::string(out.begin(), out.begin() + static_cast<long>(*w.finish())),
              "</3303/0/5700>;pmin=5;gt=20;lt=-1.25;ssid=101");
    writer w2(out);
    w2.link("/");
    w2.param("gt", std::numeric_limits<double>::infinity());
    EXPECT_EQ(w2.finish().error().code, errc::out_of_range);
    std::vector<std::uint8_t> tiny(3);
    writer w3(tiny);
    w3.link(P("/3/0"));
    EXPECT_EQ(w3.finish().error().code, errc::buffer_too_small);
}
