// Internal: the CBOR wire syntax of SenML (RFC 8428 section 6), shared by
// SenML CBOR (112) and SenML-ETCH CBOR (322). A pack is an array of maps; map
// keys are the integer labels of RFC 8428 table 6 (bn -2, bt -3, n 0, v 2,
// vs 3, vb 4, vd 8, t 6; bver -1, bu -4, bv -5, bs -6, u 1, s 5, ut 7 are
// read and ignored except bv, which is added to v) and the text label "vlo"
// (LwM2M object link, Core TS 1.1 7.4.5).
//
// Decoding accepts definite and indefinite arrays, maps and strings, any key
// order, half/single/double floats, integers and decimal fractions (tag 4,
// as Anjay sends doubles) for numbers, other tags before
// values (skipped). Rejected as malformed: a text key that spells a SenML
// label or its number ("n", "3", "-2": RFC 8428 requires the integer labels
// in CBOR; this is the payload of Leshan issue 1654), a text key ending in
// '_' (must-understand, RFC 8428 4.4), a label twice in one record, two value
// fields in one record, a field of the wrong CBOR type.
#pragma once

#include "cbor.hpp"
#include "senml.hpp"

namespace sirocco::codec::senml_cbor {

class entry_sink {
  public:
    virtual result<void> on_entry(const senml::entry& e) noexcept = 0;

  protected:
    ~entry_sink() = default;
};

/// Decodes the pack in `in` and passes each entry, in order. Entry strings
/// point into `in` or `scratch` (reused for each entry). truncated inputs are
/// reported as malformed.
result<void> read_entries(bytes_view in, mutable_bytes scratch, entry_sink& sink) noexcept;

/// Number of map pairs write_entry() writes for `e`.
std::size_t entry_pairs(const senml::entry& e) noexcept;
/// Writes `e` as a definite map, keys in the order bn, bt, n, t, value
/// (the order of the RFC 8428 and LwM2M examples). bt and t are written as
/// integers when integral, else as floats; v follows the value's type.
void write_entry(cbor::writer& w, const senml::entry& e) noexcept;

}  // namespace sirocco::codec::senml_cbor
