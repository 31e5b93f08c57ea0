// OMA LwM2M JSON (content format 11543; Core TS 1.1 7.4 "Data Formats", JSON; TS 1.0 "JSON",
// deprecated in 1.2 but still sent by 1.0 peers):
//   {"bn":"/3/0/","bt":25462634,"e":[{"n":"0","sv":"Open Mobile Alliance"},
//                                    {"n":"6/0","v":1,"t":-5}, ...]}
// Names are bn + n (as in SenML, and resolved by the same code); values are
// v (number), sv (string; base64 for opaque resources), bv (boolean) and
// ov (object link "oid:iid"); t is relative to bt.
//
// Encoding: bn is the request path (an object or deeper: composite
// operations need SenML), with a trailing '/' when a record lies below it; n holds the remaining
// ids and is left out for a record at the request path itself. Timestamps as in SenML: bt plus
// relative t when every record has one, else absolute t on those that do.
#include "base64.hpp"
#include "common.hpp"
#include "formats.hpp"
#include "json.hpp"
#include "senml.hpp"

namespace sirocco::codec::detail {

namespace {

bool finite(double d) noexcept {
    return d == d && d - d == 0.0;
}

void write_time(byte_writer& w, double t) noexcept {
    if (t == static_cast<double>(static_cast<std::int64_t>(t)) && t > -9.0e15 && t < 9.0e15) {
        (void)json::write_number(w, lwm2m::value::of_integer(static_cast<std::int64_t>(t)));
        return;
    }
    (void)json::write_number(w, lwm2m::value::of_float(t));
}

void write_ids(byte_writer& w, const lwm2m::path& p, std::size_t from) noexcept {
    for (std::size_t i = from; i < p.depth(); ++i) {
        if (i != from) w.put_u8('/');
        char buf[8];
        auto n = lwm2m::format_text(lwm2m::value::of_unsigned(p.at(i)), buf);
        w.put_chars(std::string_view(buf, n ? *n : 0));
    }
}

result<void> write_value(byte_writer& w, const lwm2m::value& v, bool comma) noexcept {
    using lwm2m::data_type;
    if (comma && !v.is_none()) w.put_u8(',');
    switch (v.type()) {
        case data_type::none:
            return {};
        case data_type::integer:
        case data_type::unsigned_integer:
        case data_type::float_:
        case data_type::time:
            w.put_chars("\"v\":");
            return json::write_number(
                w, v.type() == data_type::time ? lwm2m::value::of_integer(v.time()) : v);
        case data_type::boolean:
            w.put_chars(v.boolean() ? "\"bv\":true" : "\"bv\":false");
            return {};
        case data_type::string:
        case data_type::corelnk:
            w.put_chars("\"sv\":");
            json::write_string(w, v.string());
            return {};
        case data_type::opaque:
            w.put_chars("\"sv\":\"");
            base64_write(w, v.opaque(), base64_alphabet::standard, true);
            w.put_u8('"');
            return {};
        case data_type::objlnk: {
            char buf[12];
            auto n = senml::format_objlnk(v.link(), buf);
            if (!n) return unexpected(n.error());
            w.put_chars("\"ov\":\"");
            w.put_chars(std::string_view(buf, *n));
            w.put_u8('"');
            return {};
        }
    }
    return {};
}

// Finds bn and bt among the top-level members (they may follow "e").
result<void> scan_base(bytes_view in, senml::entry& first, char (&bn)[64]) noexcept {
    json::reader r(in);
    auto t = r.next();
    if (!t) return unexpected(t.error());
    if (t->kind != json::token::begin_object)
        return unexpected(errc::malformed, "LwM2M JSON must be an object");
    bool have_e = false;
    for (;;) {
        auto k = r.next();
        if (!k) return unexpected(k.error());
        if (k->kind == json::token::end_object) break;
        char kb[4];
        auto key = json::unescape(*k, kb);
        auto v = r.next();
        if (!v) return unexpected(v.error());
        std::string_view name = key ? *key : std::string_view{};
        if (name == "bn") {
            if (v->kind != json::token::string)
                return unexpected(errc::malformed, "bn must be a string");
            auto s = json::unescape(*v, bn);
            if (!s) return unexpected(errc::malformed, "base name too long");
            first.bn = *s;
        } else if (name == "bt") {
            if (v->kind != json::token::number)
                return unexpected(errc::malformed, "bt must be a number");
            auto d = lwm2m::parse_text(v->text, lwm2m::data_type::float_);
            if (!d) return unexpected(errc::malformed, "bt is not a number");
            first.bt = d->float_value();
        } else {
            if (name == "e") {
                if (v->kind != json::token::begin_array)
                    return unexpected(errc::malformed, "e must be an array");
                have_e = true;
            }
            SIROCCO_TRY(r.skip(*v));
        }
    }
    auto end = r.next();
    if (!end) return unexpected(end.error());
    if (!have_e) return unexpected(errc::malformed, "LwM2M JSON without \"e\"");
    return {};
}

}  // namespace

result<std::size_t> encode_lwm2m_json(const encode_context& ctx,
                                      std::span<const lwm2m::record> records,
                                      mutable_bytes out) noexcept {
    const auto& base = ctx.base;
    if (base.is_root())
        return unexpected(errc::unsupported,
                          "OMA LwM2M JSON carries one object at most (composite needs SenML)");
    bool below = false;
    bool all_timed = !records.empty();
    for (const auto& r : records) {
        SIROCCO_TRY(check_under(base, r.path));
        if (r.path.is_root()) return unexpected(errc::invalid_argument, "a record needs a path");
        below |= r.path.depth() > base.depth();
        if (!r.timestamp) all_timed = false;
        if (r.timestamp && !finite(*r.timestamp))
            return unexpected(errc::out_of_range, "timestamp is not finite");
    }
    byte_writer w(out);
    w.put_chars("{\"bn\":\"");
    w.put_u8('/');
    write_ids(w, base, 0);
    if (below) w.put_u8('/');
    w.put_u8('"');
    std::optional<double> bt;
    if (all_timed) {
        bt = records[0].timestamp;
        w.put_chars(",\"bt\":");
        write_time(w, *bt);
    }
    w.put_chars(",\"e\":[");
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        if (i != 0) w.put_u8(',');
        w.put_u8('{');
        bool has_n = r.path.depth() > base.depth();
        if (has_n) {
            w.put_chars("\"n\":\"");
            write_ids(w, r.path, base.depth());
            w.put_u8('"');
        }
        SIROCCO_TRY(write_value(w, r.value, has_n));
        if (r.timestamp) {
            double t = bt ? *r.timestamp - *bt : *r.timestamp;
            if (!bt || t != 0) {
                if (has_n || !r.value.is_none()) w.put_u8(',');
                w.put_chars("\"t\":");
                write_time(w, t);
            }
        }
        w.put_u8('}');
    }
    w.put_chars("]}");
    if (!w.ok()) return unexpected(errc::buffer_too_small, "output buffer too small");
    return w.size();
}

result<void> decode_lwm2m_json(const decode_context& ctx, bytes_view in,
                               lwm2m::record_sink& sink) noexcept {
    senml::entry first;
    char bn[64];
    SIROCCO_TRY(scan_base(in, first, bn));
    senml::resolver res(ctx.base, ctx.models);
    bool first_entry = true;
    json::reader r(in);
    (void)r.next();  // '{' (checked by scan_base)
    for (;;) {
        auto k = r.next();
        if (!k) return unexpected(k.error());
        if (k->kind == json::token::end_object) break;
        char kb[4];
        auto key = json::unescape(*k, kb);
        auto v = r.next();
        if (!v) return unexpected(v.error());
        if (!key || *key != "e") {
            SIROCCO_TRY(r.skip(*v));
            continue;
        }
        for (;;) {
            auto t = r.next();
            if (!t) return unexpected(t.error());
            if (t->kind == json::token::end_array) break;
            if (t->kind != json::token::begin_object)
                return unexpected(errc::malformed, "e must hold objects");
            senml::entry e;
            if (first_entry) {
                e.bn = first.bn;
                e.bt = first.bt;
                first_entry = false;
            }
            char nb[64];
            std::uint8_t seen = 0;
            for (;;) {
                auto ek = r.next();
                if (!ek) return unexpected(ek.error());
                if (ek->kind == json::token::end_object) break;
                char ekb[4];
                auto ename = json::unescape(*ek, ekb);
                auto ev = r.next();
                if (!ev) return unexpected(ev.error());
                std::string_view name = ename ? *ename : std::string_view{};
                std::uint8_t bit = name == "n"   ? 1
                                   : name == "t" ? 2
                                   : (name == "v" || name == "sv" || name == "bv" || name == "ov")
                                       ? 4
                                       : 0;
                if (bit == 0) {
                    SIROCCO_TRY(r.skip(*ev));
                    continue;
                }
                if ((seen & bit) != 0)
                    return unexpected(errc::malformed, "member given twice in an e entry");
                seen |= bit;
                if (name == "n") {
                    if (ev->kind != json::token::string)
                        return unexpected(errc::malformed, "n must be a string");
                    auto s = json::unescape(*ev, nb);
                    if (!s) return unexpected(errc::malformed, "name too long");
                    e.n = *s;
                } else if (name == "t") {
                    if (ev->kind != json::token::number)
                        return unexpected(errc::malformed, "t must be a number");
                    auto d = lwm2m::parse_text(ev->text, lwm2m::data_type::float_);
                    if (!d) return unexpected(errc::malformed, "t is not a number");
                    e.t = d->float_value();
                } else if (name == "v") {
                    if (ev->kind != json::token::number)
                        return unexpected(errc::malformed, "v must be a number");
                    auto n = json::number_value(ev->text);
                    if (!n) return unexpected(n.error());
                    e.kind = senml::field::v;
                    e.val = *n;
                } else if (name == "bv") {
                    if (ev->kind != json::token::true_ && ev->kind != json::token::false_)
                        return unexpected(errc::malformed, "bv must be true or false");
                    e.kind = senml::field::vb;
                    e.val = lwm2m::value::of_boolean(ev->kind == json::token::true_);
                } else {
                    if (ev->kind != json::token::string)
                        return unexpected(errc::malformed, "sv and ov must be strings");
                    auto s = json::unescape(
                        *ev, std::span<char>(reinterpret_cast<char*>(ctx.scratch.data()),
                                             ctx.scratch.size()));
                    if (!s) return unexpected(s.error());
                    e.kind = name == "sv" ? senml::field::vs : senml::field::vlo;
                    e.val = lwm2m::value::of_string(*s);
                }
            }
            if (e.kind == senml::field::vs) {
                // Opaque resources carry base64 in sv (Core TS 1.1, JSON format, Opaque).
                auto p = res.resolve_path(e);
                if (!p) return unexpected(p.error());
                const auto* m = resource_model_of(ctx.models, *p);
                if (m != nullptr && m->type == lwm2m::data_type::opaque) {
                    auto n = base64_decode(e.val.string(), ctx.scratch);
                    if (!n) return unexpected(n.error());
                    e.kind = senml::field::vd;
                    e.val = lwm2m::value::of_opaque(bytes_view(ctx.scratch.data(), *n));
                }
            }
            auto rec = res.resolve(e);
            if (!rec) return unexpected(rec.error());
            SIROCCO_TRY(sink.on_record(*rec));
        }
    }
    return {};
}

}  // namespace sirocco::codec::detail
