// Option table, receiver checks (RFC 7252 5.4), read helpers and the builder.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/options.hpp"

namespace {

using namespace sirocco;
using namespace sirocco::coap;
using bytes = std::vector<std::uint8_t>;

TEST(coap_options, table_matches_rfc7252_properties) {
    // RFC 7252 5.10: C = critical, U = unsafe, N = no-cache-key.
    EXPECT_TRUE(is_critical(opt::uri_host) && is_unsafe(opt::uri_host));
    EXPECT_TRUE(is_critical(opt::if_match) && !is_unsafe(opt::if_match));
    EXPECT_FALSE(is_critical(opt::etag));
    EXPECT_TRUE(is_no_cache_key(opt::size1));
    EXPECT_TRUE(is_no_cache_key(opt::size2));  // 28 = 0b11100 (RFC 7959 4)
    EXPECT_FALSE(is_no_cache_key(opt::uri_path));
    EXPECT_FALSE(is_critical(opt::observe));
    EXPECT_TRUE(is_critical(opt::block1) && is_critical(opt::block2));
    const option_def* d = find_option_def(opt::uri_path);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->name, "Uri-Path");
    EXPECT_EQ(d->format, option_format::string);
    EXPECT_TRUE(d->repeatable);
    EXPECT_EQ(d->max_length, 255);
    d = find_option_def(opt::proxy_uri);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->min_length, 1);
    EXPECT_EQ(d->max_length, 1034);
    d = find_option_def(opt::no_response);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->format, option_format::uint);
    EXPECT_EQ(find_option_def(9), nullptr);
}

TEST(coap_options, signal_options_depend_on_the_code) {
    EXPECT_EQ(find_option_def(2, codes::csm)->name, "Max-Message-Size");
    EXPECT_EQ(find_option_def(4, codes::csm)->name, "Block-Wise-Transfer");
    EXPECT_EQ(find_option_def(2, codes::ping)->name, "Custody");
    EXPECT_EQ(find_option_def(2, codes::pong)->name, "Custody");
    EXPECT_EQ(find_option_def(2, codes::release)->name, "Alternative-Address");
    EXPECT_EQ(find_option_def(4, codes::release)->name, "Hold-Off");
    EXPECT_EQ(find_option_def(2, codes::abort)->name, "Bad-CSM-Option");
    EXPECT_EQ(find_option_def(4, codes::ping), nullptr);
    EXPECT_EQ(find_option_def(opt::uri_path, codes::csm), nullptr);
    EXPECT_EQ(find_option_def(2, codes::get), nullptr);
}

message with(code c, std::initializer_list<option> opts) {
    message m;
    m.code = c;
    for (const auto& o : opts)
        EXPECT_TRUE(m.options.push_back(o));
    return m;
}

const std::uint8_t one[] = {1};
const std::uint8_t three[] = {1, 2, 3};

TEST(coap_options, verdicts_per_message_kind) {
    // Unknown critical: request -> 4.02, response -> reject, signal -> abort.
    EXPECT_EQ(check_options(with(codes::get, {{9, {}}})).what, option_verdict::action::bad_option);
    EXPECT_EQ(check_options(with(codes::content, {{9, {}}})).what, option_verdict::action::reject);
    EXPECT_EQ(check_options(with(codes::empty, {{9, {}}})).what, option_verdict::action::reject);
    EXPECT_EQ(check_options(with(codes::ping, {{3, {}}})).what, option_verdict::action::abort);
    // A NON request over UDP is rejected instead (RFC 7252 5.4.1); over a
    // stream there are no types, so 4.02.
    auto non = with(codes::get, {{9, {}}});
    non.type = msg_type::non;
    EXPECT_EQ(check_options(non, framing::datagram).what, option_verdict::action::reject);
    EXPECT_EQ(check_options(non, framing::stream).what, option_verdict::action::bad_option);
    non.type = msg_type::con;
    EXPECT_EQ(check_options(non, framing::datagram).what, option_verdict::action::bad_option);
    // Unknown elective: ignored everywhere.
    EXPECT_TRUE(check_options(with(codes::get, {{2048, one}})).ok());
    EXPECT_TRUE(check_options(with(codes::csm, {{6, one}})).ok());
    // Elective Content-Format with a bad length: ignored, and the helper skips it.
    auto m = with(codes::post, {{opt::content_format, three}});
    EXPECT_TRUE(check_options(m).ok());
    EXPECT_FALSE(content_format(m).has_value());
    EXPECT_FALSE(option_recognised(m, 0));
    // Critical If-None-Match with a value: length out of range -> 4.02.
    auto v = check_options(with(codes::put, {{opt::if_none_match, one}}));
    EXPECT_EQ(v.what, option_verdict::action::bad_option);
    EXPECT_EQ(v.number, opt::if_none_match);
    EXPECT_EQ(v.response_code(), codes::bad_option);
    // Repeated critical non-repeatable Accept: the second one is unrecognised.
    m = with(codes::get, {{opt::accept, one}, {opt::accept, one}});
    v = check_options(m);
    EXPECT_EQ(v.what, option_verdict::action::bad_option);
    EXPECT_EQ(v.number, opt::accept);
    EXPECT_TRUE(option_recognised(m, 0));
    EXPECT_FALSE(option_recognised(m, 1));
    // Repeated elective non-repeatable Content-Format: ignored; the first counts.
    const std::uint8_t f112[] = {112};
    m = with(codes::post, {{opt::content_format, f112}, {opt::content_format, one}});
    EXPECT_TRUE(check_options(m).ok());
    EXPECT_EQ(content_format(m), 112u);
    // Repeatable ones may repeat.
    EXPECT_TRUE(check_options(with(codes::get, {{opt::uri_path, one}, {opt::uri_path, one}})).ok());
    // CSM Max-Message-Size of 5 bytes: elective, ignored.
    const std::uint8_t five[] = {1, 2, 3, 4, 5};
    EXPECT_TRUE(check_options(with(codes::csm, {{2, five}})).ok());
}

TEST(coap_options, read_helpers) {
    const std::uint8_t obs[] = {0x01, 0x02, 0x03};
    const std::uint8_t cf[] = {112};
    message m = with(codes::content, {{opt::observe, obs},
                                      {opt::location_path, as_bytes("rd")},
                                      {opt::location_path, as_bytes("5a")},
                                      {opt::uri_path, as_bytes("a")},
                                      {opt::content_format, cf},
                                      {opt::uri_query, as_bytes("x=1")},
                                      {opt::accept, {}}});
    EXPECT_EQ(observe(m), 0x010203u);
    EXPECT_EQ(content_format(m), 112u);
    EXPECT_EQ(accept(m), 0u);
    EXPECT_EQ(uint_option(m, opt::max_age), std::nullopt);
    std::vector<std::string> loc;
    for (const auto& o : location_path(m))
        loc.emplace_back(o.as_string());
    EXPECT_EQ(loc, (std::vector<std::string>{"rd", "5a"}));
    EXPECT_EQ(uri_path(m).count(), 1u);
    EXPECT_EQ(uri_query(m).count(), 1u);
    EXPECT_EQ(find_all(m, opt::etag).count(), 0u);
    EXPECT_EQ(find_first(m, opt::uri_query)->as_string(), "x=1");
    EXPECT_EQ(find_first(m, opt::etag), nullptr);
}

TEST(coap_options, uint_encoding_is_minimal) {
    std::uint8_t buf[4];
    std::span<std::uint8_t, 4> s{buf};
    EXPECT_EQ(encode_uint(0, s).size(), 0u);
    EXPECT_EQ(encode_uint(1, s).size(), 1u);
    EXPECT_EQ(encode_uint(255, s).size(), 1u);
    EXPECT_EQ(encode_uint(256, s).size(), 2u);
    auto v = encode_uint(0x01020304, s);
    ASSERT_EQ(v.size(), 4u);
    EXPECT_EQ(v[0], 1);
    EXPECT_EQ(v[3], 4);
    EXPECT_EQ((option{1, encode_uint(70000, s)}.as_uint()), 70000u);
}

TEST(coap_options, builder_orders_and_keeps_repeats_stable) {
    message m;
    m.code = codes::post;
    std::uint8_t storage[8];
    message_builder b(m, storage);
    ASSERT_TRUE(b.add_string(opt::uri_query, "q1"));
    ASSERT_TRUE(b.add_uint(opt::content_format, 40));
    ASSERT_TRUE(b.add_uri_path("/rd/abc"));
    ASSERT_TRUE(b.add_string(opt::uri_query, "q2"));
    ASSERT_TRUE(b.add_empty(opt::if_none_match));
    ASSERT_TRUE(b.add_uint(opt::observe, 0));
    std::vector<std::pair<int, std::string>> got;
    for (const auto& o : m.options)
        got.emplace_back(o.number, std::string(o.as_string()));
    const std::vector<std::pair<int, std::string>> want = {
        {5, ""}, {6, ""}, {11, "rd"}, {11, "abc"}, {12, "\x28"}, {15, "q1"}, {15, "q2"}};
    EXPECT_EQ(got, want);
    EXPECT_EQ(b.storage_used(), 1u);
    EXPECT_EQ(b.remove(opt::uri_query), 2u);
    EXPECT_EQ(m.options.size(), 5u);
    // Storage runs out.
    ASSERT_TRUE(b.add_uint(opt::size1, 0x01020304));
    auto full = b.add_uint(opt::size2, 0x01020304);
    ASSERT_FALSE(full);
    EXPECT_EQ(full.error().code, errc::buffer_too_small);
    // Option count runs out.
    while (!m.options.full())
        ASSERT_TRUE(b.add_empty(opt::if_none_match));
    auto cap = b.add_empty(opt::uri_path);
    ASSERT_FALSE(cap);
    EXPECT_EQ(cap.error().code, errc::capacity_exceeded);
}

TEST(coap_options, builder_result_encodes_like_the_rfc_example) {
    // RFC 7252 appendix A style: CON GET /temperature, token 0x71, mid 0x7d34.
    message m;
    m.code = codes::get;
    m.message_id = 0x7d34;
    m.token = *token::from(bytes{0x71});
    message_builder b(m, {});
    ASSERT_TRUE(b.add_uri_path("temperature"));
    bytes out(32);
    auto n = encode(m, framing::datagram, out);
    ASSERT_TRUE(n);
    out.resize(*n);
    const bytes want = {0x41, 0x01, 0x7d, 0x34, 0x71, 0xbb, 't', 'e', 'm',
                        'p',  'e',  'r',  'a',  't',  'u',  'r', 'e'};
    EXPECT_EQ(out, want);
}

}  // namespace
