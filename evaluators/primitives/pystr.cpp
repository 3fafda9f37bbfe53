#include "evaluators/primitives/pystr.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "engine/text/unicode.h"
#include "evaluators/primitives/regex.h"

namespace slime::eval::py {

std::vector<uint32_t> code_points(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t n = text::utf8_decode(s, i, cp);
    if (n == 0) {  // invalid byte: keep it as one "character" so lengths stay defined
      out.push_back(0xDC00 + static_cast<unsigned char>(s[i]));  // PEP 383 surrogateescape style
      ++i;
    } else {
      out.push_back(cp);
      i += n;
    }
  }
  return out;
}

std::string from_code_points(const std::vector<uint32_t>& cps) {
  std::string out;
  for (uint32_t cp : cps) {
    if (cp >= 0xDC80 && cp <= 0xDCFF) out.push_back(static_cast<char>(cp - 0xDC00));
    else text::utf8_append(out, cp);
  }
  return out;
}

size_t len(std::string_view s) { return code_points(s).size(); }

namespace {
uint32_t lower_cp(uint32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
  if (c >= 0x100 && c <= 0x137 && c % 2 == 0) return c + 1;
  if (c >= 0x139 && c <= 0x148 && c % 2 == 1) return c + 1;
  if (c >= 0x14A && c <= 0x177 && c % 2 == 0) return c + 1;
  if (c == 0x178) return 0xFF;
  if (c >= 0x179 && c <= 0x17E && c % 2 == 1) return c + 1;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}
uint32_t upper_cp(uint32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c >= 0x101 && c <= 0x137 && c % 2 == 1) return c - 1;
  if (c >= 0x13A && c <= 0x148 && c % 2 == 0) return c - 1;
  if (c >= 0x14B && c <= 0x177 && c % 2 == 1) return c - 1;
  if (c >= 0x17A && c <= 0x17E && c % 2 == 0) return c - 1;
  if (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2) return c - 32;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  return c;
}
}  // namespace

std::string lower(std::string_view s) {
  auto cps = code_points(s);
  for (auto& c : cps) c = lower_cp(c);
  return from_code_points(cps);
}

std::string upper(std::string_view s) {
  std::vector<uint32_t> out;
  for (uint32_t c : code_points(s)) {
    if (c == 0xDF) {  // "ß".upper() == "SS": the length change ANLS observes
      out.push_back('S');
      out.push_back('S');
    } else {
      out.push_back(upper_cp(c));
    }
  }
  return from_code_points(out);
}

bool is_space(uint32_t cp) { return text::is_python_space(cp); }

bool is_alpha(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  static const Regex letter("^\\p{L}$");
  std::string one;
  text::utf8_append(one, cp);
  RegexMatch m;
  return letter.search(one, m);
}

bool is_digit(uint32_t cp) { return cp >= '0' && cp <= '9'; }

std::string strip(std::string_view s) {
  auto cps = code_points(s);
  size_t b = 0, e = cps.size();
  while (b < e && is_space(cps[b])) ++b;
  while (e > b && is_space(cps[e - 1])) --e;
  return from_code_points(std::vector<uint32_t>(cps.begin() + b, cps.begin() + e));
}

std::string strip_chars(std::string_view s, std::string_view chars) {
  size_t b = 0, e = s.size();
  while (b < e && chars.find(s[b]) != std::string_view::npos) ++b;
  while (e > b && chars.find(s[e - 1]) != std::string_view::npos) --e;
  return std::string(s.substr(b, e - b));
}

std::string rstrip_chars(std::string_view s, std::string_view chars) {
  size_t e = s.size();
  while (e > 0 && chars.find(s[e - 1]) != std::string_view::npos) --e;
  return std::string(s.substr(0, e));
}

std::vector<std::string> split_ws(std::string_view s) {
  std::vector<std::string> out;
  std::vector<uint32_t> cur;
  bool in = false;
  for (uint32_t c : code_points(s)) {
    if (is_space(c)) {
      if (in) out.push_back(from_code_points(cur));
      cur.clear();
      in = false;
    } else {
      cur.push_back(c);
      in = true;
    }
  }
  if (in) out.push_back(from_code_points(cur));
  return out;
}

std::vector<std::string> split_on(std::string_view s, std::string_view sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    const size_t at = s.find(sep, pos);
    if (at == std::string_view::npos) break;
    out.emplace_back(s.substr(pos, at - pos));
    pos = at + sep.size();
  }
  out.emplace_back(s.substr(pos));
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out.append(sep);
    out.append(parts[i]);
  }
  return out;
}

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  if (from.empty()) return std::string(s);
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t at = s.find(from, pos);
    if (at == std::string_view::npos) break;
    out.append(s.substr(pos, at - pos));
    out.append(to);
    pos = at + from.size();
  }
  out.append(s.substr(pos));
  return out;
}

bool contains(std::string_view s, std::string_view needle) { return s.find(needle) != std::string_view::npos; }

namespace {
// Digits with single '_' between digits (Python numeric literal rule); returns digits only.
bool take_digits(const std::string& s, size_t& i, std::string& out) {
  const size_t start = i;
  while (i < s.size()) {
    if (s[i] >= '0' && s[i] <= '9') {
      out.push_back(s[i++]);
    } else if (s[i] == '_' && i > start && s[i - 1] != '_' && i + 1 < s.size() && s[i + 1] >= '0' &&
               s[i + 1] <= '9') {
      ++i;
    } else {
      break;
    }
  }
  return i > start;
}
}  // namespace

std::optional<double> to_float(std::string_view text) {
  const std::string s = strip(text);
  if (s.empty()) return std::nullopt;
  size_t i = 0;
  std::string clean;
  if (s[i] == '+' || s[i] == '-') clean.push_back(s[i++]);
  const std::string rest = lower(s.substr(i));
  if (rest == "inf" || rest == "infinity") return clean == "-" ? -HUGE_VAL : HUGE_VAL;
  if (rest == "nan") return std::nan("");
  const bool int_part = take_digits(s, i, clean);
  bool frac_part = false;
  if (i < s.size() && s[i] == '.') {
    clean.push_back(s[i++]);
    frac_part = take_digits(s, i, clean);
  }
  if (!int_part && !frac_part) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    clean.push_back(s[i++]);
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean.push_back(s[i++]);
    if (!take_digits(s, i, clean)) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  return std::strtod(clean.c_str(), nullptr);
}

std::optional<long long> to_int(std::string_view text) {
  const std::string s = strip(text);
  size_t i = 0;
  std::string clean;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean.push_back(s[i++]);
  if (!take_digits(s, i, clean) || i != s.size()) return std::nullopt;
  if (clean.size() > 18) return std::nullopt;  // beyond what the scorers meet; Python would not fail
  return std::strtoll(clean.c_str(), nullptr, 10);
}

double round_to(double x, int ndigits) {
  if (!std::isfinite(x)) return x;
  // fmt's fixed formatting is correctly rounded (round-half-even on the exact binary value), as
  // CPython's round() which goes through _Py_dg_dtoa mode 3.
  const std::string s = fmt::format("{:.{}f}", x, ndigits);
  return std::strtod(s.c_str(), nullptr);
}

std::string float_repr(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  // Python repr: the shortest digits that round-trip; fixed notation for 1e-4 <= |x| < 1e16 with
  // a ".0" for integral values, else d[.ddd]e[+-]XX with at least two exponent digits.
  int precision = 0;
  std::string sci;
  for (; precision <= 17; ++precision) {
    sci = fmt::format("{:.{}e}", x, precision);
    if (std::strtod(sci.c_str(), nullptr) == x) break;
  }
  const double ax = std::fabs(x);
  if (ax != 0.0 && (ax < 1e-4 || ax >= 1e16)) {
    const size_t e = sci.find('e');
    std::string num = sci.substr(e + 2);
    while (num.size() > 2 && num[0] == '0') num.erase(0, 1);
    return sci.substr(0, e) + "e" + sci[e + 1] + num;
  }
  const int exponent = std::atoi(sci.c_str() + sci.find('e') + 1);
  const int decimals = std::max(0, precision - exponent);
  std::string out = fmt::format("{:.{}f}", x, decimals);
  if (out.find('.') == std::string::npos) out += ".0";
  return out;
}

size_t levenshtein(std::string_view a_text, std::string_view b_text) {
  const auto a = code_points(a_text), b = code_points(b_text);
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace slime::eval::py
