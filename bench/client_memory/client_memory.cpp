// bench_client_memory: what one simulated device costs in memory.
//
//   bench_client_memory [N...]        (default: 1000 10000)
//
// For each N it builds N runtime::sim_device (the data model with the
// default objects 0, 1, 3, 4, 5, 6, 7, 3300, 3303, 3311, 3342 and the client
// engine), starts each engine, answers its open_transport with a fake peer,
// drains the Register it sends, and feeds back a 2.01 Created carrying
// Location-Path rd/<n> (an in-process fake server: no sockets), so every
// device ends registered. It prints sizeof of the parts and the growth of
// the resident set size (VmRSS, /proc/self/status) per device.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/options.hpp"
#include "sirocco/runtime/sim_device.hpp"

namespace {

using namespace sirocco;

std::size_t rss_bytes() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
    return 0;
}

// The fake server's answer to a Register: ACK 2.01 with the request's
// message id and token, Location-Path "rd" / "<n>".
std::size_t created_ack(bytes_view reg, unsigned n, std::uint8_t* out, std::size_t cap) {
    auto m = coap::decode(reg, coap::framing::datagram);
    if (!m) return 0;
    coap::message a;
    a.type = coap::msg_type::ack;
    a.code = coap::codes::created;
    a.message_id = m->message_id;
    a.token = m->token;
    std::uint8_t storage[16];
    coap::message_builder b(a, storage);
    std::string id = std::to_string(n);
    (void)b.add_string(coap::opt::location_path, "rd");
    (void)b.add_copy(coap::opt::location_path,
                     bytes_view(reinterpret_cast<const std::uint8_t*>(id.data()), id.size()));
    auto r = coap::encode(a, coap::framing::datagram, mutable_bytes(out, cap));
    return r ? *r : 0;
}

struct run_result {
    std::size_t n = 0, registered = 0, rss_growth = 0;
};

run_result run(std::size_t n) {
    std::vector<std::unique_ptr<runtime::sim_device>> devices;
    devices.reserve(n);
    std::size_t before = rss_bytes();
    coap::time_ms now = 1000;
    std::vector<std::uint8_t> buf(coap::limits::max_pdu), ack(256);
    run_result res;
    res.n = n;
    for (std::size_t i = 0; i < n; ++i) {
        runtime::device_settings s;
        s.endpoint = "sim-" + std::to_string(i);
        s.seed = static_cast<std::uint32_t>(i + 1);
        auto d = std::make_unique<runtime::sim_device>(s);
        if (!d->setup_status()) {
            std::fprintf(stderr, "device setup failed: %s\n", d->setup_status().error().reason);
            std::exit(1);
        }
        auto& e = d->engine();
        if (!e.start(now)) {
            std::fprintf(stderr, "engine start failed\n");
            std::exit(1);
        }
        while (auto ev = e.poll_event())
            if (ev->kind == client::client_event_kind::open_transport)
                (void)e.transport_open(ev->server, coap::peer_id(1), coap::framing::datagram, now);
        while (auto tx = e.poll_transmit(buf)) {
            std::size_t k = created_ack(bytes_view(buf.data(), tx->size), static_cast<unsigned>(i),
                                        ack.data(), ack.size());
            if (k != 0) (void)e.on_receive(tx->peer, bytes_view(ack.data(), k), now);
        }
        while (auto ev = e.poll_event())
            if (ev->kind == client::client_event_kind::registered) ++res.registered;
        (void)d->simulate(now);
        devices.push_back(std::move(d));
    }
    res.rss_growth = rss_bytes() - before;
    return res;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::size_t> counts;
    for (int i = 1; i < argc; ++i)
        counts.push_back(std::strtoul(argv[i], nullptr, 10));
    if (counts.empty()) counts = {1000, 10000};

    auto f = runtime::sim_device::sizes();
    std::printf("sizeof(client::client)        %7zu B   (of which coap::engine %zu B)\n", f.engine,
                sizeof(coap::engine));
    std::printf("sizeof(client::data_model)    %7zu B\n", f.model);
    std::printf("objects (11, default set)     %7zu B\n", f.objects);
    std::printf(
        "  0 security %zu, 1 server %zu, 3 device %zu, 4 connmon %zu, 5 firmware %zu, 6 location "
        "%zu,\n"
        "  7 connstats %zu, 3300 generic %zu, 3303 temperature %zu, 3311 light %zu, 3342 switch "
        "%zu\n",
        sizeof(client::security), sizeof(client::server), sizeof(client::device),
        sizeof(client::connectivity_monitoring), sizeof(client::firmware_update),
        sizeof(client::location), sizeof(client::connectivity_statistics),
        sizeof(client::generic_sensor), sizeof(client::temperature), sizeof(client::light_control),
        sizeof(client::on_off_switch));
    std::printf("sizeof(runtime::sim_device)   %7zu B\n", f.total);
    std::printf(
        "coap limits: max_pdu %zu, peers %zu, exchanges %zu, dedup %zu, observations %zu, events "
        "%zu\n",
        coap::limits::max_pdu, coap::limits::peers, coap::limits::exchanges, coap::limits::dedup,
        coap::limits::observations, coap::limits::events);
    std::printf("| devices | registered | RSS growth | per device |\n|---:|---:|---:|---:|\n");
    for (std::size_t n : counts) {
        auto r = run(n);
        std::printf("| %zu | %zu | %.1f MiB | %zu B |\n", r.n, r.registered,
                    static_cast<double>(r.rss_growth) / (1024.0 * 1024.0),
                    r.n ? r.rss_growth / r.n : 0);
    }
    return 0;
}
