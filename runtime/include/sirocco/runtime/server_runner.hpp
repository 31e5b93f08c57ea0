// Runs one sirocco::server::server_engine (libs/server) over UDP and
// implements the device_manager facade the REST API uses.
//
// Threads (docs/server.md): the "core" is one asio::io_context run by ONE
// thread (the caller's): the UDP socket, the engine, its timer and the
// stores (SQLite) live there. Everything else (HTTP sessions) calls the
// device_manager functions from other threads:
//  - submit(), subscribe(), unsubscribe() may be called from any thread;
//    submit() posts to the core; completions and listeners run on the core
//    thread, in order, and must not block;
//  - the snapshot queries (registrations(), find(), observations(),
//    sleeping()) take the engine's mutex for the copy (the core holds it
//    while it feeds the engine, never while it calls listeners or
//    completions, so a listener may call them).
//
// Stores: with store_kind::sqlite the registrations and observations are in
// data_dir/sirocco.db (the directory is created when missing), so that they
// survive a restart; with store_kind::memory they are lost at exit.
// Clock: server_clock (wall-clock ms at start + steady elapsed), so stored
// times keep their meaning across restarts. At start the runner opens a
// peer for the address of every stored registration, so resumed
// observations and requests work before the client is heard from again.
//
// Datagrams the engine refuses (malformed CoAP, ...) are dropped and logged
// once per peer (a peer sending garbage is not allowed to flood the log).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include "sirocco/runtime/asio.hpp"

#include "sirocco/base/result.hpp"
#include "sirocco/lwm2m/model_store.hpp"
#include "sirocco/runtime/device_manager.hpp"
#include "sirocco/runtime/mqtt_link.hpp"
#include "sirocco/runtime/server_clock.hpp"
#include "sirocco/runtime/server_log.hpp"
#include "sirocco/runtime/udp_endpoint.hpp"
#include "sirocco/server/registration_store.hpp"
#include "sirocco/server/server_engine.hpp"

namespace sirocco::runtime {

class metrics;
using coap::time_ms;

enum class store_kind : std::uint8_t { sqlite, memory };

struct server_runner_options {
    /// Address and port of the CoAP/UDP socket ("0.0.0.0", "127.0.0.1",
    /// "::"); port 0 lets the OS pick (coap_port() tells which).
    std::string coap_address = "0.0.0.0";
    std::uint16_t coap_port = 5683;
    store_kind store = store_kind::sqlite;
    /// Folder of the SQLite file (created when missing): data_dir/sirocco.db.
    std::string data_dir = "sirocco-data";
    /// A folder of DDF XML object definitions (OMA registry format) added to
    /// the built-in models; "" for the built-ins only.
    std::string models_dir;
    /// Extra time after a registration's lifetime before it expires.
    std::chrono::milliseconds lifetime_grace{2000};
    /// Queue mode: how long a queue-mode device is considered awake.
    std::chrono::milliseconds queue_awake{93000};
    /// Requests the engine passes on (server::event_kind::request: mq2m://
    /// and coap:// firmware GETs). Called on the core thread with the
    /// engine's mutex held; returns true when it answered (engine.respond),
    /// false: 4.04 as without a handler.
    std::function<bool(const server::event&, server::server_engine&, time_ms now)> request_handler;

    /// MQTT listeners beside the UDP socket (docs/transports.md): one broker
    /// connection per URI (mqtt://host:port/root/ or mqtts://), subscribed to
    /// {root}+/deviceToServer, or $share/{mqtt_share_group}/{root}+/
    /// deviceToServer when the group is set. Each device topic is a peer
    /// bound to its endpoint (a Register as another endpoint: 4.03); its
    /// registration's address is "mqtt://host:port/root/ep".
    std::vector<std::string> mqtt_uris;
    std::string mqtt_share_group;
    /// The server's own MQTT connection: client id (empty:
    /// "sirocco-server-<pid>", "-<n>" added for the n-th listener when
    /// several), credentials, TLS files (mqtts://), insecure (tests only).
    std::string mqtt_client_id;
    std::string mqtt_username;
    std::string mqtt_password;
    std::string mqtt_ca_file;
    std::string mqtt_cert_file;
    std::string mqtt_key_file;
    bool mqtt_insecure = false;
    std::uint16_t mqtt_keep_alive_s = 30;
    /// Back-off of the server's links: short, so that after a broker
    /// restart the server is subscribed again before its devices send
    /// their Updates (they wait 2-4 s, client_runner).
    time_ms mqtt_reconnect_min_ms = 100;
    time_ms mqtt_reconnect_max_ms = 2000;
};

class server_runner final : public device_manager {
  public:
    /// Opens the stores and loads the models; nothing runs yet. `log` is
    /// borrowed (outlives the runner). Errors: io_error (the data dir cannot
    /// be created, the database cannot be opened), unsupported (a database
    /// of another schema), invalid_argument (the models folder cannot be
    /// read or a DDF file in it has errors: the reason names the file).
    static result<std::unique_ptr<server_runner>> create(asio::io_context& core,
                                                         const server_runner_options& opts,
                                                         server_log& log);
    ~server_runner() override;
    server_runner(const server_runner&) = delete;
    server_runner& operator=(const server_runner&) = delete;

    /// Binds the UDP socket and opens the peers of stored registrations.
    /// Call on the core thread before it runs (or from it). Errors: io_error
    /// (the address cannot be bound), invalid_argument (not an IP address).
    result<void> start();
    /// Graceful stop, from any thread: posted to the core, which closes the
    /// socket, cancels pending requests (their completions get
    /// failure::cancelled) and the timer. The stores stay open until the
    /// runner is destroyed (the SQLite file is consistent after each write:
    /// WAL). Idempotent.
    void stop();

    /// MQTT listeners connected to their broker now (any thread).
    std::size_t mqtt_connected() const noexcept { return mqtt_up_.load(); }
    /// The bound CoAP port (after start()).
    std::uint16_t coap_port() const noexcept { return bound_port_.load(); }
    /// The metrics the runner updates (not owned; set before start(); may be
    /// nullptr).
    void set_metrics(metrics* m) noexcept { metrics_ = m; }

    // device_manager
    std::vector<server::registration> registrations() const override;
    std::optional<server::registration> find(std::string_view endpoint) const override;
    std::vector<server::observation> observations(std::string_view endpoint) const override;
    bool sleeping(std::string_view endpoint) const override;
    const lwm2m::model_provider& models() const override { return *models_; }
    void submit(std::string endpoint, server::dm_request req, std::chrono::milliseconds timeout,
                completion done) override;
    std::uint64_t subscribe(listener l) override;
    void unsubscribe(std::uint64_t id) override;

    /// The engine's counters (a copy, any thread).
    server::server_engine::stats counters() const;
    /// The clock's now() (any thread).
    time_ms now() const noexcept { return clock_.now(); }

  private:
    server_runner(asio::io_context& core, const server_runner_options& opts, server_log& log);
    struct pending {
        completion done;
        std::string endpoint;
        std::string operation;
        std::chrono::steady_clock::time_point started;
    };
    void on_datagram(coap::peer_id p, bytes_view b);
    void on_timer();
    /// Drains the engine (lock held), then dispatches (lock released).
    void pump(std::unique_lock<std::mutex>& lock);
    void dispatch(std::vector<server::event>& events);
    void log_event(const server::event& e);
    void count_event(const server::event& e);  ///< metrics; lock held
    void arm_timer();
    std::string address_text(coap::peer_id p) const;
    void open_engine_peer(coap::peer_id p, time_ms t);
    result<void> start_mqtt();
    void on_mqtt_message(std::size_t li, std::string_view topic, bytes_view b);
    /// The MQTT peer of (listener, ep), made when new; lock held.
    coap::peer_id mqtt_peer(std::size_t li, const std::string& ep, time_ms t);
    struct mqtt_listener {
        std::string base;  // "mqtt://host:port/root/"
        std::string root;
        std::unique_ptr<mqtt_link> link;
    };
    struct mqtt_peer_info {
        std::size_t listener = 0;
        std::string endpoint;
        std::string downlink;  // {root}{ep}/serverToDevice
        std::string address;   // base + ep
    };
    std::vector<mqtt_listener> mqtt_;
    std::map<std::uint32_t, mqtt_peer_info> mqtt_peers_;  ///< peer -> topic
    std::map<std::pair<std::size_t, std::string>, std::uint32_t>
        mqtt_ids_;  ///< (listener, ep) -> peer
    std::uint32_t next_mqtt_peer_ = 0x60000000u;
    std::atomic<std::size_t> mqtt_up_{0};

    asio::io_context& core_;
    server_runner_options opts_;
    server_log& log_;
    server_clock clock_;
    metrics* metrics_ = nullptr;

    std::unique_ptr<lwm2m::model_store> model_store_;
    const lwm2m::model_provider* models_ = nullptr;
    std::unique_ptr<server::registration_store> reg_store_;
    std::unique_ptr<server::observation_store> obs_store_;
    std::unique_ptr<server::server_engine> engine_;
    std::uint32_t rng_state_ = 0;
    static std::uint32_t rng(void* ctx) noexcept;

    mutable std::mutex mx_;  ///< guards engine_, stores, sleeping_, pending_
    std::set<std::string, std::less<>> sleeping_;
    std::size_t registration_count_ = 0;
    std::map<std::uint64_t, pending> pending_;
    std::set<std::uint32_t> engine_peers_;    ///< peers opened in the engine
    std::set<std::uint32_t> garbage_logged_;  ///< peers whose bad input was logged

    std::recursive_mutex listeners_mx_;
    std::map<std::uint64_t, listener> listeners_;
    std::uint64_t next_listener_ = 1;

    std::unique_ptr<udp_endpoint> socket_;
    asio::steady_timer timer_;
    std::optional<time_ms> armed_;
    std::array<std::uint8_t, coap::limits::max_pdu> tx_{};
    std::atomic<std::uint16_t> bound_port_{0};
    std::atomic<bool> stopped_{false};
};

}  // namespace sirocco::runtime
