// UDP remote address <-> coap::peer_id, both ways. The engines of libs/ know
// a peer only by its small opaque id; the runtime keeps the address. One map
// per socket, so a server socket can hold many peers (one per client
// address) and a client socket one per LwM2M server. Host-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>

#include <boost/asio/ip/udp.hpp>
#include "sirocco/runtime/asio.hpp"

#include "sirocco/coap/config.hpp"

namespace sirocco::runtime {

using udp_address = asio::ip::udp::endpoint;

class peer_map {
  public:
    /// Ids are handed out from `first_id` upwards (never 0 when first_id is
    /// not 0), so that maps of several sockets of one engine do not collide:
    /// give each its own range.
    explicit peer_map(std::uint32_t first_id = 1) noexcept : next_(first_id) {}

    /// The id of `a`, adding it with a fresh id when it is new. An IPv4-mapped
    /// IPv6 address (::ffff:a.b.c.d) is the same peer as a.b.c.d.
    coap::peer_id add(const udp_address& a);
    /// The id of `a`, or nullopt when it is not in the map.
    std::optional<coap::peer_id> find(const udp_address& a) const;
    /// The address of `p`, or nullopt when unknown.
    std::optional<udp_address> address(coap::peer_id p) const;
    /// Forgets `p` (its id is not reused). Returns whether it was there.
    bool remove(coap::peer_id p);
    std::size_t size() const noexcept { return by_id_.size(); }

    /// The canonical form used as key (IPv4-mapped IPv6 -> IPv4).
    static udp_address canonical(const udp_address& a);

  private:
    struct key_less {
        bool operator()(const udp_address& x, const udp_address& y) const noexcept { return x < y; }
    };
    std::uint32_t next_;
    std::map<udp_address, coap::peer_id, key_less> by_address_;
    std::unordered_map<std::uint32_t, udp_address> by_id_;
};

}  // namespace sirocco::runtime
