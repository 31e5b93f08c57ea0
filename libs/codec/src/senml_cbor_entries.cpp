#include "senml_cbor_entries.hpp"

namespace sirocco::codec::senml_cbor {

namespace {

enum label_bit : std::uint16_t {
    bit_bn = 1,
    bit_bt = 2,
    bit_n = 4,
    bit_t = 8,
    bit_v = 16,
    bit_bv = 32,
    bit_other = 0,
};

result<void> as_malformed(const error& e) noexcept {
    if (e.code == errc::truncated) return unexpected(errc::malformed, e.reason);
    return unexpected(e);
}

result<double> read_number(cbor::reader& r) noexcept {
    auto it = r.next_value();
    if (!it) return unexpected(it.error());
    if (it->type == cbor::kind::floating) return it->f;
    if (it->type == cbor::kind::unsigned_int) return static_cast<double>(it->u);
    if (it->type == cbor::kind::negative_int) return -1.0 - static_cast<double>(it->u);
    return unexpected(errc::malformed, "SenML time or base value must be a number");
}

result<std::string_view> read_text(cbor::reader& r) noexcept {
    auto it = r.next_untagged();
    if (!it) return unexpected(it.error());
    if (it->type != cbor::kind::text)
        return unexpected(errc::malformed, "SenML name must be a text string");
    return it->text();
}

bool spells_label(std::string_view k) noexcept {
    static constexpr std::string_view names[] = {
        "bn", "bt", "bu", "bv", "bs", "bver", "n", "u", "v", "vs", "vb", "vd", "s", "t", "ut",
        "-1", "-2", "-3", "-4", "-5", "-6",   "0", "1", "2", "3",  "4",  "5",  "6", "7", "8"};
    for (auto n : names)
        if (n == k) return true;
    return false;
}

result<void> read_value_field(cbor::reader& r, std::int64_t label, senml::entry& e) noexcept {
    auto it = r.next_value();
    if (!it) return unexpected(it.error());
    switch (label) {
        case 2:
            if (it->type == cbor::kind::floating) {
                e.val = lwm2m::value::of_float(it->f);
            } else if (it->type == cbor::kind::unsigned_int) {
                e.val = it->u > 0x7fffffffffffffffull
                            ? lwm2m::value::of_unsigned(it->u)
                            : lwm2m::value::of_integer(static_cast<std::int64_t>(it->u));
            } else if (it->type == cbor::kind::negative_int) {
                auto i = cbor::to_int64(*it);
                if (!i) return unexpected(i.error());
                e.val = lwm2m::value::of_integer(*i);
            } else {
                return unexpected(errc::malformed, "SenML v must be a number");
            }
            e.kind = senml::field::v;
            return {};
        case 3:
            if (it->type != cbor::kind::text)
                return unexpected(errc::malformed, "SenML vs must be a text string");
            e.kind = senml::field::vs;
            e.val = lwm2m::value::of_string(it->text());
            return {};
        case 4:
            if (it->type != cbor::kind::boolean)
                return unexpected(errc::malformed, "SenML vb must be a boolean");
            e.kind = senml::field::vb;
            e.val = lwm2m::value::of_boolean(it->b);
            return {};
        case 8:
            if (it->type != cbor::kind::bytes)
                return unexpected(errc::malformed, "SenML vd must be a byte string");
            e.kind = senml::field::vd;
            e.val = lwm2m::value::of_opaque(it->data);
            return {};
        default:  // "vlo"
            if (it->type != cbor::kind::text)
                return unexpected(errc::malformed, "SenML vlo must be a text string");
            e.kind = senml::field::vlo;
            e.val = lwm2m::value::of_string(it->text());
            return {};
    }
}

result<void> read_entry(cbor::reader& r, const cbor::item& head, senml::entry& e) noexcept {
    std::uint16_t seen = 0;
    std::optional<double> bv;
    for (std::uint64_t i = 0;; ++i) {
        if (head.indefinite) {
            if (r.at_break()) {
                (void)r.next();
                break;
            }
            if (r.empty()) return unexpected(errc::malformed, "SenML record not closed");
        } else if (i >= head.u) {
            break;
        }
        auto key = r.next_untagged();
        if (!key) return unexpected(key.error());
        std::int64_t label = 0;
        if (key->type == cbor::kind::unsigned_int || key->type == cbor::kind::negative_int) {
            auto l = cbor::to_int64(*key);
            if (!l) {
                SIROCCO_TRY(r.skip());
                continue;
            }
            label = *l;
        } else if (key->type == cbor::kind::text) {
            const std::string_view k = key->text();
            if (k == "vlo") {
                label = 1000;
            } else if (spells_label(k)) {
                return unexpected(errc::malformed,
                                  "SenML CBOR labels are integers, not text (RFC 8428 6)");
            } else if (!k.empty() && k.back() == '_') {
                return unexpected(errc::malformed, "SenML must-understand field not supported");
            } else {
                SIROCCO_TRY(r.skip());
                continue;
            }
        } else {
            return unexpected(errc::malformed, "SenML CBOR key must be an integer or text");
        }
        std::uint16_t bit = bit_other;
        switch (label) {
            case -2:
                bit = bit_bn;
                break;
            case -3:
                bit = bit_bt;
                break;
            case 0:
                bit = bit_n;
                break;
            case 6:
                bit = bit_t;
                break;
            case -5:
                bit = bit_bv;
                break;
            case 2:
            case 3:
            case 4:
            case 8:
            case 1000:
                bit = bit_v;
                break;
            default:
                break;
        }
        if (bit != bit_other) {
            if ((seen & bit) != 0)
                return unexpected(errc::malformed,
                                  bit == bit_v ? "SenML record has more than one value field"
                                               : "SenML label twice in one record");
            seen = static_cast<std::uint16_t>(seen | bit);
        }
        switch (label) {
            case -2: {
                auto s = read_text(r);
                if (!s) return unexpected(s.error());
                e.bn = *s;
                break;
            }
            case 0: {
                auto s = read_text(r);
                if (!s) return unexpected(s.error());
                e.n = *s;
                break;
            }
            case -3:
            case 6:
            case -5: {
                auto d = read_number(r);
                if (!d) return unexpected(d.error());
                if (label == -3)
                    e.bt = *d;
                else if (label == 6)
                    e.t = *d;
                else
                    bv = *d;
                break;
            }
            case 2:
            case 3:
            case 4:
            case 8:
            case 1000:
                SIROCCO_TRY(read_value_field(r, label, e));
                break;
            default:
                SIROCCO_TRY(r.skip());
                break;
        }
    }
    // RFC 8428 4.5.2 base value: v = bv + v. It applies only to this record
    // here (a pack-wide bv is rare in LwM2M and no peer is known to send it).
    if (bv && e.kind == senml::field::v) {
        auto f = e.val.as_float();
        if (f) e.val = lwm2m::value::of_float(*bv + *f);
    }
    return {};
}

}  // namespace

result<void> read_entries(bytes_view in, mutable_bytes scratch, entry_sink& sink) noexcept {
    cbor::reader r(in, scratch);
    auto top = r.next_untagged();
    if (!top) return as_malformed(top.error());
    if (top->type != cbor::kind::array)
        return unexpected(errc::malformed, "SenML CBOR pack must be an array");
    for (std::uint64_t i = 0;; ++i) {
        if (top->indefinite) {
            if (r.at_break()) {
                (void)r.next();
                break;
            }
            if (r.empty()) return unexpected(errc::malformed, "SenML CBOR pack not closed");
        } else if (i >= top->u) {
            break;
        }
        r.scratch_reset();
        auto head = r.next_untagged();
        if (!head) return as_malformed(head.error());
        if (head->type != cbor::kind::map)
            return unexpected(errc::malformed, "SenML record must be a map");
        senml::entry e;
        auto ok = read_entry(r, *head, e);
        if (!ok) return as_malformed(ok.error());
        SIROCCO_TRY(sink.on_entry(e));
    }
    if (!r.empty()) return unexpected(errc::malformed, "bytes after the SenML CBOR pack");
    return {};
}

std::size_t entry_pairs(const senml::entry& e) noexcept {
    return (e.bn ? 1u : 0u) + (e.bt ? 1u : 0u) + (e.n ? 1u : 0u) + (e.t ? 1u : 0u) +
           (e.kind != senml::field::none ? 1u : 0u);
}

void write_entry(cbor::writer& w, const senml::entry& e) noexcept {
    w.map(entry_pairs(e));
    if (e.bn) {
        w.int64(-2);
        w.text(*e.bn);
    }
    if (e.bt) {
        w.int64(-3);
        w.number(*e.bt);
    }
    if (e.n) {
        w.int64(0);
        w.text(*e.n);
    }
    if (e.t) {
        w.int64(6);
        w.number(*e.t);
    }
    switch (e.kind) {
        case senml::field::none:
            break;
        case senml::field::v:
            w.int64(2);
            if (e.val.type() == lwm2m::data_type::unsigned_integer)
                w.uint(e.val.unsigned_integer());
            else if (e.val.type() == lwm2m::data_type::float_)
                w.floating(e.val.float_value());
            else
                w.int64(e.val.integer());
            break;
        case senml::field::vs:
            w.int64(3);
            w.text(e.val.string());
            break;
        case senml::field::vb:
            w.int64(4);
            w.boolean(e.val.boolean());
            break;
        case senml::field::vd:
            w.int64(8);
            w.bytes(e.val.opaque());
            break;
        case senml::field::vlo:
            w.text("vlo");
            w.text(e.val.string());
            break;
    }
}

}  // namespace sirocco::codec::senml_cbor
