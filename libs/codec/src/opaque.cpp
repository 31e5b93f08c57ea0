// application/octet-stream (content format 42): the bytes of one opaque
// resource or resource instance (Core TS 1.2, 7.4 "Data Formats", Opaque).
#include "common.hpp"
#include "formats.hpp"

namespace sirocco::codec::detail {

result<std::size_t> encode_opaque(const encode_context& ctx, std::span<const lwm2m::record> records,
                                  mutable_bytes out) noexcept {
    if (records.size() != 1)
        return unexpected(errc::unsupported, "application/octet-stream carries exactly one value");
    const auto& r = records[0];
    SIROCCO_TRY(check_under(ctx.base, r.path));
    if (r.path.depth() < 3 || r.value.type() != lwm2m::data_type::opaque)
        return unexpected(errc::unsupported,
                          "application/octet-stream carries an opaque value only");
    auto b = r.value.opaque();
    if (b.size() > out.size()) return unexpected(errc::buffer_too_small, "output buffer too small");
    if (!b.empty()) std::memcpy(out.data(), b.data(), b.size());
    return b.size();
}

result<void> decode_opaque(const decode_context& ctx, bytes_view in,
                           lwm2m::record_sink& sink) noexcept {
    const auto& p = ctx.base;
    if (p.depth() < 3)
        return unexpected(errc::unsupported,
                          "application/octet-stream carries one resource value only");
    const auto* m = resource_model_of(ctx.models, p);
    if (m != nullptr) {
        if (m->type != lwm2m::data_type::opaque)
            return unexpected(errc::unsupported,
                              "application/octet-stream is for opaque resources only");
        if (p.depth() == 3 && m->multiple)
            return unexpected(errc::unsupported,
                              "application/octet-stream cannot carry a multiple-instance resource");
    }
    // Without a model the bytes are opaque by definition of the format.
    return emit(sink, p, lwm2m::value::of_opaque(in));
}

}  // namespace sirocco::codec::detail
