// Engine: garbage and mutated input never crashes, leaks slots or loops
// (run under ASan+UBSan too). Deterministic pseudo-random input.
#include <random>

#include "engine_harness.hpp"

namespace sirocco::coap::test {
namespace {

// Valid messages of every kind, used as seeds for mutation.
std::vector<std::vector<std::uint8_t>> seeds(framing f) {
    std::vector<std::vector<std::uint8_t>> out;
    auto add = [&](message m) { out.push_back(wire(m, f)); };
    message get = make_request(codes::get, "/a/b");
    get.message_id = 1;
    add(get);
    message obs = make_observe("/t");
    obs.message_id = 2;
    add(obs);
    message put = make_request(codes::put, "/f");
    put.message_id = 3;
    std::array<std::uint8_t, 16> st{};
    message_builder b(put, st);
    block_value bv;
    bv.more = true;
    bv.szx = 2;
    (void)b.add_uint(opt::block1, *encode_block(bv));
    static const std::string part(64, 'p');
    put.payload = as_bytes(part);
    add(put);
    message resp = make_response(codes::content);
    resp.type = msg_type::ack;
    resp.message_id = 4;
    add(resp);
    if (f == framing::stream) {
        message csm;
        csm.code = codes::csm;
        add(csm);
        message ping;
        ping.code = codes::ping;
        add(ping);
    }
    return out;
}

void hammer(framing f, std::uint32_t seed) {
    counter_rng rng;
    config c = test_config(rng);
    engine e(c);
    ASSERT_TRUE(e.open_peer(peer_id(1), f, 0).has_value());
    std::mt19937 gen(seed);
    const auto base = seeds(f);
    time_ms now = 0;
    std::vector<std::uint8_t> out(limits::max_pdu);
    for (int i = 0; i < 4000; ++i) {
        std::vector<std::uint8_t> msg = base[gen() % base.size()];
        const int flips = static_cast<int>(gen() % 4);
        for (int k = 0; k < flips && !msg.empty(); ++k)
            msg[gen() % msg.size()] = static_cast<std::uint8_t>(gen());
        if (gen() % 5 == 0) msg.resize(gen() % (msg.size() + 1));
        if (gen() % 7 == 0)
            for (int k = 0; k < 8; ++k)
                msg.push_back(static_cast<std::uint8_t>(gen()));
        bytes_view rest(msg);
        int guard = 0;
        while (!rest.empty() && guard++ < 10000) {
            auto n = e.on_receive(peer_id(1), rest, now);
            if (!n) {
                while (auto ev = e.poll_event()) {
                    if (ev->kind == event_kind::request && gen() % 2 == 0)
                        (void)e.respond(ev->request, make_response(codes::content), as_bytes("r"),
                                        now);
                }
                continue;
            }
            rest = rest.subspan(*n);
            while (auto ev = e.poll_event()) {
                if (ev->kind == event_kind::request && gen() % 2 == 0)
                    (void)e.respond(ev->request, make_response(codes::content), as_bytes("r"), now);
                if (ev->kind == event_kind::aborted) {
                    e.close_peer(peer_id(1));
                    ASSERT_TRUE(e.open_peer(peer_id(1), f, now).has_value());
                    rest = {};
                    break;
                }
            }
        }
        ASSERT_LT(guard, 10000) << "on_receive made no progress";
        while (e.poll_transmit(out)) {
        }
        if (gen() % 10 == 0) {
            (void)e.send_request(peer_id(1), make_request(codes::get, "/x"), {}, now);
        }
        now += gen() % 3000;
        e.on_timer(now);
        while (e.poll_event()) {
        }
        while (e.poll_transmit(out)) {
        }
    }
    // Everything times out in the end: no slot stays busy forever.
    for (int k = 0; k < 1000; ++k) {
        auto d = e.next_deadline();
        if (!d) break;
        now = std::max(now, *d);
        e.on_timer(now);
        while (e.poll_event()) {
        }
        while (e.poll_transmit(out)) {
        }
    }
    auto d = e.next_deadline();
    EXPECT_FALSE(d.has_value()) << "deadline " << (d ? *d : 0) << " now " << now;
}

TEST(CoapEngineRobust, MutatedDatagrams) {
    for (std::uint32_t s = 1; s <= 3; ++s)
        hammer(framing::datagram, s);
}
TEST(CoapEngineRobust, MutatedStream) {
    for (std::uint32_t s = 1; s <= 3; ++s)
        hammer(framing::stream, s);
}
TEST(CoapEngineRobust, MutatedCompact) {
    for (std::uint32_t s = 1; s <= 3; ++s)
        hammer(framing::compact, s);
}

}  // namespace
}  // namespace sirocco::coap::test
