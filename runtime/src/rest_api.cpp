#include "sirocco/runtime/rest_api.hpp"

#include <algorithm>
#include <charconv>
#include <memory>
#include <utility>

#include "sirocco/codec/format.hpp"
#include "sirocco/codec/link_format.hpp"
#include "sirocco/runtime/leshan_json.hpp"

namespace sirocco::runtime::rest {

namespace {

using leshan::json;

// Shared by every handler (captured by value as a shared_ptr).
struct context {
    device_manager& dm;
    metrics& m;
    log_fn log;
    options opt;

    void write_log(severity s, std::string line) const {
        if (!log) return;
        try {
            log(s, std::move(line));
        } catch (...) {
        }
    }
};
using ctx_ptr = std::shared_ptr<const context>;

std::string describe(const http::request& req) {
    return req.method_name + " " + req.target;
}

// Error answers are logged once, by the response observer (install()).
void refuse(const ctx_ptr&, const http::request&, const http::responder& r, unsigned status,
            const std::string& message) {
    r.send(http::response::error(status, message));
}

// The "message" of a JSON error body (or the body itself, shortened).
std::string error_message(std::string_view body) {
    auto p = leshan::parse_json(body);
    if (p.ok() && p.value->is_object() && p.value->contains("message") &&
        (*p.value)["message"].is_string())
        return (*p.value)["message"].get<std::string>();
    return std::string(body.substr(0, 200));
}

void send_json(const http::responder& r, const json& j, unsigned status = 200) {
    r.send(http::response::json(status, leshan::dump(j)));
}

std::string no_client(std::string_view ep) {
    return "no registered client with endpoint '" + std::string(ep) + "'";
}

// --- parameters --------------------------------------------------------------

struct bad_request {
    std::string message;
};

std::string format_names() {
    std::string s;
    for (const auto& f : codec::formats()) {
        if (!s.empty()) s += ", ";
        s += f.short_name;
    }
    return s;
}

std::optional<codec::content_format> format_param(const http::request& req,
                                                  std::initializer_list<const char*> names) {
    for (const char* n : names) {
        const std::string* v = req.query_param(n);
        if (!v) continue;
        const codec::format_info* f = codec::find_format(std::string_view(*v));
        if (!f) throw bad_request{"format '" + *v + "' unknown (" + format_names() + ")"};
        return f->format;
    }
    return std::nullopt;
}

std::chrono::milliseconds timeout_param(const http::request& req, const options& opt) {
    const std::string* v = req.query_param("timeout");
    if (!v) return opt.default_timeout;
    std::uint64_t s = 0;
    const auto res = std::from_chars(v->data(), v->data() + v->size(), s);
    if (res.ec != std::errc() || res.ptr != v->data() + v->size() || s == 0)
        throw bad_request{"timeout '" + *v + "' is not a number of seconds (1 or more)"};
    const auto max_s = std::chrono::duration_cast<std::chrono::seconds>(opt.max_timeout).count();
    if (s > static_cast<std::uint64_t>(max_s))
        throw bad_request{"timeout " + *v + " s is more than the " + std::to_string(max_s) +
                          " s allowed"};
    return std::chrono::seconds(s);
}

bool bool_param(const http::request& req, const char* name, bool absent, bool present_empty) {
    const std::string* v = req.query_param(name);
    if (!v) return absent;
    if (v->empty()) return present_empty;
    if (*v == "true") return true;
    if (*v == "false") return false;
    throw bad_request{std::string(name) + " must be true or false, not '" + *v + "'"};
}

lwm2m::path parse_path(std::string_view text) {
    auto p = lwm2m::path::parse(text);
    if (!p || p->is_root())
        throw bad_request{"'" + std::string(text) + "' is not a valid LwM2M path"};
    return *p;
}

std::vector<lwm2m::path> paths_param(const http::request& req) {
    const std::string* v = req.query_param("paths");
    if (!v || v->empty())
        throw bad_request{"missing query parameter 'paths' (e.g. paths=/3/0/1,/1/0/1)"};
    std::vector<lwm2m::path> out;
    std::string_view rest = *v;
    while (true) {
        const auto comma = rest.find(',');
        out.push_back(parse_path(rest.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
    }
    return out;
}

// The path from the route's rest ("3/0/1" or "3/0/1/observe") without the
// trailing action word.
std::string_view strip_action(std::string_view rest, std::string_view action) {
    if (rest.size() > action.size() + 1 && rest.substr(rest.size() - action.size()) == action &&
        rest[rest.size() - action.size() - 1] == '/')
        return rest.substr(0, rest.size() - action.size() - 1);
    return {};
}

bool ends_with_action(std::string_view rest, std::string_view action) {
    return !strip_action(rest, action).empty();
}

void check_depth(const lwm2m::path& p, std::size_t min, std::size_t max, const char* op) {
    if (p.depth() < min || p.depth() > max) {
        static const char* const names[] = {"", "object", "object instance", "resource",
                                            "resource instance"};
        std::string allowed;
        for (std::size_t d = min; d <= max; ++d) {
            if (!allowed.empty()) allowed += d == max ? " or " : ", ";
            allowed += names[d];
        }
        throw bad_request{std::string(op) + " needs a path to a " + allowed + ", not " +
                          leshan::path_text(p)};
    }
}

const json& body_json(const http::request& req, json& storage) {
    auto p = leshan::parse_json(req.body);
    if (!p.ok()) throw bad_request{p.error};
    storage = std::move(*p.value);
    return storage;
}

bool is_json_body(const http::request& req) {
    std::string_view ct = req.header("content-type");
    ct = ct.substr(0, ct.find(';'));
    while (!ct.empty() && ct.back() == ' ')
        ct.remove_suffix(1);
    return ct.empty() || ct == "application/json";
}

bool is_text_body(const http::request& req) {
    std::string_view ct = req.header("content-type");
    ct = ct.substr(0, ct.find(';'));
    return ct == "text/plain";
}

// A text/plain Write of one resource (Leshan accepts it too): the text as the
// resource's value, in the model's type.
std::vector<lwm2m::owned_record> text_write(const http::request& req, const lwm2m::path& p,
                                            const leshan::model_lookup& models) {
    if (!p.is_resource())
        throw bad_request{"a text/plain body can only write a resource, not " +
                          leshan::path_text(p)};
    json node{{"id", p.at(2)}, {"kind", "singleResource"}};
    const auto* rm = models.resource(p.at(0), p.at(2));
    const lwm2m::data_type t =
        rm && rm->type != lwm2m::data_type::none ? rm->type : lwm2m::data_type::string;
    node["type"] = std::string(lwm2m::to_string(t));
    if (t == lwm2m::data_type::boolean) {
        if (req.body != "true" && req.body != "false" && req.body != "1" && req.body != "0")
            throw bad_request{"'" + req.body + "' is not a boolean for " + leshan::path_text(p)};
        node["value"] = req.body == "true" || req.body == "1";
    } else if (t == lwm2m::data_type::time) {
        std::int64_t s = 0;
        const auto res = std::from_chars(req.body.data(), req.body.data() + req.body.size(), s);
        if (res.ec != std::errc() || res.ptr != req.body.data() + req.body.size())
            throw bad_request{"'" + req.body + "' is not a time in seconds for " +
                              leshan::path_text(p)};
        node["value"] = s * 1000;
    } else {
        node["value"] = req.body;
    }
    auto parsed = leshan::parse_node(node, p, models);
    if (!parsed.ok()) throw bad_request{parsed.error};
    return std::move(*parsed.value);
}

// --- submitting ------------------------------------------------------------

std::string operation(const server::dm_request& r) {
    struct namer {
        const char* operator()(const server::read_request&) const { return "read"; }
        const char* operator()(const server::write_request&) const { return "write"; }
        const char* operator()(const server::execute_request&) const { return "execute"; }
        const char* operator()(const server::create_request&) const { return "create"; }
        const char* operator()(const server::delete_request&) const { return "delete"; }
        const char* operator()(const server::discover_request&) const { return "discover"; }
        const char* operator()(const server::write_attributes_request&) const {
            return "write-attributes";
        }
        const char* operator()(const server::observe_request&) const { return "observe"; }
        const char* operator()(const server::cancel_observation_request&) const {
            return "cancel-observation";
        }
        const char* operator()(const server::read_composite_request&) const {
            return "read-composite";
        }
        const char* operator()(const server::observe_composite_request&) const {
            return "observe-composite";
        }
        const char* operator()(const server::cancel_composite_observation_request&) const {
            return "cancel-composite-observation";
        }
        const char* operator()(const server::write_composite_request&) const {
            return "write-composite";
        }
    };
    return std::visit(namer{}, r);
}

struct reply_shape {
    leshan::response_kind kind = leshan::response_kind::plain;
    lwm2m::path path;
    std::vector<lwm2m::path> paths;
};

void submit(const ctx_ptr& c, const http::request& /*req*/, const http::responder& r,
            const server::registration& reg, server::dm_request dreq,
            std::chrono::milliseconds timeout, reply_shape shape) {
    auto reg_copy = std::make_shared<server::registration>(reg);
    const std::string op = operation(dreq);
    c->dm.submit(reg.endpoint, std::move(dreq), timeout,
                 [c, r, reg_copy, shape = std::move(shape), op](server::response res) {
                     const leshan::model_lookup models(&c->dm.models(), &reg_copy->objects);
                     unsigned status = 0;
                     std::string message;
                     switch (res.fail) {
                         case server::failure::none:
                             try {
                                 send_json(r, leshan::response_json(res, shape.kind, shape.path,
                                                                    shape.paths, models));
                             } catch (const std::exception& e) {
                                 status = 500;
                                 message = std::string("could not format the answer: ") + e.what();
                                 break;
                             }
                             return;
                         case server::failure::timeout:
                         case server::failure::expired:
                             status = 504;
                             message = "request timeout (" + op + ")" +
                                       (res.error.empty() ? "" : ": " + res.error);
                             break;
                         case server::failure::not_registered:
                             status = 404;
                             message = no_client(reg_copy->endpoint);
                             break;
                         case server::failure::invalid:
                         case server::failure::unsupported:
                             status = 400;
                             message = "invalid request: " + (res.error.empty() ? op : res.error);
                             break;
                         case server::failure::transport:
                             status = 500;
                             message = "request failed: " + (res.error.empty() ? op : res.error);
                             break;
                         case server::failure::cancelled:
                             status = 500;
                             message = "request cancelled: " + (res.error.empty() ? op : res.error);
                             break;
                     }
                     r.send(http::response::error(status, message));
                 });
}

// Runs `body` with the registration of {ep}; answers 404 when unknown and 400
// for a bad_request it throws.
template <class F>
http::handler with_client(const ctx_ptr& c, F body) {
    return [c, body](const http::request& req, http::responder r) {
        const std::string ep(req.param("ep"));
        try {
            auto reg = c->dm.find(ep);
            if (!reg) {
                refuse(c, req, r, 404, no_client(ep));
                return;
            }
            body(req, r, *reg);
        } catch (const bad_request& e) {
            refuse(c, req, r, 400, e.message);
        }
    };
}

// --- events ----------------------------------------------------------------

std::string_view event_endpoint(const server::event& e) {
    return e.endpoint.empty() ? std::string_view(e.reg.endpoint) : std::string_view(e.endpoint);
}

// The SSE name and data of a server event; empty name for events Leshan has
// no counterpart for.
std::pair<std::string_view, std::string> leshan_event(const device_manager& dm,
                                                      const server::event& e) {
    using server::event_kind;
    const std::string ep(event_endpoint(e));
    const bool reg_matches = e.reg.endpoint == ep;
    const leshan::model_lookup models(&dm.models(), reg_matches ? &e.reg.objects : nullptr);
    switch (e.kind) {
        case event_kind::registered:
            return {"REGISTRATION", leshan::dump(leshan::registration_json(e.reg, false))};
        case event_kind::updated:
            return {"UPDATED",
                    leshan::dump(leshan::registration_update_json(e.reg, e.previous, false))};
        case event_kind::deregistered:
        case event_kind::expired:
            return {"DEREGISTRATION", leshan::dump(leshan::registration_json(e.reg, false))};
        case event_kind::sleeping:
            return {"SLEEPING", leshan::dump(leshan::presence_json(ep))};
        case event_kind::awake:
            return {"AWAKE", leshan::dump(leshan::presence_json(ep))};
        case event_kind::notification: {
            if (!e.obs) return {};
            return {"NOTIFICATION",
                    leshan::dump(leshan::notification_json(ep, *e.obs, e.result.records, models))};
        }
        case event_kind::send:
            return {"SEND", leshan::dump(leshan::send_json(ep, e.result.records, models))};
        default:
            return {};
    }
}

// --- routes ----------------------------------------------------------------

void read_or_discover(const ctx_ptr& c, const http::request& req, const http::responder& r,
                      const server::registration& reg) {
    const auto timeout = timeout_param(req, c->opt);
    if (ends_with_action(req.rest, "discover")) {
        const auto p = parse_path("/" + std::string(strip_action(req.rest, "discover")));
        check_depth(p, 1, 3, "Discover");
        submit(c, req, r, reg, server::discover_request{p}, timeout,
               {leshan::response_kind::discover, p, {}});
        return;
    }
    const auto p = parse_path("/" + req.rest);
    const auto fmt = format_param(req, {"format"});
    submit(c, req, r, reg, server::read_request{p, fmt}, timeout,
           {leshan::response_kind::read, p, {}});
}

void write_or_attributes(const ctx_ptr& c, const http::request& req, const http::responder& r,
                         const server::registration& reg) {
    const auto timeout = timeout_param(req, c->opt);
    if (ends_with_action(req.rest, "attributes")) {
        const auto p = parse_path("/" + std::string(strip_action(req.rest, "attributes")));
        std::string query;
        for (const auto& [k, v] : req.query) {
            if (k == "timeout") continue;
            if (!query.empty()) query += '&';
            query += k;
            if (!v.empty()) query += "=" + v;
        }
        if (query.empty()) throw bad_request{"no attributes given (e.g. ?pmin=10&pmax=60)"};
        if (auto ok = codec::link::parse_query(query); !ok)
            throw bad_request{"invalid attributes '" + query + "': " + ok.error().reason};
        submit(c, req, r, reg, server::write_attributes_request{p, query}, timeout,
               {leshan::response_kind::plain, p, {}});
        return;
    }
    const auto p = parse_path("/" + req.rest);
    check_depth(p, 2, 4, "Write");
    const auto fmt = format_param(req, {"format"});
    const bool replace = bool_param(req, "replace", true, true);
    const leshan::model_lookup models(&c->dm.models(), &reg.objects);
    server::write_request w;
    w.path = p;
    w.mode = replace ? server::write_mode::replace : server::write_mode::partial;
    w.format = fmt;
    if (is_text_body(req)) {
        w.records = text_write(req, p, models);
    } else if (is_json_body(req)) {
        json storage;
        auto parsed = leshan::parse_node(body_json(req, storage), p, models);
        if (!parsed.ok()) throw bad_request{parsed.error};
        w.records = std::move(*parsed.value);
    } else {
        throw bad_request{"content type '" + std::string(req.header("content-type")) +
                          "' not supported (application/json or text/plain)"};
    }
    submit(c, req, r, reg, std::move(w), timeout, {leshan::response_kind::plain, p, {}});
}

void post_path(const ctx_ptr& c, const http::request& req, const http::responder& r,
               const server::registration& reg) {
    const auto timeout = timeout_param(req, c->opt);
    if (ends_with_action(req.rest, "observe")) {
        const auto p = parse_path("/" + std::string(strip_action(req.rest, "observe")));
        const auto fmt = format_param(req, {"format"});
        submit(c, req, r, reg, server::observe_request{p, fmt}, timeout,
               {leshan::response_kind::read, p, {}});
        return;
    }
    const auto p = parse_path("/" + req.rest);
    if (p.is_resource()) {
        submit(c, req, r, reg, server::execute_request{p, req.body}, timeout,
               {leshan::response_kind::plain, p, {}});
        return;
    }
    if (!p.is_object() && !p.is_instance())
        throw bad_request{
            "POST needs an object or instance path (Create) or a resource path "
            "(Execute), not " +
            leshan::path_text(p)};
    if (!is_json_body(req))
        throw bad_request{"content type '" + std::string(req.header("content-type")) +
                          "' not supported for Create (application/json)"};
    const leshan::model_lookup models(&c->dm.models(), &reg.objects);
    json storage;
    const json& body = body_json(req, storage);
    server::create_request cr;
    cr.path = p.is_object() ? p : p.parent();
    cr.format = format_param(req, {"format"});
    auto parsed =
        p.is_object() ? leshan::parse_create(body, p, models) : leshan::parse_node(body, p, models);
    if (!parsed.ok()) throw bad_request{parsed.error};
    cr.records = std::move(*parsed.value);
    const lwm2m::path object = cr.path;
    submit(c, req, r, reg, std::move(cr), timeout, {leshan::response_kind::create, object, {}});
}

void delete_path(const ctx_ptr& c, const http::request& req, const http::responder& r,
                 const server::registration& reg) {
    const auto timeout = timeout_param(req, c->opt);
    if (ends_with_action(req.rest, "observe")) {
        const auto p = parse_path("/" + std::string(strip_action(req.rest, "observe")));
        const bool active = bool_param(req, "active", false, true);
        submit(c, req, r, reg, server::cancel_observation_request{p, active}, timeout,
               {leshan::response_kind::plain, p, {}});
        return;
    }
    const auto p = parse_path("/" + req.rest);
    submit(c, req, r, reg, server::delete_request{p}, timeout,
           {leshan::response_kind::plain, p, {}});
}

// --- security ----------------------------------------------------------------

void install_security(http::server& http, const ctx_ptr& c) {
    security_admin& sec = *c->opt.security;
    http.route(http::verb::put, "/api/security/clients",
               [c, &sec](const http::request& req, http::responder r) {
                   if (!is_json_body(req)) {
                       refuse(c, req, r, 400,
                              "content type '" + std::string(req.header("content-type")) +
                                  "' not supported (application/json)");
                       return;
                   }
                   auto body = leshan::parse_json(req.body);
                   if (!body.ok()) {
                       refuse(c, req, r, 400, body.error);
                       return;
                   }
                   auto e = leshan::parse_security(*body.value);
                   if (!e.ok()) {
                       refuse(c, req, r, 400, e.error);
                       return;
                   }
                   auto put = sec.put_security(*e.value);
                   if (!put) {
                       const unsigned status = put.error().code == errc::invalid_argument ? 400
                                               : put.error().code == errc::not_allowed    ? 409
                                                                                          : 500;
                       refuse(c, req, r, status, put.error().reason);
                       return;
                   }
                   c->write_log(severity::info,
                                "rest: security entry of '" + e.value->endpoint + "' " +
                                    (*put == server::put_outcome::created ? "added" : "replaced") +
                                    " (" + std::string(server::to_string(e.value->mode)) + ")");
                   send_json(r, leshan::security_json(*e.value),
                             *put == server::put_outcome::created ? 201 : 200);
               });
    http.route(http::verb::get, "/api/security/clients",
               [c, &sec](const http::request&, http::responder r) {
                   json arr = json::array();
                   for (const auto& e : sec.security_entries())
                       arr.push_back(leshan::security_json(e));
                   send_json(r, arr);
               });
    http.route(http::verb::delete_, "/api/security/clients/{ep}",
               [c, &sec](const http::request& req, http::responder r) {
                   const std::string ep(req.param("ep"));
                   auto removed = sec.remove_security(ep);
                   if (!removed) {
                       if (removed.error().code == errc::not_found)
                           refuse(c, req, r, 404, "no security entry for endpoint '" + ep + "'");
                       else
                           refuse(c, req, r, 500, removed.error().reason);
                       return;
                   }
                   c->write_log(severity::info, "rest: security entry of '" + ep + "' removed");
                   send_json(r, leshan::security_json(*removed));
               });
    http.route(http::verb::get, "/api/security/server",
               [c, &sec](const http::request&, http::responder r) {
                   auto creds = sec.server_security();
                   send_json(r, leshan::server_security_json(creds.public_key, creds.certificate));
               });
}

}  // namespace

void install(http::server& http, device_manager& dm, metrics& m, log_fn log, options opt) {
    auto c = std::make_shared<const context>(context{dm, m, std::move(log), opt});

    // Every answer is counted; every error answer (the API's, the device
    // failures and the router's own 404/405/413/400) is logged once here.
    http.on_response([c](const http::request& req, unsigned status, std::string_view body) {
        c->m.http_request(status);
        if (status >= 400) {
            c->write_log(status == 500 ? severity::error : severity::warn,
                         "rest: " + std::to_string(status) + " " + describe(req) + ": " +
                             error_message(body));
        } else {
            c->write_log(severity::debug, "rest: " + std::to_string(status) + " " + describe(req) +
                                              " from " + req.remote);
        }
    });

    http.route(http::verb::get, "/api/clients", [c](const http::request&, http::responder r) {
        json arr = json::array();
        for (const auto& reg : c->dm.registrations())
            arr.push_back(leshan::registration_json(reg, c->dm.sleeping(reg.endpoint)));
        send_json(r, arr);
    });

    if (c->opt.security != nullptr) install_security(http, c);

    http.route(http::verb::get, "/metrics", [c](const http::request&, http::responder r) {
        r.send(http::response::text(200, c->m.expose(), std::string(prometheus_content_type)));
    });

    http.route(http::verb::get, "/api/objectspecs/{ep}",
               with_client(c, [c](const http::request&, const http::responder& r,
                                  const server::registration& reg) {
                   json arr = json::array();
                   for (const auto& o : reg.objects.objects) {
                       const auto* om = c->dm.models().find(lwm2m::object_id(o.id), o.version);
                       if (!om && !o.version.empty())
                           om = c->dm.models().find(lwm2m::object_id(o.id));
                       if (om) arr.push_back(leshan::object_model_json(*om));
                   }
                   send_json(r, arr);
               }));

    http.stream(
        "/api/event",
        [c](const http::request& req,
            const http::event_stream& s) -> std::optional<http::response> {
            std::string filter;
            if (const std::string* ep = req.query_param("ep")) filter = *ep;
            const std::uint64_t id = c->dm.subscribe([c, s, filter](const server::event& e) {
                if (!filter.empty() && event_endpoint(e) != filter) return;
                try {
                    auto [name, data] = leshan_event(c->dm, e);
                    if (!name.empty()) s.send(name, data);
                } catch (const std::exception& ex) {
                    c->write_log(severity::error,
                                 std::string("rest: could not format an event: ") + ex.what());
                }
            });
            s.on_close([c, id] { c->dm.unsubscribe(id); });
            c->write_log(severity::debug, "rest: event stream opened from " + req.remote +
                                              (filter.empty() ? "" : " for ep=" + filter));
            return std::nullopt;
        });

    // Composite routes before the generic {path...} ones.
    http.route(http::verb::get, "/api/clients/{ep}/composite",
               with_client(c, [c](const http::request& req, const http::responder& r,
                                  const server::registration& reg) {
                   auto paths = paths_param(req);
                   server::read_composite_request rc{paths,
                                                     format_param(req, {"format", "nodeformat"}),
                                                     format_param(req, {"pathformat"})};
                   submit(c, req, r, reg, std::move(rc), timeout_param(req, c->opt),
                          {leshan::response_kind::composite, {}, std::move(paths)});
               }));
    http.route(http::verb::put, "/api/clients/{ep}/composite",
               with_client(c, [c](const http::request& req, const http::responder& r,
                                  const server::registration& reg) {
                   const auto timeout = timeout_param(req, c->opt);
                   const auto fmt = format_param(req, {"format", "nodeformat"});
                   const leshan::model_lookup models(&c->dm.models(), &reg.objects);
                   json storage;
                   auto parsed = leshan::parse_composite(body_json(req, storage), models);
                   if (!parsed.ok()) throw bad_request{parsed.error};
                   submit(c, req, r, reg,
                          server::write_composite_request{std::move(*parsed.value), fmt}, timeout,
                          {leshan::response_kind::plain, {}, {}});
               }));
    http.route(http::verb::post, "/api/clients/{ep}/composite/observe",
               with_client(c, [c](const http::request& req, const http::responder& r,
                                  const server::registration& reg) {
                   auto paths = paths_param(req);
                   server::observe_composite_request oc{paths,
                                                        format_param(req, {"format", "nodeformat"}),
                                                        format_param(req, {"pathformat"})};
                   submit(c, req, r, reg, std::move(oc), timeout_param(req, c->opt),
                          {leshan::response_kind::composite, {}, std::move(paths)});
               }));
    http.route(http::verb::delete_, "/api/clients/{ep}/composite/observe",
               with_client(c, [c](const http::request& req, const http::responder& r,
                                  const server::registration& reg) {
                   auto paths = paths_param(req);
                   const bool active = bool_param(req, "active", false, true);
                   submit(c, req, r, reg,
                          server::cancel_composite_observation_request{std::move(paths), active},
                          timeout_param(req, c->opt), {leshan::response_kind::plain, {}, {}});
               }));

    http.route(http::verb::get, "/api/clients/{ep}",
               with_client(c, [c](const http::request&, const http::responder& r,
                                  const server::registration& reg) {
                   send_json(r, leshan::registration_json(reg, c->dm.sleeping(reg.endpoint)));
               }));

    http.route(
        http::verb::get, "/api/clients/{ep}/{path...}",
        with_client(c, [c](const http::request& req, const http::responder& r,
                           const server::registration& reg) { read_or_discover(c, req, r, reg); }));
    http.route(http::verb::put, "/api/clients/{ep}/{path...}",
               with_client(c, [c](const http::request& req, const http::responder& r,
                                  const server::registration& reg) {
                   write_or_attributes(c, req, r, reg);
               }));
    http.route(http::verb::post, "/api/clients/{ep}/{path...}",
               with_client(c, [c](const http::request& req, const http::responder& r,
                                  const server::registration& reg) { post_path(c, req, r, reg); }));
    http.route(
        http::verb::delete_, "/api/clients/{ep}/{path...}",
        with_client(c, [c](const http::request& req, const http::responder& r,
                           const server::registration& reg) { delete_path(c, req, r, reg); }));
}

}  // namespace sirocco::runtime::rest
