// slime preprocess: the anyres plan of an image (or of a bare size) and, with --dump, the
// normalised [1+P, 3, 336, 336] tensor the vision tower would receive.
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "engine/common/error.h"
#include "engine/image/anyres.h"
#include "engine/image/clip_normalize.h"
#include "engine/image/decode.h"
#include "engine/io/torch_tensors.h"

namespace slime::cli {
namespace {

struct PreprocessOptions {
  std::string image;
  std::vector<int> size;
  int query_count = image::kDefaultQueryCount;
  bool json = false;
  bool fp16 = false;
  std::string dump;
};

nlohmann::json plan_json(const image::AnyresPlan& p) {
  nlohmann::json boxes = nlohmann::json::array();
  for (const auto& b : p.crops) boxes.push_back({b.left, b.top, b.right, b.bottom});
  return {{"canvas", {p.canvas.width, p.canvas.height}},
          {"resized", {p.resized.width, p.resized.height}},
          {"grid", {p.grid.cols, p.grid.rows}},
          {"crops", p.grid.count()},
          {"crop_boxes", boxes},
          {"visual_tokens", p.visual_tokens()}};
}

void print_plan(const image::AnyresPlan& p) {
  fmt::print("image:         {}x{}\n", p.image.width, p.image.height);
  fmt::print("canvas:        {}x{}\n", p.canvas.width, p.canvas.height);
  fmt::print("resized:       {}x{} at ({}, {})\n", p.resized.width, p.resized.height, p.offset_x, p.offset_y);
  fmt::print("grid:          {} x {} (cols x rows)\n", p.grid.cols, p.grid.rows);
  fmt::print("crops:         {}\n", p.grid.count());
  for (size_t i = 0; i < p.crops.size(); ++i) {
    const auto& b = p.crops[i];
    fmt::print("  crop {}: ({}, {}, {}, {})\n", i, b.left, b.top, b.right, b.bottom);
  }
  fmt::print("visual tokens: {} (global {} + separator {} + {} x {} local, before selection)\n", p.visual_tokens(),
             image::kGlobalTokens, image::kSeparatorTokens, p.query_count, p.grid.count());
}

void run(const PreprocessOptions& o) {
  if (!o.dump.empty() && o.image.empty())
    throw_error(ErrorCode::kInvalidArgument, "preprocess: --dump {} needs --image (a bare --size has no pixels)", o.dump);
  image::RgbImage img;
  int w = 0, h = 0;
  if (!o.image.empty()) {
    img = image::read_image(o.image);
    w = img.width;
    h = img.height;
  } else {
    if (o.size.size() != 2 || o.size[0] <= 0 || o.size[1] <= 0)
      throw_error(ErrorCode::kInvalidArgument, "preprocess: --size wants two positive integers W,H");
    w = o.size[0];
    h = o.size[1];
  }
  const image::AnyresPlan plan = image::plan_anyres(w, h, o.query_count);
  if (!o.dump.empty()) {
    // fp32 is the processor's exact output; --fp16 adds the runners' cast (model.md §2.5).
    const at::Tensor crops = image::preprocess_anyres(img, plan, o.fp16 ? at::kHalf : at::kFloat);
    io::save_safetensors(o.dump, {{"vision.crops", crops}},
                         {{"source", o.image}, {"grid", fmt::format("{}x{}", plan.grid.cols, plan.grid.rows)}});
  }
  if (o.json) fmt::print("{}\n", plan_json(plan).dump());
  else print_plan(plan);
}

}  // namespace

void register_preprocess(CLI::App& app) {
  auto opts = std::make_shared<PreprocessOptions>();
  auto* cmd = app.add_subcommand("preprocess", "SliME anyres preprocessing plan (grid, canvas, crops, token budget)");
  auto* image = cmd->add_option("--image", opts->image, "Image file to decode and plan");
  auto* size = cmd->add_option("--size", opts->size, "Plan for a size W,H without an image")->delimiter(',')->expected(2);
  image->excludes(size);
  size->excludes(image);
  cmd->add_option("--query-count", opts->query_count, "Resampler queries per local crop (mm_resampler_dim)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", opts->json, "Print one JSON object");
  cmd->add_option("--dump", opts->dump, "Write the normalised [1+P,3,336,336] tensor (vision.crops) to a safetensors file");
  cmd->add_flag("--fp16", opts->fp16, "Dump in fp16, rounded as the runners' images.to(torch.float16)");
  cmd->callback([opts, image, size] {
    if (image->count() == 0 && size->count() == 0)
      throw_error(ErrorCode::kInvalidArgument, "preprocess: give --image FILE or --size W,H");
    run(*opts);
  });
}

}  // namespace slime::cli
