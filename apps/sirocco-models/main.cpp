// sirocco-models: loads a folder of LwM2M DDF XML files (e.g. the OMA
// registry) and reports what it found, or shows one object's resources.
//
//   sirocco-models check DIR
//   sirocco-models show DIR OBJECT_ID [VERSION]
//
// Exit status: 0 success, 1 errors in the files (check) or object not found
// (show), 2 usage error.
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sirocco/lwm2m/ddf.hpp"
#include "sirocco/lwm2m/model_store.hpp"

namespace {

using namespace sirocco::lwm2m;

constexpr std::string_view usage_text =
    "usage: sirocco-models check DIR\n"
    "       sirocco-models show DIR OBJECT_ID [VERSION]\n"
    "       sirocco-models --help\n"
    "\n"
    "check  loads every *.xml file in DIR as an LwM2M object definition (DDF)\n"
    "       and prints, on standard output:\n"
    "         object ID \"NAME\" version V, LwM2M L, N resources [FILE]  per object\n"
    "         skipped FILE: REASON        per XML file that defines no object\n"
    "         FILE:LINE: MESSAGE          per error\n"
    "         loaded N objects (M resources), K errors\n"
    "       exit status 0 without errors, 1 with errors.\n"
    "show   prints the resources of one object as a table (the newest version,\n"
    "       or VERSION); exit status 1 when DIR has no such object.\n"
    "Usage errors exit with status 2.\n";

int usage_error(const std::string& message) {
    std::fprintf(stderr,
                 "sirocco-models: %s\n"
                 "usage: sirocco-models check DIR | show DIR OBJECT_ID [VERSION] | --help\n",
                 message.c_str());
    return 2;
}

/// Collapses blank runs (newlines, tabs) of a DDF text to single spaces.
std::string one_line(std::string_view s) {
    std::string out;
    bool blank = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            blank = true;
            continue;
        }
        if (blank && !out.empty()) out += ' ';
        blank = false;
        out += c;
    }
    return out;
}

bool check_dir(const std::string& dir, std::string& problem) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        problem = "DIR '" + dir + "' is not a directory";
        return false;
    }
    return true;
}

int run_check(const std::string& dir) {
    model_store store;
    ddf_report rep = load_ddf_folder(dir, store);
    for (const auto& o : rep.loaded)
        std::printf("object %u \"%s\" version %s, LwM2M %s, %zu resources [%s]\n",
                    static_cast<unsigned>(o.id), o.name.c_str(), o.object_version.c_str(),
                    o.lwm2m_version.c_str(), o.resource_count,
                    std::filesystem::path(o.file).filename().string().c_str());
    for (const auto& s : rep.skipped)
        std::printf("skipped %s: %s\n", std::filesystem::path(s.file).filename().string().c_str(),
                    s.reason.c_str());
    for (const auto& e : rep.errors)
        std::printf("%s:%zu: %s\n", e.file.c_str(), e.line, e.message.c_str());
    std::printf("loaded %zu objects (%zu resources), %zu errors\n", rep.loaded.size(),
                rep.resource_count(), rep.errors.size());
    return rep.errors.empty() ? 0 : 1;
}

int run_show(const std::string& dir, std::uint16_t oid, const std::string& version) {
    model_store store;
    ddf_report rep = load_ddf_folder(dir, store);
    const object_model* m = store.find(object_id(oid), version);
    if (!m) {
        std::fprintf(stderr, "sirocco-models: no object %u%s%s in %s (%zu errors while loading)\n",
                     static_cast<unsigned>(oid), version.empty() ? "" : " version ",
                     version.c_str(), dir.c_str(), rep.errors.size());
        return 1;
    }
    std::printf("object %u \"%s\" version %s, LwM2M %s, %s, %s\n", static_cast<unsigned>(m->id),
                std::string(m->name).c_str(), std::string(m->object_version).c_str(),
                std::string(m->lwm2m_version).c_str(), m->multiple ? "multiple" : "single",
                m->mandatory ? "mandatory" : "optional");
    if (!m->urn.empty()) std::printf("urn %s\n", std::string(m->urn).c_str());
    std::printf("source %s\n\n", std::string(store.source_of(m)).c_str());

    struct row {
        std::string cells[8];
    };
    std::vector<row> rows;
    rows.push_back({{"ID", "Name", "Ops", "Instances", "Mandatory", "Type", "Range", "Units"}});
    for (const auto& r : m->resources) {
        rows.push_back({{std::to_string(r.id), std::string(r.name), std::string(to_string(r.ops)),
                         r.multiple ? "multiple" : "single", r.mandatory ? "mandatory" : "optional",
                         r.type == data_type::none ? "" : std::string(to_string(r.type)),
                         one_line(r.range_enumeration), std::string(r.units)}});
    }
    std::size_t width[8] = {};
    for (const auto& rw : rows)
        for (std::size_t c = 0; c < 8; ++c)
            width[c] = std::max(width[c], rw.cells[c].size());
    for (const auto& rw : rows) {
        std::string line;
        for (std::size_t c = 0; c < 8; ++c) {
            std::string cell = rw.cells[c];
            if (c + 1 < 8) cell.resize(width[c] + 2, ' ');
            line += cell;
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        std::printf("%s\n", line.c_str());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::printf("%s", std::string(usage_text).c_str());
            return 0;
        }
        if (a.size() > 1 && a[0] == '-') return usage_error("unknown option '" + a + "'");
        args.push_back(std::move(a));
    }
    if (args.empty()) return usage_error("missing command (check or show)");
    const std::string& cmd = args[0];
    std::string problem;
    if (cmd == "check") {
        if (args.size() < 2) return usage_error("check: missing DIR");
        if (args.size() > 2) return usage_error("check: unexpected argument '" + args[2] + "'");
        if (!check_dir(args[1], problem)) return usage_error("check: " + problem);
        return run_check(args[1]);
    }
    if (cmd == "show") {
        if (args.size() < 2) return usage_error("show: missing DIR");
        if (args.size() < 3) return usage_error("show: missing OBJECT_ID");
        if (args.size() > 4) return usage_error("show: unexpected argument '" + args[4] + "'");
        if (!check_dir(args[1], problem)) return usage_error("show: " + problem);
        const std::string& id = args[2];
        unsigned long v = 0;
        bool ok = !id.empty() && id.size() <= 5;
        for (char c : id) {
            if (c < '0' || c > '9')
                ok = false;
            else
                v = v * 10 + static_cast<unsigned long>(c - '0');
        }
        if (!ok || v > 65535)
            return usage_error("show: OBJECT_ID '" + id + "' is not a number 0..65535");
        return run_show(args[1], static_cast<std::uint16_t>(v), args.size() == 4 ? args[3] : "");
    }
    return usage_error("unknown command '" + cmd + "' (expected check or show)");
}
