#include "sirocco/client/objects/server.hpp"

namespace sirocco::client {

result<void> server::add_server(std::uint16_t iid, ssid id, std::int64_t lifetime,
                                std::string_view binding) noexcept {
    SIROCCO_TRY(add_instance(iid));
    auto set = [&]() -> result<void> {
        SIROCCO_TRY(set_value(iid, server_res::short_server_id, lwm2m::value::of_integer(id)));
        SIROCCO_TRY(set_value(iid, server_res::lifetime, lwm2m::value::of_integer(lifetime)));
        SIROCCO_TRY(
            set_value(iid, server_res::notification_storing, lwm2m::value::of_boolean(true)));
        SIROCCO_TRY(set_value(iid, server_res::binding, lwm2m::value::of_string(binding)));
        return {};
    }();
    if (!set) (void)remove_instance(iid);
    return set;
}

std::optional<std::uint16_t> server::find_server(ssid id) const noexcept {
    for (std::size_t k = 0; k < instance_count(); ++k)
        if (integer_or(instance_at(k), server_res::short_server_id, -1) == id)
            return instance_at(k);
    return std::nullopt;
}

std::int64_t server::integer_or(std::uint16_t iid, std::uint16_t rid,
                                std::int64_t fallback) const noexcept {
    auto v = get_value(iid, rid);
    if (!v) return fallback;
    if (v->type() == data_type::boolean) return v->boolean() ? 1 : 0;
    auto i = v->as_integer();
    return i ? *i : fallback;
}

std::string_view server::binding(std::uint16_t iid) const noexcept {
    auto v = get_value(iid, server_res::binding);
    return v ? v->string() : std::string_view{};
}

bool server::mute_send(std::uint16_t iid) const noexcept {
    return integer_or(iid, server_res::mute_send, 0) != 0;
}

status server::validate(std::uint16_t, std::uint16_t rid, std::optional<std::uint16_t>,
                        const lwm2m::value& v) noexcept {
    switch (rid) {
        case server_res::lifetime:
        case server_res::default_pmin:
        case server_res::default_pmax:
        case server_res::disable_timeout: {
            auto i = v.as_integer();
            return (i && *i >= 0) ? status::changed : status::bad_request;
        }
        case server_res::binding: {
            if (v.type() != data_type::string) return status::bad_request;
            for (char c : v.string())
                if (c != 'U' && c != 'T' && c != 'S' && c != 'N' && c != 'Q')
                    return status::bad_request;
            return status::changed;
        }
        default:
            return status::changed;
    }
}

status server::execute(std::uint16_t iid, std::uint16_t rid, std::string_view) noexcept {
    if (!has_instance(iid)) return status::not_found;
    server_request r{server_request_kind::update, iid};
    switch (rid) {
        case server_res::update_trigger:
            r.kind = server_request_kind::update;
            break;
        case server_res::disable:
            r.kind = server_request_kind::disable;
            break;
        case server_res::bootstrap_trigger:
            r.kind = server_request_kind::bootstrap_request;
            break;
        default:
            return status::method_not_allowed;
    }
    bool queued = false;
    for (std::size_t k = 0; k < request_count_; ++k)
        if (requests_[k].kind == r.kind && requests_[k].iid == iid) queued = true;
    if (!queued && request_count_ < max_requests) requests_[request_count_++] = r;
    if (actions_ != nullptr) actions_->on_server_request(r);
    return status::changed;
}

std::optional<server_request> server::take_request() noexcept {
    if (request_count_ == 0) return std::nullopt;
    server_request r = requests_[0];
    for (std::size_t k = 1; k < request_count_; ++k)
        requests_[k - 1] = requests_[k];
    --request_count_;
    return r;
}

}  // namespace sirocco::client
