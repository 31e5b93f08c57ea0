// The security store in a SQLite file (security_store.hpp), so that the
// entries added through the REST API survive a restart. The runtime uses
// the same file as the registration and observation stores
// (data_dir/sirocco.db), each with its own connection and tables.
//
// Host-only (links libsqlite3). Same semantics as memory_security_store.
//
// Tables (schema version 1, journal_mode=WAL):
//   security_schema(version)         one row, 1
//   security(endpoint TEXT PRIMARY KEY, mode TEXT, psk_identity TEXT UNIQUE
//            (NULL unless psk), psk_key BLOB, public_key BLOB UNIQUE (NULL
//            unless rpk))
// Keys are BLOBs. The UNIQUE constraints are the uniqueness rules of put():
// the store checks them first so that the error says which field.
//
// Errors: SQLite failures are io_error with a static reason; the SQLite
// message is in last_error_text(). open()'s reason names the path (a
// thread-local buffer valid until the next failed open() on the thread).
// The const lookups cannot return errors: on a SQLite failure they return
// nothing and set last_error_text().
//
// Not thread-safe: one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "sirocco/server/security_store.hpp"

struct sqlite3;

namespace sirocco::server {

namespace sqlite_util {
class statement_cache;
}

class sqlite_security_store final : public security_store {
  public:
    /// Opens (creating when missing) the store in the file `path`.
    /// Errors: io_error (cannot open or create the file or its tables),
    /// unsupported (another schema version of the security tables).
    static result<std::unique_ptr<sqlite_security_store>> open(const std::string& path);

    ~sqlite_security_store() override;
    sqlite_security_store(const sqlite_security_store&) = delete;
    sqlite_security_store& operator=(const sqlite_security_store&) = delete;

    result<put_outcome> put(const security_entry& e) override;
    std::optional<security_entry> get(std::string_view endpoint) const override;
    result<security_entry> remove(std::string_view endpoint) override;
    std::vector<security_entry> list() const override;
    std::optional<security_entry> find_by_psk_identity(std::string_view identity) const override;
    std::optional<security_entry> find_by_public_key(bytes_view spki) const override;

    /// The SQLite message of the last failure ("" when none).
    const std::string& last_error_text() const noexcept { return last_error_; }

  private:
    explicit sqlite_security_store(sqlite3* db);
    std::vector<security_entry> select(const char* sql, std::string_view text_key,
                                       bytes_view blob_key) const;
    sqlite3* db_ = nullptr;
    /// Prepared statements kept while the connection lives (a handshake
    /// looks an identity up; preparing would cost more than the lookup).
    std::unique_ptr<sqlite_util::statement_cache> cache_;
    mutable std::string last_error_;
};

}  // namespace sirocco::server
