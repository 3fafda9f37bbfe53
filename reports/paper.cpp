#include "reports/paper.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/common/error.h"

namespace fs = std::filesystem;

namespace slime::reports {

const PaperRow* PaperTable::find_row(const std::string& label) const {
  for (const auto& r : rows) {
    if (r.label == label) return &r;
  }
  return nullptr;
}

PaperTable parse_paper_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw_error(ErrorCode::kNotFound, "{}: cannot open paper table", path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
    PaperTable t;
    t.number = j.at("table").get<int>();
    t.caption = j.at("caption").get<std::string>();
    t.row_header = j.value("row_header", "Setting");
    t.reference_row = j.value("reference_row", "");
    t.source = j.value("source", "");
    for (const auto& c : j.at("columns")) {
      PaperColumn col{c.at("name").get<std::string>(), c.value("unit", ""), {}};
      for (const auto& [task, m] : c.at("tasks").items()) {
        col.tasks[task] = TaskMetric{m.at("metric").get<std::string>(), m.value("scale", 1.0)};
      }
      t.columns.push_back(col);
    }
    for (const auto& r : j.at("rows")) {
      PaperRow row{r.at("label").get<std::string>(), r.value("llm", ""), r.value("group", ""), {}};
      for (const auto& c : r.at("cells")) {
        PaperCell cell{c.at("printed").get<std::string>(), std::nullopt,
                       c.at("mark").is_string() ? c["mark"].get<std::string>() : ""};
        if (c.at("value").is_number()) cell.value = c["value"].get<double>();
        row.cells.push_back(cell);
      }
      if (row.cells.size() != t.columns.size()) {
        throw_error(ErrorCode::kFormat, "{}: row '{}' has {} cells for {} columns", path, row.label,
                    row.cells.size(), t.columns.size());
      }
      t.rows.push_back(row);
    }
    return t;
  } catch (const nlohmann::json::exception& e) {
    throw_error(ErrorCode::kFormat, "{}: bad paper table: {}", path, e.what());
  }
}

PaperTable load_paper_table(const std::string& spec) {
  std::string name = spec, row;
  const size_t colon = spec.find(':');
  if (colon != std::string::npos && !fs::exists(spec)) name = spec.substr(0, colon), row = spec.substr(colon + 1);
  std::string path;
  if (fs::is_regular_file(name)) {
    path = name;
  } else {
    std::string stem = name.rfind("table", 0) == 0 ? name : "table" + name;
    std::vector<fs::path> dirs;
    if (const char* env = std::getenv("SLIME_PAPER_DIR")) dirs.emplace_back(env);
    dirs.emplace_back("reports/paper");
#ifdef SLIME_SOURCE_DIR
    dirs.push_back(fs::path(SLIME_SOURCE_DIR) / "reports/paper");
#endif
    for (const auto& d : dirs) {
      if (fs::is_regular_file(d / (stem + ".json"))) { path = (d / (stem + ".json")).string(); break; }
    }
    if (path.empty()) throw_error(ErrorCode::kNotFound, "paper table '{}': no {}.json in $SLIME_PAPER_DIR or reports/paper", spec, stem);
  }
  PaperTable t = parse_paper_table(path);
  if (!row.empty()) {
    if (!t.find_row(row)) throw_error(ErrorCode::kNotFound, "{}: no row '{}'", path, row);
    t.reference_row = row;
  }
  return t;
}

}  // namespace slime::reports
