// Built-in object models, typed in by hand from the published object tables
// (see builtin_models.hpp). Descriptions are our own one-line summaries.
#include "sirocco/lwm2m/builtin_models.hpp"

#include <cstdint>

namespace sirocco::lwm2m {

namespace {

// Short names keep one resource per line.
constexpr operations NO = operations::none;
constexpr operations R = operations::read;
constexpr operations W = operations::write;
constexpr operations RW = operations::read_write;
constexpr operations E = operations::execute;
constexpr bool S = false, M = true;      // single / multiple instances
constexpr bool MAN = true, OPT = false;  // mandatory / optional
constexpr data_type NIL = data_type::none;
constexpr data_type STR = data_type::string;
constexpr data_type INT = data_type::integer;
constexpr data_type UNS = data_type::unsigned_integer;
constexpr data_type FLT = data_type::float_;
constexpr data_type BOOL = data_type::boolean;
constexpr data_type OPQ = data_type::opaque;
constexpr data_type TIME = data_type::time;
constexpr data_type OLNK = data_type::objlnk;

/// A resource without range text.
constexpr resource_model res(std::uint16_t id, std::string_view name, operations ops, bool multiple,
                             bool mandatory, data_type type, std::string_view units,
                             std::string_view description) {
    return {id, name, ops, multiple, mandatory, type, {}, {}, {}, units, description};
}
/// A resource whose range text is a numeric range lo..hi.
constexpr resource_model ranged(std::uint16_t id, std::string_view name, operations ops,
                                bool multiple, bool mandatory, data_type type,
                                std::string_view range, double lo, double hi,
                                std::string_view units, std::string_view description) {
    return {id, name, ops, multiple, mandatory, type, range, lo, hi, units, description};
}
/// A resource whose range text is not a numeric range (an enumeration, a
/// length, prose).
constexpr resource_model listed(std::uint16_t id, std::string_view name, operations ops,
                                bool multiple, bool mandatory, data_type type,
                                std::string_view range, std::string_view units,
                                std::string_view description) {
    return {id, name, ops, multiple, mandatory, type, range, {}, {}, units, description};
}

// 0 LWM2M Security 1.2 (Core TS 1.2, E.1). The registry gives no operations:
// only a Bootstrap-Server (or the client itself) touches these resources.
constexpr resource_model security[] = {
    ranged(0, "LWM2M  Server URI", NO, S, MAN, STR, "0..255", 0, 255, "",
           "URI of the server this account reaches."),
    res(1, "Bootstrap-Server", NO, S, MAN, BOOL, "",
        "True when the account is for a Bootstrap-Server."),
    ranged(2, "Security Mode", NO, S, MAN, INT, "0..4", 0, 4, "",
           "PSK, RPK, certificate, none or certificate with EST."),
    res(3, "Public Key or Identity", NO, S, MAN, OPQ, "",
        "Client's own identity, certificate or public key."),
    res(4, "Server Public Key", NO, S, MAN, OPQ, "",
        "Server's certificate or public key as the client trusts it."),
    res(5, "Secret Key", NO, S, MAN, OPQ, "",
        "Client's secret or private key for the security mode."),
    ranged(6, "SMS Security Mode", NO, S, OPT, INT, "0..255", 0, 255, "",
           "How SMS messages are protected."),
    listed(7, "SMS Binding Key Parameters", NO, S, OPT, OPQ, "6", "",
           "Key parameters for secured SMS."),
    listed(8, "SMS Binding Secret Key(s)", NO, S, OPT, OPQ, "16,32,48", "",
           "Secret keys for secured SMS."),
    res(9, "LwM2M Server SMS Number", NO, S, OPT, STR, "", "MSISDN of the server for SMS."),
    ranged(10, "Short Server ID", NO, S, OPT, INT, "1..65534", 1, 65534, "",
           "Short id linking this account to a Server object."),
    res(11, "Client Hold Off Time", NO, S, OPT, INT, "s",
        "Delay before a client-initiated bootstrap."),
    res(12, "Bootstrap-Server Account Timeout", NO, S, OPT, INT, "s",
        "Lifetime of the bootstrap account; 0 keeps it."),
    ranged(13, "Matching Type", NO, S, OPT, UNS, "0..3", 0, 3, "",
           "How the server certificate is matched (exact or hash)."),
    res(14, "SNI", NO, S, OPT, STR, "", "Server name sent in the TLS SNI extension."),
    ranged(15, "Certificate Usage", NO, S, OPT, UNS, "0..3", 0, 3, "",
           "Certificate usage in the style of DANE."),
    res(16, "DTLS/TLS Ciphersuite", NO, M, OPT, UNS, "", "Cipher suites the client may offer."),
    res(17, "OSCORE Security Mode", NO, S, OPT, OLNK, "",
        "Link to the OSCORE object used for this server."),
    ranged(18, "Groups To Use by Client", NO, M, OPT, UNS, "0..65535", 0, 65535, "",
           "Key exchange groups the client offers."),
    ranged(19, "Signature Algorithms Supported by Server", NO, M, OPT, UNS, "0..65535", 0, 65535,
           "", "Signature algorithms the server accepts."),
    ranged(20, "Signature Algorithms To Use by Client", NO, M, OPT, UNS, "0..65535", 0, 65535, "",
           "Signature algorithms the client offers."),
    ranged(21, "Signature Algorithm Certs Supported by Server", NO, M, OPT, UNS, "0..65535", 0,
           65535, "", "Certificate signature algorithms the server accepts."),
    ranged(22, "TLS 1.3 Features To Use by Client", NO, S, OPT, UNS, "0..65535", 0, 65535, "",
           "TLS 1.3 feature bits the client uses."),
    ranged(23, "TLS Extensions Supported by Server", NO, S, OPT, UNS, "0..65535", 0, 65535, "",
           "TLS extension bits the server supports."),
    ranged(24, "TLS Extensions To Use by Client", NO, S, OPT, UNS, "0..65535", 0, 65535, "",
           "TLS extension bits the client uses."),
    ranged(25, "Secondary LwM2M Server URI", NO, M, OPT, STR, "0..255", 0, 255, "",
           "Further URIs of the same server."),
    res(26, "MQTT Server", NO, S, OPT, OLNK, "",
        "Link to the MQTT Server object for this account."),
    res(27, "LwM2M COSE Security", NO, M, OPT, OLNK, "",
        "Links to COSE objects protecting this server's data."),
    ranged(28, "RDS Destination Port", NO, S, OPT, INT, "0..15", 0, 15, "",
           "Reliable data service destination port."),
    ranged(29, "RDS Source Port", NO, S, OPT, INT, "0..15", 0, 15, "",
           "Reliable data service source port."),
    res(30, "RDS Application ID", NO, S, OPT, STR, "", "Reliable data service application id."),
};

// 1 LwM2M Server 1.2 (Core TS 1.2, E.2).
constexpr resource_model server[] = {
    ranged(0, "Short Server ID", R, S, MAN, INT, "1..65534", 1, 65534, "",
           "Short id of the server."),
    res(1, "Lifetime", RW, S, MAN, INT, "s", "Registration lifetime."),
    res(2, "Default Minimum Period", RW, S, OPT, INT, "s",
        "pmin used when an observation sets none."),
    res(3, "Default Maximum Period", RW, S, OPT, INT, "s",
        "pmax used when an observation sets none."),
    res(4, "Disable", E, S, OPT, NIL, "", "Deregisters and stays away for the disable timeout."),
    res(5, "Disable Timeout", RW, S, OPT, INT, "s", "How long the server stays disabled."),
    res(6, "Notification Storing When Disabled or Offline", RW, S, MAN, BOOL, "",
        "Keep notifications while the server is unreachable."),
    res(7, "Binding", RW, S, MAN, STR, "", "Transport bindings to use with this server."),
    res(8, "Registration Update Trigger", E, S, MAN, NIL, "",
        "Makes the client send a registration update."),
    res(9, "Bootstrap-Request Trigger", E, S, OPT, NIL, "", "Makes the client start a bootstrap."),
    res(10, "APN Link", RW, S, OPT, OLNK, "", "APN connection profile to use."),
    ranged(11, "TLS-DTLS Alert Code", R, S, OPT, UNS, "0..255", 0, 255, "",
           "Last (D)TLS alert received."),
    res(12, "Last Bootstrapped", R, S, OPT, TIME, "", "When the client was last bootstrapped."),
    res(13, "Registration Priority Order", R, S, OPT, UNS, "",
        "Order in which servers are registered to."),
    res(14, "Initial Registration Delay Timer", RW, S, OPT, UNS, "s",
        "Delay before registering to this server."),
    res(15, "Registration Failure Block", R, S, OPT, BOOL, "",
        "Whether a failure here blocks other registrations."),
    res(16, "Bootstrap on Registration Failure", R, S, OPT, BOOL, "",
        "Whether a failure here triggers a bootstrap."),
    res(17, "Communication Retry Count", RW, S, OPT, UNS, "",
        "Registration retries in one sequence."),
    res(18, "Communication Retry Timer", RW, S, OPT, UNS, "s",
        "Base delay between registration retries."),
    res(19, "Communication Sequence Delay Timer", RW, S, OPT, UNS, "s",
        "Delay between retry sequences."),
    res(20, "Communication Sequence Retry Count", RW, S, OPT, UNS, "",
        "Number of retry sequences."),
    res(21, "Trigger", RW, S, OPT, BOOL, "", "Whether the server may wake the client by trigger."),
    listed(22, "Preferred Transport", RW, S, OPT, STR,
           "The possible values are those listed in the LwM2M Core Specification", "",
           "Transport the client should prefer."),
    res(23, "Mute Send", RW, S, OPT, BOOL, "", "Disables the Send operation to this server."),
    res(24, "Alternate APN Links", RW, M, OPT, OLNK, "", "Fallback APN profiles."),
    res(25, "Supported Server Versions", RW, M, OPT, STR, "", "LwM2M versions the server speaks."),
    ranged(26, "Default Notification Mode", RW, S, OPT, INT, "0..1", 0, 1, "",
           "Confirmable or non-confirmable notifications by default."),
    ranged(27, "Profile ID Hash Algorithm", RW, S, OPT, UNS, "0..255", 0, 255, "",
           "Hash algorithm for profile ids."),
};

// 2 LwM2M Access Control 1.1 (Core TS 1.2, E.3).
constexpr resource_model access_control[] = {
    ranged(0, "Object ID", R, S, MAN, INT, "1..65534", 1, 65534, "", "Object the rights apply to."),
    ranged(1, "Object Instance ID", R, S, MAN, INT, "0..65535", 0, 65535, "",
           "Instance the rights apply to; 65535 for create."),
    ranged(2, "ACL", RW, M, OPT, INT, "0..31", 0, 31, "", "Access bits per short server id."),
    ranged(3, "Access Control Owner", RW, S, MAN, INT, "0..65535", 0, 65535, "",
           "Server that may change this entry."),
};

// 3 Device 1.2 (Core TS 1.2, E.4).
constexpr resource_model device[] = {
    res(0, "Manufacturer", R, S, OPT, STR, "", "Who made the device."),
    res(1, "Model Number", R, S, OPT, STR, "", "Model of the device."),
    res(2, "Serial Number", R, S, OPT, STR, "", "Serial number of the device."),
    res(3, "Firmware Version", R, S, OPT, STR, "", "Running firmware version."),
    res(4, "Reboot", E, S, MAN, NIL, "", "Restarts the device."),
    res(5, "Factory Reset", E, S, OPT, NIL, "", "Restores the factory configuration."),
    ranged(6, "Available Power Sources", R, M, OPT, INT, "0..7", 0, 7, "",
           "Kinds of power source present."),
    res(7, "Power Source Voltage", R, M, OPT, INT, "", "Voltage per power source, in mV."),
    res(8, "Power Source Current", R, M, OPT, INT, "", "Current per power source, in mA."),
    ranged(9, "Battery Level", R, S, OPT, INT, "0..100", 0, 100, "/100",
           "Remaining battery charge."),
    res(10, "Memory Free", R, S, OPT, INT, "", "Free storage in KiB."),
    ranged(11, "Error Code", R, M, MAN, INT, "0..32", 0, 32, "",
           "Current error codes; 0 when healthy."),
    res(12, "Reset Error Code", E, S, OPT, NIL, "", "Clears the error codes."),
    res(13, "Current Time", RW, S, OPT, TIME, "", "Device clock."),
    res(14, "UTC Offset", RW, S, OPT, STR, "", "Offset from UTC, e.g. +01:00."),
    res(15, "Timezone", RW, S, OPT, STR, "", "IANA time zone name."),
    res(16, "Supported Binding and Modes", R, S, MAN, STR, "",
        "Transport bindings the device supports."),
    res(17, "Device Type", R, S, OPT, STR, "", "Kind of device, e.g. meter."),
    res(18, "Hardware Version", R, S, OPT, STR, "", "Hardware revision."),
    res(19, "Software Version", R, S, OPT, STR, "", "Software version beside the firmware."),
    ranged(20, "Battery Status", R, S, OPT, INT, "0..6", 0, 6, "",
           "Charging, normal, low, failed and so on."),
    res(21, "Memory Total", R, S, OPT, INT, "", "Total storage in KiB."),
    res(22, "ExtDevInfo", R, M, OPT, OLNK, "", "Links to objects with more device details."),
};

// 4 Connectivity Monitoring 1.3 (Core TS 1.2, E.5).
constexpr resource_model connectivity_monitoring[] = {
    ranged(0, "Network Bearer", R, S, MAN, INT, "0..50", 0, 50, "", "Bearer in use now."),
    ranged(1, "Available Network Bearer", R, M, MAN, INT, "0..50", 0, 50, "",
           "Bearers the device can use."),
    res(2, "Radio Signal Strength", R, S, MAN, INT, "dBm", "Received signal strength."),
    res(3, "Link Quality", R, S, OPT, INT, "", "Bearer-specific link quality."),
    res(4, "IP Addresses", R, M, MAN, STR, "", "IP addresses of the device."),
    res(5, "Router IP Addresses", R, M, OPT, STR, "", "Next-hop router addresses."),
    ranged(6, "Link Utilization", R, S, OPT, INT, "0..100", 0, 100, "/100",
           "Average use of the link."),
    res(7, "APN", R, M, OPT, STR, "", "Access point names in use."),
    res(8, "Cell ID", R, S, OPT, INT, "", "Serving cell id."),
    ranged(9, "SMNC", R, S, OPT, INT, "0..999", 0, 999, "", "Serving mobile network code."),
    ranged(10, "SMCC", R, S, OPT, INT, "0..999", 0, 999, "", "Serving mobile country code."),
    res(11, "SignalSNR", R, S, OPT, INT, "dB", "Signal to noise ratio."),
    res(12, "LAC", R, S, OPT, INT, "", "Location or tracking area code."),
    ranged(13, "Coverage Enhancement Level", R, S, OPT, INT, "0..4", 0, 4, "",
           "Coverage enhancement level in use."),
};

// 5 Firmware Update 1.2 (Core TS 1.2, E.6).
constexpr resource_model firmware_update[] = {
    res(0, "Package", W, S, MAN, OPQ, "", "Firmware image pushed by the server."),
    ranged(1, "Package URI", RW, S, MAN, STR, "0..255", 0, 255, "",
           "Where the client downloads the image from."),
    res(2, "Update", E, S, MAN, NIL, "", "Installs the downloaded image."),
    ranged(3, "State", R, S, MAN, INT, "0..3", 0, 3, "",
           "Idle, downloading, downloaded or updating."),
    ranged(5, "Update Result", R, S, MAN, INT, "0..11", 0, 11, "",
           "Outcome of the last download or update."),
    ranged(6, "PkgName", R, S, OPT, STR, "0..255", 0, 255, "", "Name of the downloaded package."),
    ranged(7, "PkgVersion", R, S, OPT, STR, "0..255", 0, 255, "",
           "Version of the downloaded package."),
    ranged(8, "Firmware Update Protocol Support", R, M, OPT, INT, "0..5", 0, 5, "",
           "Download protocols the client supports."),
    ranged(9, "Firmware Update Delivery Method", R, S, MAN, INT, "0..2", 0, 2, "",
           "Pull, push or both."),
    res(10, "Cancel", E, S, OPT, NIL, "", "Abandons the update in progress."),
    ranged(11, "Severity", RW, S, OPT, INT, "0..2", 0, 2, "", "How urgent the update is."),
    res(12, "Last State Change Time", R, S, OPT, TIME, "", "When State last changed."),
    res(13, "Maximum Defer Period", RW, S, OPT, UNS, "s",
        "How long the user may postpone the update."),
    res(14, "Automatic Upgrade at Download", RW, S, OPT, BOOL, "",
        "Install as soon as the download ends."),
};

// 6 Location 1.0 (Core TS 1.0, E.7).
constexpr resource_model location[] = {
    res(0, "Latitude", R, S, MAN, FLT, "lat", "Latitude in degrees."),
    res(1, "Longitude", R, S, MAN, FLT, "lon", "Longitude in degrees."),
    res(2, "Altitude", R, S, OPT, FLT, "m", "Height above sea level."),
    res(3, "Radius", R, S, OPT, FLT, "m", "Accuracy radius of the fix."),
    res(4, "Velocity", R, S, OPT, OPQ, "", "Speed and heading as in 3GPP TS 23.032."),
    res(5, "Timestamp", R, S, MAN, TIME, "", "When the fix was taken."),
    res(6, "Speed", R, S, OPT, FLT, "m/s", "Ground speed."),
};

// 7 Connectivity Statistics 1.0 (Core TS 1.0, E.8).
constexpr resource_model connectivity_statistics[] = {
    res(0, "SMS Tx Counter", R, S, OPT, INT, "", "SMS sent while collecting."),
    res(1, "SMS Rx Counter", R, S, OPT, INT, "", "SMS received while collecting."),
    res(2, "Tx Data", R, S, OPT, INT, "", "KiB sent while collecting."),
    res(3, "Rx Data", R, S, OPT, INT, "", "KiB received while collecting."),
    res(4, "Max Message Size", R, S, OPT, INT, "B", "Largest message seen."),
    res(5, "Average Message Size", R, S, OPT, INT, "B", "Mean message size."),
    res(6, "Start", E, S, MAN, NIL, "", "Resets the counters and starts collecting."),
    res(7, "Stop", E, S, MAN, NIL, "", "Stops collecting."),
    res(8, "Collection Period", RW, S, OPT, INT, "s", "How long to collect before stopping."),
};

// 3300 Generic Sensor 1.1 (IPSO).
constexpr resource_model generic_sensor[] = {
    res(5518, "Timestamp", R, S, OPT, TIME, "", "When the value was measured."),
    res(5601, "Min Measured Value", R, S, OPT, FLT, "", "Lowest value since the last reset."),
    res(5602, "Max Measured Value", R, S, OPT, FLT, "", "Highest value since the last reset."),
    res(5603, "Min Range Value", R, S, OPT, FLT, "", "Lowest value the sensor can report."),
    res(5604, "Max Range Value", R, S, OPT, FLT, "", "Highest value the sensor can report."),
    res(5605, "Reset Min and Max Measured Values", E, S, OPT, NIL, "",
        "Clears the measured extremes."),
    res(5700, "Sensor Value", R, S, MAN, FLT, "", "Last measured value."),
    res(5701, "Sensor Units", R, S, OPT, STR, "", "Unit of the value."),
    res(5750, "Application Type", RW, S, OPT, STR, "", "What the sensor is used for."),
    res(5751, "Sensor Type", R, S, OPT, STR, "", "Kind of sensor."),
    ranged(6042, "Measurement Quality Indicator", R, S, OPT, INT, "0..23", 0, 23, "",
           "Why a value may be unreliable."),
    ranged(6049, "Measurement Quality Level", R, S, OPT, INT, "0..100", 0, 100, "",
           "Confidence in the value."),
    ranged(6050, "Fractional Timestamp", R, S, OPT, FLT, "0..1", 0, 1, "s",
           "Sub-second part of the timestamp."),
};

// 3303 Temperature 1.1 (IPSO).
constexpr resource_model temperature[] = {
    res(5518, "Timestamp", R, S, OPT, TIME, "", "When the temperature was measured."),
    res(5601, "Min Measured Value", R, S, OPT, FLT, "", "Lowest temperature since the last reset."),
    res(5602, "Max Measured Value", R, S, OPT, FLT, "",
        "Highest temperature since the last reset."),
    res(5603, "Min Range Value", R, S, OPT, FLT, "", "Lowest temperature the sensor can report."),
    res(5604, "Max Range Value", R, S, OPT, FLT, "", "Highest temperature the sensor can report."),
    res(5605, "Reset Min and Max Measured Values", E, S, OPT, NIL, "",
        "Clears the measured extremes."),
    res(5700, "Sensor Value", R, S, MAN, FLT, "", "Last measured temperature."),
    res(5701, "Sensor Units", R, S, OPT, STR, "", "Unit of the temperature, e.g. Cel."),
    res(5750, "Application Type", RW, S, OPT, STR, "", "What the sensor is used for."),
    ranged(6042, "Measurement Quality Indicator", R, S, OPT, INT, "0..23", 0, 23, "",
           "Why a value may be unreliable."),
    ranged(6049, "Measurement Quality Level", R, S, OPT, INT, "0..100", 0, 100, "",
           "Confidence in the value."),
    ranged(6050, "Fractional Timestamp", R, S, OPT, FLT, "0..1", 0, 1, "s",
           "Sub-second part of the timestamp."),
};

// 3311 Light Control 1.0 (IPSO).
constexpr resource_model light_control[] = {
    res(5701, "Sensor Units", R, S, OPT, STR, "", "Unit of the power figures."),
    res(5706, "Colour", RW, S, OPT, STR, "", "Light colour in a colour space of the device."),
    res(5750, "Application Type", RW, S, OPT, STR, "", "What the light is used for."),
    res(5805, "Cumulative active power", R, S, OPT, FLT, "Wh", "Energy used since the last reset."),
    res(5820, "Power factor", R, S, OPT, FLT, "", "Power factor of the load."),
    res(5850, "On/Off", RW, S, MAN, BOOL, "", "Switches the light on or off."),
    ranged(5851, "Dimmer", RW, S, OPT, INT, "0..100", 0, 100, "/100", "Brightness level."),
    res(5852, "On time", RW, S, OPT, INT, "s", "Seconds since the light was switched on."),
};

// 3342 On/Off switch 1.1 (IPSO).
constexpr resource_model on_off_switch[] = {
    res(5500, "Digital Input State", R, S, MAN, BOOL, "", "Whether the switch is on."),
    res(5501, "Digital Input Counter", R, S, OPT, INT, "", "Number of on transitions."),
    res(5518, "Timestamp", R, S, OPT, TIME, "", "When the state last changed."),
    res(5750, "Application Type", RW, S, OPT, STR, "", "What the switch is used for."),
    res(5852, "On time", RW, S, OPT, INT, "s", "Seconds the switch has been on."),
    res(5854, "Off Time", RW, S, OPT, INT, "s", "Seconds the switch has been off."),
    ranged(6050, "Fractional Timestamp", R, S, OPT, FLT, "0..1", 0, 1, "s",
           "Sub-second part of the timestamp."),
};

constexpr object_model models[] = {
    {0, "LWM2M Security", "Keys and addresses for reaching each server.", "1.2", "1.1", M, MAN,
     "urn:oma:lwm2m:oma:0:1.2", security},
    {1, "LwM2M Server", "Per-server registration and notification settings.", "1.2", "1.2", M, MAN,
     "urn:oma:lwm2m:oma:1:1.2", server},
    {2, "LwM2M Access Control", "Which server may do what on each object instance.", "1.1", "1.0",
     M, OPT, "urn:oma:lwm2m:oma:2:1.1", access_control},
    {3, "Device", "Identity, power, clock and reboot of the device.", "1.2", "1.1", S, MAN,
     "urn:oma:lwm2m:oma:3:1.2", device},
    {4, "Connectivity Monitoring", "State of the network link.", "1.3", "1.1", S, OPT,
     "urn:oma:lwm2m:oma:4:1.3", connectivity_monitoring},
    {5, "Firmware Update", "Download and installation of new firmware.", "1.2", "1.1", S, OPT,
     "urn:oma:lwm2m:oma:5:1.2", firmware_update},
    {6, "Location", "Geographic position of the device.", "1.0", "1.0", S, OPT,
     "urn:oma:lwm2m:oma:6", location},
    {7, "Connectivity Statistics", "Traffic counters over a collection period.", "1.0", "1.0", S,
     OPT, "urn:oma:lwm2m:oma:7", connectivity_statistics},
    {3300, "Generic Sensor", "A sensor of any quantity.", "1.1", "1.0", M, OPT,
     "urn:oma:lwm2m:ext:3300:1.1", generic_sensor},
    {3303, "Temperature", "A temperature sensor.", "1.1", "1.0", M, OPT,
     "urn:oma:lwm2m:ext:3303:1.1", temperature},
    {3311, "Light Control", "A light that can be switched and dimmed.", "1.0", "1.0", M, OPT,
     "urn:oma:lwm2m:ext:3311", light_control},
    {3342, "On/Off switch", "A two-state switch input.", "1.1", "1.0", M, OPT,
     "urn:oma:lwm2m:ext:3342:1.1", on_off_switch},
};

constexpr bool sorted_by_id(std::span<const resource_model> rs) {
    for (std::size_t i = 1; i < rs.size(); ++i)
        if (rs[i - 1].id >= rs[i].id) return false;
    return true;
}
constexpr bool all_sorted() {
    for (std::size_t i = 0; i < sizeof models / sizeof models[0]; ++i) {
        if (!sorted_by_id(models[i].resources)) return false;
        if (i > 0 && models[i - 1].id >= models[i].id) return false;
    }
    return true;
}
static_assert(all_sorted(), "built-in objects and their resources must be sorted by id");

constexpr builtin_model_provider the_provider;

}  // namespace

std::span<const object_model> builtin_models() noexcept {
    return models;
}

const object_model* builtin_model_provider::find(object_id oid,
                                                 std::string_view version) const noexcept {
    std::size_t lo = 0, hi = sizeof models / sizeof models[0];
    while (lo < hi) {
        std::size_t mid = (lo + hi) / 2;
        if (models[mid].id < oid.value())
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == sizeof models / sizeof models[0] || models[lo].id != oid.value()) return nullptr;
    const object_model& m = models[lo];
    if (!version.empty() && compare_versions(m.object_version, version) != 0) return nullptr;
    return &m;
}

const builtin_model_provider& builtin_provider() noexcept {
    return the_provider;
}

}  // namespace sirocco::lwm2m
