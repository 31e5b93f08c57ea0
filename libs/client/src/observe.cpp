// Observation set and notification timing (see observe.hpp for the rules).
#include "sirocco/client/observe.hpp"

#include <cmath>

namespace sirocco::client {

namespace {

constexpr observe_time ms(std::uint32_t seconds) noexcept {
    return static_cast<observe_time>(seconds) * 1000u;
}

struct periods {
    observe_time pmin = 0;
    std::optional<observe_time> pmax;
    observe_time epmin = 0;
    std::optional<observe_time> epmax;
};

periods periods_of(const codec::link::attributes& a) noexcept {
    periods p;
    if (a.pmin.is_set()) p.pmin = ms(a.pmin.value);
    if (a.pmax.is_set() && a.pmax.value > 0 && ms(a.pmax.value) >= p.pmin)
        p.pmax = ms(a.pmax.value);
    if (a.epmin.is_set()) p.epmin = ms(a.epmin.value);
    if (a.epmax.is_set() && a.epmax.value > 0 && ms(a.epmax.value) >= p.epmin)
        p.epmax = ms(a.epmax.value);
    return p;
}

// Whether a change from `last` to `cur` meets the set conditions.
// `seen`: the value of the previous evaluation (edges are between samples).
bool conditions_met(const codec::link::attributes& a, double last, double seen,
                    double cur) noexcept {
    if (a.edge.is_set()) {
        // Boolean resources (LwM2M 1.2): edge=1 rising (false -> true), 0 falling.
        const double to = a.edge.value == 1 ? 1.0 : 0.0;
        if (seen != cur && cur == to) return true;
    }
    if (a.gt.is_set()) {
        double g = a.gt.value;
        if ((last <= g && cur > g) || (cur <= g && last > g)) return true;
    }
    if (a.lt.is_set()) {
        double l = a.lt.value;
        if ((cur < l && last >= l) || (last < l && cur >= l)) return true;
    }
    if (a.st.is_set() && std::fabs(cur - last) >= a.st.value) return true;
    return false;
}

}  // namespace

std::optional<double> observation_set::numeric_value(data_model& dm,
                                                     const lwm2m::path& p) noexcept {
    if (p.depth() < 3) return std::nullopt;
    object* o = dm.find(p.object().value());
    if (o == nullptr) return std::nullopt;
    const resource_def* d = o->def().find(p.resource().value());
    if (d == nullptr || (d->multiple && !p.is_resource_instance())) return std::nullopt;
    if (d->type != data_type::integer && d->type != data_type::unsigned_integer &&
        d->type != data_type::float_ && d->type != data_type::time && d->type != data_type::boolean)
        return std::nullopt;
    if (!o->has_instance(p.instance().value())) return std::nullopt;
    std::uint8_t buf[16];
    std::optional<std::uint16_t> riid;
    if (p.is_resource_instance()) riid = p.resource_instance().value();
    auto v = o->read(p.instance().value(), d->id, riid, mutable_bytes(buf, sizeof buf));
    if (!v) return std::nullopt;
    if (v->type() == data_type::boolean) return v->boolean() ? 1.0 : 0.0;
    auto f = v->as_float();
    if (!f) return std::nullopt;
    return *f;
}

result<void> observation_set::add(ssid server, std::span<const lwm2m::path> paths,
                                  std::uint16_t format, std::uint32_t handle, observe_time now,
                                  std::optional<double> value) noexcept {
    if (paths.empty()) return unexpected(errc::invalid_argument, "an observation needs a path");
    if (paths.size() > max_paths)
        return unexpected(errc::capacity_exceeded, "too many paths in one observation");
    (void)remove(handle);
    observation* o = obs_.emplace_back();
    if (o == nullptr) return unexpected(errc::capacity_exceeded, "observation table is full");
    o->handle = handle;
    o->server = server;
    for (const auto& p : paths)
        (void)o->paths.push_back(p);
    o->format = format;
    o->last_notify = now;
    o->last_eval = now;
    o->last_value = paths.size() == 1 ? value : std::nullopt;
    o->last_seen = o->last_value;
    return {};
}

bool observation_set::remove(std::uint32_t handle) noexcept {
    for (std::size_t i = 0; i < obs_.size(); ++i)
        if (obs_[i].handle == handle) {
            obs_.erase_at(i);
            return true;
        }
    return false;
}

std::size_t observation_set::remove_server(ssid server) noexcept {
    std::size_t n = 0;
    for (std::size_t i = obs_.size(); i > 0; --i)
        if (obs_[i - 1].server == server) {
            obs_.erase_at(i - 1);
            ++n;
        }
    return n;
}

void observation_set::changed(const lwm2m::path& p, observe_time) noexcept {
    for (auto& o : obs_)
        for (const auto& q : o.paths)
            if (q.overlaps(p)) {
                o.pending = true;
                break;
            }
}

observation* observation_set::find_mut(std::uint32_t handle) noexcept {
    for (auto& o : obs_)
        if (o.handle == handle) return &o;
    return nullptr;
}

const observation* observation_set::find(std::uint32_t handle) const noexcept {
    for (const auto& o : obs_)
        if (o.handle == handle) return &o;
    return nullptr;
}

std::optional<observe_time> observation_set::next_deadline(const data_model& dm) const noexcept {
    std::optional<observe_time> best;
    auto consider = [&](observe_time t) {
        if (!best || t < *best) best = t;
    };
    for (const auto& o : obs_) {
        if (o.due) {
            consider(o.last_notify);
            continue;
        }
        auto a = dm.effective_attributes(o.server, o.paths[0]);
        auto pr = periods_of(a);
        const observe_time after_pmin = o.last_notify + pr.pmin;
        if (pr.pmax) consider(o.last_notify + *pr.pmax);
        if (o.pending) {
            observe_time t = after_pmin;
            if (o.last_eval + pr.epmin > t) t = o.last_eval + pr.epmin;
            consider(t);
        }
        if (pr.epmax) {
            observe_time t = o.last_eval + *pr.epmax;
            consider(t > after_pmin ? t : after_pmin);
        }
    }
    return best;
}

bool observation_set::evaluate(data_model& dm, observation& o, observe_time now,
                               bool sample) noexcept {
    auto a = dm.effective_attributes(o.server, o.paths[0]);
    o.last_eval = now;
    std::optional<double> cur;
    if (o.paths.size() == 1) cur = numeric_value(dm, o.paths[0]);
    o.sampled = cur;
    const std::optional<double> seen = o.last_seen ? o.last_seen : o.last_value;
    o.last_seen = cur;
    const bool conditional = a.gt.is_set() || a.lt.is_set() || a.st.is_set() || a.edge.is_set();
    const bool was_pending = o.pending;
    o.pending = false;
    if (!cur || !o.last_value) return was_pending || (sample && cur.has_value());
    if (conditional) return conditions_met(a, *o.last_value, seen ? *seen : *o.last_value, *cur);
    return was_pending || *cur != *o.last_value;
}

std::optional<std::uint32_t> observation_set::poll_due(data_model& dm, observe_time now) noexcept {
    for (auto& o : obs_) {
        if (o.due) return o.handle;
        auto a = dm.effective_attributes(o.server, o.paths[0]);
        auto pr = periods_of(a);
        if (pr.pmax && now >= o.last_notify + *pr.pmax) {
            if (o.paths.size() == 1) o.sampled = numeric_value(dm, o.paths[0]);
            o.due = true;
            return o.handle;
        }
        if (now < o.last_notify + pr.pmin) continue;
        const bool eval_ready = now >= o.last_eval + pr.epmin;
        const bool sample = pr.epmax && now >= o.last_eval + *pr.epmax;
        if ((o.pending && eval_ready) || sample) {
            if (evaluate(dm, o, now, sample)) {
                o.due = true;
                return o.handle;
            }
        }
    }
    return std::nullopt;
}

void observation_set::notified(std::uint32_t handle, observe_time now,
                               std::optional<double> value) noexcept {
    observation* o = find_mut(handle);
    if (o == nullptr) return;
    o->last_notify = now;
    o->last_eval = now;
    if (value)
        o->last_value = value;
    else if (o->paths.size() == 1)
        o->last_value = o->sampled;
    o->sampled.reset();
    o->last_seen = o->last_value;
    o->pending = false;
    o->due = false;
}

}  // namespace sirocco::client
