// Internal: reading and writing one SenML JSON record (RFC 8428 section 5),
// shared by SenML JSON (110) and SenML-ETCH JSON (320).
#pragma once

#include "json.hpp"
#include "senml.hpp"

namespace sirocco::codec::detail::senml_json {

/// Buffers for one record: names with escapes are unescaped into `bn`/`n`;
/// vs is unescaped and vd base64-decoded into `scratch`.
struct buffers {
    char bn[64];
    char n[64];
    mutable_bytes scratch;
};

/// Reads the members of one record after its '{' (any key order) into `e`.
/// Labels: bn, bt, n, t, v, vs, vb, vd, vlo; bver, u, bu, ut and s are
/// accepted and ignored; bv and bs (base value and base sum, which would
/// shift values) and labels ending in '_' (must-understand, RFC 8428 4.4)
/// are unsupported; a key made of digits ("3", "-2": a CBOR label
/// number written as a JSON name, the mirror of Leshan issue 1654) is
/// malformed; other labels are ignored as the RFC says. A label given
/// twice, two value fields, or a field of the wrong JSON type is malformed.
result<void> read_record(json::reader& r, senml::entry& e, buffers& b) noexcept;

/// Writes `e` as a JSON object (members in the order bn, bt, n, t, value).
result<void> write_record(byte_writer& w, const senml::entry& e) noexcept;

}  // namespace sirocco::codec::detail::senml_json
