// Connectivity Statistics (/7/0, OMA TS, E.8): counters of the data the
// device sends and receives while a collection runs. Execute /7/0/6 Start
// resets the counters and starts collecting; /7/0/7 Stop stops. The
// application (or the runtime) reports traffic with record_tx()/record_rx();
// counters are in kilobytes as the TS says, kept in bytes internally.
//
// Usage:
//   client::connectivity_statistics stats;
//   stats.record_tx(datagram_size);   // after each send, when collecting
#pragma once

#include "sirocco/client/stored_object.hpp"

namespace sirocco::client {

namespace connstats_res {
inline constexpr std::uint16_t sms_tx = 0, sms_rx = 1, tx_data = 2, rx_data = 3,
                               max_message_size = 4, average_message_size = 5, start = 6, stop = 7,
                               collection_period = 8;
}

inline constexpr resource_def connectivity_statistics_resources[] = {
    res(0, R, data_type::integer),
    res(1, R, data_type::integer),
    res(2, R, data_type::integer),
    res(3, R, data_type::integer),
    res(4, R, data_type::integer),
    res(5, R, data_type::integer),
    res(6, E).must(),
    res(7, E).must(),
    res(8, RW, data_type::integer),
};
inline constexpr object_def connectivity_statistics_def{7, "1.0", false,
                                                        connectivity_statistics_resources};

class connectivity_statistics : public stored_object<connectivity_statistics_def, 1> {
  public:
    connectivity_statistics() noexcept;
    bool collecting() const noexcept { return collecting_; }
    /// Counts one message of `bytes` sent / received (ignored when not collecting).
    void record_tx(std::size_t bytes) noexcept;
    void record_rx(std::size_t bytes) noexcept;

    status execute(std::uint16_t iid, std::uint16_t rid, std::string_view args) noexcept override;

  private:
    void update(std::size_t bytes, bool tx) noexcept;
    void reset() noexcept;
    bool collecting_ = false;
    std::uint64_t tx_bytes_ = 0, rx_bytes_ = 0, messages_ = 0, total_ = 0;
};

}  // namespace sirocco::client
