// sirocco-udp-echo: the UDP request/response ceiling of the performance
// suite (docs/performance.md). A minimal server (one thread, one socket,
// blocking recvfrom + sendto of the same bytes: what a server costs when it
// does nothing but answer) and a load client shaped like the Read benchmark
// (one socket sending from as many 127.x.y.z source addresses as there are
// simulated devices, with IP_PKTINFO, as sirocco-fleet does), so that the
// round trips per second of sirocco-loadgen can be set beside this figure.
//
//   sirocco-udp-echo server [--address 127.0.0.1] [--port 0]
//       prints "listening port=N" and serves until SIGINT/SIGTERM, then
//       prints {"served":..,"cpu_s":..} on stdout.
//   sirocco-udp-echo client --server 127.0.0.1:PORT [--addresses 1000]
//       [--bind-base 127.3.0.1] [--size 32] [--duration 5] [--warmup 1]
//       [--window 64 | --rate R] [--timeout 1] [--json FILE]
//     --window W: closed loop, W requests in flight (peak throughput);
//     --rate R:   open loop, R requests/s on a fixed timetable, latency from
//                 the scheduled send time (coordinated omission corrected).
//     Prints a summary line; --json FILE writes round_trips, rt_per_s,
//     latency_ms {p50,p90,p99,max}, lost, sent, cpu_s (client process).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "bench_util.hpp"

namespace {

using namespace sirocco::bench;

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}

void install_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: recvfrom returns EINTR
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
}

bool parse_ipv4(const std::string& s, in_addr& out) {
    return ::inet_pton(AF_INET, s.c_str(), &out) == 1;
}

int run_server(flags& f) {
    std::string address = f.text("--address", "127.0.0.1");
    auto port = static_cast<std::uint16_t>(f.number("--port", 0, 0, 65535));
    std::string err;
    if (!f.finish(err)) {
        std::cerr << "sirocco-udp-echo server: " << err << "\n";
        return 2;
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (!parse_ipv4(address, a.sin_addr)) {
        std::cerr << "sirocco-udp-echo: --address: not an IPv4 address\n";
        return 2;
    }
    int s = ::socket(AF_INET, SOCK_DGRAM, 0);
    int buf = 4 << 20;
    ::setsockopt(s, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    ::setsockopt(s, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    if (s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        std::cerr << "sirocco-udp-echo: bind: " << std::strerror(errno) << "\n";
        return 1;
    }
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    install_signals();
    std::cout << "listening port=" << ntohs(a.sin_port) << std::endl;
    std::uint64_t served = 0;
    std::uint8_t data[2048];
    while (!g_stop) {
        sockaddr_in from{};
        socklen_t fl = sizeof from;
        ssize_t n = ::recvfrom(s, data, sizeof data, 0, reinterpret_cast<sockaddr*>(&from), &fl);
        if (n < 0) continue;  // EINTR: check g_stop
        if (::sendto(s, data, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&from),
                     fl) == n)
            ++served;
    }
    ::close(s);
    json_out j;
    j.begin().num("served", static_cast<double>(served)).num("cpu_s", process_cpu_s()).end();
    std::cout << j.text() << std::endl;
    return 0;
}

struct client_cfg {
    sockaddr_in server{};
    std::uint32_t addresses = 1000;
    std::uint32_t bind_base = 0;  // host order
    std::size_t size = 32;
    double duration = 5, warmup = 1, timeout = 1;
    std::uint32_t window = 64;
    double rate = 0;
    std::string json;
};

class echo_client {
  public:
    explicit echo_client(const client_cfg& c) : c_(c) {}

    int run() {
        s_ = ::socket(AF_INET, SOCK_DGRAM, 0);
        int buf = 4 << 20;
        ::setsockopt(s_, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
        ::setsockopt(s_, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
        sockaddr_in any{};
        any.sin_family = AF_INET;
        any.sin_addr.s_addr = htonl(INADDR_ANY);
        if (::bind(s_, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) {
            std::cerr << "sirocco-udp-echo: bind: " << std::strerror(errno) << "\n";
            return 1;
        }
        install_signals();
        payload_.assign(std::max<std::size_t>(c_.size, 16), 0xa5);
        double cpu0 = process_cpu_s();
        auto send = [this](std::uint64_t seq, std::uint64_t slot) { send_one(seq, slot); };
        load_shaper::config lc;
        lc.window = c_.window;
        lc.rate = c_.rate;
        lc.warmup = c_.warmup;
        lc.duration = c_.duration;
        lc.timeout = c_.timeout;
        shaper_.start(lc, send);
        while (!g_stop) {
            double t = now_s();
            if (shaper_.done(t)) break;
            shaper_.tick(t, send);
            receive(static_cast<int>(shaper_.wait_s(now_s()) * 1000),
                    [&](std::uint64_t seq, std::uint64_t slot) {
                        shaper_.on_reply(seq, slot, now_s(), send);
                    });
        }
        double cpu = process_cpu_s() - cpu0;
        ::close(s_);
        const auto& h = shaper_.histogram();
        std::string mode = c_.rate > 0
                               ? "open loop " + std::to_string(static_cast<long>(c_.rate)) + "/s"
                               : "window " + std::to_string(c_.window);
        std::printf(
            "udp echo: %s, %u addresses, %zu B: %.0f round trips/s, p50 %.3f ms, p90 %.3f ms, "
            "p99 %.3f ms, max %.3f ms, lost %llu of %llu\n",
            mode.c_str(), c_.addresses, payload_.size(), shaper_.measured_rate(),
            h.percentile_ms(0.5), h.percentile_ms(0.9), h.percentile_ms(0.99), h.max_ms(),
            static_cast<unsigned long long>(shaper_.lost()),
            static_cast<unsigned long long>(shaper_.sent()));
        if (!c_.json.empty()) {
            json_out j;
            j.begin()
                .str("mode", c_.rate > 0 ? "open" : "window")
                .num("window", c_.rate > 0 ? 0 : c_.window)
                .num("rate_target", c_.rate)
                .num("addresses", c_.addresses)
                .num("size", static_cast<double>(payload_.size()))
                .num("duration_s", c_.duration)
                .num("round_trips", static_cast<double>(h.count()))
                .num("rt_per_s", shaper_.measured_rate())
                .latency("latency_ms", h)
                .num("sent", static_cast<double>(shaper_.sent()))
                .num("lost", static_cast<double>(shaper_.lost()))
                .num("cpu_s", cpu)
                .end();
            if (!write_file(c_.json, j.text())) return 1;
        }
        return 0;
    }

  private:
    void send_one(std::uint64_t seq, std::uint64_t index) {
        std::memcpy(payload_.data(), &seq, 8);
        std::memcpy(payload_.data() + 8, &index, 8);
        in_addr src{};
        src.s_addr =
            htonl(nth_loopback(c_.bind_base, static_cast<std::uint32_t>(seq % c_.addresses)));
        iovec iov{payload_.data(), payload_.size()};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))]{};
        msghdr m{};
        m.msg_name = const_cast<sockaddr_in*>(&c_.server);
        m.msg_namelen = sizeof c_.server;
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = control;
        m.msg_controllen = sizeof control;
        cmsghdr* cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = IPPROTO_IP;
        cm->cmsg_type = IP_PKTINFO;
        cm->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
        in_pktinfo pi{};
        pi.ipi_spec_dst = src;  // the source address of this "device"
        std::memcpy(CMSG_DATA(cm), &pi, sizeof pi);
        (void)::sendmsg(s_, &m, 0);
    }

    /// Receives what is there (waiting up to `wait_ms`); calls on_reply.
    template <class F>
    void receive(int wait_ms, F&& on_reply) {
        pollfd p{s_, POLLIN, 0};
        if (::poll(&p, 1, wait_ms) <= 0) return;
        std::uint8_t data[2048];
        for (int i = 0; i < 256; ++i) {
            ssize_t n = ::recv(s_, data, sizeof data, MSG_DONTWAIT);
            if (n < 16) return;
            std::uint64_t seq = 0, index = 0;
            std::memcpy(&seq, data, 8);
            std::memcpy(&index, data + 8, 8);
            on_reply(seq, index);
        }
    }

    client_cfg c_;
    int s_ = -1;
    std::vector<std::uint8_t> payload_;
    load_shaper shaper_;
};

int run_client(flags& f) {
    client_cfg c;
    std::string server = f.text("--server", "");
    c.addresses = static_cast<std::uint32_t>(f.number("--addresses", 1000, 1, 1e6));
    std::string base = f.text("--bind-base", "127.3.0.1");
    c.size = static_cast<std::size_t>(f.number("--size", 32, 16, 1400));
    c.duration = f.number("--duration", 5, 0.1, 3600);
    c.warmup = f.number("--warmup", 1, 0, 600);
    c.timeout = f.number("--timeout", 1, 0.01, 60);
    c.window = static_cast<std::uint32_t>(f.number("--window", 64, 1, 100000));
    c.rate = f.number("--rate", 0, 0, 1e7);
    c.json = f.text("--json", "");
    std::string err;
    if (!f.finish(err)) {
        std::cerr << "sirocco-udp-echo client: " << err << "\n";
        return 2;
    }
    auto colon = server.rfind(':');
    c.server.sin_family = AF_INET;
    if (colon == std::string::npos || !parse_ipv4(server.substr(0, colon), c.server.sin_addr)) {
        std::cerr << "sirocco-udp-echo client: --server IPV4:PORT needed\n";
        return 2;
    }
    c.server.sin_port = htons(static_cast<std::uint16_t>(std::atoi(server.c_str() + colon + 1)));
    in_addr b{};
    if (!parse_ipv4(base, b) || (ntohl(b.s_addr) >> 24) != 127) {
        std::cerr << "sirocco-udp-echo client: --bind-base: a 127.x.y.z address\n";
        return 2;
    }
    c.bind_base = ntohl(b.s_addr);
    return echo_client(c).run();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::string_view(argv[1]) == "--help") {
        std::cout << "usage: sirocco-udp-echo server [--address A] [--port P]\n"
                     "       sirocco-udp-echo client --server IP:PORT [--addresses N] "
                     "[--bind-base 127.3.0.1] [--size B] [--duration S] [--warmup S] "
                     "[--window W | --rate R] [--timeout S] [--json FILE]\n";
        return argc < 2 ? 2 : 0;
    }
    std::string mode = argv[1];
    flags f(argc - 1, argv + 1);
    if (mode == "server") return run_server(f);
    if (mode == "client") return run_client(f);
    std::cerr << "sirocco-udp-echo: server or client\n";
    return 2;
}
