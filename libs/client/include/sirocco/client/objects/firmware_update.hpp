// Firmware Update (/5/0, Core TS 1.2, E.6) with its state machine:
//
//   State /5/0/3:  0 Idle -> 1 Downloading -> 2 Downloaded -> 3 Updating
//   Idle -> Downloading   a Block1 write of /5/0/0 Package begins (push), or
//                         a write of /5/0/1 Package URI starts a fetch (pull)
//   Downloading -> Downloaded  the last piece arrived and the sink's
//                         integrity check passed
//   Downloading -> Idle   a failure (Update Result says which), or an empty
//                         Package / empty Package URI written (reset)
//   Downloaded -> Updating  Execute /5/0/2 Update (4.05 in any other state)
//   Updating -> Idle      success (Update Result 1)
//   Updating -> Downloaded  failure (Update Result 8)
//   Downloaded -> Idle    an empty Package / Package URI (reset)
//
// Update Result /5/0/5: 0 initial, 1 success, 2 not enough flash, 3 out of
// RAM, 4 connection lost during download, 5 integrity check failure, 6
// unsupported package type, 7 invalid URI, 8 update failed, 9 unsupported
// protocol. Starting a download sets it back to 0.
//
// The package goes to an application firmware_sink (flash writer); a pull
// download is done by an application package_fetcher (CoAP, HTTP: later
// issues), which feeds fetched_chunk()/fetch_done() back here. The engine
// never buffers a whole package: Block1 pieces arrive in write_chunk().
//
// Usage:
//   struct flash_sink final : client::firmware_sink { ... } sink;
//   client::firmware_update fw(sink);            // push only
//   fw.set_fetcher(&my_fetcher, {0, 1});          // + pull over CoAP and CoAPS
//   dm.add(fw);
#pragma once

#include <initializer_list>

#include "sirocco/client/objects/config.hpp"
#include "sirocco/client/stored_object.hpp"

namespace sirocco::client {

namespace firmware_res {
inline constexpr std::uint16_t package = 0, package_uri = 1, update = 2, state = 3,
                               update_result = 5, package_name = 6, package_version = 7,
                               protocol_support = 8, delivery_method = 9;
}

enum class firmware_state : std::uint8_t {
    idle = 0,
    downloading = 1,
    downloaded = 2,
    updating = 3
};

/// /5/0/5 values. Sinks and fetchers return `initial` for "no error".
enum class update_result : std::uint8_t {
    initial = 0,
    success = 1,
    not_enough_flash = 2,
    out_of_ram = 3,
    connection_lost = 4,
    integrity_failure = 5,
    unsupported_package = 6,
    invalid_uri = 7,
    update_failed = 8,
    unsupported_protocol = 9,
};

/// /5/0/8 values.
enum class firmware_protocol : std::uint8_t {
    coap = 0,
    coaps = 1,
    http = 2,
    https = 3,
    coap_tcp = 4,
    coaps_tcp = 5,
    /// mq2m://{owner}/{path}?size=N over the LwM2M server's MQTT link
    /// (docs/firmware.md). Not an OMA value: 100 keeps clear of later ones.
    mq2m = 100
};

/// Where the package goes (the application's flash writer). Called in
/// order: begin, write* (in offset order), finish or abort; update when the
/// server executes /5/0/2.
class firmware_sink {
  public:
    /// A new package starts. not_enough_flash / out_of_ram refuse it.
    virtual update_result begin() noexcept = 0;
    /// The next piece (valid only during the call).
    virtual update_result write(bytes_view chunk) noexcept = 0;
    /// All of it arrived: check it (integrity_failure, unsupported_package).
    virtual update_result finish() noexcept = 0;
    /// The download stopped (reset or failure); forget the partial package.
    virtual void abort() noexcept = 0;
    /// Apply it. `success` when done now, `initial` when it runs on (then
    /// call firmware_update::update_finished()), update_failed on failure.
    virtual update_result update() noexcept = 0;

  protected:
    ~firmware_sink() = default;
};

/// Pull download (the transport of a later issue). start() returns at once;
/// the fetcher then calls fetched_chunk() for each piece and fetch_done().
class package_fetcher {
  public:
    /// invalid_uri, unsupported_protocol, out_of_ram refuse the download.
    virtual update_result start(std::string_view uri) noexcept = 0;
    /// Stop a download in progress (reset); no more callbacks after it.
    virtual void cancel() noexcept = 0;

  protected:
    ~package_fetcher() = default;
};

inline constexpr resource_def firmware_update_resources[] = {
    res(0, W, data_type::opaque).must(),
    res(1, RW, data_type::string).size(SIROCCO_CLIENT_MAX_URI).must(),
    res(2, E).must(),
    res(3, R, data_type::integer).must(),
    res(5, R, data_type::integer).must(),
    res(6, R, data_type::string).size(16),
    res(7, R, data_type::string).size(16),
    res(8, R, data_type::integer).multi(6),
    res(9, R, data_type::integer).must(),
};
inline constexpr object_def firmware_update_def{5, "1.0", false, firmware_update_resources};

class firmware_update : public stored_object<firmware_update_def, 1> {
  public:
    /// Push delivery only (/5/0/9 = 1) until set_fetcher().
    explicit firmware_update(firmware_sink& sink) noexcept;

    /// Enables pull delivery through `fetcher` for these protocols (/5/0/8);
    /// /5/0/9 becomes 2 (both).
    void set_fetcher(package_fetcher* fetcher,
                     std::initializer_list<firmware_protocol> protocols) noexcept;

    firmware_state state() const noexcept { return state_; }
    update_result result_code() const noexcept { return result_; }

    /// From the fetcher: the next piece, and the end (`initial` when all
    /// arrived, else why it failed, e.g. connection_lost).
    void fetched_chunk(bytes_view chunk) noexcept;
    void fetch_done(update_result r) noexcept;
    /// From the application, after an update that ran on.
    void update_finished(bool ok) noexcept;

    status write(std::uint16_t iid, std::uint16_t rid, std::optional<std::uint16_t> riid,
                 const lwm2m::value& v) noexcept override;
    status write_chunk(std::uint16_t iid, std::uint16_t rid, std::size_t offset, bytes_view chunk,
                       bool last) noexcept override;
    status execute(std::uint16_t iid, std::uint16_t rid, std::string_view args) noexcept override;

  private:
    void set_state(firmware_state s) noexcept;
    void set_result(update_result r) noexcept;
    void fail(update_result r) noexcept;  ///< abort everything, Idle, result r
    void reset() noexcept;                ///< abort everything, Idle, result 0
    status start_pull(std::string_view uri) noexcept;

    firmware_sink& sink_;
    package_fetcher* fetcher_ = nullptr;
    firmware_state state_ = firmware_state::idle;
    update_result result_ = update_result::initial;
    bool pulling_ = false;
    std::size_t next_offset_ = 0;
};

}  // namespace sirocco::client
