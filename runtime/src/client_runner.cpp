#include "sirocco/runtime/client_runner.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <string>

#include <boost/asio/post.hpp>

#include "client_runner_links.hpp"
#include "sirocco/runtime/server_uri.hpp"

namespace sirocco::runtime {

namespace {
// Peer id ranges of the two sockets of a runner, so ids never collide.
constexpr std::uint32_t v4_first_peer = 1;
constexpr std::uint32_t v6_first_peer = 0x80000000u;
// MQTT server accounts: peer = mqtt_peer_base + ssid (below the v6 range,
// far above what the v4 socket hands out).
constexpr std::uint32_t mqtt_peer_base = 0x70000000u;
}  // namespace

client_runner::client_runner(event_loop& loop, client::client& c, event_handler on_event,
                             options opts)
    : loop_(loop),
      client_(c),
      on_event_(std::move(on_event)),
      opts_(opts),
      timer_(loop.io(), [this] {
          client_.on_timer(now());
          pump();
      }) {}

client_runner::~client_runner() {
    dtls_.clear();
    streams_.clear();
    for (auto& [s, l] : links_)
        if (l.resolver) l.resolver->cancel();
    for (auto& [s, m] : mqtt_) {
        if (m.update_timer) m.update_timer->cancel();
        if (m.link) m.link->close();
    }
}

result<void> client_runner::start() {
    auto r = client_.start(now());
    pump();
    return r;
}

void client_runner::pump() {
    // An event handler may call back into the engine (with_engine) and so
    // into pump(): run the drain loop once, again if asked.
    if (pumping_) {
        again_ = true;
        return;
    }
    pumping_ = true;
    do {
        again_ = false;
        while (auto ev = client_.poll_event()) {
            if (ev->kind == client::client_event_kind::open_transport)
                handle_open(*ev);
            else if (ev->kind == client::client_event_kind::close_transport)
                handle_close(ev->server);
            if (on_event_) on_event_(*ev);
        }
        while (auto tx = client_.poll_transmit(mutable_bytes(tx_.data(), tx_.size()))) {
            if (auto d = dtls_of(tx->peer)) {
                dtls_send(*d, bytes_view(tx_.data(), tx->size));
                continue;
            }
            if (auto st = stream_of(tx->peer)) {
                auto& l = *streams_[*st];
                // Not connected: lost (the engine's stream exchanges time out).
                if (l.t) (void)l.t->write(bytes_view(tx_.data(), tx->size));
                continue;
            }
            udp_endpoint* s = socket_of(tx->peer);
            if (mqtt_server* m = mqtt_of(tx->peer)) {
                bytes_view d(tx_.data(), tx->size);
                if (opts_.mqtt_trace) opts_.mqtt_trace(true, m->up, d);
                // Not connected: lost, as the seed's QoS 0 would lose it.
                if (m->link) (void)m->link->publish(m->up, d, opts_.mqtt.qos);
                continue;
            }
            // No socket for the peer: the transport was closed meanwhile; the
            // datagram is lost as on a network and CoAP retransmits or gives up.
            if (s == nullptr) continue;
            bytes_view d(tx_.data(), tx->size);
            if (opts_.trace)
                if (auto a = s->peers().address(tx->peer)) opts_.trace(true, *a, d);
            (void)s->send(tx->peer, d);
        }
    } while (again_);
    pumping_ = false;
    timer_.arm(client_.next_deadline());
}

void client_runner::handle_open(const client::client_event& ev) {
    client::ssid s = ev.server;
    if (is_mqtt_uri(ev.uri)) {
        handle_open_mqtt(s, ev.uri);
        return;
    }
    auto target = parse_coap_target(ev.uri);
    auto& link = links_[s];
    ++link.generation;
    if (link.resolver) link.resolver->cancel();
    close_secure(s, true);
    if (link.peer) {
        if (auto* sock = socket_of(*link.peer)) sock->peers().remove(*link.peer);
        link.peer.reset();
    }
    if (!target) {
        log_transport("server URI refused: " + std::string(target.error().reason) + ": " +
                      std::string(ev.uri));
        // Post so that the engine sees the failure after this event is handled.
        asio::post(loop_.io(), [this, s] { fail(s); });
        return;
    }
    link.kind = target->transport;
    link.host = target->host;
    if (target->transport == coap_transport::dtls) {
        // Credentials first: without them no socket is opened.
        auto creds = credentials_for(s, target->host);
        if (!creds) {
            log_transport("coaps:// server " + std::to_string(s) +
                          ": no usable credentials: " + creds.error().reason);
            asio::post(loop_.io(), [this, s] { fail(s); });
            return;
        }
        link.creds = std::move(*creds);
    }
    if (target->stream()) {
        open_stream(s, *target);
        return;
    }
    link.resolver = std::make_unique<asio::ip::udp::resolver>(loop_.io());
    std::uint32_t gen = link.generation;
    link.resolver->async_resolve(target->host, std::to_string(target->port),
                                 asio::ip::udp::resolver::numeric_service,
                                 [this, s, gen](const boost::system::error_code& ec,
                                                const asio::ip::udp::resolver::results_type& res) {
                                     if (ec == asio::error::operation_aborted) return;
                                     auto it = links_.find(s);
                                     if (it == links_.end() || it->second.generation != gen) return;
                                     if (ec || res.empty()) {
                                         fail(s);
                                         return;
                                     }
                                     // Prefer IPv4 when both exist: the simplest path on hosts
                                     // whose IPv6 is configured but not routed.
                                     asio::ip::udp::endpoint chosen = res.begin()->endpoint();
                                     for (const auto& e : res)
                                         if (e.endpoint().address().is_v4()) {
                                             chosen = e.endpoint();
                                             break;
                                         }
                                     resolved(s, gen, chosen);
                                 });
}

void client_runner::resolved(client::ssid s, std::uint32_t generation,
                             const asio::ip::udp::endpoint& ep) {
    auto& link = links_[s];
    if (link.generation != generation) return;
    bool v6 = ep.address().is_v6();
    udp_endpoint* sock = socket_for(v6);
    if (sock == nullptr) {
        fail(s);
        return;
    }
    coap::peer_id p = sock->peers().add(ep);
    link.peer = p;
    link.family = v6 ? 6 : 4;
    if (link.kind == coap_transport::dtls) {
        open_dtls(s, p, link.creds);
        return;
    }
    auto r = client_.transport_open(s, p, coap::framing::datagram, now());
    if (!r) {
        sock->peers().remove(p);
        link.peer.reset();
    }
    pump();
}

void client_runner::fail(client::ssid s) {
    client_.transport_failed(s, now());
    pump();
}

client_runner::mqtt_server* client_runner::mqtt_of(coap::peer_id p) {
    if (p.value() < mqtt_peer_base || p.value() >= v6_first_peer) return nullptr;
    auto it = mqtt_.find(static_cast<client::ssid>(p.value() - mqtt_peer_base));
    return it == mqtt_.end() ? nullptr : &it->second;
}

const mqtt_link* client_runner::mqtt_link_of(client::ssid s) const {
    auto it = mqtt_.find(s);
    return it == mqtt_.end() ? nullptr : it->second.link.get();
}

void client_runner::handle_open_mqtt(client::ssid s, std::string_view uri) {
    auto say = [this](const std::string& what) {
        if (opts_.mqtt_log) opts_.mqtt_log(what);
    };
    auto it = mqtt_.find(s);
    if (it != mqtt_.end() && it->second.uri == uri && it->second.link) {
        // Same broker (a re-registration, or waking from queue mode): the
        // link lives on; open the engine's side again once connected.
        if (it->second.link->connected())
            asio::post(loop_.io(), [this, s] {
                auto i = mqtt_.find(s);
                if (i == mqtt_.end() || !i->second.link || !i->second.link->connected()) return;
                i->second.opened = true;
                (void)client_.transport_open(s, i->second.peer, coap::framing::compact, now());
                pump();
            });
        else
            it->second.opened = false;  // on_connect opens it
        return;
    }
    if (it != mqtt_.end()) {
        if (it->second.link) it->second.link->close();
        mqtt_.erase(it);
    }
    auto target = parse_mqtt_target(uri);
    auto ep_ok = check_mqtt_endpoint(opts_.endpoint);
    if (!target || !ep_ok) {
        say(std::string("MQTT server URI refused: ") +
            (!target ? target.error().reason : ep_ok.error().reason));
        asio::post(loop_.io(), [this, s] { fail(s); });
        return;
    }
    mqtt_server& m = mqtt_[s];
    m.uri = std::string(uri);
    m.up = mqtt_uplink_topic(target->root, opts_.endpoint);
    m.down = mqtt_downlink_topic(target->root, opts_.endpoint);
    m.peer = coap::peer_id(mqtt_peer_base + s);
    mqtt_options o;
    o.host = target->host;
    o.port = target->port;
    o.client_id = opts_.mqtt.client_id.empty() ? opts_.endpoint : opts_.mqtt.client_id;
    o.keep_alive_s = opts_.mqtt.keep_alive_s;
    o.username = opts_.mqtt.username;
    o.password = opts_.mqtt.password;
    o.protocol_version = opts_.mqtt.protocol_version;
    o.reconnect_min_ms = opts_.mqtt.reconnect_min_ms;
    o.reconnect_max_ms = opts_.mqtt.reconnect_max_ms;
    o.tls.enabled = target->tls;
    o.tls.ca_file = opts_.mqtt.ca_file;
    o.tls.cert_file = opts_.mqtt.cert_file;
    o.tls.key_file = opts_.mqtt.key_file;
    o.tls.insecure = opts_.mqtt.insecure;
    m.link = std::make_unique<mqtt_link>(loop_.io(), o);
    std::string where = std::string(uri);
    m.link->on_connect([this, s, say, where] {
        auto i = mqtt_.find(s);
        if (i == mqtt_.end()) return;
        say("MQTT connected to " + where);
        if (!i->second.opened) {
            i->second.opened = true;
            (void)client_.transport_open(s, i->second.peer, coap::framing::compact, now());
        } else {
            // Back after a loss: refresh the registration (or register again
            // when the server forgot it: the engine does on 4.04), after a
            // random delay (options::mqtt_settings::update_delay_*).
            time_ms lo = opts_.mqtt.update_delay_min_ms;
            time_ms hi = std::max(lo, opts_.mqtt.update_delay_max_ms);
            std::uniform_int_distribution<time_ms> pick(lo, hi);
            static thread_local std::mt19937 rng{std::random_device{}()};
            auto& t = i->second.update_timer;
            if (!t) t = std::make_unique<asio::steady_timer>(loop_.io());
            t->expires_after(std::chrono::milliseconds(pick(rng)));
            t->async_wait([this, s](const boost::system::error_code& ec) {
                if (ec) return;
                auto j = mqtt_.find(s);
                if (j == mqtt_.end() || !j->second.link || !j->second.link->connected()) return;
                (void)client_.update(now());
                pump();
            });
        }
        pump();
    });
    m.link->on_disconnect([say, where](bool was, std::string_view reason) {
        say(std::string(was ? "MQTT connection lost to " : "MQTT connect failed to ") + where +
            ": " + std::string(reason) + " (retrying)");
    });
    m.link->on_message([this, s](std::string_view topic, bytes_view payload) {
        auto i = mqtt_.find(s);
        if (i == mqtt_.end() || topic != i->second.down || !i->second.opened) return;
        if (opts_.mqtt_trace) opts_.mqtt_trace(false, topic, payload);
        (void)client_.on_receive(i->second.peer, payload, now());
        pump();
    });
    (void)m.link->subscribe(m.down);
    if (auto r = m.link->start(); !r) {
        say(std::string("MQTT link not started: ") + r.error().reason);
        m.link.reset();
        mqtt_.erase(s);
        asio::post(loop_.io(), [this, s] { fail(s); });
    }
}

void client_runner::handle_close(client::ssid s) {
    auto it = links_.find(s);
    if (it == links_.end()) return;
    if (it->second.resolver) it->second.resolver->cancel();
    std::uint32_t gen = ++it->second.generation;
    // DTLS close_notify / TCP close once the pump has sent what the engine
    // queued, unless the account opened again meanwhile.
    if (dtls_.count(s) != 0 || streams_.count(s) != 0)
        asio::post(loop_.io(), [this, s, gen] {
            auto l = links_.find(s);
            if (l != links_.end() && l->second.generation == gen) close_secure(s, true);
        });
    // Keep the peer until the engine has sent what it queued for it (the
    // De-register ACK flow): forget it lazily, when the link is reopened.
}

udp_endpoint* client_runner::socket_for(bool v6) {
    auto& slot = v6 ? v6_ : v4_;
    if (slot && slot->is_open()) return slot.get();
    slot = std::make_unique<udp_endpoint>(loop_.io(), v6 ? v6_first_peer : v4_first_peer);
    asio::ip::address bind_addr =
        v6 ? (opts_.bind_v6 ? *opts_.bind_v6 : asio::ip::address(asio::ip::address_v6::any()))
           : (opts_.bind_v4 ? *opts_.bind_v4 : asio::ip::address(asio::ip::address_v4::any()));
    auto r = slot->open(udp_address(bind_addr, 0),
                        [this](coap::peer_id p, bytes_view b) { on_datagram(p, b); });
    if (!r) {
        slot.reset();
        return nullptr;
    }
    return slot.get();
}

udp_endpoint* client_runner::socket_of(coap::peer_id p) {
    udp_endpoint* s = p.value() >= v6_first_peer ? v6_.get() : v4_.get();
    if (s == nullptr || !s->peers().address(p)) return nullptr;
    return s;
}

void client_runner::on_datagram(coap::peer_id p, bytes_view b) {
    if (auto d = dtls_of(p)) {
        auto& l = *dtls_[*d];
        if (l.link) {
            l.link->on_wire(b, now());
            arm_dtls(*d);
        }
        return;
    }
    if (opts_.trace) {
        udp_endpoint* s = socket_of(p);
        if (s != nullptr)
            if (auto a = s->peers().address(p)) opts_.trace(false, *a, b);
    }
    (void)client_.on_receive(p, b, now());
    pump();
}

std::optional<udp_address> client_runner::local_address(bool v6) const {
    const auto& slot = v6 ? v6_ : v4_;
    if (!slot || !slot->is_open()) return std::nullopt;
    return slot->local_address();
}

std::optional<udp_address> client_runner::server_address(client::ssid s) const {
    auto it = links_.find(s);
    if (it == links_.end() || !it->second.peer) return std::nullopt;
    const auto& slot = it->second.family == 6 ? v6_ : v4_;
    if (!slot) return std::nullopt;
    return slot->peers().address(*it->second.peer);
}

}  // namespace sirocco::runtime
