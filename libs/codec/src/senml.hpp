// Internal: SenML logic shared by SenML JSON (110), SenML CBOR (112) and the
// SenML-ETCH formats (320, 322). RFC 8428 (SenML), RFC 8790 (FETCH/iPATCH
// "ETCH"), LwM2M Core TS 1.1/1.2 sections 7.4.5 (SenML JSON) and 7.4.6
// (SenML CBOR).
//
// The wire syntax (JSON text, CBOR items) belongs to each format; this file
// works on a format-neutral `entry` (one SenML record as it appears on the
// wire, before base values are applied):
//
//   decoding:  wire -> entry -> resolver::resolve() -> lwm2m::record
//   encoding:  lwm2m::record -> grouper::next() -> entry -> wire
//
// Device-side: no heap, no exceptions; every buffer is a fixed member.
//
// Decisions (and why):
// - Names: name = bn + n (RFC 8428 4.5.1, plain string concatenation), so a
//   path may be split between bn and n anywhere ("/3/0/" + "1", "/3/" + "0/1",
//   "/3/0/1" + "", "" + "/3/0/1", even "/3/0/1" + "0" = /3/0/10). The
//   concatenation must parse as an LwM2M path. A name that does not start
//   with '/' (or an empty one) is relative to decode_context::base: some
//   peers write [{"v":5}] for a Write on /1/0/1, or "n":"1" without bn.
// - Base time: timestamp = bt + t when either is present (RFC 8428 4.5.3).
//   The RFC's "t < 2^28 is relative to now" is NOT applied here (sans-I/O:
//   we have no clock); the caller sees the raw sum and may apply it.
// - Values (RFC 8428 4.3, Core TS 1.1 table 7.4.5-1): v numeric, vs string,
//   vb boolean, vd opaque (base64url in JSON, a byte string in CBOR), vlo
//   object link "oid:iid" (a text string; CBOR key is the text "vlo").
//   An entry without a value field decodes to a record whose value is none
//   (a Read-Composite / Observe-Composite path list, Core TS 1.1 6.3.x).
// - Model conversion (resolver): the resource model's type decides the
//   record's type; v converts to integer / unsigned / float / time with range
//   checks (2.5 for an Integer is out_of_range, 1.0 is accepted as 1); vs to
//   string or corelnk (opaque also accepted, as bytes of the text); vb to
//   boolean; vd to opaque; vlo to objlnk. Anything else is type_mismatch
//   ("value field does not match the resource type"). A single-instance
//   resource addressed with a resource instance id, or a multiple-instance
//   resource given a value at the resource path, is type_mismatch too.
//   Without a model (no provider, unknown object or resource) the field
//   decides: v -> integer when the wire number is an integer (unsigned above
//   INT64_MAX), else float; vs -> string; vb -> boolean; vd -> opaque;
//   vlo -> objlnk.
// - Encoding (grouper), following the Device example of Core TS 1.1
//   (Table 7.4.4-2, which we write byte for byte) and what Leshan and Anjay
//   send: the base name is the request path when it is an object instance or
//   deeper, otherwise the record's object instance; bn is written again only
//   when it changes. (The spec's Read-Composite answer, Table 7.4.4-7, uses
//   full names and no bn instead; we decode it, and our form of it is one
//   byte shorter: tests/vectors/codec/cbor/senml_composite_read*.hex.)
//   When the record's path is the base name itself (Read of a single
//   resource) the entry has bn and no n;
//   otherwise bn ends with '/' and n holds the remaining ids ("0", "6/0").
//   Every record gets its own n (Zephyr issue 99088 dropped n for resource
//   instances after the first, which made peers read duplicate names).
//   Timestamps: when every record has one, the first entry carries
//   bt = its timestamp and later entries t = timestamp - bt (omitted when 0);
//   when only some records have one, those carry an absolute t and no bt is
//   written (a bt would otherwise apply to the records without a timestamp).
//   Value field by type: integer, unsigned, float, time -> v; boolean -> vb;
//   string, corelnk -> vs; opaque -> vd; objlnk -> vlo "oid:iid"; none (a
//   path with no value) -> no value field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "sirocco/base/result.hpp"
#include "sirocco/codec/codec.hpp"
#include "sirocco/lwm2m/model.hpp"
#include "sirocco/lwm2m/path.hpp"
#include "sirocco/lwm2m/record.hpp"

namespace sirocco::codec::senml {

/// Which value field an entry carries.
enum class field : std::uint8_t {
    none = 0,  ///< no value (a path only)
    v,         ///< number: lwm2m::value of type integer, unsigned_integer or float_
    vs,        ///< string: value of type string
    vb,        ///< boolean: value of type boolean
    vd,        ///< data: value of type opaque (bytes already decoded from base64 in JSON)
    vlo,       ///< object link: value of type string holding "oid:iid"
};

/// One SenML record as on the wire. Every string_view and the value's bytes
/// point into memory owned by whoever filled the entry (the input payload,
/// the decode scratch, or the grouper's buffers): valid only until that
/// owner reuses them.
struct entry {
    std::optional<std::string_view> bn;  ///< base name (-2 / "bn")
    std::optional<double> bt;            ///< base time (-3 / "bt")
    std::optional<std::string_view> n;   ///< name (0 / "n")
    std::optional<double> t;             ///< time (6 / "t")
    field kind = field::none;
    /// The value, typed as listed for `field`. For `v`, decoders keep the
    /// number exact: integer when it is one (unsigned_integer above
    /// INT64_MAX), float_ otherwise.
    lwm2m::value val;
};

/// Parses "oid:iid" (both 0..65535). malformed when not of that form.
result<lwm2m::objlnk> parse_objlnk(std::string_view text) noexcept;
/// Writes "oid:iid" into `out` (11 chars always suffice); returns the length.
/// buffer_too_small when shorter.
result<std::size_t> format_objlnk(lwm2m::objlnk link, std::span<char> out) noexcept;

/// Decoding: applies base values and the model, one entry at a time, in
/// payload order. Holds a copy of the current base name (so bn may point
/// into a scratch buffer that is reused for the next entry).
class resolver {
  public:
    /// `base` is the request path (names not starting with '/' are relative
    /// to it); `models` may be null.
    resolver(const lwm2m::path& base, const lwm2m::model_provider* models) noexcept;

    /// Resolves `e` (after updating bn/bt from it) into a record. The
    /// record's value shares e.val's bytes. Errors:
    /// - malformed: bn longer than a path ("base name too long"), bn + n not
    ///   a path ("name is not an LwM2M path"), a vlo that is not "oid:iid";
    /// - malformed: a value at the root, object or instance level ("a value
    ///   needs a resource path");
    /// - type_mismatch / out_of_range: the value does not fit the model.
    result<lwm2m::record> resolve(const entry& e) noexcept;

    /// Only the name resolution (for SenML-ETCH path lists): updates bn from
    /// `e` and returns bn + n as a path (any level, root included).
    result<lwm2m::path> resolve_path(const entry& e) noexcept;

  private:
    lwm2m::path base_;
    const lwm2m::model_provider* models_;
    char bn_[lwm2m::path::max_text_length] = {};
    std::size_t bn_len_ = 0;
    std::optional<double> bt_;
};

/// Converts a wire value (as in `entry::val` for field `kind`) to the type
/// the model gives for `p` (see "Model conversion" above). Exposed for the
/// LwM2M CBOR / JSON decoders, which share the rules.
result<lwm2m::value> to_model_type(const lwm2m::path& p, field kind, const lwm2m::value& v,
                                   const lwm2m::model_provider* models) noexcept;

/// Encoding: turns records into entries with bn / n / bt / t chosen as
/// described above.
class grouper {
  public:
    /// `base`: encode_context::base. `records`: all records of the payload
    /// (scanned once for timestamps; must outlive the grouper).
    grouper(const lwm2m::path& base, std::span<const lwm2m::record> records) noexcept;

    /// The entry for the next record (records are taken in order; call
    /// exactly records.size() times). Strings point into this grouper (valid
    /// until the next call) or into the record's value. Errors:
    /// invalid_argument when called too often or for a record whose path is
    /// the root.
    result<entry> next() noexcept;

    /// The entry of a bare path in a SenML-ETCH list: n = the full path text
    /// ("/3/0/9"), no bn, no value; n points into `buf`.
    static entry path_entry(const lwm2m::path& p,
                            char (&buf)[lwm2m::path::max_text_length]) noexcept;

  private:
    lwm2m::path base_;
    std::span<const lwm2m::record> records_;
    std::size_t index_ = 0;
    bool all_timestamped_ = false;
    std::optional<double> bt_;
    lwm2m::path current_group_;
    bool have_group_ = false;
    char bn_[lwm2m::path::max_text_length + 1] = {};
    char n_[lwm2m::path::max_text_length + 1] = {};
    char link_[12] = {};
};

}  // namespace sirocco::codec::senml
