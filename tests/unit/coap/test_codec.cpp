// Codec behaviour beyond the vectors: limits, errors, exhaustive short
// inputs, random round trips, the stream framer fed in pieces.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/options.hpp"

namespace {

using namespace sirocco;
using namespace sirocco::coap;
using bytes = std::vector<std::uint8_t>;

constexpr framing all_framings[] = {framing::datagram, framing::stream, framing::compact};

bool same(const message& a, const message& b, framing f) {
    if (f == framing::datagram && (a.type != b.type || a.message_id != b.message_id)) return false;
    if (a.code != b.code || !(a.token == b.token) || a.options.size() != b.options.size())
        return false;
    for (std::size_t i = 0; i < a.options.size(); ++i)
        if (a.options[i].number != b.options[i].number ||
            !equal(a.options[i].value, b.options[i].value))
            return false;
    return equal(a.payload, b.payload);
}

TEST(coap_codec, every_input_of_up_to_three_bytes_is_safe) {
    // Decode must return a value or an error for any input; a decoded message
    // re-encodes to the same bytes (the grammar has one encoding per message).
    for (std::uint32_t len = 0; len <= 3; ++len) {
        const std::uint32_t count = 1u << (8 * len);
        for (std::uint32_t x = 0; x < count; ++x) {
            std::uint8_t in[3] = {static_cast<std::uint8_t>(x), static_cast<std::uint8_t>(x >> 8),
                                  static_cast<std::uint8_t>(x >> 16)};
            for (framing f : all_framings) {
                auto r = decode(bytes_view(in, len), f);
                if (!r) continue;
                std::uint8_t out[8];
                auto n = encode(*r, f, out);
                ASSERT_TRUE(n);
                ASSERT_EQ(*n, len);
                ASSERT_TRUE(equal(bytes_view(out, *n), bytes_view(in, len)));
            }
            (void)decode_mqtt(bytes_view(in, len));
        }
    }
}

message random_message(std::mt19937& rng, bytes& pool) {
    message m;
    m.type = static_cast<msg_type>(rng() % 4);
    m.code = code{static_cast<std::uint8_t>(1 + rng() % 255)};
    m.message_id = static_cast<std::uint16_t>(rng());
    bytes tok(rng() % 9);
    for (auto& b : tok)
        b = static_cast<std::uint8_t>(rng());
    m.token = *token::from(tok);
    message_builder mb(m, {});
    const std::size_t nopts = rng() % (max_options + 1);
    std::size_t at = 0;
    for (std::size_t i = 0; i < nopts; ++i) {
        const std::size_t len = (rng() % 8 == 0) ? rng() % 700 : rng() % 20;
        if (at + len > pool.size()) break;
        const auto num = static_cast<std::uint16_t>(rng() % 4 == 0 ? rng() : rng() % 300);
        EXPECT_TRUE(mb.add(num, bytes_view(pool.data() + at, len)));
        at += len;
    }
    if (rng() % 2) m.payload = bytes_view(pool.data() + at, rng() % 300);
    return m;
}

TEST(coap_codec, random_messages_round_trip_in_every_framing) {
    std::mt19937 rng(7252);
    bytes pool(20000);
    for (auto& b : pool)
        b = static_cast<std::uint8_t>(rng());
    bytes buf(70000);
    for (int iter = 0; iter < 3000; ++iter) {
        message m = random_message(rng, pool);
        for (framing f : all_framings) {
            auto sz = encoded_size(m, f);
            ASSERT_TRUE(sz);
            auto n = encode(m, f, buf);
            ASSERT_TRUE(n);
            ASSERT_EQ(*n, *sz);
            auto d = decode(bytes_view(buf.data(), *n), f);
            ASSERT_TRUE(d) << d.error().reason;
            ASSERT_TRUE(same(m, *d, f));
            if (f == framing::stream) {
                stream_framer fr(1u << 20);
                auto st = fr.check(bytes_view(buf.data(), *n));
                ASSERT_TRUE(st && st->complete() && st->n == *n);
            }
        }
    }
}

TEST(coap_codec, max_options_is_the_limit) {
    bytes in = {0x40, 0x01, 0x00, 0x01, 0xb0};
    for (std::size_t i = 1; i < max_options; ++i)
        in.push_back(0x00);
    auto ok = decode(in, framing::datagram);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->options.size(), max_options);
    in.push_back(0x00);
    auto over = decode(in, framing::datagram);
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, errc::capacity_exceeded);
}

TEST(coap_codec, encode_rejects_unsorted_options) {
    message m;
    m.code = codes::get;
    ASSERT_TRUE(m.options.push_back(option{11, {}}));
    ASSERT_TRUE(m.options.push_back(option{3, {}}));
    bytes out(32);
    for (framing f : all_framings) {
        auto r = encode(m, f, out);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, errc::invalid_argument);
    }
}

TEST(coap_codec, encode_rejects_option_values_above_65804_bytes) {
    bytes big(65805);
    message m;
    m.code = codes::get;
    ASSERT_TRUE(m.options.push_back(option{35, big}));
    auto r = encoded_size(m, framing::datagram);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::invalid_argument);
    m.options[0].value = bytes_view(big.data(), 65804);
    auto ok = encoded_size(m, framing::datagram);
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok, 4u + 4 + 65804);  // header, option head (1 + delta 1 + length 2)
}

TEST(coap_codec, datagram_empty_message_rules) {
    // RFC 7252 4.1: 0.00 is only a 4-byte header.
    const bytes ok = {0x60, 0x00, 0x12, 0x34};
    EXPECT_TRUE(decode(ok, framing::datagram));
    const bytes opt = {0x60, 0x00, 0x12, 0x34, 0xb0};
    EXPECT_EQ(decode(opt, framing::datagram).error().code, errc::malformed);
    message e;
    e.code = codes::empty;
    e.type = msg_type::rst;
    e.token = *token::from(bytes{1});
    EXPECT_EQ(encoded_size(e, framing::datagram).error().code, errc::invalid_argument);
    e.token = {};
    EXPECT_EQ(*encoded_size(e, framing::datagram), 4u);
    // Over a stream an empty message is legal and ignored by the receiver.
    const bytes s = {0x00, 0x00};
    EXPECT_TRUE(decode(s, framing::stream));
}

TEST(coap_codec, peek_header_survives_a_malformed_body) {
    const bytes in = {0x42, 0x01, 0xab, 0xcd, 0x01, 0x02, 0xf1};
    EXPECT_FALSE(decode(in, framing::datagram));
    auto h = peek_datagram_header(in);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->type, msg_type::con);
    EXPECT_EQ(h->message_id, 0xabcd);
    EXPECT_EQ(h->token_length, 2);
    EXPECT_EQ(h->code, codes::get);
    EXPECT_EQ(peek_datagram_header(bytes{0x40, 0x01}).error().code, errc::truncated);
}

TEST(coap_codec, decode_mqtt_tells_the_form) {
    framing f = framing::stream;
    const bytes compact = {0x00, 0x45};
    ASSERT_TRUE(decode_mqtt(compact, &f));
    EXPECT_EQ(f, framing::compact);
    const bytes dgram = {0x50, 0x45, 0x00, 0x01};
    ASSERT_TRUE(decode_mqtt(dgram, &f));
    EXPECT_EQ(f, framing::datagram);
    for (int first : {0x09, 0x10, 0x3f, 0x80, 0xff}) {
        const bytes b = {static_cast<std::uint8_t>(first), 0x45, 0x00, 0x01};
        auto r = decode_mqtt(b);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, errc::malformed);
    }
    EXPECT_EQ(decode_mqtt(bytes{}).error().code, errc::truncated);
}

TEST(coap_framer, needs_bytes_for_each_header_form) {
    stream_framer fr(100000);
    using k = stream_framer::status::kind;
    auto need = [&](const bytes& b) {
        auto r = fr.check(b);
        EXPECT_TRUE(r);
        EXPECT_EQ(r->what, k::need_more);
        return r->n;
    };
    EXPECT_EQ(need({}), 1u);
    EXPECT_EQ(need({0x00}), 1u);            // Len 0: the code byte
    EXPECT_EQ(need({0x32}), 2u + 3u + 1u);  // Len 3 TKL 2: code + token + 3
    EXPECT_EQ(need({0xd0}), 1u);            // one extension byte
    EXPECT_EQ(need({0xe0, 0x00}), 1u);      // two extension bytes
    EXPECT_EQ(need({0xf0, 0x00, 0x00}), 2u);
    EXPECT_EQ(need({0xe0, 0x00, 0x00}), 1u + 269u);
    auto big = fr.check(bytes{0xf0, 0x00, 0x01, 0x00, 0x00});
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().code, errc::capacity_exceeded);
    auto tkl = fr.check(bytes{0x09});
    ASSERT_FALSE(tkl);
    EXPECT_EQ(tkl.error().code, errc::malformed);
    EXPECT_EQ(fr.max_frame_size(), 100000u);
}

TEST(coap_framer, splits_a_stream_of_frames_fed_in_random_pieces) {
    std::mt19937 rng(8323);
    bytes pool(5000);
    for (auto& b : pool)
        b = static_cast<std::uint8_t>(rng());
    // A stream of 200 frames.
    bytes stream;
    std::vector<message> sent;
    for (int i = 0; i < 200; ++i) {
        sent.push_back(random_message(rng, pool));
        bytes tmp(80000);
        auto n = encode(sent.back(), framing::stream, tmp);
        ASSERT_TRUE(n);
        stream.insert(stream.end(), tmp.begin(), tmp.begin() + static_cast<long>(*n));
    }
    stream_framer fr(1u << 20);
    bytes buffer;
    std::size_t fed = 0, got = 0;
    while (fed < stream.size() || !buffer.empty()) {
        auto st = fr.check(buffer);
        ASSERT_TRUE(st);
        if (st->complete()) {
            auto m = decode(bytes_view(buffer.data(), st->n), framing::stream);
            ASSERT_TRUE(m) << m.error().reason;
            ASSERT_LT(got, sent.size());
            ASSERT_TRUE(same(sent[got], *m, framing::stream));
            ++got;
            buffer.erase(buffer.begin(), buffer.begin() + static_cast<long>(st->n));
            continue;
        }
        ASSERT_LT(fed, stream.size());
        const std::size_t piece = std::min<std::size_t>(1 + rng() % 64, stream.size() - fed);
        buffer.insert(buffer.end(), stream.begin() + static_cast<long>(fed),
                      stream.begin() + static_cast<long>(fed + piece));
        fed += piece;
    }
    EXPECT_EQ(got, sent.size());
}

}  // namespace
