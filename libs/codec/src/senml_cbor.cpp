// SenML CBOR (112): RFC 8428 section 6 with the LwM2M rules of Core TS 1.1
// section 7.4.6 (names and values: senml.hpp; CBOR syntax:
// senml_cbor_entries.hpp).
#include "formats.hpp"
#include "senml_cbor_entries.hpp"

namespace sirocco::codec::detail {

namespace {

class record_adapter final : public senml_cbor::entry_sink {
  public:
    record_adapter(const decode_context& ctx, lwm2m::record_sink& sink) noexcept
        : resolver_(ctx.base, ctx.models), sink_(sink) {}
    result<void> on_entry(const senml::entry& e) noexcept override {
        auto r = resolver_.resolve(e);
        if (!r) return unexpected(r.error());
        return sink_.on_record(*r);
    }

  private:
    senml::resolver resolver_;
    lwm2m::record_sink& sink_;
};

}  // namespace

result<std::size_t> encode_senml_cbor(const encode_context& ctx,
                                      std::span<const lwm2m::record> records,
                                      mutable_bytes out) noexcept {
    cbor::writer w(out);
    w.array(records.size());
    senml::grouper g(ctx.base, records);
    for (std::size_t i = 0; i < records.size(); ++i) {
        auto e = g.next();
        if (!e) return unexpected(e.error());
        senml_cbor::write_entry(w, *e);
    }
    return w.finish();
}

result<void> decode_senml_cbor(const decode_context& ctx, bytes_view in,
                               lwm2m::record_sink& sink) noexcept {
    record_adapter a(ctx, sink);
    return senml_cbor::read_entries(in, ctx.scratch, a);
}

}  // namespace sirocco::codec::detail
