// A report table: plain rows of cells, each with its printed text and, for numbers, the value.
// Every writer (json, csv, markdown, LaTeX, HTML) renders this one struct.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace slime::reports {

struct Cell {
  std::string text;             // as printed
  std::optional<double> value;  // set for numeric cells (written unquoted / unneutralised)
};

struct Table {
  std::string id;     // file stem and anchor: "metrics", "ci", "deltas", "latency", "paper"
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
  std::string note;   // one line under the table (method, units)
};

Cell text_cell(const std::string& text);
// "-" for a NaN (missing) value; otherwise fixed DECIMALS, with a leading + when SIGNED and > 0.
Cell number_cell(double value, int decimals = 2, bool is_signed = false);

}  // namespace slime::reports
