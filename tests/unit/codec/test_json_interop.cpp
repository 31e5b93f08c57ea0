// Interop (label interop): our JSON read by an independent JSON parser
// (Python's json module, run as a subprocess) and JSON written by it read by
// us. Python's json is a complete, strict RFC 8259 implementation that
// shares no code with ours and is on every build machine; a subprocess keeps
// the test free of link-time dependencies.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "json_test_util.hpp"

using namespace sirocco;
using namespace sirocco::test;
using codec::content_format;
namespace fs = std::filesystem;

namespace {
const test_models models;

// Reads SenML JSON (argv[2] == "senml") or OMA LwM2M JSON ("lwm2m") from
// argv[1] with a strict parser, resolves names (bn + n) and prints one line
// per record: name, field, value (strings as UTF-8 hex, numbers as repr).
constexpr const char* reader_py = R"PY(
import json, sys, base64
def no_const(c): raise ValueError("non-standard constant " + c)
doc = json.load(open(sys.argv[1], encoding="utf-8"), parse_constant=no_const)
def num(x):
    if isinstance(x, bool): raise ValueError("bool where a number is expected")
    return ("i" + str(x)) if isinstance(x, int) else ("f" + repr(float(x)))
out = []
if sys.argv[2] == "senml":
    bn = ""
    for r in doc:
        bn = r.get("bn", bn)
        name = bn + r.get("n", "")
        for f in ("v", "vs", "vb", "vd", "vlo"):
            if f in r:
                v = r[f]
                if f == "v": s = num(v)
                elif f == "vb": s = "true" if v is True else ("false" if v is False else 1/0)
                elif f == "vd": s = base64.urlsafe_b64decode(v + "=" * (-len(v) % 4)).hex()
                else: s = v.encode("utf-8").hex()
                out.append("%s %s %s" % (name, f, s))
else:
    bn = doc.get("bn", "")
    for r in doc["e"]:
        name = bn + r.get("n", "")
        for f in ("v", "sv", "bv", "ov"):
            if f in r:
                v = r[f]
                s = num(v) if f == "v" else ("true" if v is True else "false") if f == "bv" else v.encode("utf-8").hex()
                out.append("%s %s %s" % (name, f, s))
print("\n".join(out))
)PY";

// Writes, with json.dumps (its own spacing, key order and \u escapes), the
// SenML pack of the records described on stdin-free arguments.
constexpr const char* writer_py = R"PY(
import json, sys, base64
pack = [
  {"bn": "/3/0/", "n": "0", "vs": "Caf\u00e9 \"Z\u00fcrich\" \U0001F600"},
  {"n": "9", "v": 100},
  {"v": 1367491215, "n": "13"},
  {"n": "1", "vs": "line1\nline2\ttab\\"},
  {"bn": "/3303/0/", "n": "5700", "v": -0.1, "bt": 1700000000.5, "t": 2},
  {"bn": "/5/0/", "n": "0", "vd": base64.urlsafe_b64encode(bytes(range(256))).decode().rstrip("=")},
  {"bn": "/65/0/0/", "n": "1", "vlo": "66:1"},
  {"bn": "/1/0/", "n": "6", "vb": True},
]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write(json.dumps(pack, indent=int(sys.argv[2]) if sys.argv[2] != "-" else None, sort_keys=sys.argv[3] == "sorted"))
)PY";

struct tmpdir {
    fs::path dir;
    tmpdir() {
        auto pattern = (fs::temp_directory_path() / "sirocco-json-interop-XXXXXX").string();
        std::vector<char> buf(pattern.begin(), pattern.end());
        buf.push_back('\0');
        dir = mkdtemp(buf.data());
    }
    ~tmpdir() { fs::remove_all(dir); }
};

std::string run(const std::string& cmd) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return "popen failed";
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, n);
    int rc = pclose(p);
    if (rc != 0) out += "\nEXIT " + std::to_string(rc);
    return out;
}

void write_file(const fs::path& p, const std::string& s) {
    std::ofstream(p, std::ios::binary) << s;
}

std::string hexs(std::string_view s) {
    static const char* d = "0123456789abcdef";
    std::string o;
    for (unsigned char c : s) {
        o += d[c >> 4];
        o += d[c & 15];
    }
    return o;
}

// What the Python reader must print for our records.
std::vector<std::string> expected_lines(const std::vector<owned_record>& recs, bool senml) {
    std::vector<std::string> out;
    for (const auto& r : recs) {
        const auto v = r.value.view();
        std::string name(lwm2m::path_text(r.path).view());
        std::string field, val;
        switch (v.type()) {
            case data_type::integer:
            case data_type::time:
                field = "v", val = "i" + std::to_string(v.integer());
                break;
            case data_type::unsigned_integer:
                field = "v", val = "i" + std::to_string(v.unsigned_integer());
                break;
            case data_type::float_:
                field = "v", val = "f";
                break;  // compared numerically below
            case data_type::boolean:
                field = senml ? "vb" : "bv", val = v.boolean() ? "true" : "false";
                break;
            case data_type::string:
            case data_type::corelnk:
                field = senml ? "vs" : "sv", val = hexs(v.string());
                break;
            case data_type::opaque:
                field = "vd", val = hexs(as_chars(v.opaque()));
                break;
            case data_type::objlnk:
                field = senml ? "vlo" : "ov";
                val = hexs(std::to_string(v.link().object_id) + ":" +
                           std::to_string(v.link().instance_id));
                break;
            case data_type::none:
                continue;
        }
        out.push_back(name + " " + field + " " + val);
    }
    return out;
}

std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < s.size()) {
        auto nl = s.find('\n', pos);
        if (nl == std::string::npos) nl = s.size();
        if (nl > pos) out.push_back(s.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return out;
}

std::vector<owned_record> sample() {
    return {S("/3/0/0", "Caf\xC3\xA9 \"Z\xC3\xBCrich\" \xF0\x9F\x98\x80 \\ \x01 \n"),
            I("/3/0/9", -9223372036854775807LL - 1),
            R("/3/0/13", value::of_time(1367491215)),
            R("/10250/0/0", value::of_unsigned(18446744073709551615ULL)),
            R("/10250/0/1", value::of_corelnk("</3/0>;ct=\"0\"")),
            R("/10250/0/2", value::of_float(0.1)),
            R("/10250/0/4/0", value::of_boolean(true)),
            O("/10250/0/5/1", std::string("\x00\xff\xfe", 3)),
            R("/3303/0/5700", value::of_float(-1.0e-300)),
            R("/65/0/0/1", value::of_objlnk({66, 1}))};
}

void check_read_by_python(content_format fmt, const std::vector<owned_record>& recs,
                          const std::string& base) {
    tmpdir t;
    auto out = encode(fmt, base, recs, &models);
    ASSERT_TRUE(out) << out.error().reason;
    write_file(t.dir / "payload.json", str(*out));
    write_file(t.dir / "reader.py", reader_py);
    bool senml = fmt == content_format::senml_json;
    auto printed =
        lines(run(std::string(SIROCCO_PYTHON3) + " " + (t.dir / "reader.py").string() + " " +
                  (t.dir / "payload.json").string() + (senml ? " senml" : " lwm2m")));
    auto want = expected_lines(recs, senml);
    ASSERT_EQ(printed.size(), want.size()) << str(*out) << "\n"
                                           << (printed.empty() ? "" : printed.back());
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (want[i].back() == 'f' && want[i].ends_with(" v f")) {
            // Floats: the double Python read equals ours.
            const auto& prefix = want[i];
            ASSERT_EQ(printed[i].substr(0, prefix.size()), prefix);
            double got = std::strtod(printed[i].c_str() + prefix.size(), nullptr);
            EXPECT_EQ(got, recs[i].value.view().float_value()) << printed[i];
        } else {
            EXPECT_EQ(printed[i], want[i]);
        }
    }
}
}  // namespace

TEST(JsonInterop, OurSenmlJsonReadByPython) {
    check_read_by_python(content_format::senml_json, sample(), "/");
}

TEST(JsonInterop, OurLwm2mJsonReadByPython) {
    // OMA JSON has one bn: records of one object instance. Opaque goes in sv
    // as base64 (compared as text here), so leave it out.
    std::vector<owned_record> recs{S("/3/0/0", "Caf\xC3\xA9 \"q\" \\ \x1f"), I("/3/0/9", 100),
                                   R("/3/0/13", value::of_time(-5)), S("/3/0/14", "+02:00")};
    check_read_by_python(content_format::lwm2m_json, recs, "/3/0");
}

TEST(JsonInterop, PythonJsonReadByUs) {
    std::vector<owned_record> want{S("/3/0/0", "Caf\xC3\xA9 \"Z\xC3\xBCrich\" \xF0\x9F\x98\x80"),
                                   I("/3/0/9", 100),
                                   R("/3/0/13", value::of_time(1367491215)),
                                   S("/3/0/1", "line1\nline2\ttab\\"),
                                   R("/3303/0/5700", value::of_float(-0.1), 1700000002.5),
                                   O("/5/0/0",
                                     [] {
                                         std::string s;
                                         for (int i = 0; i < 256; ++i)
                                             s += static_cast<char>(i);
                                         return s;
                                     }()),
                                   R("/65/0/0/1", value::of_objlnk({66, 1})),
                                   R("/1/0/6", value::of_boolean(true))};
    // Base time applies to every later record (RFC 8428 4.5.3).
    for (std::size_t i = 5; i < want.size(); ++i)
        want[i].timestamp = 1700000000.5;
    for (const char* indent : {"-", "2"}) {
        for (const char* order : {"sorted", "given"}) {
            SCOPED_TRACE(std::string(indent) + " " + order);
            tmpdir t;
            write_file(t.dir / "writer.py", writer_py);
            auto msg = run(std::string(SIROCCO_PYTHON3) + " " + (t.dir / "writer.py").string() +
                           " " + (t.dir / "pack.json").string() + " " + indent + " " + order);
            ASSERT_EQ(msg, "");
            std::ifstream f(t.dir / "pack.json", std::ios::binary);
            std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
            auto d = decode(content_format::senml_json, "/", bytes(text), &models);
            ASSERT_TRUE(d.status) << d.status.error().reason << "\n" << text;
            EXPECT_EQ(d.records, want) << text;
        }
    }
}
