#include "sirocco/client/objects/on_off_switch.hpp"

namespace sirocco::client {

result<void> on_off_switch::add_switch(std::uint16_t iid) noexcept {
    SIROCCO_TRY(add_instance(iid));
    (void)set_value(iid, switch_res::state, lwm2m::value::of_boolean(false));
    (void)set_value(iid, switch_res::counter, lwm2m::value::of_integer(0));
    (void)set_value(iid, switch_res::on_time, lwm2m::value::of_integer(0));
    (void)set_value(iid, switch_res::off_time, lwm2m::value::of_integer(0));
    return {};
}

result<void> on_off_switch::set_state(std::uint16_t iid, bool on) noexcept {
    auto old = get_value(iid, switch_res::state);
    if (!old) return unexpected(errc::not_found, "no such switch");
    if (old->boolean() == on) return {};
    SIROCCO_TRY(set_value(iid, switch_res::state, lwm2m::value::of_boolean(on)));
    if (on) {
        auto c = get_value(iid, switch_res::counter);
        (void)set_value(iid, switch_res::counter,
                        lwm2m::value::of_integer((c ? c->integer() : 0) + 1));
        (void)set_value(iid, switch_res::on_time, lwm2m::value::of_integer(0));
    } else {
        (void)set_value(iid, switch_res::off_time, lwm2m::value::of_integer(0));
    }
    return {};
}

void on_off_switch::tick(std::int64_t seconds) noexcept {
    for (std::size_t k = 0; k < instance_count(); ++k) {
        std::uint16_t iid = instance_at(k);
        auto s = get_value(iid, switch_res::state);
        std::uint16_t rid = (s && s->boolean()) ? switch_res::on_time : switch_res::off_time;
        auto t = get_value(iid, rid);
        (void)set_value(iid, rid, lwm2m::value::of_integer((t ? t->integer() : 0) + seconds));
    }
}

status on_off_switch::validate(std::uint16_t, std::uint16_t rid, std::optional<std::uint16_t>,
                               const lwm2m::value& v) noexcept {
    if (rid == switch_res::on_time || rid == switch_res::off_time) {
        auto i = v.as_integer();
        return (i && *i >= 0) ? status::changed : status::bad_request;
    }
    return status::changed;
}

}  // namespace sirocco::client
