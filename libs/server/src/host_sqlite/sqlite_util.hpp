// SQLite helpers shared by the server's SQLite stores (host-only, private
// to libs/server/src/host_sqlite).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sirocco::server::sqlite_util {

// One prepared statement, finalized on scope exit.
class stmt {
  public:
    stmt(sqlite3* db, const char* sql) {
        if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
    }
    ~stmt() { sqlite3_finalize(s_); }
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

}  // namespace sirocco::server::sqlite_util
