// The security store's checks and its memory implementation
// (security_store.hpp).
#include "sirocco/server/security_store.hpp"

#include <algorithm>

namespace sirocco::server {

std::string_view to_string(security_mode m) noexcept {
    switch (m) {
        case security_mode::psk:
            return "psk";
        case security_mode::rpk:
            return "rpk";
        case security_mode::x509:
            return "x509";
    }
    return "psk";
}

std::optional<security_mode> parse_security_mode(std::string_view s) noexcept {
    if (s == "psk") return security_mode::psk;
    if (s == "rpk") return security_mode::rpk;
    if (s == "x509") return security_mode::x509;
    return std::nullopt;
}

namespace {

std::string key_text(const std::vector<std::uint8_t>& k) {
    return std::string(k.begin(), k.end());
}

// One DER TLV (X.690 8.1) at the start of `in`: its tag, the content and the
// bytes after it. Only single-byte tags and definite lengths of up to 4
// length bytes (what a SubjectPublicKeyInfo uses).
struct tlv {
    std::uint8_t tag = 0;
    bytes_view content;
    bytes_view rest;
};

std::optional<tlv> read_tlv(bytes_view in) {
    if (in.size() < 2) return std::nullopt;
    tlv t;
    t.tag = in[0];
    if ((t.tag & 0x1F) == 0x1F) return std::nullopt;  // multi-byte tag
    std::size_t len = in[1];
    std::size_t pos = 2;
    if (len & 0x80) {
        const std::size_t n = len & 0x7F;
        if (n == 0 || n > 4 || in.size() < 2 + n) return std::nullopt;  // indefinite / too long
        len = 0;
        for (std::size_t i = 0; i < n; ++i)
            len = (len << 8) | in[2 + i];
        pos += n;
    }
    if (in.size() - pos < len) return std::nullopt;
    t.content = in.subspan(pos, len);
    t.rest = in.subspan(pos + len);
    return t;
}

bool looks_like_spki(bytes_view der) {
    auto outer = read_tlv(der);
    if (!outer || outer->tag != 0x30 || !outer->rest.empty()) return false;
    auto alg = read_tlv(outer->content);
    if (!alg || alg->tag != 0x30 || alg->content.empty()) return false;
    auto key = read_tlv(alg->rest);
    if (!key || key->tag != 0x03 || key->content.size() < 2 || !key->rest.empty()) return false;
    return true;
}

}  // namespace

result<void> check_entry(const security_entry& e) {
    if (e.endpoint.empty()) return unexpected(errc::invalid_argument, "endpoint: missing or empty");
    if (e.endpoint.size() > security_limits::max_endpoint)
        return unexpected(errc::invalid_argument, "endpoint: longer than 255 bytes");
    if (std::any_of(e.endpoint.begin(), e.endpoint.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }))
        return unexpected(errc::invalid_argument, "endpoint: contains control characters");
    switch (e.mode) {
        case security_mode::psk:
            if (e.psk_identity.empty())
                return unexpected(errc::invalid_argument, "tls.details.identity: missing or empty");
            if (e.psk_identity.size() > security_limits::max_psk_identity)
                return unexpected(errc::invalid_argument,
                                  "tls.details.identity: longer than 128 bytes");
            if (e.psk_key.empty())
                return unexpected(errc::invalid_argument, "tls.details.key: missing or empty");
            if (e.psk_key.size() > security_limits::max_psk_key)
                return unexpected(errc::invalid_argument, "tls.details.key: longer than 64 bytes");
            if (!e.public_key.empty())
                return unexpected(errc::invalid_argument,
                                  "tls.details: a psk entry carries no public key");
            return {};
        case security_mode::rpk:
            if (e.public_key.empty())
                return unexpected(errc::invalid_argument, "tls.details.key: missing or empty");
            if (e.public_key.size() > security_limits::max_public_key)
                return unexpected(errc::invalid_argument,
                                  "tls.details.key: longer than 1024 bytes");
            if (!looks_like_spki(bytes_view(e.public_key.data(), e.public_key.size())))
                return unexpected(errc::invalid_argument,
                                  "tls.details.key: not a SubjectPublicKeyInfo (DER)");
            if (!e.psk_identity.empty() || !e.psk_key.empty())
                return unexpected(errc::invalid_argument,
                                  "tls.details: an rpk entry carries no PSK identity or key");
            return {};
        case security_mode::x509:
            if (!e.psk_identity.empty() || !e.psk_key.empty() || !e.public_key.empty())
                return unexpected(errc::invalid_argument,
                                  "tls.details: an x509 entry carries no identity or key");
            return {};
    }
    return unexpected(errc::invalid_argument, "tls.mode: must be psk, rpk or x509");
}

// --- memory_security_store ------------------------------------------------------------

result<put_outcome> memory_security_store::put(const security_entry& e) {
    SIROCCO_TRY(check_entry(e));
    if (e.mode == security_mode::psk) {
        auto it = by_identity_.find(e.psk_identity);
        if (it != by_identity_.end() && it->second != e.endpoint)
            return unexpected(errc::not_allowed,
                              "tls.details.identity: already used by another endpoint");
    }
    if (e.mode == security_mode::rpk) {
        auto it = by_key_.find(key_text(e.public_key));
        if (it != by_key_.end() && it->second != e.endpoint)
            return unexpected(errc::not_allowed,
                              "tls.details.key: already used by another endpoint");
    }
    put_outcome out = put_outcome::created;
    if (auto old = by_endpoint_.find(e.endpoint); old != by_endpoint_.end()) {
        out = put_outcome::replaced;
        if (old->second.mode == security_mode::psk) by_identity_.erase(old->second.psk_identity);
        if (old->second.mode == security_mode::rpk) by_key_.erase(key_text(old->second.public_key));
        by_endpoint_.erase(old);
    }
    by_endpoint_.emplace(e.endpoint, e);
    if (e.mode == security_mode::psk) by_identity_.emplace(e.psk_identity, e.endpoint);
    if (e.mode == security_mode::rpk) by_key_.emplace(key_text(e.public_key), e.endpoint);
    return out;
}

std::optional<security_entry> memory_security_store::get(std::string_view endpoint) const {
    auto it = by_endpoint_.find(endpoint);
    if (it == by_endpoint_.end()) return std::nullopt;
    return it->second;
}

result<security_entry> memory_security_store::remove(std::string_view endpoint) {
    auto it = by_endpoint_.find(endpoint);
    if (it == by_endpoint_.end())
        return unexpected(errc::not_found, "no security entry for this endpoint");
    security_entry e = std::move(it->second);
    by_endpoint_.erase(it);
    if (e.mode == security_mode::psk) by_identity_.erase(e.psk_identity);
    if (e.mode == security_mode::rpk) by_key_.erase(key_text(e.public_key));
    return e;
}

std::vector<security_entry> memory_security_store::list() const {
    std::vector<security_entry> out;
    out.reserve(by_endpoint_.size());
    for (const auto& [ep, e] : by_endpoint_)
        out.push_back(e);
    return out;
}

std::optional<security_entry> memory_security_store::find_by_psk_identity(
    std::string_view identity) const {
    auto it = by_identity_.find(identity);
    if (it == by_identity_.end()) return std::nullopt;
    return get(it->second);
}

std::optional<security_entry> memory_security_store::find_by_public_key(bytes_view spki) const {
    auto it = by_key_.find(std::string(spki.begin(), spki.end()));
    if (it == by_key_.end()) return std::nullopt;
    return get(it->second);
}

}  // namespace sirocco::server
