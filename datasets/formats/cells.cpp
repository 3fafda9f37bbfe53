#include "datasets/formats/cells.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace slime::data {

bool is_pandas_na(std::string_view cell) {
  // pandas/_libs/parsers.pyx STR_NA_VALUES.
  static const std::array<std::string_view, 19> kNa = {
      "",    "#N/A", "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
      "<NA>", "N/A", "NA",       "NULL", "NaN",     "None",     "n/a",  "nan",  "null"};
  return std::find(kNa.begin(), kNa.end(), cell) != kNa.end();
}

bool llava_is_none(std::optional<std::string_view> value) {
  if (!value || is_pandas_na(*value)) return true;
  std::string lower(*value);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "nan" || lower == "none";
}

namespace {

// One Python string literal starting at text[i] (a quote); appends the value, returns the index
// after the closing quote or npos.
size_t parse_py_string(std::string_view text, size_t i, std::string* out) {
  const char quote = text[i++];
  while (i < text.size()) {
    const char c = text[i];
    if (c == quote) return i + 1;
    if (c == '\\' && i + 1 < text.size()) {
      const char e = text[i + 1];
      switch (e) {
        case 'n': *out += '\n'; break;
        case 't': *out += '\t'; break;
        case 'r': *out += '\r'; break;
        case '\\': *out += '\\'; break;
        case '\'': *out += '\''; break;
        case '"': *out += '"'; break;
        default: *out += '\\'; *out += e; break;  // \xNN, \uNNNN kept verbatim (rare in answers)
      }
      i += 2;
      continue;
    }
    *out += c;
    ++i;
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<std::vector<std::string>> parse_py_str_list(std::string_view text) {
  const std::string t = trim(text);
  if (t.size() < 2 || t.front() != '[' || t.back() != ']') return std::nullopt;
  std::vector<std::string> items;
  size_t i = 1;
  const size_t end = t.size() - 1;
  auto skip_ws = [&] { while (i < end && std::isspace(static_cast<unsigned char>(t[i]))) ++i; };
  skip_ws();
  while (i < end) {
    std::string item;
    if (t[i] == '\'' || t[i] == '"') {
      i = parse_py_string(t, i, &item);
      if (i == std::string_view::npos || i > end) return std::nullopt;
    } else {  // a bare number
      const size_t start = i;
      while (i < end && t[i] != ',') ++i;
      item = trim(std::string_view(t).substr(start, i - start));
      if (item.empty()) return std::nullopt;
    }
    items.push_back(std::move(item));
    skip_ws();
    if (i < end) {
      if (t[i] != ',') return std::nullopt;
      ++i;
      skip_ws();
    }
  }
  return items;
}

std::string trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace slime::data
