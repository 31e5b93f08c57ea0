#include "senml.hpp"

#include <cstring>

namespace sirocco::codec::senml {

namespace {

constexpr std::size_t max_name = lwm2m::path::max_text_length;

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

// Parses a decimal id 0..65535 from the front of `s`; advances `s`.
bool parse_id(std::string_view& s, std::uint16_t& out) noexcept {
    if (s.empty() || !is_digit(s.front())) return false;
    std::uint32_t v = 0;
    std::size_t i = 0;
    while (i < s.size() && is_digit(s[i])) {
        v = v * 10 + static_cast<std::uint32_t>(s[i] - '0');
        if (v > 65535) return false;
        ++i;
    }
    s.remove_prefix(i);
    out = static_cast<std::uint16_t>(v);
    return true;
}

// Appends the ids of `p` from level `from` as "a/b/c" into out; returns length.
std::size_t write_ids(const lwm2m::path& p, std::size_t from, char* out) noexcept {
    std::size_t n = 0;
    for (std::size_t i = from; i < p.depth(); ++i) {
        if (i != from) out[n++] = '/';
        char tmp[5];
        std::size_t k = 0;
        std::uint16_t v = p.at(i);
        do {
            tmp[k++] = static_cast<char>('0' + v % 10);
            v = static_cast<std::uint16_t>(v / 10);
        } while (v != 0);
        while (k > 0)
            out[n++] = tmp[--k];
    }
    return n;
}

}  // namespace

result<lwm2m::objlnk> parse_objlnk(std::string_view text) noexcept {
    std::uint16_t o = 0, i = 0;
    if (!parse_id(text, o) || text.empty() || text.front() != ':')
        return unexpected(errc::malformed, "object link must be \"oid:iid\"");
    text.remove_prefix(1);
    if (!parse_id(text, i) || !text.empty())
        return unexpected(errc::malformed, "object link must be \"oid:iid\"");
    return lwm2m::objlnk{o, i};
}

result<std::size_t> format_objlnk(lwm2m::objlnk link, std::span<char> out) noexcept {
    char buf[12];
    lwm2m::path p{lwm2m::object_id(link.object_id), lwm2m::instance_id(link.instance_id)};
    std::size_t n = write_ids(p, 0, buf);
    for (std::size_t k = 0; k < n; ++k)
        if (buf[k] == '/') buf[k] = ':';
    if (out.size() < n)
        return unexpected(errc::buffer_too_small, "object link text needs 11 chars");
    std::memcpy(out.data(), buf, n);
    return n;
}

result<lwm2m::value> to_model_type(const lwm2m::path& p, field kind, const lwm2m::value& v,
                                   const lwm2m::model_provider* models) noexcept {
    using lwm2m::data_type;
    using lwm2m::value;
    const lwm2m::resource_model* rm = nullptr;
    if (models != nullptr && p.depth() >= 3) rm = models->find_resource(p.object(), p.resource());
    if (kind == field::none) return value();
    if (rm != nullptr) {
        if (rm->multiple && p.is_resource())
            return unexpected(errc::type_mismatch,
                              "multiple-instance resource needs resource instance ids");
        if (!rm->multiple && p.is_resource_instance())
            return unexpected(errc::type_mismatch,
                              "single-instance resource has no resource instances");
        const data_type target = rm->type;
        switch (kind) {
            case field::v:
                if (target == data_type::integer || target == data_type::unsigned_integer ||
                    target == data_type::float_ || target == data_type::time)
                    return v.convert(target);
                break;
            case field::vs:
                if (target == data_type::string || target == data_type::corelnk)
                    return v.convert(target);
                if (target == data_type::opaque) return value::of_opaque(as_bytes(v.string()));
                break;
            case field::vb:
                if (target == data_type::boolean) return v;
                break;
            case field::vd:
                if (target == data_type::opaque) return v;
                break;
            case field::vlo:
                if (target == data_type::objlnk) {
                    auto l = parse_objlnk(v.string());
                    if (!l) return unexpected(l.error());
                    return value::of_objlnk(*l);
                }
                break;
            case field::none:
                break;
        }
        return unexpected(errc::type_mismatch, "value field does not match the resource type");
    }
    if (kind == field::vlo) {
        auto l = parse_objlnk(v.string());
        if (!l) return unexpected(l.error());
        return value::of_objlnk(*l);
    }
    return v;
}

// ---- resolver -------------------------------------------------------------

resolver::resolver(const lwm2m::path& base, const lwm2m::model_provider* models) noexcept
    : base_(base), models_(models) {}

result<lwm2m::path> resolver::resolve_path(const entry& e) noexcept {
    if (e.bn) {
        if (e.bn->size() > max_name) return unexpected(errc::malformed, "base name too long");
        if (!e.bn->empty()) std::memcpy(bn_, e.bn->data(), e.bn->size());
        bn_len_ = e.bn->size();
    }
    const std::string_view n = e.n ? *e.n : std::string_view{};
    if (bn_len_ + n.size() > max_name) return unexpected(errc::malformed, "name too long");
    char name[2 * max_name];
    if (bn_len_ != 0) std::memcpy(name, bn_, bn_len_);
    if (!n.empty()) std::memcpy(name + bn_len_, n.data(), n.size());
    std::string_view full(name, bn_len_ + n.size());
    if (full.empty()) return base_;
    if (full.front() == '/') {
        auto p = lwm2m::path::parse(full);
        if (!p) return unexpected(errc::malformed, "name is not an LwM2M path");
        return *p;
    }
    // Relative to the request path.
    lwm2m::path p = base_;
    while (!full.empty()) {
        std::uint16_t id = 0;
        if (!parse_id(full, id)) return unexpected(errc::malformed, "name is not an LwM2M path");
        auto c = p.child(id);
        if (!c) return unexpected(errc::malformed, "name is not an LwM2M path");
        p = *c;
        if (full.empty()) break;
        if (full.front() != '/' || full.size() == 1)
            return unexpected(errc::malformed, "name is not an LwM2M path");
        full.remove_prefix(1);
    }
    return p;
}

result<lwm2m::record> resolver::resolve(const entry& e) noexcept {
    auto p = resolve_path(e);
    if (!p) return unexpected(p.error());
    if (e.bt) bt_ = e.bt;
    lwm2m::record r;
    r.path = *p;
    if (bt_ || e.t) r.timestamp = bt_.value_or(0.0) + e.t.value_or(0.0);
    if (e.kind == field::none) return r;
    if (p->depth() < 3) return unexpected(errc::malformed, "a value needs a resource path");
    auto v = to_model_type(*p, e.kind, e.val, models_);
    if (!v) return unexpected(v.error());
    r.value = *v;
    return r;
}

// ---- grouper --------------------------------------------------------------

grouper::grouper(const lwm2m::path& base, std::span<const lwm2m::record> records) noexcept
    : base_(base), records_(records) {
    all_timestamped_ = !records.empty();
    for (const auto& r : records)
        if (!r.timestamp) all_timestamped_ = false;
}

result<entry> grouper::next() noexcept {
    if (index_ >= records_.size())
        return unexpected(errc::invalid_argument, "no record left to group");
    const lwm2m::record& r = records_[index_++];
    if (r.path.is_root()) return unexpected(errc::invalid_argument, "a record needs a path");
    entry e;
    // Group: the request path when it is an instance or deeper and a prefix
    // of the record, else the record's object instance (or the record's own
    // path when it is shallower).
    lwm2m::path group;
    if (base_.depth() >= 2 && base_.is_prefix_of(r.path)) {
        group = base_;
    } else {
        group = r.path;
        while (group.depth() > 2)
            group = group.parent();
    }
    const bool exact = group == r.path;
    // bn is rewritten when the group changes, or when a record sits exactly
    // at the group (bn without '/') after one below it (bn with '/') or the
    // reverse: keep it simple by tracking the last bn text.
    char bn[max_name + 1];
    std::size_t bn_len = 0;
    bn[bn_len++] = '/';
    bn_len += write_ids(group, 0, bn + bn_len);
    if (!exact) bn[bn_len++] = '/';
    std::string_view bn_text(bn, bn_len);
    if (!have_group_ || std::string_view(bn_, std::strlen(bn_)) != bn_text) {
        std::memcpy(bn_, bn, bn_len);
        bn_[bn_len] = '\0';
        have_group_ = true;
        e.bn = std::string_view(bn_, bn_len);
    }
    if (!exact) {
        std::size_t n_len = write_ids(r.path, group.depth(), n_);
        n_[n_len] = '\0';
        e.n = std::string_view(n_, n_len);
    }
    // Timestamps.
    if (r.timestamp) {
        if (all_timestamped_) {
            if (!bt_) {
                bt_ = *r.timestamp;
                e.bt = bt_;
            } else if (*r.timestamp != *bt_) {
                e.t = *r.timestamp - *bt_;
            }
        } else {
            e.t = r.timestamp;
        }
    }
    // Value field.
    using lwm2m::data_type;
    switch (r.value.type()) {
        case data_type::none:
            e.kind = field::none;
            break;
        case data_type::integer:
        case data_type::unsigned_integer:
        case data_type::float_:
            e.kind = field::v;
            e.val = r.value;
            break;
        case data_type::time:
            e.kind = field::v;
            e.val = lwm2m::value::of_integer(r.value.time());
            break;
        case data_type::boolean:
            e.kind = field::vb;
            e.val = r.value;
            break;
        case data_type::string:
        case data_type::corelnk:
            e.kind = field::vs;
            e.val = lwm2m::value::of_string(r.value.string());
            break;
        case data_type::opaque:
            e.kind = field::vd;
            e.val = r.value;
            break;
        case data_type::objlnk: {
            auto n = format_objlnk(r.value.link(), link_);
            if (!n) return unexpected(n.error());
            e.kind = field::vlo;
            e.val = lwm2m::value::of_string(std::string_view(link_, *n));
            break;
        }
    }
    return e;
}

entry grouper::path_entry(const lwm2m::path& p,
                          char (&buf)[lwm2m::path::max_text_length]) noexcept {
    entry e;
    auto n = p.format(buf);
    e.n = std::string_view(buf, n ? *n : 0);
    return e;
}

}  // namespace sirocco::codec::senml
