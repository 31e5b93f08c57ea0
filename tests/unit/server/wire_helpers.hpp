// Hand-made CoAP requests to a server_engine from peers that are no device
// of the bench (dm_fixture.hpp): their answers are caught on the wire.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dm_fixture.hpp"
#include "sirocco/coap/codec.hpp"

namespace sirocco::server::test {

inline std::string code_text(coap::code c) {
    return std::to_string(c.cls()) + "." + (c.detail() < 10 ? "0" : "") +
           std::to_string(c.detail());
}

struct wire_reply {
    std::string code;
    std::string payload;
    std::vector<std::string> location;
};

/// Sends one hand-made CON request from `from` (a peer that is no device of
/// the bench) and returns the server's piggybacked answer to it; datagrams
/// for the bench's devices are delivered as pump() does.
inline std::optional<wire_reply> wire_request(bench& b, coap::peer_id from, coap::code c,
                                              const std::string& path,
                                              const std::vector<std::string>& queries,
                                              const std::string& body, std::uint16_t mid,
                                              std::optional<std::uint32_t> block1 = {}) {
    coap::message m;
    m.type = coap::msg_type::con;
    m.code = c;
    m.message_id = mid;
    const std::uint8_t tok[2] = {static_cast<std::uint8_t>(mid >> 8),
                                 static_cast<std::uint8_t>(mid)};
    m.token = *coap::token::from(sirocco::bytes_view(tok, 2));
    std::array<std::uint8_t, 512> st{};
    coap::message_builder mb(m, st);
    EXPECT_TRUE(mb.add_uri_path(path).has_value());
    if (!body.empty()) {
        EXPECT_TRUE(mb.add_uint(coap::opt::content_format, 40).has_value());
    }
    for (const auto& q : queries)
        EXPECT_TRUE(mb.add_copy(coap::opt::uri_query, as_bytes(q)).has_value());
    if (block1) {
        EXPECT_TRUE(mb.add_uint(coap::opt::block1, *block1).has_value());
    }
    m.payload = as_bytes(body);
    std::vector<std::uint8_t> wire(coap::limits::max_pdu);
    auto n = coap::encode(m, coap::framing::datagram, wire);
    EXPECT_TRUE(n.has_value());
    if (!n) return std::nullopt;
    EXPECT_TRUE(b.server->on_receive(from, {wire.data(), *n}, b.now).has_value());
    std::optional<wire_reply> out;
    std::vector<std::uint8_t> buf(coap::limits::max_pdu);
    while (auto t = b.server->poll_transmit(buf)) {
        if (t->peer != from) {
            if (auto* d = b.by_peer(t->peer))
                (void)d->cl->on_receive(node::server_at_client, {buf.data(), t->size}, b.now);
            continue;
        }
        auto r = coap::decode({buf.data(), t->size}, coap::framing::datagram);
        EXPECT_TRUE(r.has_value());
        if (!r || r->message_id != mid) continue;
        wire_reply w;
        w.code = code_text(r->code);
        w.payload = std::string(as_chars(r->payload));
        for (const auto& o : coap::location_path(*r))
            w.location.emplace_back(o.as_string());
        out = w;
    }
    b.pump();
    return out;
}

}  // namespace sirocco::server::test
