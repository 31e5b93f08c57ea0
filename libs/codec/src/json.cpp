#include "json.hpp"

#include "common.hpp"

namespace sirocco::codec::detail::json {

namespace {

bool is_ws(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Length of a JSON number at the start of s (RFC 8259 section 6), 0 if none.
std::size_t number_length(std::string_view s) noexcept {
    std::size_t i = 0;
    if (i < s.size() && s[i] == '-') ++i;
    if (i >= s.size() || !is_digit(s[i])) return 0;
    if (s[i] == '0') {
        ++i;
    } else {
        while (i < s.size() && is_digit(s[i]))
            ++i;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (i >= s.size() || !is_digit(s[i])) return 0;
        while (i < s.size() && is_digit(s[i]))
            ++i;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (i >= s.size() || !is_digit(s[i])) return 0;
        while (i < s.size() && is_digit(s[i]))
            ++i;
    }
    return i;
}

}  // namespace

result<std::string_view> reader::lex_string(bool& escaped) noexcept {
    // pos_ is just after the opening quote.
    std::size_t start = pos_;
    escaped = false;
    while (pos_ < in_.size()) {
        char c = in_[pos_];
        if (c == '"') {
            auto raw = in_.substr(start, pos_ - start);
            ++pos_;
            if (!valid_utf8(raw)) return unexpected(errc::malformed, "string is not valid UTF-8");
            return raw;
        }
        if (static_cast<unsigned char>(c) < 0x20)
            return unexpected(errc::malformed, "control character in a string");
        if (c == '\\') {
            escaped = true;
            if (pos_ + 1 >= in_.size()) break;
            char e = in_[pos_ + 1];
            if (e == 'u') {
                if (pos_ + 6 > in_.size()) break;
                for (std::size_t k = 2; k < 6; ++k)
                    if (hex_value(in_[pos_ + k]) < 0)
                        return unexpected(errc::malformed, "invalid \\u escape");
                pos_ += 6;
                continue;
            }
            if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' &&
                e != 't')
                return unexpected(errc::malformed, "invalid escape in a string");
            pos_ += 2;
            continue;
        }
        ++pos_;
    }
    return unexpected(errc::malformed, "unterminated string");
}

void reader::after_value() noexcept {
    want_ = depth_ == 0 ? want::eof : want::comma_or_close;
}

result<item> reader::value_token(char c) noexcept {
    item it;
    if (c == '{' || c == '[') {
        if (depth_ >= max_depth) return unexpected(errc::malformed, "JSON nesting deeper than 16");
        ++pos_;
        if (c == '{')
            objects_ |= 1u << depth_;
        else
            objects_ &= ~(1u << depth_);
        ++depth_;
        want_ = c == '{' ? want::key_or_close : want::value_or_close;
        it.kind = c == '{' ? token::begin_object : token::begin_array;
        return it;
    }
    if (c == '"') {
        ++pos_;
        auto s = lex_string(it.escaped);
        if (!s) return unexpected(s.error());
        it.kind = token::string;
        it.text = *s;
        after_value();
        return it;
    }
    auto rest = in_.substr(pos_);
    auto literal = [&](std::string_view word, token k) -> result<item> {
        if (rest.substr(0, word.size()) != word)
            return unexpected(errc::malformed, "invalid JSON literal");
        pos_ += word.size();
        it.kind = k;
        after_value();
        return it;
    };
    if (c == 't') return literal("true", token::true_);
    if (c == 'f') return literal("false", token::false_);
    if (c == 'n') return literal("null", token::null);
    auto n = number_length(rest);
    if (n == 0) return unexpected(errc::malformed, "invalid JSON value");
    it.kind = token::number;
    it.text = rest.substr(0, n);
    pos_ += n;
    after_value();
    return it;
}

result<item> reader::next() noexcept {
    while (pos_ < in_.size() && is_ws(in_[pos_]))
        ++pos_;
    if (pos_ >= in_.size()) {
        if (want_ == want::eof) return item{};
        return unexpected(errc::malformed, "JSON ends early");
    }
    char c = in_[pos_];
    auto close = [&](char expect) -> result<item> {
        if (c != expect) return unexpected(errc::malformed, "mismatched JSON bracket");
        ++pos_;
        --depth_;
        item it;
        it.kind = c == '}' ? token::end_object : token::end_array;
        after_value();
        return it;
    };
    switch (want_) {
        case want::eof:
            return unexpected(errc::malformed, "data after the JSON value");
        case want::value:
            return value_token(c);
        case want::value_or_close:
            if (c == ']') return close(']');
            return value_token(c);
        case want::key_or_close:
            if (c == '}') return close('}');
            [[fallthrough]];
        case want::key: {
            if (c != '"') return unexpected(errc::malformed, "expected a member name");
            ++pos_;
            item it;
            auto s = lex_string(it.escaped);
            if (!s) return unexpected(s.error());
            while (pos_ < in_.size() && is_ws(in_[pos_]))
                ++pos_;
            if (pos_ >= in_.size() || in_[pos_] != ':')
                return unexpected(errc::malformed, "expected ':'");
            ++pos_;
            it.kind = token::key;
            it.text = *s;
            want_ = want::value;
            return it;
        }
        case want::comma_or_close:
            if (c == ',') {
                ++pos_;
                want_ = in_object() ? want::key : want::value;
                return next();
            }
            if (in_object()) {
                if (c != '}') return unexpected(errc::malformed, "expected ',' or '}'");
                return close('}');
            }
            if (c != ']') return unexpected(errc::malformed, "expected ',' or ']'");
            return close(']');
    }
    return unexpected(errc::malformed, "invalid JSON");
}

result<void> reader::skip(const item& first) noexcept {
    if (first.kind != token::begin_object && first.kind != token::begin_array) return {};
    std::size_t target = depth_ - 1;
    while (depth_ > target) {
        auto t = next();
        if (!t) return unexpected(t.error());
        if (t->kind == token::end) return unexpected(errc::malformed, "JSON ends early");
    }
    return {};
}

result<std::string_view> unescape(const item& s, std::span<char> out) noexcept {
    if (!s.escaped) return s.text;
    auto raw = s.text;
    std::size_t o = 0;
    auto put = [&](char c) -> bool {
        if (o >= out.size()) return false;
        out[o++] = c;
        return true;
    };
    auto too_small = [] {
        return unexpected(errc::capacity_exceeded, "string does not fit the scratch buffer");
    };
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c != '\\') {
            if (!put(c)) return too_small();
            continue;
        }
        char e = raw[++i];  // the tokenizer guarantees a complete escape
        char simple = 0;
        switch (e) {
            case '"':
                simple = '"';
                break;
            case '\\':
                simple = '\\';
                break;
            case '/':
                simple = '/';
                break;
            case 'b':
                simple = '\b';
                break;
            case 'f':
                simple = '\f';
                break;
            case 'n':
                simple = '\n';
                break;
            case 'r':
                simple = '\r';
                break;
            case 't':
                simple = '\t';
                break;
            default:
                break;
        }
        if (simple != 0) {
            if (!put(simple)) return too_small();
            continue;
        }
        auto hex4 = [&](std::size_t at) -> std::uint32_t {
            std::uint32_t v = 0;
            for (std::size_t k = 0; k < 4; ++k)
                v = (v << 4) | static_cast<std::uint32_t>(hex_value(raw[at + k]));
            return v;
        };
        std::uint32_t cp = hex4(i + 1);
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i + 6 >= raw.size() + 0 || raw[i + 1] != '\\' || raw[i + 2] != 'u')
                return unexpected(errc::malformed, "lone surrogate in \\u escape");
            std::uint32_t lo = hex4(i + 3);
            if (lo < 0xDC00 || lo > 0xDFFF)
                return unexpected(errc::malformed, "lone surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return unexpected(errc::malformed, "lone surrogate in \\u escape");
        }
        bool ok = true;
        if (cp < 0x80) {
            ok = put(static_cast<char>(cp));
        } else if (cp < 0x800) {
            ok = put(static_cast<char>(0xC0 | (cp >> 6))) &&
                 put(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            ok = put(static_cast<char>(0xE0 | (cp >> 12))) &&
                 put(static_cast<char>(0x80 | ((cp >> 6) & 0x3F))) &&
                 put(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            ok = put(static_cast<char>(0xF0 | (cp >> 18))) &&
                 put(static_cast<char>(0x80 | ((cp >> 12) & 0x3F))) &&
                 put(static_cast<char>(0x80 | ((cp >> 6) & 0x3F))) &&
                 put(static_cast<char>(0x80 | (cp & 0x3F)));
        }
        if (!ok) return too_small();
    }
    return std::string_view(out.data(), o);
}

void write_string(byte_writer& w, std::string_view s) noexcept {
    static constexpr char hex[] = "0123456789abcdef";
    w.put_u8('"');
    std::size_t run = 0;  // start of the current run of plain characters
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c != '"' && c != '\\' && c >= 0x20) continue;
        w.put_chars(s.substr(run, i - run));
        run = i + 1;
        w.put_u8('\\');
        switch (c) {
            case '"':
                w.put_u8('"');
                break;
            case '\\':
                w.put_u8('\\');
                break;
            case '\n':
                w.put_u8('n');
                break;
            case '\r':
                w.put_u8('r');
                break;
            case '\t':
                w.put_u8('t');
                break;
            case '\b':
                w.put_u8('b');
                break;
            case '\f':
                w.put_u8('f');
                break;
            default:
                w.put_chars("u00");
                w.put_u8(static_cast<std::uint8_t>(hex[c >> 4]));
                w.put_u8(static_cast<std::uint8_t>(hex[c & 15]));
        }
    }
    w.put_chars(s.substr(run));
    w.put_u8('"');
}

result<void> write_number(byte_writer& w, const lwm2m::value& v) noexcept {
    char buf[40];
    if (v.type() == lwm2m::data_type::float_) {
        double f = v.float_value();
        if (f != f || f - f != 0.0)
            return unexpected(errc::out_of_range, "JSON has no form for NaN or infinity");
    }
    auto n = lwm2m::format_text(v, buf);
    if (!n) return unexpected(n.error());
    w.put_chars(std::string_view(buf, *n));
    return {};
}

result<lwm2m::value> number_value(std::string_view text) noexcept {
    bool integral = text.find_first_of(".eE") == std::string_view::npos;
    if (integral) {
        if (auto i = lwm2m::parse_text(text, lwm2m::data_type::integer)) return *i;
        if (text[0] != '-')
            if (auto u = lwm2m::parse_text(text, lwm2m::data_type::unsigned_integer)) return *u;
    }
    auto f = lwm2m::parse_text(text, lwm2m::data_type::float_);
    if (!f) return unexpected(errc::out_of_range, "number out of range");
    return *f;
}

}  // namespace sirocco::codec::detail::json
