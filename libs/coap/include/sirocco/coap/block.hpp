// Block1 / Block2 option values (RFC 7959 section 2.2) and BERT (RFC 8323
// section 6). Pure value codecs and arithmetic used by the block-wise logic of
// the exchange layer; no state, nothing allocates.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sirocco/base/result.hpp"
#include "sirocco/coap/message.hpp"

namespace sirocco::coap {

/// One Block1/Block2 value: NUM (20 bits), M, SZX.
struct block_value {
    static constexpr std::uint32_t max_num = (1u << 20) - 1;
    static constexpr std::uint8_t bert_szx = 7;

    std::uint32_t num = 0;
    bool more = false;
    std::uint8_t szx = 6;  ///< 0..6: 16..1024 bytes; 7: BERT (stream only)

    constexpr bool is_bert() const noexcept { return szx == bert_szx; }
    /// Block size in bytes: 2^(SZX+4); BERT counts in units of 1024.
    constexpr std::size_t size() const noexcept {
        return szx >= 6 ? 1024u : (std::size_t{16} << szx);
    }
    /// Byte offset of this block: NUM * size (RFC 7959 2.2; RFC 8323 6 for BERT).
    constexpr std::size_t offset() const noexcept { return std::size_t{num} * size(); }
    friend constexpr bool operator==(const block_value&, const block_value&) noexcept = default;
};

/// Block size for an SZX 0..6 (16..1024), 1024 for 7 (BERT unit), 0 above.
constexpr std::size_t block_size(std::uint8_t szx) noexcept {
    return szx > 7 ? 0 : (szx >= 6 ? 1024u : (std::size_t{16} << szx));
}

/// Largest SZX 0..6 whose size is <= `bytes` (0 when bytes < 32).
constexpr std::uint8_t szx_at_most(std::size_t bytes) noexcept {
    std::uint8_t s = 6;
    while (s > 0 && block_size(s) > bytes)
        --s;
    return s;
}

/// Decodes an option value (0..3 bytes, RFC 7959 2.2). SZX 7 is accepted only
/// when `f` is framing::stream (BERT, RFC 8323 6), else it is reserved.
/// Errors: malformed (longer than 3 bytes), unsupported (SZX 7 outside stream).
result<block_value> decode_block(bytes_view value, framing f) noexcept;
/// Same, from the option's unsigned value.
result<block_value> decode_block(std::uint32_t uint_value, framing f) noexcept;

/// The unsigned value of the option (encode it minimally, e.g. with the
/// message builder's add_uint). Errors: out_of_range (NUM > 2^20-1, SZX > 7).
result<std::uint32_t> encode_block(block_value b) noexcept;

/// Finds the first Block1 or Block2 (`number`) option of `m` and decodes it.
/// Errors: not_found (no such option), and decode_block's errors.
result<block_value> find_block(const message& m, std::uint16_t number, framing f) noexcept;

/// The block that follows `b` with the same size (M cleared).
/// Errors: out_of_range (NUM would exceed 2^20-1).
result<block_value> next_block(block_value b) noexcept;

/// The block of size `szx` that contains byte `offset`: used when a peer asks
/// for a smaller size (RFC 7959 2.5 late negotiation). SZX 7 is not accepted.
/// Errors: out_of_range (NUM too large or szx > 6).
result<block_value> block_at(std::size_t offset, std::uint8_t szx) noexcept;

}  // namespace sirocco::coap
