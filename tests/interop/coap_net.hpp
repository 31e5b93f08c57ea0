// A small POSIX socket driver around coap::engine for interop tests and the
// coap-test-server: one UDP socket, an optional TCP listener, TCP client
// connections, poll() and a monotonic clock. Test code only: libs/ stays
// sans-I/O.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <random>
#include <vector>

#include "sirocco/coap/engine.hpp"

namespace sirocco::coap::net {

inline time_ms clock_ms() {
    using namespace std::chrono;
    return static_cast<time_ms>(
        duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

inline std::uint32_t os_random(void*) noexcept {
    static std::mt19937 gen{std::random_device{}()};
    return static_cast<std::uint32_t>(gen());
}

inline sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/// A port free for both UDP and TCP on 127.0.0.1 (bound to 0, then released).
inline std::uint16_t free_port() {
    for (int attempt = 0; attempt < 50; ++attempt) {
        int u = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a = loopback(0);
        socklen_t len = sizeof a;
        if (::bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::getsockname(u, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            ::close(u);
            continue;
        }
        int t = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        const bool ok = ::bind(t, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        ::close(t);
        ::close(u);
        if (ok) return ntohs(a.sin_port);
    }
    return 0;
}

class node {
  public:
    std::function<void(node&, const event&)> on_event;

    explicit node(config cfg) : eng_(with_rng(cfg)) {}
    ~node() {
        if (udp_ >= 0) ::close(udp_);
        if (listener_ >= 0) ::close(listener_);
        for (auto& p : peers_)
            if (p.fd >= 0) ::close(p.fd);
    }
    node(const node&) = delete;
    node& operator=(const node&) = delete;

    engine& eng() { return eng_; }

    /// Binds UDP (and, when `tcp`, a TCP listener) on 127.0.0.1:port (0: any).
    bool bind(std::uint16_t port, bool tcp) {
        udp_ = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a = loopback(port);
        if (::bind(udp_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
        if (tcp) {
            listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
            int one = 1;
            ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            if (::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
            if (::listen(listener_, 16) != 0) return false;
        }
        return true;
    }

    /// The engine peer for a UDP address on 127.0.0.1:port.
    std::optional<peer_id> udp_peer(std::uint16_t port) { return udp_peer_for(loopback(port)); }

    /// Connects over TCP; the engine sends its CSM first.
    std::optional<peer_id> connect_tcp(std::uint16_t port) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a = loopback(port);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(fd);
            return std::nullopt;
        }
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return add_peer(fd, a, framing::stream);
    }

    /// Runs the loop until `done()` or `timeout_ms`; returns done().
    bool run_until(const std::function<bool()>& done, int timeout_ms) {
        const time_ms end = clock_ms() + static_cast<time_ms>(timeout_ms);
        flush();
        while (!done()) {
            const time_ms now = clock_ms();
            if (now >= end) return false;
            step(static_cast<int>(std::min<time_ms>(end - now, 50)));
        }
        return true;
    }

    /// One poll() round: read what arrived, run timers, send.
    void step(int max_wait_ms) {
        std::vector<pollfd> fds;
        if (udp_ >= 0) fds.push_back({udp_, POLLIN, 0});
        if (listener_ >= 0) fds.push_back({listener_, POLLIN, 0});
        for (auto& p : peers_)
            if (p.fd >= 0) fds.push_back({p.fd, POLLIN, 0});
        int wait = max_wait_ms;
        if (auto d = eng_.next_deadline()) {
            const time_ms now = clock_ms();
            wait = *d <= now ? 0 : static_cast<int>(std::min<time_ms>(*d - now, max_wait_ms));
        }
        ::poll(fds.data(), fds.size(), wait);
        for (auto& f : fds) {
            if ((f.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            if (f.fd == udp_) {
                read_udp();
            } else if (f.fd == listener_) {
                sockaddr_in a{};
                socklen_t len = sizeof a;
                int fd = ::accept(listener_, reinterpret_cast<sockaddr*>(&a), &len);
                if (fd >= 0) {
                    int one = 1;
                    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    (void)add_peer(fd, a, framing::stream);
                }
            } else {
                read_tcp(f.fd);
            }
        }
        const time_ms now = clock_ms();
        if (auto d = eng_.next_deadline(); d && *d <= now) eng_.on_timer(now);
        flush();
    }

    /// Delivers events and sends everything due.
    void flush() {
        for (;;) {
            bool any = false;
            while (auto e = eng_.poll_event()) {
                any = true;
                if (on_event) on_event(*this, *e);
            }
            std::vector<std::uint8_t> buf(limits::max_pdu);
            while (auto t = eng_.poll_transmit(buf)) {
                any = true;
                send_to(t->peer, bytes_view(buf.data(), t->size));
            }
            if (!any) return;
        }
    }

  private:
    struct peer_info {
        peer_id id;
        sockaddr_in addr{};
        int fd = -1;  // TCP connection, -1 for UDP
        time_ms last = 0;
    };

    static config with_rng(config c) {
        if (c.rng == nullptr) c.rng = &os_random;
        return c;
    }

    std::optional<peer_id> add_peer(int fd, const sockaddr_in& a, framing f) {
        const peer_id id(next_id_++);
        auto r = eng_.open_peer(id, f, clock_ms());
        if (!r && r.error().code == errc::capacity_exceeded) {
            // Forget the least recently used peer (UDP clients come and go).
            auto lru = peers_.begin();
            for (auto it = peers_.begin(); it != peers_.end(); ++it)
                if (it->last < lru->last) lru = it;
            if (lru != peers_.end()) {
                drop_peer(lru->id);
                r = eng_.open_peer(id, f, clock_ms());
            }
        }
        if (!r) {
            if (fd >= 0) ::close(fd);
            return std::nullopt;
        }
        peers_.push_back({id, a, fd, clock_ms()});
        flush();
        return id;
    }

    void drop_peer(peer_id id) {
        eng_.close_peer(id);
        for (auto it = peers_.begin(); it != peers_.end(); ++it) {
            if (it->id != id) continue;
            if (it->fd >= 0) ::close(it->fd);
            peers_.erase(it);
            return;
        }
    }

    std::optional<peer_id> udp_peer_for(const sockaddr_in& a) {
        for (auto& p : peers_)
            if (p.fd < 0 && p.addr.sin_port == a.sin_port &&
                p.addr.sin_addr.s_addr == a.sin_addr.s_addr) {
                p.last = clock_ms();
                return p.id;
            }
        return add_peer(-1, a, framing::datagram);
    }

    void feed(peer_id id, bytes_view data) {
        while (!data.empty()) {
            auto n = eng_.on_receive(id, data, clock_ms());
            if (!n) {
                if (n.error().code == errc::capacity_exceeded) {
                    flush();
                    continue;
                }
                return;
            }
            data = data.subspan(*n);
            flush();
        }
    }

    void read_udp() {
        sockaddr_in a{};
        socklen_t len = sizeof a;
        const ssize_t n =
            ::recvfrom(udp_, rx_.data(), rx_.size(), 0, reinterpret_cast<sockaddr*>(&a), &len);
        if (n <= 0) return;
        auto id = udp_peer_for(a);
        if (!id) return;
        feed(*id, bytes_view(rx_.data(), static_cast<std::size_t>(n)));
    }

    void read_tcp(int fd) {
        peer_info* p = nullptr;
        for (auto& c : peers_)
            if (c.fd == fd) p = &c;
        if (p == nullptr) return;
        const peer_id id = p->id;
        p->last = clock_ms();
        const ssize_t n = ::recv(fd, rx_.data(), rx_.size(), 0);
        if (n <= 0) {
            drop_peer(id);
            flush();
            return;
        }
        feed(id, bytes_view(rx_.data(), static_cast<std::size_t>(n)));
    }

    void send_to(peer_id id, bytes_view b) {
        for (auto& p : peers_) {
            if (p.id != id) continue;
            if (p.fd >= 0) {
                std::size_t off = 0;
                while (off < b.size()) {
                    const ssize_t n = ::send(p.fd, b.data() + off, b.size() - off, MSG_NOSIGNAL);
                    if (n <= 0) return;
                    off += static_cast<std::size_t>(n);
                }
            } else {
                ::sendto(udp_, b.data(), b.size(), 0, reinterpret_cast<const sockaddr*>(&p.addr),
                         sizeof p.addr);
            }
            return;
        }
    }

    engine eng_;
    int udp_ = -1;
    int listener_ = -1;
    std::vector<peer_info> peers_;
    std::uint32_t next_id_ = 1;
    std::vector<std::uint8_t> rx_ = std::vector<std::uint8_t>(65536);
};

/// The body the test server serves at /big: printable, deterministic.
inline std::vector<std::uint8_t> big_body(std::size_t n = 5000) {
    std::vector<std::uint8_t> b(n);
    for (std::size_t i = 0; i < n; ++i)
        b[i] = static_cast<std::uint8_t>(i % 64 == 63 ? '\n' : 'a' + (i * 13 + i / 64) % 26);
    return b;
}

}  // namespace sirocco::coap::net
