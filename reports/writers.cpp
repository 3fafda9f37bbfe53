#include "reports/writers.h"

#include <algorithm>

#include <fmt/format.h>

namespace slime::reports {

std::string csv_neutralise(const std::string& text) {
  if (text == "-") return text;  // our "missing" marker: no formula can be one character long
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' || text[0] == '\t' ||
                        text[0] == '\r')) {
    return "'" + text;
  }
  return text;
}

namespace {

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_row(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_field(fields[i]);
  return out + "\r\n";
}

std::string md_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '|': out += "\\|"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '*': case '_': case '`': case '[': case ']': case '\\': out += '\\'; out += c; break;
      case '\n': case '\r': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string to_csv(const Table& table) {
  std::vector<std::string> header;
  for (const auto& c : table.columns) header.push_back(csv_neutralise(c));
  std::string out = csv_row(header);
  for (const auto& row : table.rows) {
    std::vector<std::string> fields;
    for (const auto& cell : row) fields.push_back(cell.value ? cell.text : csv_neutralise(cell.text));
    out += csv_row(fields);
  }
  return out;
}

std::string to_markdown(const Table& table) {
  std::string out = fmt::format("### {}\n\n|", md_escape(table.title));
  for (const auto& c : table.columns) out += " " + md_escape(c) + " |";
  out += "\n|";
  for (size_t i = 0; i < table.columns.size(); ++i) out += i == 0 ? "---|" : "---:|";
  out += "\n";
  for (const auto& row : table.rows) {
    out += "|";
    for (const auto& cell : row) out += " " + md_escape(cell.text) + " |";
    out += "\n";
  }
  if (!table.note.empty()) out += "\n" + md_escape(table.note) + "\n";
  return out + "\n";
}

std::string to_text(const Table& table) {
  auto clean = [](std::string s) {
    for (char& c : s) {
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    return s;
  };
  std::vector<size_t> width(table.columns.size(), 0);
  for (size_t i = 0; i < table.columns.size(); ++i) width[i] = table.columns[i].size();
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], clean(row[i].text).size());
  }
  std::string out = clean(table.title) + "\n";
  for (size_t i = 0; i < table.columns.size(); ++i) out += fmt::format("{}{:<{}}", i ? "  " : "", clean(table.columns[i]), width[i]);
  out += "\n";
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      const std::string t = clean(row[i].text);
      out += row[i].value ? fmt::format("{}{:>{}}", i ? "  " : "", t, width[i]) : fmt::format("{}{:<{}}", i ? "  " : "", t, width[i]);
    }
    out += "\n";
  }
  if (!table.note.empty()) out += clean(table.note) + "\n";
  return out;
}

std::string latex_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\textbackslash{}"; break;
      case '&': case '%': case '$': case '#': case '_': case '{': case '}': out += '\\'; out += c; break;
      case '~': out += "\\textasciitilde{}"; break;
      case '^': out += "\\textasciicircum{}"; break;
      case '<': out += "\\textless{}"; break;
      case '>': out += "\\textgreater{}"; break;
      case '\n': case '\r': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

std::string to_latex(const Table& table) {
  std::string spec = "l";
  for (size_t i = 1; i < table.columns.size(); ++i) spec += "r";
  std::string out = "% requires \\usepackage{booktabs}\n\\begin{table}[t]\n\\centering\n\\small\n";
  out += fmt::format("\\caption{{{}}}\n\\label{{tab:{}}}\n", latex_escape(table.title), latex_escape(table.id));
  out += fmt::format("\\begin{{tabular}}{{{}}}\n\\toprule\n", spec);
  for (size_t i = 0; i < table.columns.size(); ++i) out += (i ? " & " : "") + latex_escape(table.columns[i]);
  out += " \\\\\n\\midrule\n";
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      // A minus sign, not a hyphen, for negative numbers.
      std::string t = latex_escape(row[i].text);
      if (row[i].value && !t.empty() && t[0] == '-') t = "$-$" + t.substr(1);
      out += (i ? " & " : "") + t;
    }
    out += " \\\\\n";
  }
  out += "\\bottomrule\n\\end{tabular}\n";
  if (!table.note.empty()) out += fmt::format("\\par\\footnotesize {}\n", latex_escape(table.note));
  return out + "\\end{table}\n";
}

nlohmann::json to_json(const Table& table) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : table.rows) {
    nlohmann::json r = nlohmann::json::array();
    for (const auto& cell : row) {
      if (cell.value) r.push_back(*cell.value);
      else if (cell.text == "-") r.push_back(nullptr);
      else r.push_back(cell.text);
    }
    rows.push_back(r);
  }
  return {{"id", table.id}, {"title", table.title}, {"columns", table.columns}, {"rows", rows}, {"note", table.note}};
}

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace slime::reports
