// LwM2M Device object (/3/0, Core TS 1.2, E.4). Reboot (/3/0/4) and Factory
// Reset (/3/0/5) are application callbacks (device_actions); Current Time
// (/3/0/13) is writable and kept as an offset from a clock the caller
// supplies (libs/ reads no clock); Error Code (/3/0/11) starts as one
// instance "0 = no error" and Reset Error Code (/3/0/12) returns it there.
//
// Usage:
//   struct my_actions final : client::device_actions {
//       client::status reboot() noexcept override { schedule_reboot(); return
//       client::status::changed; }
//   } actions;
//   client::device dev;
//   dev.set_info("ACME", "M1", "0001", "1.0.3");
//   dev.set_clock([](void*) noexcept -> std::int64_t { return rtc_seconds(); }, nullptr);
//   dev.set_actions(&actions);
//   dm.add(dev);
#pragma once

#include "sirocco/client/objects/config.hpp"
#include "sirocco/client/stored_object.hpp"

namespace sirocco::client {

namespace device_res {
inline constexpr std::uint16_t manufacturer = 0, model = 1, serial = 2, firmware_version = 3,
                               reboot = 4, factory_reset = 5, power_sources = 6, power_voltage = 7,
                               power_current = 8, battery_level = 9, memory_free = 10,
                               error_code = 11, reset_error_code = 12, current_time = 13,
                               utc_offset = 14, timezone = 15, binding_modes = 16, device_type = 17,
                               hardware_version = 18, software_version = 19, battery_status = 20,
                               memory_total = 21;
}

inline constexpr std::uint16_t device_string = SIROCCO_CLIENT_DEVICE_STRING_SIZE;
inline constexpr resource_def device_resources[] = {
    res(0, R, data_type::string).size(device_string),
    res(1, R, data_type::string).size(device_string),
    res(2, R, data_type::string).size(device_string),
    res(3, R, data_type::string).size(device_string),
    res(4, E).must(),
    res(5, E),
    res(6, R, data_type::integer).multi(2),
    res(7, R, data_type::integer).multi(2),
    res(8, R, data_type::integer).multi(2),
    res(9, R, data_type::integer),
    res(10, R, data_type::integer),
    res(11, R, data_type::integer).multi(4).must(),
    res(12, E),
    res(13, RW, data_type::time),
    res(14, RW, data_type::string).size(8),
    res(15, RW, data_type::string).size(device_string),
    res(16, R, data_type::string).size(4).must(),
    res(17, R, data_type::string).size(device_string),
    res(18, R, data_type::string).size(device_string),
    res(19, R, data_type::string).size(device_string),
    res(20, R, data_type::integer),
    res(21, R, data_type::integer),
};
inline constexpr object_def device_def{3, "1.1", false, device_resources};

/// The device's answers to Reboot and Factory Reset. Return 2.04 to accept
/// (the action should happen after the response is sent), 5.00 to refuse.
class device_actions {
  public:
    virtual status reboot() noexcept = 0;
    virtual status factory_reset() noexcept { return status::method_not_allowed; }

  protected:
    ~device_actions() = default;
};

/// Seconds since the Unix epoch from the application's clock.
using clock_fn = std::int64_t (*)(void* ctx) noexcept;

class device : public stored_object<device_def, 1> {
  public:
    /// Creates instance 0 with Error Code [0] and binding "U".
    device() noexcept;

    /// Sets manufacturer, model, serial number, firmware version (empty
    /// strings are left absent). Errors: out_of_range (too long).
    result<void> set_info(std::string_view manufacturer, std::string_view model,
                          std::string_view serial, std::string_view firmware_version) noexcept;
    void set_actions(device_actions* a) noexcept { actions_ = a; }
    /// Makes /3/0/13 present; before a write it reads the clock itself.
    void set_clock(clock_fn fn, void* ctx) noexcept;
    /// Current Time as the device sees it (clock + offset); 0 without a clock.
    std::int64_t current_time() const noexcept;

    /// Adds an error code (Core TS E.4 values 1..8) as the next resource
    /// instance, replacing the "0 = no error" entry. Errors: out_of_range
    /// when the resource is full.
    result<void> add_error(std::int64_t code) noexcept;

    result<lwm2m::value> read(std::uint16_t iid, std::uint16_t rid,
                              std::optional<std::uint16_t> riid,
                              mutable_bytes scratch) noexcept override;
    status write(std::uint16_t iid, std::uint16_t rid, std::optional<std::uint16_t> riid,
                 const lwm2m::value& v) noexcept override;
    status execute(std::uint16_t iid, std::uint16_t rid, std::string_view args) noexcept override;

  private:
    void reset_errors() noexcept;
    device_actions* actions_ = nullptr;
    clock_fn clock_ = nullptr;
    void* clock_ctx_ = nullptr;
    std::int64_t offset_ = 0;
};

}  // namespace sirocco::client
