// Command line of sirocco-client (docs/client.md). Parsing is separate from
// main() so the unit tests can check every flag and error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sirocco/runtime/sim_device.hpp"

namespace sirocco::app {

enum class log_level { error = 0, warn = 1, info = 2, debug = 3 };

struct client_options {
    runtime::device_settings device;
    log_level level = log_level::info;
    /// nullopt: interactive when stdin is a terminal.
    std::optional<bool> interactive;
    bool help = false;
    /// MQTT connection settings (mqtt:// and mqtts:// servers); the
    /// endpoint is filled by main().
    struct mqtt {
        std::string client_id, username, password, ca_file, cert_file, key_file;
        bool insecure = false;
    } mqtt;
    /// Firmware pull (docs/firmware.md): where the image and the download
    /// state go ("" : the demo sink, no persistence), block size and pace.
    std::string firmware_dir;
    std::uint16_t fw_block_size = 1024;
    std::uint32_t fw_block_delay_ms = 0;
    /// DTLS Connection ID length asked of the server (RFC 9146; 0 = none).
    std::uint8_t dtls_cid = 8;
    /// The security flags as given (their content is already in
    /// device.security_mode / identity / server_public_key / secret_key).
    struct security {
        std::string psk_identity, psk_key_hex;
        std::string rpk_file, server_key_file;
        std::string cert_file, key_file, ca_file;
        std::optional<std::uint8_t> cert_usage;
    } sec;
};

/// Parses argv[1..]. On error returns nullopt and sets `error` to a message
/// naming the flag ("--lifetime: not a positive number: x").
/// `default_endpoint` is used when --endpoint is absent.
std::optional<client_options> parse_options(const std::vector<std::string>& args,
                                            const std::string& default_endpoint,
                                            std::string& error);

extern const char* const usage_text;

}  // namespace sirocco::app
