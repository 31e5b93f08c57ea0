// Shared helpers of the object tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sirocco/client/object.hpp"

namespace sirocco::client::test {

/// Records every path an object reports as changed.
struct recording_listener final : change_listener {
    std::vector<std::string> paths;
    void on_changed(const lwm2m::path& p) noexcept override {
        char buf[lwm2m::path::max_text_length];
        auto n = p.format(buf);
        paths.emplace_back(n ? std::string(buf, *n) : std::string("?"));
    }
    bool saw(const std::string& p) const {
        for (const auto& x : paths)
            if (x == p) return true;
        return false;
    }
};

inline lwm2m::value read_value(object& o, std::uint16_t iid, std::uint16_t rid,
                               std::optional<std::uint16_t> riid = std::nullopt) {
    std::uint8_t scratch[64];
    auto r = o.read(iid, rid, riid, scratch);
    EXPECT_TRUE(r) << "read /" << o.id() << "/" << iid << "/" << rid;
    return r ? *r : lwm2m::value{};
}

}  // namespace sirocco::client::test
