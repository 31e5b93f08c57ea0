// The SQLite registration store (see sqlite_registration_store.hpp).
#include "sirocco/server/sqlite_registration_store.hpp"

#include "sqlite_util.hpp"

#include <sqlite3.h>

#include <cstdint>

namespace sirocco::server {

std::string format_object_list(const object_list& l) {
    std::string out = "<" + l.root_path + ">;rt=\"oma.lwm2m\"";
    if (!l.content_formats.empty()) {
        out += ";ct=\"";
        for (std::size_t i = 0; i < l.content_formats.size(); ++i) {
            if (i) out += ' ';
            out += std::to_string(l.content_formats[i]);
        }
        out += '"';
    }
    const std::string prefix = l.root_path == "/" ? "" : l.root_path;
    for (const auto& o : l.objects) {
        const std::string obj = prefix + "/" + std::to_string(o.id);
        out += ",<" + obj + ">";
        if (!o.version.empty()) out += ";ver=" + o.version;
        for (auto i : o.instances)
            out += ",<" + obj + "/" + std::to_string(i) + ">";
    }
    return out;
}

namespace {

constexpr int schema_version = 1;

using sqlite_util::stmt;

constexpr const char* columns =
    "endpoint, id, lwm2m_version, lifetime_s, binding, queue_mode, object_links, peer, address, "
    "registered_at, updated_at, expires_at";

std::int64_t to_db(time_ms t) {
    return static_cast<std::int64_t>(t);
}

}  // namespace

struct sqlite_access {
    sqlite_registration_store& s;

    result<void> fail(const char* why) const {
        s.last_error_ = std::string(why) + ": " + sqlite3_errmsg(s.db_);
        return unexpected(errc::io_error, why);
    }
    // One statement without results, prepared once.
    bool run(const char* sql) const {
        stmt q(*s.cache_, sql);
        const int rc = q.step();
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
            s.last_error_ = std::string(sql) + ": " + sqlite3_errmsg(s.db_);
            return false;
        }
        return true;
    }
    bool exec(const char* sql) const {
        char* msg = nullptr;
        int rc = sqlite3_exec(s.db_, sql, nullptr, nullptr, &msg);
        if (rc != SQLITE_OK) {
            s.last_error_ = std::string(sql) + ": " + (msg ? msg : sqlite3_errstr(rc));
            sqlite3_free(msg);
            return false;
        }
        return true;
    }
    // Reads one row selected with `columns`; nullopt when the object list
    // text does not parse.
    std::optional<registration> row(const stmt& q) const {
        registration r;
        r.endpoint = q.col_text(0);
        r.id = q.col_text(1);
        r.lwm2m_version = q.col_text(2);
        r.lifetime_s = static_cast<std::uint32_t>(q.col_int(3));
        r.binding = q.col_text(4);
        r.queue_mode = q.col_int(5) != 0;
        auto objs = parse_object_list(q.col_text(6));
        if (!objs) {
            s.last_error_ =
                "stored object list of " + r.endpoint + " does not parse: " + objs.error().reason;
            return std::nullopt;
        }
        r.objects = std::move(*objs);
        r.peer = q.col_null(7) ? peer_id{} : peer_id{static_cast<std::uint32_t>(q.col_int(7))};
        r.address = q.col_text(8);
        r.registered_at = static_cast<time_ms>(q.col_int(9));
        r.updated_at = static_cast<time_ms>(q.col_int(10));
        return r;
    }
    // Runs a select of `columns`, with one text or integer parameter.
    std::vector<registration> select(const std::string& where, const std::string* text,
                                     const std::int64_t* number) const {
        std::string sql = std::string("SELECT ") + columns + " FROM registrations " + where;
        stmt q(*s.cache_, sql.c_str());
        std::vector<registration> out;
        if (!q.ok()) {
            (void)fail("SQLite prepare failed");
            return out;
        }
        if (text) q.text(1, *text);
        if (number) q.integer(1, *number);
        int rc;
        while ((rc = q.step()) == SQLITE_ROW)
            if (auto r = row(q)) out.push_back(std::move(*r));
        if (rc != SQLITE_DONE) (void)fail("SQLite read failed");
        return out;
    }
    // The endpoint owning `id`, "" when none; error on a SQLite failure.
    result<std::optional<std::string>> endpoint_of(std::string_view id) const {
        stmt q(*s.cache_, "SELECT endpoint FROM registrations WHERE id = ?1");
        if (!q.ok()) return unexpected(fail("SQLite prepare failed").error());
        q.text(1, id);
        int rc = q.step();
        if (rc == SQLITE_ROW) return std::optional<std::string>(q.col_text(0));
        if (rc == SQLITE_DONE) return std::optional<std::string>();
        return unexpected(fail("SQLite read failed").error());
    }
    result<void> write(const registration& r, bool replace) const {
        std::string sql = std::string(replace ? "INSERT OR REPLACE" : "INSERT") +
                          " INTO registrations (" + columns +
                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
        stmt q(*s.cache_, sql.c_str());
        if (!q.ok()) return fail("SQLite prepare failed");
        q.text(1, r.endpoint);
        q.text(2, r.id);
        q.text(3, r.lwm2m_version);
        q.integer(4, r.lifetime_s);
        q.text(5, r.binding);
        q.integer(6, r.queue_mode ? 1 : 0);
        q.text(7, format_object_list(r.objects));
        q.integer(8, r.peer.value());
        q.text(9, r.address);
        q.integer(10, to_db(r.registered_at));
        q.integer(11, to_db(r.updated_at));
        q.integer(12, to_db(r.expires_at()));
        if (q.step() != SQLITE_DONE) return fail("SQLite write failed");
        return {};
    }
};

namespace {
// Rolls back unless commit() succeeded.
class transaction {
  public:
    explicit transaction(sqlite_access a) : a_(a) { begun_ = a_.run("BEGIN IMMEDIATE"); }
    ~transaction() {
        if (begun_) (void)a_.run("ROLLBACK");
    }
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    bool begun() const noexcept { return begun_; }
    bool commit() {
        if (!a_.run("COMMIT")) return false;
        begun_ = false;
        return true;
    }

  private:
    sqlite_access a_;
    bool begun_ = false;
};
}  // namespace

result<std::unique_ptr<sqlite_registration_store>> sqlite_registration_store::open(
    const std::string& path) {
    thread_local std::string open_error;
    sqlite3* db = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
        open_error = "cannot open SQLite registration store '" + path +
                     "': " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return unexpected(errc::io_error, open_error.c_str());
    }
    std::unique_ptr<sqlite_registration_store> s(new sqlite_registration_store(db, path));
    sqlite_access a{*s};
    sqlite3_busy_timeout(db, 2000);
    const char* setup =
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS registrations ("
        " endpoint TEXT PRIMARY KEY NOT NULL, id TEXT NOT NULL, lwm2m_version TEXT NOT NULL,"
        " lifetime_s INTEGER NOT NULL, binding TEXT NOT NULL, queue_mode INTEGER NOT NULL,"
        " object_links TEXT NOT NULL, peer INTEGER, address TEXT NOT NULL,"
        " registered_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
        " expires_at INTEGER NOT NULL);"
        "CREATE UNIQUE INDEX IF NOT EXISTS registrations_by_id ON registrations (id);"
        "CREATE INDEX IF NOT EXISTS registrations_by_expiry ON registrations (expires_at);";
    if (!a.exec(setup)) {
        open_error = "cannot set up SQLite registration store '" + path + "': " + s->last_error_;
        return unexpected(errc::io_error, open_error.c_str());
    }
    {
        bool unsupported = false;
        open_error =
            sqlite_util::check_schema(db, "schema_version", schema_version,
                                      "SQLite registration store '" + path + "'", unsupported);
        if (!open_error.empty())
            return unexpected(unsupported ? errc::unsupported : errc::io_error, open_error.c_str());
    }
    // Peer ids of a previous process mean nothing now (see the header).
    if (!a.exec("UPDATE registrations SET peer = NULL")) {
        open_error =
            "cannot reset peers in SQLite registration store '" + path + "': " + s->last_error_;
        return unexpected(errc::io_error, open_error.c_str());
    }
    return s;
}

sqlite_registration_store::sqlite_registration_store(sqlite3* db, std::string path)
    : db_(db), cache_(std::make_unique<sqlite_util::statement_cache>(db)), path_(std::move(path)) {}

sqlite_registration_store::~sqlite_registration_store() {
    cache_.reset();  // finalizes the statements before the connection closes
    sqlite3_close(db_);
}

result<std::optional<registration>> sqlite_registration_store::add(const registration& r) {
    if (r.endpoint.empty() || r.id.empty())
        return unexpected(errc::invalid_argument, "registration without endpoint or id");
    sqlite_access a{*this};
    transaction t(a);
    if (!t.begun()) return unexpected(errc::io_error, "SQLite cannot begin a transaction");
    auto owner = a.endpoint_of(r.id);
    if (!owner) return unexpected(owner.error());
    if (*owner && **owner != r.endpoint)
        return unexpected(errc::invalid_argument, "registration id in use");
    std::optional<registration> old;
    std::string ep = r.endpoint;
    auto rows = a.select("WHERE endpoint = ?1", &ep, nullptr);
    if (!rows.empty()) old = std::move(rows.front());
    if (auto w = a.write(r, true); !w) return unexpected(w.error());
    if (!t.commit()) return unexpected(errc::io_error, "SQLite commit failed");
    return old;
}

result<void> sqlite_registration_store::update(const registration& r) {
    sqlite_access a{*this};
    transaction t(a);
    if (!t.begun()) return unexpected(errc::io_error, "SQLite cannot begin a transaction");
    auto owner = a.endpoint_of(r.id);
    if (!owner) return unexpected(owner.error());
    if (!*owner) return unexpected(errc::not_found, "no such registration");
    if (**owner != r.endpoint)
        return unexpected(errc::invalid_argument, "an update cannot change the endpoint");
    if (auto w = a.write(r, true); !w) return w;
    if (!t.commit()) return unexpected(errc::io_error, "SQLite commit failed");
    return {};
}

result<registration> sqlite_registration_store::remove(std::string_view id) {
    sqlite_access a{*this};
    transaction t(a);
    if (!t.begun()) return unexpected(errc::io_error, "SQLite cannot begin a transaction");
    std::string key(id);
    auto rows = a.select("WHERE id = ?1", &key, nullptr);
    if (rows.empty()) return unexpected(errc::not_found, "no such registration");
    stmt q(*cache_, "DELETE FROM registrations WHERE id = ?1");
    q.text(1, id);
    if (q.step() != SQLITE_DONE) return unexpected(a.fail("SQLite delete failed").error());
    if (!t.commit()) return unexpected(errc::io_error, "SQLite commit failed");
    return std::move(rows.front());
}

std::optional<registration> sqlite_registration_store::find_by_endpoint(
    std::string_view endpoint) const {
    std::string key(endpoint);
    auto rows = sqlite_access{const_cast<sqlite_registration_store&>(*this)}.select(
        "WHERE endpoint = ?1", &key, nullptr);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
}

std::optional<registration> sqlite_registration_store::find_by_id(std::string_view id) const {
    std::string key(id);
    auto rows = sqlite_access{const_cast<sqlite_registration_store&>(*this)}.select("WHERE id = ?1",
                                                                                    &key, nullptr);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
}

std::vector<registration> sqlite_registration_store::find_by_peer(peer_id peer) const {
    std::int64_t p = peer.value();
    return sqlite_access{const_cast<sqlite_registration_store&>(*this)}.select(
        "WHERE peer = ?1 ORDER BY endpoint", nullptr, &p);
}

std::vector<registration> sqlite_registration_store::list() const {
    return sqlite_access{const_cast<sqlite_registration_store&>(*this)}.select("ORDER BY endpoint",
                                                                               nullptr, nullptr);
}

std::vector<registration> sqlite_registration_store::take_expired(time_ms now) {
    sqlite_access a{*this};
    transaction t(a);
    if (!t.begun()) return {};
    std::int64_t n = to_db(now);
    auto rows = a.select("WHERE expires_at <= ?1 ORDER BY endpoint", nullptr, &n);
    stmt q(*cache_, "DELETE FROM registrations WHERE expires_at <= ?1");
    q.integer(1, n);
    if (q.step() != SQLITE_DONE) {
        (void)a.fail("SQLite delete failed");
        return {};
    }
    if (!t.commit()) return {};
    return rows;
}

std::optional<time_ms> sqlite_registration_store::next_expiry() const {
    stmt q(*cache_, "SELECT MIN(expires_at) FROM registrations");
    int rc = q.step();
    if (rc != SQLITE_ROW) {
        (void)sqlite_access{const_cast<sqlite_registration_store&>(*this)}.fail(
            "SQLite read failed");
        return std::nullopt;
    }
    if (q.col_null(0)) return std::nullopt;
    return static_cast<time_ms>(q.col_int(0));
}

}  // namespace sirocco::server
