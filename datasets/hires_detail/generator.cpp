#include "datasets/hires_detail/generator.h"

#include <filesystem>
#include <fstream>

#include <cstdio>

#include <fmt/format.h>
#include <opencv2/core.hpp>
#include <opencv2/core/version.hpp>
#if SLIME_WITH_IMGCODECS
#include <opencv2/imgcodecs.hpp>
#else
#include <png.h>
#endif

#include "datasets/formats/slime_jsonl.h"
#include "datasets/hires_detail/items.h"
#include "engine/common/error.h"

namespace slime::data::hires {
namespace fs = std::filesystem;
namespace {

constexpr int kMaxAttempts = 100;      // scenes redrawn when objects did not fit (rare)
constexpr int kPngCompression = 6;     // fixed so the bytes do not depend on OpenCV's default
constexpr double kMultipleChoiceShare = 0.5;

void write_file(const fs::path& path, const void* data, size_t size) {
  std::ofstream out(path, std::ios::binary);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) throw_error(ErrorCode::kIo, "{}: write failed", path.string());
}

#if SLIME_WITH_IMGCODECS
bool encode_png(const cv::Mat& image, std::vector<uint8_t>& out) {
  const std::vector<int> params = {cv::IMWRITE_PNG_COMPRESSION, kPngCompression,
                                   cv::IMWRITE_PNG_STRATEGY, cv::IMWRITE_PNG_STRATEGY_DEFAULT};
  return cv::imencode(".png", image, out, params);
}
#else
// Without OpenCV imgcodecs (SLIME_IMGCODECS OFF): libpng with the calls OpenCV 4.6's PngEncoder makes
// for these parameters (level 6, default strategy, default filters, BGR input). The pixels are
// always the same; the bytes are the same when libpng and zlib are the versions OpenCV uses.
void png_append(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}

// Holds no object with a destructor: libpng's errors longjmp out of it.
bool png_write_bgr(png_structp png, png_infop info, const cv::Mat& image, png_bytepp rows, std::vector<uint8_t>* out) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_write_fn(png, out, png_append, nullptr);
  png_set_compression_level(png, kPngCompression);
  png_set_compression_strategy(png, 0);  // Z_DEFAULT_STRATEGY
  png_set_IHDR(png, info, png_uint_32(image.cols), png_uint_32(image.rows), 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_set_bgr(png);
  png_write_image(png, rows);
  png_write_end(png, info);
  return true;
}

bool encode_png(const cv::Mat& image, std::vector<uint8_t>& out) {
  if (image.type() != CV_8UC3) return false;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  std::vector<png_bytep> rows(size_t(image.rows));
  for (int y = 0; y < image.rows; ++y) rows[size_t(y)] = const_cast<png_bytep>(image.ptr<uint8_t>(y));
  out.clear();
  const bool ok = info != nullptr && png_write_bgr(png, info, image, rows.data(), &out);
  png_destroy_write_struct(&png, &info);
  return ok;
}
#endif

}  // namespace

HiresItem make_hires_item(const HiresDetailConfig& cfg, const std::string& split, int index) {
  if (cfg.sizes.empty()) throw_error(ErrorCode::kInvalidArgument, "hires-detail: no image sizes");
  Rng rng(item_seed(cfg.seed, split, index));
  const auto type = static_cast<ItemType>(index % kItemTypes);  // types balanced in every split
  const auto size = rng.pick(cfg.sizes);
  const bool mc = type == ItemType::kPosition || rng.chance(kMultipleChoiceShare);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto item = make_item(type, mc, size.first, size.second, rng);
    if (!item) continue;
    HiresItem out;
    out.sample = std::move(item->sample);
    out.sample.task = "hires_detail";
    out.sample.id = fmt::format("{}_{:05d}", split, index);
    out.sample.row = index;
    out.sample.split = split;
    if (!encode_png(item->image, out.png)) {
      throw_error(ErrorCode::kInternal, "hires-detail {}: PNG encoding failed", out.sample.id);
    }
    return out;
  }
  throw_error(ErrorCode::kInternal, "hires-detail {} {}: no room for the objects in {}x{} after {} attempts",
              split, index, size.first, size.second, kMaxAttempts);
}

void write_hires_detail(const std::string& out_dir, const HiresDetailConfig& cfg) {
  const fs::path root(out_dir);
  const std::vector<std::pair<std::string, int>> splits = {{"train", cfg.train}, {"val", cfg.val}, {"test", cfg.test}};
  nlohmann::json sizes = nlohmann::json::array(), counts = nlohmann::json::object();
  for (const auto& [w, h] : cfg.sizes) sizes.push_back(fmt::format("{}x{}", w, h));
  for (const auto& [split, n] : splits) {
    if (n < 0) throw_error(ErrorCode::kInvalidArgument, "hires-detail: negative size {} for split {}", n, split);
    counts[split] = n;
  }
  fs::create_directories(root);
  nlohmann::json manifest = {
      {"format", kSlimeJsonlFormat}, {"version", kSlimeJsonlVersion}, {"task", "hires_detail"},
      {"generator", {{"name", "slime hires-detail"}, {"version", kGeneratorVersion}, {"seed", cfg.seed},
                     {"sizes", sizes}, {"opencv", CV_VERSION}, {"png_compression", kPngCompression}}},
      {"splits", counts}};
#if !SLIME_WITH_IMGCODECS
  manifest["generator"]["png_encoder"] = "libpng " PNG_LIBPNG_VER_STRING;  // OpenCV imgcodecs otherwise
#endif
  const std::string m = manifest.dump(2) + "\n";
  write_file(root / "dataset.json", m.data(), m.size());
  for (const auto& [split, n] : splits) {
    const fs::path image_dir = root / "images" / split;
    fs::create_directories(image_dir);
    std::ofstream jsonl(root / (split + ".jsonl"), std::ios::binary);
    if (!jsonl) throw_error(ErrorCode::kIo, "{}: cannot write", (root / (split + ".jsonl")).string());
    for (int i = 0; i < n; ++i) {
      HiresItem item = make_hires_item(cfg, split, i);
      const std::string rel = fmt::format("images/{}/{}.png", split, item.sample.id);
      write_file(root / rel, item.png.data(), item.png.size());
      jsonl << slime_jsonl_row(item.sample, {rel}).dump() << "\n";
    }
    if (!jsonl) throw_error(ErrorCode::kIo, "{}: write failed", (root / (split + ".jsonl")).string());
  }
}

std::vector<std::pair<int, int>> parse_sizes(const std::string& text) {
  std::vector<std::pair<int, int>> out;
  size_t a = 0;
  while (a <= text.size()) {
    size_t b = text.find(',', a);
    if (b == std::string::npos) b = text.size();
    const std::string item = text.substr(a, b - a);
    int w = 0, h = 0;
    char x = 0, extra = 0;
    // Sides below 336 would have nothing to crop; above 4096 is past any grid the engine uses.
    if (std::sscanf(item.c_str(), "%d%c%d%c", &w, &x, &h, &extra) != 3 || x != 'x' || w < 336 || h < 336 || w > 4096 || h > 4096) {
      throw_error(ErrorCode::kInvalidArgument, "hires-detail: bad size '{}' (want WxH, each side 336..4096)", item);
    }
    out.emplace_back(w, h);
    a = b + 1;
  }
  return out;
}

}  // namespace slime::data::hires
