// Reads every tests/vectors/coap/*.hex file: valid cases decode to the fields
// in their '@' lines and encode back to the same bytes (also when rebuilt from
// the '@' lines with message_builder); invalid ones give the '@error' code.
// Grammar: tests/vectors/coap/README.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "sirocco/base/hex.hpp"
#include "sirocco/coap/block.hpp"
#include "sirocco/coap/codec.hpp"
#include "sirocco/coap/options.hpp"

namespace {

using namespace sirocco;
using namespace sirocco::coap;
using bytes = std::vector<std::uint8_t>;

struct block_expect {
    std::uint16_t number = 0;
    std::optional<std::string> error;
    block_value value;
};

struct vector_case {
    std::string name;
    std::string framing_name;
    std::string form;
    std::optional<std::string> type;
    std::optional<std::uint16_t> mid;
    std::optional<std::uint8_t> code_raw;
    bytes token;
    std::vector<std::pair<std::uint16_t, bytes>> options;
    std::vector<std::string> option_kinds;  // uint, string, hex, empty, fill
    std::vector<std::uint32_t> option_uints;
    bytes payload;
    std::optional<std::string> error;
    std::string verdict = "accept";
    std::uint16_t verdict_number = 0;
    std::vector<block_expect> blocks;
    bool content_format_none = false;
    bytes wire;
};

std::filesystem::path vector_dir() {
    return std::filesystem::path(SIROCCO_SOURCE_DIR) / "tests" / "vectors" / "coap";
}

std::vector<std::string> vector_names() {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(vector_dir()))
        if (e.path().extension() == ".hex") names.push_back(e.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

bytes from_hex(const std::string& h) {
    bytes out(h.size() / 2 + 1);
    auto n = parse_hex(h, out);
    if (!n) throw std::runtime_error("bad hex in vector metadata: " + h);
    out.resize(*n);
    return out;
}

std::string parse_quoted(std::istringstream& in) {
    std::string out;
    char c;
    in >> std::ws;
    if (!in.get(c) || c != '"') throw std::runtime_error("expected a quoted string");
    while (in.get(c)) {
        if (c == '"') return out;
        if (c == '\\' && in.get(c)) {
            out.push_back(c);
            continue;
        }
        out.push_back(c);
    }
    throw std::runtime_error("unterminated string");
}

unsigned long parse_num(const std::string& s) {
    return std::stoul(s, nullptr, 0);
}

bytes uint_bytes(std::uint32_t v) {
    bytes b;
    for (int i = 3; i >= 0; --i) {
        auto x = static_cast<std::uint8_t>(v >> (8 * i));
        if (!b.empty() || x != 0) b.push_back(x);
    }
    return b;
}

vector_case load(const std::string& name) {
    vector_case vc;
    vc.name = name;
    std::ifstream f(vector_dir() / (name + ".hex"));
    std::string line, hex;
    while (std::getline(f, line)) {
        auto first = line.find_first_not_of(" \t");
        if (first != std::string::npos && line[first] == '@') {
            std::istringstream in(line.substr(first + 1));
            std::string key;
            in >> key;
            if (key == "framing") {
                in >> vc.framing_name;
            } else if (key == "form") {
                in >> vc.form;
            } else if (key == "type") {
                std::string t;
                in >> t;
                vc.type = t;
            } else if (key == "mid") {
                std::string t;
                in >> t;
                vc.mid = static_cast<std::uint16_t>(parse_num(t));
            } else if (key == "code") {
                std::string t;
                in >> t;
                auto dot = t.find('.');
                vc.code_raw = code(static_cast<unsigned>(std::stoul(t.substr(0, dot))),
                                   static_cast<unsigned>(std::stoul(t.substr(dot + 1))))
                                  .raw;
            } else if (key == "token") {
                std::string t;
                in >> t;
                vc.token = from_hex(t);
            } else if (key == "option") {
                std::string num;
                in >> num;
                auto n = static_cast<std::uint16_t>(parse_num(num));
                in >> std::ws;
                std::uint32_t uv = 0;
                std::string kind;
                bytes value;
                if (in.peek() == '"') {
                    kind = "string";
                    auto s = parse_quoted(in);
                    value.assign(s.begin(), s.end());
                } else {
                    in >> kind;
                    if (kind == "uint") {
                        std::string t;
                        in >> t;
                        uv = static_cast<std::uint32_t>(parse_num(t));
                        value = uint_bytes(uv);
                    } else if (kind == "hex") {
                        std::string t;
                        in >> t;
                        value = from_hex(t);
                    } else if (kind == "fill") {
                        std::string cnt, byte;
                        in >> cnt >> byte;
                        value.assign(parse_num(cnt),
                                     static_cast<std::uint8_t>(std::stoul(byte, nullptr, 16)));
                    } else if (kind != "empty") {
                        throw std::runtime_error("unknown option kind " + kind);
                    }
                }
                vc.options.emplace_back(n, value);
                vc.option_kinds.push_back(kind);
                vc.option_uints.push_back(uv);
            } else if (key == "payload") {
                auto s = parse_quoted(in);
                vc.payload.assign(s.begin(), s.end());
            } else if (key == "payload-hex") {
                std::string t;
                in >> t;
                vc.payload = from_hex(t);
            } else if (key == "payload-fill") {
                std::string cnt, byte;
                in >> cnt >> byte;
                vc.payload.assign(parse_num(cnt),
                                  static_cast<std::uint8_t>(std::stoul(byte, nullptr, 16)));
            } else if (key == "error") {
                std::string t;
                in >> t;
                vc.error = t;
            } else if (key == "verdict") {
                in >> vc.verdict;
                std::string t;
                if (in >> t) vc.verdict_number = static_cast<std::uint16_t>(parse_num(t));
            } else if (key == "block") {
                block_expect b;
                std::string num, a;
                in >> num >> a;
                b.number = static_cast<std::uint16_t>(parse_num(num));
                if (a == "error") {
                    std::string t;
                    in >> t;
                    b.error = t;
                } else {
                    std::string m, szx;
                    in >> m >> szx;
                    b.value.num = static_cast<std::uint32_t>(parse_num(a));
                    b.value.more = m == "1";
                    b.value.szx = static_cast<std::uint8_t>(parse_num(szx));
                }
                vc.blocks.push_back(b);
            } else if (key == "content-format") {
                std::string t;
                in >> t;
                vc.content_format_none = t == "none";
            } else {
                throw std::runtime_error("unknown metadata @" + key);
            }
            continue;
        }
        hex += line + "\n";
    }
    vc.wire.resize(hex.size() / 2 + 1);
    auto n = parse_hex(hex, vc.wire);
    if (!n) throw std::runtime_error(std::string("vector hex: ") + n.error().reason);
    vc.wire.resize(*n);
    return vc;
}

framing framing_of(const std::string& s) {
    if (s == "datagram") return framing::datagram;
    if (s == "stream") return framing::stream;
    return framing::compact;
}

std::string errc_name(errc e) {
    return std::string(to_string(e));
}

result<message> decode_case(const vector_case& vc, bytes_view in, framing& used) {
    if (vc.framing_name == "mqtt") return decode_mqtt(in, &used);
    used = framing_of(vc.framing_name);
    return decode(in, used);
}

class coap_vector : public ::testing::TestWithParam<std::string> {};

TEST_P(coap_vector, decodes_and_reencodes) {
    const vector_case vc = load(GetParam());
    ASSERT_FALSE(vc.framing_name.empty()) << "vector without @framing";
    framing used = framing::datagram;
    auto r = decode_case(vc, vc.wire, used);
    if (vc.error) {
        ASSERT_FALSE(r) << "expected error " << *vc.error;
        EXPECT_EQ(errc_name(r.error().code), *vc.error) << r.error().reason;
        EXPECT_STRNE(r.error().reason, "");
        return;
    }
    ASSERT_TRUE(r) << r.error().reason;
    const message& m = *r;

    // Fields.
    if (vc.framing_name == "mqtt") {
        EXPECT_EQ(used, framing_of(vc.form));
    }
    if (vc.type) {
        static const char* names[] = {"con", "non", "ack", "rst"};
        EXPECT_EQ(names[static_cast<int>(m.type)], *vc.type);
    }
    if (vc.mid) {
        EXPECT_EQ(m.message_id, *vc.mid);
    }
    ASSERT_TRUE(vc.code_raw);
    EXPECT_EQ(m.code.raw, *vc.code_raw);
    EXPECT_EQ(bytes(m.token.bytes().begin(), m.token.bytes().end()), vc.token);
    ASSERT_EQ(m.options.size(), vc.options.size());
    for (std::size_t i = 0; i < vc.options.size(); ++i) {
        EXPECT_EQ(m.options[i].number, vc.options[i].first) << "option " << i;
        EXPECT_EQ(bytes(m.options[i].value.begin(), m.options[i].value.end()), vc.options[i].second)
            << "option " << i;
        if (vc.option_kinds[i] == "uint") {
            EXPECT_EQ(m.options[i].as_uint(), vc.option_uints[i]);
        }
    }
    EXPECT_EQ(bytes(m.payload.begin(), m.payload.end()), vc.payload);
    // Views point into the input.
    if (!m.payload.empty()) {
        EXPECT_GE(m.payload.data(), vc.wire.data());
        EXPECT_EQ(m.payload.data() + m.payload.size(), vc.wire.data() + vc.wire.size());
    }

    // Encode back to the same bytes.
    auto size = encoded_size(m, used);
    ASSERT_TRUE(size);
    EXPECT_EQ(*size, vc.wire.size());
    bytes out(vc.wire.size());
    auto n = encode(m, used, out);
    ASSERT_TRUE(n) << n.error().reason;
    EXPECT_EQ(out, vc.wire);
    if (!vc.wire.empty()) {
        bytes small(vc.wire.size() - 1);
        auto e = encode(m, used, small);
        ASSERT_FALSE(e);
        EXPECT_EQ(e.error().code, errc::buffer_too_small);
    }

    // Rebuild from the metadata with the builder: highest numbers first, so
    // the builder has to insert in order (and keep repeats stable).
    message b;
    if (vc.type) b.type = m.type;
    b.message_id = m.message_id;
    b.code = code{*vc.code_raw};
    b.token = *token::from(vc.token);
    b.payload = vc.payload;
    bytes storage(64);
    message_builder mb(b, storage);
    std::vector<std::size_t> order(vc.options.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        return vc.options[x].first > vc.options[y].first;
    });
    for (std::size_t i : order) {
        const auto& [num, val] = vc.options[i];
        if (vc.option_kinds[i] == "uint")
            ASSERT_TRUE(mb.add_uint(num, vc.option_uints[i]));
        else if (vc.option_kinds[i] == "empty")
            ASSERT_TRUE(mb.add_empty(num));
        else
            ASSERT_TRUE(mb.add(num, val));
    }
    bytes rebuilt(vc.wire.size());
    auto rn = encode(b, used, rebuilt);
    ASSERT_TRUE(rn) << rn.error().reason;
    EXPECT_EQ(rebuilt, vc.wire);

    // Option checks.
    auto v = check_options(m, used);
    static const std::map<std::string, option_verdict::action> actions = {
        {"accept", option_verdict::action::accept},
        {"bad_option", option_verdict::action::bad_option},
        {"reject", option_verdict::action::reject},
        {"abort", option_verdict::action::abort}};
    EXPECT_EQ(v.what, actions.at(vc.verdict)) << v.reason;
    if (!v.ok()) {
        EXPECT_EQ(v.number, vc.verdict_number);
    }
    if (vc.verdict == "bad_option") {
        EXPECT_EQ(v.response_code(), codes::bad_option);
    }
    if (vc.content_format_none) {
        EXPECT_FALSE(content_format(m).has_value());
    }

    for (const auto& be : vc.blocks) {
        auto bv = find_block(m, be.number, used);
        if (be.error) {
            ASSERT_FALSE(bv);
            EXPECT_EQ(errc_name(bv.error().code), *be.error);
        } else {
            ASSERT_TRUE(bv) << bv.error().reason;
            EXPECT_EQ(*bv, be.value);
        }
    }

    // Stream: the framer finds the frame at once and asks for more on every prefix.
    if (used == framing::stream) {
        stream_framer fr(1u << 20);
        auto st = fr.check(vc.wire);
        ASSERT_TRUE(st);
        EXPECT_TRUE(st->complete());
        EXPECT_EQ(st->n, vc.wire.size());
        for (std::size_t k = 0; k < vc.wire.size(); ++k) {
            auto p = fr.check(bytes_view(vc.wire.data(), k));
            ASSERT_TRUE(p);
            ASSERT_FALSE(p->complete());
            ASSERT_GT(p->n, 0u);
            ASSERT_LE(k + p->n, vc.wire.size());
        }
        stream_framer tight(vc.wire.size() - 1);
        auto over = tight.check(vc.wire);
        ASSERT_FALSE(over);
        EXPECT_EQ(over.error().code, errc::capacity_exceeded);
    }
    if (used == framing::datagram) {
        auto h = peek_datagram_header(vc.wire);
        ASSERT_TRUE(h);
        EXPECT_EQ(h->message_id, m.message_id);
        EXPECT_EQ(h->type, m.type);
    }
}

std::string case_name(const ::testing::TestParamInfo<std::string>& p) {
    return p.param;
}
INSTANTIATE_TEST_SUITE_P(files, coap_vector, ::testing::ValuesIn(vector_names()), case_name);

TEST(coap_vectors, folder_has_every_case) {
    auto names = vector_names();
    EXPECT_GE(names.size(), 60u);
    for (const char* must : {"dgram_register",
                             "dgram_ack_piggybacked",
                             "dgram_empty_ack",
                             "dgram_separate_con",
                             "dgram_rst",
                             "dgram_opt_delta13",
                             "dgram_opt_delta14",
                             "dgram_opt_len13",
                             "dgram_opt_len14",
                             "stream_len_small",
                             "stream_len13",
                             "stream_len14",
                             "stream_len15",
                             "stream_csm",
                             "stream_ping_custody",
                             "stream_pong",
                             "stream_release",
                             "stream_abort",
                             "compact_register",
                             "mqtt_datagram",
                             "bad_tkl9",
                             "bad_tkl15",
                             "bad_delta15",
                             "bad_length15",
                             "bad_marker_no_payload",
                             "bad_truncated_header",
                             "bad_option_past_end",
                             "bad_too_many_options"})
        EXPECT_NE(std::find(names.begin(), names.end(), must), names.end()) << must;
}

}  // namespace
