// SenML-ETCH CBOR (322, RFC 8790): the path list of a Read-Composite or
// Observe-Composite request (CoAP FETCH), Core TS 1.2 sections 6.3.8 and
// 7.4.6. Each path is a record with a name only: [{0: "/3/0/9"}, ...].
// Decoding resolves bn + n like any SenML name (relative names are relative
// to the root) and ignores value fields. (The iPATCH payload of
// Write-Composite in senml-etch+cbor carries values: it has the SenML CBOR
// record syntax and decodes with decode_senml_cbor.)
#include "formats.hpp"
#include "senml_cbor_entries.hpp"

namespace sirocco::codec::detail {

namespace {

class path_adapter final : public senml_cbor::entry_sink {
  public:
    explicit path_adapter(path_sink& sink) noexcept
        : resolver_(lwm2m::path{}, nullptr), sink_(sink) {}
    result<void> on_entry(const senml::entry& e) noexcept override {
        auto p = resolver_.resolve_path(e);
        if (!p) return unexpected(p.error());
        return sink_.on_path(*p);
    }

  private:
    senml::resolver resolver_;
    path_sink& sink_;
};

}  // namespace

result<std::size_t> encode_paths_cbor(std::span<const lwm2m::path> paths,
                                      mutable_bytes out) noexcept {
    cbor::writer w(out);
    w.array(paths.size());
    char buf[lwm2m::path::max_text_length];
    for (const auto& p : paths)
        senml_cbor::write_entry(w, senml::grouper::path_entry(p, buf));
    return w.finish();
}

result<void> decode_paths_cbor(bytes_view in, path_sink& sink) noexcept {
    path_adapter a(sink);
    // Names of path lists are short; indefinite-length names need a little
    // scratch of our own since decode_paths has no decode_context.
    std::uint8_t scratch[64];
    return senml_cbor::read_entries(in, scratch, a);
}

}  // namespace sirocco::codec::detail
