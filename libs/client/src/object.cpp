#include "sirocco/client/object.hpp"

namespace sirocco::client {

bool object::has_instance(std::uint16_t iid) const noexcept {
    std::size_t n = instance_count();
    for (std::size_t k = 0; k < n; ++k)
        if (instance_at(k) == iid) return true;
    return false;
}

bool object::has_resource(std::uint16_t, std::uint16_t rid) const noexcept {
    return def_->find(rid) != nullptr;
}

std::size_t object::resource_instance_count(std::uint16_t, std::uint16_t) const noexcept {
    return 0;
}

std::uint16_t object::resource_instance_at(std::uint16_t, std::uint16_t,
                                           std::size_t) const noexcept {
    return 0;
}

status object::validate(std::uint16_t, std::uint16_t, std::optional<std::uint16_t>,
                        const lwm2m::value&) noexcept {
    return status::changed;
}

status object::write(std::uint16_t, std::uint16_t, std::optional<std::uint16_t>,
                     const lwm2m::value&) noexcept {
    return status::method_not_allowed;
}

status object::clear_resource(std::uint16_t, std::uint16_t) noexcept {
    return status::deleted;
}

void object::after_write(std::uint16_t, std::optional<std::uint16_t>) noexcept {}

status object::execute(std::uint16_t, std::uint16_t, std::string_view) noexcept {
    return status::method_not_allowed;
}

status object::write_chunk(std::uint16_t, std::uint16_t, std::size_t, bytes_view, bool) noexcept {
    return status::request_entity_too_large;
}

result<std::uint16_t> object::create(std::optional<std::uint16_t>) noexcept {
    return unexpected(errc::not_allowed, "object does not support Create");
}

status object::remove(std::uint16_t) noexcept {
    return status::method_not_allowed;
}

}  // namespace sirocco::client
