// Fuzz: RFC 8323 section 4 compact form (MQTT binding), directly and through
// decode_mqtt (which also takes the datagram form).
#include <cstddef>
#include <cstdint>

#include "sirocco/coap/codec.hpp"

namespace sirocco::coap::fuzz {
void decode_round_trip(bytes_view in, framing f);
void round_trip(bytes_view in, const message& m, framing f);
}  // namespace sirocco::coap::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace sirocco;
    using namespace sirocco::coap;
    const bytes_view in(data, size);
    fuzz::decode_round_trip(in, framing::compact);
    framing form = framing::stream;
    if (auto m = decode_mqtt(in, &form)) {
        if (form != framing::compact && form != framing::datagram) __builtin_trap();
        fuzz::round_trip(in, *m, form);
    }
    return 0;
}
