#include "sirocco/client/objects/security.hpp"

namespace sirocco::client {

namespace {
lwm2m::value opaque_of(std::string_view s) noexcept {
    return lwm2m::value::of_opaque(
        bytes_view(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}
}  // namespace

result<void> security_object::add_server(std::uint16_t iid, std::string_view uri, ssid server,
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

result<void> security_object::add_bootstrap(std::uint16_t iid, std::string_view uri,
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

result<void> security_object::set_keys(std::uint16_t iid, const security_keys& k) noexcept {
    if (!has_instance(iid)) return unexpected(errc::not_found, "no such Security instance");
    if (k.mode == security_mode::est)
        return unexpected(errc::invalid_argument, "security mode EST is not supported");
    if (k.certificate_usage && *k.certificate_usage > 3)
        return unexpected(errc::invalid_argument, "certificate usage must be 0..3");
    SIROCCO_TRY(
        set_value(iid, security_res::mode, lwm2m::value::of_integer(static_cast<int>(k.mode))));
    SIROCCO_TRY(set_value(iid, security_res::identity, lwm2m::value::of_opaque(k.identity)));
    SIROCCO_TRY(set_value(iid, security_res::server_public_key,
                          lwm2m::value::of_opaque(k.server_public_key)));
    SIROCCO_TRY(set_value(iid, security_res::secret_key, lwm2m::value::of_opaque(k.secret_key)));
    if (k.certificate_usage)
        SIROCCO_TRY(set_value(iid, security_res::certificate_usage,
                              lwm2m::value::of_unsigned(*k.certificate_usage)));
    else
        clear_value(iid, security_res::certificate_usage);
    if (!k.sni.empty())
        SIROCCO_TRY(set_value(iid, security_res::sni, lwm2m::value::of_string(k.sni)));
    else
        clear_value(iid, security_res::sni);
    return {};
}

std::optional<std::uint16_t> security_object::find_server(ssid server) const noexcept {
    for (std::size_t k = 0; k < instance_count(); ++k) {
        std::uint16_t iid = instance_at(k);
        if (is_bootstrap(iid)) continue;
        auto v = get_value(iid, security_res::short_server_id);
        if (v && v->integer() == server) return iid;
    }
    return std::nullopt;
}

std::string_view security_object::uri(std::uint16_t iid) const noexcept {
    auto v = get_value(iid, security_res::uri);
    return v ? v->string() : std::string_view{};
}

bool security_object::is_bootstrap(std::uint16_t iid) const noexcept {
    auto v = get_value(iid, security_res::bootstrap);
    return v && v->boolean();
}

result<security_account> security_object::account(std::uint16_t iid) const noexcept {
    if (!has_instance(iid)) return unexpected(errc::not_found, "no such Security instance");
    security_account a;
    a.iid = iid;
    a.uri = uri(iid);
    a.bootstrap = is_bootstrap(iid);
    auto mode = get_value(iid, security_res::mode);
    if (!mode || mode->integer() < 0 || mode->integer() > 4)
        return unexpected(errc::malformed, "Security Mode (/0/x/2) outside 0..4");
    a.mode = static_cast<security_mode>(mode->integer());
    if (auto v = get_value(iid, security_res::identity)) a.identity = v->opaque();
    if (auto v = get_value(iid, security_res::server_public_key)) a.server_public_key = v->opaque();
    if (auto v = get_value(iid, security_res::secret_key)) a.secret_key = v->opaque();
    if (auto v = get_value(iid, security_res::short_server_id);
        v && v->integer() >= 0 && v->integer() <= 65535)
        a.short_server_id = static_cast<ssid>(v->integer());
    if (auto v = get_value(iid, security_res::sni)) a.sni = v->string();
    if (auto v = get_value(iid, security_res::certificate_usage)) {
        if (v->unsigned_integer() > 3)
            return unexpected(errc::malformed, "Certificate Usage (/0/x/15) outside 0..3");
        a.certificate_usage = static_cast<std::uint8_t>(v->unsigned_integer());
    }
    return a;
}

result<security_account> security_object::account_of(ssid server) const noexcept {
    auto iid = find_server(server);
    if (!iid) return unexpected(errc::not_found, "no Security instance for this Short Server ID");
    return account(*iid);
}

}  // namespace sirocco::client
