// hires-detail: the built-in benchmark whose answers are small details (10-20 px objects, ~10 px
// text) in high-resolution images, readable in the local crops but not in a 336x336 global view.
// Deterministic: the same config gives the same bytes (own RNG, fixed OpenCV drawing and PNG
// parameters). Written in the slime jsonl layout (datasets/README.md).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "datasets/sample.h"

namespace slime::data::hires {

inline constexpr int kGeneratorVersion = 2;  // bump when any drawing or question changes (2: unbiased answer letters)

struct HiresDetailConfig {
  uint64_t seed = 0;
  int train = 1000;
  int val = 200;
  int test = 400;
  // Image sizes (width, height) drawn per item: 4:3, 3:4, 2:1, 1:2 at a 1344-px long side and 1:1
  // at 1008 (a 1344x1344 square gets only 6 crops of 672x448, too coarse for 14-px details).
  std::vector<std::pair<int, int>> sizes = {{1344, 1008}, {1008, 1344}, {1344, 672}, {672, 1344}, {1008, 1008}};
};

struct HiresItem {
  Sample sample;             // id "<split>_<index:05>", images empty (see png), meta as in items.h
  std::vector<uint8_t> png;  // the encoded image
};

// Item `index` of `split`; depends only on (seed, split, index, sizes).
HiresItem make_hires_item(const HiresDetailConfig& cfg, const std::string& split, int index);

// Writes <out>/dataset.json, <out>/{train,val,test}.jsonl and <out>/images/<split>/<id>.png.
void write_hires_detail(const std::string& out_dir, const HiresDetailConfig& cfg);

// "1344x1008,672x1344" -> sizes; throws kInvalidArgument naming the bad entry.
std::vector<std::pair<int, int>> parse_sizes(const std::string& text);

}  // namespace slime::data::hires
