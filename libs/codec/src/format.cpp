// The table of content formats (Core TS 1.2, 7.3, tables 7.3-1 and 7.3-2).
#include "sirocco/codec/format.hpp"

#include <array>

namespace sirocco::codec {

namespace {

// Capabilities, per Core TS 1.2 table 7.3-2 ("Content Format per operation"):
// text/opaque/CBOR carry one value; TLV and LwM2M JSON one object (an
// instance, an object, multiple-instance resources) but not unrelated paths;
// SenML and LwM2M CBOR carry any set of paths (composite, Send).
// on_device: every codec of this folder is heap-free and compiles for
// Cortex-M4, and the device build (SIROCCO_DEVICE_ONLY) takes them all; issue
// 4's minimum there is TLV, text, opaque, link format and SenML CBOR. Flash
// per format is listed in docs/perf/codec-json.md and codec-cbor.md.
constexpr std::array<format_info, 11> table{{
    {content_format::text, "text/plain", "TEXT", true, false, false, false, true},
    {content_format::link_format, "application/link-format", "LINK", false, false, false, false,
     true},
    {content_format::opaque, "application/octet-stream", "OPAQUE", true, false, false, false, true},
    {content_format::cbor, "application/cbor", "CBOR", true, false, false, false, true},
    {content_format::senml_json, "application/senml+json", "SENML_JSON", true, true, true, false,
     true},
    {content_format::senml_cbor, "application/senml+cbor", "SENML_CBOR", true, true, true, false,
     true},
    {content_format::senml_etch_json, "application/senml-etch+json", "SENML_ETCH_JSON", false,
     false, true, true, true},
    {content_format::senml_etch_cbor, "application/senml-etch+cbor", "SENML_ETCH_CBOR", false,
     false, true, true, true},
    {content_format::tlv, "application/vnd.oma.lwm2m+tlv", "TLV", true, true, false, false, true},
    {content_format::lwm2m_json, "application/vnd.oma.lwm2m+json", "JSON", true, true, false, false,
     true},
    {content_format::lwm2m_cbor, "application/vnd.oma.lwm2m+cbor", "LWM2M_CBOR", true, true, true,
     false, true},
}};

constexpr char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

bool iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

}  // namespace

std::span<const format_info> formats() noexcept {
    return table;
}

const format_info* find_format(std::uint16_t number) noexcept {
    for (const auto& f : table)
        if (static_cast<std::uint16_t>(f.format) == number) return &f;
    return nullptr;
}

const format_info* find_format(std::string_view short_name) noexcept {
    for (const auto& f : table)
        if (iequal(f.short_name, short_name)) return &f;
    // Leshan also says "LWM2M_JSON" for 11543 in some places; accept both.
    if (iequal(short_name, "LWM2M_JSON")) return find_format(11543);
    return nullptr;
}

}  // namespace sirocco::codec
