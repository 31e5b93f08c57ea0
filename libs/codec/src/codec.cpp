// Dispatch of encode/decode by content format (codec.hpp), and the
// 11543/11544 swap.
//
// The swap: IANA assigns 11543 to OMA LwM2M JSON and 11544 to LwM2M CBOR;
// some servers were built with the two numbers exchanged. Encoders here
// always label by IANA. Decoders look at the first byte, which tells the two
// apart without ambiguity: an LwM2M JSON payload is a JSON object, so its
// first byte is '{' or JSON white space (0x20, 0x09, 0x0A, 0x0D); an LwM2M
// CBOR payload is a CBOR map, so its first byte is 0xA0..0xBF (major type 5).
// None of the JSON bytes is a CBOR map head and none of the CBOR map heads is
// ASCII, so a payload labelled 11543 that starts with a CBOR map is decoded
// as LwM2M CBOR, and one labelled 11544 that starts like JSON is decoded as
// LwM2M JSON. Anything else is decoded as labelled (and fails there with a
// precise error). Empty payloads are decoded as labelled.
#include "formats.hpp"

namespace sirocco::codec {

namespace {

bool looks_like_json_object(bytes_view in) noexcept {
    for (auto b : in) {
        if (b == ' ' || b == '\t' || b == '\n' || b == '\r') continue;
        return b == '{';
    }
    return false;
}

bool looks_like_cbor_map(bytes_view in) noexcept {
    return !in.empty() && (in[0] & 0xE0) == 0xA0;
}

}  // namespace

result<std::size_t> encode(content_format format, const encode_context& ctx,
                           std::span<const lwm2m::record> records, mutable_bytes out) noexcept {
    switch (format) {
        case content_format::text:
            return detail::encode_text(ctx, records, out);
        case content_format::opaque:
            return detail::encode_opaque(ctx, records, out);
        case content_format::cbor:
            return detail::encode_cbor(ctx, records, out);
        case content_format::senml_json:
            return detail::encode_senml_json(ctx, records, out);
        case content_format::senml_cbor:
            return detail::encode_senml_cbor(ctx, records, out);
        case content_format::tlv:
            return detail::encode_tlv(ctx, records, out);
        case content_format::lwm2m_json:
            return detail::encode_lwm2m_json(ctx, records, out);
        case content_format::lwm2m_cbor:
            return detail::encode_lwm2m_cbor(ctx, records, out);
        case content_format::link_format:
            return unexpected(errc::unsupported,
                              "link format carries links, not records (see link_format.hpp)");
        case content_format::senml_etch_json:
        case content_format::senml_etch_cbor:
            return unexpected(errc::unsupported,
                              "SenML-ETCH carries paths, not values (encode_paths)");
    }
    return unexpected(errc::unsupported, "unknown content format");
}

result<void> decode(content_format format, const decode_context& ctx, bytes_view in,
                    lwm2m::record_sink& sink) noexcept {
    switch (format) {
        case content_format::text:
            return detail::decode_text(ctx, in, sink);
        case content_format::opaque:
            return detail::decode_opaque(ctx, in, sink);
        case content_format::cbor:
            return detail::decode_cbor(ctx, in, sink);
        case content_format::senml_json:
            return detail::decode_senml_json(ctx, in, sink);
        case content_format::senml_cbor:
            return detail::decode_senml_cbor(ctx, in, sink);
        case content_format::tlv:
            return detail::decode_tlv(ctx, in, sink);
        case content_format::lwm2m_json:
            if (looks_like_cbor_map(in)) return detail::decode_lwm2m_cbor(ctx, in, sink);
            return detail::decode_lwm2m_json(ctx, in, sink);
        case content_format::lwm2m_cbor:
            if (looks_like_json_object(in)) return detail::decode_lwm2m_json(ctx, in, sink);
            return detail::decode_lwm2m_cbor(ctx, in, sink);
        case content_format::link_format:
            return unexpected(errc::unsupported,
                              "link format carries links, not records (see link_format.hpp)");
        case content_format::senml_etch_json:
        case content_format::senml_etch_cbor:
            return unexpected(errc::unsupported,
                              "SenML-ETCH carries paths, not values (decode_paths)");
    }
    return unexpected(errc::unsupported, "unknown content format");
}

result<std::size_t> encode_paths(content_format format, std::span<const lwm2m::path> paths,
                                 mutable_bytes out) noexcept {
    switch (format) {
        case content_format::senml_etch_json:
            return detail::encode_paths_json(paths, out);
        case content_format::senml_etch_cbor:
            return detail::encode_paths_cbor(paths, out);
        default:
            return unexpected(errc::unsupported, "only SenML-ETCH (320, 322) carries path lists");
    }
}

result<void> decode_paths(content_format format, bytes_view in, path_sink& sink) noexcept {
    switch (format) {
        case content_format::senml_etch_json:
            return detail::decode_paths_json(in, sink);
        case content_format::senml_etch_cbor:
            return detail::decode_paths_cbor(in, sink);
        default:
            return unexpected(errc::unsupported, "only SenML-ETCH (320, 322) carries path lists");
    }
}

}  // namespace sirocco::codec
