#include "sirocco/runtime/fleet.hpp"

#include <malloc.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <new>
#include <optional>

#include <mbedtls/sha256.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "sirocco/client/engine.hpp"
#include "sirocco/client/objects/device.hpp"
#include "sirocco/client/objects/security.hpp"
#include "sirocco/client/objects/server.hpp"
#include "sirocco/client/objects/temperature.hpp"
#include "sirocco/coap/uri.hpp"
#include "sirocco/runtime/clock.hpp"
#include "sirocco/runtime/fleet_socket.hpp"
#include "sirocco/runtime/fleet_timer.hpp"
#include "sirocco/runtime/mqtt_link.hpp"
#include "sirocco/runtime/server_uri.hpp"
#include "sirocco/runtime/tls.hpp"

namespace sirocco::runtime {

namespace {

constexpr coap::peer_id server_peer{1};
constexpr std::uint8_t f_registered_once = 1, f_registered = 2, f_failed = 4, f_deregistered = 8,
                       f_started = 16;

std::int64_t unix_seconds(void*) noexcept {
    return static_cast<std::int64_t>(std::time(nullptr));
}

// Reboot and Factory Reset are accepted and only counted: a simulator.
struct fleet_actions final : client::device_actions {
    std::uint64_t reboots = 0;
    client::status reboot() noexcept override {
        ++reboots;
        return client::status::changed;
    }
    client::status factory_reset() noexcept override { return client::status::changed; }
};

// The largest block size (a power of two <= 1024) whose message fits the
// build's max_pdu with room for the header, token and options.
std::uint16_t block_size_for_pdu() noexcept {
    std::uint16_t b = 1024;
    while (b > 16 && static_cast<std::size_t>(b) + 64 > coap::limits::max_pdu)
        b = static_cast<std::uint16_t>(b / 2);
    return b;
}

std::uint64_t steady_us() noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

double cpu_seconds() noexcept {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string code_text(unsigned cls, unsigned detail) {
    char b[8];
    std::snprintf(b, sizeof b, "%u.%02u", cls, detail);
    return b;
}

}  // namespace

std::size_t fleet_rss_bytes() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
    return 0;
}

std::size_t fleet_heap_bytes() {
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

result<fleet_transport> fleet_transport_of(std::string_view uri) {
    auto starts = [&](std::string_view p) {
        if (uri.size() < p.size()) return false;
        for (std::size_t i = 0; i < p.size(); ++i)
            if (std::tolower(static_cast<unsigned char>(uri[i])) != p[i]) return false;
        return true;
    };
    if (starts("coap://")) return fleet_transport::udp;
    if (starts("coaps://")) return fleet_transport::dtls;
    if (starts("mqtt://")) return fleet_transport::mqtt;
    return unexpected(errc::unsupported, "server URI must be coap://, coaps:// or mqtt://");
}

std::vector<std::uint8_t> fleet_derived_psk(std::string_view identity) {
    std::array<unsigned char, 32> h{};
    mbedtls_sha256(reinterpret_cast<const unsigned char*>(identity.data()), identity.size(),
                   h.data(), 0);
    return std::vector<std::uint8_t>(h.begin(), h.begin() + 16);
}

// ---- one simulated device ----------------------------------------------------

namespace {

struct fleet_device {
    std::array<char, 24> ep{};  // endpoint name (the engine's config views it)
    client::data_model dm;
    // One account (the fleet has no bootstrap server): half the storage of
    // client::security, which holds SIROCCO_CLIENT_MAX_SERVERS + 1.
    client::basic_security<client::security_def, 1> sec;
    client::server srv;
    client::device dev;
    client::temperature temp;
    // Awake: the device's engine (in the fleet's engine pool). Asleep
    // (registered and quiescent): nullptr, and `snap` keeps what a new
    // engine needs to go on (client::resume).
    client::client* engine = nullptr;
    client::registration_snapshot snap;
    std::uint32_t rng;
    std::uint32_t reg_start_us = 0;    // since the fleet's t0; 0: not yet
    std::uint32_t next_sensor_ms = 0;  // since t0; 0: not scheduled
    float temperature = 21.0f;
    std::uint8_t flags = 0;

    static std::uint32_t next_random(void* ctx) noexcept {
        auto* d = static_cast<fleet_device*>(ctx);
        std::uint32_t x = d->rng;  // xorshift32
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        d->rng = x;
        return x;
    }

    client::client_config config(const client::work_buffers* work,
                                 client::client_counters* counters,
                                 std::uint32_t ack_timeout_ms) noexcept {
        client::client_config c;
        c.endpoint = name();
        c.coap.rng = &fleet_device::next_random;
        c.coap.rng_ctx = this;
        c.coap.max_block_size = block_size_for_pdu();
        c.coap.max_body_size = 4096;
        c.coap.ack_timeout_ms = ack_timeout_ms;
        c.work = work;
        c.counters = counters;
        return c;
    }

    fleet_device(std::string_view n, client::lwm2m_version v, std::uint32_t seed) noexcept
        : dm(v), rng(seed == 0 ? 0x9e3779b9u : seed) {
        std::copy_n(n.data(), std::min(n.size(), ep.size() - 1), ep.data());
    }

    std::string_view name() const noexcept { return {ep.data(), std::strlen(ep.data())}; }
};

// Storage for the engines of awake devices: page-aligned slots in chunks
// mapped from the system, and a free list. A slot given back has its pages
// returned to the system (madvise MADV_DONTNEED: the next use finds them
// zeroed), so the resident memory follows the engines awake NOW, not the
// most there ever were.
class engine_pool {
  public:
    engine_pool() : slot_bytes_(round_up(sizeof(client::client))) {}
    engine_pool(const engine_pool&) = delete;
    engine_pool& operator=(const engine_pool&) = delete;
    ~engine_pool() {
        for (void* c : chunks_)
            ::munmap(c, slot_bytes_ * per_chunk);
    }
    void* alloc() {
        if (free_.empty()) {
            void* c = ::mmap(nullptr, slot_bytes_ * per_chunk, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (c == MAP_FAILED) throw std::bad_alloc();
            chunks_.push_back(c);
            for (std::size_t k = per_chunk; k-- > 0;)
                free_.push_back(static_cast<std::byte*>(c) + k * slot_bytes_);
        }
        void* p = free_.back();
        free_.pop_back();
        if (++in_use_ > peak_) peak_ = in_use_;
        return p;
    }
    void release(void* p) {
        (void)::madvise(p, slot_bytes_, MADV_DONTNEED);
        free_.push_back(p);
        --in_use_;
    }
    std::size_t in_use() const noexcept { return in_use_; }
    std::size_t peak() const noexcept { return peak_; }
    std::size_t slot_bytes() const noexcept { return slot_bytes_; }

  private:
    static constexpr std::size_t per_chunk = 256;
    static std::size_t round_up(std::size_t n) noexcept {
        const std::size_t page = 4096;
        return (n + page - 1) / page * page;
    }
    std::size_t slot_bytes_;
    std::vector<void*> chunks_;
    std::vector<void*> free_;
    std::size_t in_use_ = 0, peak_ = 0;
};

}  // namespace

// ---- the fleet ----------------------------------------------------------------

struct fleet::impl {
    enum class phase : std::uint8_t { idle, ramping, waiting, running, deregistering, done };

    struct dtls_dev {
        std::unique_ptr<tls::session> s;
        std::uint32_t hs_start_us = 0;
        bool opened = false;
    };
    struct mqtt_dev {
        std::unique_ptr<mqtt_link> link;
        std::string up, down;
        bool opened = false;
    };

    asio::io_context& io;
    fleet_options o;
    fleet_transport tr = fleet_transport::udp;
    phase ph = phase::idle;
    std::function<void()> on_done;

    // transport
    asio::ip::udp::endpoint server_ep;
    bool shared = true;
    std::uint32_t base_k = 0;  // linear index of bind_base among usable loopback addresses
    std::unique_ptr<fleet_socket> sock;
    std::vector<std::unique_ptr<fleet_socket>> dev_socks;
    std::vector<dtls_dev> dtls;
    std::vector<std::unique_ptr<mqtt_dev>> mqtt;
    mqtt_target mqtt_tgt;
    tls::config tls_cfg;

    // devices
    fleet_device* devs = nullptr;
    std::size_t constructed = 0;
    engine_pool pool;
    std::uint64_t hibernations = 0, wakes = 0;
    fleet_timer timers;
    asio::steady_timer timer;
    std::optional<time_ms> armed;
    asio::steady_timer ramp_timer, progress_timer, end_timer;
    client::client_counters counters;
    std::vector<std::uint8_t> body, scratch;
    client::work_buffers work;
    std::array<std::uint8_t, coap::limits::max_pdu> tx{};
    fleet_actions actions;
    std::string uri_copy;

    // what we measure
    std::uint64_t t0_us = 0, t0_ms = 0, t_end_us = 0;
    std::uint64_t first_start_us = 0, last_registered_us = 0;
    std::size_t registered_now = 0, registered_once = 0, failed = 0, deregistered = 0,
                dereg_expected = 0;
    bool all_registered_seen = false;
    fleet_report rep;
    double cpu0 = 0;
    // progress deltas
    client::client_counters last_counters;
    std::uint64_t last_progress_us = 0;

    impl(asio::io_context& i, fleet_options opts)
        : io(i),
          o(std::move(opts)),
          timer(i),
          ramp_timer(i),
          progress_timer(i),
          end_timer(i),
          body(SIROCCO_CLIENT_BODY_BYTES > 1024 ? SIROCCO_CLIENT_BODY_BYTES : 1024),
          scratch(SIROCCO_CLIENT_SCRATCH_BYTES > 2048 ? SIROCCO_CLIENT_SCRATCH_BYTES : 2048) {
        work.body = mutable_bytes(body.data(), body.size());
        work.scratch = mutable_bytes(scratch.data(), scratch.size());
    }

    ~impl() {
        timer.cancel();
        ramp_timer.cancel();
        progress_timer.cancel();
        end_timer.cancel();
        mqtt.clear();
        dtls.clear();
        for (std::size_t i = 0; i < constructed; ++i) {
            if (devs[i].engine != nullptr) {
                devs[i].engine->~client();
                pool.release(devs[i].engine);
            }
            devs[i].~fleet_device();
        }
        if (devs != nullptr)
            ::operator delete(static_cast<void*>(devs), std::align_val_t(alignof(fleet_device)));
    }

    void say(const std::string& s) const {
        if (o.log) o.log(s);
    }

    std::uint32_t rel_us() const noexcept {
        std::uint64_t d = steady_us() - t0_us;
        return static_cast<std::uint32_t>(std::min<std::uint64_t>(d, 0xFFFFFFFEu)) + 1;
    }

    // ---- addresses (shared socket) -------------------------------------------
    static std::uint32_t k_of(std::uint32_t addr) noexcept {
        return ((addr >> 8) & 0xFFFFu) * 254u + (addr & 0xFFu) - 1u;
    }
    std::uint32_t address_of(std::size_t i) const noexcept {
        const std::uint64_t k = base_k + i;
        return (127u << 24) | static_cast<std::uint32_t>((k / 254) << 8) |
               static_cast<std::uint32_t>(k % 254 + 1);
    }
    std::optional<std::size_t> index_of_address(std::uint32_t addr) const noexcept {
        if ((addr >> 24) != 127u) return std::nullopt;
        const std::uint32_t lo = addr & 0xFFu;
        if (lo == 0 || lo == 255) return std::nullopt;
        const std::uint32_t k = k_of(addr);
        if (k < base_k) return std::nullopt;
        const std::size_t i = k - base_k;
        if (i >= constructed) return std::nullopt;
        return i;
    }

    // ---- set-up ----------------------------------------------------------------
    result<void> open() {
        auto t = fleet_transport_of(o.server_uri);
        if (!t) return unexpected(t.error());
        tr = *t;
        if (o.clients == 0) return unexpected(errc::invalid_argument, "--clients must be >= 1");
        if (o.server_uri.size() > SIROCCO_CLIENT_MAX_URI)
            return unexpected(errc::invalid_argument,
                              "server URI longer than the Security object holds "
                              "(SIROCCO_CLIENT_MAX_URI of this build)");
        {
            // The Register's options are kept for its retransmissions and
            // follow-ups (coap limits::template_bytes): Uri-Path rd,
            // Content-Format, ep=, lt=, lwm2m=, b= take 45 bytes plus the
            // endpoint and the lifetime digits.
            const std::size_t longest =
                endpoint_of(o.clients - 1).size() + std::to_string(o.lifetime).size();
            if (45 + longest > coap::limits::template_bytes ||
                endpoint_of(o.clients - 1).size() >= sizeof(fleet_device::ep))
                return unexpected(errc::invalid_argument,
                                  "endpoint names too long for this build's CoAP request "
                                  "template (SIROCCO_COAP_TEMPLATE_BYTES): shorten "
                                  "--endpoint-prefix");
        }
        if (tr == fleet_transport::mqtt) {
            auto m = parse_mqtt_target(o.server_uri);
            if (!m) return unexpected(m.error());
            mqtt_tgt = *m;
            mqtt.resize(o.clients);
            return {};
        }
        auto u = coap::parse_uri(o.server_uri);
        if (!u) return unexpected(u.error());
        std::string host(u->host);
        if (host == "localhost") host = "127.0.0.1";
        boost::system::error_code ec;
        auto addr = asio::ip::make_address_v4(host, ec);
        if (ec)
            return unexpected(errc::invalid_argument,
                              "the server host must be an IPv4 literal (or localhost)");
        std::uint16_t port = u->port != 0 ? u->port : (tr == fleet_transport::dtls ? 5684 : 5683);
        server_ep = asio::ip::udp::endpoint(addr, port);
        const bool loopback = (addr.to_uint() >> 24) == 127u;
        shared = o.sockets == fleet_options::socket_mode::shared ||
                 (o.sockets == fleet_options::socket_mode::automatic && loopback);
        if (shared && !loopback)
            return unexpected(errc::invalid_argument,
                              "a shared socket needs a server on 127.0.0.0/8");
        if (shared) {
            std::uint32_t base = 0;
            if (!fleet_socket::parse_v4(o.bind_base, base) || (base >> 24) != 127u ||
                (base & 0xFFu) == 0 || (base & 0xFFu) == 255)
                return unexpected(errc::invalid_argument,
                                  "--bind-base must be an address of 127.0.0.0/8 not ending in "
                                  ".0 or .255");
            base_k = k_of(base);
            if (static_cast<std::uint64_t>(base_k) + o.clients > 65536ull * 254ull)
                return unexpected(errc::invalid_argument,
                                  "not enough loopback addresses after --bind-base");
            sock = std::make_unique<fleet_socket>(io);
            auto r = sock->open(asio::ip::udp::endpoint(asio::ip::address_v4::any(), 0),
                                [this](std::uint32_t local, const asio::ip::udp::endpoint& from,
                                       bytes_view d) { on_shared_datagram(local, from, d); });
            if (!r) return r;
        } else {
            dev_socks.resize(o.clients);
        }
        if (tr == fleet_transport::dtls) {
            dtls.resize(o.clients);
            tls_cfg.cid_length = o.dtls_cid;
            tls_cfg.max_fragment = coap::limits::max_pdu;
        }
        return {};
    }

    std::string endpoint_of(std::size_t i) const {
        return o.endpoint_prefix + std::to_string(o.first_index + i);
    }
    std::string identity_of(std::size_t i) const {
        if (o.psk_prefix.empty()) return endpoint_of(i);
        return o.psk_prefix + std::to_string(o.first_index + i);
    }

    result<void> start(std::function<void()> done) {
        SIROCCO_TRY(open());
        on_done = std::move(done);
        rep.clients = o.clients;
        rep.device_size_bytes = sizeof(fleet_device);
        rep.transport = tr == fleet_transport::mqtt ? "mqtt"
                        : tr == fleet_transport::dtls
                            ? (shared ? "dtls (shared socket)" : "dtls (socket per device)")
                            : (shared ? "udp (shared socket)" : "udp (socket per device)");
        timers.reserve(o.clients);
        rep.rss_before = fleet_rss_bytes();
        rep.heap_before = fleet_heap_bytes();
        devs = static_cast<fleet_device*>(::operator new(o.clients * sizeof(fleet_device),
                                                         std::align_val_t(alignof(fleet_device))));
        t0_us = steady_us();
        t0_ms = now();
        cpu0 = cpu_seconds();
        last_progress_us = t0_us;
        ph = phase::ramping;
        ramp_tick();
        if (o.progress_s > 0) arm_progress();
        return {};
    }

    // ---- ramp-up -----------------------------------------------------------------
    void ramp_tick() {
        if (ph != phase::ramping) return;
        const double elapsed = static_cast<double>(steady_us() - t0_us) / 1e6;
        std::size_t target = o.clients;
        if (o.ramp > 0)
            target = std::min<std::size_t>(
                o.clients, static_cast<std::size_t>(std::floor(elapsed * o.ramp)) + 1);
        // Bounded work per tick so that replies and timers are served.
        std::size_t budget = 2000;
        while (constructed < target && budget-- > 0) {
            if (!start_device(constructed)) return;  // finish() was called
        }
        flush();
        rearm();
        if (constructed == o.clients) {
            ph = phase::waiting;
            check_registered();
            if (ph == phase::waiting) {
                const double t = o.register_timeout_s > 0 ? o.register_timeout_s : 120.0;
                end_timer.expires_after(std::chrono::milliseconds(static_cast<long>(t * 1000)));
                end_timer.async_wait([this](const boost::system::error_code& ec) {
                    if (ec || ph != phase::waiting) return;
                    say("fleet: registration timeout, " +
                        std::to_string(o.clients - registered_once - failed) +
                        " devices not registered");
                    registered_phase_over();
                });
            }
            return;
        }
        ramp_timer.expires_after(std::chrono::milliseconds(constructed < target ? 0 : 5));
        ramp_timer.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) ramp_tick();
        });
    }

    bool start_device(std::size_t i) {
        const std::string ep = endpoint_of(i);
        auto* d = new (&devs[i])
            fleet_device(ep, o.version, static_cast<std::uint32_t>(i * 2654435761u + 1));
        ++constructed;
        if (first_start_us == 0) first_start_us = steady_us();
        d->flags |= f_started;
        auto fail = [&](const char* what, const sirocco::error& e) {
            ++rep.errors[std::string("setup: ") + what + ": " + e.reason];
            d->flags |= f_failed;
            ++failed;
            return true;
        };
        client::security_mode mode = client::security_mode::no_sec;
        std::string identity;
        std::vector<std::uint8_t> key;
        if (tr == fleet_transport::dtls) {
            mode = client::security_mode::psk;
            identity = identity_of(i);
            key = o.psk_key.empty() ? fleet_derived_psk(identity) : o.psk_key;
        }
        if (auto r = d->sec.add_server(0, o.server_uri, 1, mode, identity,
                                       bytes_view(key.data(), key.size()));
            !r)
            return fail("Security", r.error());
        if (auto r = d->srv.add_server(0, 1, o.lifetime, "U"); !r) return fail("Server", r.error());
        if (auto r = d->dev.set_info("Sirocco", "sirocco-fleet",
                                     ep.substr(0, client::device_string), "0.1.0");
            !r)
            return fail("Device", r.error());
        d->dev.set_clock(&unix_seconds, nullptr);
        d->dev.set_actions(&actions);
        if (auto r = d->temp.add_celsius(0); !r) return fail("Temperature", r.error());
        (void)d->temp.set_measurement(0, d->temperature);
        for (client::object* ob :
             std::initializer_list<client::object*>{&d->sec, &d->srv, &d->dev, &d->temp})
            if (auto r = d->dm.add(*ob); !r) return fail("data model", r.error());
        while (d->dm.poll_changed()) {
        }
        client::client& e = new_engine(*d);
        if (auto r = e.start(now()); !r) return fail("engine", r.error());
        service(i, now());
        return ph == phase::ramping;
    }

    // ---- driving one device --------------------------------------------------------
    // ---- engines: awake and asleep ------------------------------------------------
    client::client& new_engine(fleet_device& d) {
        void* slot = pool.alloc();
        d.engine = new (slot) client::client(d.config(&work, &counters, o.ack_timeout_ms), d.dm);
        return *d.engine;
    }

    // The device's engine, made anew from its snapshot when it sleeps.
    client::client& engine_of(std::size_t i, time_ms t) {
        fleet_device& d = devs[i];
        if (d.engine != nullptr) return *d.engine;
        client::client& e = new_engine(d);
        ++wakes;
        if (auto r = e.resume(std::span<const client::registration_snapshot>(&d.snap, 1), t); !r) {
            ++rep.errors[std::string("resume: ") + r.error().reason];
            e.~client();
            pool.release(&e);
            client::client& f = new_engine(d);
            (void)f.start(t);
            return f;
        }
        return e;
    }

    // Puts the device to sleep when its engine holds nothing but its
    // registration.
    void maybe_sleep(fleet_device& d, time_ms t) {
        if (!o.hibernate || d.engine == nullptr || (d.flags & f_registered) == 0 ||
            ph == phase::deregistering || !d.engine->quiescent(t))
            return;
        auto snap = d.engine->snapshot(1);
        if (!snap) return;
        d.snap = *snap;
        d.engine->~client();
        pool.release(d.engine);
        d.engine = nullptr;
        ++hibernations;
    }

    void service(std::size_t i, time_ms t) {
        fleet_device& d = devs[i];
        if (d.engine == nullptr) {
            schedule(i, d, t);
            return;
        }
        client::client& e = *d.engine;
        for (int round = 0; round < 8; ++round) {
            bool any = false;
            while (auto ev = e.poll_event()) {
                any = true;
                on_event(i, d, *ev, t);
            }
            while (auto x = e.poll_transmit(mutable_bytes(tx.data(), tx.size()))) {
                any = true;
                transmit(i, bytes_view(tx.data(), x->size), t);
            }
            if (!any) break;
        }
        maybe_sleep(d, t);
        schedule(i, d, t);
    }

    void on_event(std::size_t i, fleet_device& d, const client::client_event& ev, time_ms t) {
        using k = client::client_event_kind;
        switch (ev.kind) {
            case k::open_transport:
                open_transport(i, d, t);
                break;
            case k::registered:
                d.flags |= f_registered;
                ++registered_now;
                if ((d.flags & f_registered_once) == 0) {
                    d.flags |= f_registered_once;
                    ++registered_once;
                    const std::uint32_t now_us = rel_us();
                    if (d.reg_start_us != 0 && now_us >= d.reg_start_us)
                        rep.register_latency_us.record(now_us - d.reg_start_us);
                    last_registered_us = steady_us();
                    check_registered();
                }
                break;
            case k::registration_failed:
                if ((d.flags & f_registered) != 0) --registered_now;
                d.flags = static_cast<std::uint8_t>(d.flags & ~f_registered);
                if ((d.flags & (f_failed | f_registered_once)) == 0) {
                    d.flags |= f_failed;
                    ++failed;
                    ++rep.errors["registration_failed"];
                    check_registered();
                }
                break;
            case k::deregistered:
                if ((d.flags & f_registered) != 0) --registered_now;
                d.flags = static_cast<std::uint8_t>((d.flags & ~f_registered) | f_deregistered);
                if (ph == phase::deregistering) {
                    ++deregistered;
                    if (deregistered >= dereg_expected) asio::post(io, [this] { done(); });
                }
                break;
            case k::updated:
            case k::close_transport:
            default:
                break;
        }
        (void)t;
    }

    void open_transport(std::size_t i, fleet_device& d, time_ms t) {
        switch (tr) {
            case fleet_transport::udp: {
                if (!shared && !dev_socks[i]) {
                    auto s = std::make_unique<fleet_socket>(io);
                    auto r = s->open(
                        asio::ip::udp::endpoint(asio::ip::address_v4::any(), 0),
                        [this, i](std::uint32_t, const asio::ip::udp::endpoint& from,
                                  bytes_view b) { on_device_datagram(i, from, b); },
                        false, 0);
                    if (!r) {
                        ++rep.errors["transport: socket"];
                        d.engine->transport_failed(1, t);
                        return;
                    }
                    dev_socks[i] = std::move(s);
                }
                if (d.reg_start_us == 0) d.reg_start_us = rel_us();
                (void)d.engine->transport_open(1, server_peer, coap::framing::datagram, t);
                break;
            }
            case fleet_transport::dtls:
                open_dtls(i, d, t);
                break;
            case fleet_transport::mqtt:
                open_mqtt(i, d, t);
                break;
        }
    }

    // ---- UDP -----------------------------------------------------------------------
    void transmit(std::size_t i, bytes_view b, time_ms t) {
        switch (tr) {
            case fleet_transport::udp:
                send_datagram(i, b);
                break;
            case fleet_transport::dtls: {
                auto& s = dtls[i];
                if (!s.s || s.s->state() != tls::state::established) return;  // lost, CoAP retries
                if (!s.s->send(b, t)) ++rep.errors["dtls: send"];
                // Only the records: plaintext and state changes are handled
                // when the session is fed (deliver, timers).
                while (auto rec = s.s->poll_transmit())
                    send_datagram(i, *rec);
                break;
            }
            case fleet_transport::mqtt: {
                auto& m = mqtt[i];
                if (!m || !m->link || !m->link->connected()) return;  // lost, as QoS 0
                if (!m->link->publish(m->up, b, 0)) ++rep.errors["mqtt: publish"];
                break;
            }
        }
    }

    void send_datagram(std::size_t i, bytes_view b) {
        if (shared) {
            if (!sock->send(address_of(i), server_ep, b)) ++rep.errors["transport: send"];
        } else if (dev_socks[i]) {
            if (!dev_socks[i]->send(0, server_ep, b)) ++rep.errors["transport: send"];
            dev_socks[i]->flush();
        }
    }

    void on_shared_datagram(std::uint32_t local, const asio::ip::udp::endpoint& from,
                            bytes_view b) {
        if (from != server_ep) return;
        auto i = index_of_address(local);
        if (!i) return;
        deliver(*i, b);
    }

    void on_device_datagram(std::size_t i, const asio::ip::udp::endpoint& from, bytes_view b) {
        if (from != server_ep) return;
        deliver(i, b);
        rearm();
    }

    void deliver(std::size_t i, bytes_view b) {
        const time_ms t = now();
        if (tr == fleet_transport::dtls) {
            auto& s = dtls[i];
            if (!s.s) return;
            (void)s.s->on_receive(b, t);
            drain_dtls(i, t);
        } else {
            (void)engine_of(i, t).on_receive(server_peer, b, t);
        }
        service(i, t);
        if (ph != phase::idle) rearm_soon();
    }

    // ---- DTLS ----------------------------------------------------------------------
    void open_dtls(std::size_t i, fleet_device& d, time_ms t) {
        auto& s = dtls[i];
        if (s.s && s.s->state() == tls::state::established) {
            if (d.reg_start_us == 0) d.reg_start_us = rel_us();
            s.opened = true;
            (void)d.engine->transport_open(1, server_peer, coap::framing::datagram, t);
            return;
        }
        tls::credentials c;
        c.m = tls::mode::psk;
        c.psk_identity = identity_of(i);
        c.psk_key = o.psk_key.empty() ? fleet_derived_psk(c.psk_identity) : o.psk_key;
        auto r = tls::session::client(tls_cfg, c, tls::transport::datagram, t);
        if (!r) {
            ++rep.errors[std::string("dtls: ") + r.error().reason];
            d.engine->transport_failed(1, t);
            return;
        }
        s.s = std::move(*r);
        s.opened = false;
        s.hs_start_us = rel_us();
        drain_dtls(i, t);
    }

    // Sends the records the session has, hands its plaintext to the engine,
    // and opens the engine's transport once the handshake is done.
    void drain_dtls(std::size_t i, time_ms t) {
        auto& s = dtls[i];
        fleet_device& d = devs[i];
        if (!s.s) return;
        while (auto rec = s.s->poll_transmit())
            send_datagram(i, *rec);
        const auto st = s.s->state();
        if (st == tls::state::established && !s.opened) {
            s.opened = true;
            const std::uint32_t now_us = rel_us();
            if (now_us >= s.hs_start_us) rep.handshake_latency_us.record(now_us - s.hs_start_us);
            if (d.reg_start_us == 0) d.reg_start_us = now_us;
            (void)engine_of(i, t).transport_open(1, server_peer, coap::framing::datagram, t);
        }
        while (auto p = s.s->poll_plaintext())
            (void)engine_of(i, t).on_receive(server_peer, *p, t);
        if (st == tls::state::failed || st == tls::state::closed) {
            ++rep.errors[std::string("dtls: ") + std::string(tls::to_string(s.s->failure()))];
            s.s.reset();
            s.opened = false;
            engine_of(i, t).transport_failed(1, t);
        }
    }

    // ---- MQTT ----------------------------------------------------------------------
    void open_mqtt(std::size_t i, fleet_device& d, time_ms t) {
        auto& slot = mqtt[i];
        if (slot && slot->link) {
            if (slot->link->connected()) {
                slot->opened = true;
                (void)d.engine->transport_open(1, server_peer, coap::framing::compact, t);
            }
            return;  // on_connect opens it
        }
        const std::string ep(d.name());
        if (auto ok = check_mqtt_endpoint(ep); !ok) {
            ++rep.errors["mqtt: endpoint"];
            d.engine->transport_failed(1, t);
            return;
        }
        slot = std::make_unique<mqtt_dev>();
        slot->up = mqtt_uplink_topic(mqtt_tgt.root, ep);
        slot->down = mqtt_downlink_topic(mqtt_tgt.root, ep);
        mqtt_options mo;
        mo.host = mqtt_tgt.host;
        mo.port = mqtt_tgt.port;
        mo.client_id = ep;
        mo.keep_alive_s = 60;
        mo.reconnect_min_ms = 500;
        mo.reconnect_max_ms = 10000;
        slot->link = std::make_unique<mqtt_link>(io, mo);
        slot->link->on_connect([this, i] {
            auto& m = mqtt[i];
            fleet_device& dd = devs[i];
            const time_ms tt = now();
            if (!m->opened) {
                m->opened = true;
                if (dd.reg_start_us == 0) dd.reg_start_us = rel_us();
                (void)engine_of(i, tt).transport_open(1, server_peer, coap::framing::compact, tt);
            } else {
                (void)engine_of(i, tt).update(tt);
            }
            service(i, tt);
            rearm();
        });
        slot->link->on_disconnect([this](bool was, std::string_view) {
            ++rep.errors[was ? "mqtt: connection lost" : "mqtt: connect failed"];
        });
        slot->link->on_message([this, i](std::string_view topic, bytes_view payload) {
            auto& m = mqtt[i];
            if (!m || topic != m->down || !m->opened) return;
            const time_ms tt = now();
            (void)engine_of(i, tt).on_receive(server_peer, payload, tt);
            service(i, tt);
            rearm_soon();
        });
        (void)slot->link->subscribe(slot->down);
        if (auto r = slot->link->start(); !r) {
            ++rep.errors[std::string("mqtt: ") + r.error().reason];
            slot.reset();
            d.engine->transport_failed(1, t);
        }
    }

    // ---- timers ----------------------------------------------------------------------
    void schedule(std::size_t i, fleet_device& d, time_ms t) {
        std::optional<time_ms> dl = d.engine != nullptr ? d.engine->next_deadline()
                                                        : std::optional<time_ms>(d.snap.update_due);
        if (o.notify_rate > 0 && (d.flags & f_registered) != 0 && d.engine != nullptr &&
            d.engine->observation_count() > 0) {
            if (d.next_sensor_ms == 0) {
                // Spread the devices over the period.
                const double period = 1000.0 / o.notify_rate;
                d.next_sensor_ms = static_cast<std::uint32_t>(
                    (t - t0_ms) + 1 +
                    static_cast<time_ms>(period * (fleet_device::next_random(&d) % 1000) / 1000.0));
            }
            const time_ms s = t0_ms + d.next_sensor_ms;
            if (!dl || s < *dl) dl = s;
        } else {
            d.next_sensor_ms = 0;
        }
        if (tr == fleet_transport::dtls && dtls[i].s) {
            auto sd = dtls[i].s->next_deadline();
            if (sd && (!dl || *sd < *dl)) dl = sd;
        }
        // An engine that asks to be woken in the past (work it keeps for
        // later) is woken at the next millisecond, never in a hot loop.
        if (dl && *dl <= t) dl = t + 1;
        timers.set(static_cast<fleet_timer::id_type>(i), dl);
    }

    void rearm_soon() {
        // After a datagram: arm only when the heap's top moved earlier.
        auto top = timers.top();
        if (top && (!armed || top->deadline < *armed)) rearm();
    }

    void rearm() {
        auto top = timers.top();
        if (!top) {
            if (armed) {
                timer.cancel();
                armed.reset();
            }
            return;
        }
        if (armed && *armed == top->deadline) return;
        armed = top->deadline;
        const time_ms t = now();
        const time_ms wait = top->deadline > t ? top->deadline - t : 0;
        timer.expires_after(std::chrono::milliseconds(wait));
        timer.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            armed.reset();
            on_timers();
        });
    }

    void on_timers() {
        const time_ms t = now();
        std::size_t budget = 4096;
        while (budget-- > 0) {
            auto e = timers.pop_due(t);
            if (!e) break;
            const std::size_t i = e->id;
            fleet_device& d = devs[i];
            if (tr == fleet_transport::dtls && dtls[i].s) {
                dtls[i].s->on_timer(t);
                drain_dtls(i, t);
            }
            if (d.next_sensor_ms != 0 && t0_ms + d.next_sensor_ms <= t) {
                // The temperature moves (a small random walk) and observers hear it.
                const double step =
                    static_cast<double>(fleet_device::next_random(&d) % 101) / 100.0 - 0.5;
                d.temperature =
                    static_cast<float>(std::round((d.temperature + step) * 100.0) / 100.0);
                (void)d.temp.set_measurement(0, d.temperature);
                d.next_sensor_ms +=
                    static_cast<std::uint32_t>(std::max(1.0, 1000.0 / o.notify_rate));
                if (t0_ms + d.next_sensor_ms <= t)
                    d.next_sensor_ms = static_cast<std::uint32_t>(t - t0_ms + 1);
                engine_of(i, t).changed(lwm2m::path(lwm2m::object_id(3303), lwm2m::instance_id(0),
                                                    lwm2m::resource_id(5700)),
                                        t);
            } else {
                engine_of(i, t).on_timer(t);
            }
            service(i, t);
        }
        flush();
        rearm();
    }

    void flush() {
        if (sock) sock->flush();
    }

    // ---- phases ------------------------------------------------------------------------
    void check_registered() {
        if (ph != phase::waiting && ph != phase::ramping) return;
        if (constructed < o.clients) return;
        if (registered_once + failed < o.clients) return;
        registered_phase_over();
    }

    void registered_phase_over() {
        if (ph != phase::waiting && ph != phase::ramping) return;
        end_timer.cancel();
        all_registered_seen = true;
        rep.awake_after_registration = pool.in_use();
        rep.rss_after = fleet_rss_bytes();
        rep.heap_after = fleet_heap_bytes();
        if (last_registered_us != 0 && first_start_us != 0)
            rep.registration_s = static_cast<double>(last_registered_us - first_start_us) / 1e6;
        say("fleet: " + std::to_string(registered_once) + " of " + std::to_string(o.clients) +
            " devices registered in " + std::to_string(rep.registration_s) + " s");
        ph = phase::running;
        if (o.duration_s > 0) {
            end_timer.expires_after(
                std::chrono::milliseconds(static_cast<long>(o.duration_s * 1000)));
            end_timer.async_wait([this](const boost::system::error_code& ec) {
                if (!ec) finish();
            });
        } else {
            asio::post(io, [this] { finish(); });
        }
    }

    void finish() {
        if (ph == phase::deregistering || ph == phase::done) return;
        ramp_timer.cancel();
        end_timer.cancel();
        if (!all_registered_seen) {
            rep.awake_after_registration = pool.in_use();
            rep.rss_after = fleet_rss_bytes();
            rep.heap_after = fleet_heap_bytes();
            if (last_registered_us != 0 && first_start_us != 0)
                rep.registration_s = static_cast<double>(last_registered_us - first_start_us) / 1e6;
        }
        if (!o.deregister) {
            done();
            return;
        }
        ph = phase::deregistering;
        const time_ms t = now();
        for (std::size_t i = 0; i < constructed; ++i) {
            fleet_device& d = devs[i];
            if ((d.flags & f_registered) == 0) continue;
            ++dereg_expected;
            (void)engine_of(i, t).deregister(t);
            service(i, t);
        }
        flush();
        rearm();
        if (deregistered >= dereg_expected) {
            asio::post(io, [this] { done(); });
            return;
        }
        end_timer.expires_after(std::chrono::seconds(30));
        end_timer.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            rep.errors["deregister: no answer"] += dereg_expected - deregistered;
            done();
        });
    }

    void done() {
        if (ph == phase::done) return;
        ph = phase::done;
        t_end_us = steady_us();
        timer.cancel();
        armed.reset();
        ramp_timer.cancel();
        progress_timer.cancel();
        end_timer.cancel();
        flush();
        fill(rep);
        rep.rss_bytes = fleet_rss_bytes();
        // Let the links say goodbye; the sockets close with the fleet.
        for (auto& m : mqtt)
            if (m && m->link) m->link->close();
        if (on_done) asio::post(io, on_done);
    }

    void fill(fleet_report& r) const {
        r.started = constructed;
        r.registered = registered_once;
        r.failed = o.clients - registered_once;
        r.deregistered = deregistered;
        const std::uint64_t end = t_end_us != 0 ? t_end_us : steady_us();
        r.run_s = static_cast<double>(end - t0_us) / 1e6;
        if (r.registration_s > 0)
            r.registrations_per_s = static_cast<double>(registered_once) / r.registration_s;
        const auto& c = counters;
        r.operations.read = c.reads + c.composite_reads;
        r.operations.write = c.writes + c.write_attributes;
        r.operations.execute = c.executes;
        r.operations.observe = c.observes;
        r.operations.notify = c.notifications;
        r.operations.discover = c.discovers;
        r.operations.other = c.other_requests + c.observe_cancels + c.creates + c.deletes;
        const auto ops = r.operations.read + r.operations.write + r.operations.execute +
                         r.operations.observe + r.operations.notify;
        r.ops_per_s = r.run_s > 0 ? static_cast<double>(ops) / r.run_s : 0;
        r.engine_size_bytes = sizeof(client::client);
        r.awake_peak = pool.peak();
        r.hibernations = hibernations;
        r.wakes = wakes;
        r.registers_sent = c.registers;
        r.updates_sent = c.updates;
        r.updates_ok = c.updated;
        r.deregisters_sent = c.deregisters;
        if (c.timeouts) r.errors["timeout"] = c.timeouts;
        if (c.transport_failures) r.errors["transport"] = c.transport_failures;
        for (unsigned k = 0; k < c.error_codes.size(); ++k)
            if (c.error_codes[k] != 0) r.errors[code_text(4 + k / 32, k % 32)] = c.error_codes[k];
        const std::size_t n = std::max<std::size_t>(1, o.clients);
        r.memory_per_device_bytes =
            r.rss_after > r.rss_before ? (r.rss_after - r.rss_before) / n : 0;
        r.heap_per_device_bytes =
            r.heap_after > r.heap_before ? (r.heap_after - r.heap_before) / n : 0;
        r.rss_bytes = fleet_rss_bytes();
        r.cpu_s = cpu_seconds() - cpu0;
        if (sock) {
            r.datagrams_out = sock->counters().sent;
            r.datagrams_in = sock->counters().received;
            r.send_dropped = sock->counters().send_dropped;
        } else {
            r.datagrams_out = r.datagrams_in = r.send_dropped = 0;
            for (const auto& s : dev_socks) {
                if (!s) continue;
                r.datagrams_out += s->counters().sent;
                r.datagrams_in += s->counters().received;
                r.send_dropped += s->counters().send_dropped;
            }
        }
    }

    void arm_progress() {
        progress_timer.expires_after(
            std::chrono::milliseconds(static_cast<long>(o.progress_s * 1000)));
        progress_timer.async_wait([this](const boost::system::error_code& ec) {
            if (ec || ph == phase::done) return;
            progress();
            arm_progress();
        });
    }

    void progress() {
        const std::uint64_t t = steady_us();
        const double dt = static_cast<double>(t - last_progress_us) / 1e6;
        const auto& c = counters;
        const auto& l = last_counters;
        auto rate = [&](std::uint64_t a, std::uint64_t b) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.0f", dt > 0 ? static_cast<double>(a - b) / dt : 0.0);
            return std::string(buf);
        };
        std::uint64_t errs = c.timeouts + c.transport_failures;
        for (auto e : c.error_codes)
            errs += e;
        char head[96];
        std::snprintf(head, sizeof head, "fleet t=%.1fs", static_cast<double>(t - t0_us) / 1e6);
        say(std::string(head) + " started=" + std::to_string(constructed) +
            " registered=" + std::to_string(registered_now) + "/" + std::to_string(o.clients) +
            " reg/s=" + rate(c.registered, l.registered) +
            " read/s=" + rate(c.reads + c.composite_reads, l.reads + l.composite_reads) +
            " write/s=" + rate(c.writes + c.write_attributes, l.writes + l.write_attributes) +
            " exec/s=" + rate(c.executes, l.executes) + " observe/s=" +
            rate(c.observes, l.observes) + " notify/s=" + rate(c.notifications, l.notifications) +
            " updates/s=" + rate(c.updated, l.updated) + " errors=" + std::to_string(errs) +
            " rss=" + std::to_string(fleet_rss_bytes() >> 20) + "MiB");
        last_counters = counters;
        last_progress_us = t;
    }
};

fleet::fleet(asio::io_context& io, fleet_options opts)
    : impl_(std::make_unique<impl>(io, std::move(opts))) {}

fleet::~fleet() = default;

result<void> fleet::start(std::function<void()> on_done) {
    return impl_->start(std::move(on_done));
}

void fleet::stop() {
    if (impl_->ph == impl::phase::idle || impl_->ph == impl::phase::done) return;
    impl_->finish();
}

bool fleet::finished() const noexcept {
    return impl_->ph == impl::phase::done;
}

fleet_report fleet::report() const {
    fleet_report r = impl_->rep;
    if (impl_->ph != impl::phase::done) impl_->fill(r);
    return r;
}

std::string fleet::endpoint(std::size_t i) const {
    return impl_->endpoint_of(i);
}

std::string fleet::source_address(std::size_t i) const {
    if (!impl_->shared) return "";
    return fleet_socket::v4_text(impl_->address_of(i));
}

bool fleet::registered(std::size_t i) const {
    if (i >= impl_->constructed) return false;
    return (impl_->devs[i].flags & f_registered) != 0;
}

std::string fleet::to_json(const fleet_report& r) {
    nlohmann::json j;
    j["clients"] = r.clients;
    j["started"] = r.started;
    j["registered"] = r.registered;
    j["failed"] = r.failed;
    j["deregistered"] = r.deregistered;
    j["registration_s"] = r.registration_s;
    j["registrations_per_s"] = r.registrations_per_s;
    j["run_s"] = r.run_s;
    j["operations"] = {{"read", r.operations.read},       {"write", r.operations.write},
                       {"execute", r.operations.execute}, {"observe", r.operations.observe},
                       {"notify", r.operations.notify},   {"discover", r.operations.discover},
                       {"other", r.operations.other}};
    j["ops_per_s"] = r.ops_per_s;
    auto lat = [](const fleet_histogram& h) {
        return nlohmann::json{{"count", h.count()},
                              {"p50", static_cast<double>(h.percentile(50)) / 1000.0},
                              {"p90", static_cast<double>(h.percentile(90)) / 1000.0},
                              {"p99", static_cast<double>(h.percentile(99)) / 1000.0},
                              {"max", static_cast<double>(h.max()) / 1000.0},
                              {"mean", h.mean() / 1000.0}};
    };
    j["latency_ms"] = {{"register", lat(r.register_latency_us)}};
    if (r.handshake_latency_us.count() != 0)
        j["latency_ms"]["handshake"] = lat(r.handshake_latency_us);
    j["errors"] = nlohmann::json::object();
    for (const auto& [k, v] : r.errors)
        j["errors"][k] = v;
    j["registers_sent"] = r.registers_sent;
    j["updates_sent"] = r.updates_sent;
    j["updates_ok"] = r.updates_ok;
    j["deregisters_sent"] = r.deregisters_sent;
    j["memory_per_device_bytes"] = r.memory_per_device_bytes;
    j["heap_per_device_bytes"] = r.heap_per_device_bytes;
    j["device_size_bytes"] = r.device_size_bytes;
    j["engine_size_bytes"] = r.engine_size_bytes;
    j["awake_after_registration"] = r.awake_after_registration;
    j["awake_peak"] = r.awake_peak;
    j["hibernations"] = r.hibernations;
    j["wakes"] = r.wakes;
    j["rss_before_bytes"] = r.rss_before;
    j["rss_after_registration_bytes"] = r.rss_after;
    j["rss_bytes"] = r.rss_bytes;
    j["cpu_s"] = r.cpu_s;
    j["datagrams_out"] = r.datagrams_out;
    j["datagrams_in"] = r.datagrams_in;
    j["send_dropped"] = r.send_dropped;
    j["transport"] = r.transport;
    return j.dump(2);
}

std::string fleet::summary(const fleet_report& r) {
    auto line = [](const char* k, const std::string& v) {
        char b[160];
        std::snprintf(b, sizeof b, "| %-28s | %22s |\n", k, v.c_str());
        return std::string(b);
    };
    auto num = [](double v, const char* fmt = "%.1f") {
        char b[48];
        std::snprintf(b, sizeof b, fmt, v);
        return std::string(b);
    };
    auto ms = [&](std::uint64_t us) { return num(static_cast<double>(us) / 1000.0, "%.2f ms"); };
    std::string s;
    s += "| fleet                        |                  value |\n";
    s += "|------------------------------|-----------------------:|\n";
    s += line("transport", r.transport);
    s += line("devices", std::to_string(r.clients));
    s += line("registered", std::to_string(r.registered));
    s += line("not registered", std::to_string(r.failed));
    if (r.deregistered) s += line("de-registered", std::to_string(r.deregistered));
    s += line("registration time", num(r.registration_s, "%.2f s"));
    s += line("registrations/s", num(r.registrations_per_s));
    const auto& h = r.register_latency_us;
    s += line("register p50 / p90", ms(h.percentile(50)) + " / " + ms(h.percentile(90)));
    s += line("register p99 / max", ms(h.percentile(99)) + " / " + ms(h.max()));
    if (r.handshake_latency_us.count()) {
        const auto& g = r.handshake_latency_us;
        s += line("handshake p50 / p99", ms(g.percentile(50)) + " / " + ms(g.percentile(99)));
    }
    s += line("registers / updates sent",
              std::to_string(r.registers_sent) + " / " + std::to_string(r.updates_sent));
    s += line("reads / writes / executes", std::to_string(r.operations.read) + " / " +
                                               std::to_string(r.operations.write) + " / " +
                                               std::to_string(r.operations.execute));
    s += line("observes / notifications",
              std::to_string(r.operations.observe) + " / " + std::to_string(r.operations.notify));
    s += line("operations/s", num(r.ops_per_s));
    std::uint64_t errs = 0;
    for (const auto& [k, v] : r.errors)
        errs += v;
    s += line("errors", std::to_string(errs));
    for (const auto& [k, v] : r.errors)
        s += line(("  " + k).substr(0, 28).c_str(), std::to_string(v));
    s += line("memory per device (RSS)", std::to_string(r.memory_per_device_bytes) + " B");
    s += line("heap per device", std::to_string(r.heap_per_device_bytes) + " B");
    s += line("sizeof(device) / engine", std::to_string(r.device_size_bytes) + " / " +
                                             std::to_string(r.engine_size_bytes) + " B");
    s += line("engines awake / peak",
              std::to_string(r.awake_after_registration) + " / " + std::to_string(r.awake_peak));
    s += line("engines put to sleep / woken",
              std::to_string(r.hibernations) + " / " + std::to_string(r.wakes));
    s += line("RSS at the end", num(static_cast<double>(r.rss_bytes) / 1048576.0, "%.1f MiB"));
    s += line("CPU", num(r.cpu_s, "%.2f s"));
    s += line("run time", num(r.run_s, "%.2f s"));
    return s;
}

}  // namespace sirocco::runtime
