// The client side of coap+tcp:// and coaps+tcp:// (RFC 8323; docs/
// transports.md): one TCP connection to a server, with a TLS 1.2 session
// (secure_transport.hpp) on it for coaps+tcp://. The CoAP engine does the
// rest (CSM, Ping/Pong, Release/Abort, the stream framing): this class only
// moves bytes. Host-only; everything runs on the io_context's thread.
//
//   stream_transport t(io, hooks, tls_or_nullopt, cfg);
//   t.connect(host, port)   resolve, connect (IPv4 first), then TLS
//   hooks.open()            connected (and, with TLS, handshake done)
//   hooks.data(bytes)       bytes of the stream (plaintext), any split
//   t.write(bytes)          queued, written in order
//   hooks.closed(reason)    once: connect failure, handshake failure, the
//                           peer closed, an I/O error; never after close()
// A transport is used once: after `closed`, make a new one.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include "sirocco/runtime/asio.hpp"

#include "sirocco/base/bytes.hpp"
#include "sirocco/runtime/event_loop.hpp"
#include "sirocco/runtime/secure_transport.hpp"

namespace sirocco::runtime {

class stream_transport {
  public:
    struct hooks {
        std::function<void()> open;
        std::function<void(bytes_view)> data;
        std::function<void(std::string_view reason)> closed;
        /// TLS handshake done (for logs): resumed, identity.
        std::function<void(const tls::session&)> secured;
    };

    /// `tls`: credentials for coaps+tcp:// (nullopt: plain TCP); `cfg`: the
    /// TLS timers (handshake timeout) and the session to resume.
    stream_transport(asio::io_context& io, hooks h, std::optional<tls::credentials> tls = {},
                     tls::config cfg = {});
    stream_transport(const stream_transport&) = delete;
    stream_transport& operator=(const stream_transport&) = delete;
    ~stream_transport();

    /// Starts resolving and connecting; the outcome comes as a hook.
    void connect(const std::string& host, std::uint16_t port,
                 std::optional<asio::ip::address> bind = std::nullopt);
    /// Queues bytes (plaintext with TLS). Errors: not_allowed (not open),
    /// those of secure_link::send.
    result<void> write(bytes_view bytes);
    /// Closes (TLS: close_notify first); no hook is called afterwards.
    void close();

    bool is_open() const noexcept { return open_; }
    /// The connection's local address (tests); nullopt before connected.
    std::optional<asio::ip::tcp::endpoint> local_endpoint() const;
    std::optional<asio::ip::tcp::endpoint> remote_endpoint() const;
    /// The TLS link (nullptr for plain TCP).
    const secure_link* tls_link() const noexcept { return link_.get(); }
    /// The TLS session to resume next time (empty without TLS).
    std::vector<std::uint8_t> saved() const;

  private:
    void connected();
    void read();
    void write_raw(bytes_view b);
    void flush();
    void fail(std::string_view why);
    void arm_tls_timer();

    asio::io_context& io_;
    hooks hooks_;
    std::optional<tls::credentials> creds_;
    tls::config cfg_;
    asio::ip::tcp::resolver resolver_;
    asio::ip::tcp::socket socket_;
    std::unique_ptr<secure_link> link_;
    deadline_timer tls_timer_;
    std::array<std::uint8_t, 4096> rx_{};
    std::deque<std::vector<std::uint8_t>> tx_;
    bool writing_ = false;
    bool open_ = false;
    bool done_ = false;  // closed or failed: no more hooks
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sirocco::runtime
