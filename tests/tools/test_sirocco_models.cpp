// Runs the built sirocco-models binary on the OMA registry and on a copy of
// it with corrupted files (temporary folders, removed afterwards).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const std::string registry = SIROCCO_REGISTRY_DIR;
const std::string binary = SIROCCO_MODELS_BIN;

struct run_result {
    int status = -1;
    std::string output;  // stdout and stderr
    std::vector<std::string> lines;
};

run_result run(const std::string& args) {
    run_result r;
    std::string cmd = "'" + binary + "' " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
        r.output.append(buf, n);
    int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);)
        r.lines.push_back(line);
    return r;
}

std::size_t count_prefix(const run_result& r, std::string_view prefix) {
    std::size_t n = 0;
    for (const auto& l : r.lines)
        if (l.starts_with(prefix)) ++n;
    return n;
}

/// A private copy of the registry, deleted when the test ends.
class registry_copy {
  public:
    registry_copy() {
        std::string tmpl = (fs::temp_directory_path() / "sirocco-models-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) return;
        dir_ = tmpl;
        for (const auto& e : fs::directory_iterator(registry))
            if (e.is_regular_file()) fs::copy_file(e.path(), dir_ / e.path().filename());
    }
    ~registry_copy() {
        std::error_code ec;
        if (!dir_.empty()) fs::remove_all(dir_, ec);
    }
    const fs::path& dir() const { return dir_; }
    std::string read(const std::string& name) const {
        std::ifstream in(dir_ / name, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }
    void write(const std::string& name, const std::string& text) const {
        fs::remove(dir_ / name);  // the copies keep the registry's read-only mode
        std::ofstream out(dir_ / name, std::ios::binary);
        out << text;
    }

  private:
    fs::path dir_;
};

std::size_t line_of(const std::string& text, std::size_t offset) {
    std::size_t line = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i)
        if (text[i] == '\n') ++line;
    return line;
}

TEST(sirocco_models, check_registry) {
    auto r = run("check '" + registry + "'");
    EXPECT_EQ(r.status, 0) << r.output;
    // Counts obtained independently, see tests/unit/lwm2m/test_registry.cpp.
    EXPECT_EQ(count_prefix(r, "object "), 327u);
    EXPECT_EQ(count_prefix(r, "skipped "), 3u);
    EXPECT_EQ(r.lines.size(), 327u + 3 + 1) << "no error lines";
    ASSERT_FALSE(r.lines.empty());
    EXPECT_EQ(r.lines.back(), "loaded 327 objects (3464 resources), 0 errors");
    bool device = false;
    for (const auto& l : r.lines)
        if (l == "object 3 \"Device\" version 1.2, LwM2M 1.1, 23 resources [3.xml]") device = true;
    EXPECT_TRUE(device) << r.output;
}

TEST(sirocco_models, truncated_file_is_named_with_its_line) {
    registry_copy copy;
    ASSERT_FALSE(copy.dir().empty());
    std::string text = copy.read("3303.xml");
    std::size_t cut = text.find("<Name>Sensor Value</Name>");
    ASSERT_NE(cut, std::string::npos);
    cut += 10;  // "<Name>Sens": truncated in the middle of an element
    copy.write("3303.xml", text.substr(0, cut));

    auto r = run("check '" + copy.dir().string() + "'");
    EXPECT_EQ(r.status, 1) << r.output;
    std::string where = (copy.dir() / "3303.xml").string() + ":" +
                        std::to_string(line_of(text, cut)) + ": XML syntax";
    EXPECT_EQ(count_prefix(r, where), 1u) << "expected '" << where << "' in\n" << r.output;
    EXPECT_EQ(count_prefix(r, "object "), 326u) << "the others still load";
    EXPECT_EQ(r.lines.back(), "loaded 326 objects (3452 resources), 1 errors");
}

TEST(sirocco_models, broken_tag_is_named_with_its_line) {
    registry_copy copy;
    ASSERT_FALSE(copy.dir().empty());
    std::string text = copy.read("3311.xml");
    std::size_t at = text.find("</Type>");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 7, "</Tpye>");
    copy.write("3311.xml", text);

    auto r = run("check '" + copy.dir().string() + "'");
    EXPECT_EQ(r.status, 1) << r.output;
    std::string where = (copy.dir() / "3311.xml").string() + ":" +
                        std::to_string(line_of(text, at)) + ": XML syntax";
    EXPECT_EQ(count_prefix(r, where), 1u) << "expected '" << where << "' in\n" << r.output;
    EXPECT_EQ(r.lines.back(), "loaded 326 objects (3456 resources), 1 errors");
}

TEST(sirocco_models, usage_errors) {
    auto none = run("");
    EXPECT_EQ(none.status, 2);
    EXPECT_NE(none.output.find("missing command"), std::string::npos);

    auto nodir = run("check");
    EXPECT_EQ(nodir.status, 2);
    EXPECT_NE(nodir.output.find("missing DIR"), std::string::npos);

    auto flag = run("check --bogus '" + registry + "'");
    EXPECT_EQ(flag.status, 2);
    EXPECT_NE(flag.output.find("unknown option '--bogus'"), std::string::npos);

    auto missing = run("check /nonexistent/sirocco-registry");
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.output.find("not a directory"), std::string::npos);

    auto cmd = run("frobnicate");
    EXPECT_EQ(cmd.status, 2);
    EXPECT_NE(cmd.output.find("unknown command 'frobnicate'"), std::string::npos);

    auto help = run("--help");
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.output.find("usage: sirocco-models check DIR"), std::string::npos);
}

TEST(sirocco_models, show_one_object) {
    auto r = run("show '" + registry + "' 3311");
    EXPECT_EQ(r.status, 0) << r.output;
    ASSERT_FALSE(r.lines.empty());
    EXPECT_EQ(r.lines[0],
              "object 3311 \"Light Control\" version 1.0, LwM2M 1.0, multiple, optional");
    EXPECT_EQ(count_prefix(r, "5850  On/Off "), 1u) << r.output;
    EXPECT_NE(r.output.find("BOOLEAN"), std::string::npos);

    EXPECT_EQ(run("show '" + registry + "' 65000").status, 1);
    EXPECT_EQ(run("show '" + registry + "' 3 9.9").status, 1);
    EXPECT_EQ(run("show '" + registry + "' 3 1.2").status, 0);
    EXPECT_EQ(run("show '" + registry + "' 70000").status, 2);
    EXPECT_EQ(run("show '" + registry + "'").status, 2);
}

}  // namespace
