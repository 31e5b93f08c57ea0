// One MQTT connection on libmosquitto (Debian libmosquitto-dev, 2.0),
// driven by the runtime's asio::io_context: no mosquitto_loop_start thread,
// no blocking call once the host is resolved, so one thread carries any
// number of links (the simulator's thousands of MQTT devices).
//
// How it is driven:
//  - connect: the host is resolved with Asio's resolver (a numeric host is
//    used as is), then mosquitto_connect_async (non-blocking TCP connect; the
//    CONNECT packet is queued until the socket is writable). With TLS the
//    host name is given to libmosquitto as written, so that the broker's
//    certificate is checked against it (its getaddrinfo then blocks for a
//    name that is not in /etc/hosts or the resolver's cache);
//  - readiness: the socket of mosquitto_socket() is watched through an
//    asio::posix::stream_descriptor (it is not owned by it: libmosquitto
//    opens and closes it). Readable -> mosquitto_loop_read until the socket
//    is drained (Asio's epoll is edge-triggered); after every call that may
//    queue bytes, mosquitto_loop_write, and a wait for writability only when
//    the kernel buffer is full (mosquitto_want_write);
//  - a periodic timer calls mosquitto_loop_misc (keep-alive PINGREQ, and
//    the loss of a broker that stopped answering after 1.5 keep-alives);
//  - a loss (or a failed attempt) schedules a new attempt after an
//    exponential back-off with jitter: delay n = min(max, min * 2^n) scaled
//    by a random factor in [0.5, 1]; a CONNACK "accepted" resets it.
//    Subscriptions made with subscribe() are remembered and sent again
//    after every (re)connection (sessions are clean by default).
//
// RFCs/specs: MQTT 3.1.1 (OASIS 2014) and MQTT 5.0 (OASIS 2019); topic
// wildcards and $share/{group}/ shared subscriptions as mosquitto implements
// them. Host-only; everything runs on the io_context's thread, and every
// callback is called from it (never from inside the caller's own call to
// publish/subscribe/close).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include "sirocco/runtime/asio.hpp"

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"
#include "sirocco/runtime/clock.hpp"

namespace sirocco::runtime {

struct mqtt_tls_options {
    bool enabled = false;
    std::string ca_file;    ///< PEM file of the CA(s) that sign the broker's certificate
    std::string cert_file;  ///< client certificate (PEM), empty: none
    std::string key_file;   ///< its private key (PEM, unencrypted), empty: none
    /// Do not check the broker's host name against its certificate
    /// (mosquitto_tls_insecure_set). For tests on 127.0.0.1 only.
    bool insecure = false;
};

struct mqtt_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 1883;
    /// MQTT client identifier; empty: the broker assigns one (requires
    /// clean_session).
    std::string client_id;
    std::uint16_t keep_alive_s = 30;  ///< MQTT keep-alive, seconds (>= 5 for libmosquitto)
    bool clean_session = true;
    std::string username;  ///< empty: no user name (then no password either)
    std::string password;
    mqtt_tls_options tls;
    int protocol_version = 4;          ///< 4: MQTT 3.1.1 (default), 5: MQTT 5.0
    time_ms reconnect_min_ms = 250;    ///< first back-off delay
    time_ms reconnect_max_ms = 10000;  ///< back-off ceiling
    /// Attempts go on forever after a loss or a failed connect; false: the
    /// link stays down after the first loss (tests).
    bool auto_reconnect = true;
};

class mqtt_link {
  public:
    enum class state : std::uint8_t {
        idle,        ///< not started, or closed
        resolving,   ///< waiting for the resolver
        connecting,  ///< TCP/TLS/CONNECT sent, waiting for CONNACK
        connected,   ///< CONNACK accepted: publish/subscribe go out now
        waiting,     ///< lost or refused: the back-off timer runs
    };

    /// CONNACK accepted. Remembered subscriptions have been sent again.
    using connect_handler = std::function<void()>;
    /// The connection ended or an attempt failed. `was_connected`: a
    /// connection that had its CONNACK is lost (else an attempt failed).
    /// `reason`: libmosquitto's words (mosquitto_strerror /
    /// mosquitto_connack_string). A new attempt is already scheduled when
    /// auto_reconnect.
    using disconnect_handler = std::function<void(bool was_connected, std::string_view reason)>;
    /// One PUBLISH received. `topic` and `payload` are valid during the call
    /// only (libmosquitto frees them afterwards). It runs inside
    /// libmosquitto's read: it may publish/subscribe, but must not close()
    /// or destroy the link (post that to the io_context).
    using message_handler = std::function<void(std::string_view topic, bytes_view payload)>;

    /// Calls mosquitto_lib_init once per process (thread-safe). Nothing is
    /// connected until start().
    mqtt_link(asio::io_context& io, mqtt_options opts);
    mqtt_link(const mqtt_link&) = delete;
    mqtt_link& operator=(const mqtt_link&) = delete;
    /// close() then frees libmosquitto's handle. Handlers are not called.
    ~mqtt_link();

    void on_connect(connect_handler h);
    void on_disconnect(disconnect_handler h);
    void on_message(message_handler h);

    /// Starts the first connection attempt (asynchronous: the outcome comes
    /// through on_connect / on_disconnect). Errors: invalid_argument (bad
    /// TLS files, a password without user name, protocol version not 4 or
    /// 5), not_allowed (already started). A refused TCP connect is not an
    /// error here: it is reported by on_disconnect and retried.
    result<void> start();

    /// Publishes `payload` (copied by libmosquitto before the call returns)
    /// on `topic`. QoS 0/1/2, retain as given. Errors: not_allowed (not
    /// connected: at QoS 0 nothing would be kept, so nothing is queued),
    /// invalid_argument (topic with wildcards, empty, QoS > 2),
    /// capacity_exceeded (payload too large), io_error (libmosquitto).
    result<void> publish(std::string_view topic, bytes_view payload, int qos = 0,
                         bool retain = false);

    /// Subscribes to `pattern` (wildcards + #, or $share/{group}/...) now
    /// when connected, and again after every reconnection. Errors:
    /// invalid_argument (empty or invalid pattern, QoS > 2), io_error.
    result<void> subscribe(std::string_view pattern, int qos = 0);

    /// Sends DISCONNECT when connected, closes the socket, stops the timers
    /// and the back-off. start() may be called again afterwards. No handler
    /// is called by close().
    void close();

    state current_state() const noexcept;
    bool connected() const noexcept { return current_state() == state::connected; }
    const mqtt_options& options() const noexcept;
    /// Connections that reached CONNACK, and attempts made (tests, metrics).
    std::uint64_t connections() const noexcept;
    std::uint64_t attempts() const noexcept;
    std::uint64_t messages_in() const noexcept;
    std::uint64_t messages_out() const noexcept;

    struct impl;

  private:
    std::shared_ptr<impl> impl_;
};

/// `topic` is a valid topic name to publish on (non-empty, no + or #, no
/// NUL, at most 65535 bytes).
bool mqtt_valid_topic_name(std::string_view topic) noexcept;

}  // namespace sirocco::runtime
