// Text writers for report tables. Every string that came from a run (task, cell and file names,
// predictions) is escaped for the target format: CSV neutralises formula-like text cells, Markdown
// and HTML escape markup, LaTeX escapes its special characters.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/table.h"

namespace slime::reports {

// RFC 4180 CSV. A text cell starting with = + - @ (or tab / carriage return) gets a leading
// apostrophe so spreadsheets read it as text, not a formula (OWASP "CSV injection"); numeric
// cells are printed by us from a double and left as they are, as is the lone "-" (missing).
std::string to_csv(const Table& table);
std::string csv_neutralise(const std::string& text);

// GitHub Markdown: title as a heading, pipes and markup escaped, note as a paragraph.
std::string to_markdown(const Table& table);

// Plain text for a terminal: title, then columns padded to their widest cell (numbers right-
// aligned); control characters in cells become spaces.
std::string to_text(const Table& table);

// A LaTeX booktabs table (\toprule/\midrule/\bottomrule), text escaped.
std::string to_latex(const Table& table);
std::string latex_escape(const std::string& text);

// {"id", "title", "columns", "rows": [[number | string, ...]], "note"}.
nlohmann::json to_json(const Table& table);

// &, <, >, ", ' as entities: safe in HTML text and in quoted attribute values.
std::string html_escape(const std::string& text);

}  // namespace slime::reports
