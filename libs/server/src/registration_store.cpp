// The in-memory registration store.
#include "sirocco/server/registration_store.hpp"

#include <algorithm>

namespace sirocco::server {

result<std::optional<registration>> memory_registration_store::add(const registration& r) {
    if (r.endpoint.empty() || r.id.empty())
        return unexpected(errc::invalid_argument, "registration without endpoint or id");
    auto idit = endpoint_of_id_.find(r.id);
    if (idit != endpoint_of_id_.end() && idit->second != r.endpoint)
        return unexpected(errc::invalid_argument, "registration id in use");
    std::optional<registration> old;
    auto it = by_endpoint_.find(r.endpoint);
    if (it != by_endpoint_.end()) {
        old = it->second;
        endpoint_of_id_.erase(it->second.id);
        it->second = r;
    } else {
        by_endpoint_.emplace(r.endpoint, r);
    }
    endpoint_of_id_[r.id] = r.endpoint;
    return old;
}

result<void> memory_registration_store::update(const registration& r) {
    auto idit = endpoint_of_id_.find(r.id);
    if (idit == endpoint_of_id_.end()) return unexpected(errc::not_found, "no such registration");
    if (idit->second != r.endpoint)
        return unexpected(errc::invalid_argument, "an update cannot change the endpoint");
    by_endpoint_[r.endpoint] = r;
    return {};
}

result<registration> memory_registration_store::remove(std::string_view id) {
    auto idit = endpoint_of_id_.find(id);
    if (idit == endpoint_of_id_.end()) return unexpected(errc::not_found, "no such registration");
    auto it = by_endpoint_.find(idit->second);
    registration r = it->second;
    by_endpoint_.erase(it);
    endpoint_of_id_.erase(idit);
    return r;
}

std::optional<registration> memory_registration_store::find_by_endpoint(
    std::string_view endpoint) const {
    auto it = by_endpoint_.find(endpoint);
    if (it == by_endpoint_.end()) return std::nullopt;
    return it->second;
}

std::optional<registration> memory_registration_store::find_by_id(std::string_view id) const {
    auto idit = endpoint_of_id_.find(id);
    if (idit == endpoint_of_id_.end()) return std::nullopt;
    return find_by_endpoint(idit->second);
}

std::vector<registration> memory_registration_store::find_by_peer(peer_id peer) const {
    std::vector<registration> out;
    for (const auto& [ep, r] : by_endpoint_)
        if (r.peer == peer) out.push_back(r);
    return out;
}

std::vector<registration> memory_registration_store::list() const {
    std::vector<registration> out;
    out.reserve(by_endpoint_.size());
    for (const auto& [ep, r] : by_endpoint_)
        out.push_back(r);
    return out;
}

std::vector<registration> memory_registration_store::take_expired(time_ms now) {
    std::vector<registration> out;
    for (auto it = by_endpoint_.begin(); it != by_endpoint_.end();) {
        if (it->second.expires_at() <= now) {
            out.push_back(it->second);
            endpoint_of_id_.erase(it->second.id);
            it = by_endpoint_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

std::optional<time_ms> memory_registration_store::next_expiry() const {
    std::optional<time_ms> t;
    for (const auto& [ep, r] : by_endpoint_)
        if (!t || r.expires_at() < *t) t = r.expires_at();
    return t;
}

}  // namespace sirocco::server
