#include "sirocco/runtime/secure_transport.hpp"

#include <array>

namespace sirocco::runtime {

namespace {

constexpr std::string_view b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

result<void> b64_decode(std::string_view in, std::vector<std::uint8_t>& out) {
    std::uint32_t acc = 0;
    int bits = 0;
    std::size_t pad = 0;
    for (char c : in) {
        if (c == '\r' || c == '\n' || c == ' ' || c == '\t') continue;
        if (c == '=') {
            ++pad;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad > 0) return unexpected(errc::malformed, "bad base64 in a PEM block");
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>(acc >> bits));
            acc &= (1u << bits) - 1u;
        }
    }
    if (pad > 2) return unexpected(errc::malformed, "bad base64 padding in a PEM block");
    return {};
}

std::string b64_encode(bytes_view in) {
    std::string s;
    s.reserve((in.size() + 2) / 3 * 4 + in.size() / 48 + 2);
    std::size_t line = 0;
    for (std::size_t i = 0; i < in.size(); i += 3) {
        std::uint32_t v = static_cast<std::uint32_t>(in[i]) << 16;
        if (i + 1 < in.size()) v |= static_cast<std::uint32_t>(in[i + 1]) << 8;
        if (i + 2 < in.size()) v |= in[i + 2];
        s += b64[(v >> 18) & 63];
        s += b64[(v >> 12) & 63];
        s += i + 1 < in.size() ? b64[(v >> 6) & 63] : '=';
        s += i + 2 < in.size() ? b64[v & 63] : '=';
        if (++line == 16) {  // 64 characters per line (RFC 7468 2)
            s += '\n';
            line = 0;
        }
    }
    if (line != 0) s += '\n';
    return s;
}

/// Length of the DER object (tag, length, contents) at the front of `in`;
/// nullopt when it is not a complete SEQUENCE.
std::optional<std::size_t> der_sequence_length(bytes_view in) {
    if (in.size() < 2 || in[0] != 0x30) return std::nullopt;
    std::size_t len = in[1], head = 2;
    if (len & 0x80) {
        std::size_t n = len & 0x7f;
        if (n == 0 || n > 4 || in.size() < 2 + n) return std::nullopt;
        len = 0;
        for (std::size_t i = 0; i < n; ++i)
            len = (len << 8) | in[2 + i];
        head += n;
    }
    if (in.size() - head < len) return std::nullopt;
    return head + len;
}

std::string bytes_text(bytes_view b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

}  // namespace

result<std::vector<std::uint8_t>> pem_to_der(std::string_view text) {
    std::vector<std::uint8_t> out;
    constexpr std::string_view begin = "-----BEGIN ", end = "-----END ";
    std::size_t at = text.find(begin);
    if (at == std::string_view::npos) return std::vector<std::uint8_t>(text.begin(), text.end());
    while (at != std::string_view::npos) {
        std::size_t body = text.find('\n', at);
        if (body == std::string_view::npos)
            return unexpected(errc::malformed, "a PEM block without a body");
        std::size_t stop = text.find(end, body);
        if (stop == std::string_view::npos)
            return unexpected(errc::malformed, "a PEM block without its END line");
        std::string_view b64_body = text.substr(body + 1, stop - body - 1);
        if (b64_body.find(':') != std::string_view::npos)
            return unexpected(errc::malformed, "encrypted PEM keys are not supported");
        SIROCCO_TRY(b64_decode(b64_body, out));
        at = text.find(begin, stop);
    }
    if (out.empty()) return unexpected(errc::malformed, "an empty PEM block");
    return out;
}

result<std::string> der_to_pem(bytes_view der, std::string_view label) {
    std::string pem;
    while (!der.empty()) {
        auto n = der_sequence_length(der);
        if (!n) return unexpected(errc::malformed, "not DER (a sequence of ASN.1 SEQUENCEs)");
        pem += "-----BEGIN " + std::string(label) + "-----\n";
        pem += b64_encode(der.first(*n));
        pem += "-----END " + std::string(label) + "-----\n";
        der = der.subspan(*n);
    }
    if (pem.empty()) return unexpected(errc::malformed, "no DER object");
    return pem;
}

result<tls::credentials> credentials_from(const client::security_account& a,
                                          std::string_view host) {
    using client::security_mode;
    tls::credentials c;
    switch (a.mode) {
        case security_mode::psk:
            if (a.identity.empty())
                return unexpected(errc::invalid_argument, "PSK mode without an identity (/0/x/3)");
            if (a.secret_key.empty())
                return unexpected(errc::invalid_argument, "PSK mode without a key (/0/x/5)");
            c.m = tls::mode::psk;
            c.psk_identity = bytes_text(a.identity);
            c.psk_key.assign(a.secret_key.begin(), a.secret_key.end());
            return c;
        case security_mode::rpk: {
            if (a.secret_key.empty())
                return unexpected(errc::invalid_argument,
                                  "RPK mode without our private key (/0/x/5)");
            if (a.server_public_key.empty())
                return unexpected(errc::invalid_argument,
                                  "RPK mode without the server's public key (/0/x/4)");
            c.m = tls::mode::rpk;
            c.private_key_pem = bytes_text(a.secret_key);
            auto spki = tls::public_key_der(bytes_text(a.server_public_key));
            if (!spki)
                return unexpected(errc::invalid_argument,
                                  "the server's public key (/0/x/4) is not a key");
            c.peer_public_key = std::move(*spki);
            return c;
        }
        case security_mode::certificate: {
            if (a.identity.empty())
                return unexpected(errc::invalid_argument,
                                  "certificate mode without our certificate (/0/x/3)");
            if (a.secret_key.empty())
                return unexpected(errc::invalid_argument,
                                  "certificate mode without our private key (/0/x/5)");
            if (a.server_public_key.empty())
                return unexpected(errc::invalid_argument,
                                  "certificate mode without the server's certificate or trust "
                                  "anchor (/0/x/4)");
            c.m = tls::mode::x509;
            auto own = der_to_pem(a.identity, "CERTIFICATE");
            if (!own)
                return unexpected(errc::invalid_argument, "our certificate (/0/x/3) is not DER");
            c.certificate_pem = std::move(*own);
            c.private_key_pem = bytes_text(a.secret_key);
            auto peer = der_to_pem(a.server_public_key, "CERTIFICATE");
            if (!peer)
                return unexpected(errc::invalid_argument,
                                  "the server's certificate (/0/x/4) is not DER");
            c.certificate_usage = a.certificate_usage;
            // 0 CA constraint, 2 trust anchor assertion: /4 is a trust
            // anchor; 1 service certificate constraint, 3 domain-issued
            // certificate: /4 is the server's own certificate.
            if (a.certificate_usage == 1 || a.certificate_usage == 3)
                c.peer_certificate_pem = std::move(*peer);
            else
                c.ca_pem = std::move(*peer);
            c.server_name = std::string(a.sni.empty() ? host : a.sni);
            return c;
        }
        case security_mode::no_sec:
            return unexpected(errc::invalid_argument,
                              "the Security instance is NoSec (/0/x/2 = 3) but the URI is secure");
        case security_mode::est:
            break;
    }
    return unexpected(errc::invalid_argument, "security mode EST is not supported");
}

// ---- secure_link ----------------------------------------------------------------

secure_link::secure_link(tls::transport t, tls::credentials creds, tls::config cfg, hooks h)
    : transport_(t), creds_(std::move(creds)), cfg_(std::move(cfg)), hooks_(std::move(h)) {}

secure_link::~secure_link() {
    *alive_ = false;
}

result<void> secure_link::start(time_ms now) {
    auto s = tls::session::client(cfg_, creds_, transport_, now);
    if (!s) return unexpected(s.error());
    session_ = std::move(*s);
    drain();
    return {};
}

void secure_link::on_wire(bytes_view bytes, time_ms now) {
    if (!session_ || closing_) return;
    (void)session_->on_receive(bytes, now);
    drain();
}

result<void> secure_link::send(bytes_view plaintext, time_ms now) {
    if (!session_ || closing_) return unexpected(errc::not_allowed, "no session");
    auto r = session_->send(plaintext, now);
    drain();
    return r;
}

void secure_link::on_timer(time_ms now) {
    if (!session_ || closing_) return;
    session_->on_timer(now);
    drain();
}

std::optional<time_ms> secure_link::next_deadline() const {
    if (!session_ || closing_) return std::nullopt;
    return session_->next_deadline();
}

void secure_link::close(time_ms now) {
    if (!session_ || closing_) return;
    closing_ = true;
    if (session_->state() == tls::state::established) {
        session_->close(now);
        while (auto w = session_->poll_transmit())
            if (hooks_.wire) hooks_.wire(*w);
    }
}

bool secure_link::established() const noexcept {
    return session_ && session_->state() == tls::state::established;
}

std::vector<std::uint8_t> secure_link::saved() const {
    return session_ ? session_->saved() : std::vector<std::uint8_t>{};
}

void secure_link::drain() {
    std::shared_ptr<bool> alive = alive_;
    while (auto w = session_->poll_transmit()) {
        if (hooks_.wire) hooks_.wire(*w);
        if (!*alive) return;
    }
    if (!told_established_ && session_->state() == tls::state::established) {
        told_established_ = true;
        if (hooks_.established) hooks_.established();
        if (!*alive) return;
    }
    while (auto p = session_->poll_plaintext()) {
        if (hooks_.plaintext) hooks_.plaintext(*p);
        if (!*alive) return;
    }
    // Sending from a plaintext hook may have queued records.
    while (auto w = session_->poll_transmit()) {
        if (hooks_.wire) hooks_.wire(*w);
        if (!*alive) return;
    }
    auto st = session_->state();
    if (!told_failed_ && (st == tls::state::failed || st == tls::state::closed)) {
        told_failed_ = true;
        tls::failure f = session_->failure();
        std::string why = session_->failure_reason();
        if (why.empty()) why = std::string(tls::to_string(f));
        if (hooks_.failed) hooks_.failed(f, why);
    }
}

}  // namespace sirocco::runtime
