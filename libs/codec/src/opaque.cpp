// Placeholder until the format is implemented: answers unsupported (4.15).
#include "formats.hpp"

namespace sirocco::codec::detail {

result<std::size_t> encode_opaque(const encode_context&, std::span<const lwm2m::record>, mutable_bytes) noexcept {
    return unexpected(errc::unsupported, "format not implemented yet");
}
result<void> decode_opaque(const decode_context&, bytes_view, lwm2m::record_sink&) noexcept {
    return unexpected(errc::unsupported, "format not implemented yet");
}

}  // namespace sirocco::codec::detail
