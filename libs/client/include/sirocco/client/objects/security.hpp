// LwM2M Security object (/0, Core TS 1.2, E.1): one instance per server
// account (LwM2M servers and the bootstrap server). Its resources have no
// operations for LwM2M servers (only the bootstrap interface and the device
// itself touch them), so the table's ops are none and Device Management
// requests to /0 are refused by the data model.
//
// Usage:
//   client::security sec;
//   sec.add_server(0, "coap://leshan.example:5683", 101);          // NoSec
//   sec.add_server(1, "coaps://s.example:5684", 102, security_mode::psk,
//                  "ep-1", key_bytes);
//   dm.add(sec);
//
// Storage: SIROCCO_CLIENT_MAX_SERVERS + 1 instances (objects/config.hpp).
#pragma once

#include "sirocco/client/objects/config.hpp"
#include "sirocco/client/stored_object.hpp"

namespace sirocco::client {

/// /0/x/2 Security Mode.
enum class security_mode : std::uint8_t { psk = 0, rpk = 1, certificate = 2, no_sec = 3, est = 4 };

namespace security_res {
inline constexpr std::uint16_t uri = 0, bootstrap = 1, mode = 2, identity = 3,
                               server_public_key = 4, secret_key = 5, short_server_id = 10,
                               client_hold_off = 11, bootstrap_account_timeout = 12,
                               matching_type = 13, sni = 14, certificate_usage = 15,
                               ciphersuite = 16;
}

inline constexpr operations no_ops = operations::none;
inline constexpr resource_def security_resources[] = {
    res(0, no_ops, data_type::string).size(SIROCCO_CLIENT_MAX_URI).must(),
    res(1, no_ops, data_type::boolean).must(),
    res(2, no_ops, data_type::integer).must(),
    res(3, no_ops, data_type::opaque).size(SIROCCO_CLIENT_KEY_SIZE).must(),
    res(4, no_ops, data_type::opaque).size(SIROCCO_CLIENT_KEY_SIZE).must(),
    res(5, no_ops, data_type::opaque).size(SIROCCO_CLIENT_KEY_SIZE).must(),
    res(10, no_ops, data_type::integer),
    res(11, no_ops, data_type::integer),
    res(12, no_ops, data_type::integer),
    res(13, no_ops, data_type::unsigned_integer),
    res(14, no_ops, data_type::string).size(SIROCCO_CLIENT_MAX_URI / 2),
    res(15, no_ops, data_type::unsigned_integer),
    res(16, no_ops, data_type::unsigned_integer).multi(4),
};
inline constexpr object_def security_def{0, "1.1", true, security_resources};

class security : public stored_object<security_def, SIROCCO_CLIENT_MAX_SERVERS + 1> {
  public:
    security() noexcept = default;

    /// Adds a LwM2M server account as instance `iid`: URI, Short Server ID,
    /// mode, and for PSK the identity and key (copied). Errors:
    /// capacity_exceeded, invalid_argument (iid in use), out_of_range (a
    /// value longer than its storage).
    result<void> add_server(std::uint16_t iid, std::string_view uri, ssid server,
                            security_mode mode = security_mode::no_sec,
                            std::string_view identity = {}, bytes_view key = {}) noexcept;
    /// Adds the bootstrap server account (/0/x/1 true, no Short Server ID).
    result<void> add_bootstrap(std::uint16_t iid, std::string_view uri,
                               security_mode mode = security_mode::no_sec) noexcept;

    /// The instance holding Short Server ID `server`, if any.
    std::optional<std::uint16_t> find_server(ssid server) const noexcept;
    /// URI of instance `iid` ("" when absent); points into this object.
    std::string_view uri(std::uint16_t iid) const noexcept;
    bool is_bootstrap(std::uint16_t iid) const noexcept;
};

}  // namespace sirocco::client
