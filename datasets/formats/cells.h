// How the upstream Python readers see a text cell: pandas' NaN set, LLaVA's `is_none`, and
// Python list literals (VLMEvalKit stores VQA answer lists and multi-image cells as `str(list)`).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slime::data {

// pandas.read_csv default na_values (pandas >= 2.0, which added "None"): such a cell reads as NaN.
bool is_pandas_na(std::string_view cell);

// LLaVA model_vqa_mmbench.py `is_none`: None, NaN, or a string equal to "nan"/"none" ignoring case.
// Applied to the pandas value, so a NaN cell (absent) is none too.
bool llava_is_none(std::optional<std::string_view> value);

// Parses a Python list of string literals, e.g. `['a', "b's", 'c\n']` (what `str(list)` writes).
// nullopt when `text` is not such a literal. Numbers inside are kept as their text.
std::optional<std::vector<std::string>> parse_py_str_list(std::string_view text);

std::string trim(std::string_view s);
bool ends_with(std::string_view s, std::string_view suffix);
bool starts_with(std::string_view s, std::string_view prefix);

}  // namespace slime::data
