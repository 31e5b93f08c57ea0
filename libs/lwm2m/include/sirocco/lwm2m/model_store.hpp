// An owning store of object models (host only: std::string, std::vector).
//
// The DDF loader (ddf.hpp) fills a model_store; codecs, the server and tools
// look models up through the model_provider interface (model.hpp). The store
// keeps several versions of one object side by side (e.g. Device 1.0 and
// 1.2, OMA LwM2M Core TS 1.2, 7.2.2: a client announces the version it
// implements in its registration "</3/0>;ver=1.0").
//
// Ownership: every object_model, resource_model and string_view the store
// hands out points into storage owned by the store. Those views stay valid
// until the store is destroyed; adding more models never moves them (the
// entries live in a std::deque and are never modified after add()). The
// store is neither copyable nor movable, so views cannot dangle through a
// moved-from store.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sirocco/base/result.hpp"
#include "sirocco/lwm2m/model.hpp"

namespace sirocco::lwm2m {

class model_store final : public model_provider {
  public:
    model_store() = default;
    model_store(const model_store&) = delete;
    model_store& operator=(const model_store&) = delete;
    ~model_store() = default;

    /// Deep-copies `m` (strings and resources) into the store. `source`
    /// (e.g. the DDF file name) is kept for diagnostics, see source_of().
    /// Resources are stored sorted by id. Returns the stored model.
    /// Errors:
    ///  - invalid_argument "object with this id and version is already in the
    ///    store" (the first one is kept);
    ///  - invalid_argument "duplicate resource id in object".
    result<const object_model*> add(const object_model& m, std::string_view source = {});

    /// model_provider: with a version, the model whose object_version equals
    /// it (compared as major.minor, so "1.0" == "1.00"); without, the newest
    /// version. When the store has none, asks the fallback provider (if
    /// set). nullptr when nobody knows the object.
    const object_model* find(object_id oid, std::string_view version = {}) const noexcept override;

    /// Provider asked when the store has no model for a lookup, e.g.
    /// builtin_provider(). Not owned; must outlive the store's use. nullptr
    /// (the default) disables the fallback.
    void set_fallback(const model_provider* fallback) noexcept { fallback_ = fallback; }

    /// All versions of one object in the store, newest first (no fallback).
    std::vector<const object_model*> versions(object_id oid) const;
    /// Every stored model, sorted by object id, then version (oldest first).
    std::vector<const object_model*> all() const;
    /// The `source` given to add() for a stored model; "" when unknown.
    std::string_view source_of(const object_model* m) const noexcept;

    std::size_t size() const noexcept { return entries_.size(); }
    bool empty() const noexcept { return entries_.empty(); }
    /// Total number of resources over all stored models.
    std::size_t resource_count() const noexcept { return resource_count_; }

  private:
    struct owned_resource {
        std::string name, range_enumeration, units, description;
    };
    struct entry {
        std::string name, description, object_version, lwm2m_version, urn, source;
        std::vector<owned_resource> strings;
        std::vector<resource_model> resources;
        object_model model;
    };
    std::deque<entry> entries_;
    /// object id -> entries, newest version first.
    std::map<std::uint16_t, std::vector<const entry*>> index_;
    std::size_t resource_count_ = 0;
    const model_provider* fallback_ = nullptr;
};

}  // namespace sirocco::lwm2m
