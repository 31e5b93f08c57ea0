// The non-template part of stored_object (layout in stored_object.hpp).
#include "sirocco/client/stored_object.hpp"

#include <cstring>

namespace sirocco::client {

using namespace stored_detail;

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

lwm2m::value with_bytes(data_type t, const std::uint8_t* p, std::size_t n) noexcept {
    std::string_view sv(reinterpret_cast<const char*>(p), n);
    if (t == data_type::string) return lwm2m::value::of_string(sv);
    if (t == data_type::corelnk) return lwm2m::value::of_corelnk(sv);
    return lwm2m::value::of_opaque(bytes_view(p, n));
}

std::size_t index_of(const object_def& d, std::uint16_t rid) noexcept {
    const resource_def* r = d.find(rid);
    return r == nullptr ? d.resources.size() : static_cast<std::size_t>(r - d.resources.data());
}

}  // namespace

// ---- instances ---------------------------------------------------------------

std::uint8_t* stored_object_base::find_slot(std::uint16_t iid) const noexcept {
    for (std::size_t k = 0; k < count_; ++k)
        if (load16(slot(k)) == iid) return slot(k);
    return nullptr;
}

std::uint8_t* stored_object_base::locate(std::uint16_t iid, std::uint16_t rid,
                                         std::size_t& index) const noexcept {
    std::uint8_t* s = find_slot(iid);
    index = index_of(def(), rid);
    return (s == nullptr || index == def().resources.size()) ? nullptr : s;
}

std::uint16_t stored_object_base::instance_at(std::size_t k) const noexcept {
    return k < count_ ? load16(slot(k)) : lwm2m::max_id;
}

result<std::uint16_t> stored_object_base::create_slot(std::optional<std::uint16_t> iid) noexcept {
    if (count_ == max_) return unexpected(errc::capacity_exceeded, "no room for another instance");
    std::uint16_t id = 0;
    if (iid) {
        if (*iid == lwm2m::max_id)
            return unexpected(errc::invalid_argument, "instance id 65535 is reserved");
        if (find_slot(*iid) != nullptr)
            return unexpected(errc::invalid_argument, "the instance exists");
        id = *iid;
    } else {
        while (find_slot(id) != nullptr)
            ++id;  // at most max_ steps
    }
    std::size_t at = 0;
    while (at < count_ && load16(slot(at)) < id)
        ++at;
    std::size_t sb = layout_->slot_bytes;
    std::memmove(slot(at + 1), slot(at), (count_ - at) * sb);
    std::memset(slot(at), 0, sb);
    store16(slot(at), id);
    ++count_;
    return id;
}

bool stored_object_base::remove_slot(std::uint16_t iid) noexcept {
    for (std::size_t k = 0; k < count_; ++k) {
        if (load16(slot(k)) != iid) continue;
        std::memmove(slot(k), slot(k + 1), (count_ - k - 1) * layout_->slot_bytes);
        --count_;
        return true;
    }
    return false;
}

result<std::uint16_t> stored_object_base::add_instance(std::optional<std::uint16_t> iid) noexcept {
    auto r = create_slot(iid);
    if (r) instances_changed();
    return r;
}

result<void> stored_object_base::remove_instance(std::uint16_t iid) noexcept {
    if (!remove_slot(iid)) return unexpected(errc::not_found, "no such object instance");
    instances_changed();
    return {};
}

result<std::uint16_t> stored_object_base::create(std::optional<std::uint16_t> iid) noexcept {
    return create_slot(iid);
}

status stored_object_base::remove(std::uint16_t iid) noexcept {
    return remove_slot(iid) ? status::deleted : status::not_found;
}

// ---- values -------------------------------------------------------------------

bool stored_object_base::has_resource(std::uint16_t iid, std::uint16_t rid) const noexcept {
    std::size_t index;
    const std::uint8_t* s = locate(iid, rid, index);
    if (s == nullptr) return false;
    const resource_def& r = def().resources[index];
    return r.mandatory || r.type == data_type::none || present_bit(s + 2, index);
}

void stored_object_base::mark_present(std::uint16_t iid, std::uint16_t rid) noexcept {
    std::size_t index;
    if (std::uint8_t* s = locate(iid, rid, index)) set_present(s + 2, index, true);
}

std::size_t stored_object_base::resource_instance_count(std::uint16_t iid,
                                                        std::uint16_t rid) const noexcept {
    std::size_t index;
    const std::uint8_t* s = locate(iid, rid, index);
    if (s == nullptr) return 0;
    const resource_def& r = def().resources[index];
    if (!r.multiple || r.type == data_type::none) return 0;
    return s[2 + layout_->present_bytes + layout_->offsets[index]];
}

std::uint16_t stored_object_base::resource_instance_at(std::uint16_t iid, std::uint16_t rid,
                                                       std::size_t k) const noexcept {
    if (k >= resource_instance_count(iid, rid)) return lwm2m::max_id;
    std::size_t index;
    const std::uint8_t* s = locate(iid, rid, index);
    const std::uint8_t* p = s + 2 + layout_->present_bytes + layout_->offsets[index];
    return load16(p + 1 + k * entry_size(def().resources[index]));
}

result<lwm2m::value> stored_object_base::get_value(
    std::uint16_t iid, std::uint16_t rid, std::optional<std::uint16_t> riid) const noexcept {
    std::size_t index;
    const std::uint8_t* s = locate(iid, rid, index);
    if (s == nullptr) return unexpected(errc::not_found, "no such instance or resource");
    const resource_def& r = def().resources[index];
    if (r.type == data_type::none)
        return unexpected(errc::not_allowed, "executable resources have no value");
    if (!r.mandatory && !present_bit(s + 2, index))
        return unexpected(errc::not_found, "resource not set");
    const std::uint8_t* p = s + 2 + layout_->present_bytes + layout_->offsets[index];
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

result<lwm2m::value> stored_object_base::read(std::uint16_t iid, std::uint16_t rid,
                                              std::optional<std::uint16_t> riid,
                                              mutable_bytes) noexcept {
    return get_value(iid, rid, riid);
}

status stored_object_base::store(std::uint8_t* s, std::size_t index,
                                 std::optional<std::uint16_t> riid, const lwm2m::value& v,
                                 bool& differs) noexcept {
    const resource_def& r = def().resources[index];
    if (r.type == data_type::none) return status::method_not_allowed;
    auto c = v.convert(r.type);
    if (!c) return status::bad_request;
    if (is_bytes_type(r.type) && c->opaque().size() > r.max_size) return status::bad_request;
    std::uint8_t* p = s + 2 + layout_->present_bytes + layout_->offsets[index];
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
            if (is_bytes_type(r.type)) {
                // The value may be a view of an entry that just moved up
                // (set_value(..., get_value(...)) within the resource).
                bytes_view b = c->opaque();
                if (!b.empty() && b.data() >= at && b.data() < at + (n - k) * es)
                    c = with_bytes(r.type, b.data() + es, b.size());
            }
            std::memset(at, 0, es);
            store16(at, *riid);
            p[0] = static_cast<std::uint8_t>(n + 1);
            target = at + 2;
            differs = true;
        }
    }
    if (encode(r, *c, target)) differs = true;
    if (!present_bit(s + 2, index)) differs = true;
    set_present(s + 2, index, true);
    return status::changed;
}

status stored_object_base::write(std::uint16_t iid, std::uint16_t rid,
                                 std::optional<std::uint16_t> riid,
                                 const lwm2m::value& v) noexcept {
    std::size_t index;
    std::uint8_t* s = locate(iid, rid, index);
    if (s == nullptr) return status::not_found;
    bool differs = false;
    return store(s, index, riid, v, differs);
}

result<void> stored_object_base::set_value(std::uint16_t iid, std::uint16_t rid,
                                           const lwm2m::value& v,
                                           std::optional<std::uint16_t> riid) noexcept {
    std::size_t index;
    std::uint8_t* s = locate(iid, rid, index);
    if (s == nullptr) return unexpected(errc::not_found, "no such instance or resource");
    bool differs = false;
    if (store(s, index, riid, v, differs) != status::changed)
        return unexpected(errc::out_of_range, "the value does not fit the resource");
    if (differs) changed(iid, rid);
    return {};
}

status stored_object_base::clear_resource(std::uint16_t iid, std::uint16_t rid) noexcept {
    std::size_t index;
    std::uint8_t* s = locate(iid, rid, index);
    if (s == nullptr) return status::not_found;
    const resource_def& r = def().resources[index];
    std::size_t size = slot_size(r);
    if (size != 0) std::memset(s + 2 + layout_->present_bytes + layout_->offsets[index], 0, size);
    set_present(s + 2, index, false);
    return status::deleted;
}

void stored_object_base::clear_value(std::uint16_t iid, std::uint16_t rid) noexcept {
    if (clear_resource(iid, rid) == status::deleted) changed(iid, rid);
}

result<void> stored_object_base::remove_value(std::uint16_t iid, std::uint16_t rid,
                                              std::uint16_t riid) noexcept {
    std::size_t index;
    std::uint8_t* s = locate(iid, rid, index);
    if (s != nullptr && def().resources[index].multiple &&
        def().resources[index].type != data_type::none) {
        const resource_def& r = def().resources[index];
        std::uint8_t* p = s + 2 + layout_->present_bytes + layout_->offsets[index];
        std::size_t n = p[0], es = entry_size(r);
        for (std::size_t k = 0; k < n; ++k) {
            std::uint8_t* e = p + 1 + k * es;
            if (load16(e) != riid) continue;
            std::memmove(e, e + es, (n - k - 1) * es);
            p[0] = static_cast<std::uint8_t>(n - 1);
            changed(iid, rid);
            return {};
        }
    }
    return unexpected(errc::not_found, "no such resource instance");
}

}  // namespace sirocco::client
