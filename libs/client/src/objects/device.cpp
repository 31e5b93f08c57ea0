#include "sirocco/client/objects/device.hpp"

namespace sirocco::client {

device::device() noexcept {
    (void)add_instance(0);
    reset_errors();
    (void)set_value(0, device_res::binding_modes, lwm2m::value::of_string("U"));
}

result<void> device::set_info(std::string_view manufacturer, std::string_view model,
                              std::string_view serial, std::string_view firmware_version) noexcept {
    const std::string_view values[] = {manufacturer, model, serial, firmware_version};
    const std::uint16_t rids[] = {device_res::manufacturer, device_res::model, device_res::serial,
                                  device_res::firmware_version};
    for (std::size_t k = 0; k < 4; ++k)
        if (!values[k].empty())
            SIROCCO_TRY(set_value(0, rids[k], lwm2m::value::of_string(values[k])));
    return {};
}

void device::set_clock(clock_fn fn, void* ctx) noexcept {
    clock_ = fn;
    clock_ctx_ = ctx;
    mark_present(0, device_res::current_time);
}

std::int64_t device::current_time() const noexcept {
    return (clock_ != nullptr ? clock_(clock_ctx_) : 0) + offset_;
}

void device::reset_errors() noexcept {
    (void)clear_resource(0, device_res::error_code);
    (void)set_value(0, device_res::error_code, lwm2m::value::of_integer(0), std::uint16_t{0});
}

result<void> device::add_error(std::int64_t code) noexcept {
    std::size_t n = resource_instance_count(0, device_res::error_code);
    if (n == 1) {
        auto v = get_value(0, device_res::error_code,
                           resource_instance_at(0, device_res::error_code, 0));
        if (v && v->integer() == 0) {
            return set_value(0, device_res::error_code, lwm2m::value::of_integer(code),
                             resource_instance_at(0, device_res::error_code, 0));
        }
    }
    std::uint16_t next = n == 0 ? 0
                                : static_cast<std::uint16_t>(
                                      resource_instance_at(0, device_res::error_code, n - 1) + 1);
    return set_value(0, device_res::error_code, lwm2m::value::of_integer(code), next);
}

result<lwm2m::value> device::read(std::uint16_t iid, std::uint16_t rid,
                                  std::optional<std::uint16_t> riid,
                                  mutable_bytes scratch) noexcept {
    if (rid == device_res::current_time && iid == 0 && !riid)
        return lwm2m::value::of_time(current_time());
    return stored_object::read(iid, rid, riid, scratch);
}

status device::write(std::uint16_t iid, std::uint16_t rid, std::optional<std::uint16_t> riid,
                     const lwm2m::value& v) noexcept {
    if (rid == device_res::current_time && iid == 0 && !riid) {
        auto t = v.as_time();
        if (!t) return status::bad_request;
        offset_ = *t - (clock_ != nullptr ? clock_(clock_ctx_) : 0);
        mark_present(0, device_res::current_time);
        return status::changed;
    }
    return stored_object::write(iid, rid, riid, v);
}

status device::execute(std::uint16_t iid, std::uint16_t rid, std::string_view) noexcept {
    if (iid != 0) return status::not_found;
    switch (rid) {
        case device_res::reboot:
            return actions_ != nullptr ? actions_->reboot() : status::internal_server_error;
        case device_res::factory_reset:
            return actions_ != nullptr ? actions_->factory_reset() : status::method_not_allowed;
        case device_res::reset_error_code:
            reset_errors();
            changed(0, device_res::error_code);
            return status::changed;
        default:
            return status::method_not_allowed;
    }
}

}  // namespace sirocco::client
