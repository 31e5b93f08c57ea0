#include "sirocco/runtime/leshan_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include "sirocco/codec/link_format.hpp"

namespace sirocco::runtime::leshan {

namespace {

using lwm2m::data_type;
using lwm2m::owned_record;
using lwm2m::owned_value;
using lwm2m::value;

// Thrown inside the parsers only; the public functions turn it into parsed<>.
struct body_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(std::string why) {
    throw body_error(std::move(why));
}

std::string json_type_name(const json& j) {
    if (j.is_null()) return "null";
    if (j.is_boolean()) return "boolean";
    if (j.is_number()) return "number";
    if (j.is_string()) return "string";
    if (j.is_array()) return "array";
    if (j.is_object()) return "object";
    return "value";
}

std::string lower_case(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string double_text(double d) {
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, d);
    std::string s(buf, res.ptr);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // Java's Double.toString
    return s;
}

std::string hex(bytes_view b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(b.size() * 2);
    for (auto x : b) {
        const auto v = static_cast<unsigned>(x);
        out += digits[v >> 4];
        out += digits[v & 15];
    }
    return out;
}

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

template <class T>
bool parse_decimal(std::string_view s, T& out) {
    if (s.empty()) return false;
    if (s.front() == '+') s.remove_prefix(1);
    const auto res = std::from_chars(s.data(), s.data() + s.size(), out);
    return res.ec == std::errc() && res.ptr == s.data() + s.size();
}

// --- values from JSON ---------------------------------------------------------

[[noreturn]] void wrong_type(const json& v, data_type t, std::string_view expected,
                             const std::string& where) {
    fail("field 'value' at " + where + ": a JSON " + std::string(expected) + " is expected for " +
         std::string(lwm2m::to_string(t)) + ", got " + json_type_name(v));
}

owned_value value_from_json(const json& v, data_type t, const std::string& where) {
    switch (t) {
        case data_type::string:
            if (!v.is_string()) wrong_type(v, t, "string", where);
            return owned_value::string(v.get<std::string>());
        case data_type::corelnk: {
            if (!v.is_string()) wrong_type(v, t, "string", where);
            const std::string s = v.get<std::string>();
            codec::link::parser p(s);
            codec::link::link_value lv;
            while (true) {
                auto more = p.next(lv);
                if (!more)
                    fail("field 'value' at " + where + ": not CoRE link format (" +
                         more.error().reason + ")");
                if (!*more) break;
            }
            return owned_value::corelnk(s);
        }
        case data_type::integer: {
            std::int64_t i = 0;
            if (v.is_string()) {
                if (!parse_decimal(v.get_ref<const std::string&>(), i))
                    fail("field 'value' at " + where + ": '" + v.get<std::string>() +
                         "' is not a valid INTEGER (signed 64-bit)");
            } else if (v.is_number_unsigned()) {
                const auto u = v.get<std::uint64_t>();
                if (u > static_cast<std::uint64_t>(INT64_MAX))
                    fail("field 'value' at " + where + ": out of range for INTEGER");
                i = static_cast<std::int64_t>(u);
            } else if (v.is_number_integer()) {
                i = v.get<std::int64_t>();
            } else {
                wrong_type(v, t, "string (or integral number)", where);
            }
            return owned_value(value::of_integer(i));
        }
        case data_type::unsigned_integer: {
            std::uint64_t u = 0;
            if (v.is_string()) {
                const auto& s = v.get_ref<const std::string&>();
                if (s.empty() || s.front() == '-' || !parse_decimal(std::string_view(s), u))
                    fail("field 'value' at " + where + ": '" + s +
                         "' is not a valid UNSIGNED_INTEGER (unsigned 64-bit)");
            } else if (v.is_number_unsigned()) {
                u = v.get<std::uint64_t>();
            } else if (v.is_number_integer()) {
                fail("field 'value' at " + where + ": negative value for UNSIGNED_INTEGER");
            } else {
                wrong_type(v, t, "string (or integral number)", where);
            }
            return owned_value(value::of_unsigned(u));
        }
        case data_type::float_: {
            double d = 0;
            if (v.is_string()) {
                const auto& s = v.get_ref<const std::string&>();
                if (!parse_decimal(std::string_view(s), d) || !std::isfinite(d))
                    fail("field 'value' at " + where + ": '" + s + "' is not a valid FLOAT");
            } else if (v.is_number()) {
                d = v.get<double>();
            } else {
                wrong_type(v, t, "string (or number)", where);
            }
            return owned_value(value::of_float(d));
        }
        case data_type::boolean:
            if (!v.is_boolean()) wrong_type(v, t, "boolean", where);
            return owned_value(value::of_boolean(v.get<bool>()));
        case data_type::opaque: {
            if (!v.is_string()) wrong_type(v, t, "string (hex)", where);
            const auto& s = v.get_ref<const std::string&>();
            if (s.size() % 2 != 0)
                fail("field 'value' at " + where + ": hex string of odd length for OPAQUE");
            std::string bytes;
            bytes.reserve(s.size() / 2);
            for (std::size_t i = 0; i < s.size(); i += 2) {
                const int hi = hex_digit(s[i]);
                const int lo = hex_digit(s[i + 1]);
                if (hi < 0 || lo < 0)
                    fail("field 'value' at " + where + ": not a hex string for OPAQUE");
                bytes += static_cast<char>(hi * 16 + lo);
            }
            return owned_value::opaque(std::move(bytes));
        }
        case data_type::time: {
            std::int64_t ms = 0;
            if (v.is_number_integer() && !v.is_number_unsigned()) {
                ms = v.get<std::int64_t>();
            } else if (v.is_number_unsigned()) {
                const auto u = v.get<std::uint64_t>();
                if (u > static_cast<std::uint64_t>(INT64_MAX))
                    fail("field 'value' at " + where + ": out of range for TIME");
                ms = static_cast<std::int64_t>(u);
            } else {
                wrong_type(v, t, "integral number (milliseconds since the epoch)", where);
            }
            // Milliseconds to seconds, rounding down (also for negative times).
            std::int64_t s = ms / 1000;
            if (ms % 1000 < 0) --s;
            return owned_value(value::of_time(s));
        }
        case data_type::objlnk: {
            if (v.is_object() && v.contains("objectId") && v.contains("objectInstanceId")) {
                const json& o = v["objectId"];
                const json& i = v["objectInstanceId"];
                if (o.is_number_unsigned() && i.is_number_unsigned() &&
                    o.get<std::uint64_t>() <= 0xFFFF && i.get<std::uint64_t>() <= 0xFFFF) {
                    return owned_value(
                        value::of_objlnk({static_cast<std::uint16_t>(o.get<std::uint64_t>()),
                                          static_cast<std::uint16_t>(i.get<std::uint64_t>())}));
                }
            }
            wrong_type(v, t, "object {\"objectId\": 0..65535, \"objectInstanceId\": 0..65535}",
                       where);
        }
        case data_type::none:
            break;
    }
    fail("resource at " + where + " has no value type (executable resource?)");
}

// --- nodes from JSON ----------------------------------------------------------

enum class node_kind { obj, instance, single, multi, res_instance };

node_kind kind_of(const json& j, const lwm2m::path& at, const std::string& where) {
    if (j.contains("kind")) {
        const json& k = j["kind"];
        if (!k.is_string()) fail("field 'kind' at " + where + " must be a string");
        const auto& s = k.get_ref<const std::string&>();
        if (s == "obj") return node_kind::obj;
        if (s == "instance") return node_kind::instance;
        if (s == "singleResource") return node_kind::single;
        if (s == "multiResource") return node_kind::multi;
        if (s == "resourceInstance") return node_kind::res_instance;
        fail("kind '" + s + "' unknown at " + where +
             " (obj, instance, singleResource, multiResource, resourceInstance)");
    }
    if (j.contains("instances")) return node_kind::obj;
    if (j.contains("resources")) return node_kind::instance;
    if (j.contains("values")) return node_kind::multi;
    if (j.contains("value"))
        return at.is_resource_instance() ? node_kind::res_instance : node_kind::single;
    fail("cannot tell the kind of the node at " + where +
         " (no 'kind', 'instances', 'resources', 'values' or 'value')");
}

std::uint16_t id_of(const json& j, const std::string& where) {
    const json& id = j["id"];
    if (!id.is_number_unsigned() || id.get<std::uint64_t>() > 0xFFFF)
        fail("field 'id' at " + where + " must be an integer 0..65535");
    return static_cast<std::uint16_t>(id.get<std::uint64_t>());
}

lwm2m::path child_path(const lwm2m::path& at, std::uint16_t id, const std::string& where) {
    auto c = at.child(id);
    if (!c) fail("no path below " + where);
    return *c;
}

data_type type_of(const json& j, const lwm2m::path& at, const model_lookup& models,
                  const std::string& where) {
    if (j.contains("type")) {
        const json& t = j["type"];
        if (!t.is_string()) fail("field 'type' at " + where + " must be a string");
        auto dt = lwm2m::parse_data_type(t.get_ref<const std::string&>());
        if (!dt || *dt == data_type::none)
            fail("type '" + t.get<std::string>() + "' unknown at " + where);
        return *dt;
    }
    if (const auto* rm = models.resource(at.at(0), at.at(2)); rm && rm->type != data_type::none)
        return rm->type;
    fail("missing field 'type' at " + where + " (and no object model tells it)");
}

void node_records(const json& j, const lwm2m::path& at, const model_lookup& models, bool check_id,
                  std::vector<owned_record>& out) {
    const std::string where = path_text(at);
    if (!j.is_object()) fail("the node at " + where + " must be a JSON object");
    if (check_id && j.contains("id")) {
        const std::uint16_t id = id_of(j, where);
        if (at.depth() == 0 || id != at.at(at.depth() - 1))
            fail("id " + std::to_string(id) + " does not match the path " + where);
    }
    const node_kind k = kind_of(j, at, where);
    const char* want = nullptr;
    switch (at.depth()) {
        case 1:
            if (k != node_kind::obj) want = "obj";
            break;
        case 2:
            if (k != node_kind::instance) want = "instance";
            break;
        case 3:
            if (k != node_kind::single && k != node_kind::multi)
                want = "singleResource or multiResource";
            break;
        case 4:
            if (k != node_kind::res_instance) want = "resourceInstance";
            break;
        default:
            want = "a node below the root";
    }
    if (want) fail("the node at " + where + " must be " + want);

    auto array_field = [&](const char* name) -> const json& {
        if (!j.contains(name)) fail(std::string("missing field '") + name + "' at " + where);
        const json& a = j[name];
        if (!a.is_array())
            fail(std::string("field '") + name + "' at " + where + " must be an array");
        return a;
    };
    switch (k) {
        case node_kind::obj:
        case node_kind::instance: {
            const json& a = array_field(k == node_kind::obj ? "instances" : "resources");
            for (const json& child : a) {
                if (!child.is_object())
                    fail("an element of the node at " + where + " is not an object");
                if (!child.contains("id")) fail("missing field 'id' in a child of " + where);
                const lwm2m::path cp = child_path(at, id_of(child, where), where);
                node_records(child, cp, models, false, out);
            }
            return;
        }
        case node_kind::single:
        case node_kind::res_instance: {
            if (!j.contains("value")) fail("missing field 'value' at " + where);
            const data_type t = type_of(j, at, models, where);
            out.emplace_back(at, value_from_json(j["value"], t, where));
            return;
        }
        case node_kind::multi: {
            if (!j.contains("values")) fail("missing field 'values' at " + where);
            const json& vs = j["values"];
            if (!vs.is_object()) fail("field 'values' at " + where + " must be an object");
            const data_type t = type_of(j, at, models, where);
            // Resource instances in numeric order.
            std::map<std::uint16_t, const json*> by_id;
            for (const auto& [key, v] : vs.items()) {
                std::uint32_t ri = 0;
                if (!parse_decimal(std::string_view(key), ri) || ri > 65534)
                    fail("resource instance id '" + key + "' at " + where +
                         " is not a number 0..65534");
                by_id[static_cast<std::uint16_t>(ri)] = &v;
            }
            for (const auto& [ri, v] : by_id) {
                const lwm2m::path cp = child_path(at, ri, where);
                out.emplace_back(cp, value_from_json(*v, t, path_text(cp)));
            }
            return;
        }
    }
}

template <class F>
parsed<std::vector<owned_record>> guarded(F&& f) {
    parsed<std::vector<owned_record>> p;
    try {
        std::vector<owned_record> out;
        f(out);
        p.value = std::move(out);
    } catch (const body_error& e) {
        p.error = e.what();
    } catch (const json::exception& e) {
        p.error = std::string("unexpected JSON: ") + e.what();
    }
    return p;
}

// --- nodes to JSON ---------------------------------------------------------

data_type resource_type(const lwm2m::path& p, const model_lookup& models, const value& v) {
    if (const auto* rm = models.resource(p.at(0), p.at(2)); rm && rm->type != data_type::none)
        return rm->type;
    return v.type();
}

json resource_node(const lwm2m::path& at, const std::vector<const owned_record*>& recs,
                   const model_lookup& models) {
    const owned_record* exact = nullptr;
    std::vector<const owned_record*> children;
    for (const auto* r : recs) {
        if (r->path == at)
            exact = r;
        else if (r->path.depth() == 4)
            children.push_back(r);
    }
    const auto* rm = models.resource(at.at(0), at.at(2));
    const bool multi = !children.empty() || (rm && rm->multiple && !exact);
    json j;
    j["id"] = at.at(2);
    if (multi) {
        data_type t = rm && rm->type != data_type::none ? rm->type
                      : children.empty()                ? data_type::string
                                                        : children.front()->value.type();
        json values = json::object();
        std::sort(children.begin(), children.end(),
                  [](auto* a, auto* b) { return a->path.at(3) < b->path.at(3); });
        for (const auto* c : children)
            values[std::to_string(c->path.at(3))] = value_json(c->value.view(), t);
        j["kind"] = "multiResource";
        j["type"] = std::string(lwm2m::to_string(t));
        j["values"] = std::move(values);
        return j;
    }
    if (!exact) return nullptr;
    const data_type t = resource_type(at, models, exact->value.view());
    j["kind"] = "singleResource";
    j["type"] = std::string(lwm2m::to_string(t));
    j["value"] = value_json(exact->value.view(), t);
    return j;
}

json node_of(const lwm2m::path& at, const std::vector<const owned_record*>& recs,
             const model_lookup& models) {
    switch (at.depth()) {
        case 1: {
            std::set<std::uint16_t> ids;
            for (const auto* r : recs)
                if (r->path.depth() >= 2) ids.insert(r->path.at(1));
            json instances = json::array();
            for (auto id : ids) {
                const lwm2m::path ip(lwm2m::object_id(at.at(0)), lwm2m::instance_id(id));
                std::vector<const owned_record*> sub;
                for (const auto* r : recs)
                    if (ip.is_prefix_of(r->path)) sub.push_back(r);
                instances.push_back(node_of(ip, sub, models));
            }
            return {{"id", at.at(0)}, {"kind", "obj"}, {"instances", std::move(instances)}};
        }
        case 2: {
            std::set<std::uint16_t> ids;
            for (const auto* r : recs)
                if (r->path.depth() >= 3) ids.insert(r->path.at(2));
            json resources = json::array();
            for (auto id : ids) {
                const lwm2m::path rp(lwm2m::object_id(at.at(0)), lwm2m::instance_id(at.at(1)),
                                     lwm2m::resource_id(id));
                std::vector<const owned_record*> sub;
                for (const auto* r : recs)
                    if (rp.is_prefix_of(r->path)) sub.push_back(r);
                json n = resource_node(rp, sub, models);
                if (!n.is_null()) resources.push_back(std::move(n));
            }
            return {{"id", at.at(1)}, {"kind", "instance"}, {"resources", std::move(resources)}};
        }
        case 3:
            return resource_node(at, recs, models);
        case 4: {
            for (const auto* r : recs) {
                if (r->path != at) continue;
                const data_type t = resource_type(at, models, r->value.view());
                return {{"id", at.at(3)},
                        {"kind", "resourceInstance"},
                        {"type", std::string(lwm2m::to_string(t))},
                        {"value", value_json(r->value.view(), t)}};
            }
            return nullptr;
        }
        default:
            return nullptr;
    }
}

std::string attribute_value(const codec::link::param& p) {
    if (p.quoted) return "\"" + std::string(p.value) + "\"";
    return std::string(p.value);
}

}  // namespace

// ---------------------------------------------------------------------------

const lwm2m::object_model* model_lookup::object(std::uint16_t oid) const noexcept {
    if (!models_) return nullptr;
    std::string_view version;
    if (objects_) {
        for (const auto& o : objects_->objects)
            if (o.id == oid) version = o.version;
    }
    const auto* m = models_->find(lwm2m::object_id(oid), version);
    if (!m && !version.empty()) m = models_->find(lwm2m::object_id(oid));
    return m;
}

const lwm2m::resource_model* model_lookup::resource(std::uint16_t oid,
                                                    std::uint16_t rid) const noexcept {
    const auto* m = object(oid);
    return m ? m->find(lwm2m::resource_id(rid)) : nullptr;
}

std::string dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string path_text(const lwm2m::path& p) {
    if (p.depth() == 0) return "/";
    std::string s;
    for (std::size_t i = 0; i < p.depth(); ++i) {
        s += '/';
        s += std::to_string(p.at(i));
    }
    return s;
}

std::string status_name(lwm2m::status s) {
    const std::string_view n = lwm2m::to_string(s);
    if (n != "UNKNOWN") return std::string(n);
    return "UNKNOWN_" + std::to_string(lwm2m::code_class(s)) + "." +
           (lwm2m::code_detail(s) < 10 ? "0" : "") + std::to_string(lwm2m::code_detail(s));
}

json object_links_json(const server::object_list& objects) {
    json links = json::array();
    const bool alt_root = objects.root_path != "/";
    if (alt_root || !objects.content_formats.empty()) {
        json attrs = json::object();
        attrs["rt"] = "\"oma.lwm2m\"";
        if (objects.content_formats.size() == 1) {
            attrs["ct"] = std::to_string(objects.content_formats.front());
        } else if (objects.content_formats.size() > 1) {
            std::string ct = "\"";
            for (std::size_t i = 0; i < objects.content_formats.size(); ++i) {
                if (i) ct += ' ';
                ct += std::to_string(objects.content_formats[i]);
            }
            ct += '"';
            attrs["ct"] = ct;
        }
        links.push_back({{"url", objects.root_path}, {"attributes", std::move(attrs)}});
    }
    std::string prefix = alt_root ? objects.root_path : "";
    while (!prefix.empty() && prefix.back() == '/')
        prefix.pop_back();
    for (const auto& o : objects.objects) {
        const std::string base = prefix + "/" + std::to_string(o.id);
        if (!o.version.empty() || o.instances.empty()) {
            json attrs = json::object();
            if (!o.version.empty()) attrs["ver"] = o.version;
            links.push_back({{"url", base}, {"attributes", std::move(attrs)}});
        }
        for (auto i : o.instances)
            links.push_back(
                {{"url", base + "/" + std::to_string(i)}, {"attributes", json::object()}});
    }
    return links;
}

json registration_json(const server::registration& r, bool sleeping) {
    std::string transport = "udp";
    std::string address = r.address;
    bool secure = false;
    if (const auto p = address.find("://"); p != std::string::npos) {
        transport = address.substr(0, p);
        address = address.substr(p + 3);
    }
    if (transport == "coaps") {
        transport = "dtls";
        secure = true;
    } else if (transport == "coap+tcp") {
        transport = "tcp";
    } else if (transport == "coaps+tcp") {
        transport = "tls";
        secure = true;
    }
    json available = json::object();
    for (const auto& o : r.objects.objects) {
        std::vector<std::uint16_t> ids = o.instances;
        std::sort(ids.begin(), ids.end());
        available[std::to_string(o.id)] = ids;
    }
    json j;
    j["endpoint"] = r.endpoint;
    j["registrationId"] = r.id;
    j["registrationDate"] = r.registered_at;
    j["lastUpdate"] = r.updated_at;
    j["address"] = address;
    j["lwM2mVersion"] = r.lwm2m_version;
    j["lifetime"] = r.lifetime_s;
    j["bindingMode"] = r.binding;
    j["rootPath"] = r.objects.root_path;
    j["objectLinks"] = object_links_json(r.objects);
    j["secure"] = secure;
    j["additionalRegistrationAttributes"] = json::object();
    j["queuemode"] = r.queue_mode;
    j["availableInstances"] = std::move(available);
    if (r.queue_mode) j["sleeping"] = sleeping;
    j["transport"] = transport;
    return j;
}

json registration_update_json(const server::registration& now,
                              const std::optional<server::registration>& before, bool sleeping) {
    json u;
    u["registrationId"] = now.id;
    u["lifetime"] = now.lifetime_s;
    u["bindingMode"] = now.binding;
    json reg = registration_json(now, sleeping);
    u["address"] = reg["address"];
    if (!before || before->objects != now.objects)
        u["objectLinks"] = object_links_json(now.objects);
    return {{"registration", std::move(reg)}, {"update", std::move(u)}};
}

json value_json(const lwm2m::value& v0, lwm2m::data_type type) {
    value v = v0;
    if (type != data_type::none && type != v.type()) {
        if (auto c = v.convert(type)) v = *c;
    }
    switch (v.type()) {
        case data_type::string:
        case data_type::corelnk:
            return std::string(v.string());
        case data_type::integer:
            return std::to_string(v.integer());
        case data_type::unsigned_integer:
            return std::to_string(v.unsigned_integer());
        case data_type::float_:
            return double_text(v.float_value());
        case data_type::boolean:
            return v.boolean();
        case data_type::opaque:
            return hex(v.opaque());
        case data_type::time: {
            const std::int64_t s = v.time();
            // Milliseconds, saturated (a 64-bit seconds value times 1000 may overflow).
            if (s > INT64_MAX / 1000) return INT64_MAX;
            if (s < INT64_MIN / 1000) return INT64_MIN;
            return s * 1000;
        }
        case data_type::objlnk:
            return {{"objectId", v.link().object_id}, {"objectInstanceId", v.link().instance_id}};
        case data_type::none:
            break;
    }
    return nullptr;
}

json node_json(const lwm2m::path& at, const std::vector<owned_record>& records,
               const model_lookup& models) {
    std::vector<const owned_record*> recs;
    for (const auto& r : records)
        if (at.is_prefix_of(r.path)) recs.push_back(&r);
    if (recs.empty() && at.depth() >= 3) return nullptr;
    return node_of(at, recs, models);
}

json composite_json(const std::vector<lwm2m::path>& paths, const std::vector<owned_record>& records,
                    const model_lookup& models) {
    json j = json::object();
    for (const auto& p : paths)
        j[path_text(p)] = node_json(p, records, models);
    return j;
}

json nodes_by_resource_json(const std::vector<owned_record>& records, const model_lookup& models) {
    std::vector<lwm2m::path> paths;
    for (const auto& r : records) {
        lwm2m::path p = r.path;
        while (p.depth() > 3)
            p = p.parent();
        if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.push_back(p);
    }
    return composite_json(paths, records, models);
}

parsed<std::vector<owned_record>> parse_node(const json& j, const lwm2m::path& at,
                                             const model_lookup& models) {
    return guarded([&](std::vector<owned_record>& out) {
        if (at.depth() == 0) fail("a node cannot be written at the root path");
        node_records(j, at, models, true, out);
    });
}

parsed<std::vector<owned_record>> parse_create(const json& j, const lwm2m::path& object,
                                               const model_lookup& models) {
    return guarded([&](std::vector<owned_record>& out) {
        const std::string where = path_text(object);
        if (!object.is_object()) fail("create needs an object path, not " + where);
        if (!j.is_object()) fail("the node to create under " + where + " must be a JSON object");
        std::uint16_t id = 0xFFFF;
        if (j.contains("id")) {
            id = id_of(j, where);
            if (id == 0xFFFF) fail("instance id 65535 is reserved at " + where);
        }
        const lwm2m::path at(lwm2m::object_id(object.at(0)), lwm2m::instance_id(id));
        if (kind_of(j, at, where) != node_kind::instance)
            fail("the node to create under " + where + " must be an instance");
        node_records(j, at, models, false, out);
    });
}

parsed<std::vector<owned_record>> parse_composite(const json& j, const model_lookup& models) {
    return guarded([&](std::vector<owned_record>& out) {
        if (!j.is_object())
            fail("a composite body must be a JSON object of path -> node, got " +
                 json_type_name(j));
        if (j.empty()) fail("a composite body needs at least one path");
        for (const auto& [key, node] : j.items()) {
            auto p = lwm2m::path::parse(key);
            if (!p || p->depth() == 0) fail("'" + key + "' is not an LwM2M path");
            node_records(node, *p, models, true, out);
        }
    });
}

parsed<json> parse_json(std::string_view text) {
    // Refuse deep nesting before parsing (no LwM2M body needs more than a
    // few levels; deep documents cost stack in recursive code).
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"')
            in_string = true;
        else if (c == '{' || c == '[') {
            if (++depth > 32) return parsed<json>::fail("body is not valid JSON: nested too deep");
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    try {
        parsed<json> p;
        p.value = json::parse(text.begin(), text.end());
        return p;
    } catch (const json::exception& e) {  // parse_error, out_of_range (1e999), ...
        std::string what = e.what();
        if (const auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
        return parsed<json>::fail("body is not valid JSON: " + what);
    }
}

json response_json(const server::response& r, response_kind kind, const lwm2m::path& path,
                   const std::vector<lwm2m::path>& paths, const model_lookup& models) {
    const bool success = lwm2m::is_success(r.code);
    json j;
    j["status"] = status_name(r.code);
    j["valid"] = true;
    j["success"] = success;
    j["failure"] = !success;
    if (success) {
        switch (kind) {
            case response_kind::plain:
                break;
            case response_kind::read:
                j["content"] = node_json(path, r.records, models);
                break;
            case response_kind::composite:
                j["content"] = composite_json(paths, r.records, models);
                break;
            case response_kind::discover:
                j["objectLinks"] = links_json(r.links);
                break;
            case response_kind::create:
                if (!r.location.empty()) j["location"] = r.location;
                break;
        }
    } else if (!r.error.empty()) {
        j["errormessage"] = r.error;
    }
    return j;
}

json links_json(std::string_view text) {
    json out = json::array();
    codec::link::parser p(text);
    codec::link::link_value lv;
    while (true) {
        auto more = p.next(lv);
        if (!more || !*more) break;
        json attrs = json::object();
        codec::link::param_parser pp(lv.params);
        codec::link::param prm;
        while (true) {
            auto m = pp.next(prm);
            if (!m || !*m) break;
            if (prm.has_value)
                attrs[std::string(prm.name)] = attribute_value(prm);
            else
                attrs[std::string(prm.name)] = nullptr;
        }
        out.push_back({{"url", std::string(lv.target)}, {"attributes", std::move(attrs)}});
    }
    return out;
}

json notification_json(const std::string& endpoint, const server::observation& obs,
                       const std::vector<owned_record>& records, const model_lookup& models) {
    json j;
    j["ep"] = endpoint;
    if (!obs.composite && !obs.paths.empty()) {
        j["kind"] = "single";
        j["res"] = path_text(obs.paths.front());
        j["val"] = node_json(obs.paths.front(), records, models);
        return j;
    }
    j["kind"] = "composite";
    j["val"] = obs.paths.empty() ? nodes_by_resource_json(records, models)
                                 : composite_json(obs.paths, records, models);
    json ps = json::array();
    for (const auto& p : obs.paths)
        ps.push_back(path_text(p));
    j["paths"] = std::move(ps);
    return j;
}

json send_json(const std::string& endpoint, const std::vector<owned_record>& records,
               const model_lookup& models) {
    return {{"ep", endpoint}, {"val", nodes_by_resource_json(records, models)}};
}

json presence_json(const std::string& endpoint) {
    return {{"ep", endpoint}};
}

json object_model_json(const lwm2m::object_model& m) {
    json defs = json::array();
    for (const auto& r : m.resources) {
        const std::string_view ops = lwm2m::to_string(r.ops);
        defs.push_back({{"id", r.id},
                        {"name", std::string(r.name)},
                        {"operations", ops.empty() ? std::string("NONE") : std::string(ops)},
                        {"instancetype", r.multiple ? "multiple" : "single"},
                        {"mandatory", r.mandatory},
                        {"type", lower_case(lwm2m::to_string(r.type))},
                        {"range", std::string(r.range_enumeration)},
                        {"units", std::string(r.units)},
                        {"description", std::string(r.description)}});
    }
    return {{"name", std::string(m.name)},
            {"id", m.id},
            {"instancetype", m.multiple ? "multiple" : "single"},
            {"mandatory", m.mandatory},
            {"description", std::string(m.description)},
            {"version", std::string(m.object_version)},
            {"lwm2mversion", std::string(m.lwm2m_version)},
            {"urn", std::string(m.urn)},
            {"resourcedefs", std::move(defs)}};
}

// --- security ------------------------------------------------------------------

json security_json(const server::security_entry& e) {
    json tls;
    tls["mode"] = std::string(server::to_string(e.mode));
    switch (e.mode) {
        case server::security_mode::psk:
            tls["details"] = {{"identity", e.psk_identity},
                              {"key", hex(bytes_view(e.psk_key.data(), e.psk_key.size()))}};
            break;
        case server::security_mode::rpk:
            tls["details"] = {{"key", hex(bytes_view(e.public_key.data(), e.public_key.size()))}};
            break;
        case server::security_mode::x509:
            break;
    }
    return {{"endpoint", e.endpoint}, {"tls", std::move(tls)}};
}

namespace {

std::optional<std::vector<std::uint8_t>> strict_unhex(std::string_view s) {
    if (s.size() % 2 != 0) return std::nullopt;
    std::vector<std::uint8_t> out;
    out.reserve(s.size() / 2);
    for (std::size_t i = 0; i < s.size(); i += 2) {
        const int hi = hex_digit(s[i]);
        const int lo = hex_digit(s[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return out;
}

}  // namespace

parsed<server::security_entry> parse_security(const json& j) {
    using result_t = parsed<server::security_entry>;
    if (!j.is_object()) return result_t::fail("body: must be a JSON object");
    server::security_entry e;
    if (!j.contains("endpoint")) return result_t::fail("endpoint: missing");
    if (!j["endpoint"].is_string()) return result_t::fail("endpoint: must be a string");
    e.endpoint = j["endpoint"].get<std::string>();
    if (!j.contains("tls")) {
        if (j.contains("oscore")) return result_t::fail("oscore: not supported (only (D)TLS)");
        return result_t::fail("tls: missing");
    }
    const json& tls = j["tls"];
    if (!tls.is_object()) return result_t::fail("tls: must be an object");
    if (!tls.contains("mode") || !tls["mode"].is_string())
        return result_t::fail("tls.mode: missing (psk, rpk or x509)");
    const std::string mode = tls["mode"].get<std::string>();
    auto m = server::parse_security_mode(mode);
    if (!m) return result_t::fail("tls.mode: '" + mode + "' is not psk, rpk or x509");
    e.mode = *m;
    if (e.mode == server::security_mode::x509) {
        if (tls.contains("details") && !tls["details"].is_object() && !tls["details"].is_null())
            return result_t::fail("tls.details: must be an object");
        result_t r;
        r.value = std::move(e);
        return r;
    }
    if (!tls.contains("details")) return result_t::fail("tls.details: missing");
    const json& d = tls["details"];
    if (!d.is_object()) return result_t::fail("tls.details: must be an object");
    if (e.mode == server::security_mode::psk) {
        if (!d.contains("identity")) return result_t::fail("tls.details.identity: missing");
        if (!d["identity"].is_string())
            return result_t::fail("tls.details.identity: must be a string");
        e.psk_identity = d["identity"].get<std::string>();
    }
    if (!d.contains("key")) return result_t::fail("tls.details.key: missing");
    if (!d["key"].is_string()) return result_t::fail("tls.details.key: must be a hex string");
    auto key = strict_unhex(d["key"].get<std::string>());
    if (!key) return result_t::fail("tls.details.key: not a hex string");
    if (e.mode == server::security_mode::psk)
        e.psk_key = std::move(*key);
    else
        e.public_key = std::move(*key);
    result_t r;
    r.value = std::move(e);
    return r;
}

std::string base64(bytes_view b) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((b.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= b.size(); i += 3) {
        const unsigned v = (unsigned(b[i]) << 16) | (unsigned(b[i + 1]) << 8) | unsigned(b[i + 2]);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (const std::size_t left = b.size() - i; left > 0) {
        unsigned v = unsigned(b[i]) << 16;
        if (left == 2) v |= unsigned(b[i + 1]) << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += left == 2 ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

namespace {

// {"x","y","params","b64Der"} of a SubjectPublicKeyInfo. The EC point is
// the BIT STRING at the end of the SPKI (RFC 5480 2.2): 0x00 (unused
// bits), 0x04 (uncompressed), X, Y.
json pubkey_json(const std::vector<std::uint8_t>& spki) {
    // The P-256 curve OID 1.2.840.10045.3.1.7 in DER.
    static constexpr std::uint8_t p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                            0xce, 0x3d, 0x03, 0x01, 0x07};
    std::string x, y, params;
    if (std::search(spki.begin(), spki.end(), std::begin(p256), std::end(p256)) != spki.end())
        params = "secp256r1 [NIST P-256, X9.62 prime256v1] (1.2.840.10045.3.1.7)";
    if (spki.size() >= 67 && spki[spki.size() - 65] == 0x04 && spki[spki.size() - 66] == 0x00 &&
        !params.empty()) {
        const std::uint8_t* pt = spki.data() + spki.size() - 64;
        x = hex(bytes_view(pt, 32));
        y = hex(bytes_view(pt + 32, 32));
    }
    return {{"x", x},
            {"y", y},
            {"params", params},
            {"b64Der", base64(bytes_view(spki.data(), spki.size()))}};
}

}  // namespace

json server_security_json(const std::vector<std::uint8_t>& spki,
                          const std::vector<std::uint8_t>& certificate_der) {
    json j = json::object();
    if (!certificate_der.empty()) {
        j["certificate"] = {
            {"pubkey", pubkey_json(spki)},
            {"b64Der", base64(bytes_view(certificate_der.data(), certificate_der.size()))}};
    } else if (!spki.empty()) {
        j["pubkey"] = pubkey_json(spki);
    }
    return j;
}

}  // namespace sirocco::runtime::leshan
