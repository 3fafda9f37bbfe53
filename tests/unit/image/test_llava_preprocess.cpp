// LLaVA-1.5 / LLaVA-NeXT preprocessing against transformers' own outputs (tests/data/image_llava,
// scripts/reference/gen_llava_image_golden.py): CLIPImageProcessor 4.37.2 and LlavaNextImageProcessor
// 4.40.2 pixels bit for bit (float32 and the float16 cast), and the processor's / model's geometry
// (select_best_resolution, _get_patch_output_size, get_anyres_image_grid_shape, unpad_image) exactly.
#include <cstring>
#include <fstream>

#include <gtest/gtest.h>

#include "engine/common/error.h"
#include "engine/image/clip_normalize.h"
#include "engine/image/llava_preprocess.h"
#include "tests/unit/image/image_test_util.h"

namespace slime::image {
namespace {

const std::string kData = std::string(SLIME_SOURCE_DIR) + "/tests/data/image_llava/";

std::vector<Resolution> pinpoints(const nlohmann::json& j) {
  std::vector<Resolution> out;
  for (const auto& p : j) out.push_back({p[0].get<int64_t>(), p[1].get<int64_t>()});
  return out;
}

Resolution hw(const nlohmann::json& j) { return {j[0].get<int64_t>(), j[1].get<int64_t>()}; }

uint32_t tensor_crc(const at::Tensor& t) {
  const at::Tensor c = t.contiguous();
  return test::crc32(static_cast<const uint8_t*>(c.data_ptr()), size_t(c.numel()) * c.element_size());
}

// "" when GOT (float32 [N, 3, S, S]) equals WANT bit for bit, else the first differing element.
std::string first_float_difference(const at::Tensor& got, const std::vector<float>& want) {
  const at::Tensor c = got.contiguous();
  if (size_t(c.numel()) != want.size()) return fmt::format("{} values, expected {}", c.numel(), want.size());
  const float* g = c.data_ptr<float>();
  const int64_t s = c.size(3), plane = s * s;
  for (size_t i = 0; i < want.size(); ++i)
    if (std::memcmp(&g[i], &want[i], 4) != 0)
      return fmt::format("view {} channel {} y={} x={}: got {:.9g}, expected {:.9g}", int64_t(i) / (3 * plane),
                         int64_t(i) / plane % 3, int64_t(i) % plane / s, int64_t(i) % s, g[i], want[i]);
  return "";
}

std::vector<float> read_f32(const std::string& path, size_t count) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<float> v(count);
  in.read(reinterpret_cast<char*>(v.data()), std::streamsize(count * 4));
  if (size_t(in.gcount()) != count * 4) throw std::runtime_error(path + " is shorter than the golden shape");
  return v;
}

// The expected float32 values of a views PNG (N*S rows of S pixels): normalise(byte). The generator
// asserted that HF's float32 is exactly that; the whole stream is also CRC-checked against HF.
std::vector<float> views_to_f32(const RgbImage& views, int64_t n, int64_t s) {
  std::vector<float> v(size_t(n * 3 * s * s));
  for (int64_t i = 0; i < n; ++i)
    for (int c = 0; c < 3; ++c)
      for (int64_t y = 0; y < s; ++y)
        for (int64_t x = 0; x < s; ++x)
          v[size_t(((i * 3 + c) * s + y) * s + x)] = clip_normalize_value(c, views.row(int(i * s + y))[x * 3 + c]);
  return v;
}

at::Tensor run_case(const nlohmann::json& cs, const RgbImage& img, at::ScalarType dtype) {
  const int s = cs["crop"].get<int>();
  if (cs["processor"] == "llava15") return preprocess_llava(img, s, cs["pad"].get<bool>(), dtype);
  return preprocess_llava_next(img, plan_llava_next(img.width, img.height, pinpoints(cs["pinpoints"]), s), dtype);
}

TEST(LlavaPreprocess, PixelsBitExactAgainstTransformers) {
  const auto golden = test::load_json(kData + "pixels.json");
  ASSERT_GE(golden["cases"].size(), 30u);
  int raw = 0, png = 0;
  for (const auto& cs : golden["cases"]) {
    const std::string label = fmt::format("{} {} S={} {}", cs["processor"].get<std::string>(),
                                          cs["input"].get<std::string>(), cs["crop"].get<int>(),
                                          cs.contains("pad") ? cs["pad"].dump() : cs["pinpoints"].dump());
    SCOPED_TRACE(label);
    const RgbImage img = read_image(test::kImageData + "inputs/" + cs["input"].get<std::string>());
    if (cs["processor"] == "llava_next") {  // the plan must match the processor's own numbers
      const LlavaNextPlan plan = plan_llava_next(img.width, img.height, pinpoints(cs["pinpoints"]), cs["crop"]);
      EXPECT_EQ(plan.image, hw(cs["image_sizes"]));  // HF's image_sizes are (height, width)
      EXPECT_EQ(plan.best, hw(cs["best"]));
      EXPECT_EQ(plan.resized, hw(cs["resized"]));
    }
    const at::Tensor f32 = run_case(cs, img, at::kFloat);
    std::vector<int64_t> shape = cs["shape"];
    ASSERT_EQ(f32.sizes(), at::IntArrayRef(shape));
    ASSERT_EQ(f32.scalar_type(), at::kFloat);
    const size_t count = size_t(f32.numel());
    std::vector<float> want;
    if (cs.contains("f32")) {
      want = read_f32(kData + cs["f32"].get<std::string>(), count);
      ++raw;
    } else {
      want = views_to_f32(read_image(kData + cs["views"].get<std::string>()), shape[0], shape[2]);
      ++png;
    }
    EXPECT_EQ(first_float_difference(f32, want), "");
    EXPECT_EQ(tensor_crc(f32), cs["crc32_f32"].get<uint32_t>()) << "float32 bytes differ from HF's";
    const at::Tensor f16 = run_case(cs, img, at::kHalf);
    ASSERT_EQ(f16.scalar_type(), at::kHalf);
    EXPECT_EQ(tensor_crc(f16), cs["crc32_f16"].get<uint32_t>()) << "float16 bytes differ from HF's .half()";
  }
  EXPECT_GE(raw, 10);
  EXPECT_GE(png, 6);
}

TEST(LlavaPreprocess, GoldensCoverTheOddMarginQuirk) {
  // An odd margin makes HF's padded canvas one pixel short (S-1 deep last patches): at least one
  // LLaVA-NeXT pixel case must exercise it, or the test above would not pin it down.
  const auto golden = test::load_json(kData + "pixels.json");
  int odd = 0;
  for (const auto& cs : golden["cases"])
    if (cs["processor"] == "llava_next") {
      const Resolution best = hw(cs["best"]), resized = hw(cs["resized"]);
      odd += ((best.width - resized.width) % 2) + ((best.height - resized.height) % 2);
    }
  EXPECT_GE(odd, 2);
}

TEST(LlavaPreprocess, PlansMatchTransformers) {
  const auto g = test::load_json(kData + "geometry.json");
  const auto& sets = g["pinpoints"];
  ASSERT_GE(g["select_best_resolution"].size(), 1000u);
  for (const auto& row : g["select_best_resolution"]) {
    const Resolution img = hw(row["hw"]);
    EXPECT_EQ(select_best_resolution(img, pinpoints(sets[row["pinpoints"].get<std::string>()])), hw(row["best"]))
        << row.dump();
  }
  for (const auto& row : g["patch_output_size"]) {
    const Resolution img = hw(row["hw"]);
    const LlavaNextPlan plan = plan_llava_next(int(img.width), int(img.height),
                                               pinpoints(sets[row["pinpoints"].get<std::string>()]), row["crop"]);
    EXPECT_EQ(plan.best, hw(row["best"])) << row.dump();
    EXPECT_EQ(plan.resized, hw(row["resized"])) << row.dump();
  }
}

TEST(LlavaPreprocess, GridShapeMatchesTheModel) {
  const auto g = test::load_json(kData + "geometry.json");
  int diverging = 0;
  for (const auto& row : g["grid_shape"]) {
    const Resolution img = hw(row["hw"]);
    const auto pins = pinpoints(g["pinpoints"][row["pinpoints"].get<std::string>()]);
    const int64_t crop = row["crop"];
    const auto grid = llava_next_grid_shape(img, pins, crop);
    EXPECT_EQ(grid.first, row["grid_model"][0].get<int64_t>()) << row.dump();
    EXPECT_EQ(grid.second, row["grid_model"][1].get<int64_t>()) << row.dump();
    // The processor's plan follows the Python-int (float64) call.
    const LlavaNextPlan plan = plan_llava_next(int(img.width), int(img.height), pins, crop);
    EXPECT_EQ(plan.rows(), row["grid_python"][0].get<int64_t>()) << row.dump();
    EXPECT_EQ(plan.cols(), row["grid_python"][1].get<int64_t>()) << row.dump();
    diverging += row["grid_model"] != row["grid_python"];
  }
  EXPECT_GE(diverging, 1) << "the goldens no longer hold a float32/float64 divergence case";
}

TEST(LlavaPreprocess, UnpadBoxMatchesTheModel) {
  const auto g = test::load_json(kData + "geometry.json");
  ASSERT_GE(g["unpad"].size(), 1000u);
  int diverging = 0;
  for (const auto& row : g["unpad"]) {
    diverging += row["box_model"] != row["box_python"];
    const auto feat = row["feat_hw"];
    const UnpadBox b = llava_next_unpad_box(hw(row["original_hw"]), feat[0].get<int64_t>(), feat[1].get<int64_t>());
    if (row["box_model"].is_null()) {  // HF keeps nothing
      EXPECT_TRUE(b.bottom <= b.top || b.right <= b.left) << row.dump();
      continue;
    }
    const std::vector<int64_t> want = row["box_model"];
    EXPECT_EQ((std::vector<int64_t>{b.top, b.bottom, b.left, b.right}), want) << row.dump();
  }
  // Rows where the model's float32 arithmetic keeps other rows/columns than float64 would: the
  // cases that tell the two apart must stay in the goldens.
  EXPECT_GE(diverging, 1) << "the goldens no longer hold a float32/float64 divergence case";
}

TEST(LlavaPreprocess, ExpandToSquareAndFill) {
  EXPECT_EQ(clip_mean_fill(), (std::array<uint8_t, 3>{122, 116, 104}));
  RgbImage wide(4, 1);  // W > H: pasted at y = (4 - 1) // 2 = 1
  for (size_t i = 0; i < wide.rgb.size(); ++i) wide.rgb[i] = uint8_t(200 + i);
  const RgbImage sq = expand_to_square(wide, {1, 2, 3});
  ASSERT_EQ(sq.width, 4);
  ASSERT_EQ(sq.height, 4);
  EXPECT_EQ(std::memcmp(sq.row(1), wide.row(0), 12), 0);
  EXPECT_EQ(sq.row(0)[0], 1);
  EXPECT_EQ(sq.row(3)[11], 3);
  RgbImage tall(1, 4);  // H > W: pasted at x = (4 - 1) // 2 = 1
  tall.rgb.assign(tall.rgb.size(), 9);
  const RgbImage sq2 = expand_to_square(tall, {1, 2, 3});
  EXPECT_EQ(sq2.row(2)[3], 9);
  EXPECT_EQ(sq2.row(2)[0], 1);
  EXPECT_EQ(sq2.row(2)[6], 1);
  const RgbImage same = expand_to_square(sq, {0, 0, 0});
  EXPECT_EQ(same.rgb, sq.rgb);
}

TEST(LlavaPreprocess, RejectsBadArguments) {
  const std::vector<Resolution> pins = {{112, 56}, {56, 112}};
  EXPECT_THROW(select_best_resolution({10, 10}, {}), Error);
  EXPECT_THROW(plan_llava_next(10, 10, {}, 56), Error);
  EXPECT_THROW(plan_llava_next(0, 10, pins, 56), Error);
  EXPECT_THROW(plan_llava_next(10, 10, {{100, 56}}, 56), Error);  // not a multiple of the crop
  EXPECT_THROW(plan_llava_next(10, 10, pins, 1), Error);
  EXPECT_THROW(clip_resize_center_crop(RgbImage(3, 3), 0), Error);
  EXPECT_THROW(llava_next_unpad_box({0, 5}, 4, 4), Error);
  const LlavaNextPlan plan = plan_llava_next(10, 10, pins, 56);
  try {
    preprocess_llava_next(RgbImage(11, 10), plan);
    FAIL() << "a plan for another size was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kShape);
  }
}

}  // namespace
}  // namespace slime::image
