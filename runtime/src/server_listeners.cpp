// The secure and stream listeners of server_runner (issue 8): DTLS on its
// own UDP socket, CoAP over TCP and over TLS, and who may be whom (the
// security store). server_runner.hpp says what each does; docs/server.md
// has the flags and log lines.
//
// Everything here runs on the core thread. Handlers take the engine's mutex
// (mx_) around engine calls; the security store has its own mutex (sec_mx_),
// always taken after mx_ when both are held (the TLS policy callbacks run
// inside dtls_server / session calls made with mx_ held).
#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>

#include "server_listeners.hpp"
#include "sirocco/coap/codec.hpp"
#include "sirocco/runtime/dtls_server.hpp"
#include "sirocco/runtime/metrics.hpp"
#include "sirocco/runtime/server_runner.hpp"
#include "sirocco/runtime/tls.hpp"
#include "sirocco/runtime/udp_endpoint.hpp"
#include "sirocco/server/security_store_sqlite.hpp"

namespace sirocco::runtime {

namespace {

using asio::ip::tcp;
using asio::ip::udp;

/// Refused handshakes are logged for this many distinct addresses; beyond,
/// they are only counted (a scan from many ports must not flood the log).
constexpr std::size_t handshake_log_limit = 1000;
/// Register refusals logged (peer, endpoint) pairs kept.
constexpr std::size_t refusal_log_limit = 100000;
/// Bytes a TCP/TLS connection may have waiting to be written before it is
/// considered stuck and closed.
constexpr std::size_t max_queued_bytes = 4 * 1024 * 1024;

std::string host_text(const asio::ip::address& a) {
    if (a.is_v6()) {
        auto v6 = a.to_v6();
        if (v6.is_v4_mapped())
            return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string();
        return "[" + a.to_string() + "]";
    }
    return a.to_string();
}

template <class Endpoint>
std::string endpoint_text(const Endpoint& e) {
    return host_text(e.address()) + ":" + std::to_string(e.port());
}

std::string hex_prefix(const std::vector<std::uint8_t>& b, std::size_t n) {
    static constexpr char d[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = b.size() > n ? b.size() - n : 0; i < b.size(); ++i) {
        s += d[b[i] >> 4];
        s += d[b[i] & 15];
    }
    return s;
}

/// The identity for logs: "psk:ID", "rpk:<last 8 bytes of the key>", "x509:CN".
std::string identity_text(const tls::identity& who) {
    switch (who.m) {
        case tls::mode::psk:
            return "psk:" + who.psk_identity;
        case tls::mode::rpk:
            return "rpk:" + hex_prefix(who.public_key, 8);
        case tls::mode::x509:
            return "x509:" + who.subject_cn;
    }
    return "?";
}

/// DER bytes of the first certificate of a PEM text (or the text itself
/// when it is DER already).
std::vector<std::uint8_t> first_certificate_der(const std::string& pem) {
    static constexpr std::string_view begin = "-----BEGIN CERTIFICATE-----";
    static constexpr std::string_view end = "-----END CERTIFICATE-----";
    auto b = pem.find(begin);
    if (b == std::string::npos) {
        if (!pem.empty() && static_cast<unsigned char>(pem[0]) == 0x30)
            return {pem.begin(), pem.end()};
        return {};
    }
    auto e = pem.find(end, b);
    if (e == std::string::npos) return {};
    std::vector<std::uint8_t> out;
    unsigned acc = 0;
    int bits = 0;
    for (std::size_t i = b + begin.size(); i < e; ++i) {
        const char c = pem[i];
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else
            continue;  // line breaks, padding
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

}  // namespace

// --- start / stop ---------------------------------------------------------------

namespace {

struct bind_spec {
    const char* transport;
    const char* flag;
    std::string address;
    int port;
};

}  // namespace

result<void> server_runner::start_listeners() {
    lst_ = std::make_unique<listeners>(core_);
    auto& L = *lst_;
    const bool want_dtls = opts_.coaps_port >= 0;
    const bool want_tcp = opts_.coap_tcp_port >= 0;
    const bool want_tls = opts_.coaps_tcp_port >= 0;
    if (!want_dtls && !want_tcp && !want_tls) return {};

    // Our credentials and the policy (shared by DTLS and TLS).
    tls::credentials ours;
    if (want_dtls || want_tls) {
        if (!opts_.tls_key_file.empty()) {
            auto k = tls::read_file(opts_.tls_key_file);
            if (!k) return unexpected(errc::invalid_argument, "--tls-key: cannot read the file");
            ours.private_key_pem = std::move(*k);
        } else {
            auto k = tls::generate_ec_key();
            if (!k) return unexpected(k.error());
            ours.private_key_pem = std::move(*k);
        }
        if (!opts_.tls_cert_file.empty()) {
            auto c = tls::read_file(opts_.tls_cert_file);
            if (!c) return unexpected(errc::invalid_argument, "--tls-cert: cannot read the file");
            ours.certificate_pem = std::move(*c);
            ours.m = tls::mode::x509;
            own_creds_.certificate = first_certificate_der(ours.certificate_pem);
        } else {
            ours.m = tls::mode::rpk;
        }
        auto spki = tls::public_key_der(ours.private_key_pem);
        if (!spki) return unexpected(errc::invalid_argument, "--tls-key: not a usable private key");
        own_creds_.public_key = std::move(*spki);
        tls::server_policy policy;
        policy.psk_key =
            [this](std::string_view identity) -> std::optional<std::vector<std::uint8_t>> {
            std::lock_guard<std::mutex> g(sec_mx_);
            auto e = sec_store_->find_by_psk_identity(identity);
            if (!e) return std::nullopt;
            return e->psk_key;
        };
        policy.rpk_known = [this](const std::vector<std::uint8_t>& spki_der) {
            std::lock_guard<std::mutex> g(sec_mx_);
            return sec_store_->find_by_public_key(bytes_view(spki_der.data(), spki_der.size()))
                .has_value();
        };
        if (!opts_.tls_ca_file.empty()) {
            auto ca = tls::read_file(opts_.tls_ca_file);
            if (!ca) return unexpected(errc::invalid_argument, "--tls-ca: cannot read the file");
            policy.client_ca_pem = std::move(*ca);
        }
        L.tls_cfg.cid_length = opts_.dtls_cid_length;
        L.tls_cfg.handshake_timeout_ms = opts_.handshake_timeout_ms;
        auto ctx = tls::server_context::create(L.tls_cfg, std::move(ours), std::move(policy));
        if (!ctx) return unexpected(ctx.error());
        L.ctx = std::shared_ptr<tls::server_context>(std::move(*ctx));
    }
    L.max_handshakes = opts_.max_handshakes;
    L.max_connections = opts_.max_connections;

    auto address_of = [&](const std::string& a) { return a.empty() ? opts_.coap_address : a; };
    auto bind_failed = [&](const char* transport, const char* flag, const std::string& addr,
                           int port, const std::string& why) -> result<void> {
        const bool required = std::string_view(transport) == "dtls" ? opts_.coaps_port_required
                              : std::string_view(transport) == "tcp"
                                  ? opts_.coap_tcp_port_required
                                  : opts_.coaps_tcp_port_required;
        if (required) {
            static thread_local std::string reason;
            reason = std::string(flag) + ": cannot listen on " + addr + ":" + std::to_string(port) +
                     ": " + why;
            return unexpected(errc::io_error, reason.c_str());
        }
        log_.write(log_level::warn, "listener_disabled",
                   {{"transport", transport},
                    {"address", addr},
                    {"port", std::to_string(port)},
                    {"reason", why},
                    {"hint", std::string("set ") + flag + " (0 = any free port, -1 = off)"}});
        return {};
    };

    if (want_dtls) {
        const std::string addr = address_of(opts_.coaps_address);
        error_code ec;
        auto ip = asio::ip::make_address(addr, ec);
        if (ec) return unexpected(errc::invalid_argument, "--coaps-address: not an IP address");
        auto s = std::make_unique<udp::socket>(core_);
        udp::endpoint local(ip, static_cast<std::uint16_t>(opts_.coaps_port));
        s->open(local.protocol(), ec);
        if (!ec) s->bind(local, ec);
        if (!ec && opts_.udp_buffer_bytes > 0) {
            error_code ignored;  // the kernel caps the size; a refusal is not fatal
            const int n = static_cast<int>(std::min<std::size_t>(opts_.udp_buffer_bytes, 1u << 30));
            s->set_option(asio::socket_base::receive_buffer_size(n), ignored);
            s->set_option(asio::socket_base::send_buffer_size(n), ignored);
        }
        if (ec) {
            SIROCCO_TRY(bind_failed("dtls", "--coaps-port", addr, opts_.coaps_port, ec.message()));
        } else {
            tls::dtls_server_limits lim;
            lim.max_handshakes = opts_.max_handshakes;
            lim.max_sessions = opts_.max_sessions;
            lim.idle_timeout_ms = opts_.dtls_idle_timeout_ms;
            L.dtls = std::make_unique<tls::dtls_server>(L.ctx, L.tls_cfg, lim);
            L.dtls_port = s->local_endpoint(ec).port();
            L.dtls_sock = std::move(s);
            dtls_receive();
        }
    }
    auto open_acceptor = [&](int port, const char* transport,
                             const char* flag) -> result<std::unique_ptr<tcp::acceptor>> {
        const std::string addr = address_of(opts_.coap_tcp_address);
        error_code ec;
        auto ip = asio::ip::make_address(addr, ec);
        if (ec) return unexpected(errc::invalid_argument, "--coap-tcp-address: not an IP address");
        auto a = std::make_unique<tcp::acceptor>(core_);
        tcp::endpoint local(ip, static_cast<std::uint16_t>(port));
        a->open(local.protocol(), ec);
        if (!ec) a->set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) a->bind(local, ec);
        if (!ec) a->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) {
            SIROCCO_TRY(bind_failed(transport, flag, addr, port, ec.message()));
            return std::unique_ptr<tcp::acceptor>();
        }
        return a;
    };
    if (want_tcp) {
        auto a = open_acceptor(opts_.coap_tcp_port, "tcp", "--coap-tcp-port");
        if (!a) return unexpected(a.error());
        if (*a) {
            error_code ec;
            L.tcp_port = (*a)->local_endpoint(ec).port();
            L.tcp_acc = std::move(*a);
            accept_next(link_kind::tcp);
        }
    }
    if (want_tls) {
        auto a = open_acceptor(opts_.coaps_tcp_port, "tls", "--coaps-tcp-port");
        if (!a) return unexpected(a.error());
        if (*a) {
            error_code ec;
            L.tls_port = (*a)->local_endpoint(ec).port();
            L.tls_acc = std::move(*a);
            accept_next(link_kind::tls);
        }
    }
    auto line = [&](const char* transport, const std::string& addr, std::uint16_t port) {
        log_.write(log_level::info, "listening",
                   {{"transport", transport}, {"address", addr}, {"port", std::to_string(port)}});
    };
    if (L.dtls_sock) line("dtls", address_of(opts_.coaps_address), L.dtls_port);
    if (L.tcp_acc) line("tcp", address_of(opts_.coap_tcp_address), L.tcp_port);
    if (L.tls_acc) line("tls", address_of(opts_.coap_tcp_address), L.tls_port);
    if (L.ctx)
        log_.write(log_level::info, "tls_credentials",
                   {{"key", opts_.tls_key_file.empty() ? "generated" : opts_.tls_key_file},
                    {"certificate", opts_.tls_cert_file.empty() ? "none (x509 server auth off)"
                                                                : opts_.tls_cert_file},
                    {"client_ca",
                     opts_.tls_ca_file.empty() ? "none (x509 clients refused)" : opts_.tls_ca_file},
                    {"dtls_cid", std::to_string(opts_.dtls_cid_length)},
                    {"max_handshakes", std::to_string(opts_.max_handshakes)}});
    return {};
}

void server_runner::stop_listeners() {
    if (!lst_) return;
    auto& L = *lst_;
    error_code ec;
    if (L.dtls_sock) L.dtls_sock->close(ec);
    L.dtls_timer.cancel();
    if (L.tcp_acc) L.tcp_acc->close(ec);
    if (L.tls_acc) L.tls_acc->close(ec);
    for (auto& [id, c] : L.conns) {
        c->closed = true;
        c->sock.close(ec);
        c->timer.cancel();
    }
    L.conns.clear();
}

listener_ports server_runner::ports() const noexcept {
    listener_ports p;
    p.udp = bound_port_.load();
    if (lst_) {
        p.dtls = lst_->dtls_port.load();
        p.tcp = lst_->tcp_port.load();
        p.tls = lst_->tls_port.load();
    }
    return p;
}

server_runner::link_counts server_runner::links() const {
    link_counts n;
    std::lock_guard<std::mutex> lock(mx_);
    for (const auto& [p, l] : links_) {
        if (l.kind == link_kind::dtls) ++n.dtls;
        if (l.kind == link_kind::tcp) ++n.tcp;
        if (l.kind == link_kind::tls) ++n.tls;
    }
    if (lst_ && lst_->dtls) n.dtls_handshaking = lst_->dtls->counters().handshaking;
    return n;
}

// --- who may be whom ---------------------------------------------------------------

void server_runner::bind_identity(link_peer& lp, const tls::identity& who) {
    lp.who = identity_text(who);
    std::optional<server::security_entry> e;
    {
        std::lock_guard<std::mutex> g(sec_mx_);
        switch (who.m) {
            case tls::mode::psk:
                e = sec_store_->find_by_psk_identity(who.psk_identity);
                break;
            case tls::mode::rpk:
                e = sec_store_->find_by_public_key(
                    bytes_view(who.public_key.data(), who.public_key.size()));
                break;
            case tls::mode::x509:
                e = sec_store_->get(who.subject_cn);
                if (e && e->mode != server::security_mode::x509) e.reset();
                break;
        }
    }
    lp.has_entry = e.has_value();
    lp.bound = e ? e->endpoint : std::string();
    lp.cn = who.m == tls::mode::x509 ? who.subject_cn : std::string();
}

bool server_runner::authorize(coap::peer_id p, std::string_view endpoint) {
    if (auto it = links_.find(p.value()); it != links_.end()) {
        const link_peer& lp = it->second;
        if (lp.secure) return lp.has_entry && lp.bound == endpoint;
    } else if (mqtt_peers_.count(p.value()) != 0) {
        return true;  // the broker's ACL binds topic and endpoint (bound_endpoint)
    }
    // Plain UDP or TCP: only endpoints without a security entry.
    std::lock_guard<std::mutex> g(sec_mx_);
    return secured_.empty() || secured_.find(endpoint) == secured_.end();
}

std::string server_runner::transport_of(std::uint32_t p) const {
    if (auto it = links_.find(p); it != links_.end()) {
        switch (it->second.kind) {
            case link_kind::dtls:
                return "dtls";
            case link_kind::tcp:
                return "tcp";
            case link_kind::tls:
                return "tls";
        }
    }
    if (mqtt_peers_.count(p) != 0) return "mqtt";
    if (p >= dtls_peer_base && p < 0x60000000u) return "closed";
    return "udp";
}

void server_runner::log_refusal(const server::event& e) {
    const std::uint32_t p = e.peer.value();
    const std::string transport = transport_of(p);
    if (metrics_) metrics_->registration_refused(transport);
    if (refusals_logged_.size() >= refusal_log_limit) return;
    if (!refusals_logged_.insert({p, e.endpoint}).second) return;
    std::string reason = e.result.error;
    std::string identity;
    if (auto it = links_.find(p); it != links_.end() && it->second.secure) {
        identity = it->second.who;
        reason = it->second.has_entry
                     ? "the identity is bound to endpoint '" + it->second.bound + "'"
                     : std::string("no security entry matches the identity");
    } else if (transport == "udp" || transport == "tcp") {
        std::lock_guard<std::mutex> g(sec_mx_);
        if (sec_store_->get(e.endpoint))
            reason = "the endpoint has a security entry: only its DTLS/TLS identity may use it";
    }
    char code[8];
    std::snprintf(code, sizeof code, "%u.%02u", e.code.cls(), e.code.detail());
    log_.write(log_level::warn, "registration_refused",
               {{"transport", transport},
                {"peer", address_text(e.peer)},
                {"ep", e.endpoint},
                {"method", code},
                {"identity", identity},
                {"reason", reason},
                {"answer", "4.03"},
                {"note", "logged once per peer and endpoint"}});
}

void server_runner::log_handshake_refused(const char* transport, const std::string& address,
                                          tls::failure f, const std::string& detail,
                                          const tls::identity* who) {
    if (metrics_) metrics_->tls_handshake(transport, tls::to_string(f));
    auto& L = *lst_;
    if (L.handshake_logged.count(address) != 0) return;
    if (L.handshake_logged.size() >= handshake_log_limit) {
        if (!L.handshake_log_full) {
            L.handshake_log_full = true;
            log_.write(log_level::warn, "handshake_refused_log_full",
                       {{"addresses", std::to_string(handshake_log_limit)},
                        {"note",
                         "further refused handshakes are counted in "
                         "sirocco_tls_handshakes_total only"}});
        }
        return;
    }
    L.handshake_logged.insert(address);
    std::string id;
    if (who != nullptr &&
        (!who->psk_identity.empty() || !who->subject_cn.empty() || !who->public_key.empty()))
        id = identity_text(*who);
    log_.write(log_level::warn, "handshake_refused",
               {{"transport", transport},
                {"address", address},
                {"reason", std::string(tls::to_string(f))},
                {"identity", id},
                {"detail", detail},
                {"note", "logged once per address"}});
}

void server_runner::close_links_of(const std::string& endpoint) {
    // Cached sessions could be resumed with the old identity: forget them
    // all (the others then make one full handshake).
    if (lst_ && lst_->ctx) lst_->ctx->clear_session_cache();
    std::vector<std::uint32_t> victims;
    for (const auto& [p, lp] : links_)
        if (lp.secure && ((lp.has_entry && lp.bound == endpoint) ||
                          (!lp.has_entry && !lp.cn.empty() && lp.cn == endpoint)))
            victims.push_back(p);
    for (auto p : victims) {
        auto it = links_.find(p);
        if (it == links_.end()) continue;
        log_.write(log_level::info, "session_closed",
                   {{"transport", transport_of(p)},
                    {"address", it->second.address},
                    {"identity", it->second.who},
                    {"reason", "security entry of '" + endpoint + "' changed"}});
        if (it->second.kind == link_kind::dtls) {
            const auto session = it->second.session;
            links_.erase(it);
            engine_->close_peer(coap::peer_id(p));
            engine_peers_.erase(p);
            lst_->dtls->close(session, clock_.now());
            dtls_flush();
        } else {
            auto c = it->second.conn;
            if (c->tls) {
                c->tls->close(clock_.now());
                conn_flush_tls(c);
            }
            conn_close(c, "security entry changed");
        }
    }
    if (metrics_ && lst_ && lst_->dtls)
        metrics_->set_tls_sessions("dtls", lst_->dtls->counters().sessions);
}

// --- feeding the engine -----------------------------------------------------------

void server_runner::feed(std::uint32_t peer, bytes_view b, time_ms t, bool stream) {
    coap::peer_id p(peer);
    bool dropped = false;
    const char* why = nullptr;
    const auto dropped_before = engine_->counters().coap_dropped;
    for (int guard = 0; guard < 100000 && !b.empty(); ++guard) {
        auto r = engine_->on_receive(p, b, t);
        if (!r) {
            dropped = true;
            why = r.error().reason;
            break;
        }
        if (!stream || *r == 0 || *r >= b.size()) break;
        b = b.subspan(*r);
    }
    dropped = dropped || engine_->counters().coap_dropped != dropped_before;
    if (dropped && metrics_) metrics_->coap_dropped();
    if (dropped && garbage_logged_.insert(peer).second) {
        log_.write(log_level::warn, "coap_dropped",
                   {{"peer", address_text(p)},
                    {"reason", why ? std::string(why) : std::string("not a valid CoAP message")},
                    {"note", "further bad messages from this peer are not logged"}});
    }
}

// --- DTLS -----------------------------------------------------------------------

void server_runner::dtls_receive() {
    auto& L = *lst_;
    L.dtls_sock->async_receive_from(
        asio::buffer(L.dtls_buf), L.dtls_from, [this](const error_code& ec, std::size_t n) {
            if (ec == asio::error::operation_aborted) return;
            if (stopped_ || !lst_ || !lst_->dtls_sock || !lst_->dtls_sock->is_open()) return;
            if (!ec) {
                std::unique_lock<std::mutex> lock(mx_);
                const time_ms t = clock_.now();
                lst_->dtls->on_datagram(endpoint_text(lst_->dtls_from),
                                        bytes_view(lst_->dtls_buf.data(), n), t);
                dtls_drain(t);
                pump(lock);
                dtls_arm();
            }
            dtls_receive();
        });
}

void server_runner::dtls_flush() {
    auto& L = *lst_;
    while (auto d = L.dtls->poll_transmit()) {
        auto to = parse_udp_address(d->to);
        if (!to || !L.dtls_sock || !L.dtls_sock->is_open()) continue;
        error_code ec;
        L.dtls_sock->send_to(asio::buffer(d->bytes), *to, 0, ec);
    }
}

void server_runner::dtls_drain(time_ms t) {
    auto& L = *lst_;
    using k = tls::dtls_server::event_kind;
    for (int round = 0; round < 1000; ++round) {
        dtls_flush();
        auto e = L.dtls->poll_event();
        if (!e) break;
        const std::uint32_t peer = dtls_peer_base + e->id;
        switch (e->kind) {
            case k::established: {
                link_peer lp;
                lp.kind = link_kind::dtls;
                lp.session = e->id;
                lp.address = "coaps://" + e->address;
                lp.secure = true;
                bind_identity(lp, e->who);
                const std::string address = lp.address;
                log_.write(log_level::info, "session_established",
                           {{"transport", "dtls"},
                            {"address", address},
                            {"identity", lp.who},
                            {"ep", lp.has_entry ? lp.bound : std::string("(none)")},
                            {"cid", e->cid ? "true" : "false"},
                            {"resumed", e->resumed ? "true" : "false"}});
                links_[peer] = std::move(lp);
                if (engine_peers_.count(peer) == 0 &&
                    engine_->open_peer(coap::peer_id(peer), coap::framing::datagram, address, t))
                    engine_peers_.insert(peer);
                if (metrics_) {
                    metrics_->tls_handshake("dtls", e->resumed ? "resumed" : "established");
                    metrics_->set_tls_sessions("dtls", L.dtls->counters().sessions);
                }
                break;
            }
            case k::data:
                if (links_.count(peer) != 0)
                    feed(peer, bytes_view(e->payload.data(), e->payload.size()), t, false);
                break;
            case k::closed:
                if (auto it = links_.find(peer); it != links_.end()) {
                    log_.write(log_level::debug, "session_closed",
                               {{"transport", "dtls"},
                                {"address", it->second.address},
                                {"identity", it->second.who},
                                {"reason", e->reason}});
                    links_.erase(it);
                    engine_->close_peer(coap::peer_id(peer));
                    engine_peers_.erase(peer);
                }
                if (metrics_) metrics_->set_tls_sessions("dtls", L.dtls->counters().sessions);
                break;
            case k::moved:
                if (auto it = links_.find(peer); it != links_.end()) {
                    const std::string before = it->second.address;
                    it->second.address = "coaps://" + e->address;
                    (void)engine_->set_peer_address(coap::peer_id(peer), it->second.address);
                    log_.write(log_level::info, "session_moved",
                               {{"transport", "dtls"},
                                {"from", before},
                                {"to", it->second.address},
                                {"identity", it->second.who}});
                }
                break;
            case k::refused:
                log_handshake_refused("dtls", e->address, e->fail, e->reason, &e->who);
                break;
        }
    }
    dtls_flush();
}

void server_runner::dtls_arm() {
    auto& L = *lst_;
    if (!L.dtls) return;
    auto d = L.dtls->next_deadline();
    if (d == L.dtls_armed) return;
    L.dtls_armed = d;
    L.dtls_timer.cancel();
    if (!d || stopped_) return;
    L.dtls_timer.expires_at(clock_.to_steady(*d));
    L.dtls_timer.async_wait([this, deadline = *d](const error_code& ec) {
        if (ec || stopped_ || !lst_ || lst_->dtls_armed != deadline) return;
        std::unique_lock<std::mutex> lock(mx_);
        lst_->dtls_armed.reset();
        const time_ms t = clock_.now();
        lst_->dtls->on_timer(t);
        dtls_drain(t);
        pump(lock);
        dtls_arm();
    });
}

// --- TCP and TLS ------------------------------------------------------------------

void server_runner::accept_next(link_kind kind) {
    auto& L = *lst_;
    tcp::acceptor* acc = kind == link_kind::tcp ? L.tcp_acc.get() : L.tls_acc.get();
    acc->async_accept([this, kind](const error_code& ec, tcp::socket s) {
        if (ec == asio::error::operation_aborted || stopped_ || !lst_) return;
        if (!ec) on_accept(kind, std::move(s));
        tcp::acceptor* a = kind == link_kind::tcp ? lst_->tcp_acc.get() : lst_->tls_acc.get();
        if (!a || !a->is_open()) return;
        if (!ec) {
            accept_next(kind);
            return;
        }
        // EMFILE and friends: accepting again at once would spin; retry in
        // 100 ms (logged once per listener until an accept succeeds).
        if (!lst_->accept_error_logged[kind == link_kind::tcp ? 0 : 1]) {
            lst_->accept_error_logged[kind == link_kind::tcp ? 0 : 1] = true;
            log_.write(log_level::warn, "accept_failed",
                       {{"transport", kind == link_kind::tcp ? "tcp" : "tls"},
                        {"reason", ec.message()},
                        {"retry", "every 100 ms"}});
        }
        auto t = std::make_shared<asio::steady_timer>(core_, std::chrono::milliseconds(100));
        t->async_wait([this, kind, t](const error_code& e) {
            if (e || stopped_ || !lst_) return;
            accept_next(kind);
        });
    });
}

void server_runner::on_accept(link_kind kind, tcp::socket s) {
    auto& L = *lst_;
    L.accept_error_logged[kind == link_kind::tcp ? 0 : 1] = false;
    error_code ec;
    const auto remote = s.remote_endpoint(ec);
    if (ec) return;
    const bool busy = L.conns.size() >= L.max_connections ||
                      (kind == link_kind::tls && L.tls_handshaking >= L.max_handshakes);
    if (busy) {
        if (metrics_ && kind == link_kind::tls) metrics_->tls_handshake("tls", "busy");
        s.close(ec);
        return;
    }
    s.set_option(tcp::no_delay(true), ec);
    auto c = std::make_shared<stream_conn>(core_, std::move(s), kind, L.next_conn++);
    c->addr = endpoint_text(remote);
    L.conns[c->peer] = c;
    std::unique_lock<std::mutex> lock(mx_);
    const time_ms t = clock_.now();
    if (kind == link_kind::tcp) {
        link_peer lp;
        lp.kind = link_kind::tcp;
        lp.conn = c;
        lp.address = "coap+tcp://" + c->addr;
        const std::string address = lp.address;
        links_[c->peer] = std::move(lp);
        if (engine_->open_peer(coap::peer_id(c->peer), coap::framing::stream, address, t))
            engine_peers_.insert(c->peer);
        c->opened = true;
        ++L.open_tcp;
        log_.write(log_level::debug, "connection_opened",
                   {{"transport", "tcp"}, {"address", address}});
        // A connection that sends nothing (not even its CSM) within the
        // handshake timeout is closed: strangers cannot park connections.
        c->timer.expires_after(std::chrono::milliseconds(opts_.handshake_timeout_ms));
        c->timer.async_wait([this, c](const error_code& e) {
            if (e || c->closed || stopped_ || c->heard) return;
            std::unique_lock<std::mutex> lk(mx_);
            conn_close(c, "nothing received within the handshake timeout");
            pump(lk);
        });
        if (metrics_) metrics_->set_tcp_connections(count_conns(link_kind::tcp));
    } else {
        auto sess = L.ctx->accept(tls::transport::stream, c->addr, t);
        if (!sess) {
            conn_close(c, sess.error().reason);
            return;
        }
        c->tls = std::move(*sess);
        ++L.tls_handshaking;
        conn_arm_timer(c);
    }
    pump(lock);
    conn_read(c);
}

std::size_t server_runner::count_conns(link_kind kind) const {
    if (!lst_) return 0;
    return kind == link_kind::tcp ? lst_->open_tcp : lst_->open_tls;
}

void server_runner::conn_read(const std::shared_ptr<stream_conn>& c) {
    c->sock.async_read_some(asio::buffer(c->rbuf), [this, c](const error_code& ec, std::size_t n) {
        if (c->closed || stopped_) return;
        std::unique_lock<std::mutex> lock(mx_);
        if (ec) {
            conn_close(c,
                       ec == asio::error::eof ? std::string("closed by the peer") : ec.message());
            pump(lock);
            return;
        }
        const time_ms t = clock_.now();
        const bytes_view in(c->rbuf.data(), n);
        if (c->kind == link_kind::tcp) {
            if (!c->heard) {
                c->heard = true;
                c->timer.cancel();
            }
            feed(c->peer, in, t, true);
        } else {
            (void)c->tls->on_receive(in, t);
            tls_progress(c, t);
        }
        pump(lock);
        if (!c->closed) conn_read(c);
    });
}

void server_runner::tls_progress(const std::shared_ptr<stream_conn>& c, time_ms t) {
    if (c->closed) return;
    auto& L = *lst_;
    conn_flush_tls(c);
    const auto st = c->tls->state();
    if (!c->opened && st == tls::state::established) {
        if (L.tls_handshaking > 0) --L.tls_handshaking;
        c->opened = true;
        ++L.open_tls;
        link_peer lp;
        lp.kind = link_kind::tls;
        lp.conn = c;
        lp.address = "coaps+tcp://" + c->addr;
        lp.secure = true;
        bind_identity(lp, c->tls->identity());
        const std::string address = lp.address;
        log_.write(log_level::info, "session_established",
                   {{"transport", "tls"},
                    {"address", address},
                    {"identity", lp.who},
                    {"ep", lp.has_entry ? lp.bound : std::string("(none)")},
                    {"resumed", c->tls->resumed() ? "true" : "false"}});
        links_[c->peer] = std::move(lp);
        if (engine_->open_peer(coap::peer_id(c->peer), coap::framing::stream, address, t))
            engine_peers_.insert(c->peer);
        if (metrics_) {
            metrics_->tls_handshake("tls", c->tls->resumed() ? "resumed" : "established");
            metrics_->set_tls_sessions("tls", count_conns(link_kind::tls));
        }
    }
    if (st == tls::state::failed || st == tls::state::closed) {
        if (!c->opened)
            log_handshake_refused("tls", c->addr, c->tls->failure(), c->tls->failure_reason(),
                                  nullptr);
        conn_close(
            c, st == tls::state::closed ? std::string("close_notify") : c->tls->failure_reason());
        return;
    }
    while (auto p = c->tls->poll_plaintext()) {
        if (!c->opened) break;
        feed(c->peer, *p, t, true);
    }
    conn_arm_timer(c);
}

void server_runner::conn_flush_tls(const std::shared_ptr<stream_conn>& c) {
    while (auto out = c->tls->poll_transmit())
        conn_write(c, *out);
}

void server_runner::conn_write(const std::shared_ptr<stream_conn>& c, bytes_view d) {
    if (c->closed || d.empty()) return;
    c->outq.emplace_back(d.begin(), d.end());
    c->queued += d.size();
    if (c->queued > max_queued_bytes) {
        conn_close(c, "write queue full (the peer does not read)");
        return;
    }
    if (!c->writing) conn_do_write(c);
}

void server_runner::conn_do_write(const std::shared_ptr<stream_conn>& c) {
    c->writing = true;
    asio::async_write(c->sock, asio::buffer(c->outq.front()),
                      [this, c](const error_code& ec, std::size_t) {
                          c->writing = false;
                          if (c->closed) return;
                          if (ec) {
                              std::unique_lock<std::mutex> lock(mx_);
                              conn_close(c, ec.message());
                              pump(lock);
                              return;
                          }
                          c->queued -= c->outq.front().size();
                          c->outq.pop_front();
                          if (!c->outq.empty()) {
                              conn_do_write(c);
                          } else if (c->close_after_write) {
                              std::unique_lock<std::mutex> lock(mx_);
                              conn_close(c, "aborted (RFC 8323 Abort sent)");
                              pump(lock);
                          }
                      });
}

void server_runner::conn_arm_timer(const std::shared_ptr<stream_conn>& c) {
    if (!c->tls || c->closed) return;
    auto d = c->tls->next_deadline();
    if (d == c->armed) return;
    c->armed = d;
    c->timer.cancel();
    if (!d) return;
    c->timer.expires_at(clock_.to_steady(*d));
    c->timer.async_wait([this, c, deadline = *d](const error_code& ec) {
        if (ec || c->closed || stopped_ || c->armed != deadline) return;
        std::unique_lock<std::mutex> lock(mx_);
        c->armed.reset();
        const time_ms t = clock_.now();
        c->tls->on_timer(t);
        tls_progress(c, t);
        pump(lock);
    });
}

void server_runner::conn_close(const std::shared_ptr<stream_conn>& c, const std::string& reason) {
    if (c->closed) return;
    c->closed = true;
    error_code ec;
    c->sock.shutdown(tcp::socket::shutdown_both, ec);
    c->sock.close(ec);
    c->timer.cancel();
    auto& L = *lst_;
    const char* transport = c->kind == link_kind::tcp ? "tcp" : "tls";
    if (c->opened) {
        auto& open = c->kind == link_kind::tcp ? L.open_tcp : L.open_tls;
        if (open > 0) --open;
        if (auto it = links_.find(c->peer); it != links_.end()) {
            log_.write(log_level::debug, "connection_closed",
                       {{"transport", transport},
                        {"address", it->second.address},
                        {"identity", it->second.who},
                        {"reason", reason}});
            links_.erase(it);
        }
        engine_->close_peer(coap::peer_id(c->peer));
        engine_peers_.erase(c->peer);
    } else if (c->kind == link_kind::tls && L.tls_handshaking > 0) {
        --L.tls_handshaking;
        if (c->tls && c->tls->state() == tls::state::handshaking && metrics_)
            metrics_->tls_handshake("tls", "peer_closed");
    }
    L.conns.erase(c->peer);
    if (metrics_) {
        if (c->kind == link_kind::tcp)
            metrics_->set_tcp_connections(count_conns(link_kind::tcp));
        else
            metrics_->set_tls_sessions("tls", count_conns(link_kind::tls));
    }
}

bool server_runner::send_link(std::uint32_t p, bytes_view d) {
    if (p < dtls_peer_base || p >= 0x60000000u) return false;
    auto it = links_.find(p);
    if (it == links_.end()) return true;  // closed: dropped
    link_peer& lp = it->second;
    const time_ms t = clock_.now();
    // The engine aborted the connection (malformed input, RFC 8323 5.6):
    // the Abort goes out, then the connection is closed.
    if (lp.kind != link_kind::dtls) {
        if (auto m = coap::decode(d, coap::framing::stream); m && m->code == coap::code(7, 5))
            lp.conn->close_after_write = true;
    }
    switch (lp.kind) {
        case link_kind::dtls:
            (void)lst_->dtls->send(lp.session, d, t);
            dtls_flush();
            break;
        case link_kind::tcp:
            conn_write(lp.conn, d);
            break;
        case link_kind::tls: {
            auto c = lp.conn;
            if (c->tls && c->tls->send(d, t)) conn_flush_tls(c);
            break;
        }
    }
    return true;
}

coap::framing server_runner::framing_of(std::uint32_t p) const {
    if (mqtt_peers_.count(p) != 0) return coap::framing::compact;
    if (auto it = links_.find(p); it != links_.end() && it->second.kind != link_kind::dtls)
        return coap::framing::stream;
    return coap::framing::datagram;
}

// --- rest::security_admin -----------------------------------------------------------

result<server::put_outcome> server_runner::put_security(const server::security_entry& e) {
    result<server::put_outcome> r = unexpected(errc::io_error, "no security store");
    {
        std::lock_guard<std::mutex> g(sec_mx_);
        r = sec_store_->put(e);
        if (r) secured_.insert(e.endpoint);
    }
    if (r) {
        log_.write(log_level::info, "security_entry_put",
                   {{"ep", e.endpoint},
                    {"mode", std::string(server::to_string(e.mode))},
                    {"identity", e.psk_identity},
                    {"outcome", *r == server::put_outcome::created ? "created" : "replaced"}});
        asio::post(core_, [this, ep = e.endpoint] {
            if (stopped_ || !lst_) return;
            std::unique_lock<std::mutex> lock(mx_);
            close_links_of(ep);
            pump(lock);
        });
    }
    return r;
}

std::vector<server::security_entry> server_runner::security_entries() const {
    std::lock_guard<std::mutex> g(sec_mx_);
    return sec_store_->list();
}

result<server::security_entry> server_runner::remove_security(std::string_view endpoint) {
    result<server::security_entry> r = unexpected(errc::io_error, "no security store");
    {
        std::lock_guard<std::mutex> g(sec_mx_);
        r = sec_store_->remove(endpoint);
        if (r) secured_.erase(r->endpoint);
    }
    if (r) {
        log_.write(log_level::info, "security_entry_removed", {{"ep", std::string(endpoint)}});
        asio::post(core_, [this, ep = std::string(endpoint)] {
            if (stopped_ || !lst_) return;
            std::unique_lock<std::mutex> lock(mx_);
            close_links_of(ep);
            pump(lock);
        });
    }
    return r;
}

rest::security_admin::server_credentials server_runner::server_security() const {
    return own_creds_;
}

result<std::unique_ptr<server::security_store>> server_runner::open_security_store(
    const server_runner_options& opts, const std::string& file) {
    if (opts.store == store_kind::sqlite) {
        auto s = server::sqlite_security_store::open(file);
        if (!s) return unexpected(s.error());
        return std::unique_ptr<server::security_store>(std::move(*s));
    }
    return std::unique_ptr<server::security_store>(
        std::make_unique<server::memory_security_store>());
}

}  // namespace sirocco::runtime
