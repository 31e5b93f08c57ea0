// A simulated LwM2M device: the data model with the standard objects of
// libs/client (0 Security, 1 Server, 3 Device always; 4, 5, 6, 7, 3300,
// 3303, 3311, 3342 as chosen), the client engine over them, and sensor
// values that change over time (a slow random walk). No I/O: sirocco-client
// drives one through a client_runner, sirocco-fleet many, and
// bench/client_memory measures what one costs. Host-only (std::string for
// the endpoint name), but every object and the engine are the device-side
// ones, unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sirocco/base/result.hpp"
#include "sirocco/client/dm.hpp"
#include "sirocco/client/engine.hpp"
#include "sirocco/client/objects/connectivity_monitoring.hpp"
#include "sirocco/client/objects/connectivity_statistics.hpp"
#include "sirocco/client/objects/device.hpp"
#include "sirocco/client/objects/firmware_update.hpp"
#include "sirocco/client/objects/generic_sensor.hpp"
#include "sirocco/client/objects/light_control.hpp"
#include "sirocco/client/objects/location.hpp"
#include "sirocco/client/objects/on_off_switch.hpp"
#include "sirocco/client/objects/security.hpp"
#include "sirocco/client/objects/server.hpp"
#include "sirocco/client/objects/temperature.hpp"

namespace sirocco::runtime {

using coap::time_ms;

/// The optional objects sirocco-client enables by default.
inline constexpr std::uint16_t default_optional_objects[] = {4, 5, 6, 7, 3300, 3303, 3311, 3342};

/// Whether `oid` is an optional object a sim_device can enable.
bool is_optional_object(std::uint16_t oid) noexcept;

struct device_settings {
    std::string endpoint;  ///< ep= (copied)
    std::string server_uri =
        "coap://127.0.0.1:5683";  ///< /0/0/0 (at most SIROCCO_CLIENT_MAX_URI bytes)
    std::int64_t lifetime = 300;  ///< /1/0/1, seconds
    client::lwm2m_version version = client::lwm2m_version::v1_1;
    client::ssid short_server_id = 1;  ///< /0/0/10 = /1/0/0
    std::string binding = "U";         ///< /1/0/7
    std::vector<std::uint16_t> objects{std::begin(default_optional_objects),
                                       std::end(default_optional_objects)};
    std::uint32_t seed = 1;  ///< random walk and CoAP ids
    /// How often the sensors move (ms).
    std::uint32_t sensor_period_ms = 5000;

    /// The server account's security (/0/0/2 mode, /3 identity, /4 server
    /// public key, /5 secret key, /14 SNI, /15 certificate usage), as the
    /// Security object keeps them (objects/security.hpp: PSK identity and
    /// key bytes; DER keys and certificates). NoSec by default. Keys longer
    /// than SIROCCO_CLIENT_KEY_SIZE put the account in a security_pki
    /// object (certificate-sized) instead of the small one.
    client::security_mode security_mode = client::security_mode::no_sec;
    std::vector<std::uint8_t> identity;
    std::vector<std::uint8_t> server_public_key;
    std::vector<std::uint8_t> secret_key;
    std::optional<std::uint8_t> certificate_usage;
    std::string sni;
    /// /1/0/18 Communication Retry Timer in seconds (the wait before the
    /// first retry of a failed Register); nullopt: the engine's default.
    std::optional<std::int64_t> retry_timer_s;
};

class sim_device final : client::device_actions, client::firmware_sink {
  public:
    /// Builds and registers the objects. Errors: invalid_argument (an object
    /// id that is not optional), out_of_range (a URI or binding too long for
    /// its resource), those of data_model::add().
    static result<void> check(const device_settings& s);

    explicit sim_device(const device_settings& s);
    sim_device(const sim_device&) = delete;
    sim_device& operator=(const sim_device&) = delete;

    /// Status of the object set-up done by the constructor (check() first
    /// to get a message before constructing).
    result<void> setup_status() const noexcept { return setup_; }

    client::client& engine() noexcept { return engine_; }
    client::data_model& model() noexcept { return dm_; }
    /// The Security object in use (client_runner::options::security).
    const client::security_object& security() const noexcept {
        return pki_ ? static_cast<const client::security_object&>(*pki_)
                    : static_cast<const client::security_object&>(security_);
    }
    const device_settings& settings() const noexcept { return settings_; }

    /// Moves the sensors when their period has passed (a random walk of the
    /// temperature, the generic sensor, the signal strength); changed values
    /// notify observers through the data model. Returns the next time to call.
    time_ms simulate(time_ms now);

    /// Sets a local value from text ("21.5", "true", "hello") converted to
    /// the resource's type; observers are notified. Errors: not_found (no
    /// such object/instance/resource), not_allowed (an executable resource
    /// or object 0), type_mismatch (text that does not convert).
    result<void> set_local(const lwm2m::path& p, std::string_view text, time_ms now);
    /// Reads a value through the data model as text ("21.5"). Errors:
    /// not_found, not_allowed.
    result<std::string> read_local(const lwm2m::path& p);

    /// Counts of reboot / factory reset executions (the simulator only logs them).
    unsigned reboots() const noexcept { return reboots_; }
    std::size_t firmware_bytes() const noexcept { return firmware_bytes_; }
    /// The Firmware Update object (/5/0), e.g. for set_fetcher() (issue 7).
    client::firmware_update& firmware() noexcept { return firmware_; }
    /// Also hands the package to `s` (borrowed, must outlive the device;
    /// nullptr: only its size is kept); its results are the object's.
    void set_firmware_sink(client::firmware_sink* s) noexcept { external_sink_ = s; }

    /// sizeof of the parts (bench/client_memory).
    struct footprint {
        std::size_t engine, model, objects, total;
    };
    static footprint sizes() noexcept;

  private:
    static std::uint32_t rng(void* ctx) noexcept;
    double uniform() noexcept;  // [-1, 1)
    // device_actions
    client::status reboot() noexcept override;
    client::status factory_reset() noexcept override;
    // firmware_sink: accepts any package, keeps only its size
    client::update_result begin() noexcept override;
    client::update_result write(bytes_view chunk) noexcept override;
    client::update_result finish() noexcept override;
    void abort() noexcept override;
    client::update_result update() noexcept override;

    result<void> setup();
    bool enabled(std::uint16_t oid) const noexcept;
    client::object* local_object(std::uint16_t oid) noexcept;

    device_settings settings_;
    std::uint32_t rng_state_;
    client::data_model dm_;
    client::security security_;
    std::unique_ptr<client::security_pki> pki_;  // when the keys need it
    client::server server_;
    client::device device_;
    client::connectivity_monitoring connmon_;
    client::firmware_update firmware_;
    client::location location_;
    client::connectivity_statistics connstats_;
    client::generic_sensor generic_;
    client::temperature temperature_;
    client::light_control light_;
    client::on_off_switch switch_;
    client::client engine_;
    result<void> setup_;
    double temp_ = 21.0, co2_ = 420.0;
    std::int64_t rssi_ = -70;
    time_ms next_sim_ = 0;
    unsigned reboots_ = 0;
    std::size_t firmware_bytes_ = 0;
    client::firmware_sink* external_sink_ = nullptr;
};

}  // namespace sirocco::runtime
