#include "sirocco/runtime/udp_endpoint.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>

#include <string>

namespace sirocco::runtime {

std::optional<udp_address> parse_udp_address(std::string_view t) {
    std::string_view host, port;
    if (!t.empty() && t.front() == '[') {
        auto close = t.find(']');
        if (close == std::string_view::npos || close + 1 >= t.size() || t[close + 1] != ':')
            return std::nullopt;
        host = t.substr(1, close - 1);
        port = t.substr(close + 2);
    } else {
        auto colon = t.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        host = t.substr(0, colon);
        port = t.substr(colon + 1);
    }
    unsigned long p = 0;
    if (port.empty() || port.size() > 5) return std::nullopt;
    for (char c : port) {
        if (c < '0' || c > '9') return std::nullopt;
        p = p * 10 + static_cast<unsigned long>(c - '0');
    }
    if (p == 0 || p > 65535) return std::nullopt;
    boost::system::error_code ec;
    auto a = asio::ip::make_address(std::string(host), ec);
    if (ec) return std::nullopt;
    return udp_address(a, static_cast<std::uint16_t>(p));
}

udp_endpoint::udp_endpoint(asio::io_context& io, std::uint32_t first_peer_id)
    : socket_(io), peers_(first_peer_id) {}

udp_endpoint::~udp_endpoint() {
    close();
}

result<void> udp_endpoint::open(const udp_address& local, receive_handler on_receive) {
    boost::system::error_code ec;
    socket_.open(local.protocol(), ec);
    if (!ec) socket_.bind(local, ec);
    if (!ec) {
        // A server socket meets storms (10,000s of Registers at once): the
        // kernel's default receive buffer (rmem_default, ~208 KiB: a few
        // hundred datagrams) overflows and every loss costs a CoAP
        // retransmission seconds later. Ask for socket_buffer_bytes; the
        // kernel caps it at rmem_max / wmem_max silently, and the memory is
        // only used while datagrams wait, so a client socket pays nothing.
        boost::system::error_code ignored;
        socket_.set_option(asio::socket_base::receive_buffer_size(socket_buffer_bytes), ignored);
        socket_.set_option(asio::socket_base::send_buffer_size(socket_buffer_bytes), ignored);
    }
    if (ec) {
        socket_.close(ec);
        return unexpected(errc::io_error, "cannot open or bind the UDP socket");
    }
    on_receive_ = std::move(on_receive);
    arm_receive();
    return {};
}

void udp_endpoint::close() noexcept {
    boost::system::error_code ec;
    socket_.close(ec);
}

result<void> udp_endpoint::set_buffer_sizes(std::size_t receive_bytes, std::size_t send_bytes) {
    boost::system::error_code ec;
    socket_.set_option(asio::socket_base::receive_buffer_size(static_cast<int>(receive_bytes)), ec);
    if (!ec)
        socket_.set_option(asio::socket_base::send_buffer_size(static_cast<int>(send_bytes)), ec);
    if (ec) return unexpected(errc::io_error, "cannot set the UDP socket buffer sizes");
    return {};
}

udp_address udp_endpoint::local_address() const {
    boost::system::error_code ec;
    auto a = socket_.local_endpoint(ec);
    return ec ? udp_address{} : a;
}

result<void> udp_endpoint::send(coap::peer_id p, bytes_view datagram) {
    auto to = peers_.address(p);
    if (!to) return unexpected(errc::not_found, "no such peer on this socket");
    if (!socket_.is_open()) return unexpected(errc::io_error, "the UDP socket is closed");
    boost::system::error_code ec;
    socket_.send_to(asio::buffer(datagram.data(), datagram.size()), *to, 0, ec);
    if (ec) return unexpected(errc::io_error, "UDP send failed");
    ++out_;
    return {};
}

void udp_endpoint::arm_receive() {
    socket_.async_receive_from(asio::buffer(buf_), from_,
                               [this](const boost::system::error_code& ec, std::size_t n) {
                                   if (ec == asio::error::operation_aborted || !socket_.is_open())
                                       return;
                                   // Errors such as ICMP port unreachable (ECONNREFUSED) are
                                   // reported on the next receive on Linux: nothing was received;
                                   // keep listening.
                                   if (!ec && n <= max_datagram) {
                                       std::optional<coap::peer_id> p = peers_.find(from_);
                                       if (!p && accept_unknown_) p = peers_.add(from_);
                                       if (p) {
                                           ++in_;
                                           if (on_receive_)
                                               on_receive_(*p, bytes_view(buf_.data(), n));
                                       }
                                   }
                                   if (socket_.is_open()) arm_receive();
                               });
}

}  // namespace sirocco::runtime
