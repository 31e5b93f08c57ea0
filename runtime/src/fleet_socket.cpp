#include "sirocco/runtime/fleet_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sirocco::runtime {

// Everything sendmmsg / recvmmsg need, allocated once per socket.
struct fleet_socket::buffers {
    struct slot {
        std::array<std::uint8_t, max_datagram> data;
        sockaddr_in addr;
        iovec iov;
        alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(in_pktinfo))> control;
    };
    std::array<slot, batch> out{};
    std::array<mmsghdr, batch> out_msgs{};
    std::array<slot, batch> in{};
    std::array<mmsghdr, batch> in_msgs{};
};

fleet_socket::fleet_socket(asio::io_context& io)
    : socket_(io), b_(std::make_unique<buffers>()), alive_(std::make_shared<bool>(true)) {}

fleet_socket::~fleet_socket() {
    *alive_ = false;
    close();
}

bool fleet_socket::is_open() const noexcept {
    return socket_.is_open();
}

result<void> fleet_socket::open(const asio::ip::udp::endpoint& local, receive_handler on_receive,
                                bool pktinfo, int buffer_bytes) {
    if (socket_.is_open()) return unexpected(errc::not_allowed, "socket already open");
    if (!local.address().is_v4()) return unexpected(errc::invalid_argument, "IPv4 only");
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return unexpected(errc::io_error, "socket() failed");
    auto fail = [fd](const char* why) -> result<void> {
        ::close(fd);
        return unexpected(errc::io_error, why);
    };
    int one = 1;
    if (pktinfo && ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) != 0)
        return fail("setsockopt(IP_PKTINFO) failed");
    if (buffer_bytes > 0) {
        // Best effort: the kernel caps them at net.core.rmem_max / wmem_max.
        (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
        (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof buffer_bytes);
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(local.port());
    a.sin_addr.s_addr = htonl(local.address().to_v4().to_uint());
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return fail("bind() failed");
    socklen_t len = sizeof a;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
        return fail("getsockname() failed");
    boost::system::error_code ec;
    socket_.assign(asio::ip::udp::v4(), fd, ec);
    if (ec) return fail("asio could not take the socket");
    port_ = ntohs(a.sin_port);
    pktinfo_ = pktinfo;
    on_receive_ = std::move(on_receive);
    arm_receive();
    return {};
}

void fleet_socket::close() noexcept {
    if (!socket_.is_open()) return;
    flush();
    boost::system::error_code ec;
    socket_.close(ec);
}

result<void> fleet_socket::send(std::uint32_t src_v4, const asio::ip::udp::endpoint& to,
                                bytes_view data) {
    if (!socket_.is_open()) return unexpected(errc::not_allowed, "socket closed");
    if (data.size() > max_datagram)
        return unexpected(errc::capacity_exceeded, "datagram larger than max_datagram");
    if (out_count_ == batch) flush();
    auto& s = b_->out[out_count_];
    auto& m = b_->out_msgs[out_count_];
    std::memcpy(s.data.data(), data.data(), data.size());
    s.addr = sockaddr_in{};
    s.addr.sin_family = AF_INET;
    s.addr.sin_port = htons(to.port());
    s.addr.sin_addr.s_addr = htonl(to.address().to_v4().to_uint());
    s.iov.iov_base = s.data.data();
    s.iov.iov_len = data.size();
    m = mmsghdr{};
    m.msg_hdr.msg_name = &s.addr;
    m.msg_hdr.msg_namelen = sizeof s.addr;
    m.msg_hdr.msg_iov = &s.iov;
    m.msg_hdr.msg_iovlen = 1;
    if (pktinfo_ && src_v4 != 0) {
        s.control.fill(0);
        m.msg_hdr.msg_control = s.control.data();
        m.msg_hdr.msg_controllen = s.control.size();
        cmsghdr* c = CMSG_FIRSTHDR(&m.msg_hdr);
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
        in_pktinfo pi{};
        pi.ipi_spec_dst.s_addr = htonl(src_v4);
        std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
    }
    ++out_count_;
    return {};
}

void fleet_socket::flush() noexcept {
    if (out_count_ == 0 || !socket_.is_open()) {
        out_count_ = 0;
        return;
    }
    const int fd = socket_.native_handle();
    std::size_t done = 0;
    int again = 0;
    while (done < out_count_) {
        int n =
            ::sendmmsg(fd, b_->out_msgs.data() + done, static_cast<unsigned>(out_count_ - done), 0);
        if (n > 0) {
            ++stats_.batches_out;
            stats_.sent += static_cast<std::uint64_t>(n);
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) && again < 100) {
            // The socket buffer is full: on loopback it drains within
            // microseconds as the receiver reads. Yield a little, then retry.
            ++again;
            ::usleep(50);
            continue;
        }
        // Refused (no route, address not local, ...) or still full: the
        // first datagram is lost, as on a network.
        ++stats_.send_dropped;
        ++done;
    }
    out_count_ = 0;
}

void fleet_socket::arm_receive() {
    std::weak_ptr<bool> alive = alive_;
    socket_.async_wait(asio::ip::udp::socket::wait_read,
                       [this, alive](const boost::system::error_code& ec) {
                           auto a = alive.lock();
                           if (!a || !*a || ec || !socket_.is_open()) return;
                           on_readable();
                       });
}

void fleet_socket::on_readable() {
    const int fd = socket_.native_handle();
    // Read a bounded number of batches, then let the loop run timers and
    // other sockets before coming back (the socket is still readable).
    for (int round = 0; round < 16; ++round) {
        for (std::size_t i = 0; i < batch; ++i) {
            auto& s = b_->in[i];
            auto& m = b_->in_msgs[i];
            s.iov.iov_base = s.data.data();
            s.iov.iov_len = s.data.size();
            m = mmsghdr{};
            m.msg_hdr.msg_name = &s.addr;
            m.msg_hdr.msg_namelen = sizeof s.addr;
            m.msg_hdr.msg_iov = &s.iov;
            m.msg_hdr.msg_iovlen = 1;
            m.msg_hdr.msg_control = s.control.data();
            m.msg_hdr.msg_controllen = s.control.size();
        }
        int n = ::recvmmsg(fd, b_->in_msgs.data(), batch, MSG_DONTWAIT, nullptr);
        if (n <= 0) break;
        ++stats_.batches_in;
        auto alive = alive_;
        for (int i = 0; i < n; ++i) {
            auto& s = b_->in[static_cast<std::size_t>(i)];
            auto& m = b_->in_msgs[static_cast<std::size_t>(i)];
            ++stats_.received;
            if ((m.msg_hdr.msg_flags & MSG_TRUNC) != 0) {
                ++stats_.too_large;
                continue;
            }
            std::uint32_t local = 0;
            if (pktinfo_) {
                for (cmsghdr* c = CMSG_FIRSTHDR(&m.msg_hdr); c != nullptr;
                     c = CMSG_NXTHDR(&m.msg_hdr, c)) {
                    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                        in_pktinfo pi{};
                        std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
                        local = ntohl(pi.ipi_addr.s_addr);
                    }
                }
            }
            asio::ip::udp::endpoint from(asio::ip::address_v4(ntohl(s.addr.sin_addr.s_addr)),
                                         ntohs(s.addr.sin_port));
            if (on_receive_) on_receive_(local, from, bytes_view(s.data.data(), m.msg_len));
            if (!*alive || !socket_.is_open()) return;
        }
        flush();
        if (static_cast<std::size_t>(n) < batch) break;
    }
    flush();
    arm_receive();
}

std::string fleet_socket::v4_text(std::uint32_t a) {
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xFF) + "." +
           std::to_string((a >> 8) & 0xFF) + "." + std::to_string(a & 0xFF);
}

bool fleet_socket::parse_v4(std::string_view text, std::uint32_t& out) noexcept {
    std::uint32_t v = 0;
    int parts = 0;
    std::size_t i = 0;
    while (parts < 4) {
        if (i >= text.size() || text[i] < '0' || text[i] > '9') return false;
        std::uint32_t part = 0;
        std::size_t digits = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 4) {
            part = part * 10 + static_cast<std::uint32_t>(text[i] - '0');
            ++i;
            ++digits;
        }
        if (part > 255) return false;
        v = (v << 8) | part;
        ++parts;
        if (parts < 4) {
            if (i >= text.size() || text[i] != '.') return false;
            ++i;
        }
    }
    if (i != text.size()) return false;
    out = v;
    return true;
}

}  // namespace sirocco::runtime
