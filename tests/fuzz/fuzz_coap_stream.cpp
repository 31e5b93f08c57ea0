// Fuzz: RFC 8323 3.2 stream framing. The input is decoded as one frame, and
// also treated as a byte stream fed to stream_framer in pieces whose sizes
// come from the input itself; each complete frame is decoded and round-tripped.
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
    fuzz::decode_round_trip(in, framing::stream);

    // Stream pass: [start, avail) is the buffer the framer sees.
    const stream_framer framer(4096);
    std::size_t start = 0, avail = 0, step_seed = size;
    while (start < size) {
        auto st = framer.check(bytes_view(data + start, avail - start));
        if (!st) return 0;  // malformed or too large: the connection is aborted
        if (st->complete()) {
            if (st->n == 0 || start + st->n > avail) __builtin_trap();
            const bytes_view frame(data + start, st->n);
            if (auto m = decode(frame, framing::stream))
                fuzz::round_trip(frame, *m, framing::stream);
            start += st->n;
            continue;
        }
        if (st->n == 0) __builtin_trap();
        if (avail == size) return 0;  // the stream ends inside a frame
        // Next read: between 1 and 16 bytes, chosen by the data.
        step_seed = step_seed * 31 + data[avail];
        std::size_t piece = 1 + step_seed % 16;
        if (piece > size - avail) piece = size - avail;
        avail += piece;
    }
    return 0;
}
