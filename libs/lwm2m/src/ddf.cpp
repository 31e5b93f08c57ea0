#include "sirocco/lwm2m/ddf.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <pugixml.hpp>
#include <sstream>
#include <system_error>

namespace sirocco::lwm2m {

namespace {

std::string_view trim(std::string_view s) noexcept {
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && blank(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && blank(s.back()))
        s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

bool ends_with_icase(std::string_view s, std::string_view suffix) noexcept {
    return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

/// A whole string as a decimal number (strtod grammar, no hex, no inf/nan).
std::optional<double> parse_number(std::string_view s) {
    s = trim(s);
    if (s.empty() || s.size() > 64) return std::nullopt;
    for (char c : s)
        if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.' ||
              c == 'e' || c == 'E'))
            return std::nullopt;
    std::string copy(s);
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(copy.c_str(), &end);
    if (end != copy.c_str() + copy.size() || errno == ERANGE) return std::nullopt;
    return v;
}

/// Parses an unsigned 16-bit id written in decimal.
std::optional<std::uint16_t> parse_id(std::string_view s) noexcept {
    s = trim(s);
    if (s.empty() || s.size() > 5) return std::nullopt;
    unsigned v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(v);
}

/// Text of an element: its PCDATA and CDATA children joined, trimmed.
std::string text_of(const pugi::xml_node& n) {
    std::string out;
    for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling())
        if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
    return std::string(trim(out));
}

class line_index {
  public:
    explicit line_index(std::string_view text) {
        for (std::size_t i = 0; i < text.size(); ++i)
            if (text[i] == '\n') newlines_.push_back(i);
    }
    /// 1-based line of a byte offset; 1 for unknown offsets.
    std::size_t line_of(std::ptrdiff_t offset) const {
        if (offset < 0) return 1;
        auto it =
            std::lower_bound(newlines_.begin(), newlines_.end(), static_cast<std::size_t>(offset));
        return static_cast<std::size_t>(it - newlines_.begin()) + 1;
    }

  private:
    std::vector<std::size_t> newlines_;
};

struct object_parser {
    std::string_view file;
    const line_index& lines;
    ddf_report& report;
    bool failed = false;

    std::size_t line(const pugi::xml_node& n) const { return lines.line_of(n.offset_debug()); }

    void error(const pugi::xml_node& n, std::string message) {
        failed = true;
        report.errors.push_back({std::string(file), line(n), std::move(message)});
    }

    /// The trimmed text of a required child element, or nullopt (and an
    /// error) when the element is missing.
    std::optional<std::string> required(const pugi::xml_node& parent, const char* name,
                                        std::string_view where) {
        pugi::xml_node c = parent.child(name);
        if (!c) {
            error(parent, std::string(where) + ": missing <" + name + ">");
            return std::nullopt;
        }
        return text_of(c);
    }

    std::optional<bool> flag(const pugi::xml_node& parent, const char* name, std::string_view yes,
                             std::string_view no, std::string_view where) {
        auto t = required(parent, name, where);
        if (!t) return std::nullopt;
        if (iequals(*t, yes)) return true;
        if (iequals(*t, no)) return false;
        error(parent.child(name), std::string(where) + ": bad <" + name + "> \"" + *t +
                                      "\" (expected " + std::string(yes) + " or " +
                                      std::string(no) + ")");
        return std::nullopt;
    }
};

/// Storage for the strings of one object while it is checked; the store
/// copies them in add().
struct object_draft {
    std::string name, description, object_version, lwm2m_version, urn;
    std::deque<std::string> strings;  // stable addresses for the views below
    std::vector<resource_model> resources;

    std::string_view keep(std::string s) { return strings.emplace_back(std::move(s)); }
};

void load_object(const pugi::xml_node& obj, object_parser& p, model_store& store) {
    p.failed = false;
    object_draft d;
    object_model m;

    pugi::xml_node id_node = obj.child("ObjectID");
    std::optional<std::uint16_t> oid;
    if (!id_node) {
        p.error(obj, "object: missing <ObjectID>");
    } else {
        oid = parse_id(text_of(id_node));
        if (!oid) p.error(id_node, "object: bad <ObjectID> \"" + text_of(id_node) + "\"");
    }
    const std::string where = oid ? "object " + std::to_string(*oid) : std::string("object");
    if (auto n = p.required(obj, "Name", where)) d.name = *n;
    d.description = text_of(obj.child("Description1"));
    d.urn = text_of(obj.child("ObjectURN"));
    d.object_version = text_of(obj.child("ObjectVersion"));
    if (d.object_version.empty()) d.object_version = "1.0";
    d.lwm2m_version = text_of(obj.child("LWM2MVersion"));
    if (d.lwm2m_version.empty()) d.lwm2m_version = "1.0";
    if (auto f = p.flag(obj, "MultipleInstances", "Multiple", "Single", where)) m.multiple = *f;
    if (auto f = p.flag(obj, "Mandatory", "Mandatory", "Optional", where)) m.mandatory = *f;

    pugi::xml_node res = obj.child("Resources");
    if (!res) p.error(obj, where + ": missing <Resources>");
    std::map<std::uint16_t, std::size_t> seen;  // id -> line
    for (pugi::xml_node item = res.child("Item"); item; item = item.next_sibling("Item")) {
        resource_model r;
        pugi::xml_attribute id_attr = item.attribute("ID");
        std::optional<std::uint16_t> rid;
        if (!id_attr) {
            p.error(item, where + ": <Item> without an ID attribute");
        } else {
            rid = parse_id(id_attr.value());
            if (!rid)
                p.error(item, where + ": bad resource ID \"" + std::string(id_attr.value()) + "\"");
        }
        const std::string rwhere = rid ? where + " resource " + std::to_string(*rid) : where;
        if (rid) {
            auto [it, inserted] = seen.emplace(*rid, p.line(item));
            if (!inserted)
                p.error(item, where + ": duplicate resource id " + std::to_string(*rid) +
                                  " (first at line " + std::to_string(it->second) + ")");
            r.id = *rid;
        }
        if (auto n = p.required(item, "Name", rwhere)) r.name = d.keep(*n);
        if (auto o = p.required(item, "Operations", rwhere)) {
            auto ops = parse_operations(*o);
            if (!ops)
                p.error(item.child("Operations"),
                        rwhere + ": bad <Operations> \"" + *o + "\" (" + ops.error().reason + ")");
            else
                r.ops = *ops;
        }
        if (auto f = p.flag(item, "MultipleInstances", "Multiple", "Single", rwhere))
            r.multiple = *f;
        if (auto f = p.flag(item, "Mandatory", "Mandatory", "Optional", rwhere)) r.mandatory = *f;
        if (auto t = p.required(item, "Type", rwhere)) {
            auto type = parse_data_type(*t);
            if (!type)
                p.error(item.child("Type"), rwhere + ": bad <Type> \"" + *t + "\"");
            else
                r.type = *type;
        }
        std::string range = text_of(item.child("RangeEnumeration"));
        if (auto nr = parse_numeric_range(range)) {
            r.range_min = nr->min;
            r.range_max = nr->max;
        }
        r.range_enumeration = d.keep(std::move(range));
        r.units = d.keep(text_of(item.child("Units")));
        r.description = d.keep(text_of(item.child("Description")));
        d.resources.push_back(r);
    }
    if (p.failed || !oid) return;

    m.id = *oid;
    m.name = d.name;
    m.description = d.description;
    m.object_version = d.object_version;
    m.lwm2m_version = d.lwm2m_version;
    m.urn = d.urn;
    m.resources = d.resources;
    auto added = store.add(m, p.file);
    if (!added) {
        p.error(obj, where + " version " + d.object_version + ": " + added.error().reason);
        return;
    }
    p.report.loaded.push_back(
        {std::string(p.file), m.id, d.name, d.object_version, d.lwm2m_version, d.resources.size()});
}

/// Natural order: digit runs compare as numbers, the rest bytewise.
bool natural_less(const std::string& a, const std::string& b) {
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        bool da = std::isdigit(static_cast<unsigned char>(a[i])) != 0;
        bool db = std::isdigit(static_cast<unsigned char>(b[j])) != 0;
        if (da && db) {
            std::size_t i2 = i, j2 = j;
            while (i2 < a.size() && a[i2] == '0')
                ++i2;
            while (j2 < b.size() && b[j2] == '0')
                ++j2;
            std::size_t ie = i2, je = j2;
            while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie])))
                ++ie;
            while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je])))
                ++je;
            if (ie - i2 != je - j2) return ie - i2 < je - j2;
            if (int c = a.compare(i2, ie - i2, b, j2, je - j2); c != 0) return c < 0;
            i = ie;
            j = je;
        } else {
            if (a[i] != b[j])
                return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
            ++i;
            ++j;
        }
    }
    if (a.size() - i != b.size() - j) return a.size() - i < b.size() - j;
    return a < b;
}

}  // namespace

std::size_t ddf_report::resource_count() const noexcept {
    std::size_t n = 0;
    for (const auto& o : loaded)
        n += o.resource_count;
    return n;
}

void ddf_report::merge(ddf_report&& other) {
    files += other.files;
    for (auto& o : other.loaded)
        loaded.push_back(std::move(o));
    for (auto& s : other.skipped)
        skipped.push_back(std::move(s));
    for (auto& e : other.errors)
        errors.push_back(std::move(e));
}

std::optional<numeric_range> parse_numeric_range(std::string_view text) {
    std::string_view s = trim(text);
    for (std::string_view unit : {"bytes", "byte"}) {
        if (ends_with_icase(s, unit)) {
            s = trim(s.substr(0, s.size() - unit.size()));
            break;
        }
    }
    if (s.empty()) return std::nullopt;
    std::string_view lo, hi;
    if (auto dots = s.find(".."); dots != std::string_view::npos) {
        lo = s.substr(0, dots);
        std::size_t k = dots;
        while (k < s.size() && s[k] == '.')
            ++k;
        hi = s.substr(k);
    } else {
        // "A-B": a '-' after the first number (a leading '-' is a sign).
        std::size_t dash = std::string_view::npos;
        for (std::size_t k = 1; k < s.size(); ++k) {
            if (s[k] == '-' &&
                (std::isdigit(static_cast<unsigned char>(s[k - 1])) || s[k - 1] == ' ')) {
                dash = k;
                break;
            }
        }
        if (dash == std::string_view::npos) return std::nullopt;
        lo = s.substr(0, dash);
        hi = s.substr(dash + 1);
    }
    auto a = parse_number(lo), b = parse_number(hi);
    if (!a || !b) return std::nullopt;
    if (*a > *b) std::swap(*a, *b);
    return numeric_range{*a, *b};
}

ddf_report load_ddf_text(std::string_view xml, std::string_view file, model_store& store) {
    ddf_report report;
    report.files = 1;
    line_index lines(xml);
    pugi::xml_document doc;
    pugi::xml_parse_result parsed =
        doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_auto);
    if (!parsed) {
        report.errors.push_back({std::string(file), lines.line_of(parsed.offset),
                                 std::string("XML syntax: ") + parsed.description()});
        return report;
    }
    pugi::xml_node root = doc.document_element();
    if (!root) {
        report.skipped.push_back({std::string(file), "no root element"});
        return report;
    }
    std::string_view root_name = root.name();
    if (root_name != "LWM2M") {
        std::string reason = root_name == "DDFList"
                                 ? "object index <DDFList>, not an object definition"
                                 : "root element <" + std::string(root_name) +
                                       "> is not <LWM2M>, not an object definition";
        report.skipped.push_back({std::string(file), std::move(reason)});
        return report;
    }
    object_parser p{file, lines, report};
    std::size_t definitions = 0, common = 0;
    for (pugi::xml_node obj = root.child("Object"); obj; obj = obj.next_sibling("Object")) {
        std::string_view type = trim(obj.attribute("ObjectType").value());
        // Reusable resource definitions (Common.xml) describe no object.
        if (iequals(type, "CommonResources") && !obj.child("ObjectID")) {
            ++common;
            continue;
        }
        ++definitions;
        load_object(obj, p, store);
    }
    if (definitions == 0)
        report.skipped.push_back(
            {std::string(file), common ? "reusable resource definitions (ObjectType "
                                         "CommonResources), no object definition"
                                       : "<LWM2M> holds no <Object>"});
    return report;
}

ddf_report load_ddf_file(const std::filesystem::path& file, model_store& store) {
    std::error_code ec;
    std::ifstream in;
    // A folder opens as a stream on Linux but reads nothing: refuse it here.
    if (!std::filesystem::is_directory(file, ec)) in.open(file, std::ios::binary);
    std::ostringstream buf;
    if (in.is_open()) buf << in.rdbuf();
    if (!in.is_open() || in.bad()) {
        ddf_report report;
        report.files = 1;
        report.errors.push_back({file.string(), 0, "cannot read the file"});
        return report;
    }
    return load_ddf_text(buf.str(), file.string(), store);
}

ddf_report load_ddf_folder(const std::filesystem::path& dir, model_store& store) {
    ddf_report report;
    std::error_code ec;
    std::vector<std::string> names;
    std::filesystem::directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        std::error_code fec;
        if (ends_with_icase(name, ".xml") && it->is_regular_file(fec)) names.push_back(name);
    }
    if (ec) {
        report.errors.push_back({dir.string(), 0, "cannot list the folder: " + ec.message()});
        return report;
    }
    std::sort(names.begin(), names.end(), natural_less);
    for (const auto& n : names)
        report.merge(load_ddf_file(dir / n, store));
    return report;
}

}  // namespace sirocco::lwm2m
