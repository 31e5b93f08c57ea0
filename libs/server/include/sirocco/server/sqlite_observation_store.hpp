// An observation store in a SQLite file (issue 6: observations survive a
// restart of the server; the engine resumes them by token, see
// server_engine.hpp).
//
// Host-only (links libsqlite3). Same semantics as memory_observation_store
// (dm.hpp); every function copies values in and out. The file may be the
// same one as the sqlite_registration_store's (its own table and schema
// version row; both use WAL).
//
// File layout (schema version 1, journal_mode=WAL):
//   observation_schema(version)        one row, 1
//   observations(id PRIMARY KEY, endpoint, registration_id, paths, composite,
//                format, token, created_at)
//   index on registration_id.
// `paths` is the paths as text joined by ',' ("/3303/0/5700,/3/0/0"),
// `token` the token bytes in lower-case hex, `format` NULL when no Accept
// was asked for.
//
// Errors: SQLite failures become errc::io_error; another schema version
// gives errc::unsupported. The reason of an open() error names the path; it
// points into a thread-local buffer valid until the next failed open() on the
// same thread. The const lookups cannot return errors: on a SQLite failure
// they return nothing / empty and set last_error_text(). A row that does not
// read back (a path that does not parse, bad hex) is skipped and reported
// the same way.
//
// Not thread-safe: one store object is used by one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "sirocco/server/dm.hpp"

struct sqlite3;

namespace sirocco::server {

class sqlite_observation_store final : public observation_store {
  public:
    /// Opens (creating when missing) the store in the file `path`.
    /// Errors: io_error (cannot open or create the file, cannot set up the
    /// schema), unsupported (another schema version).
    static result<std::unique_ptr<sqlite_observation_store>> open(const std::string& path);

    ~sqlite_observation_store() override;
    sqlite_observation_store(const sqlite_observation_store&) = delete;
    sqlite_observation_store& operator=(const sqlite_observation_store&) = delete;

    result<void> add(const observation& o) override;
    result<observation> remove(std::string_view id) override;
    std::vector<observation> remove_by_registration(std::string_view registration_id) override;
    std::optional<observation> find(std::string_view id) const override;
    std::vector<observation> find_by_registration(std::string_view registration_id) const override;
    std::vector<observation> list() const override;

    /// The SQLite message of the last failure ("" when none).
    const std::string& last_error_text() const noexcept { return last_error_; }
    const std::string& path() const noexcept { return path_; }

  private:
    sqlite_observation_store(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
    std::vector<observation> select(const char* where, std::string_view key) const;
    sqlite3* db_ = nullptr;
    std::string path_;
    mutable std::string last_error_;
};

}  // namespace sirocco::server
