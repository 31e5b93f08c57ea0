// LwM2M Access Control object (/2, Core TS 1.2, E.3): one instance per
// controlled object or object instance (/2/x/0 Object ID, /2/x/1 Object
// Instance ID, 65535 for the object itself, i.e. Create), /2/x/2 ACL keyed
// by Short Server ID (resource instance id = SSID, 0 = default for every
// server), /2/x/3 owner (SSID with full rights). allowed() answers the data
// model's question; it enforces only when more than one server is
// configured (the data model decides that).
//
// Usage:
//   client::access_control acl;
//   acl.add_entry(0, 3, 0, 101);                 // /3/0 owned by server 101
//   acl.set_acl(0, 102, client::acl_read);       // server 102 may read it
//   dm.add(acl);
#pragma once

#include "sirocco/client/objects/config.hpp"
#include "sirocco/client/stored_object.hpp"

namespace sirocco::client {

/// ACL bits (Core TS 1.2, E.3): R, W, E, D, C.
inline constexpr std::uint8_t acl_read = 1, acl_write = 2, acl_execute = 4, acl_delete = 8,
                              acl_create = 16;

inline constexpr resource_def access_control_resources[] = {
    res(0, R, data_type::integer).must(),
    res(1, R, data_type::integer).must(),
    res(2, RW, data_type::integer).multi(SIROCCO_CLIENT_MAX_SERVERS + 1),
    res(3, RW, data_type::integer).must(),
};
inline constexpr object_def access_control_def{2, "1.0", true, access_control_resources};

class access_control : public stored_object<access_control_def, SIROCCO_CLIENT_MAX_ACL> {
  public:
    /// Adds instance `iid` controlling /oid/oiid (oiid 65535: the object,
    /// for Create) owned by `owner`. Errors: capacity_exceeded, invalid_argument.
    result<void> add_entry(std::uint16_t iid, std::uint16_t oid, std::uint16_t oiid,
                           ssid owner) noexcept;
    /// Sets the ACL bits of `server` (0: every server without its own entry).
    result<void> set_acl(std::uint16_t iid, ssid server, std::uint8_t bits) noexcept;

    /// The rights of `server` on /oid/oiid: the owner has all but Create
    /// (RWED), else its own ACL entry, else the default entry (SSID 0), else
    /// none. Without any instance for /oid/oiid: nullopt (not controlled).
    std::optional<std::uint8_t> rights(ssid server, std::uint16_t oid,
                                       std::uint16_t oiid) const noexcept;

    /// 4.00 for ACL bits above 31 or a resource instance id that is not a
    /// Short Server ID (1..65534, or 0).
    status validate(std::uint16_t iid, std::uint16_t rid, std::optional<std::uint16_t> riid,
                    const lwm2m::value& v) noexcept override;
};

}  // namespace sirocco::client
