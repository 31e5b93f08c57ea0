// The REST API of sirocco-server: the paths, parameters and JSON shapes of
// Eclipse Leshan's demo server (leshan-demo-server 2.x, ClientServlet,
// EventServlet, ObjectSpecServlet), over a device_manager, plus Prometheus
// /metrics. docs/rest-api.md describes every route with curl examples.
// Host-only.
//
// Routes (ep = endpoint name, path = an LwM2M path such as 3/0/1):
//   GET    /api/clients                        registrations (array)
//   GET    /api/clients/{ep}                   one registration
//   GET    /api/clients/{ep}/{path}            Read         ?format=&timeout=
//   GET    /api/clients/{ep}/{path}/discover   Discover     ?timeout=
//   PUT    /api/clients/{ep}/{path}            Write        ?format=&timeout=&replace=true|false
//   PUT    /api/clients/{ep}/{path}/attributes Write-Attributes ?pmin=&pmax=&gt=&lt=&st=...
//   POST   /api/clients/{ep}/{o}[/{i}]         Create (body: an instance node)
//   POST   /api/clients/{ep}/{o}/{i}/{r}       Execute (body: the arguments, text)
//   DELETE /api/clients/{ep}/{path}            Delete
//   POST   /api/clients/{ep}/{path}/observe    Observe      ?format=&timeout=
//   DELETE /api/clients/{ep}/{path}/observe    Cancel observation (?active: send a
//                                              cancelling GET; without it, forget it)
//   GET    /api/clients/{ep}/composite         Read-Composite ?paths=/3/0/1,/1/0&format=
//                                              (or nodeformat=) &pathformat=&timeout=
//   PUT    /api/clients/{ep}/composite         Write-Composite (body {path: node})
//   POST   /api/clients/{ep}/composite/observe Observe-Composite ?paths=...
//   DELETE /api/clients/{ep}/composite/observe Cancel it ?paths=...[&active]
//   GET    /api/objectspecs/{ep}               the object models of the client's objects
//   GET    /api/event[?ep=...]                 server-sent events: REGISTRATION, UPDATED,
//                                              DEREGISTRATION, SLEEPING, AWAKE,
//                                              NOTIFICATION, SEND
//   GET    /metrics                            Prometheus text 0.0.4
//   PUT    /api/security/clients               add or replace a security entry
//                                              (201 created, 200 replaced; 400 naming
//                                              the bad field; 409 identity or key of
//                                              another endpoint)
//   GET    /api/security/clients               every entry (array)
//   DELETE /api/security/clients/{ep}          200, 404 when there is none
//   GET    /api/security/server                the server's public key / certificate
//   (the /api/security routes only when options::security is set; Leshan's
//   demo answers 200 to every PUT and to a DELETE of nothing, and 400 for a
//   taken identity: we answer with the HTTP codes above instead)
//
// Answers: 200 with the Leshan response JSON when the device answered (also
// for its 4.xx/5.xx: "success":false, "status":"NOT_FOUND"). Errors as JSON
// {"message": "..."}: 400 bad path / parameter / body, 404 unknown endpoint
// ("no registered client with endpoint 'x'") or unknown route, 504 when the
// device did not answer in time (Leshan also answers 504 to a timeout),
// 500 for a transport failure or a cancelled request.
//
// Threads: handlers run on HTTP session strands; device answers and server
// events arrive on the device_manager's core thread and are handed to the
// session without blocking.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "sirocco/runtime/device_manager.hpp"
#include "sirocco/runtime/http_server.hpp"
#include "sirocco/runtime/metrics.hpp"
#include "sirocco/server/security_store.hpp"

namespace sirocco::runtime::rest {

enum class severity : std::uint8_t { debug, info, warn, error };
/// Log sink: one call per line (thread-safe on the caller's side; called from
/// HTTP strands and from the core thread).
using log_fn = std::function<void(severity, std::string)>;

/// The security store as the REST API sees it (server_runner implements it).
/// Called from HTTP threads: implementations are thread-safe.
class security_admin {
  public:
    virtual ~security_admin() = default;
    /// Adds or replaces the entry (sessions authenticated with the old entry
    /// of that endpoint are closed). Errors: those of security_store::put()
    /// (invalid_argument -> 400, not_allowed -> 409, others -> 500).
    virtual result<server::put_outcome> put_security(const server::security_entry& e) = 0;
    /// Every entry, ordered by endpoint.
    virtual std::vector<server::security_entry> security_entries() const = 0;
    /// Removes the entry (and closes that endpoint's secure sessions).
    /// Errors: not_found (-> 404), others -> 500.
    virtual result<server::security_entry> remove_security(std::string_view endpoint) = 0;
    /// The server's own credentials for GET /api/security/server: its
    /// SubjectPublicKeyInfo DER and certificate DER (either may be empty).
    struct server_credentials {
        std::vector<std::uint8_t> public_key;
        std::vector<std::uint8_t> certificate;
    };
    virtual server_credentials server_security() const = 0;
};

struct options {
    /// Used when a request has no ?timeout= (Leshan: 5 s).
    std::chrono::milliseconds default_timeout{5000};
    /// Largest ?timeout= accepted (seconds beyond it: 400).
    std::chrono::milliseconds max_timeout{std::chrono::minutes(10)};
    /// The security store behind /api/security (not owned, must outlive
    /// the HTTP sessions); nullptr: those routes are not installed (404).
    security_admin* security = nullptr;
};

/// Adds every route above to `http` (call before http.start()) and sets its
/// response observer: sirocco_http_requests_total{code} in `m`, and one log
/// line per request: debug for successes, warn for every error answer (4xx,
/// 504; the API's own and the HTTP server's 404/405/413/400) with the
/// reason from its JSON body, error for 500.
/// Lifetimes: `dm`, `m` and `log`'s captures must outlive every HTTP session
/// (stop the http::server and let its io_context finish first). Event
/// streams unsubscribe from `dm` when they close.
void install(http::server& http, device_manager& dm, metrics& m, log_fn log, options opt = {});

}  // namespace sirocco::runtime::rest
