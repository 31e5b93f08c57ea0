#include "sirocco/runtime/mqtt_link.hpp"

#include <sys/ioctl.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <mosquitto.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace sirocco::runtime {

namespace {

void lib_init_once() {
    static std::once_flag once;
    std::call_once(once, [] { mosquitto_lib_init(); });
}

bool is_numeric_host(const std::string& h) {
    boost::system::error_code ec;
    (void)asio::ip::make_address(h, ec);
    return !ec;
}

}  // namespace

bool mqtt_valid_topic_name(std::string_view topic) noexcept {
    if (topic.empty() || topic.size() > 65535) return false;
    for (char c : topic)
        if (c == '+' || c == '#' || c == '\0') return false;
    return true;
}

struct mqtt_link::impl : std::enable_shared_from_this<mqtt_link::impl> {
    impl(asio::io_context& io_, mqtt_options o)
        : io(io_),
          opts(std::move(o)),
          misc_timer(io_),
          backoff_timer(io_),
          resolver(io_),
          rng(std::random_device{}()) {}

    asio::io_context& io;
    mqtt_options opts;
    mosquitto* mosq = nullptr;
    std::optional<asio::posix::stream_descriptor> sd;
    int fd = -1;
    bool read_armed = false;
    bool write_armed = false;
    std::uint32_t generation = 0;  // bumped when the socket changes or on close
    asio::steady_timer misc_timer;
    asio::steady_timer backoff_timer;
    asio::ip::tcp::resolver resolver;
    std::mt19937 rng;
    state st = state::idle;
    unsigned failures = 0;
    std::vector<std::pair<std::string, int>> subscriptions;
    std::uint64_t n_connections = 0, n_attempts = 0, n_in = 0, n_out = 0;
    int depth = 0;              // > 0 while inside a libmosquitto call (its callbacks)
    bool lost_pending = false;  // the disconnect callback ran during a call
    bool lost_was_connected = false;
    std::string lost_reason;

    mqtt_link::connect_handler on_connect;
    mqtt_link::disconnect_handler on_disconnect;
    mqtt_link::message_handler on_message;

    // ---- libmosquitto callbacks (called from inside loop_read/write/misc)
    static void cb_connect(mosquitto*, void* obj, int rc) {
        auto* self = static_cast<impl*>(obj);
        if (rc == 0) {
            self->st = state::connected;
            self->failures = 0;
            ++self->n_connections;
            for (auto& [pattern, qos] : self->subscriptions)
                (void)mosquitto_subscribe(self->mosq, nullptr, pattern.c_str(), qos);
            auto w = self->weak_from_this();
            asio::post(self->io, [w] {
                auto s = w.lock();
                if (s && s->st == state::connected && s->on_connect) s->on_connect();
            });
        } else {
            // Refused (bad credentials, not authorised, ...): libmosquitto
            // closes the socket and calls cb_disconnect; keep the reason.
            self->lost_reason = mosquitto_connack_string(rc);
        }
    }
    static void cb_disconnect(mosquitto*, void* obj, int rc) {
        auto* self = static_cast<impl*>(obj);
        if (self->st == state::idle) return;  // close()
        self->lost_pending = true;
        self->lost_was_connected = self->st == state::connected;
        if (self->lost_reason.empty())
            self->lost_reason = rc == 0 ? "disconnected" : mosquitto_strerror(rc);
    }
    static void cb_message(mosquitto*, void* obj, const mosquitto_message* m) {
        auto* self = static_cast<impl*>(obj);
        ++self->n_in;
        if (!self->on_message || m == nullptr || m->topic == nullptr) return;
        self->on_message(
            std::string_view(m->topic),
            bytes_view(static_cast<const std::uint8_t*>(m->payload),
                       m->payloadlen > 0 ? static_cast<std::size_t>(m->payloadlen) : 0));
    }

    result<void> create() {
        lib_init_once();
        if (opts.protocol_version != 4 && opts.protocol_version != 5)
            return unexpected(errc::invalid_argument,
                              "MQTT protocol version must be 4 (3.1.1) or 5");
        if (opts.client_id.empty() && !opts.clean_session)
            return unexpected(errc::invalid_argument, "a persistent session needs a client id");
        if (opts.username.empty() && !opts.password.empty())
            return unexpected(errc::invalid_argument, "an MQTT password needs a user name");
        if (mosq == nullptr) {
            mosq = mosquitto_new(opts.client_id.empty() ? nullptr : opts.client_id.c_str(),
                                 opts.clean_session, this);
            if (mosq == nullptr) return unexpected(errc::io_error, "mosquitto_new failed");
            mosquitto_connect_callback_set(mosq, &cb_connect);
            mosquitto_disconnect_callback_set(mosq, &cb_disconnect);
            mosquitto_message_callback_set(mosq, &cb_message);
            (void)mosquitto_int_option(
                mosq, MOSQ_OPT_PROTOCOL_VERSION,
                opts.protocol_version == 5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
            if (!opts.username.empty() &&
                mosquitto_username_pw_set(
                    mosq, opts.username.c_str(),
                    opts.password.empty() ? nullptr : opts.password.c_str()) != MOSQ_ERR_SUCCESS)
                return fail_create("MQTT user name or password refused by libmosquitto");
            if (opts.tls.enabled) {
                if (opts.tls.ca_file.empty()) return fail_create("TLS needs a CA file");
                if (opts.tls.cert_file.empty() != opts.tls.key_file.empty())
                    return fail_create("a client certificate needs its key and the reverse");
                int rc = mosquitto_tls_set(
                    mosq, opts.tls.ca_file.c_str(), nullptr,
                    opts.tls.cert_file.empty() ? nullptr : opts.tls.cert_file.c_str(),
                    opts.tls.key_file.empty() ? nullptr : opts.tls.key_file.c_str(), nullptr);
                if (rc != MOSQ_ERR_SUCCESS)
                    return fail_create("TLS files not readable (CA, certificate or key)");
                if (opts.tls.insecure) (void)mosquitto_tls_insecure_set(mosq, true);
            }
        }
        return {};
    }
    result<void> fail_create(const char* why) {
        mosquitto_destroy(mosq);
        mosq = nullptr;
        return unexpected(errc::invalid_argument, why);
    }

    // ---- connection attempts
    void attempt() {
        if (st == state::idle) return;
        ++n_attempts;
        lost_reason.clear();
        if (opts.tls.enabled || is_numeric_host(opts.host)) {
            connect_to(opts.host);
            return;
        }
        st = state::resolving;
        auto w = weak_from_this();
        std::uint32_t gen = generation;
        resolver.async_resolve(opts.host, std::to_string(opts.port),
                               asio::ip::tcp::resolver::numeric_service,
                               [w, gen](const boost::system::error_code& ec,
                                        const asio::ip::tcp::resolver::results_type& res) {
                                   auto s = w.lock();
                                   if (!s || ec == asio::error::operation_aborted ||
                                       s->generation != gen || s->st != state::resolving)
                                       return;
                                   if (ec || res.empty()) {
                                       s->lost_reason = "broker host name not resolved";
                                       s->lost(false);
                                       return;
                                   }
                                   std::string addr = res.begin()->endpoint().address().to_string();
                                   for (const auto& e : res)
                                       if (e.endpoint().address().is_v4()) {
                                           addr = e.endpoint().address().to_string();
                                           break;
                                       }
                                   s->connect_to(addr);
                               });
    }

    void connect_to(const std::string& host) {
        st = state::connecting;
        drop_socket();
        ++depth;
        int rc = mosquitto_connect_async(mosq, host.c_str(), opts.port, opts.keep_alive_s);
        --depth;
        if (rc != MOSQ_ERR_SUCCESS) {
            if (lost_reason.empty())
                lost_reason = rc == MOSQ_ERR_ERRNO ? std::string("connect: ") + strerror(errno)
                                                   : mosquitto_strerror(rc);
            drop_socket();
            lost_pending = false;
            lost(false);
            return;
        }
        arm_misc();
        sync();
    }

    // The connection is gone (or the attempt failed): report, back off.
    void lost(bool was_connected) {
        drop_socket();
        if (st == state::idle) return;
        st = state::waiting;
        std::string why = lost_reason.empty() ? "connection lost" : lost_reason;
        lost_reason.clear();
        if (opts.auto_reconnect) {
            schedule_retry();
        } else {
            st = state::idle;
            misc_timer.cancel();
        }
        auto w = weak_from_this();
        asio::post(io, [w, was_connected, why] {
            auto s = w.lock();
            if (s && s->on_disconnect) s->on_disconnect(was_connected, why);
        });
    }

    void schedule_retry() {
        time_ms lo = opts.reconnect_min_ms > 0 ? opts.reconnect_min_ms : 1;
        time_ms hi = opts.reconnect_max_ms > lo ? opts.reconnect_max_ms : lo;
        time_ms d = lo;
        for (unsigned i = 0; i < failures && d < hi; ++i)
            d *= 2;
        if (d > hi) d = hi;
        ++failures;
        std::uniform_int_distribution<time_ms> jitter(d / 2, d);
        time_ms delay = jitter(rng);
        backoff_timer.expires_after(std::chrono::milliseconds(delay));
        auto w = weak_from_this();
        backoff_timer.async_wait([w](const boost::system::error_code& ec) {
            auto s = w.lock();
            if (!s || ec || s->st != state::waiting) return;
            s->attempt();
        });
    }

    void arm_misc() {
        misc_timer.expires_after(std::chrono::milliseconds(1000));
        auto w = weak_from_this();
        misc_timer.async_wait([w](const boost::system::error_code& ec) {
            auto s = w.lock();
            if (!s || ec || s->st == state::idle) return;
            if (s->fd >= 0) {
                ++s->depth;
                (void)mosquitto_loop_misc(s->mosq);
                --s->depth;
                s->sync();
            }
            if (s->st != state::idle) s->arm_misc();
        });
    }

    // ---- socket readiness
    void drop_socket() {
        ++generation;
        read_armed = write_armed = false;
        if (sd) {
            // Not ours: libmosquitto closes it. Release deregisters it from
            // the reactor (done before any other socket can take the number:
            // everything runs on this thread) and aborts the waits.
            boost::system::error_code ec;
            sd->cancel(ec);
            (void)sd->release();
            sd.reset();
        }
        fd = -1;
    }

    // After every libmosquitto call: follow the socket, flush, watch.
    void sync() {
        if (depth > 0) return;  // a callback: the outer call syncs afterwards
        if (lost_pending) {
            lost_pending = false;
            lost(lost_was_connected);
            return;
        }
        if (mosq == nullptr || st == state::idle) return;
        int now_fd = mosquitto_socket(mosq);
        if (now_fd != fd) {
            drop_socket();
            if (now_fd < 0) {
                if (st == state::connecting || st == state::connected) lost(st == state::connected);
                return;
            }
            fd = now_fd;
            sd.emplace(io, now_fd);
        }
        if (fd < 0) return;
        if (mosquitto_want_write(mosq)) {
            ++depth;
            int rc = mosquitto_loop_write(mosq, 1);
            --depth;
            if (lost_pending || rc != MOSQ_ERR_SUCCESS) {
                if (!lost_pending && st != state::idle) {
                    lost_reason = mosquitto_strerror(rc);
                    lost(st == state::connected);
                } else {
                    lost_pending = false;
                    lost(lost_was_connected);
                }
                return;
            }
        }
        arm_read();
        if (mosquitto_want_write(mosq)) arm_write();
    }

    void arm_read() {
        if (read_armed || !sd) return;
        read_armed = true;
        auto w = weak_from_this();
        std::uint32_t gen = generation;
        sd->async_wait(asio::posix::stream_descriptor::wait_read,
                       [w, gen](const boost::system::error_code& ec) {
                           auto s = w.lock();
                           if (!s || s->generation != gen) return;
                           s->read_armed = false;
                           if (ec) return;
                           s->readable();
                       });
    }

    void arm_write() {
        if (write_armed || !sd) return;
        write_armed = true;
        auto w = weak_from_this();
        std::uint32_t gen = generation;
        sd->async_wait(asio::posix::stream_descriptor::wait_write,
                       [w, gen](const boost::system::error_code& ec) {
                           auto s = w.lock();
                           if (!s || s->generation != gen) return;
                           s->write_armed = false;
                           if (ec) return;
                           // A TLS handshake in progress moves on in
                           // loop_read only; reading a socket with no data
                           // is harmless (EAGAIN).
                           s->readable();
                       });
    }

    void readable() {
        // Drain: the reactor reports an edge once. libmosquitto reads one
        // packet per call (and what TLS has buffered); loop while the kernel
        // still holds bytes. Bounded, then yield to other links.
        for (int i = 0; i < 256; ++i) {
            std::uint32_t gen = generation;
            ++depth;
            int rc = mosquitto_loop_read(mosq, 1);
            --depth;
            if (lost_pending || rc != MOSQ_ERR_SUCCESS || gen != generation || st == state::idle) {
                if (!lost_pending && rc != MOSQ_ERR_SUCCESS && st != state::idle &&
                    st != state::waiting) {
                    lost_reason = mosquitto_strerror(rc);
                    lost(st == state::connected);
                    return;
                }
                sync();
                return;
            }
            int avail = 0;
            if (fd < 0 || ::ioctl(fd, FIONREAD, &avail) != 0 || avail <= 0) {
                sync();
                return;
            }
        }
        // Still data after 256 packets: come back after the others ran.
        auto w = weak_from_this();
        std::uint32_t gen = generation;
        asio::post(io, [w, gen] {
            auto s = w.lock();
            if (s && s->generation == gen && s->fd >= 0) s->readable();
        });
        sync();
    }

    void close() {
        st = state::idle;
        misc_timer.cancel();
        backoff_timer.cancel();
        resolver.cancel();
        lost_pending = false;
        lost_reason.clear();
        failures = 0;
        drop_socket();
        if (mosq != nullptr) {
            // DISCONNECT is written now when the socket takes it; destroy
            // closes the socket. start() makes a new handle.
            ++depth;
            (void)mosquitto_disconnect(mosq);
            mosquitto_destroy(mosq);
            --depth;
            mosq = nullptr;
        }
    }
};

mqtt_link::mqtt_link(asio::io_context& io, mqtt_options opts)
    : impl_(std::make_shared<impl>(io, std::move(opts))) {
    lib_init_once();
}

mqtt_link::~mqtt_link() {
    impl_->on_connect = nullptr;
    impl_->on_disconnect = nullptr;
    impl_->on_message = nullptr;
    impl_->close();
}

void mqtt_link::on_connect(connect_handler h) {
    impl_->on_connect = std::move(h);
}
void mqtt_link::on_disconnect(disconnect_handler h) {
    impl_->on_disconnect = std::move(h);
}
void mqtt_link::on_message(message_handler h) {
    impl_->on_message = std::move(h);
}

result<void> mqtt_link::start() {
    if (impl_->st != state::idle)
        return unexpected(errc::not_allowed, "the MQTT link is already started");
    SIROCCO_TRY(impl_->create());
    impl_->st = state::connecting;
    impl_->failures = 0;
    impl_->attempt();
    return {};
}

result<void> mqtt_link::publish(std::string_view topic, bytes_view payload, int qos, bool retain) {
    auto& s = *impl_;
    if (!mqtt_valid_topic_name(topic))
        return unexpected(errc::invalid_argument, "not a valid MQTT topic name");
    if (qos < 0 || qos > 2) return unexpected(errc::invalid_argument, "MQTT QoS must be 0, 1 or 2");
    if (payload.size() > 268435455u)
        return unexpected(errc::capacity_exceeded, "MQTT payload larger than 256 MiB");
    if (s.st != state::connected) return unexpected(errc::not_allowed, "MQTT link not connected");
    std::string t(topic);
    ++s.depth;
    int rc = mosquitto_publish(s.mosq, nullptr, t.c_str(), static_cast<int>(payload.size()),
                               payload.data(), qos, retain);
    --s.depth;
    if (rc != MOSQ_ERR_SUCCESS) {
        s.sync();
        return unexpected(rc == MOSQ_ERR_NO_CONN ? errc::not_allowed : errc::io_error,
                          "mosquitto_publish failed");
    }
    ++s.n_out;
    s.sync();
    return {};
}

result<void> mqtt_link::subscribe(std::string_view pattern, int qos) {
    auto& s = *impl_;
    if (pattern.empty() || pattern.find('\0') != std::string_view::npos)
        return unexpected(errc::invalid_argument, "not a valid MQTT topic filter");
    if (qos < 0 || qos > 2) return unexpected(errc::invalid_argument, "MQTT QoS must be 0, 1 or 2");
    if (mosquitto_sub_topic_check(std::string(pattern).c_str()) != MOSQ_ERR_SUCCESS &&
        pattern.substr(0, 7) != "$share/")
        return unexpected(errc::invalid_argument, "not a valid MQTT topic filter");
    for (auto& [p, q] : s.subscriptions)
        if (p == pattern) {
            q = qos;
            goto send;
        }
    s.subscriptions.emplace_back(std::string(pattern), qos);
send:
    if (s.st == state::connected) {
        std::string p(pattern);
        ++s.depth;
        int rc = mosquitto_subscribe(s.mosq, nullptr, p.c_str(), qos);
        --s.depth;
        s.sync();
        if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN)
            return unexpected(errc::io_error, "mosquitto_subscribe failed");
    }
    return {};
}

void mqtt_link::close() {
    impl_->close();
}

mqtt_link::state mqtt_link::current_state() const noexcept {
    return impl_->st;
}
const mqtt_options& mqtt_link::options() const noexcept {
    return impl_->opts;
}
std::uint64_t mqtt_link::connections() const noexcept {
    return impl_->n_connections;
}
std::uint64_t mqtt_link::attempts() const noexcept {
    return impl_->n_attempts;
}
std::uint64_t mqtt_link::messages_in() const noexcept {
    return impl_->n_in;
}
std::uint64_t mqtt_link::messages_out() const noexcept {
    return impl_->n_out;
}

}  // namespace sirocco::runtime
