// Fuzz: RFC 7252 datagram decode/encode round trip, header peek, and the URI
// splitter fed the same bytes as text.
#include <cstddef>
#include <cstdint>

#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/uri.hpp"

namespace sirocco::coap::fuzz {
void decode_round_trip(bytes_view in, framing f);
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace sirocco;
    using namespace sirocco::coap;
    const bytes_view in(data, size);
    fuzz::decode_round_trip(in, framing::datagram);
    (void)peek_datagram_header(in);

    if (auto u = parse_uri(as_chars(in))) {
        char tmp[64];
        for (auto seg : path_segments(u->path))
            (void)percent_decode(seg, tmp);
        for (auto q : query_parts(u->query))
            (void)percent_decode(q, tmp);
    }
    return 0;
}
