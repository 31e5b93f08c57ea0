#include "sirocco/lwm2m/tree.hpp"

#include <algorithm>

namespace sirocco::lwm2m {

namespace {

enum class shape : std::uint8_t { single = 1, multiple = 2 };

/// The shape a record implies for its resource, if it is at or below one.
std::optional<shape> shape_of(const record& r) noexcept {
    if (r.path.is_resource_instance()) return shape::multiple;
    if (r.path.is_resource()) return r.value.is_none() ? shape::multiple : shape::single;
    return std::nullopt;
}

path resource_path(const path& p) noexcept {
    return path(p.object(), p.instance(), p.resource());
}

}  // namespace

result<data_tree> data_tree::from_records(std::span<const record> records) {
    data_tree t;
    SIROCCO_TRY(t.merge(records));
    return t;
}

result<data_tree> data_tree::from_records(std::span<const owned_record> records) {
    std::vector<record> views;
    views.reserve(records.size());
    for (const auto& r : records)
        views.push_back(r.view());
    return from_records(std::span<const record>(views));
}

result<void> data_tree::check(std::span<const record> records, bool against_tree) const {
    std::vector<path> paths;
    paths.reserve(records.size());
    std::map<path, shape> shapes;
    for (const record& r : records) {
        if (r.path.is_root())
            return unexpected(errc::invalid_argument,
                              "record path must point at an object, instance, resource or "
                              "resource instance");
        if ((r.path.is_object() || r.path.is_instance()) && !r.value.is_none())
            return unexpected(errc::invalid_argument,
                              "an object or instance record cannot carry a value");
        paths.push_back(r.path);
        if (auto s = shape_of(r)) {
            auto [it, inserted] = shapes.emplace(resource_path(r.path), *s);
            if (!inserted && it->second != *s)
                return unexpected(errc::type_mismatch,
                                  "resource given both as a single value and as resource "
                                  "instances");
        }
    }
    std::sort(paths.begin(), paths.end());
    if (std::adjacent_find(paths.begin(), paths.end()) != paths.end())
        return unexpected(errc::invalid_argument, "the same path is given twice");
    if (against_tree) {
        for (const auto& [p, s] : shapes) {
            const resource_node* n = find_resource(p.object(), p.instance(), p.resource());
            if (n && n->multiple != (s == shape::multiple))
                return unexpected(errc::type_mismatch,
                                  "resource given both as a single value and as resource "
                                  "instances");
        }
    }
    return {};
}

void data_tree::insert(const record& r) {
    object_node& o = objects_[r.path.object().value()];
    if (r.path.is_object()) return;
    instance_node& i = o[r.path.instance().value()];
    if (r.path.is_instance()) return;
    resource_node& n = i[r.path.resource().value()];
    if (r.path.is_resource()) {
        if (r.value.is_none()) {
            if (!n.multiple) n = resource_node{true, {}, {}};
            return;
        }
        n.multiple = false;
        n.instances.clear();
        n.single = leaf{owned_value(r.value), r.timestamp};
        return;
    }
    if (!n.multiple) n = resource_node{true, {}, {}};
    n.instances[r.path.resource_instance().value()] = leaf{owned_value(r.value), r.timestamp};
}

result<void> data_tree::merge(std::span<const record> records) {
    SIROCCO_TRY(check(records, true));
    for (const record& r : records)
        insert(r);
    return {};
}

result<void> data_tree::replace(const path& target, std::span<const record> records) {
    for (const record& r : records)
        if (!target.is_prefix_of(r.path))
            return unexpected(errc::invalid_argument, "record is outside the replaced path");
    SIROCCO_TRY(check(records, target.is_resource_instance()));
    remove(target);
    if (target.is_object() || target.is_instance()) insert(record{target, value(), std::nullopt});
    for (const record& r : records)
        insert(r);
    return {};
}

bool data_tree::remove(const path& p) {
    if (p.is_root()) {
        bool any = !objects_.empty();
        objects_.clear();
        return any;
    }
    auto o = objects_.find(p.object().value());
    if (o == objects_.end()) return false;
    if (p.is_object()) {
        objects_.erase(o);
        return true;
    }
    auto i = o->second.find(p.instance().value());
    if (i == o->second.end()) return false;
    if (p.is_instance()) {
        o->second.erase(i);
        return true;
    }
    auto r = i->second.find(p.resource().value());
    if (r == i->second.end()) return false;
    if (p.is_resource()) {
        i->second.erase(r);
        return true;
    }
    if (!r->second.multiple) return false;
    return r->second.instances.erase(p.resource_instance().value()) > 0;
}

const data_tree::object_node* data_tree::find_object(object_id o) const noexcept {
    auto it = objects_.find(o.value());
    return it == objects_.end() ? nullptr : &it->second;
}

const data_tree::instance_node* data_tree::find_instance(object_id o,
                                                         instance_id i) const noexcept {
    const object_node* on = find_object(o);
    if (!on) return nullptr;
    auto it = on->find(i.value());
    return it == on->end() ? nullptr : &it->second;
}

const data_tree::resource_node* data_tree::find_resource(object_id o, instance_id i,
                                                         resource_id r) const noexcept {
    const instance_node* in = find_instance(o, i);
    if (!in) return nullptr;
    auto it = in->find(r.value());
    return it == in->end() ? nullptr : &it->second;
}

bool data_tree::contains(const path& p) const noexcept {
    switch (p.level()) {
        case path_level::root:
            return true;
        case path_level::object:
            return find_object(p.object()) != nullptr;
        case path_level::instance:
            return find_instance(p.object(), p.instance()) != nullptr;
        case path_level::resource:
            return find_resource(p.object(), p.instance(), p.resource()) != nullptr;
        case path_level::resource_instance:
            return find_leaf(p) != nullptr;
    }
    return false;
}

const data_tree::leaf* data_tree::find_leaf(const path& p) const noexcept {
    if (!p.is_resource() && !p.is_resource_instance()) return nullptr;
    const resource_node* n = find_resource(p.object(), p.instance(), p.resource());
    if (!n) return nullptr;
    if (p.is_resource()) return n->multiple ? nullptr : &n->single;
    if (!n->multiple) return nullptr;
    auto it = n->instances.find(p.resource_instance().value());
    return it == n->instances.end() ? nullptr : &it->second;
}

std::size_t data_tree::value_count() const noexcept {
    std::size_t n = 0;
    for (const auto& [oid, o] : objects_)
        for (const auto& [iid, i] : o)
            for (const auto& [rid, r] : i)
                n += r.multiple ? r.instances.size() : 1;
    return n;
}

std::vector<owned_record> data_tree::to_records(const path& under) const {
    std::vector<owned_record> out;
    auto emit = [&](const path& p, const leaf* l) {
        if (!under.is_prefix_of(p)) return;
        if (l)
            out.emplace_back(p, l->value, l->timestamp);
        else
            out.emplace_back(p, owned_value(), std::nullopt);
    };
    for (const auto& [oid, o] : objects_) {
        const object_id ov(oid);
        if (o.empty()) emit(path(ov), nullptr);
        for (const auto& [iid, in] : o) {
            const instance_id iv(iid);
            if (in.empty()) emit(path(ov, iv), nullptr);
            for (const auto& [rid, r] : in) {
                const resource_id rv(rid);
                if (!r.multiple) {
                    emit(path(ov, iv, rv), &r.single);
                    continue;
                }
                if (r.instances.empty()) emit(path(ov, iv, rv), nullptr);
                for (const auto& [riid, l] : r.instances)
                    emit(path(ov, iv, rv, resource_instance_id(riid)), &l);
            }
        }
    }
    return out;
}

}  // namespace sirocco::lwm2m
