// Names of operations and failures, and the in-memory observation store
// (dm.hpp).
#include "sirocco/server/dm.hpp"

#include <type_traits>

namespace sirocco::server {

std::string_view operation_name(const dm_request& r) noexcept {
    return std::visit(
        [](const auto& q) -> std::string_view {
            using T = std::decay_t<decltype(q)>;
            if constexpr (std::is_same_v<T, read_request>) return "read";
            if constexpr (std::is_same_v<T, write_request>) return "write";
            if constexpr (std::is_same_v<T, execute_request>) return "execute";
            if constexpr (std::is_same_v<T, create_request>) return "create";
            if constexpr (std::is_same_v<T, delete_request>) return "delete";
            if constexpr (std::is_same_v<T, discover_request>) return "discover";
            if constexpr (std::is_same_v<T, write_attributes_request>) return "write-attributes";
            if constexpr (std::is_same_v<T, observe_request>) return "observe";
            if constexpr (std::is_same_v<T, cancel_observation_request>)
                return "cancel-observation";
            if constexpr (std::is_same_v<T, read_composite_request>) return "read-composite";
            if constexpr (std::is_same_v<T, observe_composite_request>) return "observe-composite";
            if constexpr (std::is_same_v<T, cancel_composite_observation_request>)
                return "cancel-composite-observation";
            if constexpr (std::is_same_v<T, write_composite_request>) return "write-composite";
        },
        r);
}

std::string_view failure_name(failure f) noexcept {
    switch (f) {
        case failure::none:
            return "none";
        case failure::timeout:
            return "timeout";
        case failure::not_registered:
            return "not_registered";
        case failure::expired:
            return "expired";
        case failure::invalid:
            return "invalid";
        case failure::unsupported:
            return "unsupported";
        case failure::transport:
            return "transport";
        case failure::cancelled:
            return "cancelled";
    }
    return "unknown";
}

result<void> memory_observation_store::add(const observation& o) {
    if (o.id.empty() || o.endpoint.empty())
        return unexpected(errc::invalid_argument, "observation without id or endpoint");
    by_id_[o.id] = o;
    return {};
}

result<observation> memory_observation_store::remove(std::string_view id) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return unexpected(errc::not_found, "no such observation");
    observation o = std::move(it->second);
    by_id_.erase(it);
    return o;
}

std::vector<observation> memory_observation_store::remove_by_registration(
    std::string_view registration_id) {
    std::vector<observation> out;
    for (auto it = by_id_.begin(); it != by_id_.end();) {
        if (it->second.registration_id == registration_id) {
            out.push_back(std::move(it->second));
            it = by_id_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

std::optional<observation> memory_observation_store::find(std::string_view id) const {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return std::nullopt;
    return it->second;
}

std::vector<observation> memory_observation_store::find_by_registration(
    std::string_view registration_id) const {
    std::vector<observation> out;
    for (const auto& [id, o] : by_id_)
        if (o.registration_id == registration_id) out.push_back(o);
    return out;
}

std::vector<observation> memory_observation_store::list() const {
    std::vector<observation> out;
    out.reserve(by_id_.size());
    for (const auto& [id, o] : by_id_)
        out.push_back(o);
    return out;
}

}  // namespace sirocco::server
