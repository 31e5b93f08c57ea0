#include "sirocco/client/objects/security.hpp"

namespace sirocco::client {

namespace {
lwm2m::value opaque_of(std::string_view s) noexcept {
    return lwm2m::value::of_opaque(
        bytes_view(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}
}  // namespace

result<void> security::add_server(std::uint16_t iid, std::string_view uri, ssid server,
                                  security_mode mode, std::string_view identity,
                                  bytes_view key) noexcept {
    SIROCCO_TRY(add_instance(iid));
    auto set = [&]() -> result<void> {
        SIROCCO_TRY(set_value(iid, security_res::uri, lwm2m::value::of_string(uri)));
        SIROCCO_TRY(set_value(iid, security_res::bootstrap, lwm2m::value::of_boolean(false)));
        SIROCCO_TRY(
            set_value(iid, security_res::mode, lwm2m::value::of_integer(static_cast<int>(mode))));
        SIROCCO_TRY(set_value(iid, security_res::identity, opaque_of(identity)));
        SIROCCO_TRY(set_value(iid, security_res::secret_key, lwm2m::value::of_opaque(key)));
        SIROCCO_TRY(
            set_value(iid, security_res::short_server_id, lwm2m::value::of_integer(server)));
        return {};
    }();
    if (!set) (void)remove_instance(iid);
    return set;
}

result<void> security::add_bootstrap(std::uint16_t iid, std::string_view uri,
                                     security_mode mode) noexcept {
    SIROCCO_TRY(add_instance(iid));
    auto set = [&]() -> result<void> {
        SIROCCO_TRY(set_value(iid, security_res::uri, lwm2m::value::of_string(uri)));
        SIROCCO_TRY(set_value(iid, security_res::bootstrap, lwm2m::value::of_boolean(true)));
        SIROCCO_TRY(
            set_value(iid, security_res::mode, lwm2m::value::of_integer(static_cast<int>(mode))));
        return {};
    }();
    if (!set) (void)remove_instance(iid);
    return set;
}

std::optional<std::uint16_t> security::find_server(ssid server) const noexcept {
    for (std::size_t k = 0; k < instance_count(); ++k) {
        std::uint16_t iid = instance_at(k);
        if (is_bootstrap(iid)) continue;
        auto v = get_value(iid, security_res::short_server_id);
        if (v && v->integer() == server) return iid;
    }
    return std::nullopt;
}

std::string_view security::uri(std::uint16_t iid) const noexcept {
    auto v = get_value(iid, security_res::uri);
    return v ? v->string() : std::string_view{};
}

bool security::is_bootstrap(std::uint16_t iid) const noexcept {
    auto v = get_value(iid, security_res::bootstrap);
    return v && v->boolean();
}

}  // namespace sirocco::client
