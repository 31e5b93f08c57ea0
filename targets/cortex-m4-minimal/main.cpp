// The minimal device: Security, Server and Device objects, the client
// engine on one CoAP/UDP server. The loop below is what a firmware's main
// loop does (the radio and the clock are stand-ins: the image is linked and
// sized, never run), so the linker keeps registration and every request the
// server may send (read, write, execute, observe: they all go through
// client::on_receive()).
//
// FOOTPRINT_* macros add optional parts for bench/footprint's per-feature
// table; the minimal image defines none.
#include <cstdint>
#include <new>

#include "sirocco/client/engine.hpp"
#include "sirocco/client/objects/device.hpp"
#include "sirocco/client/objects/security.hpp"
#include "sirocco/client/objects/server.hpp"
#if FOOTPRINT_OBJECT4
#include "sirocco/client/objects/connectivity_monitoring.hpp"
#endif
#if FOOTPRINT_OBJECT5
#include "sirocco/client/objects/firmware_update.hpp"
#endif
#if FOOTPRINT_OBJECT3303
#include "sirocco/client/objects/temperature.hpp"
#endif

namespace {
using namespace sirocco;

volatile std::uint32_t radio_rx_len;
volatile std::uint32_t ticks;
std::uint8_t rx[256];
std::uint8_t tx[SIROCCO_COAP_MAX_PDU];

std::uint32_t rng(void*) noexcept {
    return ticks * 1103515245u + 12345u;
}
std::int64_t rtc(void*) noexcept {
    return ticks / 1000;
}

struct actions final : client::device_actions {
    client::status reboot() noexcept override {
        ticks = 0;
        return client::status::changed;
    }
};

#if FOOTPRINT_OBJECT5
struct flash_sink final : client::firmware_sink {
    client::update_result begin() noexcept override { return client::update_result::initial; }
    client::update_result write(bytes_view c) noexcept override {
        ticks = ticks + c.size();
        return client::update_result::initial;
    }
    client::update_result finish() noexcept override { return client::update_result::initial; }
    void abort() noexcept override {}
    client::update_result update() noexcept override { return client::update_result::success; }
};
#endif

struct device_app {
    client::security sec;
    client::server srv;
    client::device dev;
    actions act;
#if FOOTPRINT_OBJECT4
    client::connectivity_monitoring cm;
#endif
#if FOOTPRINT_OBJECT5
    flash_sink sink;
    client::firmware_update fw{sink};
#endif
#if FOOTPRINT_OBJECT3303
    client::temperature temp;
#endif
    client::data_model dm{client::lwm2m_version::v1_1};
    client::client cl{config(), dm};

    static client::client_config config() noexcept {
        client::client_config c;
        c.endpoint = "m4-minimal";
        c.coap.rng = &rng;
        return c;
    }
};

// Built in place in static storage and never destroyed (a firmware never
// returns from main), so no atexit registration is linked.
alignas(device_app) std::uint8_t app_storage[sizeof(device_app)];
device_app& app() {
    return *new (app_storage) device_app;
}
}  // namespace

extern "C" int image_main() {
    using namespace sirocco;
    device_app& a = app();
    (void)a.sec.add_server(0, "coap://192.0.2.1:5683", 1);
    (void)a.srv.add_server(0, 1, 300, "U");
    (void)a.dev.set_info("Sirocco", "M4", "0001", "1.0");
    a.dev.set_clock(&rtc, nullptr);
    a.dev.set_actions(&a.act);
    (void)a.dm.add(a.sec);
    (void)a.dm.add(a.srv);
    (void)a.dm.add(a.dev);
#if FOOTPRINT_OBJECT4
    (void)a.dm.add(a.cm);
#endif
#if FOOTPRINT_OBJECT5
    (void)a.dm.add(a.fw);
#endif
#if FOOTPRINT_OBJECT3303
    (void)a.temp.add_celsius(0);
    (void)a.dm.add(a.temp);
#endif
    if (!a.cl.start(ticks)) return 1;
    const coap::peer_id server_peer(1);
    for (;;) {
        const coap::time_ms now = ticks;
        while (auto ev = a.cl.poll_event()) {
            if (ev->kind == client::client_event_kind::open_transport)
                (void)a.cl.transport_open(ev->server, server_peer, coap::framing::datagram, now);
        }
        if (std::uint32_t n = radio_rx_len; n != 0 && n <= sizeof rx)
            (void)a.cl.on_receive(server_peer, bytes_view(rx, n), now);
        a.cl.on_timer(now);
        while (auto t = a.cl.poll_transmit(tx))
            radio_rx_len = static_cast<std::uint32_t>(t->size);
        a.cl.changed(
            lwm2m::path(lwm2m::object_id(3), lwm2m::instance_id(0), lwm2m::resource_id(13)), now);
#if FOOTPRINT_SEND
        const lwm2m::path p[] = {
            lwm2m::path(lwm2m::object_id(3), lwm2m::instance_id(0), lwm2m::resource_id(9))};
        (void)a.cl.send(p, now);
#endif
        if (ticks == 0xFFFFFFFFu) break;
    }
    (void)a.cl.deregister(ticks);
    return 0;
}
