#include "datasets/hires_detail/items.h"

#include <algorithm>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "datasets/hires_detail/scene.h"

namespace slime::data::hires {
namespace {

// Letters used as labels and codes: no I/O/Q/1/0, which small Hershey glyphs make ambiguous.
const std::string kLetters = "ABCDEFGHJKLMNPRSTUVWXYZ";
const std::string kCodeChars = "ABCDEFGHJKLMNPRSTUVWXYZ23456789";

nlohmann::json box_json(const cv::Rect& r) { return {r.x, r.y, r.width, r.height}; }

// Letters A, B, ... for OPTIONS in their order; the Sample's answer becomes ANSWER's letter.
void set_options(Sample& s, const std::string& answer, const std::vector<std::string>& options) {
  for (size_t i = 0; i < options.size(); ++i) {
    const std::string letter(1, char('A' + i));
    s.options.push_back({letter, options[i]});
    if (options[i] == answer) s.answer = letter;
  }
}

// Turns the answer into a 4-way multiple choice: `distractors` must hold >= 3 distinct values
// other than `answer`. Options are shuffled, so the answer's letter is uniform over A-D; the
// Sample's answer becomes the letter.
void make_choice(Sample& s, const std::string& answer, std::vector<std::string> distractors, Rng& rng) {
  distractors.erase(std::remove(distractors.begin(), distractors.end(), answer), distractors.end());
  rng.shuffle(distractors);
  std::vector<std::string> options = {answer};
  for (size_t i = 0; i < distractors.size() && options.size() < 4; ++i) {
    if (std::find(options.begin(), options.end(), distractors[i]) == options.end()) options.push_back(distractors[i]);
  }
  rng.shuffle(options);
  set_options(s, answer, options);
}

std::vector<std::string> colour_names() {
  std::vector<std::string> v;
  for (const auto& c : palette()) v.push_back(c.name);
  return v;
}

// Distinct labels drawn from kLetters.
std::vector<std::string> labels(int n, Rng& rng) {
  std::vector<std::string> all;
  for (char c : kLetters) all.emplace_back(1, c);
  rng.shuffle(all);
  all.resize(static_cast<size_t>(n));
  return all;
}

bool count_item(Scene& scene, Sample& s, bool mc, Rng& rng) {
  const Kind kind = rng.pick(kinds());
  const int colour = rng.uniform(0, int(palette().size()) - 1);
  const int target = rng.uniform(2, 9);
  nlohmann::json details = nlohmann::json::array();
  for (int i = 0; i < target; ++i) {
    const int side = rng.uniform(kMinObject, kMaxObject);
    cv::Rect r;
    if (!scene.place(side, side, &r)) return false;
    scene.shape(kind, palette()[size_t(colour)].bgr, r);
    details.push_back(box_json(r));
  }
  // Distractors share the colour or the kind, never both.
  const int distractors = rng.uniform(4, 10);
  for (int i = 0; i < distractors; ++i) {
    Kind k = kind;
    int c = colour;
    if (rng.chance(0.5)) {
      while (k == kind) k = rng.pick(kinds());
    } else {
      while (c == colour) c = rng.uniform(0, int(palette().size()) - 1);
    }
    const int side = rng.uniform(kMinObject, kMaxObject);
    cv::Rect r;
    if (!scene.place(side, side, &r)) return false;
    scene.shape(k, palette()[size_t(c)].bgr, r);
  }
  s.question = fmt::format("How many small {} {}s are in the image?", palette()[size_t(colour)].name, kind_name(kind));
  const std::string answer = std::to_string(target);
  s.meta["answer_text"] = answer;
  s.meta["details"] = details;
  if (!mc) {
    s.answer = answer;
    return true;
  }
  // Four consecutive numbers in ascending order (numbers read best that way), the window placed so
  // that the answer's position in it is uniform: k numbers below the answer, k in 0..3 (fewer when
  // the answer is small). A window centred on the answer would make B/C a prior worth ~50 %.
  const int below = rng.uniform(0, std::min(3, target - 1));
  std::vector<std::string> window;
  for (int v = target - below; v < target - below + 4; ++v) window.push_back(std::to_string(v));
  set_options(s, answer, window);
  return true;
}

bool colour_item(Scene& scene, Sample& s, bool mc, Rng& rng) {
  const int n = rng.uniform(5, 8);
  const auto names = labels(n, rng);
  std::string answer;
  nlohmann::json details = nlohmann::json::array();
  for (int i = 0; i < n; ++i) {
    const auto& colour = rng.pick(palette());
    cv::Rect box;
    if (!scene.labelled_shape(rng.pick(kinds()), colour.bgr, rng.uniform(kMinObject, kMaxObject), names[size_t(i)], &box)) return false;
    if (i == 0) {
      answer = colour.name;
      details.push_back(box_json(box));
    }
  }
  s.question = fmt::format("What colour is the small shape labelled \"{}\"?", names[0]);
  s.meta["answer_text"] = answer;
  s.meta["details"] = details;
  if (mc) make_choice(s, answer, colour_names(), rng);
  else s.answer = answer;
  return true;
}

bool text_item(Scene& scene, Sample& s, bool mc, Rng& rng) {
  std::vector<int> colours(palette().size());
  for (size_t i = 0; i < colours.size(); ++i) colours[i] = int(i);
  rng.shuffle(colours);
  const int boxes = rng.uniform(2, 4);
  std::string answer;
  nlohmann::json details = nlohmann::json::array();
  for (int i = 0; i < boxes; ++i) {
    std::string code;
    for (int k = 0; k < 4; ++k) code += kCodeChars[size_t(rng.uniform(0, int(kCodeChars.size()) - 1))];
    int baseline = 0;
    const cv::Size ts = cv::getTextSize(code, kFont, kCodeScale, 1, &baseline);
    cv::Rect r;
    if (!scene.place(ts.width + 8, ts.height + baseline + 8, &r)) return false;
    cv::rectangle(scene.image, r, cv::Scalar(250, 250, 250), cv::FILLED);
    cv::rectangle(scene.image, r, palette()[size_t(colours[size_t(i)])].bgr, 2);
    scene.text(code, cv::Point(r.x + 4, r.y + 4 + ts.height), kCodeScale, cv::Scalar(20, 20, 20));
    if (i == 0) {
      answer = code;
      details.push_back(box_json(r));
    }
  }
  s.question = fmt::format("What code is written in the small box with the {} border?", palette()[size_t(colours[0])].name);
  s.meta["answer_text"] = answer;
  s.meta["details"] = details;
  if (!mc) {
    s.answer = answer;
    return true;
  }
  // Distractor codes differ from the answer in one character, the SAME position for all four, so the
  // whole code must be read: with a different position per distractor, the answer would be the
  // per-position majority of the options and could be picked without the image.
  const size_t pos = size_t(rng.uniform(0, 3));
  std::vector<std::string> variants;
  while (variants.size() < 3) {
    std::string v = answer;
    v[pos] = kCodeChars[size_t(rng.uniform(0, int(kCodeChars.size()) - 1))];
    if (v != answer && std::find(variants.begin(), variants.end(), v) == variants.end()) variants.push_back(v);
  }
  make_choice(s, answer, variants, rng);
  return true;
}

bool position_item(Scene& scene, Sample& s, Rng& rng) {
  const int n = rng.uniform(5, 8);
  const auto names = labels(n, rng);
  const int W = scene.image.cols, H = scene.image.rows;
  const char* relations[] = {"left", "right", "above", "below"};
  const int rel = rng.uniform(0, 3);
  cv::Rect first, second;
  if (!scene.labelled_shape(rng.pick(kinds()), rng.pick(palette()).bgr, rng.uniform(kMinObject, kMaxObject), names[0], &first)) return false;
  // The second object lies clearly along one axis: at least 150 px away along it, and at most a
  // quarter of that sideways, so the relation has one right answer.
  const int along = rng.uniform(150, std::max(151, (rel < 2 ? W : H) / 2));
  const int side = rng.uniform(-along / 4, along / 4);
  const int sign = (rel == 0 || rel == 2) ? 1 : -1;  // "first is left of second": second to the right
  const int dx = rel < 2 ? sign * along : side, dy = rel < 2 ? side : sign * along;
  const cv::Rect area(first.x + dx - 4, first.y + dy - 4, 9, 9);
  if (!scene.labelled_shape(rng.pick(kinds()), rng.pick(palette()).bgr, first.width, names[1], &second, &area)) return false;
  for (int i = 2; i < n; ++i) {
    cv::Rect box;
    if (!scene.labelled_shape(rng.pick(kinds()), rng.pick(palette()).bgr, rng.uniform(kMinObject, kMaxObject), names[size_t(i)], &box)) return false;
  }
  s.question = fmt::format("Where is the shape labelled \"{}\" relative to the shape labelled \"{}\"?", names[0], names[1]);
  const std::vector<std::string> texts = {"to the left", "to the right", "above", "below"};
  s.meta["answer_text"] = relations[rel];
  s.meta["details"] = {box_json(first), box_json(second)};
  // The four relations in a fixed order; the answer's letter is the relation's (uniform) index.
  set_options(s, texts[size_t(rel)], texts);
  return true;
}

}  // namespace

const char* item_type_name(ItemType t) {
  switch (t) {
    case ItemType::kCount: return "count";
    case ItemType::kColour: return "colour";
    case ItemType::kText: return "text";
    case ItemType::kPosition: return "position";
  }
  return "?";
}

std::optional<Item> make_item(ItemType type, bool multiple_choice, int width, int height, Rng& rng) {
  Scene scene(width, height, rng);
  Item item;
  Sample& s = item.sample;
  bool ok = false;
  switch (type) {
    case ItemType::kCount: ok = count_item(scene, s, multiple_choice, rng); break;
    case ItemType::kColour: ok = colour_item(scene, s, multiple_choice, rng); break;
    case ItemType::kText: ok = text_item(scene, s, multiple_choice, rng); break;
    case ItemType::kPosition: ok = position_item(scene, s, rng); break;
  }
  if (!ok) return std::nullopt;
  s.category = item_type_name(type);
  s.meta["type"] = s.category;
  s.meta["format"] = s.options.empty() ? "short" : "mc";
  s.meta["width"] = width;
  s.meta["height"] = height;
  item.image = scene.image;
  return item;
}

}  // namespace slime::data::hires
