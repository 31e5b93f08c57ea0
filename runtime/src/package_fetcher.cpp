#include "sirocco/runtime/package_fetcher.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>

#include "sirocco/base/hex.hpp"
#include "sirocco/coap/engine.hpp"
#include "sirocco/coap/options.hpp"
#include "sirocco/runtime/client_runner.hpp"
#include "sirocco/runtime/event_loop.hpp"
#include "sirocco/runtime/udp_endpoint.hpp"

namespace sirocco::runtime {

namespace fs = std::filesystem;
using client::status;
using client::update_result;

// ---- URIs -----------------------------------------------------------------------

namespace {

std::optional<std::uint64_t> parse_u64(std::string_view s) {
    std::uint64_t v = 0;
    if (s.empty()) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::string to_hex(bytes_view b) {
    static constexpr char d[] = "0123456789abcdef";
    std::string s;
    for (std::uint8_t c : b) {
        s += d[c >> 4];
        s += d[c & 15];
    }
    return s;
}

}  // namespace

result<package_uri> parse_package_uri(std::string_view uri) {
    package_uri u;
    std::string_view rest;
    if (uri.starts_with("mq2m://")) {
        u.kind = package_uri::scheme::mq2m;
        rest = uri.substr(7);
    } else if (uri.starts_with("coap://")) {
        u.kind = package_uri::scheme::coap;
        rest = uri.substr(7);
    } else {
        return unexpected(errc::unsupported, "not an mq2m:// or coap:// URI");
    }
    std::string_view query;
    if (auto q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0)
        return unexpected(errc::invalid_argument, "no host or no path");
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = rest.substr(slash + 1);
    if (path.empty()) return unexpected(errc::invalid_argument, "no path");
    for (std::size_t at = 0; at <= path.size();) {
        auto e = path.find('/', at);
        if (e == std::string_view::npos) e = path.size();
        if (e == at) return unexpected(errc::invalid_argument, "an empty path segment");
        at = e + 1;
    }
    u.path = std::string(path);
    if (u.kind == package_uri::scheme::mq2m) {
        if (authority.find(':') != std::string_view::npos)
            return unexpected(errc::invalid_argument, "mq2m:// has no port");
        u.host = std::string(authority);
        while (!query.empty()) {
            auto amp = query.find('&');
            std::string_view kv = query.substr(0, amp);
            query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
            if (!kv.starts_with("size="))
                return unexpected(errc::invalid_argument, "unknown query");
            auto n = parse_u64(kv.substr(5));
            if (!n) return unexpected(errc::invalid_argument, "size is not a number");
            u.size = *n;
        }
        return u;
    }
    if (!query.empty()) {
        // coap:// may carry ?size= too (checked like mq2m); other queries are refused.
        if (!query.starts_with("size=")) return unexpected(errc::invalid_argument, "unknown query");
        auto n = parse_u64(query.substr(5));
        if (!n) return unexpected(errc::invalid_argument, "size is not a number");
        u.size = *n;
    }
    std::string_view host = authority, port;
    if (authority.starts_with('[')) {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return unexpected(errc::invalid_argument, "bad [v6]");
        host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':' || after.size() == 1)
                return unexpected(errc::invalid_argument, "bad port");
            port = after.substr(1);
        }
    } else if (auto c = authority.rfind(':'); c != std::string_view::npos) {
        host = authority.substr(0, c);
        port = authority.substr(c + 1);
        if (port.empty()) return unexpected(errc::invalid_argument, "bad port");
    }
    if (host.empty()) return unexpected(errc::invalid_argument, "no host");
    u.host = std::string(host);
    if (!port.empty()) {
        auto p = parse_u64(port);
        if (!p || *p == 0 || *p > 65535) return unexpected(errc::invalid_argument, "bad port");
        u.port = static_cast<std::uint16_t>(*p);
    }
    return u;
}

// ---- file sink ------------------------------------------------------------------

file_firmware_sink::file_firmware_sink(fs::path dir) : dir_(std::move(dir)) {}

file_firmware_sink::~file_firmware_sink() {
    close_fd();
}

void file_firmware_sink::close_fd() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

update_result file_firmware_sink::begin() noexcept {
    close_fd();
    std::error_code ec;
    fs::create_directories(dir_, ec);
    fd_ = ::open(partial_path().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return update_result::not_enough_flash;
    fs::remove(dir_ / "firmware.updated", ec);
    pos_ = 0;
    fresh_ = true;
    return update_result::initial;
}

std::uint64_t file_firmware_sink::resume_at(std::uint64_t offset) noexcept {
    if (fd_ < 0) return 0;
    const off_t end = ::lseek(fd_, 0, SEEK_END);
    std::uint64_t keep =
        end < 0 ? 0 : std::min<std::uint64_t>(offset, static_cast<std::uint64_t>(end));
    if (::ftruncate(fd_, static_cast<off_t>(keep)) != 0) keep = 0;
    pos_ = keep;
    fresh_ = false;
    return keep;
}

update_result file_firmware_sink::write(bytes_view chunk) noexcept {
    if (fd_ < 0) return update_result::not_enough_flash;
    if (fresh_) {
        if (::ftruncate(fd_, 0) != 0) return update_result::not_enough_flash;
        pos_ = 0;
        fresh_ = false;
    }
    std::size_t done = 0;
    while (done < chunk.size()) {
        ssize_t n = ::pwrite(fd_, chunk.data() + done, chunk.size() - done,
                             static_cast<off_t>(pos_ + done));
        if (n <= 0) return update_result::not_enough_flash;
        done += static_cast<std::size_t>(n);
    }
    pos_ += chunk.size();
    return update_result::initial;
}

update_result file_firmware_sink::finish() noexcept {
    if (fd_ < 0) return update_result::integrity_failure;
    if (fresh_) (void)::ftruncate(fd_, 0);  // an empty image
    close_fd();
    std::error_code ec;
    fs::rename(partial_path(), image_path(), ec);
    return ec ? update_result::integrity_failure : update_result::initial;
}

void file_firmware_sink::abort() noexcept {
    close_fd();
    std::error_code ec;
    fs::remove(partial_path(), ec);
    pos_ = 0;
}

update_result file_firmware_sink::update() noexcept {
    std::ofstream out(dir_ / "firmware.updated");
    out << "updated\n";
    return out ? update_result::success : update_result::update_failed;
}

// ---- links of sirocco-client ----------------------------------------------------

/// mq2m:// through the runner's client engine.
class mq2m_link final : public package_fetcher::link {
  public:
    mq2m_link(package_fetcher& f, client_runner& r, package_uri u)
        : f_(f), r_(r), u_(std::move(u)) {}
    result<void> request(std::uint32_t num, std::uint16_t size) override {
        client::ssid s = f_.server_;
        if (s == 0) return unexpected(errc::not_allowed, "not registered yet");
        auto x = r_.with_engine([&](client::client& c, time_ms now) {
            return c.fetch_block(s, client::fetch_target{u_.host, u_.path}, num, size, now);
        });
        if (!x) return unexpected(x.error());
        f_.mq2m_fetch_ = *x;
        return {};
    }
    void cancel() noexcept override { f_.mq2m_fetch_.reset(); }

  private:
    package_fetcher& f_;
    client_runner& r_;
    package_uri u_;
};

namespace {

/// coap:// with its own CoAP engine and UDP socket.
class coap_link final : public package_fetcher::link {
  public:
    coap_link(package_fetcher& f, event_loop& loop, package_uri u)
        : f_(f),
          loop_(loop),
          u_(std::move(u)),
          udp_(loop.io()),
          timer_(loop.io(), [this] { on_timer(); }),
          resolver_(loop.io()),
          rng_(std::random_device{}()) {
        coap::config c;
        c.rng = &coap_link::next_random;
        c.rng_ctx = this;
        engine_.emplace(c);
    }
    ~coap_link() override {
        alive_ = false;
        resolver_.cancel();
    }
    result<void> request(std::uint32_t num, std::uint16_t size) override {
        pending_ = std::make_pair(num, size);
        if (!peer_) {
            resolve();
            return {};
        }
        return send_pending();
    }
    void cancel() noexcept override {
        pending_.reset();
        x_.reset();
        timer_.arm(std::nullopt);
        udp_.close();
    }

  private:
    static std::uint32_t next_random(void* ctx) noexcept {
        return static_cast<std::uint32_t>(static_cast<coap_link*>(ctx)->rng_());
    }
    void resolve() {
        if (resolving_) return;
        resolving_ = true;
        resolver_.async_resolve(
            u_.host, std::to_string(u_.port), asio::ip::udp::resolver::numeric_service,
            [this](const boost::system::error_code& ec,
                   const asio::ip::udp::resolver::results_type& res) {
                if (ec == asio::error::operation_aborted || !alive_) return;
                resolving_ = false;
                if (ec || res.empty()) return fail("cannot resolve " + u_.host);
                asio::ip::udp::endpoint chosen = res.begin()->endpoint();
                for (const auto& e : res)
                    if (e.endpoint().address().is_v4()) {
                        chosen = e.endpoint();
                        break;
                    }
                udp_address local(chosen.address().is_v6()
                                      ? asio::ip::address(asio::ip::address_v6::any())
                                      : asio::ip::address(asio::ip::address_v4::any()),
                                  0);
                if (!udp_.is_open()) {
                    auto o = udp_.open(local, [this](coap::peer_id p, bytes_view b) {
                        (void)engine_->on_receive(p, b, now());
                        drain();
                    });
                    if (!o) return fail("cannot open a UDP socket");
                }
                peer_ = udp_.peers().add(chosen);
                (void)engine_->open_peer(*peer_, coap::framing::datagram, now());
                if (pending_) {
                    auto r = send_pending();
                    if (!r) fail(r.error().reason);
                }
            });
    }
    result<void> send_pending() {
        if (!pending_) return {};
        coap::message m;
        m.code = coap::codes::get;
        m.type = coap::msg_type::con;
        std::array<std::uint8_t, 8> st{};
        coap::message_builder b(m, st);
        SIROCCO_TRY(b.add_uri_path(u_.path));
        coap::request_options ro;
        ro.block2_size = pending_->second;
        ro.block2_single = true;
        ro.block2_num = pending_->first;
        auto x = engine_->send_request(*peer_, m, {}, now(), ro);
        if (!x) return unexpected(x.error());
        x_ = *x;
        pending_.reset();
        drain();
        return {};
    }
    void fail(const std::string& why) {
        package_fetcher::reply r;
        r.code = status::service_unavailable;
        r.reason = why;
        pending_.reset();
        // Never inside request(): the fetcher expects replies later.
        asio::post(loop_.io(), [this, r] {
            if (alive_) f_.on_reply(r);
        });
    }
    void on_timer() {
        engine_->on_timer(now());
        drain();
    }
    void drain() {
        std::array<std::uint8_t, coap::limits::max_pdu> buf{};
        while (auto t = engine_->poll_transmit(buf))
            (void)udp_.send(t->peer, bytes_view(buf.data(), t->size));
        std::vector<package_fetcher::reply> replies;
        std::vector<std::vector<std::uint8_t>> keep;
        while (auto e = engine_->poll_event()) {
            if (!x_ || e->exchange != *x_) continue;
            if (e->kind != coap::event_kind::response && e->kind != coap::event_kind::timeout &&
                e->kind != coap::event_kind::reset && e->kind != coap::event_kind::failed)
                continue;
            x_.reset();
            package_fetcher::reply r;
            if (e->kind != coap::event_kind::response) {
                r.code = status::service_unavailable;
                r.reason = e->err.code != errc::ok ? e->err.reason : "no answer";
            } else {
                r.code = static_cast<status>(e->msg.code.raw);
                keep.emplace_back(e->body.begin(), e->body.end());
                r.body = bytes_view(keep.back().data(), keep.back().size());
                if (e->block2) {
                    r.num = e->block2->num;
                    r.more = e->block2->more;
                }
                r.total = static_cast<std::uint32_t>(e->total);
                for (const auto& o : e->msg.options)
                    if (o.number == coap::opt::etag) {
                        keep.emplace_back(o.value.begin(), o.value.end());
                        r.etag = bytes_view(keep.back().data(), keep.back().size());
                        break;
                    }
            }
            replies.push_back(r);
        }
        timer_.arm(engine_->next_deadline());
        for (const auto& r : replies)
            f_.on_reply(r);
    }

    package_fetcher& f_;
    event_loop& loop_;
    package_uri u_;
    udp_endpoint udp_;
    deadline_timer timer_;
    asio::ip::udp::resolver resolver_;
    std::mt19937 rng_;
    std::optional<coap::engine> engine_;
    std::optional<coap::peer_id> peer_;
    std::optional<coap::exchange_id> x_;
    std::optional<std::pair<std::uint32_t, std::uint16_t>> pending_;
    bool resolving_ = false;
    bool alive_ = true;
};

}  // namespace

// ---- the fetcher ----------------------------------------------------------------

package_fetcher::package_fetcher(client::firmware_update& fw, resumable_sink* sink, options o,
                                 scheduler sched, clock_fn clock, link_factory make_link)
    : fw_(fw),
      sink_(sink),
      o_(std::move(o)),
      sched_(std::move(sched)),
      clock_(std::move(clock)),
      make_link_(std::move(make_link)) {}

package_fetcher::package_fetcher(event_loop& loop, client_runner& runner,
                                 client::firmware_update& fw, resumable_sink* sink, options o)
    : fw_(fw), sink_(sink), o_(std::move(o)), runner_(&runner) {
    auto alive = std::make_shared<bool>(true);
    sched_ = [&loop](std::chrono::milliseconds d, std::function<void()> f) {
        auto t = std::make_shared<asio::steady_timer>(loop.io(), d);
        t->async_wait([t, f = std::move(f)](const boost::system::error_code& ec) {
            if (!ec) f();
        });
    };
    clock_ = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now().time_since_epoch());
    };
    make_link_ = [this, &loop, &runner](const package_uri& u) -> std::unique_ptr<link> {
        if (u.kind == package_uri::scheme::mq2m)
            return std::make_unique<mq2m_link>(*this, runner, u);
        return std::make_unique<coap_link>(*this, loop, u);
    };
}

package_fetcher::~package_fetcher() {
    ++gen_;
    if (link_) link_->cancel();
}

fs::path package_fetcher::state_path() const {
    return o_.state_dir.empty() ? fs::path() : o_.state_dir / "download.state";
}

void package_fetcher::log(std::string_view ev,
                          const std::vector<std::pair<std::string, std::string>>& kv) {
    if (o_.log) o_.log(ev, kv);
}

std::optional<package_fetcher::saved> package_fetcher::load_state() const {
    if (o_.state_dir.empty()) return std::nullopt;
    std::ifstream in(state_path());
    if (!in) return std::nullopt;
    saved s;
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        std::string k = line.substr(0, eq), v = line.substr(eq + 1);
        if (k == "uri") s.uri = v;
        if (k == "etag") s.etag_hex = v;
        if (k == "block_size") s.block_size = static_cast<std::uint16_t>(parse_u64(v).value_or(0));
        if (k == "next_block") s.next = static_cast<std::uint32_t>(parse_u64(v).value_or(0));
    }
    if (s.uri.empty() || s.block_size < 16 || s.block_size > 1024 ||
        (s.block_size & (s.block_size - 1)) != 0)
        return std::nullopt;
    return s;
}

void package_fetcher::save_state() {
    if (o_.state_dir.empty()) return;
    std::error_code ec;
    fs::create_directories(o_.state_dir, ec);
    fs::path tmp = state_path();
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << "uri=" << uri_ << "\netag=" << etag_ << "\nblock_size=" << bs_
            << "\nnext_block=" << next_ << "\nsize=" << (target_.size ? *target_.size : 0) << "\n";
        if (!out) return;
    }
    fs::rename(tmp, state_path(), ec);
}

void package_fetcher::remove_state() {
    if (o_.state_dir.empty()) return;
    std::error_code ec;
    fs::remove(state_path(), ec);
}

update_result package_fetcher::start(std::string_view uri) noexcept {
    try {
        if (active_) cancel();
        old_links_.clear();
        auto u = parse_package_uri(uri);
        if (!u) {
            return u.error().code == errc::unsupported ? update_result::unsupported_protocol
                                                       : update_result::invalid_uri;
        }
        if (u->size && o_.max_size != 0 && *u->size > o_.max_size) {
            log("fw_download_failed", {{"uri", std::string(uri)},
                                       {"result", "2"},
                                       {"reason", "size above the device's space"}});
            return update_result::not_enough_flash;
        }
        ++gen_;
        target_ = *u;
        uri_ = std::string(uri);
        bs_ = o_.block_size;
        next_ = 0;
        bytes_ = 0;
        etag_.clear();
        fetched_ = 0;
        restarts_ = 0;
        in_flight_ = false;
        waiting_retry_ = false;
        auto st = load_state();
        if (st && st->uri == uri_) {
            bs_ = st->block_size;
            std::uint64_t want = static_cast<std::uint64_t>(st->next) * bs_;
            std::uint64_t kept = sink_ != nullptr ? sink_->resume_at(want) : 0;
            next_ = static_cast<std::uint32_t>(kept / bs_);
            if (sink_ != nullptr && kept != static_cast<std::uint64_t>(next_) * bs_)
                (void)sink_->resume_at(static_cast<std::uint64_t>(next_) * bs_);
            bytes_ = static_cast<std::uint64_t>(next_) * bs_;
            if (next_ > 0) etag_ = st->etag_hex;
        } else if (sink_ != nullptr) {
            (void)sink_->resume_at(0);
        }
        active_ = true;
        last_progress_ = clock_();
        save_state();
        link_ = make_link_(target_);
        log("fw_download_start", {{"uri", uri_},
                                  {"from_block", std::to_string(next_)},
                                  {"block_size", std::to_string(bs_)}});
        schedule_ask(std::chrono::milliseconds(0));
        return update_result::initial;
    } catch (...) {
        active_ = false;
        return update_result::out_of_ram;
    }
}

void package_fetcher::cancel() noexcept {
    if (!active_) return;
    active_ = false;
    ++gen_;
    if (link_) {
        link_->cancel();
        old_links_.push_back(std::move(link_));
    }
    remove_state();
}

void package_fetcher::schedule_ask(std::chrono::milliseconds d) {
    const std::uint64_t g = gen_;
    sched_(d, [this, g] {
        if (g != gen_ || !active_) return;
        ask();
    });
}

void package_fetcher::ask() {
    if (!active_ || in_flight_) return;
    waiting_retry_ = false;
    in_flight_ = true;
    auto r = link_->request(next_, bs_);
    if (!r) {
        in_flight_ = false;
        retry(r.error().reason);
    }
}

void package_fetcher::retry(const std::string& why) {
    if (clock_() - last_progress_ > o_.give_up_after) {
        log("fw_download_failed", {{"uri", uri_}, {"result", "4"}, {"reason", why}});
        done(update_result::connection_lost);
        return;
    }
    log("fw_download_retry", {{"uri", uri_}, {"block", std::to_string(next_)}, {"reason", why}});
    waiting_retry_ = true;
    schedule_ask(o_.retry_delay);
}

void package_fetcher::link_up() {
    if (active_ && waiting_retry_ && !in_flight_) {
        ++gen_;  // the pending retry timer is void
        waiting_retry_ = false;
        schedule_ask(std::chrono::milliseconds(0));
    }
}

void package_fetcher::done(update_result r) {
    active_ = false;
    in_flight_ = false;
    ++gen_;
    if (link_) {
        link_->cancel();
        old_links_.push_back(std::move(link_));
    }
    remove_state();
    if (r == update_result::initial)
        log("fw_download_done", {{"uri", uri_},
                                 {"bytes", std::to_string(bytes_)},
                                 {"blocks", std::to_string(fetched_)}});
    fw_.fetch_done(r);
}

void package_fetcher::on_reply(const reply& r) {
    if (!active_ || !in_flight_) return;
    in_flight_ = false;
    const unsigned cls = static_cast<unsigned>(r.code) >> 5;
    if (r.code == status::service_unavailable || cls == 5) {
        retry(r.reason.empty() ? "server error" : r.reason);
        return;
    }
    if (r.code != status::content) {
        log("fw_download_failed",
            {{"uri", uri_},
             {"result", "7"},
             {"code",
              std::to_string(cls) + "." + std::to_string(static_cast<unsigned>(r.code) & 31)}});
        done(update_result::invalid_uri);
        return;
    }
    const std::string etag = to_hex(r.etag);
    if (r.num != next_) {
        retry("the server sent another block");
        return;
    }
    if (!etag_.empty() && etag != etag_) {
        log("fw_etag_changed", {{"uri", uri_}, {"block", std::to_string(next_)}});
        if (++restarts_ > 3) {
            done(update_result::integrity_failure);
            return;
        }
        next_ = 0;
        bytes_ = 0;
        etag_.clear();
        if (sink_ != nullptr) (void)sink_->resume_at(0);
        save_state();
        schedule_ask(std::chrono::milliseconds(0));
        return;
    }
    if (next_ == 0) {
        etag_ = etag;
        if (target_.size && r.total != 0 && r.total != *target_.size) {
            log("fw_download_failed",
                {{"uri", uri_},
                 {"result", "5"},
                 {"reason", "Size2 " + std::to_string(r.total) + " differs from size " +
                                std::to_string(*target_.size)}});
            done(update_result::integrity_failure);
            return;
        }
    }
    if (r.more && r.body.size() != bs_) {
        retry("a middle block of another size");
        return;
    }
    const std::uint64_t g = gen_;
    fw_.fetched_chunk(r.body);
    if (g != gen_ || !active_) return;  // the sink refused it: firmware_update failed us
    if (fw_.state() != client::firmware_state::downloading) {
        active_ = false;
        return;
    }
    ++next_;
    ++fetched_;
    bytes_ += r.body.size();
    last_progress_ = clock_();
    if (!r.more) {
        if (target_.size && bytes_ != *target_.size) {
            log("fw_download_failed",
                {{"uri", uri_},
                 {"result", "5"},
                 {"reason", "got " + std::to_string(bytes_) + " bytes, size says " +
                                std::to_string(*target_.size)}});
            done(update_result::integrity_failure);
            return;
        }
        done(update_result::initial);
        return;
    }
    save_state();
    schedule_ask(o_.block_delay);
}

void package_fetcher::on_client_event(const client::client_event& ev) {
    using k = client::client_event_kind;
    if (ev.kind == k::registered || ev.kind == k::updated) {
        server_ = ev.server;
        link_up();
        return;
    }
    if (ev.kind == k::fetch_block) {
        if (!mq2m_fetch_ || ev.fetch != *mq2m_fetch_) return;
        mq2m_fetch_.reset();
        reply r;
        r.code = ev.code;
        r.body = ev.body;
        r.etag = ev.etag;
        r.num = ev.block_num;
        r.more = ev.more;
        r.total = ev.total;
        r.reason = ev.err.code != errc::ok ? std::string(ev.err.reason) : std::string();
        on_reply(r);
    }
}

bool package_fetcher::resume() {
    if (active_) return false;
    auto st = load_state();
    if (!st) return false;
    log("fw_download_resume", {{"uri", st->uri}, {"next_block", std::to_string(st->next)}});
    auto s = fw_.write(0, client::firmware_res::package_uri, std::nullopt,
                       lwm2m::value::of_string(st->uri));
    return s == status::changed && active_;
}

}  // namespace sirocco::runtime
