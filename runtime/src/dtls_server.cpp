// The DTLS side of one UDP socket, sans-I/O (dtls_server.hpp).
#include "sirocco/runtime/dtls_server.hpp"

#include <deque>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace sirocco::runtime::tls {

namespace {

constexpr std::uint8_t content_handshake = 22;
constexpr std::uint8_t content_tls12_cid = 25;  // RFC 9146 4
constexpr std::uint8_t handshake_client_hello = 1;
constexpr std::size_t record_header = 13;

/// A DTLS ClientHello in epoch 0 at the start of the datagram.
bool is_client_hello(bytes_view d) {
    return d.size() > record_header && d[0] == content_handshake && d[1] == 0xfe && d[3] == 0 &&
           d[4] == 0 && d[record_header] == handshake_client_hello;
}

std::string cid_key(bytes_view cid) {
    return {reinterpret_cast<const char*>(cid.data()), cid.size()};
}

/// The 32-byte random of a ClientHello (record 13 + handshake 12 + version 2).
std::string hello_random(bytes_view d) {
    constexpr std::size_t at = record_header + 12 + 2;
    if (d.size() < at + 32) return {};
    return {reinterpret_cast<const char*>(d.data() + at), 32};
}

}  // namespace

struct dtls_server::impl {
    struct entry {
        std::unique_ptr<session> s;
        std::string address;
        std::string cid;  // our CID (key of by_cid), "" without
        bool established = false;
        time_ms last_heard = 0;
        std::string hello_random;  // of the ClientHello that started it
    };

    std::shared_ptr<server_context> ctx;
    config cfg;
    dtls_server_limits limits;
    std::unordered_map<session_id, entry> sessions;
    std::unordered_map<std::string, session_id> by_addr;
    std::unordered_map<std::string, session_id> by_cid;
    std::unordered_set<session_id> handshaking;
    std::set<std::pair<time_ms, session_id>> lru;  // established, by last heard
    std::deque<datagram> out;
    std::deque<event> events;
    stats st;
    session_id next_id = 1;

    void flush(entry& e) {
        while (auto b = e.s->poll_transmit())
            out.push_back({e.address, {b->begin(), b->end()}});
    }

    void touch(session_id id, entry& e, time_ms now) {
        if (!e.established) return;
        lru.erase({e.last_heard, id});
        e.last_heard = now;
        lru.insert({now, id});
    }

    /// Forgets a session (no event, nothing sent).
    void forget(session_id id) {
        auto it = sessions.find(id);
        if (it == sessions.end()) return;
        entry& e = it->second;
        auto a = by_addr.find(e.address);
        if (a != by_addr.end() && a->second == id) by_addr.erase(a);
        if (!e.cid.empty()) {
            auto c = by_cid.find(e.cid);
            if (c != by_cid.end() && c->second == id) by_cid.erase(c);
        }
        if (e.established) {
            lru.erase({e.last_heard, id});
            --st.sessions;
        } else if (handshaking.erase(id) > 0) {
            --st.handshaking;
        }
        sessions.erase(it);
    }

    /// Closes an established session with close_notify and a `closed` event.
    void close_with_event(session_id id, std::string reason, time_ms now) {
        auto it = sessions.find(id);
        if (it == sessions.end()) return;
        entry& e = it->second;
        e.s->close(now);
        flush(e);
        event ev;
        ev.kind = event_kind::closed;
        ev.id = id;
        ev.address = e.address;
        ev.reason = std::move(reason);
        events.push_back(std::move(ev));
        forget(id);
    }

    /// After the session was fed or timed: outputs, state changes, events.
    void settle(session_id id, time_ms now) {
        auto it = sessions.find(id);
        if (it == sessions.end()) return;
        entry& e = it->second;
        flush(e);
        const tls::state s = e.s->state();
        if (!e.established && s == tls::state::established) {
            e.established = true;
            handshaking.erase(id);
            --st.handshaking;
            ++st.handshakes_completed;
            ++st.sessions;
            e.last_heard = now;
            lru.insert({now, id});
            event ev;
            ev.kind = event_kind::established;
            ev.id = id;
            ev.address = e.address;
            ev.who = e.s->identity();
            ev.resumed = e.s->resumed();
            ev.cid = e.s->cid_in_use();
            events.push_back(std::move(ev));
            while (st.sessions > limits.max_sessions && !lru.empty()) {
                const session_id victim = lru.begin()->second;
                if (victim == id) break;
                close_with_event(victim, "evicted (max_sessions)", now);
            }
        }
        // `e` may be gone? No: eviction never picks `id`.
        entry& cur = sessions.find(id)->second;
        bool heard = false;
        while (auto p = cur.s->poll_plaintext()) {
            heard = true;
            event ev;
            ev.kind = event_kind::data;
            ev.id = id;
            ev.address = cur.address;
            ev.payload.assign(p->begin(), p->end());
            events.push_back(std::move(ev));
        }
        if (heard) touch(id, cur, now);
        if (s == tls::state::failed || s == tls::state::closed) {
            event ev;
            ev.address = cur.address;
            ev.fail = cur.s->failure();
            ev.reason = cur.s->failure_reason();
            if (ev.reason.empty()) ev.reason = std::string(to_string(ev.fail));
            if (cur.established) {
                ev.kind = event_kind::closed;
                ev.id = id;
            } else {
                ev.kind = event_kind::refused;
                ++st.handshakes_failed;
            }
            events.push_back(std::move(ev));
            forget(id);
        }
    }

    /// Starts a session for a ClientHello that carries a valid cookie.
    void start(std::string_view from, bytes_view bytes, time_ms now) {
        if (handshaking.size() >= limits.max_handshakes) {
            ++st.refused_busy;
            return;
        }
        std::unique_ptr<session> s;
        // Our CID must be unique among live sessions: draw again on a clash.
        for (int attempt = 0; attempt < 8 && !s; ++attempt) {
            auto r = ctx->accept(transport::datagram, from, now);
            if (!r) {
                ++st.dropped;
                return;
            }
            if (!by_cid.contains(cid_key(r.value()->local_cid()))) s = std::move(r.value());
        }
        if (!s) {
            ++st.dropped;
            return;
        }
        const session_id id = next_id++;
        entry e;
        e.s = std::move(s);
        e.address = std::string(from);
        e.cid = cid_key(e.s->local_cid());
        e.hello_random = hello_random(bytes);
        if (!e.cid.empty()) by_cid[e.cid] = id;
        by_addr[e.address] = id;
        handshaking.insert(id);
        ++st.handshaking;
        ++st.handshakes_started;
        auto& ref = sessions.emplace(id, std::move(e)).first->second;
        (void)ref.s->on_receive(bytes, now);
        settle(id, now);
    }

    void on_cid_record(std::string_view from, bytes_view bytes, time_ms now) {
        const std::size_t n = cfg.cid_length;
        if (bytes.size() < 11 + n + 2) {
            ++st.dropped;
            return;
        }
        auto c = by_cid.find(cid_key(bytes.subspan(11, n)));
        if (c == by_cid.end()) {
            ++st.dropped;
            return;
        }
        const session_id id = c->second;
        entry& e = sessions.find(id)->second;
        if (e.address == from) {
            (void)e.s->on_receive(bytes, now);
            settle(id, now);
            return;
        }
        // From another address (RFC 9146 6): the session moves only when the
        // record authenticated, i.e. it gave application data (or a
        // close_notify). Whatever the session answers goes to the new
        // address only then.
        (void)e.s->on_receive(bytes, now);
        std::vector<std::vector<std::uint8_t>> plain;
        while (auto p = e.s->poll_plaintext())
            plain.emplace_back(p->begin(), p->end());
        const bool authenticated =
            e.established && (!plain.empty() || e.s->state() == tls::state::closed);
        if (authenticated) {
            const std::string previous = e.address;
            auto a = by_addr.find(previous);
            if (a != by_addr.end() && a->second == id) by_addr.erase(a);
            auto other = by_addr.find(std::string(from));
            if (other != by_addr.end() && other->second != id) {
                const session_id stale = other->second;
                by_addr.erase(other);
                auto so = sessions.find(stale);
                if (so != sessions.end()) {
                    // Its address is now someone else's: reachable by CID
                    // only, or (without CID) not at all.
                    if (so->second.cid.empty()) {
                        if (so->second.established) {
                            close_with_event(stale, "address taken by a moved session", now);
                        } else {
                            forget(stale);
                        }
                    }
                }
            }
            entry& me = sessions.find(id)->second;
            me.address = std::string(from);
            by_addr[me.address] = id;
            event ev;
            ev.kind = event_kind::moved;
            ev.id = id;
            ev.address = me.address;
            ev.previous = previous;
            events.push_back(std::move(ev));
            touch(id, me, now);
        } else {
            ++st.dropped;
        }
        entry& me = sessions.find(id)->second;
        for (auto& p : plain) {
            event ev;
            ev.kind = event_kind::data;
            ev.id = id;
            ev.address = me.address;
            ev.payload = std::move(p);
            events.push_back(std::move(ev));
        }
        settle(id, now);
    }

    void on_datagram(std::string_view from, bytes_view bytes, time_ms now) {
        if (bytes.size() < record_header) {
            ++st.dropped;
            return;
        }
        if (bytes[0] == content_tls12_cid && cfg.cid_length > 0) {
            on_cid_record(from, bytes, now);
            return;
        }
        auto a = by_addr.find(std::string(from));
        if (a != by_addr.end()) {
            const session_id id = a->second;
            entry& e = sessions.find(id)->second;
            if (e.established && is_client_hello(bytes)) {
                // A new handshake from the address of an established session
                // (RFC 6347 4.2.8, the client restarted on the same port):
                // cookie first; with a valid one the old session gives way.
                auto check = ctx->check_cookie(bytes, from);
                if (!check.reply.empty()) {
                    ++st.hello_verify_sent;
                    out.push_back({std::string(from), std::move(check.reply)});
                    return;
                }
                if (!check.valid) {
                    ++st.dropped;
                    return;
                }
                if (handshaking.size() >= limits.max_handshakes) {
                    ++st.refused_busy;
                    return;
                }
                close_with_event(id, "client reconnected", now);
                start(from, bytes, now);
                return;
            }
            if (!e.established && is_client_hello(bytes)) {
                // During a handshake: a ClientHello without a valid cookie
                // gets a stateless HelloVerifyRequest as anywhere; one with a
                // valid cookie is a retransmission (same random: the session
                // answers it) or a client that started over (another random:
                // the half-open handshake gives way to the new one).
                auto check = ctx->check_cookie(bytes, from);
                if (!check.reply.empty()) {
                    ++st.hello_verify_sent;
                    out.push_back({std::string(from), std::move(check.reply)});
                    return;
                }
                if (!check.valid) {
                    ++st.dropped;
                    return;
                }
                if (hello_random(bytes) != e.hello_random) {
                    forget(id);
                    ++st.handshakes_failed;
                    start(from, bytes, now);
                    return;
                }
            }
            (void)e.s->on_receive(bytes, now);
            settle(id, now);
            return;
        }
        if (!is_client_hello(bytes)) {
            ++st.dropped;
            return;
        }
        auto check = ctx->check_cookie(bytes, from);
        if (!check.reply.empty()) {
            ++st.hello_verify_sent;
            out.push_back({std::string(from), std::move(check.reply)});
            return;
        }
        if (!check.valid) {
            ++st.dropped;
            return;
        }
        start(from, bytes, now);
    }

    void on_timer(time_ms now) {
        while (limits.idle_timeout_ms > 0 && !lru.empty() &&
               lru.begin()->first + limits.idle_timeout_ms <= now)
            close_with_event(lru.begin()->second, "idle timeout", now);
        std::vector<session_id> due;
        for (const session_id id : handshaking) {
            const auto d = sessions.find(id)->second.s->next_deadline();
            if (d && *d <= now) due.push_back(id);
        }
        for (const session_id id : due) {
            auto it = sessions.find(id);
            if (it == sessions.end()) continue;
            it->second.s->on_timer(now);
            settle(id, now);
        }
    }

    std::optional<time_ms> next_deadline() const {
        std::optional<time_ms> best;
        for (const session_id id : handshaking) {
            const auto d = sessions.find(id)->second.s->next_deadline();
            if (d && (!best || *d < *best)) best = d;
        }
        if (limits.idle_timeout_ms > 0 && !lru.empty()) {
            const time_ms idle = lru.begin()->first + limits.idle_timeout_ms;
            if (!best || idle < *best) best = idle;
        }
        return best;
    }
};

dtls_server::dtls_server(std::shared_ptr<server_context> ctx, config cfg, dtls_server_limits limits)
    : impl_(std::make_unique<impl>()) {
    impl_->ctx = std::move(ctx);
    impl_->cfg = std::move(cfg);
    impl_->limits = limits;
}

dtls_server::~dtls_server() = default;

void dtls_server::on_datagram(std::string_view from, bytes_view bytes, time_ms now) {
    impl_->on_datagram(from, bytes, now);
}

std::optional<dtls_server::datagram> dtls_server::poll_transmit() {
    if (impl_->out.empty()) return std::nullopt;
    datagram d = std::move(impl_->out.front());
    impl_->out.pop_front();
    return d;
}

std::optional<dtls_server::event> dtls_server::poll_event() {
    if (impl_->events.empty()) return std::nullopt;
    event e = std::move(impl_->events.front());
    impl_->events.pop_front();
    return e;
}

result<void> dtls_server::send(session_id id, bytes_view plaintext, time_ms now) {
    auto it = impl_->sessions.find(id);
    if (it == impl_->sessions.end() || !it->second.established)
        return unexpected(errc::not_found, "no established DTLS session with this id");
    auto r = it->second.s->send(plaintext, now);
    impl_->settle(id, now);
    return r;
}

void dtls_server::close(session_id id, time_ms now) {
    auto it = impl_->sessions.find(id);
    if (it == impl_->sessions.end()) return;
    it->second.s->close(now);
    impl_->flush(it->second);
    impl_->forget(id);
}

void dtls_server::on_timer(time_ms now) {
    impl_->on_timer(now);
}

std::optional<time_ms> dtls_server::next_deadline() const {
    return impl_->next_deadline();
}

std::optional<std::string> dtls_server::address_of(session_id id) const {
    auto it = impl_->sessions.find(id);
    if (it == impl_->sessions.end()) return std::nullopt;
    return it->second.address;
}

const tls::identity* dtls_server::identity_of(session_id id) const {
    auto it = impl_->sessions.find(id);
    if (it == impl_->sessions.end() || !it->second.established) return nullptr;
    return &it->second.s->identity();
}

dtls_server::stats dtls_server::counters() const {
    return impl_->st;
}

}  // namespace sirocco::runtime::tls
