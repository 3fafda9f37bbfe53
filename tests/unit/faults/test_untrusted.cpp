// Untrusted input read by the library: image paths in every dataset format stay under the dataset
// root ('..', absolute paths, symlinked files and folders pointing out); size limits on base64
// cells, JSON-lines rows and whole JSON documents (dataset, config.json, spec, predictions);
// decompression bombs refused from the header. No LibTorch here (the sanitizer CI subset runs it);
// oversized generation requests are test_untrusted_requests.cpp.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ablations/spec.h"
#include "datasets/formats/json_files.h"
#include "datasets/registry.h"
#include "engine/common/error.h"
#include "engine/common/input_limits.h"
#include "engine/image/decode.h"
#include "engine/io/model_config.h"
#include "evaluators/predictions.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace slime {
namespace {

const fs::path kData = fs::path(SLIME_SOURCE_DIR) / "tests/data/datasets";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A fresh folder per test, with an image OUTSIDE it that the attacks point at.
class Untrusted : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() /
           ("slime_untrusted_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_ / "secret");
    fs::copy_file(kData / "llava/gqa/images/n288870.jpg", outside());
  }
  void TearDown() override { fs::remove_all(tmp_); }
  fs::path outside() const { return tmp_ / "secret" / "outside.jpg"; }
  // Under DIR: a symlinked file and a symlinked folder, both pointing out of the dataset.
  void plant_links(const fs::path& dir) const {
    fs::create_directories(dir);
    fs::create_symlink(outside(), dir / "link.jpg");
    fs::create_directory_symlink(tmp_ / "secret", dir / "up");
  }
  // The four attacks, as image paths relative to an image root at depth DEPTH below tmp_.
  std::vector<std::string> attacks(int depth, const std::string& link_prefix) const {
    std::string up;
    for (int i = 0; i < depth; ++i) up += "../";
    return {up + "secret/outside.jpg", outside().string(), link_prefix + "link.jpg", link_prefix + "up/outside.jpg"};
  }
  fs::path tmp_;
};

void expect_unsafe(const std::vector<data::Sample>& s, size_t first, size_t n) {
  ASSERT_GE(s.size(), first + n);
  for (size_t i = first; i < first + n; ++i) {
    EXPECT_TRUE(has(s[i].error, "unsafe_path:")) << "row " << i << ": " << s[i].error;
    EXPECT_TRUE(s[i].images.empty()) << "row " << i << " got an image";
  }
}

TEST_F(Untrusted, TsvImagePathsStayUnderTheRoot) {
  const fs::path dir = tmp_ / "tsv";
  plant_links(dir);
  fs::copy_file(outside(), dir / "good.jpg");
  std::ofstream tsv(dir / "MME.tsv");
  tsv << "index\tquestion\tanswer\tcategory\timage_path\n0\tq?\tYes\tcount\tgood.jpg\n";
  const auto bad = attacks(1, "");
  for (size_t i = 0; i < bad.size(); ++i) tsv << i + 1 << "\tq?\tYes\tcount\t" << bad[i] << "\n";
  tsv.close();
  data::LoadOptions opt;
  opt.path = (dir / "MME.tsv").string();
  const auto s = data::load_task_all("mme", opt);
  ASSERT_EQ(s.size(), 5u);
  EXPECT_TRUE(s[0].error.empty()) << s[0].error;
  expect_unsafe(s, 1, 4);
}

TEST_F(Untrusted, LlavaJsonlImagePathsStayUnderTheRoot) {
  const fs::path dir = tmp_ / "gqa";
  fs::copy(kData / "llava/gqa", dir, fs::copy_options::recursive);
  plant_links(dir / "images");
  const fs::path rows = dir / "llava_gqa_testdev_balanced.jsonl";
  std::ofstream out(rows, std::ios::app);
  const auto bad = attacks(2, "");
  for (size_t i = 0; i < bad.size(); ++i)
    out << json{{"question_id", "x" + std::to_string(i)}, {"image", bad[i]}, {"text", "q?"}}.dump() << "\n";
  out.close();
  data::LoadOptions opt;
  opt.path = dir.string();
  const auto s = data::load_task_all("gqa", opt);
  ASSERT_EQ(s.size(), 5u);
  EXPECT_TRUE(s[0].error.empty()) << s[0].error;
  expect_unsafe(s, 1, 4);
}

TEST_F(Untrusted, SlimeJsonlImagePathsStayUnderTheRoot) {
  // The layout scripts/convert_parquet.py writes from a parquet dataset.
  const fs::path dir = tmp_ / "vqav2";
  fs::copy(kData / "slime_jsonl/vqav2_val", dir, fs::copy_options::recursive);
  plant_links(dir / "images/validation");
  const fs::path rows = dir / "validation.jsonl";
  std::string first;
  { std::ifstream in(rows); std::getline(in, first); }
  std::ofstream out(rows, std::ios::trunc);
  out << first << "\n";
  const auto bad = attacks(1, "images/validation/");
  for (size_t i = 0; i < bad.size(); ++i) {
    json r = json::parse(first);
    r["id"] = "x" + std::to_string(i);
    r["image"] = bad[i];
    out << r.dump() << "\n";
  }
  out.close();
  json manifest = json::parse(std::ifstream(dir / "dataset.json"));
  manifest["splits"]["validation"] = 5;
  std::ofstream(dir / "dataset.json", std::ios::trunc) << manifest.dump();
  data::LoadOptions opt;
  opt.path = dir.string();
  opt.split = "validation";
  const auto s = data::load_task_all("vqav2_val", opt);
  ASSERT_EQ(s.size(), 5u);
  EXPECT_TRUE(s[0].error.empty()) << s[0].error;
  expect_unsafe(s, 1, 4);
}

TEST_F(Untrusted, ScienceQaImagePathsStayUnderTheRoot) {
  // ScienceQA puts the problem id first (images/<split>/<pid>/<image>): an absolute name stays
  // below the root by construction, '..' and links must still be caught.
  const fs::path dir = tmp_ / "scienceqa";
  fs::copy(kData / "scienceqa", dir, fs::copy_options::recursive);
  plant_links(dir / "images/test/7");
  json problems = json::parse(std::ifstream(dir / "problems.json"));
  problems["5"]["image"] = "../../../../secret/outside.jpg";
  problems["7"]["image"] = "link.jpg";
  std::ofstream(dir / "problems.json", std::ios::trunc) << problems.dump();
  data::LoadOptions opt;
  opt.path = dir.string();
  opt.split = "test";
  const auto s = data::load_task_all("scienceqa_img", opt);
  ASSERT_EQ(s.size(), 2u);  // problem 9 has no image: not in scienceqa_img
  expect_unsafe(s, 0, 2);
  problems["7"]["image"] = "up/outside.jpg";
  std::ofstream(dir / "problems.json", std::ios::trunc) << problems.dump();
  expect_unsafe(data::load_task_all("scienceqa_img", opt), 1, 1);
}

TEST_F(Untrusted, OversizedBase64CellIsTheSamplesErrorNotDecoded) {
  data::LoadOptions opt;
  opt.path = (kData / "tsv/MME.tsv").string();
  opt.max_base64_bytes = 64;  // every fixture image is larger
  data::DatasetInfo info;
  const auto s = data::load_task_all("mme", opt, &info);
  ASSERT_FALSE(s.empty());
  EXPECT_TRUE(has(s[0].error, "oversized_image: MME.tsv row 0: base64 image cell of")) << s[0].error;
  EXPECT_TRUE(has(s[0].error, "exceeds the limit of 64 bytes")) << s[0].error;
  EXPECT_TRUE(s[0].images.empty());
  EXPECT_EQ(info.errors["oversized_image"], static_cast<int64_t>(s.size()));
  EXPECT_EQ(data::LoadOptions{}.max_base64_bytes, kMaxBase64CellBytes);
}

TEST_F(Untrusted, OverlongJsonlRowIsABadRowAndTheRestLoads) {
  const fs::path file = tmp_ / "rows.jsonl";
  std::ofstream(file) << R"({"a": 1})" << "\n{\"big\": \"" << std::string(5000, 'x') << "\"}\n" << R"({"b": 2})" << "\n";
  std::vector<std::string> errors;
  int objects = 0;
  data::for_each_jsonl(file.string(), nullptr, [&](int64_t, const json& obj, const std::string& error) {
    if (error.empty()) ++objects; else errors.push_back(error);
    EXPECT_TRUE(error.empty() == obj.is_object());
  }, 1000);
  EXPECT_EQ(objects, 2);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(has(errors[0], "bad_row: rows.jsonl row 1: line of 5011 bytes exceeds the limit of 1000 bytes")) << errors[0];
}

// A file one byte over LIMIT, made sparse so the test writes nothing of that size.
fs::path sparse_file(const fs::path& path, int64_t limit) {
  std::ofstream(path) << "{}";
  fs::resize_file(path, static_cast<uintmax_t>(limit) + 1);
  return path;
}

void expect_limit_error(const std::function<void()>& read, const fs::path& path) {
  try {
    read();
    ADD_FAILURE() << path << " was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    EXPECT_TRUE(has(e.what(), path.filename().string())) << e.what();
    EXPECT_TRUE(has(e.what(), "exceeds the limit of")) << e.what();
  }
}

TEST_F(Untrusted, OversizedJsonDocumentsAreRefusedBeforeReading) {
  const fs::path config_dir = tmp_ / "model";
  fs::create_directories(config_dir);
  const fs::path config = sparse_file(config_dir / "config.json", kMaxSmallJsonBytes);
  expect_limit_error([&] { io::load_model_config(config.string()); }, config);
  const fs::path spec = sparse_file(tmp_ / "spec.json", kMaxSmallJsonBytes);
  expect_limit_error([&] { ablations::load_spec(spec.string()); }, spec);
  const fs::path doc = sparse_file(tmp_ / "questions.json", kMaxDatasetJsonBytes);
  expect_limit_error([&] { data::read_json_file(doc.string()); }, doc);
  const fs::path preds = sparse_file(tmp_ / "answers.csv", kMaxDatasetJsonBytes);
  expect_limit_error([&] { eval::read_predictions(preds.string()); }, preds);
}

TEST_F(Untrusted, PngClaiming100kBy100kIsRefusedFromItsHeader) {
  std::ifstream in(std::string(SLIME_SOURCE_DIR) + "/tests/data/image/inputs/synth_1x1.png", std::ios::binary);
  std::vector<uint8_t> png((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(png.size(), 24u);
  const uint8_t dims[8] = {0, 0x01, 0x86, 0xA0, 0, 0x01, 0x86, 0xA0};  // IHDR width, height = 100000
  std::copy(dims, dims + 8, png.begin() + 16);
  try {
    image::decode_image(png, "bomb.png");  // 3e10 bytes of RGB if it were allocated
    FAIL() << "decoded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_TRUE(has(e.what(), "bomb.png: image of 100000x100000 = 10000000000 pixels exceeds the limit of 178956970"))
        << e.what();
    EXPECT_TRUE(has(e.what(), "--max-image-pixels")) << e.what();
  }
}

}  // namespace
}  // namespace slime
