// Command line of sirocco-server (docs/server.md). Parsing is separate from
// main() so that the flags can be checked without starting a server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sirocco/runtime/server_log.hpp"
#include "sirocco/runtime/server_runner.hpp"

namespace sirocco::app {

struct server_options {
    runtime::server_runner_options runner;
    std::string http_address = "0.0.0.0";
    std::uint16_t http_port = 8080;
    runtime::log_level level = runtime::log_level::info;
    bool help = false;
    /// --firmware-dir: served as mq2m://server/NAME and coap://HOST:PORT/fw/NAME.
    std::string firmware_dir;
};

/// Parses argv[1..]. On error returns nullopt and sets `error` to a message
/// naming the flag ("--coap-port: not a port number (0..65535): x").
std::optional<server_options> parse_options(const std::vector<std::string>& args,
                                            std::string& error);

extern const char* const usage_text;

}  // namespace sirocco::app
