#include "sirocco/client/objects/connectivity_statistics.hpp"

namespace sirocco::client {

connectivity_statistics::connectivity_statistics() noexcept {
    (void)add_instance(0);
    reset();
}

void connectivity_statistics::reset() noexcept {
    tx_bytes_ = rx_bytes_ = messages_ = total_ = 0;
    for (std::uint16_t rid = connstats_res::sms_tx; rid <= connstats_res::average_message_size;
         ++rid)
        (void)set_value(0, rid, lwm2m::value::of_integer(0));
}

void connectivity_statistics::record_tx(std::size_t bytes) noexcept {
    update(bytes, true);
}
void connectivity_statistics::record_rx(std::size_t bytes) noexcept {
    update(bytes, false);
}

void connectivity_statistics::update(std::size_t bytes, bool tx) noexcept {
    if (!collecting_) return;
    (tx ? tx_bytes_ : rx_bytes_) += bytes;
    ++messages_;
    total_ += bytes;
    auto kb = [](std::uint64_t b) {
        return lwm2m::value::of_integer(static_cast<std::int64_t>(b / 1024));
    };
    (void)set_value(0, tx ? connstats_res::tx_data : connstats_res::rx_data,
                    kb(tx ? tx_bytes_ : rx_bytes_));
    auto max = get_value(0, connstats_res::max_message_size);
    if (max && static_cast<std::int64_t>(bytes) > max->integer())
        (void)set_value(0, connstats_res::max_message_size,
                        lwm2m::value::of_integer(static_cast<std::int64_t>(bytes)));
    (void)set_value(0, connstats_res::average_message_size,
                    lwm2m::value::of_integer(static_cast<std::int64_t>(total_ / messages_)));
}

status connectivity_statistics::execute(std::uint16_t iid, std::uint16_t rid,
                                        std::string_view) noexcept {
    if (iid != 0) return status::not_found;
    if (rid == connstats_res::start) {
        reset();
        collecting_ = true;
        return status::changed;
    }
    if (rid == connstats_res::stop) {
        collecting_ = false;
        return status::changed;
    }
    return status::method_not_allowed;
}

}  // namespace sirocco::client
