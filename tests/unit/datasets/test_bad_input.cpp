// Bad input: every broken row becomes a kept Sample with a "code: message" error naming the file
// and row, counted per code; image paths cannot leave the dataset root.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "datasets/formats/safe_path.h"
#include "datasets/registry.h"
#include "engine/common/error.h"
#include "tests/unit/datasets/temp_path.h"

namespace slime::data {
namespace {
namespace fs = std::filesystem;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(BadInput, TsvRowsKeepTheirErrors) {
  LoadOptions opt;
  opt.path = "tests/data/datasets/tsv/bad.tsv";
  DatasetInfo info;
  const auto s = load_task_all("ai2d", opt, &info);
  ASSERT_EQ(s.size(), 9u);  // nothing dropped
  EXPECT_TRUE(s[0].error.empty()) << s[0].error;
  EXPECT_TRUE(s[0].hint.empty());  // "None" reads as NaN
  EXPECT_TRUE(has(s[1].error, "corrupt_base64: bad.tsv row 1")) << s[1].error;
  EXPECT_TRUE(has(s[2].error, "corrupt_base64: bad.tsv row 2")) << s[2].error;
  EXPECT_TRUE(has(s[2].error, "not an image")) << s[2].error;
  EXPECT_TRUE(has(s[3].error, "missing_image: bad.tsv row 3: image refers to index '77'")) << s[3].error;
  EXPECT_TRUE(has(s[4].error, "missing_field: bad.tsv row 4: column 'question'")) << s[4].error;
  EXPECT_TRUE(s[5].error.empty()) << s[5].error;
  EXPECT_EQ(s[5].question, "quoted\ttab and \"quote\"\nnewline");
  EXPECT_EQ(s[5].options[1].text, "notail");
  EXPECT_TRUE(s[6].error.empty()) << s[6].error;  // short row: missing cells are NaN
  EXPECT_TRUE(has(s[7].error, "bad_row:")) << s[7].error;
  EXPECT_EQ(s[8].question, "mid\"quote stays");
  EXPECT_EQ(s[5].images[0].bytes, s[0].images[0].bytes);
  EXPECT_EQ(info.errors, (std::map<std::string, int64_t>{
                             {"corrupt_base64", 2}, {"missing_image", 1}, {"missing_field", 1}, {"bad_row", 1}}));
  EXPECT_EQ(info.total, 9);
}

TEST(BadInput, JsonlRowsMissingImagesBadJsonAndEscapes) {
  LoadOptions opt;
  opt.path = "tests/data/datasets/llava/bad_gqa";
  DatasetInfo info;
  const auto s = load_task_all("gqa", opt, &info);
  ASSERT_EQ(s.size(), 5u);
  EXPECT_TRUE(has(s[0].error, "missing_image: llava_gqa_testdev_balanced.jsonl row 0")) << s[0].error;
  EXPECT_TRUE(has(s[1].error, "bad_row: llava_gqa_testdev_balanced.jsonl row 1")) << s[1].error;
  EXPECT_TRUE(has(s[2].error, "unsafe_path: llava_gqa_testdev_balanced.jsonl row 2: image path '../escape.jpg' leaves")) << s[2].error;
  EXPECT_TRUE(has(s[3].error, "unsafe_path: llava_gqa_testdev_balanced.jsonl row 3: image path '/etc/hostname' is absolute")) << s[3].error;
  EXPECT_TRUE(has(s[4].error, "missing_field: testdev_balanced_questions.json: no question 5")) << s[4].error;
  EXPECT_EQ(info.errors, (std::map<std::string, int64_t>{
                             {"missing_image", 1}, {"bad_row", 1}, {"unsafe_path", 2}, {"missing_field", 1}}));
}

TEST(BadInput, SymlinksOutOfTheRootAreRefused) {
  const fs::path tmp = testing::temp_path("slime_test_symlink");
  fs::remove_all(tmp);
  fs::create_directories(tmp / "root" / "images");
  std::ofstream(tmp / "outside.png") << "x";
  std::ofstream(tmp / "root" / "images" / "inside.png") << "x";
  fs::create_symlink(tmp / "outside.png", tmp / "root" / "images" / "link.png");
  fs::create_directory_symlink(tmp, tmp / "root" / "up");
  fs::create_symlink(tmp / "root" / "images" / "inside.png", tmp / "root" / "images" / "ok_link.png");
  const std::string root = (tmp / "root").string();
  EXPECT_TRUE(resolve_under_root(root, "images/inside.png", "t").error.empty());
  EXPECT_TRUE(resolve_under_root(root, "images/ok_link.png", "t").error.empty());
  EXPECT_TRUE(resolve_under_root(root, "images/../images/inside.png", "t").error.empty());
  EXPECT_TRUE(has(resolve_under_root(root, "images/link.png", "f row 2").error, "unsafe_path: f row 2: image path 'images/link.png' resolves outside"));
  EXPECT_TRUE(has(resolve_under_root(root, "up/outside.png", "t").error, "unsafe_path"));
  EXPECT_TRUE(has(resolve_under_root(root, "images/../../outside.png", "t").error, "unsafe_path"));
  EXPECT_TRUE(has(resolve_under_root(root, "images/none.png", "t").error, "missing_image"));
  EXPECT_TRUE(has(resolve_under_root(root, "", "t").error, "missing_image"));
  fs::remove_all(tmp);
}

TEST(BadInput, WrongPathsThrowNamingThem) {
  LoadOptions opt;
  opt.path = "tests/data/datasets/does_not_exist.tsv";
  EXPECT_THROW(load_task_all("mme", opt), Error);
  opt.path = "tests/data/datasets/llava/gqa";
  try {
    load_task_all("hallusionbench", opt);  // a folder, but HallusionBench has no folder loader
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_TRUE(has(e.what(), "llava/gqa")) << e.what();
  }
}

}  // namespace
}  // namespace slime::data
