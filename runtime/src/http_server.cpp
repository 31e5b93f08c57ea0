#include "sirocco/runtime/http_server.hpp"

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace sirocco::runtime::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string_view verb_name(verb v) noexcept {
    switch (v) {
        case verb::get:
            return "GET";
        case verb::head:
            return "HEAD";
        case verb::post:
            return "POST";
        case verb::put:
            return "PUT";
        case verb::delete_:
            return "DELETE";
        case verb::patch:
            return "PATCH";
        case verb::options:
            return "OPTIONS";
        case verb::other:
            break;
    }
    return "OTHER";
}

namespace {

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

verb from_beast(bhttp::verb v) noexcept {
    switch (v) {
        case bhttp::verb::get:
            return verb::get;
        case bhttp::verb::head:
            return verb::head;
        case bhttp::verb::post:
            return verb::post;
        case bhttp::verb::put:
            return verb::put;
        case bhttp::verb::delete_:
            return verb::delete_;
        case bhttp::verb::patch:
            return verb::patch;
        case bhttp::verb::options:
            return verb::options;
        default:
            return verb::other;
    }
}

struct segment {
    enum class kind : std::uint8_t { literal, param, rest };
    kind k = kind::literal;
    std::string text;  // literal text, or parameter name
};

struct route_entry {
    bool is_stream = false;
    verb method = verb::get;
    std::vector<segment> segments;
    handler h;
    stream_handler sh;
};

std::vector<segment> compile_pattern(std::string_view pattern) {
    if (pattern.empty() || pattern.front() != '/')
        throw std::invalid_argument("route pattern must start with '/'");
    std::vector<segment> out;
    std::string_view rest = pattern.substr(1);
    if (rest.empty()) return out;  // "/"
    while (true) {
        const std::size_t slash = rest.find('/');
        const std::string_view part = rest.substr(0, slash);
        if (!out.empty() && out.back().k == segment::kind::rest)
            throw std::invalid_argument("'{name...}' must be the last segment");
        segment s;
        if (!part.empty() && part.front() == '{') {
            if (part.size() < 3 || part.back() != '}')
                throw std::invalid_argument("malformed '{' segment in route pattern");
            std::string_view name = part.substr(1, part.size() - 2);
            if (name.size() > 3 && name.substr(name.size() - 3) == "...") {
                s.k = segment::kind::rest;
                name.remove_suffix(3);
            } else {
                s.k = segment::kind::param;
            }
            if (name.empty() || name.find_first_of("{}/") != std::string_view::npos)
                throw std::invalid_argument("malformed parameter name in route pattern");
            s.text = std::string(name);
        } else {
            if (part.find_first_of("{}") != std::string_view::npos)
                throw std::invalid_argument("'{' or '}' inside a literal route segment");
            s.text = std::string(part);
        }
        out.push_back(std::move(s));
        if (slash == std::string_view::npos) break;
        rest = rest.substr(slash + 1);
    }
    return out;
}

// Splits an encoded path into decoded segments; "/" -> {}; one trailing '/'
// ignored. nullopt on a malformed escape.
std::optional<std::vector<std::string>> split_path(std::string_view path) {
    std::vector<std::string> out;
    if (path.empty() || path.front() != '/') return std::nullopt;
    path.remove_prefix(1);
    if (!path.empty() && path.back() == '/') path.remove_suffix(1);
    if (path.empty()) return out;
    while (true) {
        const std::size_t slash = path.find('/');
        auto seg = percent_decode(path.substr(0, slash), false);
        if (!seg) return std::nullopt;
        out.push_back(std::move(*seg));
        if (slash == std::string_view::npos) break;
        path = path.substr(slash + 1);
    }
    return out;
}

bool match_route(const route_entry& r, const std::vector<std::string>& segs, string_pairs& params,
                 std::string& rest) {
    params.clear();
    rest.clear();
    std::size_t i = 0;
    for (const segment& s : r.segments) {
        if (s.k == segment::kind::rest) {
            if (i >= segs.size()) return false;
            std::string joined;
            for (std::size_t j = i; j < segs.size(); ++j) {
                if (j > i) joined += '/';
                joined += segs[j];
            }
            rest = joined;
            params.emplace_back(s.text, std::move(joined));
            return true;
        }
        if (i >= segs.size()) return false;
        if (s.k == segment::kind::literal) {
            if (segs[i] != s.text) return false;
        } else {
            if (segs[i].empty()) return false;
            params.emplace_back(s.text, segs[i]);
        }
        ++i;
    }
    return i == segs.size();
}

std::string format_event(std::string_view name, std::string_view data) {
    std::string out;
    out.reserve(name.size() + data.size() + 24);
    if (!name.empty()) {
        out += "event: ";
        for (char c : name)
            out += (c == '\n' || c == '\r') ? ' ' : c;
        out += '\n';
    }
    while (true) {
        const std::size_t nl = data.find('\n');
        std::string_view line = data.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out += "data: ";
        out += line;
        out += '\n';
        if (nl == std::string_view::npos) break;
        data = data.substr(nl + 1);
    }
    out += '\n';
    return out;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s, bool plus_as_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            const int hi = hex_digit(s[i + 1]);
            const int lo = hex_digit(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_as_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

std::optional<string_pairs> parse_query(std::string_view query) {
    string_pairs out;
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view part = query.substr(0, amp);
        if (!part.empty()) {
            const std::size_t eq = part.find('=');
            auto name = percent_decode(part.substr(0, eq), true);
            auto val = percent_decode(
                eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1), true);
            if (!name || !val) return std::nullopt;
            out.emplace_back(std::move(*name), std::move(*val));
        }
        if (amp == std::string_view::npos) break;
        query = query.substr(amp + 1);
    }
    return out;
}

const std::string* request::query_param(std::string_view name) const noexcept {
    for (const auto& [k, v] : query)
        if (k == name) return &v;
    return nullptr;
}

std::string_view request::param(std::string_view name) const noexcept {
    for (const auto& [k, v] : params)
        if (k == name) return v;
    return {};
}

std::string_view request::header(std::string_view name) const noexcept {
    for (const auto& [k, v] : headers)
        if (iequal(k, name)) return v;
    return {};
}

response response::json(unsigned status, std::string body) {
    response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

response response::text(unsigned status, std::string body, std::string content_type) {
    response r;
    r.status = status;
    r.content_type = std::move(content_type);
    r.body = std::move(body);
    return r;
}

response response::error(unsigned status, std::string_view message) {
    nlohmann::json j;
    j["message"] = std::string(message);
    // Replace invalid UTF-8 rather than throw: messages may quote input.
    return json(status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// ---------------------------------------------------------------------------

class session;

struct server::shared {
    shared(asio::io_context& io_, server_config cfg_)
        : io(io_),
          cfg(std::move(cfg_)),
          acc_strand(asio::make_strand(io_)),
          acceptor(acc_strand),
          retry(acc_strand) {}
    asio::io_context& io;
    server_config cfg;
    std::vector<route_entry> routes;
    response_observer observer;
    asio::strand<asio::io_context::executor_type> acc_strand;
    tcp::acceptor acceptor;
    asio::steady_timer retry;
    std::atomic<bool> started{false};
    std::atomic<bool> stopping{false};
    std::atomic<std::uint16_t> port{0};
    mutable std::mutex m;
    std::vector<std::weak_ptr<session>> sessions;

    void notify(const request& req, unsigned status, std::string_view body) {
        if (!observer) return;
        try {
            observer(req, status, body);
        } catch (...) {
        }
    }
};

struct responder::state {
    std::shared_ptr<session> s;
    std::shared_ptr<request> req;
    bool keep_alive = true;
    std::atomic<bool> done{false};
    ~state();
};

struct event_stream::state {
    std::weak_ptr<session> s;
    std::atomic<bool> open{true};
    std::mutex m;
    bool ended = false;
    std::vector<std::function<void()>> on_close;

    // Marks the stream ended and runs the callbacks (once).
    void finish() {
        open = false;
        std::vector<std::function<void()>> cbs;
        {
            std::lock_guard lock(m);
            if (ended) return;
            ended = true;
            cbs.swap(on_close);
        }
        for (auto& f : cbs) {
            try {
                f();
            } catch (...) {
            }
        }
    }
};

class session : public std::enable_shared_from_this<session> {
  public:
    session(tcp::socket sock, std::shared_ptr<server::shared> sh)
        : stream_(std::move(sock)), sh_(std::move(sh)), timer_(stream_.get_executor()) {
        error_code ec;
        const auto ep = stream_.socket().remote_endpoint(ec);
        if (!ec) {
            remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
        }
    }

    auto executor() { return stream_.get_executor(); }
    bool closed() const noexcept { return closed_.load(); }

    void start() {
        asio::post(executor(), [self = shared_from_this()] { self->do_read(); });
    }

    // --- on the strand -----------------------------------------------------

    void stop_from_server() {
        stop_requested_ = true;
        switch (mode_) {
            case mode::reading:
                do_close();
                break;
            case mode::handling:
            case mode::writing:
                timer_.expires_after(sh_->cfg.stop_grace);
                timer_.async_wait([self = shared_from_this()](error_code ec) {
                    if (!ec) self->do_close();
                });
                break;
            case mode::streaming:
                stream_close();
                break;
            case mode::draining:
                do_close();
                break;
            case mode::closed:
                break;
        }
    }

    void deliver(response r, std::shared_ptr<request> req, bool keep_alive) {
        if (mode_ != mode::reading && mode_ != mode::handling) return;
        auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
        out->version(req->version);
        out->result(r.status);
        out->set(bhttp::field::server, sh_->cfg.server_name);
        if (!r.content_type.empty()) out->set(bhttp::field::content_type, r.content_type);
        for (const auto& [k, v] : r.headers)
            out->set(k, v);
        out->body() = std::move(r.body);
        out->keep_alive(keep_alive && !stop_requested_ && !sh_->stopping.load());
        out->prepare_payload();
        mode_ = mode::writing;
        stream_.expires_after(sh_->cfg.idle_timeout);
        bhttp::async_write(stream_, *out,
                           [self = shared_from_this(), out, req](error_code ec, std::size_t) {
                               self->on_write(ec, *out, *req);
                           });
    }

    void stream_enqueue(std::string text) {
        if (mode_ != mode::streaming) return;
        queued_bytes_ += text.size();
        if (queued_bytes_ > sh_->cfg.sse_queue_limit) {
            stream_close();
            return;
        }
        queue_.push_back(std::move(text));
        do_stream_write();
    }

    void stream_close() {
        if (mode_ == mode::closed) return;
        const bool was_streaming = mode_ == mode::streaming;
        do_close();
        if (sse_) sse_->finish();
        if (was_streaming && current_) sh_->notify(*current_, 200, {});
    }

  private:
    enum class mode : std::uint8_t { reading, handling, writing, streaming, draining, closed };

    void do_read() {
        if (mode_ == mode::closed) return;
        if (stop_requested_ || sh_->stopping.load()) {
            do_close();
            return;
        }
        mode_ = mode::reading;
        parser_.emplace();
        parser_->body_limit(sh_->cfg.body_limit);
        parser_->header_limit(16 * 1024);
        stream_.expires_after(sh_->cfg.idle_timeout);
        bhttp::async_read_header(
            stream_, buf_, *parser_,
            [self = shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
    }

    std::shared_ptr<request> make_request(bool with_body) {
        auto req = std::make_shared<request>();
        const auto& msg = parser_->get();
        req->method = from_beast(msg.method());
        req->method_name = std::string(msg.method_string());
        req->target = std::string(msg.target());
        const std::size_t q = req->target.find('?');
        req->path = req->target.substr(0, q);
        if (q != std::string::npos) req->raw_query = req->target.substr(q + 1);
        for (const auto& f : msg) {
            std::string name(f.name_string());
            for (char& c : name)
                c = lower(c);
            req->headers.emplace_back(std::move(name), std::string(f.value()));
        }
        if (with_body) req->body = std::move(parser_->get().body());
        req->remote = remote_;
        req->version = msg.version();
        return req;
    }

    void on_header(error_code ec) {
        if (ec) {
            on_read_error(ec);
            return;
        }
        const auto& msg = parser_->get();
        const auto len = parser_->content_length();
        if (len && *len > sh_->cfg.body_limit) {
            auto req = make_request(false);
            deliver(response::error(413, "request body larger than " +
                                             std::to_string(sh_->cfg.body_limit) + " bytes"),
                    req, false);
            return;
        }
        if (iequal(std::string_view(msg[bhttp::field::expect]), "100-continue")) {
            auto cont = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
            asio::async_write(stream_, asio::buffer(*cont),
                              [self = shared_from_this(), cont](error_code wec, std::size_t) {
                                  if (wec) {
                                      self->do_close();
                                      return;
                                  }
                                  self->read_body();
                              });
            return;
        }
        read_body();
    }

    void read_body() {
        bhttp::async_read(
            stream_, buf_, *parser_,
            [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read_error(error_code ec) {
        if (ec == bhttp::error::body_limit) {
            auto req = make_request(false);
            deliver(response::error(413, "request body larger than " +
                                             std::to_string(sh_->cfg.body_limit) + " bytes"),
                    req, false);
            return;
        }
        const bool parse_error =
            ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
            ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
        if (!parse_error) {
            do_close();
            return;
        }
        // A malformed request: answer once, then close.
        auto req = std::make_shared<request>();
        req->remote = remote_;
        deliver(response::error(400, "malformed HTTP request: " + ec.message()), req, false);
    }

    void on_read(error_code ec) {
        if (ec) {
            on_read_error(ec);
            return;
        }
        const bool keep_alive = parser_->get().keep_alive();
        auto req = make_request(true);
        current_ = req;
        dispatch(req, keep_alive);
    }

    void dispatch(const std::shared_ptr<request>& req, bool keep_alive) {
        mode_ = mode::handling;
        stream_.expires_never();
        auto segs = split_path(req->path);
        if (!segs) {
            deliver(response::error(400, "malformed percent-encoding in the path"), req,
                    keep_alive);
            return;
        }
        auto query = parse_query(req->raw_query);
        if (!query) {
            deliver(response::error(400, "malformed percent-encoding in the query string"), req,
                    keep_alive);
            return;
        }
        req->query = std::move(*query);
        std::string allow;
        for (const route_entry& r : sh_->routes) {
            string_pairs params;
            std::string rest;
            if (!match_route(r, *segs, params, rest)) continue;
            const verb m = r.is_stream ? verb::get : r.method;
            if (m != req->method) {
                const std::string_view name = verb_name(m);
                if (allow.find(name) == std::string::npos) {
                    if (!allow.empty()) allow += ", ";
                    allow += name;
                }
                continue;
            }
            req->params = std::move(params);
            req->rest = std::move(rest);
            if (r.is_stream) {
                start_stream(r, req, keep_alive);
            } else {
                run_handler(r, req, keep_alive);
            }
            return;
        }
        if (!allow.empty()) {
            auto resp =
                response::error(405, "method " + req->method_name + " not allowed on " + req->path);
            resp.headers.emplace_back("Allow", allow);
            deliver(std::move(resp), req, keep_alive);
            return;
        }
        deliver(response::error(404, "no route for " + req->method_name + " " + req->path), req,
                keep_alive);
    }

    void run_handler(const route_entry& r, const std::shared_ptr<request>& req, bool keep_alive) {
        auto st = std::make_shared<responder::state>();
        st->s = shared_from_this();
        st->req = req;
        st->keep_alive = keep_alive;
        responder resp(st);
        st.reset();
        try {
            r.h(*req, resp);
        } catch (const std::exception& e) {
            resp.send(response::error(500, std::string("internal error: ") + e.what()));
        } catch (...) {
            resp.send(response::error(500, "internal error"));
        }
    }

    void start_stream(const route_entry& r, const std::shared_ptr<request>& req, bool keep_alive) {
        sse_ = std::make_shared<event_stream::state>();
        sse_->s = weak_from_this();
        event_stream es(sse_);
        std::optional<response> refused;
        try {
            refused = r.sh(*req, es);
        } catch (const std::exception& e) {
            refused = response::error(500, std::string("internal error: ") + e.what());
        } catch (...) {
            refused = response::error(500, "internal error");
        }
        if (refused) {
            sse_->finish();
            deliver(std::move(*refused), req, keep_alive);
            return;
        }
        mode_ = mode::streaming;
        std::string head =
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nServer: ";
        head += sh_->cfg.server_name;
        head += "\r\n\r\n";
        queue_.push_front(std::move(head));
        do_stream_write();
        arm_keepalive();
        watch_disconnect();
        if (stop_requested_ || sh_->stopping.load()) stream_close();
    }

    void do_stream_write() {
        if (writing_ || queue_.empty() || mode_ != mode::streaming) return;
        writing_ = true;
        asio::async_write(stream_, asio::buffer(queue_.front()),
                          [self = shared_from_this()](error_code ec, std::size_t) {
                              self->writing_ = false;
                              if (!self->queue_.empty()) {
                                  self->queued_bytes_ -=
                                      std::min(self->queued_bytes_, self->queue_.front().size());
                                  self->queue_.pop_front();
                              }
                              if (ec) {
                                  self->stream_close();
                                  return;
                              }
                              self->do_stream_write();
                          });
    }

    void arm_keepalive() {
        timer_.expires_after(sh_->cfg.sse_keepalive);
        timer_.async_wait([self = shared_from_this()](error_code ec) {
            if (ec || self->mode_ != mode::streaming) return;
            self->stream_enqueue(": keep-alive\n\n");
            self->arm_keepalive();
        });
    }

    void watch_disconnect() {
        stream_.async_read_some(asio::buffer(scratch_),
                                [self = shared_from_this()](error_code ec, std::size_t) {
                                    if (self->mode_ != mode::streaming) return;
                                    if (ec) {
                                        self->stream_close();
                                        return;
                                    }
                                    self->watch_disconnect();
                                });
    }

    void on_write(error_code ec, const bhttp::response<bhttp::string_body>& out,
                  const request& req) {
        sh_->notify(req, out.result_int(), out.body());
        if (ec) {
            do_close();
            return;
        }
        if (!out.keep_alive() || stop_requested_ || sh_->stopping.load()) {
            // Lingering close: the client may still be sending (a body over
            // the limit); reading it for a while lets the response arrive
            // instead of a reset.
            error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            if (stop_requested_ || sh_->stopping.load()) {
                do_close();
                return;
            }
            mode_ = mode::draining;
            drained_ = 0;
            stream_.expires_after(std::chrono::seconds(2));
            drain();
            return;
        }
        current_.reset();
        do_read();
    }

    void drain() {
        stream_.async_read_some(asio::buffer(scratch_),
                                [self = shared_from_this()](error_code ec, std::size_t n) {
                                    if (self->mode_ != mode::draining) return;
                                    self->drained_ += n;
                                    if (ec || self->drained_ > 8 * 1024 * 1024) {
                                        self->do_close();
                                        return;
                                    }
                                    self->drain();
                                });
    }

    void do_close() {
        if (mode_ == mode::closed) return;
        mode_ = mode::closed;
        closed_ = true;
        timer_.cancel();
        error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.socket().close(ignored);
        if (sse_) sse_->open = false;
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buf_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::shared_ptr<server::shared> sh_;
    asio::steady_timer timer_;
    std::string remote_;
    mode mode_ = mode::reading;
    std::atomic<bool> closed_{false};
    bool stop_requested_ = false;
    std::shared_ptr<request> current_;
    // event stream
    std::shared_ptr<event_stream::state> sse_;
    std::deque<std::string> queue_;
    std::size_t queued_bytes_ = 0;
    bool writing_ = false;
    std::size_t drained_ = 0;
    std::array<char, 4096> scratch_{};
};

responder::state::~state() {
    if (done.exchange(true) || !s || s->closed()) return;
    auto sess = s;
    auto rq = req;
    const bool ka = keep_alive;
    asio::post(sess->executor(), [sess, rq, ka] {
        sess->deliver(response::error(500, "no answer from the request handler"), rq, ka);
    });
}

bool responder::send(response r) const {
    if (!s_ || s_->done.exchange(true)) return false;
    if (s_->s->closed()) return false;
    asio::post(s_->s->executor(),
               [sess = s_->s, rq = s_->req, ka = s_->keep_alive, r = std::move(r)]() mutable {
                   sess->deliver(std::move(r), rq, ka);
               });
    return true;
}

bool responder::pending() const noexcept {
    return s_ && !s_->done.load();
}

bool event_stream::send(std::string_view name, std::string_view data) const {
    if (!s_ || !s_->open.load()) return false;
    auto sess = s_->s.lock();
    if (!sess) return false;
    asio::post(sess->executor(), [sess, text = format_event(name, data)]() mutable {
        sess->stream_enqueue(std::move(text));
    });
    return true;
}

bool event_stream::comment(std::string_view text) const {
    if (!s_ || !s_->open.load()) return false;
    auto sess = s_->s.lock();
    if (!sess) return false;
    std::string line = ": ";
    for (char c : text)
        line += (c == '\n' || c == '\r') ? ' ' : c;
    line += "\n\n";
    asio::post(sess->executor(),
               [sess, line = std::move(line)]() mutable { sess->stream_enqueue(std::move(line)); });
    return true;
}

bool event_stream::is_open() const noexcept {
    return s_ && s_->open.load();
}

void event_stream::close() const {
    if (!s_) return;
    if (auto sess = s_->s.lock()) {
        asio::post(sess->executor(), [sess] { sess->stream_close(); });
    } else {
        s_->finish();
    }
}

void event_stream::on_close(std::function<void()> f) const {
    if (!s_ || !f) return;
    {
        std::lock_guard lock(s_->m);
        if (!s_->ended) {
            s_->on_close.push_back(std::move(f));
            return;
        }
    }
    f();
}

// ---------------------------------------------------------------------------

namespace {

void do_accept(const std::shared_ptr<server::shared>& sh) {
    sh->acceptor.async_accept(asio::make_strand(sh->io), [sh](error_code ec, tcp::socket sock) {
        if (ec == asio::error::operation_aborted || !sh->acceptor.is_open()) return;
        if (!ec) {
            if (sh->stopping.load()) {
                error_code ignored;
                sock.close(ignored);
                return;
            }
            auto s = std::make_shared<session>(std::move(sock), sh);
            {
                std::lock_guard lock(sh->m);
                std::erase_if(sh->sessions, [](const auto& w) { return w.expired(); });
                sh->sessions.push_back(s);
            }
            s->start();
            do_accept(sh);
            return;
        }
        // Out of descriptors and the like: try again a little later.
        sh->retry.expires_after(std::chrono::milliseconds(50));
        sh->retry.async_wait([sh](error_code tec) {
            if (!tec && !sh->stopping.load()) do_accept(sh);
        });
    });
}

}  // namespace

server::server(asio::io_context& io, server_config cfg)
    : s_(std::make_shared<shared>(io, std::move(cfg))) {}

server::~server() {
    stop();
}

void server::route(verb method, std::string_view pattern, handler h) {
    route_entry r;
    r.method = method;
    r.segments = compile_pattern(pattern);
    r.h = std::move(h);
    s_->routes.push_back(std::move(r));
}

void server::stream(std::string_view pattern, stream_handler h) {
    route_entry r;
    r.is_stream = true;
    r.method = verb::get;
    r.segments = compile_pattern(pattern);
    r.sh = std::move(h);
    s_->routes.push_back(std::move(r));
}

void server::on_response(response_observer obs) {
    s_->observer = std::move(obs);
}

error_code server::start() {
    if (s_->started.exchange(true)) return asio::error::already_started;
    error_code ec;
    const auto addr = asio::ip::make_address(s_->cfg.address, ec);
    if (ec) return asio::error::invalid_argument;
    const tcp::endpoint ep(addr, s_->cfg.port);
    s_->acceptor.open(ep.protocol(), ec);
    if (ec) return ec;
    s_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) return ec;
    s_->acceptor.bind(ep, ec);
    if (ec) {
        error_code ignored;
        s_->acceptor.close(ignored);
        return ec;
    }
    s_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        error_code ignored;
        s_->acceptor.close(ignored);
        return ec;
    }
    s_->port = s_->acceptor.local_endpoint(ec).port();
    asio::post(s_->acc_strand, [sh = s_] { do_accept(sh); });
    return {};
}

std::uint16_t server::port() const noexcept {
    return s_->port.load();
}

void server::stop() {
    if (s_->stopping.exchange(true)) return;
    asio::post(s_->acc_strand, [sh = s_] {
        error_code ignored;
        sh->acceptor.close(ignored);
        sh->retry.cancel();
    });
    std::vector<std::shared_ptr<session>> live;
    {
        std::lock_guard lock(s_->m);
        for (const auto& w : s_->sessions)
            if (auto s = w.lock()) live.push_back(std::move(s));
    }
    for (auto& s : live)
        asio::post(s->executor(), [s] { s->stop_from_server(); });
}

std::size_t server::session_count() const {
    std::lock_guard lock(s_->m);
    std::size_t n = 0;
    for (const auto& w : s_->sessions) {
        auto s = w.lock();
        if (s && !s->closed()) ++n;
    }
    return n;
}

}  // namespace sirocco::runtime::http
