// Private to client_runner*.cpp: the state of a server account's DTLS link
// and of its TCP/TLS connection.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "sirocco/runtime/client_runner.hpp"
#include "sirocco/runtime/event_loop.hpp"
#include "sirocco/runtime/secure_transport.hpp"
#include "sirocco/runtime/stream_transport.hpp"

namespace sirocco::runtime {

struct client_runner::dtls_server_link {
    coap::peer_id peer;
    tls::credentials creds;
    std::unique_ptr<secure_link> link;
    std::unique_ptr<deadline_timer> timer;
    bool opened = false;         // transport_open() done
    bool rehandshaking = false;  // a new handshake under an open transport
    time_ms last_rx = 0;         // last application record from the server
    // Recent confirmable messages sent: message id, sendings, first sending.
    struct con {
        std::uint16_t mid = 0;
        std::uint8_t sends = 0;
        time_ms first = 0;
    };
    std::array<con, 16> cons{};
    std::size_t next_con = 0;
    // What the engine sent while a re-handshake ran (sent once it is done).
    std::deque<std::vector<std::uint8_t>> pending;
};

struct client_runner::stream_server_link {
    coap::peer_id peer;
    std::unique_ptr<stream_transport> t;
    bool opened = false;
};

}  // namespace sirocco::runtime
