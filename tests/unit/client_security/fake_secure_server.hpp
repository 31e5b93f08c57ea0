// A fake LwM2M server for the client_runner transport tests: one
// coap::engine in the server role behind three listeners on 127.0.0.1
// (ports chosen by the OS): DTLS (tls::dtls_server on a UDP socket), TCP
// and TLS (tls::session per connection). It answers Register (2.01 rd/N),
// Update (2.04) and De-register (2.02), records the requests with the peer
// and the identity they came with, and sends GET / Observe to the client.
#pragma once

#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/write.hpp>

#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/engine.hpp"
#include "sirocco/coap/options.hpp"
#include "sirocco/runtime/dtls_server.hpp"
#include "sirocco/runtime/event_loop.hpp"
#include "sirocco/runtime/tls.hpp"

namespace sirocco::testing {
namespace asio = boost::asio;
namespace tls = runtime::tls;

inline std::uint32_t secure_test_rng(void*) noexcept {
    static std::uint32_t x = 987654321;
    x = x * 1664525u + 1013904223u;
    return x;
}

class fake_secure_server {
  public:
    struct request {
        std::string method, path, query;
        std::uint32_t peer = 0;
        std::string identity;  // psk identity, x509 CN, "rpk", or "" (plain)
    };
    struct settings {
        std::map<std::string, std::vector<std::uint8_t>> psk;  // identity -> key
        std::vector<std::vector<std::uint8_t>> rpk_keys;       // known client SPKIs
        std::string client_ca_pem;
        std::string key_pem, cert_pem;  // ours (rpk/x509)
        std::uint8_t cid_length = 8;
    };

    fake_secure_server(runtime::event_loop& loop, settings s)
        : io_(loop.io()),
          eng_(make_cfg()),
          udp_(loop.io()),
          tcp_(loop.io()),
          tls_acceptor_(loop.io()),
          timer_(loop.io(), [this] { on_timer(); }) {
        tls::credentials ours;
        ours.private_key_pem = s.key_pem;
        ours.certificate_pem = s.cert_pem;
        tls::server_policy pol;
        auto psk = s.psk;
        pol.psk_key = [psk](std::string_view id) -> std::optional<std::vector<std::uint8_t>> {
            auto it = psk.find(std::string(id));
            if (it == psk.end()) return std::nullopt;
            return it->second;
        };
        auto keys = s.rpk_keys;
        pol.rpk_known = [keys](const std::vector<std::uint8_t>& k) {
            for (const auto& x : keys)
                if (x == k) return true;
            return false;
        };
        pol.client_ca_pem = s.client_ca_pem;
        tls::config cfg;
        cfg.cid_length = s.cid_length;
        auto ctx = tls::server_context::create(cfg, ours, pol);
        EXPECT_TRUE(ctx) << (ctx ? "" : ctx.error().reason);
        ctx_ = std::shared_ptr<tls::server_context>(std::move(*ctx));
        dtls_ = std::make_unique<tls::dtls_server>(ctx_, cfg, tls::dtls_server_limits{});
        auto lo = asio::ip::make_address("127.0.0.1");
        udp_.open(asio::ip::udp::v4());
        udp_.bind({lo, 0});
        receive_udp();
        for (auto* a : {&tcp_, &tls_acceptor_}) {
            a->open(asio::ip::tcp::v4());
            a->set_option(asio::ip::tcp::acceptor::reuse_address(true));
            a->bind({lo, 0});
            a->listen();
        }
        accept(tcp_, false);
        accept(tls_acceptor_, true);
    }
    ~fake_secure_server() {
        alive_->store = false;
        conns_.clear();
    }

    std::uint16_t dtls_port() const { return udp_.local_endpoint().port(); }
    std::uint16_t tcp_port() const { return tcp_.local_endpoint().port(); }
    std::uint16_t tls_port() const { return tls_acceptor_.local_endpoint().port(); }

    std::vector<request> requests;
    std::vector<std::string> notifications;
    std::vector<std::string> responses;                // "2.05 payload"
    std::vector<tls::dtls_server::event> dtls_events;  // established, moved, refused, closed
    std::vector<std::string> tls_failures;
    std::size_t registers = 0, updates = 0, deregisters = 0;
    std::optional<std::uint32_t> last_peer;

    std::size_t count(tls::dtls_server::event_kind k) const {
        std::size_t n = 0;
        for (const auto& e : dtls_events)
            if (e.kind == k) ++n;
        return n;
    }
    /// The DTLS session behind engine peer `p` (nullopt: not DTLS).
    std::optional<tls::dtls_server::session_id> dtls_session_of(std::uint32_t p) const {
        for (const auto& [sid, peer] : dtls_peer_)
            if (peer == p) return sid;
        return std::nullopt;
    }
    tls::dtls_server& dtls() { return *dtls_; }
    /// Closes a DTLS session (close_notify goes out now).
    void close_session(tls::dtls_server::session_id sid) {
        dtls_->close(sid, runtime::now());
        pump();
    }

    /// GET (optionally Observe) to the last peer that spoke.
    void get(const std::string& path, bool observe = false) {
        ASSERT_TRUE(last_peer);
        coap::message m;
        m.type = coap::msg_type::con;
        m.code = coap::codes::get;
        coap::message_builder b(m, storage_);
        if (observe) {
            ASSERT_TRUE(b.add_uint(coap::opt::observe, 0));
        }
        ASSERT_TRUE(b.add_uri_path(path));
        ASSERT_TRUE(eng_.send_request(coap::peer_id(*last_peer), m, {}, runtime::now()));
        pump();
    }
    /// Closes the TCP/TLS connections (the client must reconnect).
    void drop_connections() {
        for (auto& [p, c] : conns_) {
            boost::system::error_code ec;
            c->sock.close(ec);
            eng_.close_peer(coap::peer_id(p));
        }
        conns_.clear();
    }

  private:
    struct conn {
        explicit conn(asio::io_context& io) : sock(io) {}
        asio::ip::tcp::socket sock;
        std::unique_ptr<tls::session> session;  // TLS only
        bool open = false;                      // engine peer opened
        std::string identity;
        std::array<std::uint8_t, 4096> rx{};
        std::deque<std::vector<std::uint8_t>> tx;
        bool writing = false;
    };
    struct alive_flag {
        bool store = true;
    };

    static coap::config make_cfg() {
        coap::config c;
        c.rng = &secure_test_rng;
        return c;
    }

    static std::string who(const tls::identity& i) {
        switch (i.m) {
            case tls::mode::psk:
                return i.psk_identity;
            case tls::mode::rpk:
                return "rpk";
            case tls::mode::x509:
                return i.subject_cn;
        }
        return "?";
    }

    // ---- DTLS ----
    void receive_udp() {
        udp_.async_receive_from(
            asio::buffer(ubuf_), ufrom_,
            [this, a = alive_](const boost::system::error_code& ec, std::size_t n) {
                if (!a->store || ec == asio::error::operation_aborted) return;
                if (!ec) {
                    std::string addr =
                        ufrom_.address().to_string() + ":" + std::to_string(ufrom_.port());
                    addrs_[addr] = ufrom_;
                    dtls_->on_datagram(addr, bytes_view(ubuf_.data(), n), runtime::now());
                    pump();
                }
                receive_udp();
            });
    }

    // ---- TCP / TLS ----
    void accept(asio::ip::tcp::acceptor& acc, bool secure) {
        acc.async_accept([this, &acc, secure, a = alive_](const boost::system::error_code& ec,
                                                          asio::ip::tcp::socket s) {
            if (!a->store || ec) return;
            std::uint32_t p = next_peer_++;
            auto c = std::make_unique<conn>(io_);
            c->sock = std::move(s);
            if (secure) {
                auto ses = ctx_->accept(tls::transport::stream, "tcp", runtime::now());
                EXPECT_TRUE(ses);
                c->session = std::move(*ses);
            } else {
                c->open = true;
                (void)eng_.open_peer(coap::peer_id(p), coap::framing::stream, runtime::now());
            }
            conns_[p] = std::move(c);
            read(p);
            pump();
            accept(acc, secure);
        });
    }
    void read(std::uint32_t p) {
        auto it = conns_.find(p);
        if (it == conns_.end()) return;
        conn& c = *it->second;
        c.sock.async_read_some(
            asio::buffer(c.rx),
            [this, p, a = alive_](const boost::system::error_code& ec, std::size_t n) {
                if (!a->store) return;
                auto i = conns_.find(p);
                if (i == conns_.end()) return;
                conn& k = *i->second;
                if (ec) {
                    if (k.open) eng_.close_peer(coap::peer_id(p));
                    conns_.erase(i);
                    return;
                }
                bytes_view b(k.rx.data(), n);
                if (k.session) {
                    (void)k.session->on_receive(b, runtime::now());
                    flush_tls(p);
                } else {
                    last_peer = p;
                    feed(p, b);
                }
                pump();
                read(p);
            });
    }
    void flush_tls(std::uint32_t p) {
        auto it = conns_.find(p);
        if (it == conns_.end() || !it->second->session) return;
        conn& c = *it->second;
        while (auto w = c.session->poll_transmit())
            write(p, *w);
        if (!c.open && c.session->state() == tls::state::established) {
            c.open = true;
            c.identity = who(c.session->identity());
            (void)eng_.open_peer(coap::peer_id(p), coap::framing::stream, runtime::now());
        }
        if (c.session->state() == tls::state::failed) {
            tls_failures.push_back(std::string(tls::to_string(c.session->failure())));
            boost::system::error_code ec;
            c.sock.close(ec);
            return;
        }
        while (auto d = c.session->poll_plaintext()) {
            last_peer = p;
            current_identity_ = c.identity;
            std::vector<std::uint8_t> copy(d->begin(), d->end());
            feed(p, bytes_view(copy.data(), copy.size()));
            if (conns_.find(p) == conns_.end()) return;
        }
    }
    // A stream: the engine takes one message per call.
    void feed(std::uint32_t p, bytes_view b) {
        for (int guard = 0; !b.empty() && guard < 4096; ++guard) {
            auto n = eng_.on_receive(coap::peer_id(p), b, runtime::now());
            drain_engine(runtime::now());
            if (!n) {
                if (n.error().code == errc::capacity_exceeded) continue;
                return;
            }
            if (*n == 0) return;
            b = b.subspan(std::min(*n, b.size()));
        }
    }
    void write(std::uint32_t p, bytes_view b) {
        auto it = conns_.find(p);
        if (it == conns_.end()) return;
        it->second->tx.emplace_back(b.begin(), b.end());
        kick(p);
    }
    void kick(std::uint32_t p) {
        auto it = conns_.find(p);
        if (it == conns_.end()) return;
        conn& c = *it->second;
        if (c.writing || c.tx.empty()) return;
        c.writing = true;
        asio::async_write(c.sock, asio::buffer(c.tx.front()),
                          [this, p, a = alive_](const boost::system::error_code& ec, std::size_t) {
                              if (!a->store) return;
                              auto i = conns_.find(p);
                              if (i == conns_.end()) return;
                              i->second->writing = false;
                              if (ec) return;
                              i->second->tx.pop_front();
                              kick(p);
                          });
    }

    void on_timer() {
        auto t = runtime::now();
        eng_.on_timer(t);
        dtls_->on_timer(t);
        pump();
    }

    void pump() {
        auto t = runtime::now();
        // DTLS events first: sessions become engine peers.
        for (int guard = 0; guard < 4; ++guard) {
            while (auto e = dtls_->poll_event()) {
                using k = tls::dtls_server::event_kind;
                if (e->kind == k::established) {
                    // One engine peer per identity, as a server keeps a
                    // device's registration and observations across its
                    // DTLS sessions: a new session of a known identity
                    // takes the peer over.
                    const std::string w = who(e->who);
                    std::optional<std::uint32_t> known;
                    for (auto it = dtls_peer_.begin(); it != dtls_peer_.end(); ++it)
                        if (identity_[it->second] == w && w != "rpk") {
                            known = it->second;
                            dtls_peer_.erase(it);
                            break;
                        }
                    std::uint32_t p = known ? *known : next_peer_++;
                    dtls_peer_[e->id] = p;
                    identity_[p] = w;
                    if (!known) (void)eng_.open_peer(coap::peer_id(p), coap::framing::datagram, t);
                } else if (e->kind == k::data) {
                    auto it = dtls_peer_.find(e->id);
                    if (it != dtls_peer_.end()) {
                        last_peer = it->second;
                        current_identity_ = identity_[it->second];
                        (void)eng_.on_receive(coap::peer_id(it->second),
                                              bytes_view(e->payload.data(), e->payload.size()), t);
                        // The engine's events point into the payload: now.
                        drain_engine(t);
                    }
                } else if (e->kind == k::closed) {
                    auto it = dtls_peer_.find(e->id);
                    if (it != dtls_peer_.end()) {
                        eng_.close_peer(coap::peer_id(it->second));
                        dtls_peer_.erase(it);
                    }
                }
                if (e->kind != k::data) dtls_events.push_back(*e);
            }
            drain_engine(t);
            bool more = false;
            while (auto d = dtls_->poll_transmit()) {
                auto a = addrs_.find(d->to);
                if (a != addrs_.end()) {
                    boost::system::error_code ec;
                    udp_.send_to(asio::buffer(d->bytes), a->second, 0, ec);
                }
                more = true;
            }
            if (!more) break;
        }
        auto d1 = eng_.next_deadline();
        auto d2 = dtls_->next_deadline();
        std::optional<runtime::time_ms> d = d1;
        if (d2 && (!d || *d2 < *d)) d = d2;
        timer_.arm(d);
    }

    void drain_engine(runtime::time_ms t) {
        while (auto ev = eng_.poll_event()) {
            if (ev->kind == coap::event_kind::request) {
                request r;
                auto c = ev->msg.code;
                r.method = c == coap::codes::post  ? "POST"
                           : c == coap::codes::del ? "DELETE"
                                                   : "OTHER";
                for (const auto& o : coap::uri_path(ev->msg))
                    r.path += "/" + std::string(o.as_string());
                for (const auto& q : coap::uri_query(ev->msg))
                    r.query += std::string(q.as_string()) + "&";
                r.peer = ev->peer.value();
                auto id = identity_.find(r.peer);
                r.identity = id != identity_.end() ? id->second : current_identity_;
                coap::message resp;
                coap::message_builder b(resp, storage_);
                if (r.method == "POST" && r.path == "/rd") {
                    ++registers;
                    resp.code = coap::codes::created;
                    (void)b.add_string(coap::opt::location_path, "rd");
                    (void)b.add_string(coap::opt::location_path, "1");
                } else if (r.method == "POST" && r.path == "/rd/1") {
                    ++updates;
                    resp.code = coap::codes::changed;
                } else if (r.method == "DELETE" && r.path == "/rd/1") {
                    ++deregisters;
                    resp.code = coap::codes::deleted;
                } else {
                    resp.code = coap::codes::not_found;
                }
                requests.push_back(r);
                (void)eng_.respond(ev->request, resp, {}, t);
            } else if (ev->kind == coap::event_kind::response) {
                char code[8];
                std::snprintf(code, sizeof code, "%d.%02d", ev->msg.code.raw >> 5,
                              ev->msg.code.raw & 31);
                responses.push_back(
                    std::string(code) + " " +
                    std::string(reinterpret_cast<const char*>(ev->body.data()), ev->body.size()));
            } else if (ev->kind == coap::event_kind::notification) {
                notifications.emplace_back(reinterpret_cast<const char*>(ev->body.data()),
                                           ev->body.size());
            }
        }
        std::uint8_t out[coap::limits::max_pdu];
        while (auto tx = eng_.poll_transmit(out)) {
            const std::uint32_t p = tx->peer.value();
            bytes_view d(out, tx->size);
            if (auto c = conns_.find(p); c != conns_.end()) {
                if (c->second->session) {
                    (void)c->second->session->send(d, t);
                    flush_tls(p);
                } else {
                    write(p, d);
                }
                continue;
            }
            for (const auto& [sid, peer] : dtls_peer_)
                if (peer == p) (void)dtls_->send(sid, d, t);
        }
    }

    asio::io_context& io_;
    coap::engine eng_;
    std::shared_ptr<tls::server_context> ctx_;
    std::unique_ptr<tls::dtls_server> dtls_;
    asio::ip::udp::socket udp_;
    asio::ip::udp::endpoint ufrom_;
    std::array<std::uint8_t, 2048> ubuf_{};
    std::map<std::string, asio::ip::udp::endpoint> addrs_;
    asio::ip::tcp::acceptor tcp_, tls_acceptor_;
    std::map<std::uint32_t, std::unique_ptr<conn>> conns_;
    std::map<tls::dtls_server::session_id, std::uint32_t> dtls_peer_;
    std::map<std::uint32_t, std::string> identity_;
    std::string current_identity_;
    std::uint32_t next_peer_ = 1;
    runtime::deadline_timer timer_;
    std::shared_ptr<alive_flag> alive_ = std::make_shared<alive_flag>();
    std::uint8_t storage_[64];
};

}  // namespace sirocco::testing
