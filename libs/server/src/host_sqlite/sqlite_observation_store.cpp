// The SQLite observation store (see sqlite_observation_store.hpp).
#include "sirocco/server/sqlite_observation_store.hpp"

#include "sqlite_util.hpp"

#include <sqlite3.h>

#include <cstdint>

namespace sirocco::server {
namespace {

constexpr int schema_version = 1;

using sqlite_util::exec;
using sqlite_util::stmt;

std::string hex(const std::vector<std::uint8_t>& b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (auto c : b) {
        s += digits[c >> 4];
        s += digits[c & 0xF];
    }
    return s;
}

std::optional<std::vector<std::uint8_t>> unhex(std::string_view s) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    if (s.size() % 2 != 0) return std::nullopt;
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i < s.size(); i += 2) {
        const int hi = nibble(s[i]), lo = nibble(s[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return out;
}

std::string join_paths(const std::vector<lwm2m::path>& paths) {
    std::string s;
    for (const auto& p : paths) {
        if (!s.empty()) s += ',';
        s += lwm2m::path_text(p).view();
    }
    return s;
}

constexpr const char* columns =
    "id, endpoint, registration_id, paths, composite, format, token, created_at";

}  // namespace

result<std::unique_ptr<sqlite_observation_store>> sqlite_observation_store::open(
    const std::string& path) {
    thread_local std::string open_error;
    sqlite3* db = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
        open_error = "cannot open SQLite observation store '" + path +
                     "': " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return unexpected(errc::io_error, open_error.c_str());
    }
    std::unique_ptr<sqlite_observation_store> s(new sqlite_observation_store(db, path));
    sqlite3_busy_timeout(db, 2000);
    const char* setup =
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE IF NOT EXISTS observation_schema (version INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS observations ("
        " id TEXT PRIMARY KEY NOT NULL, endpoint TEXT NOT NULL, registration_id TEXT NOT NULL,"
        " paths TEXT NOT NULL, composite INTEGER NOT NULL, format INTEGER, token TEXT NOT NULL,"
        " created_at INTEGER NOT NULL);"
        "CREATE INDEX IF NOT EXISTS observations_by_registration ON observations "
        "(registration_id);";
    if (!exec(db, setup, s->last_error_)) {
        open_error = "cannot set up SQLite observation store '" + path + "': " + s->last_error_;
        return unexpected(errc::io_error, open_error.c_str());
    }
    bool unsupported = false;
    open_error = sqlite_util::check_schema(db, "observation_schema", schema_version,
                                           "SQLite observation store '" + path + "'", unsupported);
    if (!open_error.empty())
        return unexpected(unsupported ? errc::unsupported : errc::io_error, open_error.c_str());
    return s;
}

sqlite_observation_store::~sqlite_observation_store() {
    sqlite3_close(db_);
}

std::vector<observation> sqlite_observation_store::select(const char* where,
                                                          std::string_view key) const {
    const std::string sql = std::string("SELECT ") + columns + " FROM observations " + where;
    stmt q(db_, sql.c_str());
    std::vector<observation> out;
    if (!q.ok()) {
        last_error_ = std::string("SQLite prepare failed: ") + sqlite3_errmsg(db_);
        return out;
    }
    if (!key.empty()) q.text(1, key);
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        observation o;
        o.id = q.col_text(0);
        o.endpoint = q.col_text(1);
        o.registration_id = q.col_text(2);
        bool ok = true;
        const std::string paths = q.col_text(3);
        std::string_view rest = paths;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            auto p = lwm2m::path::parse(rest.substr(0, comma));
            if (!p) {
                ok = false;
                break;
            }
            o.paths.push_back(*p);
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
        o.composite = q.col_int(4) != 0;
        if (!q.col_null(5)) o.format = static_cast<content_format>(q.col_int(5));
        auto tok = unhex(q.col_text(6));
        if (!tok) ok = false;
        o.created_at = static_cast<time_ms>(q.col_int(7));
        if (!ok) {
            last_error_ = "stored observation " + o.id + " does not read back";
            continue;
        }
        o.token = std::move(*tok);
        out.push_back(std::move(o));
    }
    if (rc != SQLITE_DONE) last_error_ = std::string("SQLite read failed: ") + sqlite3_errmsg(db_);
    return out;
}

result<void> sqlite_observation_store::add(const observation& o) {
    if (o.id.empty() || o.endpoint.empty())
        return unexpected(errc::invalid_argument, "observation without id or endpoint");
    const std::string sql = std::string("INSERT OR REPLACE INTO observations (") + columns +
                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    stmt q(db_, sql.c_str());
    if (!q.ok()) {
        last_error_ = std::string("SQLite prepare failed: ") + sqlite3_errmsg(db_);
        return unexpected(errc::io_error, "SQLite prepare failed");
    }
    q.text(1, o.id);
    q.text(2, o.endpoint);
    q.text(3, o.registration_id);
    q.text(4, join_paths(o.paths));
    q.integer(5, o.composite ? 1 : 0);
    if (o.format)
        q.integer(6, static_cast<std::int64_t>(*o.format));
    else
        q.null(6);
    q.text(7, hex(o.token));
    q.integer(8, static_cast<std::int64_t>(o.created_at));
    if (q.step() != SQLITE_DONE) {
        last_error_ = std::string("SQLite write failed: ") + sqlite3_errmsg(db_);
        return unexpected(errc::io_error, "SQLite write failed");
    }
    return {};
}

result<observation> sqlite_observation_store::remove(std::string_view id) {
    auto rows = select("WHERE id = ?1", id);
    if (rows.empty()) return unexpected(errc::not_found, "no such observation");
    stmt q(db_, "DELETE FROM observations WHERE id = ?1");
    q.text(1, id);
    if (q.step() != SQLITE_DONE) {
        last_error_ = std::string("SQLite delete failed: ") + sqlite3_errmsg(db_);
        return unexpected(errc::io_error, "SQLite delete failed");
    }
    return std::move(rows.front());
}

std::vector<observation> sqlite_observation_store::remove_by_registration(
    std::string_view registration_id) {
    if (registration_id.empty()) return {};
    auto rows = select("WHERE registration_id = ?1 ORDER BY id", registration_id);
    stmt q(db_, "DELETE FROM observations WHERE registration_id = ?1");
    q.text(1, registration_id);
    if (q.step() != SQLITE_DONE) {
        last_error_ = std::string("SQLite delete failed: ") + sqlite3_errmsg(db_);
        return {};
    }
    return rows;
}

std::optional<observation> sqlite_observation_store::find(std::string_view id) const {
    if (id.empty()) return std::nullopt;
    auto rows = select("WHERE id = ?1", id);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
}

std::vector<observation> sqlite_observation_store::find_by_registration(
    std::string_view registration_id) const {
    if (registration_id.empty()) return {};
    return select("WHERE registration_id = ?1 ORDER BY id", registration_id);
}

std::vector<observation> sqlite_observation_store::list() const {
    return select("ORDER BY id", {});
}

}  // namespace sirocco::server
