#include "sirocco/lwm2m/model.hpp"

namespace sirocco::lwm2m {

std::string_view to_string(operations o) noexcept {
    switch (o) {
        case operations::none:
            return "";
        case operations::read:
            return "R";
        case operations::write:
            return "W";
        case operations::read_write:
            return "RW";
        case operations::execute:
            return "E";
    }
    return "";
}

result<operations> parse_operations(std::string_view s) noexcept {
    bool r = false, w = false, e = false;
    for (char c : s) {
        switch (c) {
            case 'R':
            case 'r':
                r = true;
                break;
            case 'W':
            case 'w':
                w = true;
                break;
            case 'E':
            case 'e':
                e = true;
                break;
            case ' ':
            case '\t':
            case '\n':
            case '\r':
                break;
            default:
                return unexpected(errc::malformed, "operations must be R, W, RW, E or empty");
        }
    }
    if (e && (r || w)) return unexpected(errc::malformed, "E cannot be combined with R or W");
    if (e) return operations::execute;
    if (r && w) return operations::read_write;
    if (r) return operations::read;
    if (w) return operations::write;
    return operations::none;
}

const resource_model* object_model::find(resource_id rid) const noexcept {
    std::size_t lo = 0, hi = resources.size();
    while (lo < hi) {
        std::size_t mid = (lo + hi) / 2;
        if (resources[mid].id < rid.value())
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < resources.size() && resources[lo].id == rid.value()) return &resources[lo];
    return nullptr;
}

namespace {
struct version_pair {
    unsigned major = 0, minor = 0;
};
version_pair split_version(std::string_view v) noexcept {
    version_pair p;
    std::size_t i = 0;
    unsigned* cur = &p.major;
    for (; i < v.size(); ++i) {
        char c = v[i];
        if (c == '.') {
            if (cur == &p.minor) break;
            cur = &p.minor;
        } else if (c >= '0' && c <= '9') {
            if (*cur < 100000) *cur = *cur * 10 + static_cast<unsigned>(c - '0');
        } else {
            return {};
        }
    }
    return p;
}
}  // namespace

int compare_versions(std::string_view a, std::string_view b) noexcept {
    auto x = split_version(a), y = split_version(b);
    if (x.major != y.major) return x.major < y.major ? -1 : 1;
    if (x.minor != y.minor) return x.minor < y.minor ? -1 : 1;
    return 0;
}

}  // namespace sirocco::lwm2m
