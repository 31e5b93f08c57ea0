// DTLS 1.2 / TLS 1.2 sessions on mbedTLS 3.6, sans-I/O (tls.hpp).
//
// mbedTLS is driven through its BIO and timer callbacks: f_send appends to
// the session's output queue, f_recv hands out the datagram (DTLS) or the
// stream bytes (TLS) the caller fed, and the timer reads the `now` of the
// last call. Nothing here opens a socket or reads a clock.
//
// MBEDTLS_ALLOW_PRIVATE_ACCESS: read the type of a received fatal alert
// (ssl->in_msg[1]), for which 3.6 has no accessor.
#define MBEDTLS_ALLOW_PRIVATE_ACCESS

#include "sirocco/runtime/tls.hpp"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/ssl_cookie.h>
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unordered_map>

namespace sirocco::runtime::tls {

std::string_view to_string(mode m) noexcept {
    switch (m) {
        case mode::psk:
            return "psk";
        case mode::rpk:
            return "rpk";
        case mode::x509:
            return "x509";
    }
    return "unknown";
}

result<mode> parse_mode(std::string_view s) {
    if (s == "psk") return mode::psk;
    if (s == "rpk") return mode::rpk;
    if (s == "x509") return mode::x509;
    return unexpected(errc::invalid_argument, "security mode is not psk, rpk or x509");
}

std::string_view to_string(failure f) noexcept {
    switch (f) {
        case failure::none:
            return "none";
        case failure::unknown_identity:
            return "unknown_identity";
        case failure::bad_key:
            return "bad_key";
        case failure::bad_certificate:
            return "bad_certificate";
        case failure::timeout:
            return "timeout";
        case failure::peer_closed:
            return "peer_closed";
        case failure::protocol:
            return "protocol";
    }
    return "unknown";
}

result<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return unexpected(errc::io_error, "cannot open the key or certificate file");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return unexpected(errc::io_error, "cannot read the key or certificate file");
    return ss.str();
}

namespace {

// ---------------------------------------------------------------------------
// mbedTLS plumbing

void ensure_psa() {
    // mbedTLS 3.6 built with TLS 1.3 wants PSA initialised before any
    // handshake (even a 1.2 one); once per process, thread-safe by the
    // static initialisation rules.
    static const psa_status_t status = psa_crypto_init();
    (void)status;
}

std::string mbedtls_text(int ret) {
    char buf[160];
    mbedtls_strerror(ret, buf, sizeof buf);
    return buf;
}

/// An entropy source and a CTR_DRBG seeded from it.
struct rng {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    bool ok = false;
    rng() {
        ensure_psa();
        mbedtls_entropy_init(&entropy);
        mbedtls_ctr_drbg_init(&drbg);
        static const char pers[] = "sirocco-tls";
        ok = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                                   reinterpret_cast<const unsigned char*>(pers),
                                   sizeof pers - 1) == 0;
    }
    ~rng() {
        mbedtls_ctr_drbg_free(&drbg);
        mbedtls_entropy_free(&entropy);
    }
    rng(const rng&) = delete;
    rng& operator=(const rng&) = delete;
    int fill(unsigned char* out, std::size_t n) { return mbedtls_ctr_drbg_random(&drbg, out, n); }
};

struct pk_holder {
    mbedtls_pk_context pk;
    pk_holder() { mbedtls_pk_init(&pk); }
    ~pk_holder() { mbedtls_pk_free(&pk); }
    pk_holder(const pk_holder&) = delete;
    pk_holder& operator=(const pk_holder&) = delete;
};

struct crt_holder {
    mbedtls_x509_crt crt;
    crt_holder() { mbedtls_x509_crt_init(&crt); }
    ~crt_holder() { mbedtls_x509_crt_free(&crt); }
    crt_holder(const crt_holder&) = delete;
    crt_holder& operator=(const crt_holder&) = delete;
    bool empty() const { return crt.raw.len == 0; }
};

bool is_pem(std::string_view data) {
    return data.find("-----BEGIN") != std::string_view::npos;
}

/// mbedTLS wants PEM NUL-terminated with the NUL counted, DER as is.
std::string as_mbedtls_input(std::string_view data) {
    std::string s(data);
    if (is_pem(data)) s.push_back('\0');
    return s;
}

int parse_private_key(mbedtls_pk_context& pk, std::string_view data, rng& r) {
    const std::string in = as_mbedtls_input(data);
    return mbedtls_pk_parse_key(&pk, reinterpret_cast<const unsigned char*>(in.data()), in.size(),
                                nullptr, 0, mbedtls_ctr_drbg_random, &r.drbg);
}

int parse_certificates(mbedtls_x509_crt& crt, std::string_view data) {
    const std::string in = as_mbedtls_input(data);
    return mbedtls_x509_crt_parse(&crt, reinterpret_cast<const unsigned char*>(in.data()),
                                  in.size());
}

std::vector<std::uint8_t> spki_of(const mbedtls_pk_context& pk) {
    std::array<unsigned char, 2600> buf{};
    const int n = mbedtls_pk_write_pubkey_der(&pk, buf.data(), buf.size());
    if (n <= 0) return {};
    return {buf.end() - n, buf.end()};
}

std::string common_name(const mbedtls_x509_crt& crt) {
    for (const mbedtls_x509_name* n = &crt.subject; n != nullptr; n = n->next) {
        if (n->oid.p != nullptr && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0)
            return {reinterpret_cast<const char*>(n->val.p), n->val.len};
    }
    return {};
}

bool self_issued(const mbedtls_x509_crt& crt) {
    return crt.issuer_raw.len == crt.subject_raw.len &&
           std::memcmp(crt.issuer_raw.p, crt.subject_raw.p, crt.issuer_raw.len) == 0;
}

bool same_der(const mbedtls_x509_crt& a, const mbedtls_x509_crt& b) {
    return a.raw.len == b.raw.len && std::memcmp(a.raw.p, b.raw.p, a.raw.len) == 0;
}

/// RPK (tls.hpp): a minimal self-signed certificate carrying `key`, parsed
/// into `out`. Its names, dates and signature mean nothing to the peer.
int make_rpk_certificate(mbedtls_x509_crt& out, mbedtls_pk_context& key, rng& r) {
    mbedtls_x509write_cert w;
    mbedtls_x509write_crt_init(&w);
    std::array<unsigned char, 2048> der{};
    int ret = 0;
    static const unsigned char serial[] = {0x01};
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, &key);
    mbedtls_x509write_crt_set_issuer_key(&w, &key);
    if ((ret = mbedtls_x509write_crt_set_serial_raw(&w, const_cast<unsigned char*>(serial),
                                                    sizeof serial)) != 0 ||
        (ret = mbedtls_x509write_crt_set_validity(&w, "20000101000000", "20991231235959")) != 0 ||
        (ret = mbedtls_x509write_crt_set_subject_name(&w, "CN=sirocco-rpk")) != 0 ||
        (ret = mbedtls_x509write_crt_set_issuer_name(&w, "CN=sirocco-rpk")) != 0) {
        mbedtls_x509write_crt_free(&w);
        return ret;
    }
    ret = mbedtls_x509write_crt_der(&w, der.data(), der.size(), mbedtls_ctr_drbg_random, &r.drbg);
    mbedtls_x509write_crt_free(&w);
    if (ret <= 0) return ret < 0 ? ret : -1;
    return mbedtls_x509_crt_parse_der(&out, der.data() + der.size() - ret,
                                      static_cast<std::size_t>(ret));
}

// Cipher suites (tls.hpp "Modes"), 0-terminated, static for mbedTLS.
const int psk_suites[] = {MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8,
                          MBEDTLS_TLS_PSK_WITH_AES_128_CBC_SHA256, 0};
const int cert_suites[] = {MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
                           MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                           MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, 0};
const int all_suites[] = {MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8,
                          MBEDTLS_TLS_PSK_WITH_AES_128_CBC_SHA256,
                          MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
                          MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                          MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
                          0};
const std::uint16_t groups[] = {MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
                                MBEDTLS_SSL_IANA_TLS_GROUP_NONE};

bool is_psk_suite(int id) {
    return id == MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8 ||
           id == MBEDTLS_TLS_PSK_WITH_AES_128_CBC_SHA256;
}

/// The RFC 6066 max_fragment_length code holding `n` bytes (none above 4096).
unsigned char mfl_code(std::size_t n) {
    if (n <= 512) return MBEDTLS_SSL_MAX_FRAG_LEN_512;
    if (n <= 1024) return MBEDTLS_SSL_MAX_FRAG_LEN_1024;
    if (n <= 2048) return MBEDTLS_SSL_MAX_FRAG_LEN_2048;
    if (n <= 4096) return MBEDTLS_SSL_MAX_FRAG_LEN_4096;
    return MBEDTLS_SSL_MAX_FRAG_LEN_NONE;
}

/// Record overhead on top of the payload (header 13, CID up to 32, inner
/// type 1, explicit IV 16, MAC 32, CBC padding 16).
constexpr std::size_t record_overhead = 13 + 32 + 1 + 16 + 32 + 16;

/// Common settings of every mbedTLS configuration we make.
int setup_config(mbedtls_ssl_config& conf, int endpoint, transport t, const config& cfg, rng& r) {
    const int ret = mbedtls_ssl_config_defaults(
        &conf, endpoint,
        t == transport::datagram ? MBEDTLS_SSL_TRANSPORT_DATAGRAM : MBEDTLS_SSL_TRANSPORT_STREAM,
        MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) return ret;
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &r.drbg);
    mbedtls_ssl_conf_min_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_groups(&conf, groups);
    mbedtls_ssl_conf_renegotiation(&conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
    if (t == transport::datagram) {
        const auto lo =
            static_cast<std::uint32_t>(std::clamp<time_ms>(cfg.retransmit_min_ms, 1, 600000));
        const auto hi =
            static_cast<std::uint32_t>(std::clamp<time_ms>(cfg.retransmit_max_ms, lo, 3600000));
        mbedtls_ssl_conf_handshake_timeout(&conf, lo, hi);
        if (cfg.cid_length > 0) {
            const int c =
                mbedtls_ssl_conf_cid(&conf, cfg.cid_length, MBEDTLS_SSL_UNEXPECTED_CID_IGNORE);
            if (c != 0) return c;
        }
    }
    return 0;
}

// ---------------------------------------------------------------------------
// Server shared state

class session_impl;

struct cache_entry {
    std::vector<unsigned char> blob;  // mbedtls_ssl_session_save()
    identity who;
    time_ms stored = 0;
};

/// What a server_context and its sessions share (kept alive by both).
struct server_state {
    config cfg;
    server_policy policy;
    credentials ours;
    rng random;
    pk_holder key;
    crt_holder own_chain;  // our certificate (x509) or the RPK one
    crt_holder client_ca;  // policy.client_ca_pem, or a stand-in (see create)
    bool x509_clients = false;
    bool cert_suites_on = false;
    mbedtls_ssl_cookie_ctx cookies;
    mbedtls_ssl_config dgram;
    mbedtls_ssl_config stream;
    // Resumption: session id -> saved session, FIFO-bounded.
    std::unordered_map<std::string, cache_entry> cache;
    std::deque<std::string> cache_order;
    // The server session being driven now (callbacks without an ssl
    // argument, i.e. the session cache, find it here).
    session_impl* current = nullptr;
    time_ms now = 0;

    server_state() {
        mbedtls_ssl_cookie_init(&cookies);
        mbedtls_ssl_config_init(&dgram);
        mbedtls_ssl_config_init(&stream);
    }
    ~server_state() {
        mbedtls_ssl_config_free(&stream);
        mbedtls_ssl_config_free(&dgram);
        mbedtls_ssl_cookie_free(&cookies);
    }
    server_state(const server_state&) = delete;
    server_state& operator=(const server_state&) = delete;
};

// ---------------------------------------------------------------------------
// The session

class session_impl final : public session {
  public:
    session_impl(transport t, bool server, const config& cfg) : t_(t), server_(server), cfg_(cfg) {
        mbedtls_ssl_init(&ssl_);
        mbedtls_ssl_config_init(&own_conf_);
    }
    ~session_impl() override {
        mbedtls_ssl_free(&ssl_);
        mbedtls_ssl_config_free(&own_conf_);
    }
    session_impl(const session_impl&) = delete;
    session_impl& operator=(const session_impl&) = delete;

    // --- construction -----------------------------------------------------

    result<void> init_client(const credentials& creds, time_ms now) {
        now_ = now;
        hs_start_ = now;
        creds_m_ = creds.m;
        own_rng_ = std::make_unique<rng>();
        if (!own_rng_->ok)
            return unexpected(errc::invalid_argument, "cannot seed the random generator");
        if (setup_config(own_conf_, MBEDTLS_SSL_IS_CLIENT, t_, cfg_, *own_rng_) != 0)
            return unexpected(errc::invalid_argument, "TLS configuration refused");
        mbedtls_ssl_conf_session_tickets(&own_conf_, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
        // Max Fragment Length (RFC 6066 4): ask for the smallest record size
        // that holds max_fragment, so that both ends (when mbedTLS is built
        // with MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH, as scripts/fetch-mbedtls
        // does) shrink their record buffers from 16 KB after the handshake.
        (void)mbedtls_ssl_conf_max_frag_len(&own_conf_, mfl_code(cfg_.max_fragment));
        bool verify_hostname = false;
        switch (creds.m) {
            case mode::psk: {
                if (creds.psk_identity.empty())
                    return unexpected(errc::invalid_argument, "PSK identity is empty");
                if (creds.psk_key.empty())
                    return unexpected(errc::invalid_argument, "PSK key is empty");
                mbedtls_ssl_conf_ciphersuites(&own_conf_, psk_suites);
                if (mbedtls_ssl_conf_psk(
                        &own_conf_, creds.psk_key.data(), creds.psk_key.size(),
                        reinterpret_cast<const unsigned char*>(creds.psk_identity.data()),
                        creds.psk_identity.size()) != 0)
                    return unexpected(errc::invalid_argument,
                                      "PSK identity or key refused (too long?)");
                mbedtls_ssl_conf_authmode(&own_conf_, MBEDTLS_SSL_VERIFY_NONE);
                break;
            }
            case mode::rpk:
            case mode::x509: {
                mbedtls_ssl_conf_ciphersuites(&own_conf_, cert_suites);
                if (creds.private_key_pem.empty())
                    return unexpected(errc::invalid_argument, "private key is missing");
                if (parse_private_key(key_.pk, creds.private_key_pem, *own_rng_) != 0)
                    return unexpected(errc::invalid_argument,
                                      "private key is not a PEM or DER key");
                if (creds.m == mode::rpk) {
                    if (creds.peer_public_key.empty())
                        return unexpected(errc::invalid_argument,
                                          "the server's public key is missing");
                    if (make_rpk_certificate(own_chain_.crt, key_.pk, *own_rng_) != 0)
                        return unexpected(errc::invalid_argument,
                                          "cannot make the raw public key certificate");
                    expected_spki_ = creds.peer_public_key;
                    // A CA chain must be set for verification; the RPK
                    // callback decides on the key alone.
                    if (make_rpk_certificate(trust_.crt, key_.pk, *own_rng_) != 0)
                        return unexpected(errc::invalid_argument,
                                          "cannot make the raw public key certificate");
                    verify_ = verify_kind::rpk;
                } else {
                    if (creds.certificate_pem.empty())
                        return unexpected(errc::invalid_argument, "certificate is missing");
                    if (parse_certificates(own_chain_.crt, creds.certificate_pem) != 0)
                        return unexpected(errc::invalid_argument,
                                          "certificate is not a PEM or DER certificate");
                    if (creds.certificate_usage > 3)
                        return unexpected(errc::invalid_argument,
                                          "certificate usage is not 0 to 3");
                    usage_ = creds.certificate_usage;
                    if (!creds.peer_certificate_pem.empty() &&
                        parse_certificates(expected_.crt, creds.peer_certificate_pem) != 0)
                        return unexpected(errc::invalid_argument,
                                          "server certificate is not a PEM or DER certificate");
                    if (usage_ == 3) {
                        // DANE-EE: the leaf is the one given (peer
                        // certificate, else the certificates in ca_pem).
                        if (expected_.empty()) {
                            if (creds.ca_pem.empty())
                                return unexpected(
                                    errc::invalid_argument,
                                    "certificate usage 3 needs the server certificate");
                            if (parse_certificates(expected_.crt, creds.ca_pem) != 0)
                                return unexpected(errc::invalid_argument,
                                                  "CA file is not a PEM or DER certificate");
                        }
                        if (parse_certificates(trust_.crt, creds.peer_certificate_pem.empty()
                                                               ? creds.ca_pem
                                                               : creds.peer_certificate_pem) != 0)
                            return unexpected(errc::invalid_argument,
                                              "server certificate is not a PEM or DER certificate");
                        verify_ = verify_kind::exact;
                    } else if (usage_ == 1 && creds.ca_pem.empty()) {
                        // PKIX-EE without trust anchors of ours: the leaf
                        // must be the one given and within its dates.
                        if (expected_.empty())
                            return unexpected(errc::invalid_argument,
                                              "certificate usage 1 needs the server certificate");
                        if (parse_certificates(trust_.crt, creds.peer_certificate_pem) != 0)
                            return unexpected(errc::invalid_argument,
                                              "server certificate is not a PEM or DER certificate");
                        verify_ = verify_kind::exact_dated;
                    } else {
                        if (creds.ca_pem.empty())
                            return unexpected(errc::invalid_argument, "CA certificate is missing");
                        if (parse_certificates(trust_.crt, creds.ca_pem) != 0)
                            return unexpected(errc::invalid_argument,
                                              "CA file is not a PEM or DER certificate");
                        verify_ = usage_ == 1 && !expected_.empty() ? verify_kind::chain_and_exact
                                                                    : verify_kind::chain;
                        verify_hostname = !creds.server_name.empty();
                    }
                }
                if (mbedtls_ssl_conf_own_cert(&own_conf_, &own_chain_.crt, &key_.pk) != 0)
                    return unexpected(errc::invalid_argument, "certificate does not match the key");
                mbedtls_ssl_conf_ca_chain(&own_conf_, &trust_.crt, nullptr);
                mbedtls_ssl_conf_authmode(&own_conf_, MBEDTLS_SSL_VERIFY_REQUIRED);
                break;
            }
        }
        if (mbedtls_ssl_setup(&ssl_, &own_conf_) != 0)
            return unexpected(errc::invalid_argument, "TLS session setup failed");
        if (creds.m != mode::psk) {
            mbedtls_ssl_set_verify(&ssl_, &session_impl::client_verify, this);
            if (mbedtls_ssl_set_hostname(
                    &ssl_, verify_hostname ? creds.server_name.c_str() : nullptr) != 0)
                return unexpected(errc::invalid_argument, "server name refused");
        }
        client_identity_ = creds.psk_identity;
        common_setup(own_rng_.get());
        if (!cfg_.resume.empty()) {
            mbedtls_ssl_session s;
            mbedtls_ssl_session_init(&s);
            if (mbedtls_ssl_session_load(&s, cfg_.resume.data(), cfg_.resume.size()) == 0 &&
                mbedtls_ssl_set_session(&ssl_, &s) == 0) {
                const std::size_t n = mbedtls_ssl_session_get_id_len(&s);
                const unsigned char* id = *mbedtls_ssl_session_get_id(&s);
                offered_id_.assign(id, id + n);
            }
            mbedtls_ssl_session_free(&s);
        }
        drive();
        return {};
    }

    result<void> init_server(std::shared_ptr<server_state> st, std::string_view client_id,
                             time_ms now) {
        now_ = now;
        hs_start_ = now;
        st_ = std::move(st);
        mbedtls_ssl_config& conf = t_ == transport::datagram ? st_->dgram : st_->stream;
        if (mbedtls_ssl_setup(&ssl_, &conf) != 0)
            return unexpected(errc::invalid_argument, "TLS session setup failed");
        mbedtls_ssl_set_user_data_p(&ssl_, this);
        if (st_->cert_suites_on) mbedtls_ssl_set_verify(&ssl_, &session_impl::server_verify, this);
        client_id_ = std::string(client_id);
        common_setup(&st_->random);
        if (t_ == transport::datagram && !server_dgram_setup())
            return unexpected(errc::invalid_argument, "client address refused");
        return {};
    }

    /// DTLS server: the cookie's transport id and our CID (again after a
    /// session reset).
    bool server_dgram_setup() {
        if (mbedtls_ssl_set_client_transport_id(
                &ssl_, reinterpret_cast<const unsigned char*>(client_id_.data()),
                client_id_.size()) != 0)
            return false;
        if (!own_cid_.empty() && mbedtls_ssl_set_cid(&ssl_, MBEDTLS_SSL_CID_ENABLED,
                                                     own_cid_.data(), own_cid_.size()) != 0)
            return false;
        const std::size_t mtu = std::min<std::size_t>(cfg_.max_fragment + record_overhead, 16384);
        mbedtls_ssl_set_mtu(&ssl_, static_cast<std::uint16_t>(mtu));
        return true;
    }

    // --- session ----------------------------------------------------------

    result<void> on_receive(bytes_view wire, time_ms now) override {
        if (state_ == tls::state::closed || state_ == tls::state::failed)
            return unexpected(errc::not_allowed, "the session is closed");
        now_ = now;
        if (t_ == transport::datagram) {
            dgram_ = wire;
            dgram_pending_ = true;
        } else {
            if (in_off_ == in_.size()) {
                in_.clear();
                in_off_ = 0;
            }
            in_.insert(in_.end(), wire.begin(), wire.end());
        }
        check_handshake_timeout();
        drive();
        dgram_pending_ = false;
        dgram_ = {};
        if (state_ == tls::state::failed)
            return unexpected(errc::malformed, "TLS session failed (see failure_reason)");
        return {};
    }

    result<void> send(bytes_view plaintext, time_ms now) override {
        if (state_ != tls::state::established)
            return unexpected(errc::not_allowed, "the session is not established");
        now_ = now;
        if (t_ == transport::datagram) {
            const int max = mbedtls_ssl_get_max_out_record_payload(&ssl_);
            if (max < 0 || plaintext.size() > static_cast<std::size_t>(max) ||
                plaintext.size() > cfg_.max_fragment)
                return unexpected(errc::capacity_exceeded, "datagram larger than max_fragment");
        }
        std::size_t done = 0;
        do {
            const int r =
                mbedtls_ssl_write(&ssl_, plaintext.data() + done, plaintext.size() - done);
            if (r < 0) {
                fail(r);
                return unexpected(errc::malformed, "TLS session failed (see failure_reason)");
            }
            done += static_cast<std::size_t>(r);
        } while (done < plaintext.size());
        return {};
    }

    void close(time_ms now) override {
        now_ = now;
        if (state_ == tls::state::established) (void)mbedtls_ssl_close_notify(&ssl_);
        if (state_ == tls::state::established || state_ == tls::state::handshaking)
            state_ = tls::state::closed;
        fin_ms_ = 0;
    }

    void on_timer(time_ms now) override {
        now_ = now;
        if (state_ != tls::state::handshaking && state_ != tls::state::established) return;
        check_handshake_timeout();
        if (state_ == tls::state::handshaking || fin_ms_ != 0) drive();
    }

    std::optional<time_ms> next_deadline() const override {
        std::optional<time_ms> d;
        if (state_ == tls::state::handshaking) d = hs_start_ + cfg_.handshake_timeout_ms;
        if ((state_ == tls::state::handshaking || state_ == tls::state::established) &&
            fin_ms_ != 0) {
            const time_ms t = timer_start_ + fin_ms_;
            if (!d || t < *d) d = t;
        }
        return d;
    }

    std::optional<bytes_view> poll_transmit() override {
        if (out_.empty()) return std::nullopt;
        tx_cur_ = std::move(out_.front());
        out_.pop_front();
        return bytes_view(tx_cur_);
    }

    std::optional<bytes_view> poll_plaintext() override {
        if (plain_.empty()) return std::nullopt;
        rx_cur_ = std::move(plain_.front());
        plain_.pop_front();
        return bytes_view(rx_cur_);
    }

    tls::state state() const noexcept override { return state_; }
    tls::failure failure() const noexcept override { return failure_; }
    std::string failure_reason() const override { return reason_; }
    const tls::identity& identity() const noexcept override { return identity_; }
    bool cid_in_use() const noexcept override { return cid_in_use_; }
    bool resumed() const noexcept override { return resumed_; }
    std::vector<std::uint8_t> saved() const override { return saved_; }
    bytes_view local_cid() const noexcept override { return own_cid_; }

    // --- used by the server state's callbacks --------------------------------
    std::string psk_identity_seen;
    bool cache_hit = false;
    bool cache_stored = false;
    cache_entry hit;
    std::string stored_id;
    tls::failure pending = tls::failure::none;
    tls::identity pending_identity;

  private:
    enum class verify_kind : std::uint8_t { none, rpk, chain, chain_and_exact, exact, exact_dated };

    void common_setup(rng* r) {
        mbedtls_ssl_set_bio(&ssl_, this, &session_impl::bio_send, &session_impl::bio_recv, nullptr);
        if (t_ == transport::datagram) {
            mbedtls_ssl_set_timer_cb(&ssl_, this, &session_impl::timer_set,
                                     &session_impl::timer_get);
            const std::size_t mtu =
                std::min<std::size_t>(cfg_.max_fragment + record_overhead, 16384);
            mbedtls_ssl_set_mtu(&ssl_, static_cast<std::uint16_t>(mtu));
            if (cfg_.cid_length > 0) {
                own_cid_.resize(cfg_.cid_length);
                if (r->fill(own_cid_.data(), own_cid_.size()) == 0 &&
                    mbedtls_ssl_set_cid(&ssl_, MBEDTLS_SSL_CID_ENABLED, own_cid_.data(),
                                        own_cid_.size()) != 0)
                    own_cid_.clear();
            }
        }
    }

    static int bio_send(void* ctx, const unsigned char* buf, std::size_t len) {
        auto* s = static_cast<session_impl*>(ctx);
        s->out_.emplace_back(buf, buf + len);
        return static_cast<int>(len);
    }

    static int bio_recv(void* ctx, unsigned char* buf, std::size_t len) {
        auto* s = static_cast<session_impl*>(ctx);
        if (s->t_ == transport::datagram) {
            if (!s->dgram_pending_) return MBEDTLS_ERR_SSL_WANT_READ;
            s->dgram_pending_ = false;
            const std::size_t n = std::min(len, s->dgram_.size());
            std::memcpy(buf, s->dgram_.data(), n);
            return static_cast<int>(n);
        }
        const std::size_t avail = s->in_.size() - s->in_off_;
        if (avail == 0) return MBEDTLS_ERR_SSL_WANT_READ;
        const std::size_t n = std::min(len, avail);
        std::memcpy(buf, s->in_.data() + s->in_off_, n);
        s->in_off_ += n;
        return static_cast<int>(n);
    }

    static void timer_set(void* ctx, std::uint32_t int_ms, std::uint32_t fin_ms) {
        auto* s = static_cast<session_impl*>(ctx);
        s->timer_start_ = s->now_;
        s->int_ms_ = int_ms;
        s->fin_ms_ = fin_ms;
    }

    static int timer_get(void* ctx) {
        auto* s = static_cast<session_impl*>(ctx);
        if (s->fin_ms_ == 0) return -1;
        const time_ms elapsed = s->now_ >= s->timer_start_ ? s->now_ - s->timer_start_ : 0;
        if (elapsed >= s->fin_ms_) return 2;
        if (elapsed >= s->int_ms_) return 1;
        return 0;
    }

    // Client certificate checks (tls.hpp "Modes").
    static int client_verify(void* ctx, mbedtls_x509_crt* crt, int depth, std::uint32_t* flags) {
        auto* s = static_cast<session_impl*>(ctx);
        switch (s->verify_) {
            case verify_kind::none:
            case verify_kind::chain:
                if (depth == 0 && *flags != 0) s->pending = tls::failure::bad_certificate;
                return 0;
            case verify_kind::chain_and_exact:
                if (depth == 0) {
                    bool match = false;
                    for (const mbedtls_x509_crt* e = &s->expected_.crt; e && e->raw.len;
                         e = e->next)
                        match = match || same_der(*crt, *e);
                    if (!match) *flags |= MBEDTLS_X509_BADCERT_NOT_TRUSTED;
                    if (*flags != 0) s->pending = tls::failure::bad_certificate;
                }
                return 0;
            case verify_kind::exact:
            case verify_kind::exact_dated:
                if (depth > 0) {
                    *flags = 0;
                } else {
                    bool match = false;
                    for (const mbedtls_x509_crt* e = &s->expected_.crt; e && e->raw.len;
                         e = e->next)
                        match = match || same_der(*crt, *e);
                    const std::uint32_t dates =
                        s->verify_ == verify_kind::exact_dated
                            ? *flags & static_cast<std::uint32_t>(MBEDTLS_X509_BADCERT_EXPIRED |
                                                                  MBEDTLS_X509_BADCERT_FUTURE)
                            : 0u;
                    *flags = match ? dates
                                   : static_cast<std::uint32_t>(MBEDTLS_X509_BADCERT_NOT_TRUSTED);
                    if (*flags != 0) s->pending = tls::failure::bad_certificate;
                }
                return 0;
            case verify_kind::rpk:
                if (depth > 0) {
                    *flags = 0;
                } else if (spki_of(crt->pk) == s->expected_spki_) {
                    *flags = 0;
                } else {
                    *flags = MBEDTLS_X509_BADCERT_NOT_TRUSTED;
                    s->pending = tls::failure::bad_certificate;
                }
                return 0;
        }
        return 0;
    }

  public:
    // Server: a client certificate is an X.509 identity when it chains to
    // the client CA, an RPK identity when its key is known (dtls brief).
    static int server_verify(void* ctx, mbedtls_x509_crt* crt, int depth, std::uint32_t* flags) {
        auto* s = static_cast<session_impl*>(ctx);
        if (depth > 0) {
            s->chain_flags_ |= *flags;
            *flags = 0;
            return 0;
        }
        const std::uint32_t total = s->chain_flags_ | *flags;
        s->chain_flags_ = 0;
        const server_state& st = *s->st_;
        std::vector<std::uint8_t> spki = spki_of(crt->pk);
        if (total == 0 && st.x509_clients) {
            s->pending_identity.m = mode::x509;
            s->pending_identity.public_key = std::move(spki);
            s->pending_identity.subject_cn = common_name(*crt);
            *flags = 0;
            return 0;
        }
        if (st.policy.rpk_known && !spki.empty() && st.policy.rpk_known(spki)) {
            s->pending_identity.m = mode::rpk;
            s->pending_identity.public_key = std::move(spki);
            s->pending_identity.subject_cn.clear();
            *flags = 0;
            return 0;
        }
        s->pending =
            self_issued(*crt) ? tls::failure::unknown_identity : tls::failure::bad_certificate;
        *flags = total != 0 ? total : static_cast<std::uint32_t>(MBEDTLS_X509_BADCERT_NOT_TRUSTED);
        return 0;
    }

  private:
    void check_handshake_timeout() {
        if (state_ == tls::state::handshaking && now_ >= hs_start_ + cfg_.handshake_timeout_ms) {
            state_ = tls::state::failed;
            failure_ = tls::failure::timeout;
            reason_ = "handshake timeout";
            fin_ms_ = 0;
        }
    }

    void drive() {
        struct current_guard {
            server_state* st;
            session_impl* prev;
            current_guard(server_state* s, session_impl* me)
                : st(s), prev(s ? s->current : nullptr) {
                if (st) {
                    st->current = me;
                    st->now = me->now_;
                }
            }
            ~current_guard() {
                if (st) st->current = prev;
            }
        } guard(st_.get(), this);

        if (state_ == tls::state::handshaking) {
            const int r = mbedtls_ssl_handshake(&ssl_);
            if (r == 0) {
                on_established();
            } else if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) {
                return;
            } else if (r == MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED && server_) {
                // A session accepted without dtls_server's stateless check:
                // mbedTLS sent the HelloVerifyRequest itself; start over and
                // wait for the ClientHello with the cookie.
                if (mbedtls_ssl_session_reset(&ssl_) != 0 || !server_dgram_setup()) {
                    fail(r);
                    return;
                }
                hs_start_ = now_;
                return;
            } else {
                fail(r);
                return;
            }
        }
        if (state_ != tls::state::established) return;
        static thread_local std::array<unsigned char, 16384 + 256> buf;
        for (;;) {
            const int r = mbedtls_ssl_read(&ssl_, buf.data(), buf.size());
            if (r > 0) {
                plain_.emplace_back(buf.data(), buf.data() + r);
                continue;
            }
            if (r == 0 || r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE ||
                r == MBEDTLS_ERR_SSL_TIMEOUT)
                return;
            if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
                state_ = tls::state::closed;
                failure_ = tls::failure::peer_closed;
                reason_ = "close_notify from the peer";
                return;
            }
            if (r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET ||
                r == MBEDTLS_ERR_SSL_RECEIVED_EARLY_DATA)
                continue;
            fail(r);
            return;
        }
    }

    void on_established() {
        state_ = tls::state::established;
        fin_ms_ = 0;
        const int suite = mbedtls_ssl_get_ciphersuite_id_from_ssl(&ssl_);
        int enabled = MBEDTLS_SSL_CID_DISABLED;
        std::array<unsigned char, MBEDTLS_SSL_CID_OUT_LEN_MAX> peer_cid{};
        std::size_t peer_cid_len = 0;
        if (t_ == transport::datagram &&
            mbedtls_ssl_get_peer_cid(&ssl_, &enabled, peer_cid.data(), &peer_cid_len) == 0)
            cid_in_use_ = enabled == MBEDTLS_SSL_CID_ENABLED;
        if (server_) {
            resumed_ = cache_hit && !cache_stored;
            if (resumed_) {
                identity_ = hit.who;
            } else if (is_psk_suite(suite)) {
                identity_ = {};
                identity_.m = mode::psk;
                identity_.psk_identity = psk_identity_seen;
            } else {
                identity_ = pending_identity;
            }
            // The cache entry made at wrap-up gets the identity now.
            if (cache_stored && st_) {
                auto it = st_->cache.find(stored_id);
                if (it != st_->cache.end()) it->second.who = identity_;
            }
            hit = {};
            return;
        }
        // Client.
        identity_ = {};
        identity_.m = is_psk_suite(suite) ? mode::psk : creds_m_;
        if (identity_.m == mode::psk) {
            identity_.psk_identity = client_identity_;
        } else if (const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(&ssl_)) {
            identity_.public_key = spki_of(peer->pk);
            identity_.subject_cn = common_name(*peer);
        }
        mbedtls_ssl_session s;
        mbedtls_ssl_session_init(&s);
        if (mbedtls_ssl_get_session(&ssl_, &s) == 0) {
            const std::size_t n = mbedtls_ssl_session_get_id_len(&s);
            const unsigned char* id = *mbedtls_ssl_session_get_id(&s);
            resumed_ = !offered_id_.empty() && n == offered_id_.size() &&
                       std::equal(offered_id_.begin(), offered_id_.end(), id);
            std::size_t len = 0;
            (void)mbedtls_ssl_session_save(&s, nullptr, 0, &len);
            saved_.resize(len);
            if (len == 0 || mbedtls_ssl_session_save(&s, saved_.data(), len, &len) != 0)
                saved_.clear();
        }
        mbedtls_ssl_session_free(&s);
    }

    void fail(int r) {
        const bool was_handshaking = state_ == tls::state::handshaking;
        state_ = tls::state::failed;
        fin_ms_ = 0;
        reason_ = mbedtls_text(r);
        if (pending != tls::failure::none) {
            failure_ = pending;
            return;
        }
        switch (r) {
            case MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY:
                failure_ = tls::failure::unknown_identity;
                return;
            case MBEDTLS_ERR_SSL_INVALID_MAC:
                failure_ = tls::failure::bad_key;
                return;
            case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
            case MBEDTLS_ERR_SSL_BAD_CERTIFICATE:
            case MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED:
                failure_ = tls::failure::bad_certificate;
                return;
            case MBEDTLS_ERR_SSL_TIMEOUT:
                failure_ = tls::failure::timeout;
                reason_ = "handshake timeout (no answer to the last retransmission)";
                return;
            case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
                failure_ = tls::failure::peer_closed;
                return;
            case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE: {
                const unsigned char alert = ssl_.in_msg != nullptr ? ssl_.in_msg[1] : 0;
                reason_ = "fatal alert " + std::to_string(alert) + " from the peer";
                switch (alert) {
                    case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_PSK_IDENTITY:
                        failure_ = tls::failure::unknown_identity;
                        break;
                    case MBEDTLS_SSL_ALERT_MSG_BAD_RECORD_MAC:
                    case MBEDTLS_SSL_ALERT_MSG_DECRYPT_ERROR:
                        failure_ = tls::failure::bad_key;
                        break;
                    case MBEDTLS_SSL_ALERT_MSG_BAD_CERT:
                    case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT:
                    case MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED:
                    case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED:
                    case MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN:
                    case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA:
                    case MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED:
                        failure_ = tls::failure::bad_certificate;
                        break;
                    default:
                        failure_ =
                            was_handshaking ? tls::failure::protocol : tls::failure::peer_closed;
                        break;
                }
                return;
            }
            default:
                failure_ = tls::failure::protocol;
                return;
        }
    }

    transport t_;
    bool server_;
    config cfg_;
    mbedtls_ssl_context ssl_;
    mbedtls_ssl_config own_conf_;  // client sessions only
    std::unique_ptr<rng> own_rng_;
    pk_holder key_;
    crt_holder own_chain_;
    crt_holder trust_;
    crt_holder expected_;
    std::vector<std::uint8_t> expected_spki_;
    verify_kind verify_ = verify_kind::none;
    std::uint8_t usage_ = 3;
    mode creds_m_ = mode::psk;
    std::string client_identity_;
    std::string client_id_;             // server, DTLS: the client's address (cookie)
    std::shared_ptr<server_state> st_;  // server sessions only
    std::uint32_t chain_flags_ = 0;

    // Timer (mbedtls_ssl_set_timer_cb), in the caller's clock.
    time_ms now_ = 0;
    time_ms timer_start_ = 0;
    std::uint32_t int_ms_ = 0;
    std::uint32_t fin_ms_ = 0;
    time_ms hs_start_ = 0;

    // Input.
    bytes_view dgram_;
    bool dgram_pending_ = false;
    std::vector<std::uint8_t> in_;
    std::size_t in_off_ = 0;
    // Output.
    std::deque<std::vector<std::uint8_t>> out_;
    std::vector<std::uint8_t> tx_cur_;
    std::deque<std::vector<std::uint8_t>> plain_;
    std::vector<std::uint8_t> rx_cur_;

    tls::state state_ = tls::state::handshaking;
    tls::failure failure_ = tls::failure::none;
    std::string reason_;
    tls::identity identity_;
    bool cid_in_use_ = false;
    bool resumed_ = false;
    std::vector<std::uint8_t> offered_id_;
    std::vector<std::uint8_t> saved_;
    std::vector<std::uint8_t> own_cid_;
};

// ---------------------------------------------------------------------------
// Server callbacks

int server_psk(void* p, mbedtls_ssl_context* ssl, const unsigned char* id, std::size_t len) {
    auto* st = static_cast<server_state*>(p);
    auto* s = static_cast<session_impl*>(mbedtls_ssl_get_user_data_p(ssl));
    const std::string_view identity(reinterpret_cast<const char*>(id), len);
    std::optional<std::vector<std::uint8_t>> key;
    if (st->policy.psk_key) key = st->policy.psk_key(identity);
    if (!key || key->empty()) {
        if (s) s->pending = failure::unknown_identity;
        return -1;
    }
    if (s) s->psk_identity_seen.assign(identity);
    return mbedtls_ssl_set_hs_psk(ssl, key->data(), key->size());
}

int cache_get(void* p, const unsigned char* id, std::size_t len, mbedtls_ssl_session* out) {
    auto* st = static_cast<server_state*>(p);
    const auto it = st->cache.find(std::string(reinterpret_cast<const char*>(id), len));
    if (it == st->cache.end()) return -1;
    if (st->now > it->second.stored + st->cfg.session_lifetime_ms) return -1;
    const int r = mbedtls_ssl_session_load(out, it->second.blob.data(), it->second.blob.size());
    if (r != 0) return r;
    if (st->current) {
        st->current->cache_hit = true;
        st->current->hit = it->second;
    }
    return 0;
}

int cache_set(void* p, const unsigned char* id, std::size_t len, const mbedtls_ssl_session* s) {
    auto* st = static_cast<server_state*>(p);
    if (st->cfg.session_cache_size == 0) return 0;
    cache_entry e;
    std::size_t n = 0;
    (void)mbedtls_ssl_session_save(s, nullptr, 0, &n);
    e.blob.resize(n);
    if (n == 0 || mbedtls_ssl_session_save(s, e.blob.data(), n, &n) != 0) return -1;
    e.stored = st->now;
    std::string key(reinterpret_cast<const char*>(id), len);
    if (st->current) {
        st->current->cache_stored = true;
        st->current->stored_id = key;
    }
    const auto [it, inserted] = st->cache.insert_or_assign(key, std::move(e));
    (void)it;
    if (inserted) st->cache_order.push_back(std::move(key));
    while (st->cache.size() > st->cfg.session_cache_size && !st->cache_order.empty()) {
        st->cache.erase(st->cache_order.front());
        st->cache_order.pop_front();
    }
    return 0;
}

class server_context_impl final : public server_context {
  public:
    explicit server_context_impl(std::shared_ptr<server_state> st) : st_(std::move(st)) {}

    result<std::unique_ptr<session>> accept(transport t, std::string_view client_id,
                                            time_ms now) override {
        auto s = std::make_unique<session_impl>(t, true, st_->cfg);
        SIROCCO_TRY(s->init_server(st_, client_id, now));
        return std::unique_ptr<session>(std::move(s));
    }

    cookie_check check_cookie(bytes_view in, std::string_view client_id) override {
        // DTLS record header (13) + handshake header (12) + ClientHello
        // (RFC 6347 4.1, 4.2.2): version 2, random 32, session_id<0..32>,
        // cookie<0..255>, ...
        cookie_check out;
        if (in.size() < 13 + 12 + 2 + 32 + 1 + 1) return out;
        const bool dtls_version = in[1] == 0xfe;
        const unsigned epoch = static_cast<unsigned>(in[3] << 8 | in[4]);
        const std::size_t rec_len = static_cast<std::size_t>(in[11] << 8 | in[12]);
        if (in[0] != MBEDTLS_SSL_MSG_HANDSHAKE || !dtls_version || epoch != 0 ||
            rec_len + 13 > in.size() || in[13] != MBEDTLS_SSL_HS_CLIENT_HELLO)
            return out;
        const std::size_t frag_off =
            static_cast<std::size_t>(in[19]) << 16 | static_cast<std::size_t>(in[20]) << 8 | in[21];
        if (frag_off != 0) return out;
        std::size_t pos = 13 + 12 + 2 + 32;
        const std::size_t end = 13 + rec_len;
        if (pos >= end) return out;
        const std::size_t sid_len = in[pos];
        if (sid_len > 32) return out;
        pos += 1 + sid_len;
        if (pos >= end) return out;
        const std::size_t cookie_len = in[pos];
        if (pos + 1 + cookie_len > end) return out;
        const auto* cli = reinterpret_cast<const unsigned char*>(client_id.data());
        if (cookie_len > 0 && mbedtls_ssl_cookie_check(&st_->cookies, in.data() + pos + 1,
                                                       cookie_len, cli, client_id.size()) == 0) {
            out.valid = true;
            return out;
        }
        // HelloVerifyRequest: the ClientHello's record sequence number and
        // message_seq (RFC 6347 4.2.1), server_version DTLS 1.0 (fe ff).
        std::array<unsigned char, 13 + 12 + 3 + 64> hvr{};
        std::copy(in.begin(), in.begin() + 25, hvr.begin());
        hvr[1] = 0xfe;
        hvr[2] = 0xff;
        hvr[13] = MBEDTLS_SSL_HS_HELLO_VERIFY_REQUEST;
        hvr[19] = hvr[20] = hvr[21] = 0;
        hvr[25] = 0xfe;
        hvr[26] = 0xff;
        unsigned char* p = hvr.data() + 28;
        if (mbedtls_ssl_cookie_write(&st_->cookies, &p, hvr.data() + hvr.size(), cli,
                                     client_id.size()) != 0)
            return out;
        const std::size_t total = static_cast<std::size_t>(p - hvr.data());
        const std::size_t body = total - 25;
        hvr[27] = static_cast<unsigned char>(total - 28);
        hvr[14] = hvr[22] = static_cast<unsigned char>(body >> 16);
        hvr[15] = hvr[23] = static_cast<unsigned char>(body >> 8);
        hvr[16] = hvr[24] = static_cast<unsigned char>(body);
        hvr[11] = static_cast<unsigned char>((total - 13) >> 8);
        hvr[12] = static_cast<unsigned char>(total - 13);
        out.reply.assign(hvr.begin(), hvr.begin() + static_cast<std::ptrdiff_t>(total));
        return out;
    }

    void clear_session_cache() override {
        st_->cache.clear();
        st_->cache_order.clear();
    }

  private:
    std::shared_ptr<server_state> st_;
};

}  // namespace

result<std::vector<std::uint8_t>> public_key_der(std::string_view pem_or_der) {
    ensure_psa();
    {
        crt_holder c;
        if (parse_certificates(c.crt, pem_or_der) == 0) {
            auto v = spki_of(c.crt.pk);
            if (!v.empty()) return v;
        }
    }
    rng r;
    {
        pk_holder k;
        if (r.ok && parse_private_key(k.pk, pem_or_der, r) == 0) {
            auto v = spki_of(k.pk);
            if (!v.empty()) return v;
        }
    }
    {
        pk_holder k;
        const std::string in = as_mbedtls_input(pem_or_der);
        if (mbedtls_pk_parse_public_key(&k.pk, reinterpret_cast<const unsigned char*>(in.data()),
                                        in.size()) == 0) {
            auto v = spki_of(k.pk);
            if (!v.empty()) return v;
        }
    }
    return unexpected(errc::invalid_argument, "not a key or certificate (PEM or DER)");
}

result<std::string> generate_ec_key() {
    rng r;
    if (!r.ok) return unexpected(errc::invalid_argument, "cannot seed the random generator");
    pk_holder k;
    if (mbedtls_pk_setup(&k.pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
        mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(k.pk), mbedtls_ctr_drbg_random,
                            &r.drbg) != 0)
        return unexpected(errc::invalid_argument, "cannot generate an EC key");
    std::array<unsigned char, 1024> buf{};
    if (mbedtls_pk_write_key_pem(&k.pk, buf.data(), buf.size()) != 0)
        return unexpected(errc::invalid_argument, "cannot write the EC key as PEM");
    return std::string(reinterpret_cast<const char*>(buf.data()));
}

result<std::unique_ptr<session>> session::client(const config& cfg, const credentials& creds,
                                                 transport t, time_ms now) {
    ensure_psa();
    auto s = std::make_unique<session_impl>(t, false, cfg);
    SIROCCO_TRY(s->init_client(creds, now));
    return std::unique_ptr<session>(std::move(s));
}

result<std::unique_ptr<server_context>> server_context::create(const config& cfg, credentials ours,
                                                               server_policy policy) {
    ensure_psa();
    auto st = std::make_shared<server_state>();
    st->cfg = cfg;
    st->policy = std::move(policy);
    st->ours = std::move(ours);
    if (!st->random.ok)
        return unexpected(errc::invalid_argument, "cannot seed the random generator");
    const bool psk_on = static_cast<bool>(st->policy.psk_key);
    if (!st->ours.private_key_pem.empty()) {
        if (parse_private_key(st->key.pk, st->ours.private_key_pem, st->random) != 0)
            return unexpected(errc::invalid_argument, "server private key is not a PEM or DER key");
        if (!st->ours.certificate_pem.empty()) {
            if (parse_certificates(st->own_chain.crt, st->ours.certificate_pem) != 0)
                return unexpected(errc::invalid_argument,
                                  "server certificate is not a PEM or DER certificate");
        } else if (make_rpk_certificate(st->own_chain.crt, st->key.pk, st->random) != 0) {
            return unexpected(errc::invalid_argument, "cannot make the raw public key certificate");
        }
        st->cert_suites_on = true;
    } else if (!st->ours.certificate_pem.empty()) {
        return unexpected(errc::invalid_argument, "server certificate given without its key");
    }
    if (!psk_on && !st->cert_suites_on)
        return unexpected(errc::invalid_argument,
                          "no PSK lookup and no server key: nothing to offer");
    if (st->cert_suites_on) {
        if (!st->policy.client_ca_pem.empty()) {
            if (parse_certificates(st->client_ca.crt, st->policy.client_ca_pem) != 0)
                return unexpected(errc::invalid_argument,
                                  "client CA file is not a PEM or DER certificate");
            st->x509_clients = true;
        } else if (make_rpk_certificate(st->client_ca.crt, st->key.pk, st->random) != 0) {
            // mbedTLS needs some CA to verify against; with no client CA
            // this stand-in (our own key, that no client holds) makes every
            // chain fail, so only RPK clients get in (server_verify).
            return unexpected(errc::invalid_argument, "cannot make the raw public key certificate");
        }
    }
    if (mbedtls_ssl_cookie_setup(&st->cookies, mbedtls_ctr_drbg_random, &st->random.drbg) != 0)
        return unexpected(errc::invalid_argument, "cannot set up the DTLS cookie key");
    for (auto* conf : {&st->dgram, &st->stream}) {
        const transport t = conf == &st->dgram ? transport::datagram : transport::stream;
        if (setup_config(*conf, MBEDTLS_SSL_IS_SERVER, t, cfg, st->random) != 0)
            return unexpected(errc::invalid_argument, "TLS configuration refused");
        mbedtls_ssl_conf_ciphersuites(conf, psk_on && st->cert_suites_on ? all_suites
                                            : psk_on                     ? psk_suites
                                                                         : cert_suites);
        if (psk_on) mbedtls_ssl_conf_psk_cb(conf, server_psk, st.get());
        if (st->cert_suites_on) {
            if (mbedtls_ssl_conf_own_cert(conf, &st->own_chain.crt, &st->key.pk) != 0)
                return unexpected(errc::invalid_argument,
                                  "server certificate does not match the key");
            mbedtls_ssl_conf_ca_chain(conf, &st->client_ca.crt, nullptr);
            mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        } else {
            mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_NONE);
        }
        if (cfg.session_cache_size > 0)
            mbedtls_ssl_conf_session_cache(conf, st.get(), cache_get, cache_set);
        if (t == transport::datagram)
            mbedtls_ssl_conf_dtls_cookies(conf, mbedtls_ssl_cookie_write, mbedtls_ssl_cookie_check,
                                          &st->cookies);
    }
    return std::unique_ptr<server_context>(std::make_unique<server_context_impl>(std::move(st)));
}

}  // namespace sirocco::runtime::tls
