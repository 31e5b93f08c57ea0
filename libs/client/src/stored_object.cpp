// The non-template part of stored_object (layout in stored_object.hpp).
#include "sirocco/client/stored_object.hpp"

namespace sirocco::client::stored_detail {

namespace {

bool present_bit(const std::uint8_t* present, std::size_t index) noexcept {
    return (present[index / 8] & (1u << (index % 8))) != 0;
}
void set_present(std::uint8_t* present, std::size_t index, bool on) noexcept {
    auto bit = static_cast<std::uint8_t>(1u << (index % 8));
    present[index / 8] =
        static_cast<std::uint8_t>(on ? (present[index / 8] | bit) : (present[index / 8] & ~bit));
}

std::uint16_t load16(const std::uint8_t* p) noexcept {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
void store16(std::uint8_t* p, std::size_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v & 0xFF);
    p[1] = static_cast<std::uint8_t>((v >> 8) & 0xFF);
}

lwm2m::value decode(const resource_def& r, const std::uint8_t* p) noexcept {
    switch (r.type) {
        case data_type::string:
        case data_type::corelnk: {
            std::string_view s(reinterpret_cast<const char*>(p + 2), load16(p));
            return r.type == data_type::string ? lwm2m::value::of_string(s)
                                               : lwm2m::value::of_corelnk(s);
        }
        case data_type::opaque:
            return lwm2m::value::of_opaque(bytes_view(p + 2, load16(p)));
        case data_type::integer:
        case data_type::time: {
            std::int64_t i;
            std::memcpy(&i, p, sizeof i);
            return r.type == data_type::integer ? lwm2m::value::of_integer(i)
                                                : lwm2m::value::of_time(i);
        }
        case data_type::unsigned_integer: {
            std::uint64_t u;
            std::memcpy(&u, p, sizeof u);
            return lwm2m::value::of_unsigned(u);
        }
        case data_type::float_: {
            double f;
            std::memcpy(&f, p, sizeof f);
            return lwm2m::value::of_float(f);
        }
        case data_type::boolean:
            return lwm2m::value::of_boolean(p[0] != 0);
        case data_type::objlnk:
            return lwm2m::value::of_objlnk({load16(p), load16(p + 2)});
        case data_type::none:
            break;
    }
    return {};
}

/// Encodes a value already of type r.type into p (value_size(r) bytes).
/// Returns whether the bytes changed.
bool encode(const resource_def& r, const lwm2m::value& v, std::uint8_t* p) noexcept {
    if (is_bytes_type(r.type)) {
        bytes_view b = v.opaque();
        bool same =
            load16(p) == b.size() && (b.empty() || std::memcmp(p + 2, b.data(), b.size()) == 0);
        if (!same) {
            store16(p, b.size());
            if (!b.empty()) std::memmove(p + 2, b.data(), b.size());
        }
        return !same;
    }
    std::uint8_t tmp[8] = {};
    switch (r.type) {
        case data_type::integer:
        case data_type::time: {
            std::int64_t i = v.integer();
            std::memcpy(tmp, &i, sizeof i);
            break;
        }
        case data_type::unsigned_integer: {
            std::uint64_t u = v.unsigned_integer();
            std::memcpy(tmp, &u, sizeof u);
            break;
        }
        case data_type::float_: {
            double f = v.float_value();
            std::memcpy(tmp, &f, sizeof f);
            break;
        }
        case data_type::boolean:
            tmp[0] = v.boolean() ? 1 : 0;
            break;
        case data_type::objlnk:
            store16(tmp, v.link().object_id);
            store16(tmp + 2, v.link().instance_id);
            break;
        default:
            break;
    }
    bool same = std::memcmp(p, tmp, 8) == 0;
    if (!same) std::memcpy(p, tmp, 8);
    return !same;
}

std::size_t entry_size(const resource_def& r) noexcept {
    return 2u + value_size(r);
}

}  // namespace

std::size_t index_of(const object_def& d, std::uint16_t rid) noexcept {
    const resource_def* r = d.find(rid);
    return r == nullptr ? d.resources.size() : static_cast<std::size_t>(r - d.resources.data());
}

result<lwm2m::value> read(const layout& l, const std::uint8_t* inst, const std::uint8_t* present,
                          std::size_t index, std::optional<std::uint16_t> riid) noexcept {
    const resource_def& r = l.def->resources[index];
    if (r.type == data_type::none)
        return unexpected(errc::not_allowed, "executable resources have no value");
    if (!r.mandatory && !present_bit(present, index))
        return unexpected(errc::not_found, "resource not set");
    const std::uint8_t* p = inst + l.offsets[index];
    if (!r.multiple) {
        if (riid) return unexpected(errc::not_found, "a single resource has no resource instances");
        return decode(r, p);
    }
    if (!riid)
        return unexpected(errc::invalid_argument,
                          "a multiple resource is read by resource instance");
    std::size_t n = p[0], es = entry_size(r);
    for (std::size_t k = 0; k < n; ++k) {
        const std::uint8_t* e = p + 1 + k * es;
        if (load16(e) == *riid) return decode(r, e + 2);
    }
    return unexpected(errc::not_found, "no such resource instance");
}

status write(const layout& l, std::uint8_t* inst, std::uint8_t* present, std::size_t index,
             std::optional<std::uint16_t> riid, const lwm2m::value& v, bool* differs) noexcept {
    const resource_def& r = l.def->resources[index];
    if (r.type == data_type::none) return status::method_not_allowed;
    auto c = v.convert(r.type);
    if (!c) return status::bad_request;
    if (is_bytes_type(r.type) && c->opaque().size() > r.max_size) return status::bad_request;
    std::uint8_t* p = inst + l.offsets[index];
    std::uint8_t* target = nullptr;
    if (!r.multiple) {
        if (riid) return status::bad_request;
        target = p;
    } else {
        if (!riid || *riid == lwm2m::max_id) return status::bad_request;
        std::size_t n = p[0], es = entry_size(r), k = 0;
        while (k < n && load16(p + 1 + k * es) < *riid)
            ++k;
        if (k < n && load16(p + 1 + k * es) == *riid) {
            target = p + 1 + k * es + 2;
        } else {
            if (n >= r.max_instances) return status::bad_request;
            std::uint8_t* at = p + 1 + k * es;
            std::memmove(at + es, at, (n - k) * es);
            std::memset(at, 0, es);
            store16(at, *riid);
            p[0] = static_cast<std::uint8_t>(n + 1);
            target = at + 2;
            *differs = true;
        }
    }
    if (encode(r, *c, target)) *differs = true;
    if (!present_bit(present, index)) *differs = true;
    set_present(present, index, true);
    return status::changed;
}

std::size_t ri_count(const layout& l, const std::uint8_t* inst, std::size_t index) noexcept {
    const resource_def& r = l.def->resources[index];
    if (!r.multiple || r.type == data_type::none) return 0;
    return inst[l.offsets[index]];
}

std::uint16_t ri_at(const layout& l, const std::uint8_t* inst, std::size_t index,
                    std::size_t k) noexcept {
    const resource_def& r = l.def->resources[index];
    if (k >= ri_count(l, inst, index)) return lwm2m::max_id;
    return load16(inst + l.offsets[index] + 1 + k * entry_size(r));
}

void clear(const layout& l, std::uint8_t* inst, std::uint8_t* present, std::size_t index) noexcept {
    const resource_def& r = l.def->resources[index];
    std::size_t size = slot_size(r);
    if (size != 0) std::memset(inst + l.offsets[index], 0, size);
    set_present(present, index, false);
}

bool remove_ri(const layout& l, std::uint8_t* inst, std::size_t index,
               std::uint16_t riid) noexcept {
    const resource_def& r = l.def->resources[index];
    if (!r.multiple || r.type == data_type::none) return false;
    std::uint8_t* p = inst + l.offsets[index];
    std::size_t n = p[0], es = entry_size(r);
    for (std::size_t k = 0; k < n; ++k) {
        std::uint8_t* e = p + 1 + k * es;
        if (load16(e) != riid) continue;
        std::memmove(e, e + es, (n - k - 1) * es);
        p[0] = static_cast<std::uint8_t>(n - 1);
        return true;
    }
    return false;
}

}  // namespace sirocco::client::stored_detail
