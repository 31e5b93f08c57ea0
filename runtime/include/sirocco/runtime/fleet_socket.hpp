// One UDP socket that speaks for many IPv4 source addresses (sirocco-fleet):
// on Linux every address of 127.0.0.0/8 is local, so a socket bound to
// 0.0.0.0:P can send each simulated device's datagrams from the device's own
// address 127.a.b.c (sendmsg with an IP_PKTINFO control message whose
// ipi_spec_dst is that address, ip(7)) and learn from IP_PKTINFO on receive
// (ipi_addr) which address a reply was sent to, i.e. which device it is for.
// The server sees one address per device, as real devices behind distinct
// IPs, and the process needs one file descriptor instead of one per device
// (RLIMIT_NOFILE is the limit otherwise).
//
// Datagrams out are queued and sent in batches with sendmmsg(2) (flush(), or
// when the batch is full); datagrams in are read in batches with
// recvmmsg(2) when the io_context reports the socket readable. Without
// pktinfo (open(..., false)) it is a plain UDP socket: the source address of
// send() is ignored and the handler gets local address 0 (the fallback of
// one socket per device for servers that are not on loopback).
//
// Host-only (Linux), single-threaded: everything runs on the io_context's
// thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include "sirocco/runtime/asio.hpp"

#include "sirocco/base/bytes.hpp"
#include "sirocco/base/result.hpp"

namespace sirocco::runtime {

class fleet_socket {
  public:
    /// One datagram: `local_v4` the IPv4 address it was sent to (host byte
    /// order; 0 without pktinfo), `from` its sender, `data` valid during the
    /// call only. The handler may call send() (and flush()).
    using receive_handler = std::function<void(
        std::uint32_t local_v4, const asio::ip::udp::endpoint& from, bytes_view data)>;

    /// Largest datagram sent or received whole (a larger one is dropped and
    /// counted).
    static constexpr std::size_t max_datagram = 1500;
    /// Datagrams per sendmmsg / recvmmsg call.
    static constexpr std::size_t batch = 64;

    explicit fleet_socket(asio::io_context& io);
    fleet_socket(const fleet_socket&) = delete;
    fleet_socket& operator=(const fleet_socket&) = delete;
    ~fleet_socket();

    /// Opens an IPv4 UDP socket bound to `local` (port 0: any free port)
    /// with IP_PKTINFO when `pktinfo`, socket buffers of `buffer_bytes`
    /// (as far as net.core.[rw]mem_max allow), and starts receiving.
    /// Errors: io_error naming the call that failed; not_allowed (open).
    result<void> open(const asio::ip::udp::endpoint& local, receive_handler on_receive,
                      bool pktinfo = true, int buffer_bytes = 4 << 20);
    bool is_open() const noexcept;
    void close() noexcept;
    /// The bound port (host order).
    std::uint16_t local_port() const noexcept { return port_; }

    /// Queues one datagram from `src_v4` (host order; ignored without
    /// pktinfo, 0 lets the kernel choose) to `to` (copied now). Errors:
    /// too_large (above max_datagram), not_allowed (closed). A datagram the
    /// kernel refuses at flush time (buffer full, no route) is dropped and
    /// counted, as the network would lose it.
    result<void> send(std::uint32_t src_v4, const asio::ip::udp::endpoint& to, bytes_view data);
    /// Sends what is queued.
    void flush() noexcept;
    std::size_t queued() const noexcept { return out_count_; }

    struct stats {
        std::uint64_t sent = 0, received = 0;
        std::uint64_t send_dropped = 0;  ///< refused by the kernel
        std::uint64_t too_large = 0;     ///< received datagrams above max_datagram (truncated)
        std::uint64_t batches_in = 0, batches_out = 0;
    };
    const stats& counters() const noexcept { return stats_; }

    /// Dotted text of a host-order IPv4 address; and the reverse (false when
    /// not a dotted quad).
    static std::string v4_text(std::uint32_t a);
    static bool parse_v4(std::string_view text, std::uint32_t& out) noexcept;

  private:
    struct buffers;
    void arm_receive();
    void on_readable();

    asio::ip::udp::socket socket_;
    receive_handler on_receive_;
    bool pktinfo_ = true;
    std::uint16_t port_ = 0;
    std::unique_ptr<buffers> b_;
    std::size_t out_count_ = 0;
    stats stats_;
    std::shared_ptr<bool> alive_;
};

}  // namespace sirocco::runtime
