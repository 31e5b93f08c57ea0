// A small POSIX socket driver around coap::engine for interop tests and the
// coap-test-server: one UDP socket, an optional TCP listener, TCP client
// connections, poll() and a monotonic clock; and, for issue 8, DTLS and TLS
// on the runtime's sans-I/O sessions (runtime/tls.hpp): a DTLS socket
// served by tls::dtls_server and a TLS listener (server side), DTLS and TLS
// client connections. Test code only: libs/ stays sans-I/O.
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

#include <map>
#include <memory>
#include <string>

#include "sirocco/coap/engine.hpp"
#include "sirocco/runtime/dtls_server.hpp"
#include "sirocco/runtime/tls.hpp"

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
        if (dtls_fd_ >= 0) ::close(dtls_fd_);
        if (tls_listener_ >= 0) ::close(tls_listener_);
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

    /// Also serves DTLS on 127.0.0.1:dtls_port and TLS on 127.0.0.1:tls_port
    /// (0: not) with `ctx` (its credentials and policy; PSK identities,
    /// certificates). Each DTLS session or TLS connection is one peer once
    /// its handshake is done.
    bool bind_secure(std::uint16_t dtls_port, std::uint16_t tls_port,
                     std::shared_ptr<runtime::tls::server_context> ctx) {
        ctx_ = std::move(ctx);
        if (dtls_port != 0) {
            dtls_fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
            sockaddr_in a = loopback(dtls_port);
            if (::bind(dtls_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
            runtime::tls::config cfg;
            cfg.cid_length = 8;
            dtls_ = std::make_unique<runtime::tls::dtls_server>(ctx_, cfg,
                                                                runtime::tls::dtls_server_limits{});
        }
        if (tls_port != 0) {
            tls_listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
            int one = 1;
            ::setsockopt(tls_listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            sockaddr_in a = loopback(tls_port);
            if (::bind(tls_listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
            if (::listen(tls_listener_, 16) != 0) return false;
        }
        return true;
    }

    /// A DTLS (over the UDP socket) or TLS (a TCP connection) client session
    /// to 127.0.0.1:port; returns the peer once the handshake is done, within
    /// `timeout_ms`. The session's failure, if any, goes to `why`.
    std::optional<peer_id> connect_secure(std::uint16_t port, bool stream,
                                          const runtime::tls::credentials& creds, int timeout_ms,
                                          std::string* why = nullptr) {
        runtime::tls::config cfg;
        auto s = runtime::tls::session::client(
            cfg, creds,
            stream ? runtime::tls::transport::stream : runtime::tls::transport::datagram,
            clock_ms());
        if (!s) {
            if (why) *why = s.error().reason;
            return std::nullopt;
        }
        sockaddr_in a = loopback(port);
        int fd = -1;
        if (stream) {
            fd = ::socket(AF_INET, SOCK_STREAM, 0);
            if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
                ::close(fd);
                return std::nullopt;
            }
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        peer_info p;
        p.id = peer_id(next_id_++);
        p.addr = a;
        p.fd = fd;
        p.type = stream ? kind::tls : kind::dtls_client;
        p.session = std::move(*s);
        const peer_id id = p.id;
        peers_.push_back(std::move(p));
        pump_session(id);
        run_until(
            [&] {
                peer_info* q = find(id);
                return q == nullptr || q->opened ||
                       q->session->state() == runtime::tls::state::failed;
            },
            timeout_ms);
        peer_info* q = find(id);
        if (q == nullptr || !q->opened) {
            if (why && q != nullptr) *why = q->session->failure_reason();
            if (q != nullptr) drop_peer(id);
            return std::nullopt;
        }
        return id;
    }
    /// The identity a secure peer proved (nullptr: not secure or not yet).
    const runtime::tls::identity* identity_of(peer_id id) {
        peer_info* p = find(id);
        if (p == nullptr) return nullptr;
        if (p->session) return &p->session->identity();
        if (p->type == kind::dtls && dtls_) return dtls_->identity_of(p->dtls_id);
        return nullptr;
    }
    /// DTLS handshakes refused by the server side (wrong key, unknown identity).
    std::size_t dtls_refused() const { return dtls_refused_; }

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
        if (dtls_fd_ >= 0) fds.push_back({dtls_fd_, POLLIN, 0});
        if (tls_listener_ >= 0) fds.push_back({tls_listener_, POLLIN, 0});
        for (auto& p : peers_)
            if (p.fd >= 0) fds.push_back({p.fd, POLLIN, 0});
        int wait = max_wait_ms;
        std::optional<time_ms> deadline = eng_.next_deadline();
        auto earliest = [&](std::optional<time_ms> d) {
            if (d && (!deadline || *d < *deadline)) deadline = d;
        };
        if (dtls_) earliest(dtls_->next_deadline());
        for (auto& p : peers_)
            if (p.session) earliest(p.session->next_deadline());
        if (deadline) {
            const time_ms now = clock_ms();
            wait = *deadline <= now
                       ? 0
                       : static_cast<int>(std::min<time_ms>(*deadline - now, max_wait_ms));
        }
        ::poll(fds.data(), fds.size(), wait);
        for (auto& f : fds) {
            if ((f.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            if (f.fd == udp_) {
                read_udp();
            } else if (f.fd == dtls_fd_) {
                read_dtls();
            } else if (f.fd == tls_listener_) {
                sockaddr_in a{};
                socklen_t len = sizeof a;
                int fd = ::accept(tls_listener_, reinterpret_cast<sockaddr*>(&a), &len);
                if (fd >= 0) {
                    int one = 1;
                    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    auto ses = ctx_->accept(runtime::tls::transport::stream, "tcp", clock_ms());
                    if (!ses) {
                        ::close(fd);
                        continue;
                    }
                    peer_info p;
                    p.id = peer_id(next_id_++);
                    p.addr = a;
                    p.fd = fd;
                    p.type = kind::tls;
                    p.session = std::move(*ses);
                    peers_.push_back(std::move(p));
                }
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
        if (dtls_) {
            if (auto d = dtls_->next_deadline(); d && *d <= now) dtls_->on_timer(now);
            pump_dtls();
        }
        std::vector<peer_id> ids;
        for (auto& p : peers_)
            if (p.session) ids.push_back(p.id);
        for (auto id : ids) {
            peer_info* p = find(id);
            if (p == nullptr) continue;
            if (auto d = p->session->next_deadline(); d && *d <= now) p->session->on_timer(now);
            pump_session(id);
        }
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
    enum class kind : std::uint8_t { plain, dtls, dtls_client, tls };
    struct peer_info {
        peer_id id;
        sockaddr_in addr{};
        int fd = -1;  // TCP connection, -1 for UDP
        time_ms last = 0;
        kind type = kind::plain;
        std::unique_ptr<runtime::tls::session> session;     // dtls_client, tls
        runtime::tls::dtls_server::session_id dtls_id = 0;  // dtls (server side)
        bool opened = false;                                // secure: the engine peer is open
    };
    peer_info* find(peer_id id) {
        for (auto& p : peers_)
            if (p.id == id) return &p;
        return nullptr;
    }

    /// Moves a client DTLS / TLS session along: records out, the engine
    /// peer opened once established, plaintext into the engine.
    void pump_session(peer_id id) {
        peer_info* p = find(id);
        if (p == nullptr || !p->session) return;
        while (auto w = p->session->poll_transmit())
            raw_send(*p, *w);
        if (!p->opened && p->session->state() == runtime::tls::state::established) {
            if (!eng_.open_peer(p->id, p->type == kind::tls ? framing::stream : framing::datagram,
                                clock_ms())) {
                drop_peer(id);
                return;
            }
            p->opened = true;
        }
        auto st = p->session->state();
        if (st == runtime::tls::state::failed || st == runtime::tls::state::closed) {
            if (p->opened) {
                drop_peer(id);
                flush();
            }
            return;
        }
        std::vector<std::vector<std::uint8_t>> in;
        while (auto d = p->session->poll_plaintext())
            in.emplace_back(d->begin(), d->end());
        for (const auto& d : in)
            feed(id, bytes_view(d.data(), d.size()));
    }

    void raw_send(const peer_info& p, bytes_view b) {
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
    }

    static std::string addr_text(const sockaddr_in& a) {
        char ip[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip);
        return std::string(ip) + ":" + std::to_string(ntohs(a.sin_port));
    }

    void read_dtls() {
        sockaddr_in a{};
        socklen_t len = sizeof a;
        const ssize_t n =
            ::recvfrom(dtls_fd_, rx_.data(), rx_.size(), 0, reinterpret_cast<sockaddr*>(&a), &len);
        if (n <= 0) return;
        const std::string from = addr_text(a);
        dtls_addr_[from] = a;
        dtls_->on_datagram(from, bytes_view(rx_.data(), static_cast<std::size_t>(n)), clock_ms());
        pump_dtls();
    }

    void pump_dtls() {
        using ek = runtime::tls::dtls_server::event_kind;
        while (auto e = dtls_->poll_event()) {
            if (e->kind == ek::established) {
                peer_info p;
                p.id = peer_id(next_id_++);
                p.type = kind::dtls;
                p.dtls_id = e->id;
                if (auto it = dtls_addr_.find(e->address); it != dtls_addr_.end())
                    p.addr = it->second;
                if (!eng_.open_peer(p.id, framing::datagram, clock_ms())) continue;
                p.opened = true;
                peers_.push_back(std::move(p));
            } else if (e->kind == ek::data) {
                for (auto& p : peers_)
                    if (p.type == kind::dtls && p.dtls_id == e->id) {
                        const peer_id id = p.id;
                        feed(id, bytes_view(e->payload.data(), e->payload.size()));
                        break;
                    }
            } else if (e->kind == ek::closed) {
                for (auto& p : peers_)
                    if (p.type == kind::dtls && p.dtls_id == e->id) {
                        drop_peer(p.id);
                        break;
                    }
            } else if (e->kind == ek::refused) {
                ++dtls_refused_;
            }
        }
        while (auto d = dtls_->poll_transmit()) {
            auto it = dtls_addr_.find(d->to);
            if (it == dtls_addr_.end()) continue;
            ::sendto(dtls_fd_, d->bytes.data(), d->bytes.size(), 0,
                     reinterpret_cast<const sockaddr*>(&it->second), sizeof it->second);
        }
    }

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
        peer_info p;
        p.id = id;
        p.addr = a;
        p.fd = fd;
        p.last = clock_ms();
        peers_.push_back(std::move(p));
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
        for (auto& p : peers_)
            if (p.type == kind::dtls_client && p.addr.sin_port == a.sin_port &&
                p.addr.sin_addr.s_addr == a.sin_addr.s_addr) {
                const peer_id id = p.id;
                (void)p.session->on_receive(bytes_view(rx_.data(), static_cast<std::size_t>(n)),
                                            clock_ms());
                pump_session(id);
                return;
            }
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
        if (p->session) {
            (void)p->session->on_receive(bytes_view(rx_.data(), static_cast<std::size_t>(n)),
                                         clock_ms());
            pump_session(id);
            return;
        }
        feed(id, bytes_view(rx_.data(), static_cast<std::size_t>(n)));
    }

    void send_to(peer_id id, bytes_view b) {
        for (auto& p : peers_) {
            if (p.id != id) continue;
            if (p.session) {
                (void)p.session->send(b, clock_ms());
                while (auto w = p.session->poll_transmit())
                    raw_send(p, *w);
                return;
            }
            if (p.type == kind::dtls) {
                (void)dtls_->send(p.dtls_id, b, clock_ms());
                pump_dtls();
                return;
            }
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
    // issue 8: secure listeners
    std::shared_ptr<runtime::tls::server_context> ctx_;
    std::unique_ptr<runtime::tls::dtls_server> dtls_;
    int dtls_fd_ = -1;
    int tls_listener_ = -1;
    std::map<std::string, sockaddr_in> dtls_addr_;
    std::size_t dtls_refused_ = 0;
};

/// The body the test server serves at /big: printable, deterministic.
inline std::vector<std::uint8_t> big_body(std::size_t n = 5000) {
    std::vector<std::uint8_t> b(n);
    for (std::size_t i = 0; i < n; ++i)
        b[i] = static_cast<std::uint8_t>(i % 64 == 63 ? '\n' : 'a' + (i * 13 + i / 64) % 26);
    return b;
}

}  // namespace sirocco::coap::net
