// UHD grid chooser + anyres plan: exact on the Python reference's ~200 sizes (grids.json) and on
// model.md §2.7's table, which was computed with the upstream function.
#include <gtest/gtest.h>

#include "engine/common/error.h"
#include "engine/image/anyres.h"
#include "engine/image/pillow_resize.h"
#include "tests/unit/image/image_test_util.h"

namespace slime::image {
namespace {

using test::kImageData;

TEST(UhdGrid, MatchesReferenceOnAllSizes) {
  const auto golden = test::load_json(kImageData + "grids.json");
  ASSERT_GE(golden["plans"].size(), 190u);
  for (const auto& g : golden["plans"]) {
    const int w = g["size"][0], h = g["size"][1];
    SCOPED_TRACE(fmt::format("{}x{}", w, h));
    const AnyresPlan p = plan_anyres(w, h);
    EXPECT_EQ(p.grid.cols, g["grid"][0].get<int>());
    EXPECT_EQ(p.grid.rows, g["grid"][1].get<int>());
    EXPECT_EQ(p.canvas.width, g["canvas"][0].get<int>());
    EXPECT_EQ(p.canvas.height, g["canvas"][1].get<int>());
    EXPECT_EQ(p.resized.width, g["resized"][0].get<int>());
    EXPECT_EQ(p.resized.height, g["resized"][1].get<int>());
    EXPECT_EQ(p.offset_x, g["offset"][0].get<int>());
    EXPECT_EQ(p.offset_y, g["offset"][1].get<int>());
    ASSERT_EQ(p.crops.size(), g["crop_boxes"].size());
    for (size_t i = 0; i < p.crops.size(); ++i) {
      const auto& b = g["crop_boxes"][i];
      EXPECT_EQ(p.crops[i], (Box{b[0], b[1], b[2], b[3]})) << "crop " << i;
    }
  }
}

struct DocExample {
  Size image;
  GridShape grid;
  Size resized;
  int offset_x, offset_y;
};

TEST(UhdGrid, ModelDocExamples) {
  // model.md §2.7 (canvas = 336 * grid).
  const DocExample examples[] = {
      {{336, 336}, {1, 2}, {336, 336}, 0, 168},   {{224, 224}, {1, 2}, {336, 336}, 0, 168},
      {{500, 375}, {2, 1}, {448, 336}, 112, 0},   {{100, 2000}, {1, 3}, {51, 1008}, 142, 0},
      {{640, 480}, {2, 2}, {672, 504}, 0, 84},    {{480, 640}, {2, 2}, {504, 672}, 84, 0},
      {{672, 672}, {2, 2}, {672, 672}, 0, 0},     {{1344, 336}, {4, 1}, {1344, 336}, 0, 0},
      {{800, 600}, {3, 2}, {897, 672}, 55, 0},    {{1024, 768}, {3, 2}, {896, 672}, 56, 0},
      {{1280, 720}, {3, 2}, {1008, 567}, 0, 52},  {{1920, 1080}, {3, 2}, {1008, 567}, 0, 52},
      {{3840, 2160}, {3, 2}, {1008, 567}, 0, 52}, {{3000, 2000}, {3, 2}, {1008, 672}, 0, 0},
      {{1024, 1024}, {2, 3}, {672, 672}, 0, 168}, {{480, 1280}, {2, 3}, {378, 1008}, 147, 0},
      {{500, 2000}, {1, 5}, {336, 1344}, 0, 168}, {{2000, 300}, {6, 1}, {2016, 303}, 0, 16},
      {{4000, 500}, {7, 1}, {2352, 294}, 0, 21},
  };
  for (const auto& e : examples) {
    SCOPED_TRACE(fmt::format("{}x{}", e.image.width, e.image.height));
    const AnyresPlan p = plan_anyres(e.image.width, e.image.height);
    EXPECT_EQ(p.grid, e.grid);
    EXPECT_EQ(p.canvas, (Size{336 * e.grid.cols, 336 * e.grid.rows}));
    EXPECT_EQ(p.resized, e.resized);
    EXPECT_EQ(p.offset_x, e.offset_x);
    EXPECT_EQ(p.offset_y, e.offset_y);
  }
}

TEST(UhdGrid, CandidateOrder) {
  // model.md §2.1's table of visiting orders.
  auto str = [](int s) {
    std::string out;
    for (const auto& g : uhd_candidates(s)) out += fmt::format("({},{})", g.cols, g.rows);
    return out;
  };
  EXPECT_EQ(str(2), "(1,2)(2,1)(1,3)(3,1)");
  EXPECT_EQ(str(3), "(1,2)(2,1)(1,3)(3,1)(1,4)(2,2)(4,1)");
  EXPECT_EQ(str(4), "(1,3)(3,1)(1,4)(2,2)(4,1)(1,5)(5,1)");
  EXPECT_EQ(str(5), "(1,4)(2,2)(4,1)(1,5)(5,1)(1,6)(2,3)(3,2)(6,1)");
  EXPECT_EQ(str(6), "(1,5)(5,1)(1,6)(2,3)(3,2)(6,1)(1,7)(7,1)");
  EXPECT_EQ(uhd_slice_count(1, 1), 2);
  EXPECT_EQ(uhd_slice_count(336, 336), 2);
  EXPECT_EQ(uhd_slice_count(337, 336), 2);
  EXPECT_EQ(uhd_slice_count(336 * 3 + 1, 336), 4);
  EXPECT_EQ(uhd_slice_count(10000, 10000), 6);
}

TEST(AnyresPlan, CropBoxesAndTokenBudget) {
  const AnyresPlan p = plan_anyres(800, 600, 144);
  ASSERT_EQ(p.crops.size(), 6u);
  EXPECT_EQ(p.crops[0], (Box{0, 0, 336, 336}));
  EXPECT_EQ(p.crops[2], (Box{672, 0, 1008, 336}));  // row-major: third crop ends the first row
  EXPECT_EQ(p.crops[3], (Box{0, 336, 336, 672}));
  EXPECT_EQ(p.crops[5], (Box{672, 336, 1008, 672}));
  EXPECT_EQ(p.visual_tokens(), 576 + 1 + 144 * 6);  // model.md §1: bound 577 + L
  EXPECT_EQ(plan_anyres(4000, 500, 64).visual_tokens(), 577 + 64 * 7);
  EXPECT_THROW(plan_anyres(0, 10), Error);
  EXPECT_THROW(plan_anyres(10, 10, 0), Error);
}

TEST(AnyresViews, GlobalStretchAndPaddedCrops) {
  const RgbImage img = read_image(kImageData + "inputs/synth_800x600.png");
  const AnyresPlan p = plan_anyres(img.width, img.height);
  const auto views = make_views(img, p);
  ASSERT_EQ(views.size(), 7u);
  EXPECT_EQ(test::first_difference(views[0], pillow_resize_bicubic(img, 336, 336)), "");
  // The 897x672 fit sits at x = 55 on the 1008x672 canvas; the rest is black.
  const RgbImage resized = pillow_resize_bicubic(img, 897, 672);
  for (size_t c = 0; c < p.crops.size(); ++c) {
    const Box& b = p.crops[c];
    const RgbImage& v = views[1 + c];
    ASSERT_EQ(v.width, 336);
    ASSERT_EQ(v.height, 336);
    for (int y = 0; y < 336; ++y)
      for (int x = 0; x < 336; ++x) {
        const int cx = b.left + x - p.offset_x, cy = b.top + y - p.offset_y;
        const bool inside = cx >= 0 && cx < resized.width && cy >= 0 && cy < resized.height;
        for (int ch = 0; ch < 3; ++ch) {
          const int want = inside ? resized.row(cy)[cx * 3 + ch] : 0;
          ASSERT_EQ(v.row(y)[x * 3 + ch], want) << "crop " << c << " x=" << x << " y=" << y;
        }
      }
  }
}

}  // namespace
}  // namespace slime::image
