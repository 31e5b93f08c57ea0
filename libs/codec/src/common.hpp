// Internal helpers shared by the codecs of this folder.
#pragma once

#include "sirocco/codec/codec.hpp"

namespace sirocco::codec::detail {

/// The model of the resource a path (depth >= 3) names, or nullptr.
inline const lwm2m::resource_model* resource_model_of(const lwm2m::model_provider* models,
                                                      const lwm2m::path& p) noexcept {
    if (models == nullptr || p.depth() < 3) return nullptr;
    return models->find_resource(p.object(), p.resource());
}

/// Emits one record to the sink.
inline result<void> emit(lwm2m::record_sink& sink, const lwm2m::path& p, const lwm2m::value& v,
                         std::optional<double> t = std::nullopt) noexcept {
    lwm2m::record r{p, v, t};
    return sink.on_record(r);
}

/// Returns an error for a record that does not lie under the request path.
inline result<void> check_under(const lwm2m::path& base, const lwm2m::path& p) noexcept {
    if (!base.is_prefix_of(p))
        return unexpected(errc::invalid_argument, "record outside the request path");
    return {};
}

/// Checks that `s` is well-formed UTF-8 (RFC 3629: no overlongs, no
/// surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view s) noexcept;

}  // namespace sirocco::codec::detail
