// The paper's Tables 1-4 as data (reports/paper/table<N>.json, written by
// reports/paper/transcribe.py from shared docs/paper.md): cells as printed, bold/underline marks,
// column units, and which slime task/metric each column maps to.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace slime::reports {

struct PaperCell {
  std::string printed;          // verbatim ("84.9", "1544", "-")
  std::optional<double> value;  // empty for "-" cells
  std::string mark;             // "best", "second" or ""
};

struct PaperRow {
  std::string label, llm, group;  // llm/group "" when the table has none
  std::vector<PaperCell> cells;   // one per column
};

struct TaskMetric {
  std::string metric;
  double scale = 1;  // our value x scale is in the paper's unit (POPE F1: 0-1 -> percent)
};

struct PaperColumn {
  std::string name, unit;
  std::map<std::string, TaskMetric> tasks;  // slime task -> metric; empty: nothing maps (judge-only ...)
};

struct PaperTable {
  int number = 0;
  std::string caption, row_header, reference_row, source;
  std::vector<PaperColumn> columns;
  std::vector<PaperRow> rows;
  const PaperRow* find_row(const std::string& label) const;
};

// SPEC: "table3", "3", "table3:Final" (":ROW" picks the reference row), or a path to a table
// JSON file. Bare names are looked up in $SLIME_PAPER_DIR, then reports/paper under the current
// directory, then the source tree's reports/paper. Throws kNotFound / kFormat.
PaperTable load_paper_table(const std::string& spec);
PaperTable parse_paper_table(const std::string& path);

}  // namespace slime::reports
