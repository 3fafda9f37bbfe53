// Python str semantics the upstream scorers rely on, on UTF-8 std::string: code-point lengths,
// str.lower/upper/strip/split, str.isalpha, float() and round(x, n). The scorers are ports of Python
// code; byte-level C++ defaults would silently differ on unicode, surrounding spaces or "1_000".
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slime::eval::py {

// Code points of s (invalid bytes count one each).
std::vector<uint32_t> code_points(std::string_view s);
std::string from_code_points(const std::vector<uint32_t>& cps);
// len(s): number of code points.
size_t len(std::string_view s);

// str.lower()/str.upper(): full ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic simple case
// maps, plus the one length-changing upper mapping ANLS depends on (U+00DF "ß" -> "SS"). Other
// scripts are returned unchanged (approximation; they have no case in the benchmarks we score).
std::string lower(std::string_view s);
std::string upper(std::string_view s);

bool is_space(uint32_t cp);   // str.isspace for one character
bool is_alpha(uint32_t cp);   // str.isalpha for one character (Unicode letter categories L*)
bool is_digit(uint32_t cp);   // ASCII digit (the regexes below use Unicode \d themselves)

std::string strip(std::string_view s);                       // str.strip()
std::string strip_chars(std::string_view s, std::string_view chars);   // str.strip(chars), ASCII chars
std::string rstrip_chars(std::string_view s, std::string_view chars);  // str.rstrip(chars)
std::vector<std::string> split_ws(std::string_view s);       // str.split()
std::vector<std::string> split_on(std::string_view s, std::string_view sep);  // str.split(sep)
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string replace_all(std::string_view s, std::string_view from, std::string_view to);
bool contains(std::string_view s, std::string_view needle);

// float(s): Python's grammar (surrounding whitespace, '_' between digits, inf/nan, exponent);
// nullopt where Python raises ValueError.
std::optional<double> to_float(std::string_view s);
// int(s) for a str: optional sign, digits with '_' between them, surrounding whitespace.
std::optional<long long> to_int(std::string_view s);
// round(x, ndigits) as CPython computes it (correctly rounded decimal, then back to double).
double round_to(double x, int ndigits);
// repr(float) / str(float): shortest round-trip form, "1.0", "1e+16", "nan", "inf".
std::string float_repr(double x);

// Levenshtein distance over code points.
size_t levenshtein(std::string_view a, std::string_view b);

}  // namespace slime::eval::py
