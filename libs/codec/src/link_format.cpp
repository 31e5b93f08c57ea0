// CoRE link format (RFC 6690 section 2) with LwM2M attributes.
#include "sirocco/codec/link_format.hpp"

#include "sirocco/lwm2m/value.hpp"

namespace sirocco::codec::link {

namespace {

bool is_ws(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// RFC 6690 parmname: 1*( ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`"
// / "|" / "~" ) (RFC 5987). '*' is allowed at the end for extended values.
bool is_name_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '!' ||
           c == '#' || c == '$' || c == '&' || c == '+' || c == '-' || c == '.' || c == '^' ||
           c == '_' || c == '`' || c == '|' || c == '~' || c == '*';
}

// ptokenchar (RFC 6690): everything visible except '"', ',', ';' and '\'.
bool is_ptoken_char(char c) noexcept {
    return c > 0x20 && c < 0x7F && c != '"' && c != ',' && c != ';' && c != '\\';
}

void skip_ws(std::string_view t, std::size_t& i) noexcept {
    while (i < t.size() && is_ws(t[i]))
        ++i;
}

// Skips a quoted string starting at t[i] == '"'; i ends after the closing
// quote. False when unterminated.
bool skip_quoted(std::string_view t, std::size_t& i) noexcept {
    ++i;
    while (i < t.size()) {
        if (t[i] == '\\') {
            i += 2;
            continue;
        }
        if (t[i] == '"') {
            ++i;
            return true;
        }
        ++i;
    }
    return false;
}

}  // namespace

result<bool> parser::next(link_value& out) noexcept {
    skip_ws(text_, pos_);
    if (pos_ >= text_.size()) return false;
    if (!first_) {
        if (text_[pos_] != ',') return unexpected(errc::malformed, "expected ',' between links");
        ++pos_;
        skip_ws(text_, pos_);
    }
    first_ = false;
    if (pos_ >= text_.size() || text_[pos_] != '<')
        return unexpected(errc::malformed, "link must start with '<'");
    auto close = text_.find('>', pos_);
    if (close == std::string_view::npos)
        return unexpected(errc::malformed, "unterminated link target");
    out.target = text_.substr(pos_ + 1, close - pos_ - 1);
    pos_ = close + 1;
    auto start = pos_;
    // Parameters run to the next ',' outside a quoted string.
    while (pos_ < text_.size() && text_[pos_] != ',') {
        if (text_[pos_] == '"') {
            if (!skip_quoted(text_, pos_))
                return unexpected(errc::malformed, "unterminated quoted string");
            continue;
        }
        ++pos_;
    }
    out.params = text_.substr(start, pos_ - start);
    // Check the parameters now, so that a caller who only wants targets
    // still rejects a malformed list.
    param_parser pp(out.params);
    param p;
    for (;;) {
        auto r = pp.next(p);
        if (!r) return unexpected(r.error());
        if (!*r) break;
    }
    return true;
}

result<bool> param_parser::next(param& out) noexcept {
    skip_ws(text_, pos_);
    if (pos_ >= text_.size()) return false;
    if (text_[pos_] != ';')
        return unexpected(errc::malformed, "expected ';' before a link parameter");
    ++pos_;
    skip_ws(text_, pos_);
    auto start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_]))
        ++pos_;
    if (pos_ == start) return unexpected(errc::malformed, "empty parameter name");
    out = param{};
    out.name = text_.substr(start, pos_ - start);
    skip_ws(text_, pos_);
    if (pos_ >= text_.size() || text_[pos_] != '=') {
        if (pos_ < text_.size() && text_[pos_] != ';')
            return unexpected(errc::malformed, "unexpected character after a parameter name");
        return true;
    }
    ++pos_;
    skip_ws(text_, pos_);
    out.has_value = true;
    if (pos_ < text_.size() && text_[pos_] == '"') {
        auto q = pos_;
        if (!skip_quoted(text_, pos_))
            return unexpected(errc::malformed, "unterminated quoted string");
        out.quoted = true;
        out.value = text_.substr(q + 1, pos_ - q - 2);
    } else {
        auto v = pos_;
        while (pos_ < text_.size() && is_ptoken_char(text_[pos_]))
            ++pos_;
        out.value = text_.substr(v, pos_ - v);
    }
    skip_ws(text_, pos_);
    if (pos_ < text_.size() && text_[pos_] != ';')
        return unexpected(errc::malformed, "unexpected character in a parameter value");
    return true;
}

result<std::string_view> unquote(std::string_view quoted, std::span<char> out) noexcept {
    std::size_t o = 0;
    for (std::size_t i = 0; i < quoted.size(); ++i) {
        char c = quoted[i];
        if (c == '\\' && i + 1 < quoted.size()) c = quoted[++i];
        if (o >= out.size()) return unexpected(errc::buffer_too_small, "quoted value does not fit");
        out[o++] = c;
    }
    return std::string_view(out.data(), o);
}

result<lwm2m::path> target_path(std::string_view target, std::string_view root) noexcept {
    if (root.empty()) root = "/";
    if (root != "/") {
        if (root.back() == '/') root.remove_suffix(1);
        if (target.substr(0, root.size()) != root)
            return unexpected(errc::malformed, "link target is not under the root path");
        target.remove_prefix(root.size());
    }
    if (target.empty() || target == "/") return lwm2m::path{};
    auto p = lwm2m::path::parse(target);
    if (!p) return unexpected(errc::malformed, "link target is not an LwM2M path");
    return *p;
}

// ---- attributes ----

namespace {

template <class T>
result<void> set_unsigned(attr<T>& a, const param& p, std::uint64_t max) noexcept {
    if (!p.has_value) {
        a.state = attr_state::unset;
        return {};
    }
    auto v = lwm2m::parse_text(p.value, lwm2m::data_type::unsigned_integer);
    if (!v) {
        if (v.error().code == errc::out_of_range)
            return unexpected(errc::out_of_range, "attribute value out of range");
        return unexpected(errc::malformed, "attribute value is not a number");
    }
    if (v->unsigned_integer() > max)
        return unexpected(errc::out_of_range, "attribute value out of range");
    a.set(static_cast<T>(v->unsigned_integer()));
    return {};
}

result<void> set_float(attr<double>& a, const param& p) noexcept {
    if (!p.has_value) {
        a.state = attr_state::unset;
        return {};
    }
    auto v = lwm2m::parse_text(p.value, lwm2m::data_type::float_);
    if (!v) return unexpected(errc::malformed, "attribute value is not a number");
    a.set(v->float_value());
    return {};
}

}  // namespace

result<void> apply(attributes& a, const param& p, bool strict) noexcept {
    auto n = p.name;
    if (p.quoted && n != "uri" && n != "ver")
        if (n == "pmin" || n == "pmax" || n == "gt" || n == "lt" || n == "st" || n == "epmin" ||
            n == "epmax" || n == "edge" || n == "con" || n == "hqmax" || n == "dim" || n == "ssid")
            return unexpected(errc::malformed, "numeric attribute given as a quoted string");
    if (n == "pmin") return set_unsigned(a.pmin, p, 0xFFFFFFFFu);
    if (n == "pmax") return set_unsigned(a.pmax, p, 0xFFFFFFFFu);
    if (n == "epmin") return set_unsigned(a.epmin, p, 0xFFFFFFFFu);
    if (n == "epmax") return set_unsigned(a.epmax, p, 0xFFFFFFFFu);
    if (n == "hqmax") return set_unsigned(a.hqmax, p, 0xFFFFFFFFu);
    if (n == "edge") return set_unsigned(a.edge, p, 1);
    if (n == "con") return set_unsigned(a.con, p, 1);
    if (n == "gt") return set_float(a.gt, p);
    if (n == "lt") return set_float(a.lt, p);
    if (n == "st") return set_float(a.st, p);
    if (strict) return unexpected(errc::invalid_argument, "not a writable attribute");
    if (n == "dim" || n == "ssid" || n == "ver" || n == "uri") {
        if (!p.has_value) return unexpected(errc::invalid_argument, "attribute needs a value");
        if (n == "dim") return set_unsigned(a.dim, p, 0xFFFF);
        if (n == "ssid") return set_unsigned(a.ssid, p, 0xFFFF);
        (n == "ver" ? a.ver : a.uri).set(p.value);
    }
    return {};
}

result<attributes> parse_query(std::string_view query) noexcept {
    attributes a;
    while (!query.empty()) {
        auto amp = query.find('&');
        auto part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (part.empty()) return unexpected(errc::malformed, "empty query parameter");
        param p;
        auto eq = part.find('=');
        p.name = part.substr(0, eq);
        if (eq != std::string_view::npos) {
            p.has_value = true;
            p.value = part.substr(eq + 1);
            if (p.value.empty()) return unexpected(errc::malformed, "attribute value is empty");
        }
        SIROCCO_TRY(apply(a, p, true));
    }
    return a;
}

// ---- writer ----

void writer::link(std::string_view target) noexcept {
    if (!first_) w_.put_u8(',');
    first_ = false;
    w_.put_u8('<');
    w_.put_chars(target);
    w_.put_u8('>');
}

void writer::link(const lwm2m::path& p) noexcept {
    char buf[lwm2m::path::max_text_length];
    auto n = p.format(buf);
    link(std::string_view(buf, n ? *n : 0));
}

void writer::param(std::string_view name) noexcept {
    w_.put_u8(';');
    w_.put_chars(name);
}

void writer::param(std::string_view name, std::string_view token) noexcept {
    param(name);
    w_.put_u8('=');
    w_.put_chars(token);
}

void writer::param_quoted(std::string_view name, std::string_view value) noexcept {
    param(name);
    w_.put_chars("=\"");
    for (char c : value) {
        if (c == '"' || c == '\\') w_.put_u8('\\');
        w_.put_u8(static_cast<std::uint8_t>(c));
    }
    w_.put_u8('"');
}

void writer::param(std::string_view name, std::uint64_t number) noexcept {
    char buf[24];
    auto n = lwm2m::format_text(lwm2m::value::of_unsigned(number), buf);
    param(name, std::string_view(buf, n ? *n : 0));
}

void writer::param(std::string_view name, double number) noexcept {
    if (number != number || number - number != 0.0) bad_number_ = true;
    char buf[40];
    auto n = lwm2m::format_text(lwm2m::value::of_float(number), buf);
    std::string_view s(buf, n ? *n : 0);
    if (s.size() > 2 && s.substr(s.size() - 2) == ".0") s.remove_suffix(2);
    param(name, s);
}

void writer::attributes(const link::attributes& a) noexcept {
    if (a.pmin.is_set()) param("pmin", std::uint64_t{a.pmin.value});
    if (a.pmax.is_set()) param("pmax", std::uint64_t{a.pmax.value});
    if (a.gt.is_set()) param("gt", a.gt.value);
    if (a.lt.is_set()) param("lt", a.lt.value);
    if (a.st.is_set()) param("st", a.st.value);
    if (a.epmin.is_set()) param("epmin", std::uint64_t{a.epmin.value});
    if (a.epmax.is_set()) param("epmax", std::uint64_t{a.epmax.value});
    if (a.edge.is_set()) param("edge", std::uint64_t{a.edge.value});
    if (a.con.is_set()) param("con", std::uint64_t{a.con.value});
    if (a.hqmax.is_set()) param("hqmax", std::uint64_t{a.hqmax.value});
    if (a.dim.is_set()) param("dim", std::uint64_t{a.dim.value});
    if (a.ssid.is_set()) param("ssid", std::uint64_t{a.ssid.value});
    if (a.uri.is_set()) {
        // Already escaped as it came from a parsed link, or plain text from
        // the caller: write it quoted as is.
        param("uri");
        w_.put_chars("=\"");
        w_.put_chars(a.uri.value);
        w_.put_u8('"');
    }
    if (a.ver.is_set()) param("ver", a.ver.value);
}

result<std::size_t> writer::finish() const noexcept {
    if (bad_number_)
        return unexpected(errc::out_of_range, "attribute value is not a finite number");
    if (!w_.ok()) return unexpected(errc::buffer_too_small, "output buffer too small");
    return w_.size();
}

}  // namespace sirocco::codec::link
