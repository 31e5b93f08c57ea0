// LwM2M Server object (/1, Core TS 1.2, E.2): one instance per LwM2M server,
// matched to its Security instance by Short Server ID (/1/x/0 = /0/y/10).
// The client engine reads lifetime, binding, default pmin/pmax and the 1.1
// retry procedure (17-20) from here; the executable resources are turned
// into requests the engine picks up (take_request()) and, when installed,
// reported to a server_actions listener.
//
// Usage:
//   client::server srv;
//   srv.add_server(0, 101, 300);         // SSID 101, lifetime 300 s, binding "U"
//   dm.add(srv);
//   // engine: if (auto r = srv.take_request()) { if (r->kind == server_request_kind::update) ... }
#pragma once

#include "sirocco/client/objects/config.hpp"
#include "sirocco/client/stored_object.hpp"

namespace sirocco::client {

namespace server_res {
inline constexpr std::uint16_t short_server_id = 0, lifetime = 1, default_pmin = 2,
                               default_pmax = 3, disable = 4, disable_timeout = 5,
                               notification_storing = 6, binding = 7, update_trigger = 8,
                               bootstrap_trigger = 9, last_bootstrapped = 12, priority_order = 13,
                               initial_delay = 14, failure_block = 15, bootstrap_on_failure = 16,
                               retry_count = 17, retry_timer = 18, sequence_delay = 19,
                               sequence_retry_count = 20, trigger = 21, preferred_transport = 22,
                               mute_send = 23;
}

inline constexpr resource_def server_resources[] = {
    res(0, R, data_type::integer).must(),
    res(1, RW, data_type::integer).must(),
    res(2, RW, data_type::integer),
    res(3, RW, data_type::integer),
    res(4, E),
    res(5, RW, data_type::integer),
    res(6, RW, data_type::boolean).must(),
    res(7, RW, data_type::string).size(4).must(),
    res(8, E).must(),
    res(9, E),
    res(12, R, data_type::time),
    res(13, R, data_type::unsigned_integer),
    res(14, RW, data_type::unsigned_integer),
    res(15, R, data_type::boolean),
    res(16, R, data_type::boolean),
    res(17, RW, data_type::unsigned_integer),
    res(18, RW, data_type::unsigned_integer),
    res(19, RW, data_type::unsigned_integer),
    res(20, RW, data_type::unsigned_integer),
    res(21, RW, data_type::boolean),
    res(22, RW, data_type::string).size(2),
    res(23, RW, data_type::boolean),
};
inline constexpr object_def server_def{1, "1.1", true, server_resources};

enum class server_request_kind : std::uint8_t {
    update,             ///< /1/x/8 Registration Update Trigger
    disable,            ///< /1/x/4 Disable (for /1/x/5 seconds, default 86400)
    bootstrap_request,  ///< /1/x/9 Bootstrap-Request Trigger (1.1)
};
struct server_request {
    server_request_kind kind;
    std::uint16_t iid;
};

/// Optional listener for the executable resources (the engine may poll
/// take_request() instead).
class server_actions {
  public:
    virtual void on_server_request(const server_request& r) noexcept = 0;

  protected:
    ~server_actions() = default;
};

class server : public stored_object<server_def, SIROCCO_CLIENT_MAX_SERVERS> {
  public:
    server() noexcept = default;

    /// Adds instance `iid` for Short Server ID `id` with its lifetime (s) and
    /// binding ("U", "UQ", "T", ...); notification storing true. Errors:
    /// capacity_exceeded, invalid_argument, out_of_range (binding > 4 chars).
    result<void> add_server(std::uint16_t iid, ssid id, std::int64_t lifetime,
                            std::string_view binding = "U") noexcept;
    /// The instance of Short Server ID `id`, if any.
    std::optional<std::uint16_t> find_server(ssid id) const noexcept;

    /// Integer/unsigned/boolean resource values with a default when absent
    /// (e.g. lifetime(iid) = /1/x/1).
    std::int64_t integer_or(std::uint16_t iid, std::uint16_t rid,
                            std::int64_t fallback) const noexcept;
    std::string_view binding(std::uint16_t iid) const noexcept;
    bool mute_send(std::uint16_t iid) const noexcept;

    void set_actions(server_actions* a) noexcept { actions_ = a; }
    /// The oldest executed request not yet taken (one per kind and instance
    /// is kept; more of the same are merged).
    std::optional<server_request> take_request() noexcept;

    /// 4.00 for a lifetime < 0, a default pmin/pmax < 0 or a binding with a
    /// letter other than U, T, S, N, Q (Core TS 1.2, E.2).
    status validate(std::uint16_t iid, std::uint16_t rid, std::optional<std::uint16_t> riid,
                    const lwm2m::value& v) noexcept override;
    status execute(std::uint16_t iid, std::uint16_t rid, std::string_view args) noexcept override;

  private:
    static constexpr std::size_t max_requests = 3 * SIROCCO_CLIENT_MAX_SERVERS;
    server_actions* actions_ = nullptr;
    server_request requests_[max_requests] = {};
    std::size_t request_count_ = 0;
};

}  // namespace sirocco::client
