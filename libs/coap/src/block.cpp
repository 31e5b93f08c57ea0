// Block1/Block2 values: RFC 7959 2.2; BERT: RFC 8323 6.
#include "sirocco/coap/block.hpp"

#include "sirocco/coap/options.hpp"

namespace sirocco::coap {

result<block_value> decode_block(std::uint32_t v, framing f) noexcept {
    if (v > 0xFFFFFF) return unexpected(errc::malformed, "block option value longer than 3 bytes");
    block_value b;
    b.num = v >> 4;
    b.more = (v & 0x08) != 0;
    b.szx = static_cast<std::uint8_t>(v & 0x07);
    if (b.szx == block_value::bert_szx && f != framing::stream)
        return unexpected(errc::unsupported, "block SZX 7 is reserved (BERT only over TCP/TLS)");
    return b;
}

result<block_value> decode_block(bytes_view value, framing f) noexcept {
    if (value.size() > 3)
        return unexpected(errc::malformed, "block option value longer than 3 bytes");
    std::uint32_t v = 0;
    for (auto byte : value)
        v = (v << 8) | byte;
    return decode_block(v, f);
}

result<std::uint32_t> encode_block(block_value b) noexcept {
    if (b.num > block_value::max_num)
        return unexpected(errc::out_of_range, "block NUM above 2^20-1");
    if (b.szx > 7) return unexpected(errc::out_of_range, "block SZX above 7");
    return (b.num << 4) | (b.more ? 0x08u : 0u) | b.szx;
}

result<block_value> find_block(const message& m, std::uint16_t number, framing f) noexcept {
    const option* o = find_first(m, number);
    if (!o) return unexpected(errc::not_found, "no block option in the message");
    return decode_block(o->value, f);
}

result<block_value> next_block(block_value b) noexcept {
    if (b.num >= block_value::max_num)
        return unexpected(errc::out_of_range, "block NUM above 2^20-1");
    return block_value{b.num + 1, false, b.szx};
}

result<block_value> block_at(std::size_t offset, std::uint8_t szx) noexcept {
    if (szx > 6) return unexpected(errc::out_of_range, "block SZX must be 0-6 here");
    const std::size_t num = offset / block_size(szx);
    if (num > block_value::max_num) return unexpected(errc::out_of_range, "block NUM above 2^20-1");
    return block_value{static_cast<std::uint32_t>(num), false, szx};
}

}  // namespace sirocco::coap
