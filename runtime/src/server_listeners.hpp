// Private to runtime/src: the state of server_runner's secure and stream
// listeners (server_listeners.cpp), here so that server_runner.cpp can
// destroy it.
#pragma once

#include <array>
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sirocco/runtime/dtls_server.hpp"
#include "sirocco/runtime/server_runner.hpp"
#include "sirocco/runtime/tls.hpp"

namespace sirocco::runtime {

/// Engine peer ids: UDP peers count from 1, DTLS sessions are
/// dtls_peer_base + session id, TCP/TLS connections count from
/// stream_peer_base, MQTT topics from 0x60000000.
inline constexpr std::uint32_t dtls_peer_base = 0x20000000u;
inline constexpr std::uint32_t stream_peer_base = 0x40000000u;

// One TCP or TLS connection = one engine peer.
struct server_runner::stream_conn : std::enable_shared_from_this<stream_conn> {
    stream_conn(asio::io_context& io, boost::asio::ip::tcp::socket s, link_kind k, std::uint32_t id)
        : sock(std::move(s)), kind(k), peer(id), timer(io) {}

    boost::asio::ip::tcp::socket sock;
    link_kind kind;
    std::uint32_t peer;
    std::string addr;                   ///< "ip:port"
    std::unique_ptr<tls::session> tls;  ///< tls only
    bool opened = false;  ///< the engine peer is open (tcp: at once; tls: established)
    bool closed = false;
    std::array<std::uint8_t, 8192> rbuf{};
    std::deque<std::vector<std::uint8_t>> outq;
    std::size_t queued = 0;
    bool writing = false;
    bool close_after_write = false;  ///< an Abort (RFC 8323 5.6) was queued
    bool heard = false;              ///< tcp: bytes received (its silence timer is off)
    asio::steady_timer timer;
    std::optional<time_ms> armed;
};

struct server_runner::listeners {
    explicit listeners(asio::io_context& io) : dtls_timer(io) {}

    std::shared_ptr<tls::server_context> ctx;
    tls::config tls_cfg;
    std::size_t max_handshakes = 256;
    std::size_t max_connections = 100000;

    // DTLS
    std::unique_ptr<boost::asio::ip::udp::socket> dtls_sock;
    std::unique_ptr<tls::dtls_server> dtls;
    std::array<std::uint8_t, 16384> dtls_buf{};
    boost::asio::ip::udp::endpoint dtls_from;
    asio::steady_timer dtls_timer;
    std::optional<time_ms> dtls_armed;

    // TCP and TLS
    std::unique_ptr<boost::asio::ip::tcp::acceptor> tcp_acc, tls_acc;
    std::map<std::uint32_t, std::shared_ptr<stream_conn>> conns;
    std::uint32_t next_conn = stream_peer_base;
    std::size_t tls_handshaking = 0;
    std::size_t open_tcp = 0, open_tls = 0;  ///< connections with an engine peer

    bool accept_error_logged[2] = {false, false};  ///< tcp, tls
    std::set<std::string> handshake_logged;
    bool handshake_log_full = false;

    std::atomic<std::uint16_t> dtls_port{0}, tcp_port{0}, tls_port{0};
};

}  // namespace sirocco::runtime
