// The in-memory registration store (registration_store.hpp): a slab of
// compact entries, hash indexes by endpoint, id and peer, shared profiles,
// and a lazy min-heap of expiry times.
#include "sirocco/server/registration_store.hpp"

#include <algorithm>
#include <functional>
#include <unordered_map>
#include <unordered_set>

namespace sirocco::server {
namespace {

/// What devices of one kind register alike, kept once.
struct profile {
    std::string lwm2m_version;
    std::string binding;
    object_list objects;
    mutable std::size_t refs = 0;
    friend bool operator==(const profile& a, const profile& b) {
        return a.lwm2m_version == b.lwm2m_version && a.binding == b.binding &&
               a.objects == b.objects;
    }
};

void mix(std::size_t& h, std::size_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
}

std::size_t hash_of(const std::string& version, const std::string& binding,
                    const object_list& objects) noexcept {
    std::size_t h = std::hash<std::string>{}(version);
    mix(h, std::hash<std::string>{}(binding));
    mix(h, std::hash<std::string>{}(objects.root_path));
    for (auto c : objects.content_formats)
        mix(h, c);
    for (const auto& o : objects.objects) {
        mix(h, o.id);
        mix(h, std::hash<std::string>{}(o.version));
        for (auto i : o.instances)
            mix(h, i);
    }
    return h;
}

/// The profile of a registration, without copying it (lookups).
struct profile_view {
    const registration& r;
};

struct profile_hash {
    using is_transparent = void;
    std::size_t operator()(const profile& p) const noexcept {
        return hash_of(p.lwm2m_version, p.binding, p.objects);
    }
    std::size_t operator()(const profile_view& v) const noexcept {
        return hash_of(v.r.lwm2m_version, v.r.binding, v.r.objects);
    }
};

struct profile_eq {
    using is_transparent = void;
    bool operator()(const profile& a, const profile& b) const { return a == b; }
    bool operator()(const profile_view& v, const profile& p) const {
        return v.r.lwm2m_version == p.lwm2m_version && v.r.binding == p.binding &&
               v.r.objects == p.objects;
    }
    bool operator()(const profile& p, const profile_view& v) const { return (*this)(v, p); }
};

/// Transparent hashing of string keys (lookups by string_view).
struct sv_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

struct entry {
    std::string endpoint;
    std::string id;
    std::string address;
    const profile* prof = nullptr;
    time_ms registered_at = 0;
    time_ms updated_at = 0;
    std::uint32_t lifetime_s = 0;
    peer_id peer;
    std::uint32_t gen = 0;  ///< bumped on every change of the expiry (heap items)
    bool queue_mode = false;
    bool used = false;
    time_ms expires_at() const noexcept {
        return updated_at + static_cast<time_ms>(lifetime_s) * 1000u;
    }
};

struct heap_item {
    time_ms at = 0;
    std::uint32_t slot = 0;
    std::uint32_t gen = 0;
    friend bool operator>(const heap_item& a, const heap_item& b) { return a.at > b.at; }
};

}  // namespace

struct memory_registration_store::impl {
    /// Entries in chunks of 256 (stable addresses: the indexes view their
    /// strings), reused through free_slots.
    struct slab_t {
        static constexpr std::uint32_t chunk = 256;
        std::vector<std::unique_ptr<entry[]>> chunks;
        std::uint32_t count = 0;
        entry& operator[](std::uint32_t i) { return chunks[i / chunk][i % chunk]; }
        const entry& operator[](std::uint32_t i) const { return chunks[i / chunk][i % chunk]; }
        std::uint32_t size() const noexcept { return count; }
        void grow() {
            if (count % chunk == 0) chunks.push_back(std::make_unique<entry[]>(chunk));
            ++count;
        }
    } slab;
    std::vector<std::uint32_t> free_slots;
    std::unordered_map<std::string_view, std::uint32_t, sv_hash, std::equal_to<>> by_endpoint;
    std::unordered_map<std::string_view, std::uint32_t, sv_hash, std::equal_to<>> by_id;
    std::unordered_multimap<std::uint32_t, std::uint32_t> by_peer;
    std::unordered_set<profile, profile_hash, profile_eq> profiles;
    std::vector<heap_item> heap;  ///< min-heap by time; stale items skipped
    std::size_t live = 0;

    const profile* intern(const registration& r) {
        auto it = profiles.find(profile_view{r});
        if (it == profiles.end()) {
            profile key;
            key.lwm2m_version = r.lwm2m_version;
            key.binding = r.binding;
            key.objects = r.objects;
            it = profiles.insert(std::move(key)).first;
        }
        ++it->refs;
        return &*it;
    }
    void release(const profile* p) {
        if (p == nullptr || --p->refs != 0) return;
        if (auto it = profiles.find(*p); it != profiles.end()) profiles.erase(it);
    }
    registration value(const entry& e) const {
        registration r;
        r.endpoint = e.endpoint;
        r.id = e.id;
        r.lwm2m_version = e.prof->lwm2m_version;
        r.lifetime_s = e.lifetime_s;
        r.binding = e.prof->binding;
        r.queue_mode = e.queue_mode;
        r.objects = e.prof->objects;
        r.peer = e.peer;
        r.address = e.address;
        r.registered_at = e.registered_at;
        r.updated_at = e.updated_at;
        return r;
    }
    void unpeer(std::uint32_t slot) {
        auto [lo, hi] = by_peer.equal_range(slab[slot].peer.value());
        for (auto it = lo; it != hi; ++it)
            if (it->second == slot) {
                by_peer.erase(it);
                return;
            }
    }
    void push_expiry(std::uint32_t slot) {
        entry& e = slab[slot];
        ++e.gen;
        heap.push_back(heap_item{e.expires_at(), slot, e.gen});
        std::push_heap(heap.begin(), heap.end(), std::greater<>{});
        // Stale items (updates, removals) are dropped when they surface;
        // rebuild when they outnumber the live ones.
        if (heap.size() > 2 * live + 64) {
            std::vector<heap_item> fresh;
            fresh.reserve(live + live / 2 + 16);
            for (const auto& h : heap)
                if (valid(h)) fresh.push_back(h);
            std::make_heap(fresh.begin(), fresh.end(), std::greater<>{});
            heap = std::move(fresh);
        }
    }
    bool valid(const heap_item& h) const {
        return h.slot < slab.size() && slab[h.slot].used && slab[h.slot].gen == h.gen;
    }
    void drop_stale() {
        while (!heap.empty() && !valid(heap.front())) {
            std::pop_heap(heap.begin(), heap.end(), std::greater<>{});
            heap.pop_back();
        }
    }
    /// Stores `r` into `slot` (its strings, times, profile) and indexes it.
    void fill(std::uint32_t slot, const registration& r) {
        entry& e = slab[slot];
        e.endpoint = r.endpoint;
        e.id = r.id;
        e.address = r.address;
        e.prof = intern(r);
        e.registered_at = r.registered_at;
        e.updated_at = r.updated_at;
        e.lifetime_s = r.lifetime_s;
        e.peer = r.peer;
        e.queue_mode = r.queue_mode;
        e.used = true;
        by_endpoint.emplace(e.endpoint, slot);
        by_id.emplace(e.id, slot);
        by_peer.emplace(e.peer.value(), slot);
        push_expiry(slot);
    }
    /// Unindexes and frees `slot`; returns its value.
    registration take(std::uint32_t slot) {
        entry& e = slab[slot];
        registration r = value(e);
        by_endpoint.erase(std::string_view(e.endpoint));
        by_id.erase(std::string_view(e.id));
        unpeer(slot);
        release(e.prof);
        const std::uint32_t gen = e.gen;  // keeps growing: old heap items stay stale
        e = entry{};
        e.gen = gen;
        free_slots.push_back(slot);
        --live;
        return r;
    }
    std::uint32_t alloc() {
        if (!free_slots.empty()) {
            const std::uint32_t s = free_slots.back();
            free_slots.pop_back();
            return s;
        }
        slab.grow();
        return slab.size() - 1;
    }
};

memory_registration_store::memory_registration_store() : d_(std::make_unique<impl>()) {}
memory_registration_store::~memory_registration_store() = default;

result<std::optional<registration>> memory_registration_store::add(const registration& r) {
    if (r.endpoint.empty() || r.id.empty())
        return unexpected(errc::invalid_argument, "registration without endpoint or id");
    auto idit = d_->by_id.find(std::string_view(r.id));
    if (idit != d_->by_id.end() && d_->slab[idit->second].endpoint != r.endpoint)
        return unexpected(errc::invalid_argument, "registration id in use");
    std::optional<registration> old;
    if (auto it = d_->by_endpoint.find(std::string_view(r.endpoint)); it != d_->by_endpoint.end())
        old = d_->take(it->second);
    const std::uint32_t slot = d_->alloc();
    ++d_->live;
    d_->fill(slot, r);
    return old;
}

result<void> memory_registration_store::update(const registration& r) {
    auto idit = d_->by_id.find(std::string_view(r.id));
    if (idit == d_->by_id.end()) return unexpected(errc::not_found, "no such registration");
    const std::uint32_t slot = idit->second;
    entry& e = d_->slab[slot];
    if (e.endpoint != r.endpoint)
        return unexpected(errc::invalid_argument, "an update cannot change the endpoint");
    const profile* old = e.prof;
    if (old->lwm2m_version != r.lwm2m_version || old->binding != r.binding ||
        old->objects != r.objects) {
        e.prof = d_->intern(r);
        d_->release(old);
    }
    if (e.peer != r.peer) {
        d_->unpeer(slot);
        e.peer = r.peer;
        d_->by_peer.emplace(e.peer.value(), slot);
    }
    if (e.address != r.address) e.address = r.address;
    e.registered_at = r.registered_at;
    const bool moved = e.updated_at != r.updated_at || e.lifetime_s != r.lifetime_s;
    e.updated_at = r.updated_at;
    e.lifetime_s = r.lifetime_s;
    e.queue_mode = r.queue_mode;
    if (moved) d_->push_expiry(slot);
    return {};
}

result<registration> memory_registration_store::remove(std::string_view id) {
    auto idit = d_->by_id.find(id);
    if (idit == d_->by_id.end()) return unexpected(errc::not_found, "no such registration");
    return d_->take(idit->second);
}

std::optional<registration> memory_registration_store::find_by_endpoint(
    std::string_view endpoint) const {
    auto it = d_->by_endpoint.find(endpoint);
    if (it == d_->by_endpoint.end()) return std::nullopt;
    return d_->value(d_->slab[it->second]);
}

std::optional<registration> memory_registration_store::find_by_id(std::string_view id) const {
    auto it = d_->by_id.find(id);
    if (it == d_->by_id.end()) return std::nullopt;
    return d_->value(d_->slab[it->second]);
}

std::vector<registration> memory_registration_store::find_by_peer(peer_id peer) const {
    std::vector<registration> out;
    auto [lo, hi] = d_->by_peer.equal_range(peer.value());
    for (auto it = lo; it != hi; ++it)
        out.push_back(d_->value(d_->slab[it->second]));
    std::sort(out.begin(), out.end(),
              [](const registration& a, const registration& b) { return a.endpoint < b.endpoint; });
    return out;
}

std::vector<registration> memory_registration_store::list() const {
    std::vector<const entry*> es;
    es.reserve(d_->live);
    for (std::uint32_t i = 0; i < d_->slab.size(); ++i)
        if (d_->slab[i].used) es.push_back(&d_->slab[i]);
    std::sort(es.begin(), es.end(),
              [](const entry* a, const entry* b) { return a->endpoint < b->endpoint; });
    std::vector<registration> out;
    out.reserve(es.size());
    for (const auto* e : es)
        out.push_back(d_->value(*e));
    return out;
}

std::vector<registration> memory_registration_store::take_expired(time_ms now) {
    std::vector<registration> out;
    for (;;) {
        d_->drop_stale();
        if (d_->heap.empty() || d_->heap.front().at > now) break;
        const std::uint32_t slot = d_->heap.front().slot;
        std::pop_heap(d_->heap.begin(), d_->heap.end(), std::greater<>{});
        d_->heap.pop_back();
        out.push_back(d_->take(slot));
    }
    std::sort(out.begin(), out.end(),
              [](const registration& a, const registration& b) { return a.endpoint < b.endpoint; });
    return out;
}

std::optional<time_ms> memory_registration_store::next_expiry() const {
    d_->drop_stale();
    if (d_->heap.empty()) return std::nullopt;
    return d_->heap.front().at;
}

std::size_t memory_registration_store::size() const noexcept {
    return d_->live;
}

std::size_t memory_registration_store::profile_count() const noexcept {
    return d_->profiles.size();
}

}  // namespace sirocco::server
