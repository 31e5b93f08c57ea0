// Drives one sirocco::client::client (libs/client engine.hpp) over UDP:
//  - open_transport events: parse the coap:// URI (server_uri.hpp), resolve
//    the host with Asio's resolver, add the address as a peer of the
//    runner's UDP socket (opened on first use, IPv4 or IPv6 as the address),
//    then transport_open(); a failure at any step gives transport_failed()
//    and the engine's retry procedure runs;
//  - close_transport events: the server's peer is forgotten;
//  - datagrams in -> on_receive(); timer -> on_timer();
//  - after each call: every event goes to the application's handler (the
//    open/close ones too, after the runner acted on them), every datagram of
//    poll_transmit() to the socket, and the timer is re-armed from
//    next_deadline().
// MQTT (mqtt:// and mqtts:// server URIs, docs/transports.md): one
// mqtt_link per server account, client id = the endpoint name unless
// options::mqtt.client_id says otherwise; it subscribes
// {root}{ep}/serverToDevice and, once the broker accepted it,
// transport_open(peer, framing::compact). Every transmission for that peer
// is published on {root}{ep}/deviceToServer (QoS options::mqtt.qos, retain
// 0), every message in goes to on_receive(). Losing the broker does not end
// the registration (the lifetime does): the link reconnects with its own
// back-off (the only one: the engine's transport stays open and what it
// sends meanwhile is lost, its request timeout covers it), and after a
// reconnection the runner sends an Update (after 2-4 s, see
// mqtt_settings::update_delay_*); an Update the server refuses
// (4.04: the registration expired) makes the engine Register again. A
// close_transport keeps the MQTT link (queue mode: the engine drops what
// arrives while it sleeps).
// Secure and stream transports (issue 8, docs/transports.md), chosen by
// the server URI's scheme (server_uri.hpp):
//  - coaps:// : a DTLS 1.2 session (secure_transport.hpp) over the runner's
//    UDP socket; its credentials come from the Security instance of the
//    account (options::security, /0/x/2-5, 14, 15). transport_open() once
//    the handshake is done; CoAP datagrams go through the session. A
//    failed handshake or a session that ends (alert, close_notify) gives
//    transport_failed() (the engine's retry procedure runs, with a
//    Register). The last session per server is offered for resumption at
//    the next handshake; a Connection ID of options::tls.cid_length bytes
//    (default 8) is asked for, so the session survives a new source
//    address (NAT rebinding, rebind_udp()).
//  - Without a CID (or when the server forgot the session), what we send
//    after our address changed is dropped by the server. When the engine
//    retransmits a confirmable message for the
//    options::dtls_rehandshake_after-th time with nothing heard from the
//    server since it was first sent, the runner does a new handshake
//    (resuming the session) under the same engine peer and sends an Update
//    first, then what waited, then every observation's current value
//    (client::changed(root): what was sent NON into the dead path is not
//    lost for good): the registration and the observations go on (no
//    Register; the engine never sees the transport fail). If that
//    handshake fails, transport_failed() as above.
//  - coap+tcp:// and coaps+tcp:// : one TCP connection (with a TLS 1.2
//    session for coaps+tcp://) per account, stream_transport.hpp;
//    transport_open(peer, framing::stream) once connected (and secured);
//    the engine does CSM and Ping/Pong. Losing the connection gives
//    transport_failed(): the engine registers again over a new connection.
//  - close_transport (after a De-register): close_notify / TCP close, once
//    the pump has sent what the engine queued.
// Everything happens on the event loop's thread. sirocco-fleet runs many
// runners on one event_loop: a runner holds one socket per address family
// in use, one timer and the resolvers in flight; nothing global. Each
// runner has its own UDP socket (a device has its own source port, which is
// how a server tells devices apart), so a fleet of N devices needs N file
// descriptors (raise RLIMIT_NOFILE) and N receive buffers of max_pdu bytes.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include "sirocco/runtime/asio.hpp"

#include "sirocco/base/result.hpp"
#include "sirocco/client/engine.hpp"
#include "sirocco/client/objects/security.hpp"
#include "sirocco/runtime/event_loop.hpp"
#include "sirocco/runtime/mqtt_link.hpp"
#include "sirocco/runtime/server_uri.hpp"
#include "sirocco/runtime/tls.hpp"
#include "sirocco/runtime/udp_endpoint.hpp"

namespace sirocco::runtime {

class client_runner {
  public:
    using event_handler = std::function<void(const client::client_event&)>;
    /// Bind address of the sockets the runner opens (tests, multi-homed
    /// hosts); default: any address, any port.
    struct options {
        std::optional<asio::ip::address> bind_v4;
        std::optional<asio::ip::address> bind_v6;
        /// Called for every datagram sent (`out` true) or received, before
        /// the engine sees it (logs, debugging). May be empty.
        std::function<void(bool out, const udp_address& remote, bytes_view datagram)> trace;

        /// The endpoint client name: the MQTT topics' {ep} and the default
        /// MQTT client id. Needed for mqtt:// servers only.
        std::string endpoint;
        /// The device's MQTT connection settings (mqtt:// and mqtts://
        /// servers): host, port and TLS on/off come from the URI.
        struct mqtt_settings {
            std::string client_id;  ///< empty: the endpoint name
            std::string username;
            std::string password;
            std::string ca_file;    ///< mqtts://: CA of the broker
            std::string cert_file;  ///< mqtts://: client certificate (optional)
            std::string key_file;
            bool insecure = false;  ///< skip the broker host name check (tests)
            std::uint16_t keep_alive_s = 30;
            time_ms reconnect_min_ms = 500;
            time_ms reconnect_max_ms = 30000;
            int qos = 0;
            int protocol_version = 4;
            /// After a reconnection the Update goes out after a random delay
            /// in [min, max]: the server's own link (reconnect ceiling 2 s
            /// by default) is back and subscribed by then (at QoS 0 an
            /// Update published before that is lost, and the engine would
            /// Register anew), and a fleet does not Update all at once.
            time_ms update_delay_min_ms = 2000;
            time_ms update_delay_max_ms = 4000;
        } mqtt;
        /// Every MQTT message sent (`out`) or received, with its topic (logs).
        std::function<void(bool out, std::string_view topic, bytes_view payload)> mqtt_trace;
        /// MQTT link events in words ("connected to ...", "lost ...: reason").
        std::function<void(std::string_view what)> mqtt_log;

        /// The device's Security object (borrowed; must outlive the
        /// runner): the account of a coaps:// or coaps+tcp:// server is
        /// read from it (security_object::account_of) each time its
        /// transport opens. nullptr: secure URIs fail (transport_failed).
        const client::security_object* security = nullptr;
        /// DTLS and TLS settings: Connection ID length (default 8, 0 = no
        /// CID), handshake timers, largest record. `resume` is the runner's
        /// (the last session of each server).
        tls::config tls = [] {
            tls::config c;
            c.cid_length = 8;
            return c;
        }();
        /// Offer the last session of a server for resumption (RFC 5246 7.3).
        bool tls_resume = true;
        /// DTLS: a new (resuming) handshake when a confirmable message is
        /// sent for the (1 + N)-th time with nothing heard from the server
        /// since its first sending (see above); 0 = never.
        unsigned dtls_rehandshake_after = 2;
        /// Secure and stream transport events in words (handshake done or
        /// refused, connection lost, re-handshake). May be empty.
        std::function<void(std::string_view what)> transport_log;
    };

    /// What the runner knows of a server account's secure or stream link
    /// (tests, logs).
    struct link_status {
        coap_transport transport = coap_transport::udp;
        bool open = false;               ///< transport_open() done and not failed since
        bool established = false;        ///< DTLS/TLS: the session is established
        std::uint32_t handshakes = 0;    ///< DTLS/TLS handshakes completed on this account
        std::uint32_t rehandshakes = 0;  ///< DTLS: of which after retransmissions
        std::uint32_t connections = 0;   ///< TCP/TLS: connections made
        bool resumed = false;            ///< the last handshake resumed a session
        bool cid = false;                ///< DTLS: a Connection ID is in use
    };

    client_runner(event_loop& loop, client::client& c, event_handler on_event, options opts);
    client_runner(event_loop& loop, client::client& c, event_handler on_event)
        : client_runner(loop, c, std::move(on_event), options{}) {}
    client_runner(const client_runner&) = delete;
    client_runner& operator=(const client_runner&) = delete;
    ~client_runner();

    /// client::start(now) and the first pump. Errors: those of start().
    result<void> start();

    /// Runs `f(engine, now)` and then pumps: for the application's calls
    /// (update, deregister, send, changed). Returns f's result.
    template <class F>
    auto with_engine(F&& f) {
        auto r = f(client_, now());
        pump();
        return r;
    }

    /// Drains events and transmissions and re-arms the timer.
    void pump();

    client::client& engine() noexcept { return client_; }
    event_loop& loop() noexcept { return loop_; }
    /// The local address of the socket of `family_v6` (tests); nullopt when
    /// not open.
    std::optional<udp_address> local_address(bool v6 = false) const;
    /// The server address a transport was opened to (tests, logs).
    std::optional<udp_address> server_address(client::ssid s) const;
    /// The MQTT link of server account `s` (nullptr: not an MQTT server).
    const mqtt_link* mqtt_link_of(client::ssid s) const;
    /// The DTLS/TCP/TLS link of server account `s`; nullopt for UDP, MQTT
    /// or an account never opened.
    std::optional<link_status> link_of(client::ssid s) const;

    /// Tests (NAT rebinding): closes the UDP socket(s) and opens new ones
    /// on new ports of the same bind address. Peers and DTLS sessions are
    /// kept; what the server sends to the old port is lost. Errors:
    /// io_error (a socket could not be opened again: it stays closed).
    result<void> rebind_udp();

  private:
    struct server_link {
        std::unique_ptr<asio::ip::udp::resolver> resolver;
        std::optional<coap::peer_id> peer;
        int family = 0;  // 4 or 6 once open
        std::uint32_t generation = 0;
        coap_transport kind = coap_transport::udp;
        std::string host;        // the URI's host (X.509 name check)
        tls::credentials creds;  // coaps://: from the Security instance
    };
    struct dtls_server_link;
    struct stream_server_link;
    // secure and stream links (client_runner_secure.cpp)
    void open_dtls(client::ssid s, coap::peer_id p, const tls::credentials& creds);
    void dtls_send(client::ssid s, bytes_view datagram);
    void dtls_rehandshake(client::ssid s);
    void dtls_failed(client::ssid s, std::string why);
    void arm_dtls(client::ssid s);
    void open_stream(client::ssid s, const coap_target& t);
    void close_secure(client::ssid s, bool notify);
    std::optional<client::ssid> dtls_of(coap::peer_id p) const;
    std::optional<client::ssid> stream_of(coap::peer_id p) const;
    result<tls::credentials> credentials_for(client::ssid s, const std::string& host) const;
    void log_transport(const std::string& what) const;
    std::map<client::ssid, std::unique_ptr<dtls_server_link>> dtls_;
    std::map<client::ssid, std::unique_ptr<stream_server_link>> streams_;
    std::map<client::ssid, std::vector<std::uint8_t>> resume_;
    std::map<client::ssid, link_status> status_;
    std::uint32_t next_stream_peer_ = 0;
    void handle_open(const client::client_event& ev);
    void handle_close(client::ssid s);
    void resolved(client::ssid s, std::uint32_t generation, const asio::ip::udp::endpoint& ep);
    void fail(client::ssid s);
    udp_endpoint* socket_for(bool v6);
    udp_endpoint* socket_of(coap::peer_id p);
    void on_datagram(coap::peer_id p, bytes_view b);
    void handle_open_mqtt(client::ssid s, std::string_view uri);
    struct mqtt_server {
        std::string uri;
        std::unique_ptr<mqtt_link> link;
        std::string up, down;  // topics
        coap::peer_id peer;
        bool opened = false;  // transport_open done
        std::unique_ptr<asio::steady_timer> update_timer;
    };
    mqtt_server* mqtt_of(coap::peer_id p);
    std::map<client::ssid, mqtt_server> mqtt_;

    event_loop& loop_;
    client::client& client_;
    event_handler on_event_;
    options opts_;
    std::unique_ptr<udp_endpoint> v4_, v6_;
    deadline_timer timer_;
    std::map<client::ssid, server_link> links_;
    std::array<std::uint8_t, coap::limits::max_pdu> tx_{};
    bool pumping_ = false;
    bool again_ = false;
};

}  // namespace sirocco::runtime
