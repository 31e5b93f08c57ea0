// sirocco-fleet's core: N simulated LwM2M devices in one process, each the
// real client engine (client::client) with a small object set (0 Security,
// 1 Server, 3 Device, 3303 Temperature), on ONE thread and one
// asio::io_context: no thread, socket or timer per device.
//
//  - Timers: one fleet_timer (indexed min-heap) over every device's next
//    deadline (the engine's next_deadline(), and the next sensor change
//    while the device is observed), one asio timer armed at its top.
//  - UDP (coap://): on a loopback server, ONE fleet_socket bound to
//    0.0.0.0:P sends device i's datagrams from its own address (bind_base +
//    i, skipping .0 and .255) with IP_PKTINFO and tells by the address a
//    reply was sent to which device it is for. Elsewhere, one socket per
//    device (bounded by RLIMIT_NOFILE).
//  - DTLS (coaps://): a tls::session per device over the same shared socket
//    (PSK: identity psk_prefix + index, or the endpoint name when the prefix
//    is empty; key = the first 16 bytes of SHA-256(identity) unless psk_key
//    gives one key for all).
//  - MQTT (mqtt://): one mqtt_link per device (a TCP connection each:
//    fine for up to ~10,000 devices under RLIMIT_NOFILE).
//  - Ramp-up: `ramp` devices started per second. Each registers, sends
//    Updates on its lifetime, answers Read / Write / Execute / Observe; the
//    temperature /3303/0/5700 changes `notify_rate` times per second while
//    observed, so observations notify.
//  - Memory: the engines borrow one set of body/scratch buffers
//    (client::work_buffers) and count into one client_counters. sirocco-fleet
//    builds this file (and the libraries under it) with small capacities
//    (apps/sirocco-fleet/CMakeLists.txt); linked into sirocco::runtime it has
//    the default ones (tests).
//
// Host-only; everything runs on the io_context's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include "sirocco/runtime/asio.hpp"

#include "sirocco/base/result.hpp"
#include "sirocco/client/dm.hpp"
#include "sirocco/runtime/fleet_histogram.hpp"

namespace sirocco::runtime {

enum class fleet_transport : std::uint8_t { udp, dtls, mqtt };

struct fleet_options {
    std::size_t clients = 1;
    /// coap://host:port, coaps://host:port (DTLS PSK), mqtt://host:port[/root/].
    std::string server_uri = "coap://127.0.0.1:5683";
    /// Devices started per second (<= 0: all at once).
    double ramp = 10000;
    /// Registration lifetime /1/0/1 (s); Updates follow from it.
    std::int64_t lifetime = 300;
    /// Run time after the last device registered (s); 0: stop once all
    /// registered (or failed).
    double duration_s = 0;
    /// Changes per second of /3303/0/5700 on each observed device; 0: the
    /// value never changes on its own (notifications only by pmax).
    double notify_rate = 0;
    /// Endpoint of device i: endpoint_prefix + (first_index + i).
    std::string endpoint_prefix = "fleet-";
    std::uint32_t first_index = 0;
    /// DTLS PSK identity of device i: psk_prefix + (first_index + i); empty:
    /// the endpoint name.
    std::string psk_prefix;
    /// One PSK for every device; empty: SHA-256(identity)[0..16).
    std::vector<std::uint8_t> psk_key;
    /// DTLS Connection ID length (0: none).
    std::uint8_t dtls_cid = 8;
    /// First loopback source address (shared-socket mode).
    std::string bind_base = "127.1.0.1";
    enum class socket_mode : std::uint8_t {
        automatic,   ///< shared with pktinfo when the server is on 127.0.0.0/8
        shared,      ///< always (fails when the server is not on loopback)
        per_device,  ///< one socket per device
    } sockets = socket_mode::automatic;
    /// Destroy the engine of a device that holds nothing but its
    /// registration (client::quiescent) and make a new one from its
    /// snapshot when it is needed again (client::resume): an idle device
    /// then costs its objects and a snapshot instead of a whole engine.
    /// false: every device keeps its engine for the whole run.
    bool hibernate = true;
    /// De-register every device at the end (and wait for the 2.02s, at most
    /// 30 s).
    bool deregister = false;
    /// Seconds between progress lines (0: none).
    double progress_s = 0;
    /// Give up waiting for registrations this many seconds after the last
    /// device started (0: 120 s); the rest count as not registered.
    double register_timeout_s = 0;
    client::lwm2m_version version = client::lwm2m_version::v1_1;
    /// CoAP ACK_TIMEOUT of the devices (ms).
    std::uint32_t ack_timeout_ms = 2000;
    /// Where progress lines and notes go (nullptr: nowhere).
    std::function<void(const std::string&)> log;
};

/// Parses the server URI's scheme. Errors: unsupported (another scheme).
result<fleet_transport> fleet_transport_of(std::string_view uri);

/// The PSK of `identity` when no key is given: the first 16 bytes of
/// SHA-256(identity) (so that a bench can provision the server's store).
std::vector<std::uint8_t> fleet_derived_psk(std::string_view identity);

/// What a run counted (the JSON keys of docs/perf and the shared brief).
struct fleet_report {
    std::size_t clients = 0;
    std::size_t started = 0;
    std::size_t registered = 0;    ///< devices that got a 2.01 (at least once)
    std::size_t failed = 0;        ///< clients - registered at the end
    std::size_t deregistered = 0;  ///< 2.02 received (with deregister)
    double registration_s = 0;     ///< first start to last first-2.01
    double registrations_per_s = 0;
    double run_s = 0;  ///< start to end
    struct ops {
        std::uint64_t read = 0, write = 0, execute = 0, observe = 0, notify = 0, discover = 0,
                      other = 0;
    } operations;
    double ops_per_s = 0;  ///< (read + write + execute + observe + notify) / run_s
    std::uint64_t registers_sent = 0, updates_sent = 0, updates_ok = 0, deregisters_sent = 0;
    fleet_histogram register_latency_us;
    fleet_histogram handshake_latency_us;  ///< DTLS
    std::map<std::string, std::uint64_t> errors;
    std::size_t rss_before = 0, rss_after = 0;    ///< VmRSS around the devices
    std::size_t heap_before = 0, heap_after = 0;  ///< mallinfo2 in use + mmapped
    std::size_t memory_per_device_bytes = 0;      ///< RSS delta / clients
    std::size_t heap_per_device_bytes = 0;        ///< heap delta / clients
    std::size_t device_size_bytes = 0;            ///< sizeof of one device (without engine)
    std::size_t engine_size_bytes = 0;            ///< sizeof(client::client) of this build
    std::size_t awake_after_registration = 0;     ///< devices with an engine when measured
    std::size_t awake_peak = 0;                   ///< most engines at once
    std::uint64_t hibernations = 0, wakes = 0;
    std::size_t rss_bytes = 0;  ///< at the end
    double cpu_s = 0;           ///< user + system of the process
    std::uint64_t datagrams_out = 0, datagrams_in = 0, send_dropped = 0;
    std::string transport;  ///< udp (shared|per-device), dtls, mqtt
};

class fleet {
  public:
    fleet(asio::io_context& io, fleet_options opts);
    ~fleet();
    fleet(const fleet&) = delete;
    fleet& operator=(const fleet&) = delete;

    /// Opens the transport and starts the ramp-up. `on_done` is called
    /// (from the loop) when the run ends: duration over, or stop().
    /// Errors: invalid_argument (bad options: the reason names which),
    /// unsupported (URI scheme), io_error (socket).
    result<void> start(std::function<void()> on_done);
    /// Ends the run early (de-registering first when asked): on_done follows.
    void stop();
    bool finished() const noexcept;

    /// Counters so far (final once finished).
    fleet_report report() const;
    /// The report as JSON (keys of the shared brief) and as a text table.
    static std::string to_json(const fleet_report& r);
    static std::string summary(const fleet_report& r);

    /// Endpoint name and source address ("127.1.0.5", shared mode) of
    /// device i (tests).
    std::string endpoint(std::size_t i) const;
    std::string source_address(std::size_t i) const;
    /// Whether device i is registered now (tests).
    bool registered(std::size_t i) const;

    struct impl;

  private:
    std::unique_ptr<impl> impl_;
};

/// VmRSS of this process (bytes), 0 when unknown.
std::size_t fleet_rss_bytes();
/// Heap in use (mallinfo2 uordblks + hblkhd), bytes.
std::size_t fleet_heap_bytes();

}  // namespace sirocco::runtime
