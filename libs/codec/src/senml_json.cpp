// SenML JSON (content format 110; RFC 8428, Core TS 1.2 7.4 "Data Formats", SenML JSON).
//
// Names, base values and the choice of bn/n come from senml.hpp (shared with
// SenML CBOR). Output is compact (no white space). Numbers: integers as
// integers; floats in the shortest text that reads back to the same double,
// with ".0" kept on integral floats ("23.0"): one byte more than "23", but a
// reader without the model (RFC 8428 says v is just a number) still sees a
// float, and so does our own decoder. Times (bt, t) that are integral are
// written as integers. vd is base64url without padding (RFC 8428 section 5).
#include "senml_json.hpp"

#include "base64.hpp"
#include "formats.hpp"

namespace sirocco::codec::detail {

namespace senml_json {

namespace {

enum label : std::uint16_t {
    l_bn = 1 << 0,
    l_bt = 1 << 1,
    l_n = 1 << 2,
    l_t = 1 << 3,
    l_v = 1 << 4,
    l_vs = 1 << 5,
    l_vb = 1 << 6,
    l_vd = 1 << 7,
    l_vlo = 1 << 8,
    l_other = 1 << 9,
};

std::uint16_t label_of(std::string_view k) noexcept {
    if (k == "bn") return l_bn;
    if (k == "bt") return l_bt;
    if (k == "n") return l_n;
    if (k == "t") return l_t;
    if (k == "v") return l_v;
    if (k == "vs") return l_vs;
    if (k == "vb") return l_vb;
    if (k == "vd") return l_vd;
    if (k == "vlo") return l_vlo;
    return l_other;
}

// "3", "-2": a CBOR label number written as a JSON key (the mirror of
// Leshan issue 1654, where text keys were sent in CBOR).
bool is_cbor_label(std::string_view k) noexcept {
    if (!k.empty() && k.front() == '-') k.remove_prefix(1);
    if (k.empty()) return false;
    for (char c : k)
        if (c < '0' || c > '9') return false;
    return true;
}

result<double> number_of(const json::item& it) noexcept {
    if (it.kind != json::token::number)
        return unexpected(errc::malformed, "SenML time must be a number");
    auto v = lwm2m::parse_text(it.text, lwm2m::data_type::float_);
    if (!v) return unexpected(errc::malformed, "SenML time is not a number");
    return v->float_value();
}

result<std::string_view> string_of(const json::item& it, std::span<char> buf) noexcept {
    if (it.kind != json::token::string)
        return unexpected(errc::malformed, "SenML name must be a string");
    auto s = json::unescape(it, buf);
    if (!s) return unexpected(errc::malformed, "SenML name too long");
    return *s;
}

}  // namespace

result<void> read_record(json::reader& r, senml::entry& e, buffers& b) noexcept {
    std::uint16_t seen = 0;
    e = senml::entry{};
    for (;;) {
        auto k = r.next();
        if (!k) return unexpected(k.error());
        if (k->kind == json::token::end_object) return {};
        // k is a key (the reader guarantees it inside an object).
        char keybuf[16];
        auto key = json::unescape(*k, keybuf);
        auto v = r.next();
        if (!v) return unexpected(v.error());
        if (!key) {  // a long label: not one of ours
            SIROCCO_TRY(r.skip(*v));
            continue;
        }
        auto l = label_of(*key);
        if (l == l_other && is_cbor_label(*key))
            return unexpected(
                errc::malformed,
                "SenML JSON labels are names (bn, n, v, vs...), not CBOR label numbers");
        if (l == l_other) {
            if (*key == "bv" || *key == "bs")
                return unexpected(errc::unsupported,
                                  "SenML base value and base sum are not supported");
            if (!key->empty() && key->back() == '_')
                return unexpected(errc::unsupported, "unknown must-understand SenML label");
            SIROCCO_TRY(r.skip(*v));
            continue;
        }
        if ((seen & l) != 0)
            return unexpected(errc::malformed, "SenML label given twice in a record");
        seen |= l;
        if ((l & (l_v | l_vs | l_vb | l_vd | l_vlo)) != 0 && e.kind != senml::field::none)
            return unexpected(errc::malformed, "SenML record with two values");
        switch (l) {
            case l_bn: {
                auto s = string_of(*v, b.bn);
                if (!s) return unexpected(s.error());
                e.bn = *s;
                break;
            }
            case l_n: {
                auto s = string_of(*v, b.n);
                if (!s) return unexpected(s.error());
                e.n = *s;
                break;
            }
            case l_bt:
            case l_t: {
                auto d = number_of(*v);
                if (!d) return unexpected(d.error());
                (l == l_bt ? e.bt : e.t) = *d;
                break;
            }
            case l_v: {
                if (v->kind != json::token::number)
                    return unexpected(errc::malformed, "SenML v must be a number");
                auto n = json::number_value(v->text);
                if (!n) return unexpected(n.error());
                e.kind = senml::field::v;
                e.val = *n;
                break;
            }
            case l_vb:
                if (v->kind != json::token::true_ && v->kind != json::token::false_)
                    return unexpected(errc::malformed, "SenML vb must be true or false");
                e.kind = senml::field::vb;
                e.val = lwm2m::value::of_boolean(v->kind == json::token::true_);
                break;
            default: {  // vs, vd, vlo: strings
                if (v->kind != json::token::string)
                    return unexpected(errc::malformed, "SenML vs, vd and vlo must be strings");
                auto s = json::unescape(
                    *v,
                    std::span<char>(reinterpret_cast<char*>(b.scratch.data()), b.scratch.size()));
                if (!s) return unexpected(s.error());
                if (l == l_vd) {
                    // In place: the text is in the input or at the start of scratch.
                    auto n = base64_decode(*s, b.scratch);
                    if (!n) return unexpected(n.error());
                    e.kind = senml::field::vd;
                    e.val = lwm2m::value::of_opaque(bytes_view(b.scratch.data(), *n));
                } else {
                    e.kind = l == l_vs ? senml::field::vs : senml::field::vlo;
                    e.val = lwm2m::value::of_string(*s);
                }
                break;
            }
        }
    }
}

namespace {

void write_time(byte_writer& w, double t) noexcept {
    // Integral times as integers (shorter, and what peers write).
    if (t == static_cast<double>(static_cast<std::int64_t>(t)) && t > -9.0e15 && t < 9.0e15) {
        (void)json::write_number(w, lwm2m::value::of_integer(static_cast<std::int64_t>(t)));
        return;
    }
    (void)json::write_number(w, lwm2m::value::of_float(t));
}

}  // namespace

result<void> write_record(byte_writer& w, const senml::entry& e) noexcept {
    w.put_u8('{');
    bool first = true;
    auto member = [&](std::string_view name) {
        if (!first) w.put_u8(',');
        first = false;
        w.put_u8('"');
        w.put_chars(name);
        w.put_chars("\":");
    };
    if (e.bn) {
        member("bn");
        json::write_string(w, *e.bn);
    }
    if (e.bt) {
        if (*e.bt != *e.bt || *e.bt - *e.bt != 0.0)
            return unexpected(errc::out_of_range, "timestamp is not finite");
        member("bt");
        write_time(w, *e.bt);
    }
    if (e.n) {
        member("n");
        json::write_string(w, *e.n);
    }
    if (e.t) {
        if (*e.t != *e.t || *e.t - *e.t != 0.0)
            return unexpected(errc::out_of_range, "timestamp is not finite");
        member("t");
        write_time(w, *e.t);
    }
    switch (e.kind) {
        case senml::field::none:
            break;
        case senml::field::v:
            member("v");
            SIROCCO_TRY(json::write_number(w, e.val));
            break;
        case senml::field::vb:
            member("vb");
            w.put_chars(e.val.boolean() ? "true" : "false");
            break;
        case senml::field::vs:
            member("vs");
            json::write_string(w, e.val.string());
            break;
        case senml::field::vlo:
            member("vlo");
            json::write_string(w, e.val.string());
            break;
        case senml::field::vd:
            member("vd");
            w.put_u8('"');
            base64_write(w, e.val.opaque(), base64_alphabet::url, false);
            w.put_u8('"');
            break;
    }
    w.put_u8('}');
    return {};
}

}  // namespace senml_json

result<std::size_t> encode_senml_json(const encode_context& ctx,
                                      std::span<const lwm2m::record> records,
                                      mutable_bytes out) noexcept {
    byte_writer w(out);
    senml::grouper g(ctx.base, records);
    w.put_u8('[');
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (!ctx.base.is_prefix_of(records[i].path))
            return unexpected(errc::invalid_argument, "record outside the request path");
        auto e = g.next();
        if (!e) return unexpected(e.error());
        if (i != 0) w.put_u8(',');
        SIROCCO_TRY(senml_json::write_record(w, *e));
    }
    w.put_u8(']');
    if (!w.ok()) return unexpected(errc::buffer_too_small, "output buffer too small");
    return w.size();
}

result<void> decode_senml_json(const decode_context& ctx, bytes_view in,
                               lwm2m::record_sink& sink) noexcept {
    json::reader r(in);
    auto t = r.next();
    if (!t) return unexpected(t.error());
    if (t->kind != json::token::begin_array)
        return unexpected(errc::malformed, "SenML JSON must be an array");
    senml::resolver res(ctx.base, ctx.models);
    senml_json::buffers b{};
    b.scratch = ctx.scratch;
    for (;;) {
        t = r.next();
        if (!t) return unexpected(t.error());
        if (t->kind == json::token::end_array) break;
        if (t->kind != json::token::begin_object)
            return unexpected(errc::malformed, "SenML record must be an object");
        senml::entry e;
        SIROCCO_TRY(senml_json::read_record(r, e, b));
        auto rec = res.resolve(e);
        if (!rec) return unexpected(rec.error());
        SIROCCO_TRY(sink.on_record(*rec));
    }
    t = r.next();
    if (!t) return unexpected(t.error());
    return {};
}

}  // namespace sirocco::codec::detail
