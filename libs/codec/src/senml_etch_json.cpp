// SenML-ETCH JSON (content format 320; RFC 8790): the path lists of
// Read-Composite and Observe-Composite operations (Core TS 1.2). Each
// record names a path (bn + n); value fields, if any, are ignored.
#include "formats.hpp"
#include "senml_json.hpp"

namespace sirocco::codec::detail {

result<std::size_t> encode_paths_json(std::span<const lwm2m::path> paths,
                                      mutable_bytes out) noexcept {
    byte_writer w(out);
    w.put_u8('[');
    for (std::size_t i = 0; i < paths.size(); ++i) {
        char buf[lwm2m::path::max_text_length];
        auto e = senml::grouper::path_entry(paths[i], buf);
        if (i != 0) w.put_u8(',');
        SIROCCO_TRY(senml_json::write_record(w, e));
    }
    w.put_u8(']');
    if (!w.ok()) return unexpected(errc::buffer_too_small, "output buffer too small");
    return w.size();
}

result<void> decode_paths_json(bytes_view in, path_sink& sink) noexcept {
    json::reader r(in);
    auto t = r.next();
    if (!t) return unexpected(t.error());
    if (t->kind != json::token::begin_array)
        return unexpected(errc::malformed, "SenML-ETCH JSON must be an array");
    senml::resolver res(lwm2m::path{}, nullptr);
    // Path lists carry no values; a small scratch holds a stray vs/vd.
    std::uint8_t scratch[64];
    senml_json::buffers b{};
    b.scratch = scratch;
    for (;;) {
        t = r.next();
        if (!t) return unexpected(t.error());
        if (t->kind == json::token::end_array) break;
        if (t->kind != json::token::begin_object)
            return unexpected(errc::malformed, "SenML record must be an object");
        senml::entry e;
        auto rr = senml_json::read_record(r, e, b);
        if (!rr && rr.error().code != errc::capacity_exceeded) return rr;
        if (!rr) return unexpected(errc::malformed, "SenML-ETCH record carries a value");
        auto p = res.resolve_path(e);
        if (!p) return unexpected(p.error());
        SIROCCO_TRY(sink.on_path(*p));
    }
    t = r.next();
    if (!t) return unexpected(t.error());
    return {};
}

}  // namespace sirocco::codec::detail
