// The SQLite security store (see security_store_sqlite.hpp).
#include <sqlite3.h>

#include <cstdint>

#include "sirocco/server/security_store_sqlite.hpp"
#include "sqlite_util.hpp"

namespace sirocco::server {
namespace {

constexpr int schema_version = 1;

using sqlite_util::exec;
using sqlite_util::stmt;

// One SQL text per lookup (kept prepared in the statement cache).
constexpr const char* select_by_endpoint =
    "SELECT endpoint, mode, psk_identity, psk_key, public_key FROM security WHERE endpoint = ?1";
constexpr const char* select_by_identity =
    "SELECT endpoint, mode, psk_identity, psk_key, public_key FROM security WHERE psk_identity = "
    "?1";
constexpr const char* select_by_key =
    "SELECT endpoint, mode, psk_identity, psk_key, public_key FROM security WHERE public_key = ?1";
constexpr const char* select_all =
    "SELECT endpoint, mode, psk_identity, psk_key, public_key FROM security ORDER BY endpoint";

}  // namespace

sqlite_security_store::sqlite_security_store(sqlite3* db)
    : db_(db), cache_(std::make_unique<sqlite_util::statement_cache>(db)) {}

result<std::unique_ptr<sqlite_security_store>> sqlite_security_store::open(
    const std::string& path) {
    thread_local std::string open_error;
    sqlite3* db = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
        open_error = "cannot open SQLite security store '" + path +
                     "': " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return unexpected(errc::io_error, open_error.c_str());
    }
    std::unique_ptr<sqlite_security_store> s(new sqlite_security_store(db));
    sqlite3_busy_timeout(db, 2000);
    const char* setup =
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE IF NOT EXISTS security_schema (version INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS security ("
        " endpoint TEXT PRIMARY KEY NOT NULL, mode TEXT NOT NULL,"
        " psk_identity TEXT UNIQUE, psk_key BLOB, public_key BLOB UNIQUE);";
    if (!exec(db, setup, s->last_error_)) {
        open_error = "cannot set up SQLite security store '" + path + "': " + s->last_error_;
        return unexpected(errc::io_error, open_error.c_str());
    }
    bool unsupported = false;
    open_error = sqlite_util::check_schema(db, "security_schema", schema_version,
                                           "SQLite security store '" + path + "'", unsupported);
    if (!open_error.empty())
        return unexpected(unsupported ? errc::unsupported : errc::io_error, open_error.c_str());
    return s;
}

sqlite_security_store::~sqlite_security_store() {
    cache_.reset();  // finalized before the connection closes
    sqlite3_close(db_);
}

std::vector<security_entry> sqlite_security_store::select(const char* sql,
                                                          std::string_view text_key,
                                                          bytes_view blob_key) const {
    stmt q(*cache_, sql);
    std::vector<security_entry> out;
    if (!q.ok()) {
        last_error_ = std::string("SQLite prepare failed: ") + sqlite3_errmsg(db_);
        return out;
    }
    if (!text_key.empty()) q.text(1, text_key);
    if (!blob_key.empty()) q.blob(1, blob_key.data(), blob_key.size());
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        security_entry e;
        e.endpoint = q.col_text(0);
        auto m = parse_security_mode(q.col_text(1));
        if (!m) {
            last_error_ = "row of endpoint '" + e.endpoint + "' has an unknown mode";
            continue;
        }
        e.mode = *m;
        e.psk_identity = q.col_text(2);
        e.psk_key = q.col_blob(3);
        e.public_key = q.col_blob(4);
        out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) last_error_ = std::string("SQLite step failed: ") + sqlite3_errmsg(db_);
    return out;
}

result<put_outcome> sqlite_security_store::put(const security_entry& e) {
    SIROCCO_TRY(check_entry(e));
    if (e.mode == security_mode::psk) {
        if (auto other = find_by_psk_identity(e.psk_identity);
            other && other->endpoint != e.endpoint)
            return unexpected(errc::not_allowed,
                              "tls.details.identity: already used by another endpoint");
    }
    if (e.mode == security_mode::rpk) {
        if (auto other = find_by_public_key(bytes_view(e.public_key.data(), e.public_key.size()));
            other && other->endpoint != e.endpoint)
            return unexpected(errc::not_allowed,
                              "tls.details.key: already used by another endpoint");
    }
    const bool existed = get(e.endpoint).has_value();
    stmt q(*cache_,
           "INSERT OR REPLACE INTO security (endpoint, mode, psk_identity, psk_key, public_key) "
           "VALUES (?1, ?2, ?3, ?4, ?5)");
    q.text(1, e.endpoint);
    q.text(2, to_string(e.mode));
    if (e.mode == security_mode::psk) {
        q.text(3, e.psk_identity);
        q.blob(4, e.psk_key.data(), e.psk_key.size());
    } else {
        q.null(3);
        q.null(4);
    }
    if (e.mode == security_mode::rpk)
        q.blob(5, e.public_key.data(), e.public_key.size());
    else
        q.null(5);
    if (q.step() != SQLITE_DONE) {
        last_error_ = sqlite3_errmsg(db_);
        return unexpected(errc::io_error, "SQLite: cannot write the security entry");
    }
    return existed ? put_outcome::replaced : put_outcome::created;
}

std::optional<security_entry> sqlite_security_store::get(std::string_view endpoint) const {
    if (endpoint.empty()) return std::nullopt;
    auto v = select(select_by_endpoint, endpoint, {});
    if (v.empty()) return std::nullopt;
    return std::move(v.front());
}

result<security_entry> sqlite_security_store::remove(std::string_view endpoint) {
    auto e = get(endpoint);
    if (!e) return unexpected(errc::not_found, "no security entry for this endpoint");
    stmt q(*cache_, "DELETE FROM security WHERE endpoint = ?1");
    q.text(1, endpoint);
    if (q.step() != SQLITE_DONE) {
        last_error_ = sqlite3_errmsg(db_);
        return unexpected(errc::io_error, "SQLite: cannot delete the security entry");
    }
    return std::move(*e);
}

std::vector<security_entry> sqlite_security_store::list() const {
    return select(select_all, {}, {});
}

std::optional<security_entry> sqlite_security_store::find_by_psk_identity(
    std::string_view identity) const {
    if (identity.empty()) return std::nullopt;
    auto v = select(select_by_identity, identity, {});
    if (v.empty()) return std::nullopt;
    return std::move(v.front());
}

std::optional<security_entry> sqlite_security_store::find_by_public_key(bytes_view spki) const {
    if (spki.empty()) return std::nullopt;
    auto v = select(select_by_key, {}, spki);
    if (v.empty()) return std::nullopt;
    return std::move(v.front());
}

}  // namespace sirocco::server
