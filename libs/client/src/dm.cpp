// The client data model: every Device Management operation over the
// registered objects, driven by their object_def tables (see dm.hpp).
//
// Memory: nothing is allocated. Reads gather the values to encode into the
// caller's `scratch`: an aligned array of records at its front, then the
// bytes of String/Opaque/Corelnk values copied behind it (an object's read()
// may return views into its own lent scratch, which the next read() reuses).
// Writes decode the payload twice (the codecs' values live only during the
// on_record() call): once to check and validate every value, once to apply.
#include "sirocco/client/dm.hpp"

#include <cstring>
#include <memory>

#include "sirocco/codec/codec.hpp"

namespace sirocco::client {

using codec::content_format;
using lwm2m::data_type;
using lwm2m::path;
using lwm2m::record;
using lwm2m::value;

std::string_view to_string(lwm2m_version v) noexcept {
    switch (v) {
        case lwm2m_version::v1_0:
            return "1.0";
        case lwm2m_version::v1_1:
            return "1.1";
        case lwm2m_version::v1_2:
            return "1.2";
    }
    return "1.1";
}

namespace {

constexpr std::uint16_t fmt(content_format f) noexcept {
    return static_cast<std::uint16_t>(f);
}

dm_result fail(status s) noexcept {
    dm_result r;
    r.code = s;
    return r;
}

// Access Control rights (Core TS 1.2, E.3, /2/x/2 ACL resource instance bits).
enum : std::uint8_t {
    acl_read = 1,
    acl_write = 2,
    acl_execute = 4,
    acl_delete = 8,
    acl_create = 16,
    acl_full = 31,
};

// Object ids with a special role.
constexpr std::uint16_t security_oid = 0;
constexpr std::uint16_t server_oid = 1;
constexpr std::uint16_t acl_oid = 2;
constexpr std::uint16_t oscore_oid = 21;

std::optional<std::int64_t> read_int(object& o, std::uint16_t iid, std::uint16_t rid,
                                     std::optional<std::uint16_t> riid = std::nullopt) noexcept {
    std::uint8_t buf[16];
    auto v = o.read(iid, rid, riid, mutable_bytes(buf, sizeof buf));
    if (!v) return std::nullopt;
    auto i = v->as_integer();
    if (!i) return std::nullopt;
    return *i;
}

bool is_numeric(data_type t) noexcept {
    return t == data_type::integer || t == data_type::unsigned_integer || t == data_type::float_ ||
           t == data_type::time;
}

// ---- values ----------------------------------------------------------------

// A big-endian TLV value (decoded without a model, so as opaque bytes) read
// as the resource's type (Core TS 1.2, 7.3.4 / 1.0 6.4.3).
result<value> from_tlv_bytes(bytes_view b, data_type t) noexcept {
    auto be = [&]() {
        std::uint64_t u = 0;
        for (auto c : b)
            u = (u << 8) | c;
        return u;
    };
    switch (t) {
        case data_type::integer:
        case data_type::time: {
            if (b.size() != 1 && b.size() != 2 && b.size() != 4 && b.size() != 8)
                return unexpected(errc::malformed, "TLV integer must be 1, 2, 4 or 8 bytes");
            std::uint64_t u = be();
            unsigned bits = static_cast<unsigned>(b.size() * 8);
            std::int64_t i;
            if (bits < 64 && (u >> (bits - 1)) != 0)
                i = static_cast<std::int64_t>(u | (~std::uint64_t{0} << bits));
            else
                i = static_cast<std::int64_t>(u);
            return t == data_type::time ? value::of_time(i) : value::of_integer(i);
        }
        case data_type::unsigned_integer:
            if (b.size() != 1 && b.size() != 2 && b.size() != 4 && b.size() != 8)
                return unexpected(errc::malformed, "TLV unsigned must be 1, 2, 4 or 8 bytes");
            return value::of_unsigned(be());
        case data_type::float_:
            if (b.size() == 4) {
                auto u = static_cast<std::uint32_t>(be());
                float f;
                std::memcpy(&f, &u, 4);
                return value::of_float(static_cast<double>(f));
            }
            if (b.size() == 8) {
                std::uint64_t u = be();
                double d;
                std::memcpy(&d, &u, 8);
                return value::of_float(d);
            }
            return unexpected(errc::malformed, "TLV float must be 4 or 8 bytes");
        case data_type::boolean:
            if (b.size() != 1 || b[0] > 1)
                return unexpected(errc::malformed, "TLV boolean must be one byte 0 or 1");
            return value::of_boolean(b[0] == 1);
        case data_type::objlnk:
            if (b.size() != 4)
                return unexpected(errc::malformed, "TLV object link must be 4 bytes");
            return value::of_objlnk({static_cast<std::uint16_t>((b[0] << 8) | b[1]),
                                     static_cast<std::uint16_t>((b[2] << 8) | b[3])});
        case data_type::string:
            return value::of_string({reinterpret_cast<const char*>(b.data()), b.size()});
        case data_type::corelnk:
            return value::of_corelnk({reinterpret_cast<const char*>(b.data()), b.size()});
        case data_type::opaque:
            return value::of_opaque(b);
        case data_type::none:
            break;
    }
    return unexpected(errc::type_mismatch, "resource has no value type");
}

// Converts a decoded value to the type of its resource where the
// specification allows it (an integer for a Float, 0/1 for a Boolean, text
// "3:0" for an Objlnk, text for Opaque); anything else is type_mismatch.
result<value> coerce(const value& v, data_type target, bool raw_tlv) noexcept {
    if (v.type() == target) return v;
    if (raw_tlv && v.type() == data_type::opaque) return from_tlv_bytes(v.opaque(), target);
    switch (target) {
        case data_type::integer:
        case data_type::unsigned_integer:
        case data_type::float_:
        case data_type::time:
            if (is_numeric(v.type())) return v.convert(target);
            break;
        case data_type::boolean: {
            if (v.type() == data_type::integer || v.type() == data_type::unsigned_integer) {
                auto b = v.as_boolean();
                if (!b) return unexpected(b.error());
                return value::of_boolean(*b);
            }
            break;
        }
        case data_type::string:
        case data_type::corelnk:
            if (v.type() == data_type::string || v.type() == data_type::corelnk)
                return v.convert(target);
            break;
        case data_type::opaque:
            if (v.type() == data_type::string) return value::of_opaque(v.opaque());
            break;
        case data_type::objlnk:
            if (v.type() == data_type::string) return lwm2m::parse_text(v.string(), target);
            break;
        case data_type::none:
            break;
    }
    return unexpected(errc::type_mismatch, "value does not have the resource's type");
}

// A model provider that knows one resource: lets the single-value codecs
// (text, opaque, CBOR) decode a Write to a resource with its type.
class one_resource final : public lwm2m::model_provider {
  public:
    one_resource(std::uint16_t oid, const resource_def& d) noexcept {
        rm_.id = d.id;
        rm_.ops = d.ops;
        rm_.multiple = d.multiple;
        rm_.mandatory = d.mandatory;
        rm_.type = d.type;
        om_.id = oid;
        om_.resources = std::span<const lwm2m::resource_model>(&rm_, 1);
    }
    const lwm2m::object_model* find(lwm2m::object_id oid,
                                    std::string_view) const noexcept override {
        return oid.value() == om_.id ? &om_ : nullptr;
    }

  private:
    lwm2m::resource_model rm_;
    lwm2m::object_model om_;
};

// ---- gathering values for encoding -----------------------------------------

// The records of an answer and the bytes they point to, both in `scratch`.
class gather {
  public:
    gather(mutable_bytes scratch, std::size_t max_records) noexcept {
        void* p = scratch.data();
        std::size_t space = scratch.size();
        std::size_t need = sizeof(record) * max_records;
        if (max_records > 0 && std::align(alignof(record), need, p, space) != nullptr) {
            recs_ = static_cast<record*>(p);
            cap_ = max_records;
            auto* after = static_cast<std::uint8_t*>(p) + need;
            bytes_ = mutable_bytes(after, space - need);
        } else if (max_records == 0) {
            bytes_ = scratch;
        } else {
            overflow_ = true;
        }
    }

    bool overflow() const noexcept { return overflow_; }

    // Reads one value through the object's hook and keeps it.
    status add(object& o, const path& p) noexcept {
        if (n_ == cap_) {
            overflow_ = true;
            return status::internal_server_error;
        }
        mutable_bytes tail = bytes_.subspan(used_);
        std::optional<std::uint16_t> riid;
        if (p.is_resource_instance()) riid = p.resource_instance().value();
        auto v = o.read(p.instance().value(), p.resource().value(), riid, tail);
        if (!v) {
            if (v.error().code == errc::not_found) return status::not_found;
            return lwm2m::to_status(v.error().code);
        }
        value val = *v;
        switch (val.type()) {
            case data_type::string:
            case data_type::corelnk:
            case data_type::opaque: {
                bytes_view b = val.opaque();
                if (b.size() > tail.size()) {
                    overflow_ = true;
                    return status::internal_server_error;
                }
                if (!b.empty()) std::memmove(tail.data(), b.data(), b.size());
                std::string_view s(reinterpret_cast<const char*>(tail.data()), b.size());
                used_ += b.size();
                if (val.type() == data_type::string)
                    val = value::of_string(s);
                else if (val.type() == data_type::corelnk)
                    val = value::of_corelnk(s);
                else
                    val = value::of_opaque(bytes_view(tail.data(), b.size()));
                break;
            }
            default:
                break;
        }
        std::construct_at(recs_ + n_, record{p, val, std::nullopt});
        ++n_;
        return status::content;
    }

    std::span<record> records() noexcept { return {recs_, n_}; }

    // Sorts by path and drops duplicates (composite paths may overlap).
    void sort_unique() noexcept {
        for (std::size_t i = 1; i < n_; ++i) {
            record r = recs_[i];
            std::size_t j = i;
            while (j > 0 && r.path < recs_[j - 1].path) {
                recs_[j] = recs_[j - 1];
                --j;
            }
            recs_[j] = r;
        }
        std::size_t k = 0;
        for (std::size_t i = 0; i < n_; ++i)
            if (k == 0 || !(recs_[k - 1].path == recs_[i].path)) recs_[k++] = recs_[i];
        n_ = k;
    }

  private:
    record* recs_ = nullptr;
    std::size_t cap_ = 0;
    std::size_t n_ = 0;
    mutable_bytes bytes_;
    std::size_t used_ = 0;
    bool overflow_ = false;
};

bool has_resource_instance(const object& o, std::uint16_t iid, std::uint16_t rid,
                           std::uint16_t riid) noexcept {
    std::size_t n = o.resource_instance_count(iid, rid);
    for (std::size_t k = 0; k < n; ++k)
        if (o.resource_instance_at(iid, rid, k) == riid) return true;
    return false;
}

// Follows `p` down through the object, the instance, the resource and the
// resource instance it names. `code` is 2.05 when every level exists, else
// 4.04; `o` is the object (nullptr when unknown) and `d` the resource
// definition when `p` names a resource.
struct located {
    object* o = nullptr;
    const resource_def* d = nullptr;
    status code = status::not_found;
};
located locate(data_model& dm, const path& p) noexcept {
    located l;
    l.o = dm.find(p.object().value());
    if (l.o == nullptr) return l;
    const std::uint16_t iid = p.depth() >= 2 ? p.instance().value() : 0;
    if (p.depth() >= 2 && !l.o->has_instance(iid)) return l;
    if (p.depth() >= 3) {
        l.d = l.o->def().find(p.resource().value());
        if (l.d == nullptr || !l.o->has_resource(iid, l.d->id)) return l;
        if (p.is_resource_instance() &&
            (!l.d->multiple ||
             !has_resource_instance(*l.o, iid, l.d->id, p.resource_instance().value())))
            return l;
    }
    l.code = status::content;
    return l;
}

// Execute arguments (Core TS 1.2, 5.4.5):
//   arglist = arg *("," arg); arg = DIGIT ["=" "'" *CHAR "'"]; CHAR excludes "'".
bool valid_execute_args(std::string_view a) noexcept {
    if (a.empty()) return true;
    std::size_t i = 0;
    for (;;) {
        if (i >= a.size() || a[i] < '0' || a[i] > '9') return false;
        ++i;
        if (i < a.size() && a[i] == '=') {
            ++i;
            if (i >= a.size() || a[i] != '\'') return false;
            ++i;
            while (i < a.size() && a[i] != '\'') {
                auto c = static_cast<unsigned char>(a[i]);
                if (c < 0x21 && c != 0x20) return false;
                if (c == 0x7F) return false;
                ++i;
            }
            if (i >= a.size()) return false;
            ++i;
        }
        if (i == a.size()) return true;
        if (a[i] != ',') return false;
        ++i;
    }
}

void merge(codec::link::attributes& into, const codec::link::attributes& a) noexcept {
    auto take = [](auto& dst, const auto& src) {
        if (src.is_set()) dst = src;
    };
    take(into.pmin, a.pmin);
    take(into.pmax, a.pmax);
    take(into.gt, a.gt);
    take(into.lt, a.lt);
    take(into.st, a.st);
    take(into.epmin, a.epmin);
    take(into.epmax, a.epmax);
    take(into.edge, a.edge);
    take(into.con, a.con);
    take(into.hqmax, a.hqmax);
}

// Applies a Write-Attributes query to a stored set: set values replace,
// names without a value remove.
void apply_query(codec::link::attributes& into, const codec::link::attributes& q) noexcept {
    auto take = [](auto& dst, const auto& src) {
        if (src.state == codec::link::attr_state::set)
            dst = src;
        else if (src.state == codec::link::attr_state::unset)
            dst = {};
    };
    take(into.pmin, q.pmin);
    take(into.pmax, q.pmax);
    take(into.gt, q.gt);
    take(into.lt, q.lt);
    take(into.st, q.st);
    take(into.epmin, q.epmin);
    take(into.epmax, q.epmax);
    take(into.edge, q.edge);
    take(into.con, q.con);
    take(into.hqmax, q.hqmax);
}

bool empty_attrs(const codec::link::attributes& a) noexcept {
    return !a.pmin.is_set() && !a.pmax.is_set() && !a.gt.is_set() && !a.lt.is_set() &&
           !a.st.is_set() && !a.epmin.is_set() && !a.epmax.is_set() && !a.edge.is_set() &&
           !a.con.is_set() && !a.hqmax.is_set();
}

// ---- decoding sinks ----------------------------------------------------------

struct write_target {
    data_model* dm;
    const request_ctx* ctx;
    const path* base;  // the request path; every record must be under it
    bool raw_tlv;
    bool composite;                           // paths anywhere (Write-Composite); else one object
    bool creating;                            // Create: instance id may be unspecified (65535)
    bool apply;                               // second pass: write the values
    std::optional<std::uint16_t> create_iid;  // the created instance (apply pass)
};

}  // namespace

// Forward declarations of the access checks (need data_model's public API).
namespace {
bool acl_enforced(const data_model& dm) noexcept {
    const object* s = dm.find(server_oid);
    return s != nullptr && s->instance_count() > 1;
}

// The ACL rights of `server` on /oid/iid (Core TS 1.2, E.3): the ACL
// resource instance keyed by its SSID; else full rights for the Access
// Control Owner; else the default ACL (resource instance 0); else none. No
// ACL instance for the target: no rights.
std::uint8_t acl_rights(data_model& dm, ssid server, std::uint16_t oid,
                        std::uint16_t iid) noexcept {
    object* a = dm.find(acl_oid);
    if (a == nullptr) return acl_full;
    std::size_t n = a->instance_count();
    for (std::size_t k = 0; k < n; ++k) {
        std::uint16_t ai = a->instance_at(k);
        auto o = read_int(*a, ai, 0);
        auto i = read_int(*a, ai, 1);
        if (!o || !i || *o != oid || *i != iid) continue;
        if (has_resource_instance(*a, ai, 2, server)) {
            auto r = read_int(*a, ai, 2, server);
            return r ? static_cast<std::uint8_t>(*r & acl_full) : std::uint8_t{0};
        }
        auto owner = read_int(*a, ai, 3);
        if (owner && *owner == server) return acl_full;
        if (server != 0 && has_resource_instance(*a, ai, 2, 0)) {
            auto r = read_int(*a, ai, 2, 0);
            return r ? static_cast<std::uint8_t>(*r & acl_full) : std::uint8_t{0};
        }
        return 0;
    }
    return 0;
}

// Whether the request may do `right` on /oid/iid (iid 65535 for Create).
bool allowed(data_model& dm, const request_ctx& ctx, std::uint16_t oid, std::uint16_t iid,
             std::uint8_t right) noexcept {
    if (ctx.bootstrap || ctx.server == 0) return true;
    // No LwM2M server may touch the Security (or OSCORE) object (E.1).
    if (oid == security_oid || oid == oscore_oid) return false;
    if (oid == acl_oid) {
        // Every server may read the ACLs; only the owner of an ACL instance
        // may change it, and only the bootstrap server creates or deletes them.
        if (right == acl_read || !acl_enforced(dm)) return true;
        if (right != acl_write) return false;
        object* a = dm.find(acl_oid);
        auto owner = a != nullptr ? read_int(*a, iid, 3) : std::nullopt;
        return owner && *owner == ctx.server;
    }
    if (!acl_enforced(dm)) return true;
    return (acl_rights(dm, ctx.server, oid, iid) & right) != 0;
}

// Gives the server that created an instance ownership of it (E.3: the client
// creates an ACL instance for an instance a server creates).
void create_acl_for(data_model& dm, const request_ctx& ctx, std::uint16_t oid,
                    std::uint16_t iid) noexcept {
    if (ctx.bootstrap || ctx.server == 0 || oid == acl_oid || !acl_enforced(dm)) return;
    object* a = dm.find(acl_oid);
    if (a == nullptr) return;
    auto ai = a->create(std::nullopt);
    if (!ai) return;
    (void)a->write(*ai, 0, std::nullopt, value::of_integer(oid));
    (void)a->write(*ai, 1, std::nullopt, value::of_integer(iid));
    (void)a->write(*ai, 3, std::nullopt, value::of_integer(ctx.server));
    a->after_write(*ai, std::nullopt);
}

// One pass over the leaves of a Read: counts them (g == nullptr) or gathers
// their values. Leaves the server may not read (Access Control) are left
// out, and so are values the object does not have (an optional resource not
// set, an instance that vanished); Read of such a path itself is 4.04.
struct leaf_pass {
    data_model& dm;
    const request_ctx& ctx;
    gather* g = nullptr;
    std::size_t count = 0;

    status on_leaf(object& o, const path& leaf) noexcept {
        if (!allowed(dm, ctx, o.id(), leaf.instance().value(), acl_read)) return status::content;
        if (g == nullptr) {
            ++count;
            return status::content;
        }
        auto s = g->add(o, leaf);
        return s == status::not_found ? status::content : s;
    }
};

// Visits every readable leaf (resource or resource instance) under `p`,
// which was checked to exist. Absent optional resources and executable ones
// are skipped; a single resource's path is a leaf, a multiple resource gives
// one leaf per resource instance.
status leaves_of_resource(object& o, std::uint16_t iid, const resource_def& r,
                          leaf_pass& f) noexcept {
    path rp(lwm2m::object_id(o.id()), lwm2m::instance_id(iid), lwm2m::resource_id(r.id));
    if (!r.multiple) return f.on_leaf(o, rp);
    std::size_t n = o.resource_instance_count(iid, r.id);
    for (std::size_t k = 0; k < n; ++k) {
        auto riid = o.resource_instance_at(iid, r.id, k);
        auto s = f.on_leaf(
            o, path(rp.object(), rp.instance(), rp.resource(), lwm2m::resource_instance_id(riid)));
        if (!is_success(s)) return s;
    }
    return status::content;
}

status leaves_of_instance(object& o, std::uint16_t iid, leaf_pass& f) noexcept {
    for (const auto& r : o.def().resources) {
        if (!lwm2m::can_read(r.ops) || !o.has_resource(iid, r.id)) continue;
        auto s = leaves_of_resource(o, iid, r, f);
        if (!is_success(s)) return s;
    }
    return status::content;
}

status for_each_leaf(object& o, const path& p, leaf_pass& f) noexcept {
    if (p.is_resource_instance()) return f.on_leaf(o, p);
    if (p.is_resource())
        return leaves_of_resource(o, p.instance().value(), *o.def().find(p.resource().value()), f);
    if (p.is_instance()) return leaves_of_instance(o, p.instance().value(), f);
    std::size_t n = o.instance_count();
    for (std::size_t k = 0; k < n; ++k) {
        auto s = leaves_of_instance(o, o.instance_at(k), f);
        if (!is_success(s)) return s;
    }
    return status::content;
}

// Composite: the leaves of every path that exists and may be read; paths
// that do not exist are left out (Core TS 1.2, 6.3.? Read-Composite: the
// client answers with the values it has). "/" is every object but Security
// and OSCORE.
status leaves_of_paths(data_model& dm, std::span<const path> paths, leaf_pass& f) noexcept {
    auto one = [&](object& o, const path& q) -> status {
        if (q.depth() >= 2 && !o.has_instance(q.instance().value())) return status::content;
        if (q.depth() >= 3) {
            const resource_def* d = o.def().find(q.resource().value());
            if (d == nullptr || !lwm2m::can_read(d->ops) ||
                !o.has_resource(q.instance().value(), d->id))
                return status::content;
            if (q.is_resource_instance() &&
                (!d->multiple || !has_resource_instance(o, q.instance().value(), d->id,
                                                        q.resource_instance().value())))
                return status::content;
        }
        return for_each_leaf(o, q, f);
    };
    for (const auto& p : paths) {
        if (p.is_root()) {
            for (auto* o : dm.objects()) {
                if (o->id() == security_oid || o->id() == oscore_oid) continue;
                auto s = one(*o, path(lwm2m::object_id(o->id())));
                if (!is_success(s)) return s;
            }
            continue;
        }
        object* o = dm.find(p.object().value());
        if (o == nullptr) continue;
        auto s = one(*o, p);
        if (!is_success(s)) return s;
    }
    return status::content;
}

// Deletes the ACL instances of a deleted instance (E.3).
void drop_acl_for(data_model& dm, std::uint16_t oid, std::uint16_t iid) noexcept {
    object* a = dm.find(acl_oid);
    if (a == nullptr || oid == acl_oid) return;
    for (std::size_t k = a->instance_count(); k > 0; --k) {
        std::uint16_t ai = a->instance_at(k - 1);
        auto o = read_int(*a, ai, 0);
        auto i = read_int(*a, ai, 1);
        if (o && i && *o == oid && *i == iid) (void)a->remove(ai);
    }
}

// Checks a decoded record against the definitions, then validates (first
// pass) or writes (second pass) it.
class write_sink final : public lwm2m::record_sink {
  public:
    explicit write_sink(write_target t) noexcept : t_(t) {}
    status code = status::changed;
    std::optional<std::uint16_t> seen_iid;  // Create: the instance the payload names
    static_vector<path, 8> instances;       // instances written (after_write)

    result<void> on_record(const record& r) noexcept override {
        auto s = check(r);
        if (!is_success(s)) {
            code = s;
            return unexpected(errc::invalid_argument, "refused value");
        }
        return {};
    }

  private:
    status check(const record& r) noexcept {
        const path& p = r.path;
        if (!t_.base->is_prefix_of(p)) return status::bad_request;
        if (p.depth() < 3) {
            // An empty instance or object (TLV/SenML containers): nothing to write.
            if (r.value.is_none()) return status::changed;
            return status::bad_request;
        }
        object* o = t_.dm->find(p.object().value());
        if (o == nullptr) return status::not_found;
        std::uint16_t iid = p.instance().value();
        if (t_.creating) {
            if (!seen_iid)
                seen_iid = iid;
            else if (*seen_iid != iid)
                return status::bad_request;  // one instance per Create
            if (t_.apply) iid = *t_.create_iid;
        } else if (!o->has_instance(iid)) {
            return status::not_found;
        }
        const resource_def* d = o->def().find(p.resource().value());
        if (d == nullptr) return status::not_found;
        if (lwm2m::can_execute(d->ops)) return status::method_not_allowed;
        bool privileged = t_.ctx->bootstrap || t_.ctx->server == 0;
        if (!lwm2m::can_write(d->ops) && !privileged) return status::method_not_allowed;
        if (!t_.creating && !t_.apply && !allowed(*t_.dm, *t_.ctx, o->id(), iid, acl_write))
            return status::unauthorized;
        std::optional<std::uint16_t> riid;
        if (p.is_resource_instance()) {
            if (!d->multiple) return status::bad_request;
            riid = p.resource_instance().value();
            if (*riid == lwm2m::max_id) return status::bad_request;
        } else if (d->multiple) {
            // A multiple resource with no instances (empty TLV / container).
            if (r.value.is_none()) return status::changed;
            return status::bad_request;
        }
        if (r.value.is_none()) return status::bad_request;
        auto v = coerce(r.value, d->type, t_.raw_tlv);
        if (!v) return status::bad_request;
        if (!t_.apply) {
            if (t_.creating) return status::changed;  // validated once the instance exists
            auto s = o->validate(iid, d->id, riid, *v);
            return is_success(s) ? status::changed : s;
        }
        auto s = o->write(iid, d->id, riid, *v);
        if (!is_success(s)) return s;
        note_instance(path(p.object(), lwm2m::instance_id(iid)));
        if (!t_.creating)
            t_.dm->on_changed(path(p.object(), lwm2m::instance_id(iid), p.resource()));
        return status::changed;
    }

    void note_instance(const path& ip) noexcept {
        for (const auto& q : instances)
            if (q == ip) return;
        (void)instances.push_back(ip);
    }

    write_target t_;
};

// Create: validates the values against the new instance (between the first
// pass and the writes).
class create_validate_sink final : public lwm2m::record_sink {
  public:
    create_validate_sink(object& o, std::uint16_t iid, bool raw_tlv) noexcept
        : o_(o), iid_(iid), raw_(raw_tlv) {}
    status code = status::changed;
    result<void> on_record(const record& r) noexcept override {
        if (r.path.depth() < 3 || r.value.is_none()) return {};
        const resource_def* d = o_.def().find(r.path.resource().value());
        if (d == nullptr) return {};
        auto v = coerce(r.value, d->type, raw_);
        if (!v) return {};
        std::optional<std::uint16_t> riid;
        if (r.path.is_resource_instance()) riid = r.path.resource_instance().value();
        auto s = o_.validate(iid_, d->id, riid, *v);
        if (!is_success(s)) {
            code = s;
            return unexpected(errc::invalid_argument, "refused value");
        }
        return {};
    }

  private:
    object& o_;
    std::uint16_t iid_;
    bool raw_;
};

status decode_error(const error& e) noexcept {
    switch (e.code) {
        case errc::unsupported:
            return status::unsupported_content_format;
        case errc::capacity_exceeded:
            return status::request_entity_too_large;
        default:
            return status::bad_request;
    }
}

}  // namespace

// ---- registry ------------------------------------------------------------------

result<void> data_model::add(object& o) noexcept {
    if (!validate_def(o.def()))
        return unexpected(errc::invalid_argument, "object table is not sorted by resource id");
    if (find(o.id()) != nullptr)
        return unexpected(errc::invalid_argument, "an object with that id is registered");
    if (objects_.full()) return unexpected(errc::capacity_exceeded, "too many objects");
    (void)objects_.push_back(&o);
    for (std::size_t i = objects_.size() - 1; i > 0 && objects_[i - 1]->id() > objects_[i]->id();
         --i) {
        object* t = objects_[i];
        objects_[i] = objects_[i - 1];
        objects_[i - 1] = t;
    }
    o.set_listener(this);
    ++generation_;
    return {};
}

void data_model::remove(std::uint16_t oid) noexcept {
    for (std::size_t i = 0; i < objects_.size(); ++i)
        if (objects_[i]->id() == oid) {
            objects_[i]->set_listener(nullptr);
            objects_.erase_at(i);
            drop_attributes(path(lwm2m::object_id(oid)));
            ++generation_;
            return;
        }
}

object* data_model::find(std::uint16_t oid) noexcept {
    for (auto* o : objects_)
        if (o->id() == oid) return o;
    return nullptr;
}

const object* data_model::find(std::uint16_t oid) const noexcept {
    for (auto* o : objects_)
        if (o->id() == oid) return o;
    return nullptr;
}

void data_model::on_changed(const path& p) noexcept {
    if (p.is_object()) ++generation_;
    path q = p;
    for (;;) {
        for (const auto& e : pending_)
            if (e.is_prefix_of(q)) return;  // already queued, or covered
        for (std::size_t i = pending_.size(); i > 0; --i)
            if (q.is_prefix_of(pending_[i - 1])) pending_.erase_at(i - 1);
        if (pending_.push_back(q)) return;
        // Full: widen to the object, then to the root, which covers everything.
        q = q.depth() > 1 ? path(q.object()) : path();
    }
}

std::optional<path> data_model::poll_changed() noexcept {
    if (pending_.empty()) return std::nullopt;
    path p = pending_[0];
    pending_.erase_at(0);
    return p;
}

// ---- Read ------------------------------------------------------------------

dm_result data_model::read(const request_ctx& ctx, const path& p,
                           std::optional<std::uint16_t> accept, mutable_bytes out,
                           mutable_bytes scratch) noexcept {
    if (p.is_root()) return fail(status::method_not_allowed);
    // Plain variables, not a structured binding: lambdas below capture them
    // (clang 14 cannot capture structured bindings).
    const located where = locate(*this, p);
    if (where.code != status::content) return fail(where.code);
    object* o = where.o;
    const resource_def* d = where.d;
    if (d != nullptr && !lwm2m::can_read(d->ops)) return fail(status::method_not_allowed);
    if (p.depth() >= 2 && !allowed(*this, ctx, o->id(), p.instance().value(), acl_read))
        return fail(status::unauthorized);
    if (p.is_object() && (o->id() == security_oid || o->id() == oscore_oid) && !ctx.bootstrap &&
        ctx.server != 0)
        return fail(status::unauthorized);

    const bool single = (d != nullptr && (!d->multiple || p.is_resource_instance()));
    std::uint16_t f;
    if (accept) {
        f = *accept;
        const auto* fi = codec::find_format(f);
        if (fi == nullptr || fi->paths_only || f == fmt(content_format::link_format) ||
            !fi->on_device)
            return fail(status::not_acceptable);
        if (!single && !fi->multiple_resources) return fail(status::not_acceptable);
        if (f == fmt(content_format::opaque) && (d == nullptr || d->type != data_type::opaque))
            return fail(status::not_acceptable);
    } else if (single) {
        f = d->type == data_type::opaque ? fmt(content_format::opaque) : fmt(content_format::text);
    } else if (preferred_ != 0) {
        f = preferred_;
    } else {
        f = version_ == lwm2m_version::v1_0 ? fmt(content_format::tlv)
                                            : fmt(content_format::senml_cbor);
    }

    // Count the leaves, then gather them.
    leaf_pass counting{*this, ctx};
    (void)for_each_leaf(*o, p, counting);
    gather g(scratch, counting.count);
    if (g.overflow()) return fail(status::internal_server_error);
    leaf_pass taking{*this, ctx, &g};
    auto s = for_each_leaf(*o, p, taking);
    if (!is_success(s)) return fail(s);
    if (single && g.records().size() != 1) return fail(status::not_found);

    codec::encode_context ec{p, nullptr};
    auto w = codec::encode(static_cast<content_format>(f), ec, g.records(), out);
    if (!w) {
        if (w.error().code == errc::unsupported) return fail(status::not_acceptable);
        if (w.error().code == errc::buffer_too_small) return fail(status::internal_server_error);
        return fail(accept ? status::not_acceptable : status::internal_server_error);
    }
    dm_result r;
    r.code = status::content;
    r.size = *w;
    r.format = static_cast<content_format>(f);
    return r;
}

// ---- Write -----------------------------------------------------------------

dm_result data_model::write(const request_ctx& ctx, const path& p, std::uint16_t format,
                            bytes_view payload, bool replace, mutable_bytes scratch) noexcept {
    if (p.depth() < 2) return fail(status::method_not_allowed);
    object* o = find(p.object().value());
    if (o == nullptr || !o->has_instance(p.instance().value())) return fail(status::not_found);
    const std::uint16_t iid = p.instance().value();
    const resource_def* d = nullptr;
    if (p.depth() >= 3) {
        d = o->def().find(p.resource().value());
        if (d == nullptr) return fail(status::not_found);
        const bool privileged = ctx.bootstrap || ctx.server == 0;
        if (lwm2m::can_execute(d->ops) || (!lwm2m::can_write(d->ops) && !privileged))
            return fail(status::method_not_allowed);
        if (p.is_resource_instance() && !d->multiple) return fail(status::not_found);
    }
    if (!allowed(*this, ctx, o->id(), iid, acl_write)) return fail(status::unauthorized);
    const auto* fi = codec::find_format(format);
    if (fi == nullptr || fi->paths_only || format == fmt(content_format::link_format))
        return fail(status::unsupported_content_format);
    // text, opaque and CBOR carry one value: not an instance or a whole
    // multiple resource (Core TS 1.2, 7.3).
    if (!fi->multiple_resources && (d == nullptr || (d->multiple && p.is_resource())))
        return fail(status::unsupported_content_format);

    std::optional<one_resource> model;
    if (d != nullptr) model.emplace(o->id(), *d);
    codec::decode_context dc{p, model ? &*model : nullptr, scratch};
    const bool raw_tlv = format == fmt(content_format::tlv) && d == nullptr;

    write_sink check({this, &ctx, &p, raw_tlv, false, false, false, std::nullopt});
    auto r1 = codec::decode(static_cast<content_format>(format), dc, payload, check);
    if (!is_success(check.code)) return fail(check.code);
    if (!r1) return fail(decode_error(r1.error()));

    // Replace (Core TS 1.2, 6.3.3): the multiple resources of the instance
    // (or the one written) lose the instances the payload does not give.
    if (replace && p.is_instance()) {
        for (const auto& rd : o->def().resources)
            if (rd.multiple && lwm2m::can_write(rd.ops)) (void)o->clear_resource(iid, rd.id);
    } else if (replace && p.is_resource() && d->multiple) {
        (void)o->clear_resource(iid, d->id);
    }
    write_sink apply({this, &ctx, &p, raw_tlv, false, false, true, std::nullopt});
    auto r2 = codec::decode(static_cast<content_format>(format), dc, payload, apply);
    if (!is_success(apply.code)) return fail(apply.code);
    if (!r2) return fail(decode_error(r2.error()));
    o->after_write(iid, p.depth() >= 3 ? std::optional<std::uint16_t>(d->id) : std::nullopt);
    if (p.is_resource() && d->multiple) on_changed(p);
    if (p.is_instance()) on_changed(p);
    return fail(status::changed);
}

// ---- Execute -------------------------------------------------------------------

dm_result data_model::execute(const request_ctx& ctx, const path& p,
                              std::string_view args) noexcept {
    if (p.depth() < 1) return fail(status::method_not_allowed);
    object* o = find(p.object().value());
    if (o == nullptr) return fail(status::not_found);
    if (p.depth() >= 2 && !o->has_instance(p.instance().value())) return fail(status::not_found);
    const resource_def* d = nullptr;
    if (p.depth() >= 3) {
        d = o->def().find(p.resource().value());
        if (d == nullptr || !o->has_resource(p.instance().value(), d->id))
            return fail(status::not_found);
    }
    if (!p.is_resource() || !lwm2m::can_execute(d->ops)) return fail(status::method_not_allowed);
    if (!allowed(*this, ctx, o->id(), p.instance().value(), acl_execute))
        return fail(status::unauthorized);
    if (!valid_execute_args(args)) return fail(status::bad_request);
    return fail(o->execute(p.instance().value(), d->id, args));
}

// ---- Create / Delete -----------------------------------------------------------

dm_result data_model::create(const request_ctx& ctx, const path& p, std::uint16_t format,
                             bytes_view payload, mutable_bytes scratch) noexcept {
    if (!p.is_object()) return fail(status::method_not_allowed);
    object* o = find(p.object().value());
    if (o == nullptr) return fail(status::not_found);
    if (!allowed(*this, ctx, o->id(), lwm2m::max_id, acl_create)) return fail(status::unauthorized);
    std::optional<std::uint16_t> iid;
    codec::decode_context dc{p, nullptr, scratch};
    const bool raw_tlv = format == fmt(content_format::tlv);
    if (!payload.empty()) {
        const auto* fi = codec::find_format(format);
        if (fi == nullptr || fi->paths_only || !fi->multiple_resources)
            return fail(status::unsupported_content_format);
        write_sink check({this, &ctx, &p, raw_tlv, false, true, false, std::nullopt});
        auto r1 = codec::decode(static_cast<content_format>(format), dc, payload, check);
        if (!is_success(check.code)) return fail(check.code);
        if (!r1) return fail(decode_error(r1.error()));
        if (check.seen_iid && *check.seen_iid != lwm2m::max_id) iid = check.seen_iid;
    }
    if (iid && o->has_instance(*iid)) return fail(status::bad_request);
    auto made = o->create(iid);
    if (!made) {
        if (made.error().code == errc::not_allowed) return fail(status::method_not_allowed);
        return fail(status::bad_request);
    }
    const std::uint16_t nid = *made;
    if (!payload.empty()) {
        create_validate_sink v(*o, nid, raw_tlv);
        auto rv = codec::decode(static_cast<content_format>(format), dc, payload, v);
        if (!is_success(v.code) || !rv) {
            (void)o->remove(nid);
            return fail(is_success(v.code) ? decode_error(rv.error()) : v.code);
        }
        write_sink apply({this, &ctx, &p, raw_tlv, false, true, true, nid});
        auto r2 = codec::decode(static_cast<content_format>(format), dc, payload, apply);
        if (!is_success(apply.code) || !r2) {
            (void)o->remove(nid);
            return fail(is_success(apply.code) ? decode_error(r2.error()) : apply.code);
        }
    }
    o->after_write(nid, std::nullopt);
    create_acl_for(*this, ctx, o->id(), nid);
    on_changed(p);
    dm_result r;
    r.code = status::created;
    r.created = nid;
    return r;
}

dm_result data_model::remove(const request_ctx& ctx, const path& p) noexcept {
    if (p.is_root()) return fail(status::method_not_allowed);
    object* o = find(p.object().value());
    if (o == nullptr) return fail(status::not_found);
    if (p.is_object()) {
        // Bootstrap-Delete of a whole object (Core TS 1.2, 5.2.7.5).
        if (!ctx.bootstrap) return fail(status::method_not_allowed);
        while (o->instance_count() > 0) {
            auto id = o->instance_at(0);
            if (!is_success(o->remove(id))) return fail(status::bad_request);
        }
        drop_attributes(p);
        on_changed(p);
        return fail(status::deleted);
    }
    if (!p.is_instance()) return fail(status::method_not_allowed);
    const std::uint16_t iid = p.instance().value();
    if (!o->has_instance(iid)) return fail(status::not_found);
    if (!o->def().multiple && !ctx.bootstrap) return fail(status::method_not_allowed);
    if (!allowed(*this, ctx, o->id(), iid, acl_delete)) return fail(status::unauthorized);
    auto s = o->remove(iid);
    if (!is_success(s)) return fail(s);
    drop_attributes(p);
    drop_acl_for(*this, o->id(), iid);
    on_changed(path(p.object()));
    return fail(status::deleted);
}

// ---- Attributes ---------------------------------------------------------------

namespace {
// Bit of each attribute in stored_attributes::set.
enum : std::uint16_t {
    bit_pmin = 1,
    bit_pmax = 2,
    bit_gt = 4,
    bit_lt = 8,
    bit_st = 16,
    bit_epmin = 32,
    bit_epmax = 64,
    bit_edge = 128,
    bit_con = 256,
    bit_hqmax = 512,
};
template <class T>
void get_one(codec::link::attr<T>& a, std::uint16_t set, std::uint16_t bit, T v) noexcept {
    if ((set & bit) != 0) a.set(v);
}
template <class T>
void put_one(const codec::link::attr<T>& a, std::uint16_t& set, std::uint16_t bit, T& v) noexcept {
    if (a.is_set()) {
        set = static_cast<std::uint16_t>(set | bit);
        v = a.value;
    }
}
}  // namespace

codec::link::attributes stored_attributes::get() const noexcept {
    codec::link::attributes a;
    get_one(a.pmin, set, bit_pmin, pmin);
    get_one(a.pmax, set, bit_pmax, pmax);
    get_one(a.gt, set, bit_gt, gt);
    get_one(a.lt, set, bit_lt, lt);
    get_one(a.st, set, bit_st, st);
    get_one(a.epmin, set, bit_epmin, epmin);
    get_one(a.epmax, set, bit_epmax, epmax);
    get_one(a.edge, set, bit_edge, edge);
    get_one(a.con, set, bit_con, con);
    get_one(a.hqmax, set, bit_hqmax, hqmax);
    return a;
}

void stored_attributes::put(const codec::link::attributes& a) noexcept {
    set = 0;
    put_one(a.pmin, set, bit_pmin, pmin);
    put_one(a.pmax, set, bit_pmax, pmax);
    put_one(a.gt, set, bit_gt, gt);
    put_one(a.lt, set, bit_lt, lt);
    put_one(a.st, set, bit_st, st);
    put_one(a.epmin, set, bit_epmin, epmin);
    put_one(a.epmax, set, bit_epmax, epmax);
    put_one(a.edge, set, bit_edge, edge);
    put_one(a.con, set, bit_con, con);
    put_one(a.hqmax, set, bit_hqmax, hqmax);
}

std::optional<codec::link::attributes> data_model::attached(ssid server,
                                                            const path& p) const noexcept {
    for (const auto& e : attributes_)
        if (e.server == server && e.path == p) return e.get();
    return std::nullopt;
}

void data_model::drop_attributes(const path& p) noexcept {
    for (std::size_t i = attributes_.size(); i > 0; --i)
        if (p.is_prefix_of(attributes_[i - 1].path)) attributes_.erase_at(i - 1);
}

dm_result data_model::write_attributes(const request_ctx& ctx, const path& p,
                                       std::string_view query) noexcept {
    if (p.is_root()) return fail(status::method_not_allowed);
    // Plain variables, not a structured binding: lambdas below capture them
    // (clang 14 cannot capture structured bindings).
    const located where = locate(*this, p);
    if (where.code != status::content) return fail(where.code);
    object* o = where.o;
    const resource_def* d = where.d;
    if (p.depth() >= 2 && !allowed(*this, ctx, o->id(), p.instance().value(), acl_read))
        return fail(status::unauthorized);
    auto q = codec::link::parse_query(query);
    if (!q) return fail(status::bad_request);
    // gt, lt and st apply to numeric resources only (Core TS 1.2, 5.1.2).
    const bool change_conditions = q->gt.is_set() || q->lt.is_set() || q->st.is_set();
    if (change_conditions && (d == nullptr || !is_numeric(d->type)))
        return fail(status::bad_request);
    if (q->edge.is_set() && (d == nullptr || d->type != data_type::boolean))
        return fail(status::bad_request);

    codec::link::attributes merged;
    if (auto cur = attached(ctx.server, p)) merged = *cur;
    apply_query(merged, *q);
    const auto& m = merged;
    if (m.pmin.is_set() && m.pmax.is_set() && m.pmin.value > m.pmax.value)
        return fail(status::bad_request);
    if (m.epmin.is_set() && m.epmax.is_set() && m.epmin.value > m.epmax.value)
        return fail(status::bad_request);
    if (m.lt.is_set() && m.gt.is_set()) {
        if (!(m.lt.value < m.gt.value)) return fail(status::bad_request);
        if (m.st.is_set() && !(m.lt.value + 2 * m.st.value < m.gt.value))
            return fail(status::bad_request);
    }
    if (m.st.is_set() && m.st.value < 0) return fail(status::bad_request);

    for (std::size_t i = 0; i < attributes_.size(); ++i)
        if (attributes_[i].server == ctx.server && attributes_[i].path == p) {
            if (empty_attrs(merged))
                attributes_.erase_at(i);
            else
                attributes_[i].put(merged);
            return fail(status::changed);
        }
    if (empty_attrs(merged)) return fail(status::changed);
    // The table is full: the client cannot keep more (Core TS leaves the code
    // open; 5.00 says "the server did nothing wrong, the device is out of room").
    stored_attributes e;
    e.path = p;
    e.server = ctx.server;
    e.put(merged);
    if (!attributes_.push_back(e)) return fail(status::internal_server_error);
    return fail(status::changed);
}

codec::link::attributes data_model::effective_attributes(ssid server,
                                                         const path& p) const noexcept {
    codec::link::attributes a;
    for (std::size_t depth = 1; depth <= p.depth(); ++depth) {
        path q = p;
        while (q.depth() > depth)
            q = q.parent();
        if (auto e = attached(server, q)) merge(a, *e);
    }
    if (a.pmin.is_set() && a.pmax.is_set()) return a;
    // Defaults from the Server object instance of this server.
    const object* so = find(server_oid);
    if (so == nullptr) return a;
    object& s = *const_cast<object*>(so);  // read() is not const; it changes nothing here
    std::size_t n = s.instance_count();
    for (std::size_t k = 0; k < n; ++k) {
        auto iid = s.instance_at(k);
        auto id = read_int(s, iid, 0);
        if (!id || *id != server) continue;
        if (!a.pmin.is_set() && s.has_resource(iid, 2)) {
            auto v = read_int(s, iid, 2);
            if (v && *v >= 0 && *v <= 0xFFFFFFFF) a.pmin.set(static_cast<std::uint32_t>(*v));
        }
        if (!a.pmax.is_set() && s.has_resource(iid, 3)) {
            auto v = read_int(s, iid, 3);
            if (v && *v > 0 && *v <= 0xFFFFFFFF) a.pmax.set(static_cast<std::uint32_t>(*v));
        }
        break;
    }
    return a;
}

// ---- Discover ---------------------------------------------------------------

dm_result data_model::discover(const request_ctx& ctx, const path& p, mutable_bytes out) noexcept {
    if (p.is_root() || p.is_resource_instance()) return fail(status::method_not_allowed);
    // Plain variables, not a structured binding: lambdas below capture them
    // (clang 14 cannot capture structured bindings).
    const located where = locate(*this, p);
    if (where.code != status::content) return fail(where.code);
    object* o = where.o;
    const resource_def* d = where.d;
    if (p.depth() >= 2 && !allowed(*this, ctx, o->id(), p.instance().value(), acl_read))
        return fail(status::unauthorized);
    if ((o->id() == security_oid || o->id() == oscore_oid) && !ctx.bootstrap && ctx.server != 0)
        return fail(status::unauthorized);

    codec::link::writer w(out);
    auto own = [&](const path& q) {
        if (auto a = attached(ctx.server, q)) w.attributes(*a);
    };
    auto resource_link = [&](std::uint16_t iid, const resource_def& r, bool inherited) {
        path rp(p.object(), lwm2m::instance_id(iid), lwm2m::resource_id(r.id));
        w.link(rp);
        if (r.multiple)
            w.param("dim", static_cast<std::uint64_t>(o->resource_instance_count(iid, r.id)));
        if (inherited) {
            // Resource-level Discover shows the attributes in effect there
            // (attached or inherited from the instance and object; 5.4.2).
            codec::link::attributes a;
            for (std::size_t depth = 1; depth <= 3; ++depth) {
                path q = rp;
                while (q.depth() > depth)
                    q = q.parent();
                if (auto e = attached(ctx.server, q)) merge(a, *e);
            }
            w.attributes(a);
        } else {
            own(rp);
        }
    };
    auto instance_links = [&](std::uint16_t iid) {
        path ip(p.object(), lwm2m::instance_id(iid));
        w.link(ip);
        own(ip);
        for (const auto& r : o->def().resources)
            if (o->has_resource(iid, r.id)) resource_link(iid, r, false);
    };
    if (p.is_object()) {
        w.link(p);
        own(p);
        std::size_t n = o->instance_count();
        for (std::size_t k = 0; k < n; ++k) {
            auto iid = o->instance_at(k);
            if (!allowed(*this, ctx, o->id(), iid, acl_read)) continue;
            instance_links(iid);
        }
    } else if (p.is_instance()) {
        instance_links(p.instance().value());
    } else {
        resource_link(p.instance().value(), *d, true);
        if (d->multiple && version_ == lwm2m_version::v1_2) {
            // 1.2 lists the resource instances that have attributes of their own.
            std::size_t n = o->resource_instance_count(p.instance().value(), d->id);
            for (std::size_t k = 0; k < n; ++k) {
                path rip(p.object(), p.instance(), p.resource(),
                         lwm2m::resource_instance_id(
                             o->resource_instance_at(p.instance().value(), d->id, k)));
                if (auto a = attached(ctx.server, rip)) {
                    w.link(rip);
                    w.attributes(*a);
                }
            }
        }
    }
    auto n = w.finish();
    if (!n) return fail(status::internal_server_error);
    dm_result r;
    r.code = status::content;
    r.size = *n;
    r.format = content_format::link_format;
    return r;
}

// ---- Composite --------------------------------------------------------------

namespace {

class path_list final : public codec::path_sink {
  public:
    static_vector<path, SIROCCO_CLIENT_MAX_COMPOSITE_PATHS> paths;
    bool full = false;
    result<void> on_path(const path& p) noexcept override {
        if (!paths.push_back(p)) {
            full = true;
            return unexpected(errc::capacity_exceeded, "too many paths in one composite request");
        }
        return {};
    }
};

}  // namespace

dm_result data_model::encode_paths(const request_ctx& ctx, std::span<const path> paths,
                                   std::uint16_t format, std::optional<double> timestamp,
                                   mutable_bytes out, mutable_bytes scratch) noexcept {
    const auto* fi = codec::find_format(format);
    if (fi == nullptr || !fi->multiple_paths || fi->paths_only) return fail(status::not_acceptable);

    leaf_pass counting{*this, ctx};
    (void)leaves_of_paths(*this, paths, counting);
    gather g(scratch, counting.count);
    if (g.overflow()) return fail(status::internal_server_error);
    leaf_pass taking{*this, ctx, &g};
    auto s = leaves_of_paths(*this, paths, taking);
    if (!is_success(s)) return fail(s);
    g.sort_unique();
    if (timestamp)
        for (auto& r : g.records())
            r.timestamp = timestamp;
    codec::encode_context ec{path(), nullptr};
    auto w = codec::encode(static_cast<content_format>(format), ec, g.records(), out);
    if (!w) {
        if (w.error().code == errc::unsupported) return fail(status::not_acceptable);
        return fail(status::internal_server_error);
    }
    dm_result r;
    r.code = status::content;
    r.size = *w;
    r.format = static_cast<content_format>(format);
    return r;
}

dm_result data_model::read_composite(const request_ctx& ctx, std::uint16_t format,
                                     bytes_view payload, std::optional<std::uint16_t> accept,
                                     mutable_bytes out, mutable_bytes scratch) noexcept {
    if (format != fmt(content_format::senml_etch_json) &&
        format != fmt(content_format::senml_etch_cbor))
        return fail(status::unsupported_content_format);
    std::uint16_t f = accept ? *accept
                             : (preferred_ != 0 && codec::find_format(preferred_) != nullptr &&
                                        codec::find_format(preferred_)->multiple_paths
                                    ? preferred_
                                    : fmt(content_format::senml_cbor));
    const auto* fi = codec::find_format(f);
    if (fi == nullptr || !fi->multiple_paths || fi->paths_only) return fail(status::not_acceptable);
    path_list list;
    auto d = codec::decode_paths(static_cast<content_format>(format), payload, list);
    if (!d) return fail(list.full ? status::request_entity_too_large : decode_error(d.error()));
    return encode_paths(ctx, list.paths.span(), f, std::nullopt, out, scratch);
}

dm_result data_model::write_composite(const request_ctx& ctx, std::uint16_t format,
                                      bytes_view payload, mutable_bytes scratch) noexcept {
    const auto* fi = codec::find_format(format);
    if (fi == nullptr || !fi->multiple_paths || fi->paths_only)
        return fail(status::unsupported_content_format);
    const path root;
    codec::decode_context dc{root, nullptr, scratch};
    write_sink check({this, &ctx, &root, false, true, false, false, std::nullopt});
    auto r1 = codec::decode(static_cast<content_format>(format), dc, payload, check);
    if (!is_success(check.code)) return fail(check.code);
    if (!r1) return fail(decode_error(r1.error()));
    write_sink apply({this, &ctx, &root, false, true, false, true, std::nullopt});
    auto r2 = codec::decode(static_cast<content_format>(format), dc, payload, apply);
    for (const auto& ip : apply.instances)
        if (object* o = find(ip.object().value()))
            o->after_write(ip.instance().value(), std::nullopt);
    if (!is_success(apply.code)) return fail(apply.code);
    if (!r2) return fail(decode_error(r2.error()));
    return fail(status::changed);
}

// ---- Registration ------------------------------------------------------------

result<std::size_t> data_model::write_object_list(mutable_bytes out,
                                                  std::uint16_t preferred_format) const noexcept {
    codec::link::writer w(out);
    w.link(std::string_view("/"));
    w.param_quoted("rt", "oma.lwm2m");
    if (preferred_format != 0) w.param("ct", static_cast<std::uint64_t>(preferred_format));
    for (const auto* o : objects_) {
        if (o->id() == security_oid || o->id() == oscore_oid) continue;
        const auto ver = o->def().version;
        const bool show_ver = !ver.empty() && ver != "1.0";
        const std::size_t n = o->instance_count();
        if (show_ver || n == 0) {
            w.link(path(lwm2m::object_id(o->id())));
            if (show_ver) w.param("ver", ver);
        }
        for (std::size_t k = 0; k < n; ++k)
            w.link(path(lwm2m::object_id(o->id()), lwm2m::instance_id(o->instance_at(k))));
    }
    auto n = w.finish();
    if (!n) return unexpected(errc::buffer_too_small, "object list does not fit the buffer");
    return *n;
}

}  // namespace sirocco::client
