// hires-detail: same seed -> same bytes, items independent of split sizes, exact answers, and
// details that are small in the 336 global view but several pixels wide in a UHD local crop.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "datasets/hires_detail/generator.h"
#include "datasets/registry.h"
#include "engine/common/error.h"
#include "engine/image/uhd_grid.h"
#include "tests/unit/datasets/temp_path.h"

namespace slime::data::hires {
namespace {
namespace fs = std::filesystem;

// A detail (object side, text-box height) shown at most this many pixels in the 336x336 global
// view: ~5 px is below what a 14-px ViT patch resolves into a shape or a glyph.
constexpr double kGlobalMaxPx = 6.0;
// ...and at least this many pixels in the UHD crop that holds it (resized to 336x336), where
// shapes and ~10-px glyphs stay distinct.
constexpr double kCropMinPx = 7.0;
constexpr int kItems = 40;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(HiresDetail, SameSeedSameBytesOtherSeedOtherBytes) {
  HiresDetailConfig cfg;
  cfg.seed = 7;
  for (int i = 0; i < 4; ++i) {
    const HiresItem a = make_hires_item(cfg, "test", i), b = make_hires_item(cfg, "test", i);
    EXPECT_EQ(a.png, b.png) << i;
    EXPECT_EQ(a.sample.question, b.sample.question);
    EXPECT_EQ(a.sample.meta, b.sample.meta);
  }
  HiresDetailConfig other = cfg;
  other.seed = 8;
  EXPECT_NE(make_hires_item(cfg, "test", 0).png, make_hires_item(other, "test", 0).png);
  EXPECT_NE(make_hires_item(cfg, "test", 0).png, make_hires_item(cfg, "val", 0).png);
}

TEST(HiresDetail, ItemsAreExactAndDetailsSmall) {
  HiresDetailConfig cfg;
  cfg.seed = 3;
  std::map<std::string, int> types;
  for (int i = 0; i < kItems; ++i) {
    const HiresItem item = make_hires_item(cfg, "val", i);
    const Sample& s = item.sample;
    SCOPED_TRACE(s.id + " " + s.question);
    ++types[s.category];
    const cv::Mat img = cv::imdecode(item.png, cv::IMREAD_COLOR);
    ASSERT_FALSE(img.empty());
    EXPECT_EQ(img.cols, s.meta["width"].get<int>());
    EXPECT_EQ(img.rows, s.meta["height"].get<int>());
    EXPECT_TRUE(std::find(cfg.sizes.begin(), cfg.sizes.end(), std::make_pair(img.cols, img.rows)) != cfg.sizes.end());
    // The answer is exact: a letter naming the option whose text is answer_text, or the text.
    const std::string answer_text = s.meta["answer_text"];
    if (s.options.empty()) {
      EXPECT_EQ(s.answer, answer_text);
    } else {
      ASSERT_EQ(s.options.size(), 4u);
      int hits = 0;
      for (const auto& o : s.options) {
        const bool is_answer = o.letter == s.answer;
        hits += is_answer;
        if (is_answer && s.category != "position") {
          EXPECT_EQ(o.text, answer_text);
        }
      }
      EXPECT_EQ(hits, 1);
    }
    // Detail size in the global view and in the UHD crop.
    const auto grid = image::select_grid_uhd(img.cols, img.rows);
    const double global = 336.0 / std::max(img.cols, img.rows);
    const double crop = std::min(336.0 * grid.cols / img.cols, 336.0 * grid.rows / img.rows);
    ASSERT_FALSE(s.meta["details"].empty());
    for (const auto& box : s.meta["details"]) {
      const int w = box[2], h = box[3];
      // Text boxes are wide; what must be read is a glyph, about the box height minus padding.
      const int detail = s.category == "text" ? h - 8 : std::max(w, h);
      EXPECT_LE(detail * global, kGlobalMaxPx) << detail;
      EXPECT_GE(detail * crop, kCropMinPx) << detail << " in grid " << grid.cols << "x" << grid.rows;
      EXPECT_GE(box[0].get<int>(), 0);
      EXPECT_LE(box[0].get<int>() + w, img.cols);
      EXPECT_LE(box[1].get<int>() + h, img.rows);
    }
  }
  EXPECT_EQ(types, (std::map<std::string, int>{{"colour", 10}, {"count", 10}, {"position", 10}, {"text", 10}}));
}

TEST(HiresDetail, WritesTheJsonlLayoutReproducibly) {
  const fs::path a = testing::temp_path("slime_hires_a"), b = testing::temp_path("slime_hires_b");
  fs::remove_all(a);
  fs::remove_all(b);
  HiresDetailConfig cfg;
  cfg.seed = 11;
  cfg.train = 3;
  cfg.val = 2;
  cfg.test = 5;
  write_hires_detail(a.string(), cfg);
  HiresDetailConfig smaller = cfg;
  smaller.test = 3;  // item i does not depend on how many items a split has
  write_hires_detail(b.string(), smaller);
  for (int i = 0; i < 3; ++i) {
    const std::string rel = "images/test/test_0000" + std::to_string(i) + ".png";
    EXPECT_EQ(read_file(a / rel), read_file(b / rel)) << rel;
  }
  for (const auto& [split, n] : std::vector<std::pair<std::string, int>>{{"train", 3}, {"val", 2}, {"test", 5}}) {
    LoadOptions opt;
    opt.path = a.string();
    opt.split = split;
    DatasetInfo info;
    const auto samples = load_task_all("hires_detail", opt, &info);
    ASSERT_EQ(static_cast<int>(samples.size()), n) << split;
    EXPECT_TRUE(info.errors.empty());
    for (const auto& s : samples) {
      EXPECT_EQ(s.split, split);
      ASSERT_EQ(s.images.size(), 1u);
      const std::string prompt = find_task("hires_detail").prompt(s);
      EXPECT_EQ(prompt.rfind(s.question, 0), 0u);
    }
  }
  // The whole folder regenerates byte for byte: same content hash.
  fs::remove_all(b);
  write_hires_detail(b.string(), cfg);
  LoadOptions oa, ob;
  oa.path = a.string();
  ob.path = b.string();
  DatasetInfo ia, ib;
  load_task_all("hires_detail", oa, &ia);
  load_task_all("hires_detail", ob, &ib);
  EXPECT_EQ(ia.content_hash, ib.content_hash);
  EXPECT_EQ(read_file(a / "test.jsonl"), read_file(b / "test.jsonl"));
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(HiresDetail, ParsesSizes) {
  EXPECT_EQ(parse_sizes("1344x1008,672x1344"), (std::vector<std::pair<int, int>>{{1344, 1008}, {672, 1344}}));
  EXPECT_THROW(parse_sizes("1344"), Error);
  EXPECT_THROW(parse_sizes("100x100"), Error);
  EXPECT_THROW(parse_sizes("1344x1008x3"), Error);
}

}  // namespace
}  // namespace slime::data::hires
