#include "sirocco/client/objects/light_control.hpp"

namespace sirocco::client {

result<void> light_control::add_light(std::uint16_t iid) noexcept {
    SIROCCO_TRY(add_instance(iid));
    (void)set_value(iid, light_res::on_off, lwm2m::value::of_boolean(false));
    (void)set_value(iid, light_res::dimmer, lwm2m::value::of_integer(100));
    (void)set_value(iid, light_res::on_time, lwm2m::value::of_integer(0));
    return {};
}

bool light_control::is_on(std::uint16_t iid) const noexcept {
    auto v = get_value(iid, light_res::on_off);
    return v && v->boolean();
}

std::int64_t light_control::dimmer(std::uint16_t iid) const noexcept {
    auto v = get_value(iid, light_res::dimmer);
    return v ? v->integer() : 0;
}

void light_control::tick(std::int64_t seconds) noexcept {
    for (std::size_t k = 0; k < instance_count(); ++k) {
        std::uint16_t iid = instance_at(k);
        if (!is_on(iid)) continue;
        auto t = get_value(iid, light_res::on_time);
        (void)set_value(iid, light_res::on_time,
                        lwm2m::value::of_integer((t ? t->integer() : 0) + seconds));
    }
}

status light_control::validate(std::uint16_t, std::uint16_t rid, std::optional<std::uint16_t>,
                               const lwm2m::value& v) noexcept {
    if (rid == light_res::dimmer) {
        auto i = v.as_integer();
        return (i && *i >= 0 && *i <= 100) ? status::changed : status::bad_request;
    }
    if (rid == light_res::on_time) {
        auto i = v.as_integer();
        return (i && *i >= 0) ? status::changed : status::bad_request;
    }
    return status::changed;
}

}  // namespace sirocco::client
