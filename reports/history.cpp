#include "reports/history.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include <sqlite3.h>

#include "engine/common/error.h"
#include "reports/run_data.h"

namespace fs = std::filesystem;

namespace slime::reports {

namespace {

// Normalised tables alongside the full results.json, so SQL users can query metrics directly.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  run_dir TEXT NOT NULL, name TEXT NOT NULL, date TEXT, git_commit TEXT, fingerprint TEXT,
  device TEXT, config_json TEXT NOT NULL, results_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id), task TEXT NOT NULL, metric TEXT NOT NULL, value REAL NOT NULL);
CREATE TABLE IF NOT EXISTS latency (
  run_id INTEGER NOT NULL REFERENCES runs(id), stage TEXT NOT NULL, p50 REAL, p90 REAL, p99 REAL);
CREATE INDEX IF NOT EXISTS metrics_run ON metrics(run_id);
)sql";

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

Db open_db(const std::string& path, bool create) {
  if (create && fs::path(path).has_parent_path()) {
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
  }
  if (!create && !fs::exists(path)) throw_error(ErrorCode::kNotFound, "{}: no run-history database", path);
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &raw, flags, nullptr) != SQLITE_OK) {
    const std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    throw_error(ErrorCode::kIo, "{}: cannot open database: {}", path, msg);
  }
  Db db(raw);
  // Several eval processes (shards) may record at once: wait for the lock instead of failing.
  sqlite3_busy_timeout(db.get(), 10000);
  char* err = nullptr;
  if (sqlite3_exec(db.get(), kSchema, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : "";
    sqlite3_free(err);
    throw_error(ErrorCode::kIo, "{}: cannot create schema: {}", path, msg);
  }
  return db;
}

void exec(sqlite3* db, const std::string& path, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : "";
    sqlite3_free(err);
    throw_error(ErrorCode::kIo, "{}: '{}' failed: {}", path, sql, msg);
  }
}

Stmt prepare(sqlite3* db, const std::string& path, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
    throw_error(ErrorCode::kIo, "{}: cannot prepare '{}': {}", path, sql, sqlite3_errmsg(db));
  }
  return Stmt(s);
}

void bind_text(sqlite3_stmt* s, int i, const std::string& v) { sqlite3_bind_text(s, i, v.c_str(), -1, SQLITE_TRANSIENT); }

void step_done(sqlite3* db, const std::string& path, sqlite3_stmt* s) {
  if (sqlite3_step(s) != SQLITE_DONE) throw_error(ErrorCode::kIo, "{}: insert failed: {}", path, sqlite3_errmsg(db));
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
}

// The first string value under any of KEYS, searched depth-first (the eval runner nests the
// weight fingerprint under config; its exact key is the runner's choice).
std::string find_string_key(const nlohmann::json& j, const std::vector<std::string>& keys) {
  if (!j.is_object()) return "";
  for (const auto& k : keys) {
    if (j.contains(k) && j[k].is_string()) return j[k].get<std::string>();
  }
  for (const auto& [k, v] : j.items()) {
    const std::string found = find_string_key(v, keys);
    if (!found.empty()) return found;
  }
  return "";
}

std::string column_text(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

// The first seven columns every history query selects (id, recorded_at, run_dir, name, git_commit,
// fingerprint, device); results stay empty.
HistoryEntry entry_from_row(sqlite3_stmt* s) {
  HistoryEntry e;
  e.id = sqlite3_column_int64(s, 0);
  e.recorded_at = column_text(s, 1);
  e.run_dir = column_text(s, 2);
  e.name = column_text(s, 3);
  e.commit = column_text(s, 4);
  e.fingerprint = column_text(s, 5);
  e.device = column_text(s, 6);
  return e;
}

}  // namespace

std::string default_history_db() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return (fs::path(xdg) / "slime/runs.db").string();
  const char* home = std::getenv("HOME");
  return (fs::path(home ? home : ".") / ".local/share/slime/runs.db").string();
}

int64_t record_run_id(const std::string& db_path, const std::string& run_dir) {
  const RunData run = load_run(run_dir);
  const nlohmann::json& r = run.results;
  Db db = open_db(db_path, true);
  exec(db.get(), db_path, "BEGIN IMMEDIATE");
  try {
    Stmt ins = prepare(db.get(), db_path,
                       "INSERT INTO runs (run_dir, name, date, git_commit, fingerprint, device, config_json, results_json) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    std::error_code ec;
    const fs::path abs = fs::absolute(run_dir, ec);
    bind_text(ins.get(), 1, ec ? run_dir : abs.lexically_normal().string());
    bind_text(ins.get(), 2, run.name);
    bind_text(ins.get(), 3, r.contains("date") && r["date"].is_string() ? r["date"].get<std::string>() : "");
    bind_text(ins.get(), 4, find_string_key(r.value("versions", nlohmann::json::object()), {"git_commit", "commit", "git"}));
    bind_text(ins.get(), 5, find_string_key(r.value("config", nlohmann::json::object()),
                                            {"model_fingerprint", "weights_fingerprint", "weight_fingerprint", "fingerprint"}));
    bind_text(ins.get(), 6, r.contains("device") ? (r["device"].is_string() ? r["device"].get<std::string>() : r["device"].dump()) : "");
    bind_text(ins.get(), 7, r.value("config", nlohmann::json::object()).dump());
    bind_text(ins.get(), 8, r.dump());
    step_done(db.get(), db_path, ins.get());
    const int64_t id = sqlite3_last_insert_rowid(db.get());
    Stmt m = prepare(db.get(), db_path, "INSERT INTO metrics (run_id, task, metric, value) VALUES (?, ?, ?, ?)");
    for (const auto& [task, metrics] : r["results"].items()) {
      if (!metrics.is_object()) continue;
      for (const auto& [name, v] : metrics.items()) {
        if (!v.is_number()) continue;
        sqlite3_bind_int64(m.get(), 1, id);
        bind_text(m.get(), 2, task);
        bind_text(m.get(), 3, name);
        sqlite3_bind_double(m.get(), 4, v.get<double>());
        step_done(db.get(), db_path, m.get());
      }
    }
    if (r.contains("latency") && r["latency"].is_object()) {
      Stmt l = prepare(db.get(), db_path, "INSERT INTO latency (run_id, stage, p50, p90, p99) VALUES (?, ?, ?, ?, ?)");
      for (const auto& [stage, p] : r["latency"].items()) {
        if (!p.is_object()) continue;
        sqlite3_bind_int64(l.get(), 1, id);
        bind_text(l.get(), 2, stage);
        int col = 3;
        for (const char* k : {"p50", "p90", "p99"}) {
          if (p.contains(k) && p[k].is_number()) sqlite3_bind_double(l.get(), col, p[k].get<double>());
          else sqlite3_bind_null(l.get(), col);
          ++col;
        }
        step_done(db.get(), db_path, l.get());
      }
    }
    exec(db.get(), db_path, "COMMIT");
    return id;
  } catch (...) {
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void record_run(const std::string& db_path, const std::string& run_dir) { record_run_id(db_path, run_dir); }

HistoryEntry load_history_run(const std::string& db_path, int64_t id) {
  Db db = open_db(db_path, false);
  Stmt s = prepare(db.get(), db_path,
                   "SELECT id, recorded_at, run_dir, name, git_commit, fingerprint, device, results_json FROM runs WHERE id = ?");
  sqlite3_bind_int64(s.get(), 1, id);
  if (sqlite3_step(s.get()) != SQLITE_ROW) throw_error(ErrorCode::kNotFound, "{}: no run with id {}", db_path, id);
  HistoryEntry e = entry_from_row(s.get());
  try {
    e.results = nlohmann::json::parse(column_text(s.get(), 7));
  } catch (const nlohmann::json::exception& ex) {
    throw_error(ErrorCode::kFormat, "{}: run {}: stored results_json is not JSON: {}", db_path, id, ex.what());
  }
  return e;
}

std::vector<HistoryEntry> list_history(const std::string& db_path) {
  Db db = open_db(db_path, false);
  Stmt s = prepare(db.get(), db_path, "SELECT id, recorded_at, run_dir, name, git_commit, fingerprint, device FROM runs ORDER BY id");
  std::vector<HistoryEntry> out;
  while (sqlite3_step(s.get()) == SQLITE_ROW) {
    out.push_back(entry_from_row(s.get()));
  }
  return out;
}

}  // namespace slime::reports
