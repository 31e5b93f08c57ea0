// text/plain (content format 0): one resource or resource instance value
// (Core TS 1.2, 7.4 "Data Formats", Plain Text). The type comes from the model; opaque values are
// base64 (RFC 4648 section 4, padded) in text.
#include "base64.hpp"
#include "common.hpp"
#include "formats.hpp"

namespace sirocco::codec::detail {

result<std::size_t> encode_text(const encode_context& ctx, std::span<const lwm2m::record> records,
                                mutable_bytes out) noexcept {
    if (records.size() != 1)
        return unexpected(errc::unsupported, "text/plain carries exactly one value");
    const auto& r = records[0];
    SIROCCO_TRY(check_under(ctx.base, r.path));
    if (r.path.depth() < 3)
        return unexpected(errc::unsupported, "text/plain carries a resource value only");
    if (r.value.type() == lwm2m::data_type::opaque) {
        byte_writer w(out);
        base64_write(w, r.value.opaque(), base64_alphabet::standard, true);
        if (!w.ok()) return unexpected(errc::buffer_too_small, "output buffer too small");
        return w.size();
    }
    auto n = lwm2m::format_text(r.value,
                                std::span<char>(reinterpret_cast<char*>(out.data()), out.size()));
    if (!n) {
        if (n.error().code == errc::buffer_too_small)
            return unexpected(errc::buffer_too_small, "output buffer too small");
        return unexpected(n.error());
    }
    return *n;
}

result<void> decode_text(const decode_context& ctx, bytes_view in,
                         lwm2m::record_sink& sink) noexcept {
    const auto& p = ctx.base;
    if (p.depth() < 3)
        return unexpected(errc::unsupported, "text/plain carries one resource value only");
    const auto* m = resource_model_of(ctx.models, p);
    if (m == nullptr)
        return unexpected(errc::unsupported,
                          "text/plain needs the resource's model to know its type");
    if (p.depth() == 3 && m->multiple)
        return unexpected(errc::unsupported,
                          "text/plain cannot carry a multiple-instance resource");
    auto text = as_chars(in);
    if (m->type == lwm2m::data_type::opaque) {
        auto n = base64_decode(text, ctx.scratch);
        if (!n) return unexpected(n.error());
        return emit(sink, p, lwm2m::value::of_opaque(bytes_view(ctx.scratch.data(), *n)));
    }
    if ((m->type == lwm2m::data_type::string || m->type == lwm2m::data_type::corelnk) &&
        !valid_utf8(text))
        return unexpected(errc::malformed, "text is not valid UTF-8");
    auto v = lwm2m::parse_text(text, m->type);
    if (!v) return unexpected(v.error());
    return emit(sink, p, *v);
}

}  // namespace sirocco::codec::detail
