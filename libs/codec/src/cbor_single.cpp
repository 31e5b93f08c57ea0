// CBOR (60): one resource or resource instance value as a single CBOR data
// item (Core TS 1.1/1.2 section 7.4.3; types in cbor_value.hpp).
#include "cbor_value.hpp"
#include "formats.hpp"

namespace sirocco::codec::detail {

result<std::size_t> encode_cbor(const encode_context&, std::span<const lwm2m::record> records,
                                mutable_bytes out) noexcept {
    if (records.size() != 1)
        return unexpected(errc::unsupported, "CBOR (60) carries exactly one value");
    const lwm2m::record& r = records.front();
    if (r.path.depth() < 3)
        return unexpected(errc::unsupported,
                          "CBOR (60) carries a resource or resource instance value");
    if (r.value.is_none()) return unexpected(errc::invalid_argument, "record has no value");
    cbor::writer w(out);
    cbor::write_value(w, r.value);
    return w.finish();
}

result<void> decode_cbor(const decode_context& ctx, bytes_view in,
                         lwm2m::record_sink& sink) noexcept {
    if (ctx.base.depth() < 3)
        return unexpected(errc::unsupported,
                          "CBOR (60) carries a resource or resource instance value");
    cbor::reader r(in, ctx.scratch);
    auto v = cbor::read_value(r, ctx.base, ctx.models);
    if (!v) {
        if (v.error().code == errc::truncated) return unexpected(errc::malformed, v.error().reason);
        return unexpected(v.error());
    }
    if (!r.empty()) return unexpected(errc::malformed, "bytes after the CBOR value");
    if (v->is_none()) return unexpected(errc::malformed, "CBOR null is not a value for a Write");
    lwm2m::record rec{ctx.base, *v, {}};
    return sink.on_record(rec);
}

}  // namespace sirocco::codec::detail
