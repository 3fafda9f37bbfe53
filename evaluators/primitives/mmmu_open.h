// MMMU open-answer parser and matcher (benchmarks.md §3.10; MMMU@51ce7f3 eval_utils.py as copied
// into lmms-eval tasks/mmmu/utils.py).
#pragma once
#include <string>
#include <vector>

namespace slime::eval {

// One normalised item of the parsed set: round(float, 2) or a lower-cased string.
struct MmmuItem {
  bool is_number = false;
  double number = 0.0;
  std::string text;
  bool operator==(const MmmuItem& o) const {
    return is_number == o.is_number && (is_number ? number == o.number : text == o.text);
  }
};

// normalize_str: strip; a number (after removing ',') -> [round(x, 2)]; else lower, and a single
// character c -> [" c", "c "].
std::vector<MmmuItem> mmmu_normalize_str(const std::string& s);
// extract_numbers: the three regexes, in upstream order.
std::vector<std::string> mmmu_extract_numbers(const std::string& s);
// parse_open_response: key sub-responses + their numbers, normalised, de-duplicated (set order is
// hash-dependent upstream; here: first-seen order).
std::vector<MmmuItem> mmmu_parse_open(const std::string& response);
// eval_open with the whole parsed list (MMMU official / SliME): any gold string inside any
// predicted string, or any predicted number equal to a gold number.
bool mmmu_eval_open(const std::vector<std::string>& golds, const std::vector<MmmuItem>& parsed);
// lmms-eval@75571cf after PR #724: the first parsed item is stored as ONE string and eval_open
// iterates over its characters; only a gold that normalises to "" can then match.
bool mmmu_eval_open_lmms(const std::vector<std::string>& golds, const std::vector<MmmuItem>& parsed);
// str(item) as Python prints it (floats via repr).
std::string mmmu_item_str(const MmmuItem& item);

}  // namespace slime::eval
