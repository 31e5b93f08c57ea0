// OMA LwM2M TLV (content format 11542; Core TS 1.2, 7.4 "Data Formats", TLV).
//
// Type byte: bits 7-6 kind (00 object instance, 01 resource instance,
// 10 multiple resource, 11 resource with value), bit 5 id width (8/16 bits),
// bits 4-3 length form (in bits 2-0, or 8/16/24-bit field), bits 2-0 length.
//
// Encoding: the smallest form everywhere: 8-bit ids below 256, the length in
// the type byte below 8, integers in 1, 2, 4 or 8 bytes (the fewest that hold
// the value), floats in 4 bytes when binary32 holds the value exactly, else 8.
// Containers need their length before their content, so each container is
// measured first by a dry run of the same writer (no heap, O(n x depth)).
//
// Decoding accepts what peers send (Core TS 1.0 to 1.2 and Leshan's
// tolerance): resources with or without the object-instance wrapper,
// multiple-resource TLVs with or without their wrapper, 8- or 16-bit ids and
// every length form whatever the value. Resources under an object path with
// no instance TLV (Create) get instance id 65535, "no id" (ids.hpp).
#include "common.hpp"
#include "formats.hpp"

namespace sirocco::codec::detail {

namespace {

enum kind : std::uint8_t {
    object_instance = 0,
    resource_instance = 1,
    multiple_resource = 2,
    resource = 3
};

// Depth of the path a TLV kind names.
constexpr std::size_t target_depth(std::uint8_t k) noexcept {
    return k == object_instance ? 2 : (k == resource_instance ? 4 : 3);
}

// ---- encoding ----

void put_header(byte_writer& w, std::uint8_t k, std::uint16_t id, std::size_t len) noexcept {
    std::uint8_t t = static_cast<std::uint8_t>(k << 6);
    if (id > 0xFF) t |= 0x20;
    std::size_t ln = 0;
    if (len < 8) {
        t |= static_cast<std::uint8_t>(len);
    } else {
        ln = len <= 0xFF ? 1 : (len <= 0xFFFF ? 2 : 3);
        t |= static_cast<std::uint8_t>(ln << 3);
    }
    w.put_u8(t);
    w.put_be(id, id > 0xFF ? 2 : 1);
    if (ln != 0) w.put_be(len, ln);
}

std::size_t int_width(std::int64_t v) noexcept {
    if (v >= -128 && v <= 127) return 1;
    if (v >= -32768 && v <= 32767) return 2;
    if (v >= -2147483648LL && v <= 2147483647LL) return 4;
    return 8;
}

std::size_t uint_width(std::uint64_t v) noexcept {
    return v <= 0xFF ? 1 : (v <= 0xFFFF ? 2 : (v <= 0xFFFFFFFFu ? 4 : 8));
}

bool fits_float32(double f) noexcept {
    return static_cast<double>(static_cast<float>(f)) == f;  // false for NaN: 8 bytes
}

// Writes the value part; returns false for a value TLV cannot carry.
void put_value(byte_writer& w, const lwm2m::value& v) noexcept {
    using lwm2m::data_type;
    switch (v.type()) {
        case data_type::none:
            break;
        case data_type::string:
        case data_type::corelnk:
            w.put_chars(v.string());
            break;
        case data_type::opaque:
            w.put_bytes(v.opaque());
            break;
        case data_type::integer:
        case data_type::time: {
            auto i = v.integer();
            w.put_be(static_cast<std::uint64_t>(i), int_width(i));
            break;
        }
        case data_type::unsigned_integer: {
            auto u = v.unsigned_integer();
            w.put_be(u, uint_width(u));
            break;
        }
        case data_type::float_: {
            double f = v.float_value();
            if (fits_float32(f)) {
                float g = static_cast<float>(f);
                std::uint32_t bits;
                std::memcpy(&bits, &g, 4);
                w.put_be(bits, 4);
            } else {
                std::uint64_t bits;
                std::memcpy(&bits, &f, 8);
                w.put_be(bits, 8);
            }
            break;
        }
        case data_type::boolean:
            w.put_u8(v.boolean() ? 1 : 0);
            break;
        case data_type::objlnk:
            w.put_be(v.link().object_id, 2);
            w.put_be(v.link().instance_id, 2);
            break;
    }
}

std::size_t value_size(const lwm2m::value& v) noexcept {
    byte_writer dry(mutable_bytes{});
    put_value(dry, v);
    return dry.size();
}

struct encoder {
    const encode_context& ctx;

    // Writes the children of the records in `g` at `level` (0-based index of
    // the id that tells siblings apart).
    result<void> children(byte_writer& w, std::span<const lwm2m::record> g,
                          std::size_t level) const noexcept {
        std::size_t i = 0;
        while (i < g.size()) {
            if (g[i].path.depth() <= level) {  // the container's own record
                if (!g[i].value.is_none())
                    return unexpected(errc::invalid_argument,
                                      "a value on an object or instance path");
                ++i;
                continue;
            }
            std::size_t j = i + 1;
            while (j < g.size() && g[j].path.depth() > level &&
                   g[j].path.at(level) == g[i].path.at(level))
                ++j;
            SIROCCO_TRY(node(w, g.subspan(i, j - i), level));
            i = j;
        }
        return {};
    }

    // Writes one TLV for the records in `g`, which share the id at `level`.
    result<void> node(byte_writer& w, std::span<const lwm2m::record> g,
                      std::size_t level) const noexcept {
        auto id = g[0].path.at(level);
        bool has_children = false;
        for (const auto& r : g)
            has_children |= r.path.depth() > level + 1;
        if (level == 3 || (level == 2 && !has_children)) {
            // A leaf: a resource or a resource instance with its value.
            if (g.size() != 1)
                return unexpected(errc::invalid_argument, "two records with the same path");
            const auto& r = g[0];
            if (level == 2 && r.value.is_none()) {
                const auto* m = resource_model_of(ctx.models, r.path);
                if (m != nullptr && m->multiple) {  // an empty multiple-instance resource
                    put_header(w, multiple_resource, id, 0);
                    return {};
                }
            }
            put_header(w, level == 3 ? resource_instance : resource, id, value_size(r.value));
            put_value(w, r.value);
            return {};
        }
        byte_writer dry(mutable_bytes{});
        SIROCCO_TRY(children(dry, g, level + 1));
        if (dry.size() > 0xFFFFFF)
            return unexpected(errc::capacity_exceeded, "TLV longer than 16 MiB");
        put_header(w, level == 1 ? object_instance : multiple_resource, id, dry.size());
        return children(w, g, level + 1);
    }
};

// ---- decoding ----

struct tlv {
    std::uint8_t kind;
    std::uint16_t id;
    bytes_view value;
};

result<tlv> read_tlv(byte_reader& r) noexcept {
    std::uint8_t t = 0;
    (void)r.read_u8(t);
    tlv out{static_cast<std::uint8_t>(t >> 6), 0, {}};
    std::uint64_t id = 0;
    if (!r.read_be((t & 0x20) ? 2 : 1, id))
        return unexpected(errc::malformed, "TLV ends inside its identifier");
    out.id = static_cast<std::uint16_t>(id);
    std::size_t lf = (t >> 3) & 3;
    std::uint64_t len = t & 7u;
    if (lf != 0 && !r.read_be(lf, len))
        return unexpected(errc::malformed, "TLV ends inside its length");
    if (!r.read_bytes(static_cast<std::size_t>(len), out.value))
        return unexpected(errc::malformed, "TLV length goes past the end of the payload");
    return out;
}

result<lwm2m::value> decode_value(const lwm2m::resource_model* m, bytes_view b) noexcept {
    using lwm2m::data_type;
    using lwm2m::value;
    if (m == nullptr) return value::of_opaque(b);  // Core TS: unknown type -> opaque
    auto be = [&](std::uint64_t& u) -> bool {
        if (b.empty() || b.size() > 8) return false;
        byte_reader r(b);
        return r.read_be(b.size(), u);
    };
    std::uint64_t u = 0;
    switch (m->type) {
        case data_type::none:
            if (!b.empty())
                return unexpected(errc::type_mismatch, "value for a resource that takes none");
            return value{};
        case data_type::string:
        case data_type::corelnk: {
            auto s = as_chars(b);
            if (!valid_utf8(s)) return unexpected(errc::malformed, "string is not valid UTF-8");
            return m->type == data_type::string ? value::of_string(s) : value::of_corelnk(s);
        }
        case data_type::opaque:
            return value::of_opaque(b);
        case data_type::integer:
        case data_type::time: {
            if (!be(u)) return unexpected(errc::malformed, "integer TLV must be 1 to 8 bytes");
            auto bits = b.size() * 8;
            std::int64_t i = bits == 64
                                 ? static_cast<std::int64_t>(u)
                                 : static_cast<std::int64_t>(u << (64 - bits)) >> (64 - bits);
            return m->type == data_type::integer ? value::of_integer(i) : value::of_time(i);
        }
        case data_type::unsigned_integer:
            if (!be(u))
                return unexpected(errc::malformed, "unsigned integer TLV must be 1 to 8 bytes");
            return value::of_unsigned(u);
        case data_type::float_:
            if (b.size() == 4) {
                (void)be(u);
                auto bits = static_cast<std::uint32_t>(u);
                float f;
                std::memcpy(&f, &bits, 4);
                return value::of_float(static_cast<double>(f));
            }
            if (b.size() == 8) {
                (void)be(u);
                double f;
                std::memcpy(&f, &u, 8);
                return value::of_float(f);
            }
            return unexpected(errc::malformed, "float TLV must be 4 or 8 bytes");
        case data_type::boolean:
            if (b.size() != 1 || b[0] > 1)
                return unexpected(errc::malformed, "boolean TLV must be one byte 0 or 1");
            return value::of_boolean(b[0] == 1);
        case data_type::objlnk:
            if (b.size() != 4)
                return unexpected(errc::malformed, "object link TLV must be 4 bytes");
            return value::of_objlnk({static_cast<std::uint16_t>((b[0] << 8) | b[1]),
                                     static_cast<std::uint16_t>((b[2] << 8) | b[3])});
    }
    return unexpected(errc::type_mismatch, "unknown data type in model");
}

struct decoder {
    const decode_context& ctx;
    lwm2m::record_sink& sink;

    // Decodes the TLVs of `in`, children of `parent`. `inside` is the kind of
    // the enclosing TLV (or 0xFF at the top), which bounds nesting.
    result<void> seq(bytes_view in, const lwm2m::path& parent, std::uint8_t inside) const noexcept {
        byte_reader r(in);
        int last_key = -1;
        int relation = -1;  // how this sequence's TLVs relate to `parent`
        while (!r.empty()) {
            auto start = r.position();
            auto t = read_tlv(r);
            if (!t) return unexpected(t.error());
            if (inside == object_instance && t->kind != resource && t->kind != multiple_resource)
                return unexpected(errc::malformed,
                                  "object instance TLV holds something other than resources");
            if (inside == multiple_resource && t->kind != resource_instance)
                return unexpected(
                    errc::malformed,
                    "multiple resource TLV holds something other than resource instances");
            // Siblings must not repeat an id (Leshan rejects it too). Ids in
            // increasing order (what encoders write) cannot repeat; otherwise
            // look back over the earlier siblings.
            const int key = static_cast<int>(target_depth(t->kind) << 16) | t->id;
            if (key > last_key) {
                last_key = key;
            } else {
                byte_reader prev(in.first(start));
                while (!prev.empty()) {
                    auto s = read_tlv(prev);
                    if (!s) break;
                    if (target_depth(s->kind) == target_depth(t->kind) && s->id == t->id)
                        return unexpected(errc::malformed, "two TLVs with the same id");
                }
            }
            // All TLVs of a sequence name children of `parent`, or all are
            // resources of an implied instance (Create), or there is a single
            // one naming `parent` itself (a wrapper or the value of the request
            // path). Mixing them would give one path two values.
            const auto d = target_depth(t->kind);
            const auto p = parent.depth();
            const int rel = d == p + 1 ? 0 : (d <= p ? 1 : 2);
            if (relation != -1 && (rel != relation || rel == 1))
                return unexpected(errc::malformed,
                                  "TLVs for the request path and for paths below it are mixed");
            relation = rel;
            SIROCCO_TRY(one(*t, parent));
        }
        return {};
    }

    result<void> one(const tlv& t, const lwm2m::path& parent) const noexcept {
        auto d = target_depth(t.kind);
        auto p = parent.depth();
        lwm2m::path node;
        lwm2m::path child_parent;
        if (d == p + 1) {
            auto c = parent.child(t.id);
            if (!c) return unexpected(c.error());
            node = *c;
            child_parent = node;
        } else if (d <= p) {
            if (parent.at(d - 1) != t.id)
                return unexpected(errc::malformed, "TLV id differs from the request path");
            node = parent;
            while (node.depth() > d)
                node = node.parent();
            child_parent = parent;
        } else if (d == 3 && p == 1) {
            node = lwm2m::path(parent.object(), lwm2m::instance_id(lwm2m::max_id),
                               lwm2m::resource_id(t.id));
            child_parent = node;
        } else {
            return unexpected(errc::malformed, "resource instance TLV outside a resource");
        }
        switch (t.kind) {
            case object_instance:
            case multiple_resource:
                if (t.value.empty()) {
                    if (p <= d) return emit(sink, node, lwm2m::value{});
                    return {};
                }
                return seq(t.value, child_parent, t.kind);
            case resource:
                if (p > 3)
                    return unexpected(errc::malformed,
                                      "resource TLV where a resource instance was requested");
                [[fallthrough]];
            default: {
                auto v = decode_value(resource_model_of(ctx.models, node), t.value);
                if (!v) return unexpected(v.error());
                return emit(sink, node, *v);
            }
        }
    }
};

}  // namespace

result<std::size_t> encode_tlv(const encode_context& ctx, std::span<const lwm2m::record> records,
                               mutable_bytes out) noexcept {
    const auto& base = ctx.base;
    if (base.depth() == 0) return unexpected(errc::unsupported, "TLV carries one object at most");
    for (std::size_t i = 0; i < records.size(); ++i) {
        SIROCCO_TRY(check_under(base, records[i].path));
        if (i > 0 && !(records[i - 1].path < records[i].path))
            return unexpected(errc::invalid_argument,
                              "records must be sorted by path, without duplicates");
    }
    byte_writer w(out);
    encoder e{ctx};
    switch (base.depth()) {
        case 1:
            SIROCCO_TRY(e.children(w, records, 1));
            break;
        case 2:
            SIROCCO_TRY(e.children(w, records, 2));
            break;
        default:
            if (records.empty()) break;
            SIROCCO_TRY(e.node(w, records, base.depth() - 1));
            break;
    }
    if (!w.ok()) return unexpected(errc::buffer_too_small, "output buffer too small");
    return w.size();
}

result<void> decode_tlv(const decode_context& ctx, bytes_view in,
                        lwm2m::record_sink& sink) noexcept {
    if (ctx.base.depth() == 0) return unexpected(errc::unsupported, "TLV needs an object path");
    decoder d{ctx, sink};
    return d.seq(in, ctx.base, 0xFF);
}

}  // namespace sirocco::codec::detail
