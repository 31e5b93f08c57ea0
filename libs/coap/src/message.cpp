#include "sirocco/coap/message.hpp"

#include <cstring>

namespace sirocco::coap {

std::uint64_t option::as_uint() const noexcept {
    // Longer values are not valid uints; only the last 8 bytes count, so the
    // shift never overflows (the option checks reject such lengths anyway).
    std::uint64_t v = 0;
    std::size_t from = value.size() > 8 ? value.size() - 8 : 0;
    for (std::size_t i = from; i < value.size(); ++i)
        v = (v << 8) | value[i];
    return v;
}

result<token> token::from(bytes_view b) noexcept {
    if (b.size() > max_size) return unexpected(errc::out_of_range, "a token has at most 8 bytes");
    token t;
    if (!b.empty()) std::memcpy(t.b_.data(), b.data(), b.size());
    t.n_ = static_cast<std::uint8_t>(b.size());
    return t;
}

}  // namespace sirocco::coap
