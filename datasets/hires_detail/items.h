// The four hires-detail question types (private to datasets/hires_detail). Each draws one scene
// and fills the Sample's question/options/answer and meta (type, answer_text, details = the
// [x, y, w, h] boxes a model must read).
#pragma once
#include <optional>

#include <opencv2/core.hpp>

#include "datasets/hires_detail/rng.h"
#include "datasets/sample.h"

namespace slime::data::hires {

enum class ItemType { kCount = 0, kColour = 1, kText = 2, kPosition = 3 };
inline constexpr int kItemTypes = 4;
const char* item_type_name(ItemType t);

struct Item {
  cv::Mat image;
  Sample sample;
};

// nullopt when the scene had no room for the objects (the caller retries with the same rng).
std::optional<Item> make_item(ItemType type, bool multiple_choice, int width, int height, Rng& rng);

}  // namespace slime::data::hires
