#include "sirocco/client/objects/access_control.hpp"

namespace sirocco::client {

result<void> access_control::add_entry(std::uint16_t iid, std::uint16_t oid, std::uint16_t oiid,
                                       ssid owner) noexcept {
    SIROCCO_TRY(add_instance(iid));
    (void)set_value(iid, 0, lwm2m::value::of_integer(oid));
    (void)set_value(iid, 1, lwm2m::value::of_integer(oiid));
    (void)set_value(iid, 3, lwm2m::value::of_integer(owner));
    return {};
}

result<void> access_control::set_acl(std::uint16_t iid, ssid server, std::uint8_t bits) noexcept {
    return set_value(iid, 2, lwm2m::value::of_integer(bits), server);
}

std::optional<std::uint8_t> access_control::rights(ssid server, std::uint16_t oid,
                                                   std::uint16_t oiid) const noexcept {
    for (std::size_t k = 0; k < instance_count(); ++k) {
        std::uint16_t iid = instance_at(k);
        auto o = get_value(iid, 0), i = get_value(iid, 1), owner = get_value(iid, 3);
        if (!o || !i || o->integer() != oid || i->integer() != oiid) continue;
        if (owner && owner->integer() == server)
            return std::uint8_t(acl_read | acl_write | acl_execute | acl_delete);
        if (auto mine = get_value(iid, 2, server))
            return static_cast<std::uint8_t>(mine->integer());
        if (auto def = get_value(iid, 2, std::uint16_t{0}))
            return static_cast<std::uint8_t>(def->integer());
        return std::uint8_t{0};
    }
    return std::nullopt;
}

status access_control::validate(std::uint16_t, std::uint16_t rid, std::optional<std::uint16_t> riid,
                                const lwm2m::value& v) noexcept {
    if (rid == 2) {
        auto i = v.as_integer();
        if (!i || *i < 0 || *i > 31) return status::bad_request;
        if (riid && *riid == lwm2m::max_id) return status::bad_request;
    }
    if (rid == 3) {
        auto i = v.as_integer();
        if (!i || *i < 0 || *i >= lwm2m::max_id) return status::bad_request;
    }
    return status::changed;
}

}  // namespace sirocco::client
