// Run history: every eval/ablate run recorded in an SQLite database (default
// ~/.local/share/slime/runs.db): run config, weight fingerprint, metrics, latency percentiles,
// commit. The eval runner calls record_run after writing results.json; `slime compare` reads
// runs back by id.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace slime::reports {

// $XDG_DATA_HOME/slime/runs.db, else $HOME/.local/share/slime/runs.db.
std::string default_history_db();

// Records RUN_DIR (its results.json) in the database at DB_PATH, creating the file, its parent
// folder and the schema when missing. The whole run is one transaction. Throws kNotFound /
// kFormat for a bad run directory, kIo for database failures.
void record_run(const std::string& db_path, const std::string& run_dir);
// The same, returning the new run's id.
int64_t record_run_id(const std::string& db_path, const std::string& run_dir);

struct HistoryEntry {
  int64_t id = 0;
  std::string recorded_at, run_dir, name, commit, fingerprint, device;
  nlohmann::json results;  // results.json as recorded
};

// Throws kNotFound when DB_PATH has no run ID.
HistoryEntry load_history_run(const std::string& db_path, int64_t id);
// All runs, oldest first, results left empty.
std::vector<HistoryEntry> list_history(const std::string& db_path);

}  // namespace slime::reports
