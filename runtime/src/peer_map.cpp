#include "sirocco/runtime/peer_map.hpp"

namespace sirocco::runtime {

udp_address peer_map::canonical(const udp_address& a) {
    if (a.address().is_v6()) {
        auto v6 = a.address().to_v6();
        if (v6.is_v4_mapped())
            return {asio::ip::make_address_v4(asio::ip::v4_mapped, v6), a.port()};
    }
    return a;
}

coap::peer_id peer_map::add(const udp_address& a) {
    auto key = canonical(a);
    auto it = by_address_.find(key);
    if (it != by_address_.end()) return it->second;
    coap::peer_id id(next_++);
    by_address_.emplace(key, id);
    by_id_.emplace(id.value(), key);
    return id;
}

std::optional<coap::peer_id> peer_map::find(const udp_address& a) const {
    auto it = by_address_.find(canonical(a));
    if (it == by_address_.end()) return std::nullopt;
    return it->second;
}

std::optional<udp_address> peer_map::address(coap::peer_id p) const {
    auto it = by_id_.find(p.value());
    if (it == by_id_.end()) return std::nullopt;
    return it->second;
}

bool peer_map::remove(coap::peer_id p) {
    auto it = by_id_.find(p.value());
    if (it == by_id_.end()) return false;
    by_address_.erase(it->second);
    by_id_.erase(it);
    return true;
}

}  // namespace sirocco::runtime
