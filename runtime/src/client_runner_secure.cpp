// client_runner: the DTLS, TCP and TLS links of server accounts (the
// header's "Secure and stream transports" part).
#include <algorithm>

#include <boost/asio/post.hpp>

#include "client_runner_links.hpp"
#include "sirocco/runtime/client_runner.hpp"

namespace sirocco::runtime {

namespace {
// TCP/TLS peers: ids from here up, one per connection (below the MQTT range
// 0x70000000 of client_runner.cpp, far above what the v4 socket hands out).
constexpr std::uint32_t stream_peer_base = 0x60000000u;
constexpr std::size_t max_pending = 16;

// Destroys `p` later, on the loop: a link may be replaced from inside one of
// its own hooks.
template <class T>
void destroy_later(asio::io_context& io, std::unique_ptr<T> p) {
    if (!p) return;
    asio::post(io, [q = std::shared_ptr<T>(std::move(p))] {});
}
}  // namespace

void client_runner::log_transport(const std::string& what) const {
    if (opts_.transport_log) opts_.transport_log(what);
}

std::optional<client_runner::link_status> client_runner::link_of(client::ssid s) const {
    auto it = status_.find(s);
    if (it == status_.end()) return std::nullopt;
    return it->second;
}

std::optional<client::ssid> client_runner::dtls_of(coap::peer_id p) const {
    for (const auto& [s, l] : dtls_)
        if (l->peer == p) return s;
    return std::nullopt;
}

std::optional<client::ssid> client_runner::stream_of(coap::peer_id p) const {
    if (p.value() < stream_peer_base || p.value() >= stream_peer_base + 0x10000000u)
        return std::nullopt;
    for (const auto& [s, l] : streams_)
        if (l->peer == p) return s;
    return std::nullopt;
}

result<tls::credentials> client_runner::credentials_for(client::ssid s,
                                                        const std::string& host) const {
    if (opts_.security == nullptr)
        return unexpected(errc::invalid_argument,
                          "no Security object given to the runner for a secure server URI");
    auto acc = opts_.security->account_of(s);
    if (!acc) return unexpected(acc.error());
    return credentials_from(*acc, host);
}

void client_runner::close_secure(client::ssid s, bool notify) {
    if (auto it = dtls_.find(s); it != dtls_.end()) {
        auto l = std::move(it->second);
        dtls_.erase(it);
        if (l->link && notify) l->link->close(now());
        if (l->timer) l->timer->arm(std::nullopt);
        destroy_later(loop_.io(), std::move(l->link));
        destroy_later(loop_.io(), std::move(l->timer));
    }
    if (auto it = streams_.find(s); it != streams_.end()) {
        auto l = std::move(it->second);
        streams_.erase(it);
        if (l->t && notify) l->t->close();
        destroy_later(loop_.io(), std::move(l->t));
    }
    if (auto st = status_.find(s); st != status_.end()) {
        st->second.open = false;
        st->second.established = false;
    }
}

// ---- DTLS ----------------------------------------------------------------------

void client_runner::open_dtls(client::ssid s, coap::peer_id p, const tls::credentials& creds) {
    auto& st = status_[s];
    st.transport = coap_transport::dtls;
    st.open = st.established = false;
    auto l = std::make_unique<dtls_server_link>();
    l->peer = p;
    l->creds = creds;
    l->timer = std::make_unique<deadline_timer>(loop_.io(), [this, s] {
        auto it = dtls_.find(s);
        if (it == dtls_.end() || !it->second->link) return;
        it->second->link->on_timer(now());
        arm_dtls(s);
    });
    dtls_[s] = std::move(l);
    dtls_rehandshake(s);  // the first handshake is a "re-handshake" of nothing
}

void client_runner::dtls_rehandshake(client::ssid s) {
    auto it = dtls_.find(s);
    if (it == dtls_.end()) return;
    dtls_server_link& l = *it->second;
    tls::config cfg = opts_.tls;
    cfg.resume.clear();
    if (opts_.tls_resume) {
        std::vector<std::uint8_t> saved = l.link ? l.link->saved() : std::vector<std::uint8_t>{};
        if (saved.empty())
            if (auto r = resume_.find(s); r != resume_.end()) saved = r->second;
        cfg.resume = std::move(saved);
    }
    if (l.link) {
        l.rehandshaking = true;
        ++status_[s].rehandshakes;
        status_[s].established = false;
        log_transport("DTLS: nothing heard from server " + std::to_string(s) +
                      " while retransmitting: new handshake");
    }
    destroy_later(loop_.io(), std::move(l.link));
    coap::peer_id p = l.peer;
    secure_link::hooks h;
    h.wire = [this, p](bytes_view b) {
        if (udp_endpoint* sock = socket_of(p)) (void)sock->send(p, b);
    };
    h.established = [this, s] {
        auto i = dtls_.find(s);
        if (i == dtls_.end()) return;
        dtls_server_link& k = *i->second;
        const tls::session* ses = k.link->session();
        auto& st = status_[s];
        ++st.handshakes;
        st.established = true;
        st.resumed = ses->resumed();
        st.cid = ses->cid_in_use();
        if (opts_.tls_resume) resume_[s] = k.link->saved();
        log_transport("DTLS session with server " + std::to_string(s) + " established (" +
                      std::string(tls::to_string(k.creds.m)) + (ses->resumed() ? ", resumed" : "") +
                      (ses->cid_in_use() ? ", connection id" : ", no connection id") + ")");
        k.last_rx = now();
        if (!k.opened) {
            k.opened = true;
            st.open = true;
            (void)client_.transport_open(s, k.peer, coap::framing::datagram, now());
            pump();
            return;
        }
        // After a re-handshake: an Update first (the server learns where we
        // are now), then what waited.
        k.rehandshaking = false;
        std::deque<std::vector<std::uint8_t>> waiting;
        waiting.swap(k.pending);
        (void)client_.update(now());
        pump();
        auto j = dtls_.find(s);
        if (j == dtls_.end() || !j->second->link) return;
        for (const auto& d : waiting)
            (void)j->second->link->send(bytes_view(d.data(), d.size()), now());
        arm_dtls(s);
        // Notifications sent (NON) while the path was dead are lost: every
        // observation sends its current value again (as its attributes
        // allow), so the server ends up with the latest state.
        client_.changed(lwm2m::path{}, now());
        pump();
    };
    h.plaintext = [this, s, p](bytes_view b) {
        auto i = dtls_.find(s);
        if (i == dtls_.end()) return;
        i->second->last_rx = now();
        if (opts_.trace)
            if (udp_endpoint* sock = socket_of(p))
                if (auto a = sock->peers().address(p)) opts_.trace(false, *a, b);
        (void)client_.on_receive(p, b, now());
        pump();
    };
    h.failed = [this, s](tls::failure f, std::string_view why) {
        std::string reason = std::string(tls::to_string(f)) + " (" + std::string(why) + ")";
        asio::post(loop_.io(), [this, s, reason] { dtls_failed(s, reason); });
    };
    l.link = std::make_unique<secure_link>(tls::transport::datagram, l.creds, cfg, std::move(h));
    if (auto r = l.link->start(now()); !r) {
        std::string reason = r.error().reason;
        asio::post(loop_.io(), [this, s, reason] { dtls_failed(s, reason); });
        return;
    }
    arm_dtls(s);
}

void client_runner::dtls_failed(client::ssid s, std::string why) {
    auto it = dtls_.find(s);
    if (it == dtls_.end()) return;
    bool was_open = it->second->opened;
    log_transport("DTLS with server " + std::to_string(s) +
                  (was_open ? ": session lost: " : ": handshake failed: ") + why);
    // A refused handshake starts afresh next time; a session that ended
    // (close_notify, the server restarted) may still be resumed.
    if (!was_open) resume_.erase(s);
    close_secure(s, false);
    auto& link = links_[s];
    if (link.peer) {
        if (auto* sock = socket_of(*link.peer)) sock->peers().remove(*link.peer);
        link.peer.reset();
    }
    fail(s);
}

void client_runner::arm_dtls(client::ssid s) {
    auto it = dtls_.find(s);
    if (it == dtls_.end() || !it->second->timer) return;
    it->second->timer->arm(it->second->link ? it->second->link->next_deadline() : std::nullopt);
}

void client_runner::dtls_send(client::ssid s, bytes_view d) {
    auto it = dtls_.find(s);
    if (it == dtls_.end()) return;
    dtls_server_link& l = *it->second;
    if (!l.link) return;
    if (opts_.trace)
        if (udp_endpoint* sock = socket_of(l.peer))
            if (auto a = sock->peers().address(l.peer)) opts_.trace(true, *a, d);
    if (l.rehandshaking || !l.link->established()) {
        if (l.opened && l.pending.size() < max_pending) l.pending.emplace_back(d.begin(), d.end());
        return;
    }
    // A confirmable message (RFC 7252 3: type 0) sent again: a
    // retransmission. After dtls_rehandshake_after of them with nothing from
    // the server since the first sending, the path is taken for dead.
    if (opts_.dtls_rehandshake_after > 0 && d.size() >= 4 && ((d[0] >> 4) & 3) == 0) {
        const std::uint16_t mid = static_cast<std::uint16_t>((d[2] << 8) | d[3]);
        const time_ms t = now();
        bool found = false;
        for (auto& c : l.cons) {
            if (c.sends == 0 || c.mid != mid) continue;
            found = true;
            if (c.sends < 255) ++c.sends;
            if (c.sends > opts_.dtls_rehandshake_after && l.last_rx < c.first) {
                c = {};
                l.pending.emplace_back(d.begin(), d.end());
                dtls_rehandshake(s);
                return;
            }
            break;
        }
        if (!found) {
            l.cons[l.next_con] = {mid, 1, t};
            l.next_con = (l.next_con + 1) % l.cons.size();
        }
    }
    (void)l.link->send(d, now());
    arm_dtls(s);
}

// ---- TCP and TLS ---------------------------------------------------------------

void client_runner::open_stream(client::ssid s, const coap_target& t) {
    const bool secure = t.transport == coap_transport::tls;
    std::optional<tls::credentials> creds;
    if (secure) {
        auto c = credentials_for(s, t.host);
        if (!c) {
            log_transport("coaps+tcp:// server " + std::to_string(s) +
                          ": no usable credentials: " + c.error().reason);
            asio::post(loop_.io(), [this, s] { fail(s); });
            return;
        }
        creds = std::move(*c);
    }
    auto& st = status_[s];
    st.transport = t.transport;
    st.open = st.established = false;
    tls::config cfg = opts_.tls;
    cfg.cid_length = 0;
    cfg.resume.clear();
    if (secure && opts_.tls_resume)
        if (auto r = resume_.find(s); r != resume_.end()) cfg.resume = r->second;
    auto l = std::make_unique<stream_server_link>();
    l->peer = coap::peer_id(stream_peer_base + (next_stream_peer_++ % 0x10000000u));
    coap::peer_id p = l->peer;
    const std::string where = std::string(secure ? "coaps+tcp://" : "coap+tcp://") + t.host + ":" +
                              std::to_string(t.port);
    stream_transport::hooks h;
    h.open = [this, s, p, where] {
        auto i = streams_.find(s);
        if (i == streams_.end() || i->second->peer != p) return;
        i->second->opened = true;
        auto& k = status_[s];
        k.open = true;
        ++k.connections;
        log_transport("connected to " + where);
        (void)client_.transport_open(s, p, coap::framing::stream, now());
        pump();
    };
    h.secured = [this, s](const tls::session& ses) {
        auto& k = status_[s];
        ++k.handshakes;
        k.established = true;
        k.resumed = ses.resumed();
        if (opts_.tls_resume) resume_[s] = ses.saved();
        log_transport("TLS session with server " + std::to_string(s) + " established" +
                      (ses.resumed() ? " (resumed)" : ""));
    };
    h.data = [this, p](bytes_view b) {
        // The engine takes at most one message of a stream per call
        // (coap::engine::on_receive): feed the rest again.
        for (int guard = 0; !b.empty() && guard < 4096; ++guard) {
            auto n = client_.on_receive(p, b, now());
            pump();
            if (!n) {
                if (n.error().code == errc::capacity_exceeded) continue;
                break;
            }
            if (*n == 0) break;
            b = b.subspan(std::min(*n, b.size()));
        }
    };
    h.closed = [this, s, p, where](std::string_view why) {
        std::string reason(why);
        asio::post(loop_.io(), [this, s, p, where, reason] {
            auto i = streams_.find(s);
            if (i == streams_.end() || i->second->peer != p) return;
            log_transport("connection to " + where + " lost: " + reason);
            if (reason.find("TLS handshake failed") != std::string::npos) resume_.erase(s);
            close_secure(s, false);
            fail(s);
        });
    };
    l->t = std::make_unique<stream_transport>(loop_.io(), std::move(h), std::move(creds), cfg);
    stream_transport* tp = l->t.get();
    streams_[s] = std::move(l);
    tp->connect(t.host, t.port, opts_.bind_v4);
}

// ---- tests ---------------------------------------------------------------------

result<void> client_runner::rebind_udp() {
    for (bool v6 : {false, true}) {
        auto& slot = v6 ? v6_ : v4_;
        if (!slot || !slot->is_open()) continue;
        udp_address local = slot->local_address();
        slot->close();
        auto r = slot->open(udp_address(local.address(), 0),
                            [this](coap::peer_id p, bytes_view b) { on_datagram(p, b); });
        if (!r) return r;
    }
    return {};
}

}  // namespace sirocco::runtime
