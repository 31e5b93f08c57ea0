// SQLite helpers shared by the server's SQLite stores (host-only, private
// to libs/server/src/host_sqlite).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sirocco::server::sqlite_util {

/// Prepared statements kept for the life of a connection, by SQL text
/// (preparing costs more than running the small statements of the stores).
/// Finalized before the connection is closed (destroy it first).
class statement_cache {
  public:
    explicit statement_cache(sqlite3* db) : db_(db) {}
    ~statement_cache() {
        for (auto& [sql, st] : map_)
            sqlite3_finalize(st);
    }
    statement_cache(const statement_cache&) = delete;
    statement_cache& operator=(const statement_cache&) = delete;
    /// nullptr when the SQL does not prepare.
    sqlite3_stmt* get(const char* sql) {
        auto it = map_.find(sql);
        if (it != map_.end()) return it->second;
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK)
            return nullptr;
        map_.emplace(sql, st);
        return st;
    }
    sqlite3* db() const noexcept { return db_; }

  private:
    sqlite3* db_;
    std::unordered_map<std::string, sqlite3_stmt*> map_;
};

// One prepared statement, finalized on scope exit (or, when borrowed from a
// statement_cache, reset and its bindings cleared).
class stmt {
  public:
    stmt(sqlite3* db, const char* sql) {
        if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
    }
    stmt(statement_cache& c, const char* sql) : s_(c.get(sql)), cached_(true) {}
    ~stmt() {
        if (!cached_) {
            sqlite3_finalize(s_);
        } else if (s_ != nullptr) {
            sqlite3_reset(s_);
            sqlite3_clear_bindings(s_);
        }
    }
    stmt(const stmt&) = delete;
    stmt& operator=(const stmt&) = delete;
    bool ok() const noexcept { return s_ != nullptr; }
    void text(int i, std::string_view v) {
        if (s_) sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    void integer(int i, std::int64_t v) {
        if (s_) sqlite3_bind_int64(s_, i, v);
    }
    void null(int i) {
        if (s_) sqlite3_bind_null(s_, i);
    }
    void blob(int i, const void* data, std::size_t n) {
        if (s_) sqlite3_bind_blob(s_, i, data, static_cast<int>(n), SQLITE_TRANSIENT);
    }
    /// SQLITE_ROW, SQLITE_DONE or an error code.
    int step() { return s_ ? sqlite3_step(s_) : SQLITE_ERROR; }
    std::string col_text(int i) const {
        auto* p = sqlite3_column_text(s_, i);
        return p ? std::string(reinterpret_cast<const char*>(p),
                               static_cast<std::size_t>(sqlite3_column_bytes(s_, i)))
                 : std::string();
    }
    std::int64_t col_int(int i) const { return sqlite3_column_int64(s_, i); }
    std::vector<std::uint8_t> col_blob(int i) const {
        const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, i));
        const auto n = static_cast<std::size_t>(sqlite3_column_bytes(s_, i));
        return p ? std::vector<std::uint8_t>(p, p + n) : std::vector<std::uint8_t>();
    }
    bool col_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }

  private:
    sqlite3_stmt* s_ = nullptr;
    bool cached_ = false;
};

/// Runs `sql` (no results); on failure `err` says which statement and why.
inline bool exec(sqlite3* db, const char* sql, std::string& err) {
    char* msg = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &msg);
    if (rc != SQLITE_OK) {
        err = std::string(sql) + ": " + (msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return false;
    }
    return true;
}

/// The schema version of a store, kept in the one-row table `table`: a new
/// database gets `version` written; another version is refused. `what` names
/// the store in the reason ("SQLite registration store '<path>'"). Returns ""
/// when fine, else the reason; `unsupported` then tells a database of another
/// version (true) from one that cannot be read (false).
inline std::string check_schema(sqlite3* db, const std::string& table, int version,
                                const std::string& what, bool& unsupported) {
    unsupported = false;
    stmt q(db, ("SELECT version FROM " + table).c_str());
    const int step = q.step();
    if (step == SQLITE_ROW) {
        if (q.col_int(0) == version) return {};
        unsupported = true;
        return what + " has schema version " + std::to_string(q.col_int(0)) + ", expected " +
               std::to_string(version);
    }
    std::string err;
    if (step == SQLITE_DONE &&
        exec(db,
             ("INSERT INTO " + table + " (version) VALUES (" + std::to_string(version) + ")")
                 .c_str(),
             err))
        return {};
    return "cannot read the schema version of " + what + ": " + sqlite3_errmsg(db);
}

}  // namespace sirocco::server::sqlite_util
