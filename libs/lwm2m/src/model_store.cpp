#include "sirocco/lwm2m/model_store.hpp"

#include <algorithm>

namespace sirocco::lwm2m {

namespace {
bool same_version(std::string_view a, std::string_view b) noexcept {
    return a == b || compare_versions(a, b) == 0;
}
}  // namespace

result<const object_model*> model_store::add(const object_model& m, std::string_view source) {
    if (auto it = index_.find(m.id); it != index_.end()) {
        for (const entry* e : it->second)
            if (same_version(e->model.object_version, m.object_version))
                return unexpected(errc::invalid_argument,
                                  "object with this id and version is already in the store");
    }
    std::vector<std::size_t> order(m.resources.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return m.resources[a].id < m.resources[b].id;
    });
    for (std::size_t i = 1; i < order.size(); ++i)
        if (m.resources[order[i]].id == m.resources[order[i - 1]].id)
            return unexpected(errc::invalid_argument, "duplicate resource id in object");

    entry& e = entries_.emplace_back();
    e.name = m.name;
    e.description = m.description;
    e.object_version = m.object_version.empty() ? std::string_view("1.0") : m.object_version;
    e.lwm2m_version = m.lwm2m_version.empty() ? std::string_view("1.0") : m.lwm2m_version;
    e.urn = m.urn;
    e.source = source;
    e.strings.reserve(order.size());
    e.resources.reserve(order.size());
    for (std::size_t i : order) {
        const resource_model& r = m.resources[i];
        e.strings.push_back({std::string(r.name), std::string(r.range_enumeration),
                             std::string(r.units), std::string(r.description)});
    }
    // Views are taken only once the vectors are complete: no reallocation
    // can move the strings afterwards.
    for (std::size_t k = 0; k < order.size(); ++k) {
        resource_model r = m.resources[order[k]];
        const owned_resource& s = e.strings[k];
        r.name = s.name;
        r.range_enumeration = s.range_enumeration;
        r.units = s.units;
        r.description = s.description;
        e.resources.push_back(r);
    }
    e.model = m;
    e.model.name = e.name;
    e.model.description = e.description;
    e.model.object_version = e.object_version;
    e.model.lwm2m_version = e.lwm2m_version;
    e.model.urn = e.urn;
    e.model.resources = e.resources;

    auto& list = index_[m.id];
    auto pos = std::find_if(list.begin(), list.end(), [&](const entry* x) {
        return compare_versions(x->model.object_version, e.model.object_version) < 0;
    });
    list.insert(pos, &e);
    resource_count_ += e.resources.size();
    return &e.model;
}

const object_model* model_store::find(object_id oid, std::string_view version) const noexcept {
    if (auto it = index_.find(oid.value()); it != index_.end() && !it->second.empty()) {
        if (version.empty()) return &it->second.front()->model;
        for (const entry* e : it->second)
            if (same_version(e->model.object_version, version)) return &e->model;
    }
    return fallback_ ? fallback_->find(oid, version) : nullptr;
}

std::vector<const object_model*> model_store::versions(object_id oid) const {
    std::vector<const object_model*> out;
    if (auto it = index_.find(oid.value()); it != index_.end())
        for (const entry* e : it->second)
            out.push_back(&e->model);
    return out;
}

std::vector<const object_model*> model_store::all() const {
    std::vector<const object_model*> out;
    out.reserve(entries_.size());
    for (const auto& [id, list] : index_)
        for (auto it = list.rbegin(); it != list.rend(); ++it)
            out.push_back(&(*it)->model);
    return out;
}

std::string_view model_store::source_of(const object_model* m) const noexcept {
    if (!m) return {};
    if (auto it = index_.find(m->id); it != index_.end())
        for (const entry* e : it->second)
            if (&e->model == m) return e->source;
    return {};
}

}  // namespace sirocco::lwm2m
