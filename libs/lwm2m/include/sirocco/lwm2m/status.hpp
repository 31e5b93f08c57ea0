// LwM2M response status. Values are the CoAP response codes (class << 5 |
// detail, RFC 7252 12.1.2), so a handler's status is the response code.
#pragma once

#include <cstdint>
#include <string_view>

#include "sirocco/base/error.hpp"

namespace sirocco::lwm2m {

enum class status : std::uint8_t {
    created = 0x41,                     // 2.01
    deleted = 0x42,                     // 2.02
    valid = 0x43,                       // 2.03
    changed = 0x44,                     // 2.04
    content = 0x45,                     // 2.05
    continue_ = 0x5F,                   // 2.31
    bad_request = 0x80,                 // 4.00
    unauthorized = 0x81,                // 4.01
    bad_option = 0x82,                  // 4.02
    forbidden = 0x83,                   // 4.03
    not_found = 0x84,                   // 4.04
    method_not_allowed = 0x85,          // 4.05
    not_acceptable = 0x86,              // 4.06
    request_entity_incomplete = 0x88,   // 4.08
    precondition_failed = 0x8C,         // 4.12
    request_entity_too_large = 0x8D,    // 4.13
    unsupported_content_format = 0x8F,  // 4.15
    internal_server_error = 0xA0,       // 5.00
    not_implemented = 0xA1,             // 5.01
    service_unavailable = 0xA3,         // 5.03
};

constexpr bool is_success(status s) noexcept {
    return (static_cast<std::uint8_t>(s) >> 5) == 2;
}
constexpr std::uint8_t code_class(status s) noexcept {
    return static_cast<std::uint8_t>(s) >> 5;
}
constexpr std::uint8_t code_detail(status s) noexcept {
    return static_cast<std::uint8_t>(s) & 0x1F;
}

/// "4.04" style text is produced by the caller from class/detail; this gives
/// the reason phrase used by Leshan's REST API ("NOT_FOUND", "CONTENT").
constexpr std::string_view to_string(status s) noexcept {
    switch (s) {
        case status::created:
            return "CREATED";
        case status::deleted:
            return "DELETED";
        case status::valid:
            return "VALID";
        case status::changed:
            return "CHANGED";
        case status::content:
            return "CONTENT";
        case status::continue_:
            return "CONTINUE";
        case status::bad_request:
            return "BAD_REQUEST";
        case status::unauthorized:
            return "UNAUTHORIZED";
        case status::bad_option:
            return "BAD_OPTION";
        case status::forbidden:
            return "FORBIDDEN";
        case status::not_found:
            return "NOT_FOUND";
        case status::method_not_allowed:
            return "METHOD_NOT_ALLOWED";
        case status::not_acceptable:
            return "NOT_ACCEPTABLE";
        case status::request_entity_incomplete:
            return "REQUEST_ENTITY_INCOMPLETE";
        case status::precondition_failed:
            return "PRECONDITION_FAILED";
        case status::request_entity_too_large:
            return "REQUEST_ENTITY_TOO_LARGE";
        case status::unsupported_content_format:
            return "UNSUPPORTED_CONTENT_FORMAT";
        case status::internal_server_error:
            return "INTERNAL_SERVER_ERROR";
        case status::not_implemented:
            return "NOT_IMPLEMENTED";
        case status::service_unavailable:
            return "SERVICE_UNAVAILABLE";
    }
    return "UNKNOWN";
}

/// The response code an error maps to when it reaches a peer: malformed input
/// and type or range errors are 4.00, unsupported formats 4.15, missing
/// things 4.04, refused operations 4.05, size limits 4.13.
constexpr status to_status(errc e) noexcept {
    switch (e) {
        case errc::ok:
            return status::content;
        case errc::unsupported:
            return status::unsupported_content_format;
        case errc::not_found:
            return status::not_found;
        case errc::not_allowed:
            return status::method_not_allowed;
        case errc::capacity_exceeded:
            return status::request_entity_too_large;
        case errc::buffer_too_small:
        case errc::io_error:
        case errc::timeout:
            return status::internal_server_error;
        default:
            return status::bad_request;
    }
}

}  // namespace sirocco::lwm2m
