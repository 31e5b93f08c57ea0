// LwM2M content formats (IANA CoAP Content-Formats registry numbers; Core TS
// 1.2 section 7.3) and the table of what each can carry.
//
// Note on 11543/11544: IANA assigns 11543 to application/vnd.oma.lwm2m+json
// (OMA LwM2M JSON) and 11544 to application/vnd.oma.lwm2m+cbor (LwM2M CBOR).
// Some servers swapped them; decoders here detect the swap by the first byte
// where that is unambiguous (see codec.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace sirocco::codec {

enum class content_format : std::uint16_t {
    text = 0,               ///< text/plain; charset=utf-8
    link_format = 40,       ///< application/link-format (RFC 6690)
    opaque = 42,            ///< application/octet-stream
    cbor = 60,              ///< application/cbor (single values)
    senml_json = 110,       ///< application/senml+json
    senml_cbor = 112,       ///< application/senml+cbor
    senml_etch_json = 320,  ///< application/senml-etch+json (composite paths)
    senml_etch_cbor = 322,  ///< application/senml-etch+cbor
    tlv = 11542,            ///< application/vnd.oma.lwm2m+tlv
    lwm2m_json = 11543,     ///< application/vnd.oma.lwm2m+json
    lwm2m_cbor = 11544,     ///< application/vnd.oma.lwm2m+cbor
};

/// What a format can carry (Core TS 1.2, table 7.3-1 and 7.3-2).
struct format_info {
    content_format format;
    std::string_view name;        ///< media type
    std::string_view short_name;  ///< "TLV", "SENML_JSON" (Leshan's names, used by the REST API)
    bool single_value;            ///< one resource (or resource instance) value
    bool multiple_resources;      ///< an instance, an object, multi-instance resources
    bool multiple_paths;          ///< several unrelated paths (composite, Send)
    bool paths_only;              ///< SenML-ETCH: a list of paths, no values
    bool on_device;               ///< part of the device (Cortex-M4) build
};

/// The table, sorted by format number.
std::span<const format_info> formats() noexcept;
/// Entry for a number, or nullptr when unknown.
const format_info* find_format(std::uint16_t number) noexcept;
/// Entry by short name ("TLV", "SENML_CBOR", case-insensitive), or nullptr.
const format_info* find_format(std::string_view short_name) noexcept;

}  // namespace sirocco::codec
