#include "cbor_value.hpp"

#include "senml.hpp"

namespace sirocco::codec::cbor {

result<lwm2m::value> item_to_value(const item& it, bool tagged_time, const lwm2m::path& p,
                                   const lwm2m::model_provider* models) noexcept {
    using lwm2m::value;
    const lwm2m::resource_model* rm = (models != nullptr && p.depth() >= 3)
                                          ? models->find_resource(p.object(), p.resource())
                                          : nullptr;
    senml::field f = senml::field::none;
    value v;
    switch (it.type) {
        case kind::unsigned_int:
            f = senml::field::v;
            v = it.u > 0x7fffffffffffffffull ? value::of_unsigned(it.u)
                                             : value::of_integer(static_cast<std::int64_t>(it.u));
            break;
        case kind::negative_int: {
            auto i = to_int64(it);
            if (!i) return unexpected(i.error());
            f = senml::field::v;
            v = value::of_integer(*i);
            break;
        }
        case kind::floating:
            f = senml::field::v;
            v = value::of_float(it.f);
            break;
        case kind::text:
            f = (rm != nullptr && rm->type == lwm2m::data_type::objlnk) ? senml::field::vlo
                                                                        : senml::field::vs;
            v = value::of_string(it.text());
            break;
        case kind::bytes:
            f = senml::field::vd;
            v = value::of_opaque(it.data);
            break;
        case kind::boolean:
            f = senml::field::vb;
            v = value::of_boolean(it.b);
            break;
        case kind::null:
            return value();
        default:
            return unexpected(errc::type_mismatch, "CBOR item is not an LwM2M value");
    }
    if (rm == nullptr && tagged_time && f == senml::field::v) {
        // No model: a tag 1 number is a Time.
        return v.convert(lwm2m::data_type::time);
    }
    return senml::to_model_type(p, f, v, models);
}

result<lwm2m::value> read_value(reader& r, const lwm2m::path& p,
                                const lwm2m::model_provider* models) noexcept {
    bool tagged_time = false;
    auto it = r.next_value(&tagged_time);
    if (!it) return unexpected(it.error());
    return item_to_value(*it, tagged_time, p, models);
}

void write_value(writer& w, const lwm2m::value& v) noexcept {
    using lwm2m::data_type;
    switch (v.type()) {
        case data_type::none:
            w.null();
            break;
        case data_type::string:
        case data_type::corelnk:
            w.text(v.string());
            break;
        case data_type::integer:
            w.int64(v.integer());
            break;
        case data_type::unsigned_integer:
            w.uint(v.unsigned_integer());
            break;
        case data_type::float_:
            w.floating(v.float_value());
            break;
        case data_type::boolean:
            w.boolean(v.boolean());
            break;
        case data_type::opaque:
            w.bytes(v.opaque());
            break;
        case data_type::time:
            w.tag(1);
            w.int64(v.time());
            break;
        case data_type::objlnk: {
            char buf[12];
            auto n = senml::format_objlnk(v.link(), buf);
            w.text(std::string_view(buf, n ? *n : 0));
            break;
        }
    }
}

}  // namespace sirocco::codec::cbor
