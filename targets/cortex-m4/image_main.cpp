// Exercises the device-side API so the linker keeps what a device would use:
// paths and values, the CoAP codecs and exchange engine, and the codecs a
// device build carries (TLV, text, opaque, link format, SenML CBOR; the
// dispatcher links the others too). Results go to a volatile sink; the image
// is linked and sized, never run.
#include <array>
#include <cstdint>

#include "sirocco/base/hex.hpp"
#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/engine.hpp"
#include "sirocco/coap/options.hpp"
#include "sirocco/codec/codec.hpp"
#include "sirocco/codec/link_format.hpp"
#include "sirocco/lwm2m/builtin_models.hpp"
#include "sirocco/lwm2m/path.hpp"
#include "sirocco/lwm2m/value.hpp"

namespace {
volatile std::uint32_t sink;
volatile char input[32] = "/3/0/13";
std::array<std::uint8_t, 256> rx{};  // stands in for a received datagram

std::uint32_t image_rng(void*) noexcept {
    return sink * 1103515245u + 12345u;
}

struct counting_sink final : sirocco::lwm2m::record_sink {
    sirocco::result<void> on_record(const sirocco::lwm2m::record& r) noexcept override {
        sink = sink + static_cast<std::uint32_t>(r.path.depth());
        return {};
    }
};

sirocco::coap::engine& coap_engine() {
    static sirocco::coap::config cfg = [] {
        sirocco::coap::config c;
        c.rng = &image_rng;
        return c;
    }();
    static sirocco::coap::engine e(cfg);
    return e;
}
}  // namespace

extern "C" int image_main() {
    using namespace sirocco;
    char text[32];
    for (int i = 0; i < 32; ++i)
        text[i] = input[i];

    // Data model.
    auto p = lwm2m::path::parse(text);
    if (p) sink = static_cast<std::uint32_t>(p->depth());
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

    // CoAP: decode a datagram, build and encode a response, run the engine.
    std::array<std::uint8_t, coap::limits::max_pdu> pdu{};
    auto m = coap::decode(bytes_view(rx.data(), sink % rx.size()), coap::framing::datagram);
    if (m) {
        coap::message resp;
        resp.code = coap::codes::content;
        std::array<std::uint8_t, 32> opt_store{};
        coap::message_builder b(resp, opt_store);
        (void)b.add_uint(coap::opt::content_format, 112);
        auto n = coap::encode(resp, coap::framing::datagram, pdu);
        if (n) sink = static_cast<std::uint32_t>(*n);
    }
    auto& e = coap_engine();
    const coap::peer_id peer(1);
    if (e.open_peer(peer, coap::framing::datagram, sink)) {
        (void)e.on_receive(peer, bytes_view(rx.data(), sink % rx.size()), sink);
        while (auto ev = e.poll_event()) {
            if (ev->kind == coap::event_kind::request) {
                coap::message resp;
                resp.code = coap::codes::content;
                (void)e.respond(ev->request, resp, bytes_view(rx.data(), 16), sink);
            }
        }
        e.on_timer(sink);
        while (auto t = e.poll_transmit(pdu))
            sink = static_cast<std::uint32_t>(t->size);
    }

    // Content formats over the built-in models.
    const lwm2m::record records[] = {
        {*lwm2m::path::parse("/3/0/0"), lwm2m::value::of_string("Sirocco"), {}},
        {*lwm2m::path::parse("/3/0/9"), lwm2m::value::of_integer(sink), {}},
    };
    codec::encode_context ectx{*lwm2m::path::parse("/3/0"), &lwm2m::builtin_provider()};
    std::array<std::uint8_t, 128> scratch{};
    codec::decode_context dctx{*lwm2m::path::parse("/3/0"), &lwm2m::builtin_provider(), scratch};
    counting_sink cs;
    for (auto f : {codec::content_format::tlv, codec::content_format::senml_cbor,
                   codec::content_format::text, codec::content_format::opaque}) {
        auto n = codec::encode(f, ectx, records, pdu);
        if (n) {
            sink = static_cast<std::uint32_t>(*n);
            (void)codec::decode(f, dctx, bytes_view(pdu.data(), *n), cs);
        }
    }
    codec::link::writer w(pdu);
    w.link(*lwm2m::path::parse("/3/0"));
    w.param("pmin", std::uint64_t{10});
    if (auto n = w.finish()) {
        codec::link::parser lp(as_chars(bytes_view(pdu.data(), *n)));
        codec::link::link_value lv;
        while (auto more = lp.next(lv)) {
            if (!*more) break;
            sink = static_cast<std::uint32_t>(lv.target.size());
        }
    }
    return 0;
}
