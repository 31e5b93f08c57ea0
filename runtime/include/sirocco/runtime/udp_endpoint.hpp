// One UDP socket driven by an asio::io_context, with its peer_map: datagrams
// in are handed to a callback with the sender's peer id, datagrams out go to
// a peer id. Client side: one endpoint per engine (its own source port, as a
// device has), peers added when the runtime opens a transport. Server side:
// bind to a port and let unknown senders in (accept_unknown), many peers on
// one socket. Host-only.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>
#include <system_error>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include "sirocco/runtime/asio.hpp"

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"
#include "sirocco/coap/config.hpp"
#include "sirocco/runtime/peer_map.hpp"

namespace sirocco::runtime {

/// Parses the runtime's address text "1.2.3.4:5683" or "[::1]:5683" (an IP
/// literal, no DNS name; port 1-65535); nullopt for anything else.
std::optional<udp_address> parse_udp_address(std::string_view text);

class udp_endpoint {
  public:
    /// Called for each datagram from a known peer (or any sender when
    /// accept_unknown). `bytes` is valid during the call only.
    using receive_handler = std::function<void(coap::peer_id, bytes_view)>;

    /// Largest datagram received whole; larger ones are dropped (the CoAP
    /// engine would not take them anyway).
    static constexpr std::size_t max_datagram = coap::limits::max_pdu;
    /// SO_RCVBUF / SO_SNDBUF asked for at open() (the kernel caps them at
    /// net.core.rmem_max / wmem_max): room for a registration storm.
    static constexpr int socket_buffer_bytes = 4 << 20;

    udp_endpoint(asio::io_context& io, std::uint32_t first_peer_id = 1);
    udp_endpoint(const udp_endpoint&) = delete;
    udp_endpoint& operator=(const udp_endpoint&) = delete;
    ~udp_endpoint();

    /// Opens the socket bound to `local` (port 0: any free port) and starts
    /// receiving. Errors: io_error (the OS refused: address in use, ...).
    result<void> open(const udp_address& local, receive_handler on_receive);
    bool is_open() const noexcept { return socket_.is_open(); }
    /// Closes the socket; pending receive ends. Peers are kept.
    void close() noexcept;

    /// SO_RCVBUF / SO_SNDBUF of the open socket (open() asks for
    /// socket_buffer_bytes; the kernel may cap them at net.core.rmem_max /
    /// wmem_max). Errors: io_error (not open, or refused).
    result<void> set_buffer_sizes(std::size_t receive_bytes, std::size_t send_bytes);

    /// The bound address (port chosen by the OS when opened with 0).
    udp_address local_address() const;

    /// Datagrams from addresses not in the map: false (client) drops them;
    /// true (server) adds the sender as a new peer.
    void set_accept_unknown(bool v) noexcept { accept_unknown_ = v; }

    peer_map& peers() noexcept { return peers_; }
    const peer_map& peers() const noexcept { return peers_; }

    /// Sends one datagram to `p` now (UDP send does not block in practice;
    /// a full socket buffer drops it as the network would). Errors:
    /// not_found (unknown peer), io_error.
    result<void> send(coap::peer_id p, bytes_view datagram);

    std::size_t datagrams_in() const noexcept { return in_; }
    std::size_t datagrams_out() const noexcept { return out_; }

  private:
    void arm_receive();

    asio::ip::udp::socket socket_;
    peer_map peers_;
    receive_handler on_receive_;
    asio::ip::udp::endpoint from_;
    std::array<std::uint8_t, max_datagram + 1> buf_{};
    bool accept_unknown_ = false;
    std::size_t in_ = 0, out_ = 0;
};

}  // namespace sirocco::runtime
