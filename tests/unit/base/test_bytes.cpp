#include "sirocco/base/bytes.hpp"

#include <gtest/gtest.h>

#include <array>

using namespace sirocco;

TEST(Bytes, ReaderBoundsChecked) {
    const std::uint8_t d[] = {0x01, 0x02, 0x03};
    byte_reader r(d);
    std::uint64_t v = 0;
    EXPECT_TRUE(r.read_be(2, v));
    EXPECT_EQ(v, 0x0102u);
    EXPECT_FALSE(r.read_be(2, v));
    EXPECT_EQ(r.remaining(), 1u);
    std::uint8_t b = 0;
    EXPECT_TRUE(r.read_u8(b));
    EXPECT_EQ(b, 3);
    EXPECT_FALSE(r.read_u8(b));
    bytes_view bv;
    EXPECT_FALSE(r.read_bytes(1, bv));
}

TEST(Bytes, WriterCountsOverflow) {
    std::array<std::uint8_t, 3> buf{};
    byte_writer w(buf);
    w.put_be(0x010203, 3);
    EXPECT_TRUE(w.ok());
    w.put_u8(4);
    EXPECT_FALSE(w.ok());
    EXPECT_EQ(w.size(), 4u);
    EXPECT_EQ(w.written().size(), 3u);
    EXPECT_EQ(buf[2], 3);
}

TEST(Bytes, MinimalLength) {
    EXPECT_EQ(minimal_be_length(0), 0u);
    EXPECT_EQ(minimal_be_length(255), 1u);
    EXPECT_EQ(minimal_be_length(256), 2u);
    EXPECT_EQ(minimal_be_length(~0ull), 8u);
}
