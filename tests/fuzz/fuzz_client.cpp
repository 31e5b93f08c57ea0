// Feeds raw CoAP datagrams (requests from the LwM2M server) to a client
// engine with every standard object registered, after answering its
// Register so that it is in the registered state. Input: a sequence of
// chunks, each one length byte then that many bytes (one datagram); time
// advances between chunks by the low nibble of the length x 700 ms. After
// every datagram the output is drained and the server side ACKs whatever
// confirmable message the client sent (so notifications and Updates move
// on), then the timers are run out. The property checked is the
// sanitizers': no crash, no out-of-bounds access, no undefined behaviour.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "sirocco/client/dm.hpp"
#include "sirocco/client/engine.hpp"
#include "sirocco/client/objects/access_control.hpp"
#include "sirocco/client/objects/connectivity_monitoring.hpp"
#include "sirocco/client/objects/connectivity_statistics.hpp"
#include "sirocco/client/objects/device.hpp"
#include "sirocco/client/objects/firmware_update.hpp"
#include "sirocco/client/objects/generic_sensor.hpp"
#include "sirocco/client/objects/light_control.hpp"
#include "sirocco/client/objects/location.hpp"
#include "sirocco/client/objects/on_off_switch.hpp"
#include "sirocco/client/objects/security.hpp"
#include "sirocco/client/objects/server.hpp"
#include "sirocco/client/objects/temperature.hpp"
#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/options.hpp"

using namespace sirocco;
using namespace sirocco::client;
using engine_t = sirocco::client::client;

namespace {

std::uint32_t fuzz_rng(void* ctx) noexcept {
    auto* s = static_cast<std::uint32_t*>(ctx);
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

struct null_sink final : firmware_sink {
    update_result begin() noexcept override { return update_result::initial; }
    update_result write(bytes_view) noexcept override { return update_result::initial; }
    update_result finish() noexcept override { return update_result::initial; }
    void abort() noexcept override {}
    update_result update() noexcept override { return update_result::success; }
};

const coap::peer_id server_peer(1);
bool g_fail_some = false;
std::uint32_t g_answers = 0;

// Answers a confirmable request of the client (Register, Update, Send, a CON
// notification) as a server would: ACK with 2.01 + Location-Path for a
// Register, 2.02 for a De-register, 2.04 (or 4.04, see g_fail_some) otherwise.
void answer(engine_t& c, bytes_view datagram, coap::time_ms now) {
    auto m = coap::decode(datagram, coap::framing::datagram);
    if (!m || m->type != coap::msg_type::con) return;
    coap::message a;
    a.type = coap::msg_type::ack;
    a.message_id = m->message_id;
    a.token = m->token;
    std::array<std::uint8_t, 16> st{};
    coap::message_builder b(a, st);
    if (m->code.is_request()) {
        bool reg = false;
        std::size_t segs = 0;
        for (const auto& o : coap::uri_path(*m)) {
            ++segs;
            reg = o.as_string() == "rd";
        }
        if (m->code == coap::codes::post && reg && segs == 1) {
            a.code = coap::codes::created;
            (void)b.add_string(coap::opt::location_path, "rd");
            (void)b.add_string(coap::opt::location_path, "1");
        } else if (m->code == coap::codes::del) {
            a.code = coap::codes::deleted;
        } else {
            // Flag bit 3: every other Update / Send fails (4.04 makes the
            // client register again; a failed Send is reported).
            a.code = (g_fail_some && (++g_answers & 1) != 0) ? coap::codes::not_found
                                                             : coap::codes::changed;
        }
    } else {
        a.code = coap::codes::empty;  // an empty ACK for a CON response/notification
        a.token = coap::token();
    }
    std::array<std::uint8_t, 64> out{};
    auto n = coap::encode(a, coap::framing::datagram, out);
    if (n) (void)c.on_receive(server_peer, bytes_view(out.data(), *n), now);
}

void drain(engine_t& c, coap::time_ms now) {
    std::array<std::uint8_t, coap::limits::max_pdu> out{};
    for (int guard = 0; guard < 64; ++guard) {
        bool any = false;
        while (auto ev = c.poll_event()) {
            any = true;
            if (ev->kind == client_event_kind::open_transport)
                (void)c.transport_open(ev->server, server_peer, coap::framing::datagram, now);
        }
        if (auto t = c.poll_transmit(out)) {
            any = true;
            answer(c, bytes_view(out.data(), t->size), now);
        }
        if (!any) break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    std::uint32_t seed = data[0];
    data_model dm(data[0] & 1 ? lwm2m_version::v1_1 : lwm2m_version::v1_0);
    security sec;
    server srv;
    access_control acl;
    device dev;
    connectivity_monitoring cm;
    null_sink sink;
    firmware_update fw(sink);
    location loc;
    connectivity_statistics stats;
    generic_sensor gs;
    temperature temp;
    light_control light;
    on_off_switch sw;
    (void)sec.add_server(0, "coap://192.0.2.1:5683", 101);
    (void)srv.add_server(0, 101, 300, data[0] & 2 ? "UQ" : "U");
    if (data[0] & 4) {
        // A second server makes Access Control count.
        (void)srv.add_server(1, 102, 300);
        (void)acl.add_entry(0, 3303, 0, 101);
        (void)acl.set_acl(0, 102, 1);
    }
    (void)dev.set_info("ACME", "M1", "0001", "1.0.3");
    (void)gs.add_sensor(0, "ppm", 0, 5000);
    (void)temp.add_sensor(0, "Cel", -40, 125);
    (void)light.add_light(0);
    (void)sw.add_switch(0);
    object* objs[] = {&sec, &srv, &acl, &dev, &cm, &fw, &loc, &stats, &gs, &temp, &light, &sw};
    for (object* o : objs)
        (void)dm.add(*o);

    client_config cfg;
    cfg.endpoint = "fuzz";
    cfg.coap.rng = &fuzz_rng;
    cfg.coap.rng_ctx = &seed;
    static std::optional<engine_t> holder;  // large: not on the stack
    holder.emplace(cfg, dm);
    engine_t& c = *holder;
    coap::time_ms now = 1000;
    g_fail_some = false;
    g_answers = 0;
    if (!c.start(now)) return 0;
    drain(c, now);  // open_transport -> Register -> 2.01
    // The harness itself is broken if the client did not register.
    if (c.state(101) != registration_state::registered) __builtin_trap();
    g_fail_some = (data[0] & 8) != 0;

    std::size_t pos = 1;
    double t = 20.0;
    while (pos < size) {
        std::size_t n = data[pos++];
        if (n > size - pos) n = size - pos;
        (void)c.on_receive(server_peer, bytes_view(data + pos, n), now);
        pos += n;
        drain(c, now);
        if (n & 0x10) {
            (void)temp.set_measurement(0, t);
            t += 1.5;
            c.changed(lwm2m::path(lwm2m::object_id(3303), lwm2m::instance_id(0),
                                  lwm2m::resource_id(5700)),
                      now);
            drain(c, now);
        }
        if (n & 0x20) {
            const lwm2m::path paths[] = {lwm2m::path(lwm2m::object_id(3), lwm2m::instance_id(0))};
            (void)c.send(paths, now);
            drain(c, now);
        }
        now += (n & 0x0F) * 700;
        c.on_timer(now);
        drain(c, now);
    }
    for (int i = 0; i < 64; ++i) {
        auto d = c.next_deadline();
        if (!d) break;
        now = *d > now ? *d : now + 1;
        c.on_timer(now);
        drain(c, now);
    }
    (void)c.deregister(now);
    drain(c, now);
    holder.reset();
    return 0;
}
