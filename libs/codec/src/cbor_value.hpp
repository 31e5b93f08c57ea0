// Internal: LwM2M values as CBOR data items, shared by CBOR (60) and LwM2M
// CBOR (11544). Core TS 1.1 section 7.4.3 (CBOR data type mapping, also used
// by LwM2M CBOR, Core TS 1.2 section 7.4.7):
//   String, Corelnk -> text string (major 3); Objlnk -> text "oid:iid";
//   Integer -> major 0/1; Unsigned Integer -> major 0; Float -> major 7
//   (binary32 when exact, else binary64; half accepted on input);
//   Boolean -> simple 20/21; Opaque -> byte string (major 2);
//   Time -> tag 1 (epoch seconds) + integer (as Leshan writes; an untagged
//   integer or float, and tag 1 on a float, are accepted on input).
//   A record without value (none) is written as null (LwM2M CBOR only).
#pragma once

#include "cbor.hpp"
#include "sirocco/lwm2m/model.hpp"
#include "sirocco/lwm2m/path.hpp"
#include "sirocco/lwm2m/value.hpp"

namespace sirocco::codec::cbor {

/// Converts the item `it` (already read; `tagged_time` when a tag 1 preceded
/// it) to the model type of `p` (senml::to_model_type rules). Strings point
/// into the reader's input or scratch. Null gives a none value. Errors:
/// type_mismatch (an array/map/tag/undefined item, or a type the model does
/// not accept), out_of_range, malformed (bad "oid:iid").
result<lwm2m::value> item_to_value(const item& it, bool tagged_time, const lwm2m::path& p,
                                   const lwm2m::model_provider* models) noexcept;

/// Reads one value item (tags skipped, tag 1 noted) and converts it.
result<lwm2m::value> read_value(reader& r, const lwm2m::path& p,
                                const lwm2m::model_provider* models) noexcept;

/// Writes `v` as above.
void write_value(writer& w, const lwm2m::value& v) noexcept;

}  // namespace sirocco::codec::cbor
