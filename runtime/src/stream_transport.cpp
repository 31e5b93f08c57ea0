#include "sirocco/runtime/stream_transport.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace sirocco::runtime {

stream_transport::stream_transport(asio::io_context& io, hooks h,
                                   std::optional<tls::credentials> tls, tls::config cfg)
    : io_(io),
      hooks_(std::move(h)),
      creds_(std::move(tls)),
      cfg_(std::move(cfg)),
      resolver_(io),
      socket_(io),
      tls_timer_(io, [this] {
          if (link_) link_->on_timer(now());
          arm_tls_timer();
      }) {}

stream_transport::~stream_transport() {
    *alive_ = false;
    done_ = true;
    link_.reset();
    resolver_.cancel();
    boost::system::error_code ec;
    socket_.close(ec);
}

void stream_transport::connect(const std::string& host, std::uint16_t port,
                               std::optional<asio::ip::address> bind) {
    std::shared_ptr<bool> alive = alive_;
    resolver_.async_resolve(
        host, std::to_string(port), asio::ip::tcp::resolver::numeric_service,
        [this, alive, bind](const boost::system::error_code& ec,
                            const asio::ip::tcp::resolver::results_type& res) {
            if (!*alive || done_) return;
            if (ec || res.empty()) {
                fail("cannot resolve the server's host name");
                return;
            }
            // IPv4 first (as client_runner does for UDP), then the others.
            std::vector<asio::ip::tcp::endpoint> eps;
            for (const auto& e : res)
                if (e.endpoint().address().is_v4()) eps.push_back(e.endpoint());
            for (const auto& e : res)
                if (!e.endpoint().address().is_v4()) eps.push_back(e.endpoint());
            if (bind) {
                boost::system::error_code bec;
                socket_.open(bind->is_v6() ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), bec);
                if (!bec) socket_.bind(asio::ip::tcp::endpoint(*bind, 0), bec);
                if (bec) {
                    fail("cannot bind the TCP socket");
                    return;
                }
                std::erase_if(eps, [&](const asio::ip::tcp::endpoint& e) {
                    return e.address().is_v6() != bind->is_v6();
                });
            }
            asio::async_connect(socket_, eps,
                                [this, alive](const boost::system::error_code& cec,
                                              const asio::ip::tcp::endpoint&) {
                                    if (!*alive || done_) return;
                                    if (cec) {
                                        fail("cannot connect: " + cec.message());
                                        return;
                                    }
                                    connected();
                                });
        });
}

void stream_transport::connected() {
    boost::system::error_code ec;
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    read();
    if (!creds_) {
        open_ = true;
        if (hooks_.open) hooks_.open();
        return;
    }
    std::shared_ptr<bool> alive = alive_;
    secure_link::hooks h;
    h.wire = [this](bytes_view b) { write_raw(b); };
    h.established = [this] {
        open_ = true;
        if (hooks_.secured && link_ && link_->session()) hooks_.secured(*link_->session());
        if (done_) return;
        if (hooks_.open) hooks_.open();
    };
    h.plaintext = [this](bytes_view b) {
        if (hooks_.data) hooks_.data(b);
    };
    h.failed = [this](tls::failure f, std::string_view why) {
        // Deferred: the link is inside its own call now.
        std::string reason = std::string(open_ ? "TLS session ended: " : "TLS handshake failed: ") +
                             std::string(tls::to_string(f)) + " (" + std::string(why) + ")";
        std::shared_ptr<bool> a = alive_;
        asio::post(io_, [this, a, reason] {
            if (*a) fail(reason);
        });
    };
    link_ = std::make_unique<secure_link>(tls::transport::stream, *creds_, cfg_, std::move(h));
    if (auto r = link_->start(now()); !r) {
        fail(std::string("TLS: ") + r.error().reason);
        return;
    }
    if (*alive) arm_tls_timer();
}

void stream_transport::arm_tls_timer() {
    tls_timer_.arm(link_ ? link_->next_deadline() : std::nullopt);
}

void stream_transport::read() {
    std::shared_ptr<bool> alive = alive_;
    socket_.async_read_some(
        asio::buffer(rx_), [this, alive](const boost::system::error_code& ec, std::size_t n) {
            if (!*alive || done_) return;
            if (ec) {
                fail(ec == asio::error::eof ? "the server closed the connection"
                                            : "TCP read failed: " + ec.message());
                return;
            }
            bytes_view b(rx_.data(), n);
            if (link_) {
                link_->on_wire(b, now());
                if (!*alive || done_) return;
                arm_tls_timer();
            } else if (hooks_.data) {
                hooks_.data(b);
                if (!*alive || done_) return;
            }
            read();
        });
}

result<void> stream_transport::write(bytes_view bytes) {
    if (!open_ || done_) return unexpected(errc::not_allowed, "the connection is not open");
    if (link_) {
        auto r = link_->send(bytes, now());
        arm_tls_timer();
        return r;
    }
    write_raw(bytes);
    return {};
}

void stream_transport::write_raw(bytes_view b) {
    if (done_) return;
    tx_.emplace_back(b.begin(), b.end());
    flush();
}

void stream_transport::flush() {
    if (writing_ || tx_.empty() || !socket_.is_open()) return;
    writing_ = true;
    std::shared_ptr<bool> alive = alive_;
    asio::async_write(socket_, asio::buffer(tx_.front()),
                      [this, alive](const boost::system::error_code& ec, std::size_t) {
                          if (!*alive) return;
                          writing_ = false;
                          if (done_) return;
                          if (ec) {
                              fail("TCP write failed: " + ec.message());
                              return;
                          }
                          tx_.pop_front();
                          flush();
                      });
}

void stream_transport::fail(std::string_view why) {
    if (done_) return;
    done_ = true;
    open_ = false;
    tls_timer_.arm(std::nullopt);
    boost::system::error_code ec;
    socket_.close(ec);
    // The hook may destroy this transport: nothing after it.
    if (hooks_.closed) hooks_.closed(why);
}

void stream_transport::close() {
    if (done_) return;
    if (link_ && open_) link_->close(now());  // close_notify, written below if it can
    done_ = true;
    open_ = false;
    tls_timer_.arm(std::nullopt);
    boost::system::error_code ec;
    if (!tx_.empty() && socket_.is_open()) {
        // Best effort for the close_notify and what was queued: a blocking
        // write of what is left (a few bytes on a local socket buffer).
        // The front buffer may be half written by the async_write in flight.
        socket_.non_blocking(true, ec);
        for (std::size_t i = writing_ ? 1 : 0; i < tx_.size(); ++i)
            socket_.write_some(asio::buffer(tx_[i]), ec);
    }
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
}

std::optional<asio::ip::tcp::endpoint> stream_transport::local_endpoint() const {
    boost::system::error_code ec;
    auto e = socket_.local_endpoint(ec);
    if (ec) return std::nullopt;
    return e;
}

std::optional<asio::ip::tcp::endpoint> stream_transport::remote_endpoint() const {
    boost::system::error_code ec;
    auto e = socket_.remote_endpoint(ec);
    if (ec) return std::nullopt;
    return e;
}

std::vector<std::uint8_t> stream_transport::saved() const {
    return link_ ? link_->saved() : std::vector<std::uint8_t>{};
}

}  // namespace sirocco::runtime
