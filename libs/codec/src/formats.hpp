// Internal: one encoder/decoder pair per content format. codec.cpp dispatches
// on the format number. Each pair lives in its own file (text.cpp, tlv.cpp,
// senml_cbor.cpp, ...), so a build selects formats by file.
#pragma once

#include "sirocco/codec/codec.hpp"

namespace sirocco::codec::detail {

#define SIROCCO_CODEC_PAIR(name)                                              \
    result<std::size_t> encode_##name(const encode_context& ctx,              \
                                      std::span<const lwm2m::record> records, \
                                      mutable_bytes out) noexcept;            \
    result<void> decode_##name(const decode_context& ctx, bytes_view in,      \
                               lwm2m::record_sink& sink) noexcept;

SIROCCO_CODEC_PAIR(text)        // 0      text.cpp
SIROCCO_CODEC_PAIR(opaque)      // 42     opaque.cpp
SIROCCO_CODEC_PAIR(cbor)        // 60     cbor_single.cpp
SIROCCO_CODEC_PAIR(senml_json)  // 110    senml_json.cpp
SIROCCO_CODEC_PAIR(senml_cbor)  // 112    senml_cbor.cpp
SIROCCO_CODEC_PAIR(tlv)         // 11542  tlv.cpp
SIROCCO_CODEC_PAIR(lwm2m_json)  // 11543  lwm2m_json.cpp
SIROCCO_CODEC_PAIR(lwm2m_cbor)  // 11544  lwm2m_cbor.cpp

#undef SIROCCO_CODEC_PAIR

result<std::size_t> encode_paths_json(std::span<const lwm2m::path> paths,
                                      mutable_bytes out) noexcept;  // 320
result<void> decode_paths_json(bytes_view in, path_sink& sink) noexcept;
result<std::size_t> encode_paths_cbor(std::span<const lwm2m::path> paths,
                                      mutable_bytes out) noexcept;  // 322
result<void> decode_paths_cbor(bytes_view in, path_sink& sink) noexcept;

}  // namespace sirocco::codec::detail
