// Encoding and decoding LwM2M payloads over records (lwm2m/record.hpp).
//
// Streaming and heap-free: decoders call a record_sink once per record;
// encoders write into the caller's buffer. Both are driven by the object
// model: the type of each resource comes from `models` (Core TS 1.2, 7.3);
// a resource the model does not know decodes as the specification says for
// the format (TLV and CBOR: as its wire type, opaque for TLV; text needs a
// model and answers 4.15-like `unsupported` without one).
//
// Errors: malformed input -> errc::malformed (-> 4.00), a value of the wrong
// type or out of range -> type_mismatch / out_of_range (-> 4.00), a format
// this build does not have or that cannot carry the request -> unsupported
// (-> 4.15 on decode, 4.06 on encode for an Accept), a full output buffer ->
// buffer_too_small. lwm2m::to_status() maps them.
#pragma once

#include <cstddef>
#include <span>

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"
#include "sirocco/codec/format.hpp"
#include "sirocco/lwm2m/model.hpp"
#include "sirocco/lwm2m/record.hpp"

namespace sirocco::codec {

struct encode_context {
    /// The path the payload answers (the request path of a Read or Observe,
    /// the root for Send and composite). Formats that carry relative names
    /// (TLV, LwM2M JSON/CBOR, SenML base name) encode relative to it.
    lwm2m::path base;
    const lwm2m::model_provider* models = nullptr;
};

struct decode_context {
    /// The request path (Write target); records decode to absolute paths.
    lwm2m::path base;
    const lwm2m::model_provider* models = nullptr;
    /// Working memory for values that are not bytes of the input (JSON string
    /// escapes, base64 opaque, concatenated CBOR indefinite strings). A
    /// decoded value may point into `in` or into `scratch`: it is valid only
    /// during the on_record() call that receives it. Too small a scratch for
    /// a value is capacity_exceeded (-> 4.13).
    mutable_bytes scratch;
};

/// Encodes `records` (sorted by path; see lwm2m::path ordering) in `format`.
/// Returns the number of bytes written to `out`.
result<std::size_t> encode(content_format format, const encode_context& ctx,
                           std::span<const lwm2m::record> records, mutable_bytes out) noexcept;

/// Decodes `in` and passes every record to `sink`, in payload order.
/// 11543 / 11544 swapped by a peer: a payload labelled 11543 (OMA LwM2M
/// JSON) whose first byte is a CBOR map head (0xA0..0xBF) is decoded as LwM2M
/// CBOR, and one labelled 11544 (LwM2M CBOR) that starts with '{' or JSON
/// white space is decoded as LwM2M JSON; the two sets of first bytes do not
/// overlap, so the detection is unambiguous. encode() labels by IANA only.
result<void> decode(content_format format, const decode_context& ctx, bytes_view in,
                    lwm2m::record_sink& sink) noexcept;

/// Receives the paths of a SenML-ETCH list (Read-Composite, Observe-Composite).
class path_sink {
  public:
    virtual result<void> on_path(const lwm2m::path& p) noexcept = 0;

  protected:
    ~path_sink() = default;
};

/// SenML-ETCH JSON (320) or CBOR (322) path lists.
result<std::size_t> encode_paths(content_format format, std::span<const lwm2m::path> paths,
                                 mutable_bytes out) noexcept;
result<void> decode_paths(content_format format, bytes_view in, path_sink& sink) noexcept;

}  // namespace sirocco::codec
