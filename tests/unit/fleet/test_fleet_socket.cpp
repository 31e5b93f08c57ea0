#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sirocco/runtime/fleet_socket.hpp"

namespace asio = boost::asio;
using sirocco::bytes_view;
using sirocco::runtime::fleet_socket;

namespace {

// A UDP server on 127.0.0.1 that answers every datagram with
// "<sender address>|<payload>" and records the senders it saw.
struct echo_server {
    asio::ip::udp::socket s;
    asio::ip::udp::endpoint from;
    std::array<char, 2048> buf{};
    std::vector<asio::ip::udp::endpoint> senders;
    explicit echo_server(asio::io_context& io)
        : s(io, asio::ip::udp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0)) {
        arm();
    }
    void arm() {
        s.async_receive_from(
            asio::buffer(buf), from, [this](const boost::system::error_code& ec, std::size_t n) {
                if (ec) return;
                senders.push_back(from);
                std::string reply = from.address().to_string() + "|" + std::string(buf.data(), n);
                boost::system::error_code e2;
                s.send_to(asio::buffer(reply), from, 0, e2);
                arm();
            });
    }
};

bytes_view as_bytes(const std::string& s) {
    return bytes_view(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::uint32_t v4(const char* t) {
    std::uint32_t a = 0;
    EXPECT_TRUE(fleet_socket::parse_v4(t, a));
    return a;
}

void run_until(asio::io_context& io, const std::function<bool()>& done) {
    for (int i = 0; i < 400 && !done(); ++i)
        io.run_for(std::chrono::milliseconds(10));
}

}  // namespace

TEST(fleet_socket, parses_and_prints_v4) {
    std::uint32_t a = 0;
    EXPECT_TRUE(fleet_socket::parse_v4("127.1.0.1", a));
    EXPECT_EQ(a, 0x7F010001u);
    EXPECT_EQ(fleet_socket::v4_text(a), "127.1.0.1");
    for (const char* bad :
         {"", "127.1.0", "127.1.0.256", "127.1.0.1.", "a.b.c.d", "127..0.1", "127.1.0.1 "})
        EXPECT_FALSE(fleet_socket::parse_v4(bad, a)) << bad;
}

// Two devices on one socket: the server sees each one's own source address,
// and each reply comes back tagged with the address it was sent to.
TEST(fleet_socket, two_devices_on_one_socket_keep_their_addresses) {
    asio::io_context io;
    echo_server srv(io);
    fleet_socket fs(io);
    std::map<std::uint32_t, std::string> got;
    ASSERT_TRUE(
        fs.open(asio::ip::udp::endpoint(asio::ip::address_v4::any(), 0),
                [&](std::uint32_t local, const asio::ip::udp::endpoint& from, bytes_view d) {
                    EXPECT_EQ(from, srv.s.local_endpoint());
                    got[local] = std::string(reinterpret_cast<const char*>(d.data()), d.size());
                })
            .has_value());
    ASSERT_NE(fs.local_port(), 0);
    const auto to = srv.s.local_endpoint();
    ASSERT_TRUE(fs.send(v4("127.1.0.1"), to, as_bytes("one")).has_value());
    ASSERT_TRUE(fs.send(v4("127.1.0.2"), to, as_bytes("two")).has_value());
    EXPECT_EQ(fs.queued(), 2u);
    fs.flush();
    EXPECT_EQ(fs.queued(), 0u);
    run_until(io, [&] { return got.size() == 2; });
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[v4("127.1.0.1")], "127.1.0.1|one");
    EXPECT_EQ(got[v4("127.1.0.2")], "127.1.0.2|two");
    ASSERT_EQ(srv.senders.size(), 2u);
    for (const auto& s : srv.senders)
        EXPECT_EQ(s.port(), fs.local_port());
    EXPECT_EQ(fs.counters().sent, 2u);
    EXPECT_EQ(fs.counters().received, 2u);
}

// More datagrams than one batch, from as many addresses: all arrive, each
// reply to its own address.
TEST(fleet_socket, batches_of_many_addresses) {
    asio::io_context io;
    echo_server srv(io);
    fleet_socket fs(io);
    std::set<std::uint32_t> locals;
    std::size_t bad = 0;
    ASSERT_TRUE(fs.open(asio::ip::udp::endpoint(asio::ip::address_v4::any(), 0),
                        [&](std::uint32_t local, const asio::ip::udp::endpoint&, bytes_view d) {
                            std::string s(reinterpret_cast<const char*>(d.data()), d.size());
                            if (s != fleet_socket::v4_text(local) + "|x") ++bad;
                            locals.insert(local);
                        })
                    .has_value());
    const std::size_t n = 3 * fleet_socket::batch + 7;
    for (std::size_t i = 0; i < n; ++i)
        ASSERT_TRUE(fs.send(0x7F020001u + static_cast<std::uint32_t>(i), srv.s.local_endpoint(),
                            as_bytes("x"))
                        .has_value());
    fs.flush();
    run_until(io, [&] { return locals.size() == n; });
    EXPECT_EQ(locals.size(), n);
    EXPECT_EQ(bad, 0u);
    EXPECT_GE(fs.counters().batches_out, 4u);
}

TEST(fleet_socket, without_pktinfo_the_kernel_picks_the_source) {
    asio::io_context io;
    echo_server srv(io);
    fleet_socket fs(io);
    std::vector<std::uint32_t> locals;
    ASSERT_TRUE(fs.open(
                      asio::ip::udp::endpoint(asio::ip::address_v4::any(), 0),
                      [&](std::uint32_t local, const asio::ip::udp::endpoint&, bytes_view) {
                          locals.push_back(local);
                      },
                      false)
                    .has_value());
    ASSERT_TRUE(fs.send(v4("127.1.0.9"), srv.s.local_endpoint(), as_bytes("a")).has_value());
    fs.flush();
    run_until(io, [&] { return !locals.empty(); });
    ASSERT_EQ(locals.size(), 1u);
    EXPECT_EQ(locals[0], 0u);
    ASSERT_EQ(srv.senders.size(), 1u);
    EXPECT_EQ(srv.senders[0].address().to_string(), "127.0.0.1");
}

TEST(fleet_socket, refuses_what_it_cannot_send) {
    asio::io_context io;
    fleet_socket fs(io);
    asio::ip::udp::endpoint to(asio::ip::make_address_v4("127.0.0.1"), 9);
    auto r = fs.send(0, to, as_bytes("x"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, sirocco::errc::not_allowed);
    ASSERT_TRUE(fs.open(asio::ip::udp::endpoint(asio::ip::address_v4::any(), 0),
                        [](std::uint32_t, const asio::ip::udp::endpoint&, bytes_view) {})
                    .has_value());
    std::string big(fleet_socket::max_datagram + 1, 'x');
    r = fs.send(0, to, as_bytes(big));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, sirocco::errc::capacity_exceeded);
    EXPECT_FALSE(fs.open(asio::ip::udp::endpoint(asio::ip::address_v4::any(), 0),
                         [](std::uint32_t, const asio::ip::udp::endpoint&, bytes_view) {}));
    fs.close();
    EXPECT_FALSE(fs.is_open());
}
