// Register / Update parameters and object list (Core TS 1.2, 6.2.1, 6.2.2).
#include "sirocco/server/registration.hpp"

#include <algorithm>
#include <map>

#include "sirocco/codec/link_format.hpp"
#include "sirocco/lwm2m/path.hpp"

namespace sirocco::server {
namespace {

std::optional<std::uint32_t> parse_u32(std::string_view s) {
    if (s.empty() || s.size() > 10) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (v > 0xFFFFFFFFu) return std::nullopt;
    return static_cast<std::uint32_t>(v);
}

object_entry& entry_for(object_list& l, std::map<std::uint16_t, std::size_t>& index,
                        std::uint16_t id) {
    auto [it, fresh] = index.try_emplace(id, l.objects.size());
    if (fresh) l.objects.push_back(object_entry{id, {}, {}});
    return l.objects[it->second];
}

bool is_root_link(std::string_view params) {
    codec::link::param_parser pp(params);
    codec::link::param p;
    for (;;) {
        auto more = pp.next(p);
        if (!more || !*more) return false;
        if (p.name == "rt" && p.value == "oma.lwm2m") return true;
    }
}

// ct=110 or ct="60 110"
result<void> parse_ct(std::string_view v, std::vector<std::uint16_t>& out) {
    std::size_t i = 0;
    bool any = false;
    while (i <= v.size()) {
        std::size_t j = v.find(' ', i);
        if (j == std::string_view::npos) j = v.size();
        if (j > i) {
            auto n = parse_u32(v.substr(i, j - i));
            if (!n || *n > 0xFFFFu)
                return unexpected(errc::malformed, "ct is not a content format");
            out.push_back(static_cast<std::uint16_t>(*n));
            any = true;
        }
        i = j + 1;
    }
    if (!any) return unexpected(errc::malformed, "empty ct");
    return {};
}

}  // namespace

result<object_list> parse_object_list(std::string_view text) {
    object_list l;
    // First pass: the alternate root path, which the other links are under.
    {
        codec::link::parser p(text);
        codec::link::link_value lv;
        for (;;) {
            auto more = p.next(lv);
            if (!more) return unexpected(more.error());
            if (!*more) break;
            if (is_root_link(lv.params)) {
                if (lv.target.empty() || lv.target.front() != '/')
                    return unexpected(errc::malformed, "root path must start with '/'");
                l.root_path = std::string(lv.target);
                break;
            }
        }
    }
    std::map<std::uint16_t, std::size_t> index;
    codec::link::parser p(text);
    codec::link::link_value lv;
    for (;;) {
        auto more = p.next(lv);
        if (!more) return unexpected(more.error());
        if (!*more) break;
        auto path = codec::link::target_path(lv.target, l.root_path);
        if (!path) return unexpected(path.error());
        codec::link::param_parser pp(lv.params);
        codec::link::param prm;
        std::string ver;
        for (;;) {
            auto pm = pp.next(prm);
            if (!pm) return unexpected(pm.error());
            if (!*pm) break;
            if (prm.name == "ct" && path->is_root()) {
                if (!prm.has_value) return unexpected(errc::malformed, "ct without a value");
                SIROCCO_TRY(parse_ct(prm.value, l.content_formats));
            } else if (prm.name == "ver") {
                if (!prm.has_value || prm.value.empty())
                    return unexpected(errc::malformed, "ver without a value");
                ver = std::string(prm.value);
            }
        }
        if (path->is_root()) continue;
        if (path->is_object()) {
            auto& o = entry_for(l, index, path->object().value());
            if (!ver.empty()) o.version = ver;
        } else if (path->is_instance()) {
            auto& o = entry_for(l, index, path->object().value());
            const std::uint16_t iid = path->instance().value();
            if (std::find(o.instances.begin(), o.instances.end(), iid) == o.instances.end())
                o.instances.push_back(iid);
        } else {
            return unexpected(errc::malformed, "object list link below an object instance");
        }
    }
    std::stable_sort(l.objects.begin(), l.objects.end(),
                     [](const object_entry& a, const object_entry& b) { return a.id < b.id; });
    return l;
}

result<registration_params> parse_params(const std::vector<std::string>& queries) {
    registration_params r;
    for (const std::string& q : queries) {
        const std::size_t eq = q.find('=');
        const std::string_view name = std::string_view(q).substr(0, eq);
        const std::string_view value =
            eq == std::string::npos ? std::string_view{} : std::string_view(q).substr(eq + 1);
        if (name == "ep") {
            if (value.empty()) return unexpected(errc::invalid_argument, "empty endpoint name");
            r.endpoint = std::string(value);
        } else if (name == "lt") {
            auto v = parse_u32(value);
            if (!v || *v == 0) return unexpected(errc::invalid_argument, "lt is not a lifetime");
            r.lifetime = *v;
        } else if (name == "lwm2m") {
            if (value.empty()) return unexpected(errc::invalid_argument, "empty lwm2m version");
            r.lwm2m_version = std::string(value);
        } else if (name == "b") {
            std::string b, seen;
            for (char c : value) {
                if (std::string_view("UMHTSNQ").find(c) == std::string_view::npos)
                    return unexpected(errc::invalid_argument, "unknown binding letter");
                if (seen.find(c) != std::string::npos)
                    return unexpected(errc::invalid_argument, "repeated binding letter");
                seen.push_back(c);
                if (c == 'Q')
                    r.queue = true;  // LwM2M 1.0 form "UQ"
                else
                    b.push_back(c);
            }
            if (b.empty()) return unexpected(errc::invalid_argument, "empty binding");
            r.binding = b;
        } else if (name == "Q" && eq == std::string::npos) {
            r.queue = true;
        }
        // sms=, and parameters this version does not know, are ignored.
    }
    return r;
}

}  // namespace sirocco::server
