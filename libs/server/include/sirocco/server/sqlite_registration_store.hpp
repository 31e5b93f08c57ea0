// A registration store in a SQLite file (issue 6: registrations survive a
// restart of the server, so that clients need not register again).
//
// Host-only (links libsqlite3). Same semantics as memory_registration_store
// (registration_store.hpp); every function copies values in and out.
//
// File layout (schema version 1, journal_mode=WAL, synchronous=NORMAL: a
// commit is in the WAL when add()/update()/remove() return, so it survives a
// crash of the process; a power loss may undo the last commits, never
// corrupt the file; those clients register again):
//   schema_version(version)            one row, 1
//   registrations(endpoint PRIMARY KEY, id UNIQUE, lwm2m_version, lifetime_s,
//                 binding, queue_mode, object_links, peer, address,
//                 registered_at, updated_at, expires_at)
//   index on expires_at (take_expired / next_expiry).
// The object list is stored as CoRE link-format text (RFC 6690, as in a
// Register payload, Core TS 1.2 6.2.1) and read back with parse_object_list.
//
// Peers after a restart: a peer_id is assigned by the runtime and means
// nothing to the next process. open() therefore clears every stored peer:
// a reopened registration has peer == peer_id{} ("unknown") and
// find_by_peer() does not find it until the server hears from the client
// again and calls add() / update() with the new peer. `address` (the text
// form of the transport address) is kept, so the server can still reach it.
//
// Errors: SQLite failures become errc::io_error; a file that is not a store
// of this schema gives errc::unsupported. The reason of an open() error names
// the path; it points into a thread-local buffer valid until the next failed
// open() on the same thread. Other reasons are static text; the SQLite
// message of the last failure is in last_error_text(). The const lookups
// (find_*, list, next_expiry) cannot return errors: on a SQLite failure they
// return nothing / empty and set last_error_text(). A row whose object list
// text no longer parses is skipped by lookups (and reported the same way).
//
// Not thread-safe: one store object is used by one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "sirocco/server/registration_store.hpp"

struct sqlite3;

namespace sirocco::server {

namespace sqlite_util {
class statement_cache;
}

class sqlite_registration_store final : public registration_store {
  public:
    /// Opens (creating when missing) the store in the file `path`.
    /// Errors: io_error (cannot open or create the file, cannot set up the
    /// schema), unsupported (another schema version).
    static result<std::unique_ptr<sqlite_registration_store>> open(const std::string& path);

    ~sqlite_registration_store() override;
    sqlite_registration_store(const sqlite_registration_store&) = delete;
    sqlite_registration_store& operator=(const sqlite_registration_store&) = delete;

    result<std::optional<registration>> add(const registration& r) override;
    result<void> update(const registration& r) override;
    result<registration> remove(std::string_view id) override;
    std::optional<registration> find_by_endpoint(std::string_view endpoint) const override;
    std::optional<registration> find_by_id(std::string_view id) const override;
    std::vector<registration> find_by_peer(peer_id peer) const override;
    std::vector<registration> list() const override;
    std::vector<registration> take_expired(time_ms now) override;
    std::optional<time_ms> next_expiry() const override;

    /// The SQLite message of the last failure ("" when none).
    const std::string& last_error_text() const noexcept { return last_error_; }
    const std::string& path() const noexcept { return path_; }

  private:
    sqlite_registration_store(sqlite3* db, std::string path);
    sqlite3* db_ = nullptr;
    std::unique_ptr<sqlite_util::statement_cache> cache_;
    std::string path_;
    mutable std::string last_error_;
    friend struct sqlite_access;
};

/// The link-format text the store keeps for an object list; parse_object_list
/// reads it back to an equal object_list.
std::string format_object_list(const object_list& l);

}  // namespace sirocco::server
