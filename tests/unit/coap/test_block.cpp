// Block1/Block2 values (RFC 7959 2.2) and BERT (RFC 8323 6).
#include <gtest/gtest.h>

#include <vector>

#include "sirocco/coap/block.hpp"
#include "sirocco/coap/options.hpp"

namespace {

using namespace sirocco;
using namespace sirocco::coap;

TEST(coap_block, sizes) {
    EXPECT_EQ(block_size(0), 16u);
    EXPECT_EQ(block_size(4), 256u);
    EXPECT_EQ(block_size(6), 1024u);
    EXPECT_EQ(block_size(7), 1024u);
    EXPECT_EQ(block_size(8), 0u);
    EXPECT_EQ(szx_at_most(1024), 6);
    EXPECT_EQ(szx_at_most(1000), 5);
    EXPECT_EQ(szx_at_most(16), 0);
    EXPECT_EQ(szx_at_most(5), 0);
}

TEST(coap_block, value_codec) {
    auto b = decode_block(0x2Eu, framing::datagram);  // NUM 2, M 1, SZX 6
    ASSERT_TRUE(b);
    EXPECT_EQ(b->num, 2u);
    EXPECT_TRUE(b->more);
    EXPECT_EQ(b->szx, 6);
    EXPECT_EQ(b->offset(), 2048u);
    EXPECT_EQ(*encode_block(*b), 0x2Eu);
    const std::uint8_t three[] = {0xff, 0xff, 0xf6};
    b = decode_block(bytes_view(three), framing::datagram);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->num, block_value::max_num);
    EXPECT_EQ(*encode_block(*b), 0xfffff6u);
    const std::uint8_t four[] = {0, 0, 0, 1};
    EXPECT_EQ(decode_block(bytes_view(four), framing::datagram).error().code, errc::malformed);
    EXPECT_EQ(decode_block(bytes_view{}, framing::datagram)->num, 0u);  // empty = 0
    EXPECT_EQ(encode_block({block_value::max_num + 1, false, 0}).error().code, errc::out_of_range);
    EXPECT_EQ(encode_block({0, false, 8}).error().code, errc::out_of_range);
}

TEST(coap_block, bert_only_on_streams) {
    EXPECT_EQ(decode_block(0x17u, framing::datagram).error().code, errc::unsupported);
    EXPECT_EQ(decode_block(0x17u, framing::compact).error().code, errc::unsupported);
    auto b = decode_block(0x17u, framing::stream);
    ASSERT_TRUE(b);
    EXPECT_TRUE(b->is_bert());
    EXPECT_EQ(b->num, 1u);
    EXPECT_EQ(b->offset(), 1024u);
}

TEST(coap_block, next_and_at) {
    auto n = next_block({4, true, 2});
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, (block_value{5, false, 2}));
    EXPECT_EQ(next_block({block_value::max_num, true, 2}).error().code, errc::out_of_range);
    // Late negotiation: a 1024-byte block 3 is 64-byte block 48.
    auto a = block_at(3 * 1024, 2);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->num, 48u);
    EXPECT_EQ(block_at(0, 7).error().code, errc::out_of_range);
    EXPECT_EQ(block_at(std::size_t{16} << 20, 0).error().code, errc::out_of_range);
}

TEST(coap_block, find_in_message) {
    message m;
    m.code = codes::get;
    std::uint8_t storage[8];
    message_builder b(m, storage);
    ASSERT_TRUE(b.add_uint(opt::block2, *encode_block({7, false, 4})));
    auto v = find_block(m, opt::block2, framing::datagram);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->num, 7u);
    EXPECT_EQ(find_block(m, opt::block1, framing::datagram).error().code, errc::not_found);
}

}  // namespace
