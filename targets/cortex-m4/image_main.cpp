// Exercises the device-side API so the linker keeps what a device would use.
// Results go to a volatile sink; the image is sized, never run.
#include <cstdint>

#include "sirocco/base/hex.hpp"
#include "sirocco/lwm2m/path.hpp"
#include "sirocco/lwm2m/value.hpp"

namespace {
volatile std::uint32_t sink;
volatile char input[32] = "/3/0/13";
}  // namespace

extern "C" int image_main() {
    using namespace sirocco;
    char text[32];
    for (int i = 0; i < 32; ++i) text[i] = input[i];
    auto p = lwm2m::path::parse(text);
    if (p) sink = p->depth();
    char out[lwm2m::path::max_text_length];
    if (p && p->format(out)) sink = static_cast<std::uint8_t>(out[1]);
    auto v = lwm2m::parse_text(text + 3, lwm2m::data_type::float_);
    if (v) {
        auto n = lwm2m::format_text(*v, out);
        if (n) sink = static_cast<std::uint32_t>(*n);
    }
    std::uint8_t raw[8];
    auto h = parse_hex(text, raw);
    if (h) sink = static_cast<std::uint32_t>(*h);
    return 0;
}
