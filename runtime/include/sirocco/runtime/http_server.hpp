// A small HTTP/1.1 server (RFC 9110 / RFC 9112) on Boost.Beast, for the
// server's REST API, its event stream and /metrics. Host-only; it runs on an
// asio::io_context that any number of threads may run: each connection
// (session) has its own strand, so a session's handlers never run
// concurrently, while different sessions run in parallel.
//
// What it does:
//   - keep-alive (HTTP/1.1 default, HTTP/1.0 with "Connection: keep-alive"),
//     one request at a time per connection, an idle timeout between requests;
//   - a router: method + path pattern, literal segments, "{name}" segments
//     and a trailing "{name...}" that takes the rest of the path (one or more
//     segments). Segments are percent-decoded after the split, so "%2F" stays
//     inside its segment. One trailing '/' is ignored ("/api/clients/").
//     No route for the path: 404; a route for the path but not the method:
//     405 with an Allow header;
//   - the query string parsed into (name, value) pairs (percent-decoding,
//     '+' as space); a malformed escape in path or query: 400;
//   - a request body limit (server_config::body_limit, 1 MiB): beyond it 413
//     and the connection is closed;
//   - JSON error bodies {"message": "..."} on 400/404/405/413/500/503 that
//     the server itself produces (response::error() for handlers);
//   - asynchronous handlers: a handler gets a `responder` it may complete
//     later, from any thread; a responder dropped without an answer sends 500;
//   - server-sent events (WHATWG HTML, "Server-sent events"): a stream
//     route hands an `event_stream` to its handler; events are written as
//     "event: <name>\ndata: <line>\n...\n\n", a comment ": keep-alive" every
//     server_config::sse_keepalive, a client that goes away is noticed (the
//     stream's on_close callbacks run), a client that does not read is cut off
//     once sse_queue_limit bytes wait for it;
//   - bind to an address ("127.0.0.1", "0.0.0.0", "::1") and a port (0 picks
//     a free one: port() tells which);
//   - stop(): stops accepting, closes idle connections and event streams at
//     once, lets in-flight requests send their response (at most
//     server_config::stop_grace), then closes them.
//
// Lifetimes: handlers are copied into the server; what they capture must
// live until every session has ended (stop() and then the io_context's
// run() has returned, or the io_context destroyed). The `server` object may
// be destroyed before its sessions end (they keep the shared state alive).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sirocco/runtime/asio.hpp"

namespace sirocco::runtime::http {

enum class verb : std::uint8_t { get, head, post, put, delete_, patch, options, other };
/// "GET", "DELETE", ... ("OTHER" for other).
std::string_view verb_name(verb v) noexcept;

using string_pairs = std::vector<std::pair<std::string, std::string>>;

/// Percent-decodes `s` (RFC 3986, 2.1); with `plus_as_space`, '+' is a space
/// (application/x-www-form-urlencoded query strings). nullopt when a '%' is
/// not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view s, bool plus_as_space);
/// Parses "a=1&b=x%20y&flag" into {{"a","1"},{"b","x y"},{"flag",""}} in
/// order (empty parts skipped). nullopt on a malformed escape.
std::optional<string_pairs> parse_query(std::string_view query);

/// One HTTP request as a handler sees it. Owned by the session; valid only
/// during the handler call (copy what you need for later).
struct request {
    verb method = verb::other;
    std::string method_name;  ///< as sent ("GET")
    std::string target;       ///< raw request-target ("/api/clients?x=1")
    std::string path;         ///< the path part of target, still encoded
    std::string raw_query;    ///< after '?', still encoded ("" when none)
    string_pairs query;       ///< decoded (name, value) pairs, in order
    string_pairs params;      ///< route parameters by name ("{ep}" -> "ep"), decoded
    std::string rest;         ///< "{name...}" also lands here: "3/0/1" (decoded segments)
    string_pairs headers;     ///< field names in lower case
    std::string body;
    std::string remote;     ///< peer "address:port"
    unsigned version = 11;  ///< 10 or 11

    /// First query parameter with that name, or nullptr.
    const std::string* query_param(std::string_view name) const noexcept;
    /// Route parameter, "" when absent.
    std::string_view param(std::string_view name) const noexcept;
    /// Header (name in any case), "" when absent.
    std::string_view header(std::string_view name) const noexcept;
};

struct response {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
    string_pairs headers;  ///< extra fields

    static response json(unsigned status, std::string body);
    static response text(unsigned status, std::string body,
                         std::string content_type = "text/plain; charset=utf-8");
    /// {"message": "<message>"} with `status`.
    static response error(unsigned status, std::string_view message);
};

/// Completes one request. Copyable (copies share the request); thread-safe.
/// The response is written on the session's strand. If every copy is
/// destroyed without send(), the client gets 500 {"message":"no answer"}.
class responder {
  public:
    responder() = default;
    /// Sends `r`; only the first call counts (later calls return false). Also
    /// false when the connection is already gone.
    bool send(response r) const;
    /// Whether send() has not been called yet.
    bool pending() const noexcept;

    struct state;
    explicit responder(std::shared_ptr<state> s) : s_(std::move(s)) {}

  private:
    std::shared_ptr<state> s_;
};

/// One server-sent events stream. Copyable (copies share the stream);
/// thread-safe. Holds the session weakly: keeping an event_stream does not
/// keep a closed connection alive.
class event_stream {
  public:
    event_stream() = default;
    /// Queues one event. `data` is split on '\n' into data: lines. `name`
    /// empty: no event: line (the client's default "message"). Returns false
    /// when the stream is closed (nothing queued).
    bool send(std::string_view name, std::string_view data) const;
    /// Queues a comment line (": text"), e.g. a keep-alive.
    bool comment(std::string_view text) const;
    bool is_open() const noexcept;
    /// Ends the stream (the connection is closed); on_close callbacks run.
    void close() const;
    /// `f` runs once when the stream ends for any reason (client gone,
    /// close(), server stop, overflow), on the session's strand; at once
    /// (on the caller's thread) when it has already ended.
    void on_close(std::function<void()> f) const;

    struct state;
    explicit event_stream(std::shared_ptr<state> s) : s_(std::move(s)) {}

  private:
    std::shared_ptr<state> s_;
};

/// A request handler: runs on the session's strand; must not block; answers
/// through `r` now or later.
using handler = std::function<void(const request& req, responder r)>;
/// An event-stream handler (GET only): return nullopt to start the stream
/// (status 200, text/event-stream) and keep `s` for sending, or a response to
/// refuse (e.g. 400), in which case the stream never starts.
using stream_handler =
    std::function<std::optional<response>(const request& req, const event_stream& s)>;
/// Called once per request after its response is written (or its event
/// stream ended, status 200 and empty body), on the session's strand:
/// metrics, access and error logs. `body` is the response body (the JSON
/// error for 4xx/5xx), valid during the call. Also called for the answers the
/// server gives by itself (404, 405, 413, 400).
using response_observer =
    std::function<void(const request& req, unsigned status, std::string_view body)>;

struct server_config {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  ///< 0: any free port
    std::size_t body_limit = 1024 * 1024;
    std::chrono::milliseconds idle_timeout{60000};  ///< keep-alive wait, and to read a request
    std::chrono::milliseconds sse_keepalive{15000};
    std::size_t sse_queue_limit = 4 * 1024 * 1024;  ///< bytes waiting for a slow client
    std::chrono::milliseconds stop_grace{5000};
    std::string server_name = "sirocco";
};

class server {
  public:
    explicit server(asio::io_context& io, server_config cfg = {});
    ~server();  ///< stop()
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Adds a route (before start()). Routes are tried in the order added;
    /// the first whose method and pattern match wins. Throws
    /// std::invalid_argument for a malformed pattern (not starting with '/',
    /// "{name...}" not last, an empty or unclosed "{").
    void route(verb method, std::string_view pattern, handler h);
    /// Adds an event-stream route for GET (before start()).
    void stream(std::string_view pattern, stream_handler h);
    void on_response(response_observer obs);

    /// Binds and listens (backlog: the system's maximum), then accepts until
    /// stop(). Errors: the bind / listen error (address in use, bad address,
    /// permission denied); invalid_argument for an address that does not
    /// parse. Call once.
    error_code start();
    /// The bound port (after start()).
    std::uint16_t port() const noexcept;
    /// Graceful stop (see above); thread-safe; idempotent. Returns at once.
    void stop();
    /// Open connections (tests).
    std::size_t session_count() const;

    struct shared;

  private:
    std::shared_ptr<shared> s_;
};

}  // namespace sirocco::runtime::http
