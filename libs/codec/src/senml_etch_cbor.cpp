// Placeholder until the format is implemented: answers unsupported (4.15).
#include "formats.hpp"

namespace sirocco::codec::detail {

result<std::size_t> encode_paths_cbor(std::span<const lwm2m::path>, mutable_bytes) noexcept {
    return unexpected(errc::unsupported, "format not implemented yet");
}
result<void> decode_paths_cbor(bytes_view, path_sink&) noexcept {
    return unexpected(errc::unsupported, "format not implemented yet");
}

}  // namespace sirocco::codec::detail
