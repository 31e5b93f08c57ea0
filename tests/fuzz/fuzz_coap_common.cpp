// Shared checks of the CoAP fuzz targets: decode, and when that succeeds,
// exercise the option and block helpers, encode again and require the same
// bytes (the grammar has exactly one encoding per message) and the same
// message when decoded a second time.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "sirocco/coap/block.hpp"
#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/options.hpp"

namespace sirocco::coap::fuzz {

namespace {
void require(bool ok) {
    if (!ok) __builtin_trap();
}

bool same(const message& a, const message& b) {
    if (a.type != b.type || a.message_id != b.message_id || a.code != b.code ||
        !(a.token == b.token) || a.options.size() != b.options.size())
        return false;
    for (std::size_t i = 0; i < a.options.size(); ++i)
        if (a.options[i].number != b.options[i].number ||
            !equal(a.options[i].value, b.options[i].value))
            return false;
    return equal(a.payload, b.payload);
}

std::uint8_t out_buf[1 << 17];
}  // namespace

void round_trip(bytes_view in, const message& m, framing f) {
    // Helpers must cope with whatever the peer sent.
    (void)check_options(m);
    (void)check_options(m, f);
    for (std::size_t i = 0; i < m.options.size(); ++i)
        (void)option_recognised(m, i);
    (void)content_format(m);
    (void)observe(m);
    (void)accept(m);
    (void)find_block(m, opt::block1, f);
    (void)find_block(m, opt::block2, f);
    for (const auto& o : uri_path(m))
        (void)o.as_string();

    auto size = encoded_size(m, f);
    require(size.has_value() && *size == in.size());
    if (in.size() > sizeof(out_buf)) return;
    auto n = encode(m, f, mutable_bytes(out_buf, sizeof(out_buf)));
    require(n.has_value() && *n == in.size());
    require(std::memcmp(out_buf, in.data(), in.size()) == 0);
    auto again = decode(bytes_view(out_buf, *n), f);
    require(again.has_value() && same(m, *again));
}

void decode_round_trip(bytes_view in, framing f) {
    auto m = decode(in, f);
    if (!m) {
        require(m.error().reason != nullptr && m.error().code != errc::ok);
        return;
    }
    round_trip(in, *m, f);
}

}  // namespace sirocco::coap::fuzz
