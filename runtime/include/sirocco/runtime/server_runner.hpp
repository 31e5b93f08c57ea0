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
//
// Secure and stream listeners (issue 8, server_listeners.cpp; docs/server.md):
//  - DTLS 1.2 (coaps://) on its own UDP socket through tls::dtls_server
//    (cookies, bounded handshakes, Connection ID): each established session
//    is one engine peer (datagram framing, address "coaps://ip:port"); a CID
//    session that moves keeps its peer, the registration's address follows
//    (server_engine::set_peer_address).
//  - CoAP over TCP (coap+tcp://, RFC 8323) and over TLS (coaps+tcp://): each
//    connection is one engine peer (stream framing; the engine does
//    CSM/Ping/Pong), address "coap+tcp://ip:port" / "coaps+tcp://ip:port".
//  - Who may be whom (the security store, security_store.hpp): a DTLS/TLS
//    peer may register, update and de-register only as the endpoint of the
//    store entry its identity matches (PSK identity, RPK key, or x509 with
//    the certificate's CN as endpoint); with no matching entry, as nobody.
//    A UDP or TCP peer may not act as an endpoint that has a store entry.
//    Everything else gets 4.03 (server_config::authorize), logged once per
//    peer and endpoint. MQTT devices are authenticated by the broker (its
//    ACLs bind topic and endpoint): the store does not apply to them.
//  - Refused handshakes (unknown identity, wrong key, bad certificate,
//    timeout) are logged once per address (the first 1,000 addresses; then
//    only counted in sirocco_tls_handshakes_total).
//  - Changing or removing an endpoint's entry (REST) closes its secure
//    sessions: the device must handshake again with the new credentials.
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

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include "sirocco/runtime/asio.hpp"

#include "sirocco/base/result.hpp"
#include "sirocco/lwm2m/model_store.hpp"
#include "sirocco/runtime/device_manager.hpp"
#include "sirocco/runtime/mqtt_link.hpp"
#include "sirocco/runtime/rest_api.hpp"
#include "sirocco/runtime/server_clock.hpp"
#include "sirocco/runtime/server_log.hpp"
#include "sirocco/runtime/tls.hpp"
#include "sirocco/runtime/udp_endpoint.hpp"
#include "sirocco/server/registration_store.hpp"
#include "sirocco/server/security_store.hpp"
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

    /// Secure and stream listeners (issue 8). Ports: -1 disabled (the
    /// default here; sirocco-server's flags default to 5684 / 5683 / 5684),
    /// 0 any free port. Addresses: "" = coap_address.
    std::string coaps_address;
    int coaps_port = -1;  ///< DTLS over UDP
    std::string coap_tcp_address;
    int coap_tcp_port = -1;   ///< CoAP over TCP
    int coaps_tcp_port = -1;  ///< CoAP over TLS (address: coap_tcp_address)
    /// When false, a listener whose port cannot be bound is only a warning
    /// and that listener is off (sirocco-server: a port taken by default,
    /// not given by a flag).
    bool coaps_port_required = true;
    bool coap_tcp_port_required = true;
    bool coaps_tcp_port_required = true;
    /// The server's private key (PEM/DER) for RPK and X.509; "" = a key
    /// generated at start (RPK only). Its certificate (PEM, chain leaf
    /// first); "" = no X.509 server certificate (X.509 clients are refused).
    std::string tls_key_file;
    std::string tls_cert_file;
    /// CA bundle (PEM) client certificates must chain to; "" = X.509 clients
    /// are refused.
    std::string tls_ca_file;
    /// DTLS Connection ID length (RFC 9146); 0 = no CID.
    std::uint8_t dtls_cid_length = 8;
    /// Bounds on what strangers can cost (dtls_server_limits).
    std::size_t max_handshakes = 256;
    std::size_t max_sessions = 200000;
    /// DTLS/TLS handshake timeout.
    time_ms handshake_timeout_ms = 30000;
    /// A DTLS session that sent no application data for this long is
    /// closed (the stale session a client leaves when its address changes
    /// without a Connection ID); 0 = never. Make it longer than the
    /// longest registration lifetime.
    time_ms dtls_idle_timeout_ms = 0;
    /// Most TCP/TLS connections at once (more are closed at accept).
    std::size_t max_connections = 100000;
    /// SO_RCVBUF and SO_SNDBUF of the UDP and DTLS sockets (a burst of
    /// Registers overflows the OS default of ~208 KB); 0 = leave them (the
    /// UDP socket: udp_endpoint's own default; DTLS: the OS default). The
    /// kernel caps it at net.core.rmem_max / wmem_max.
    std::size_t udp_buffer_bytes = 0;
};

/// Bound ports of the listeners (0 = not listening).
struct listener_ports {
    std::uint16_t udp = 0, dtls = 0, tcp = 0, tls = 0;
};

class server_runner final : public device_manager, public rest::security_admin {
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
    /// Every bound port (after start()).
    listener_ports ports() const noexcept;
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

    // rest::security_admin (any thread)
    result<server::put_outcome> put_security(const server::security_entry& e) override;
    std::vector<server::security_entry> security_entries() const override;
    result<server::security_entry> remove_security(std::string_view endpoint) override;
    server_credentials server_security() const override;

    /// Secure sessions and stream connections now (any thread; tests).
    struct link_counts {
        std::size_t dtls = 0, tcp = 0, tls = 0;
        std::size_t dtls_handshaking = 0;
    };
    link_counts links() const;

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

    // --- secure and stream listeners (server_listeners.cpp) ---------------
    struct listeners;    ///< sockets, dtls_server, TLS context, connections
    struct stream_conn;  ///< one TCP or TLS connection
    enum class link_kind : std::uint8_t { dtls, tcp, tls };
    /// An engine peer that is a DTLS session or a TCP/TLS connection.
    struct link_peer {
        link_kind kind = link_kind::dtls;
        std::uint32_t session = 0;          ///< dtls: dtls_server::session_id
        std::shared_ptr<stream_conn> conn;  ///< tcp, tls
        std::string address;                ///< "coaps://ip:port", ...
        bool secure = false;
        bool has_entry = false;  ///< the identity matched a store entry
        std::string bound;       ///< its endpoint (secure peers)
        std::string who;         ///< the identity, for logs ("psk:id")
        std::string cn;          ///< x509: the certificate's CN
    };
    static result<std::unique_ptr<server::security_store>> open_security_store(
        const server_runner_options& opts, const std::string& file);
    result<void> start_listeners();
    void stop_listeners();
    /// Looks the identity up in the security store (lock held).
    void bind_identity(link_peer& lp, const tls::identity& who);
    void log_handshake_refused(const char* transport, const std::string& address, tls::failure f,
                               const std::string& detail, const tls::identity* who);
    /// Bytes from a link peer into the engine (stream: all of them); lock held.
    void feed(std::uint32_t peer, bytes_view b, time_ms t, bool stream);
    coap::framing framing_of(std::uint32_t p) const;
    void dtls_receive();
    void dtls_flush();
    void dtls_drain(time_ms t);
    void dtls_arm();
    void accept_next(link_kind kind);
    void on_accept(link_kind kind, boost::asio::ip::tcp::socket s);
    std::size_t count_conns(link_kind kind) const;
    void conn_read(const std::shared_ptr<stream_conn>& c);
    void tls_progress(const std::shared_ptr<stream_conn>& c, time_ms t);
    void conn_flush_tls(const std::shared_ptr<stream_conn>& c);
    void conn_write(const std::shared_ptr<stream_conn>& c, bytes_view d);
    void conn_do_write(const std::shared_ptr<stream_conn>& c);
    void conn_arm_timer(const std::shared_ptr<stream_conn>& c);
    /// Closes a connection and its engine peer; lock held.
    void conn_close(const std::shared_ptr<stream_conn>& c, const std::string& reason);
    /// server_config::authorize (core thread, engine lock held).
    bool authorize(coap::peer_id p, std::string_view endpoint);
    /// Sends engine output to a link peer; false when `p` is not one.
    bool send_link(std::uint32_t p, bytes_view d);
    /// Link peers whose identity is bound to `endpoint` are closed (core thread).
    void close_links_of(const std::string& endpoint);
    std::string transport_of(std::uint32_t p) const;
    void log_refusal(const server::event& e);
    std::unique_ptr<listeners> lst_;
    std::map<std::uint32_t, link_peer> links_;  ///< engine peer -> link
    std::set<std::pair<std::uint32_t, std::string>> refusals_logged_;

    // security store (its own mutex: the TLS policy and REST use it)
    mutable std::mutex sec_mx_;
    std::unique_ptr<server::security_store> sec_store_;
    /// Endpoints that have an entry (authorize() of plain peers runs on
    /// every Register: no store lookup for it); guarded by sec_mx_.
    std::set<std::string, std::less<>> secured_;
    server_credentials own_creds_;  ///< set by start_listeners()

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
