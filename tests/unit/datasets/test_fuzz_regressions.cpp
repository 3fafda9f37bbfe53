// Inputs found by the fuzz targets (tests/fuzz) that once escaped the dataset readers as foreign
// exceptions; tests/data/fuzz_regressions/SOURCE.md says which target found each.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "datasets/formats/json_files.h"
#include "datasets/formats/llava_layout.h"
#include "datasets/formats/slime_jsonl.h"
#include "engine/common/error.h"

namespace {

const std::string kRegressions = SLIME_SOURCE_DIR "/tests/data/fuzz_regressions/";

// nlohmann reports a number beyond double (1e400) as out_of_range, not parse_error: the row is
// a bad row like any other invalid JSON, and the next row still loads.
TEST(BadInputFuzz, NumberOverflowIsABadRow) {
  slime::data::LoadOptions opt;
  opt.path = kRegressions + "number_overflow.jsonl";
  int64_t ok = 0;
  const auto info = slime::data::load_slime_jsonl("t", opt, [&](slime::data::Sample&& s) {
    if (s.error.empty()) ++ok;
    else EXPECT_NE(s.error.find("number overflow"), std::string::npos) << s.error;
  });
  EXPECT_EQ(info.total, 2);
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(info.errors.at("bad_row"), 1);
}

TEST(BadInputFuzz, NumberOverflowInAJsonFileIsAFormatError) {
  try {
    slime::data::read_json_file(kRegressions + "number_overflow_spec.json");
    ADD_FAILURE() << "no error";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), slime::ErrorCode::kFormat) << e.what();
  }
}

// An annotation whose answers are numbers: the sample carries a bad_row error naming the field.
TEST(BadInputFuzz, TextVqaAnswersNotStringsIsABadRow) {
  slime::data::LoadOptions opt;
  opt.path = kRegressions + "textvqa_answers";
  std::vector<slime::data::Sample> samples;
  slime::data::load_llava_textvqa("textvqa", opt, [&](slime::data::Sample&& s) { samples.push_back(std::move(s)); });
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].error.rfind("bad_row: ", 0), 0u) << samples[0].error;
  EXPECT_NE(samples[0].error.find("'answers'"), std::string::npos) << samples[0].error;
}

// dataset.json holding a list: not this layout's manifest (kUnsupported), and not recognised as one.
TEST(BadInputFuzz, ManifestNotAnObjectIsUnsupported) {
  const std::string dir = kRegressions + "slime_manifest_array";
  EXPECT_FALSE(slime::data::is_slime_jsonl_dir(dir));
  slime::data::LoadOptions opt;
  opt.path = dir;
  try {
    slime::data::load_slime_jsonl("t", opt, [](slime::data::Sample&&) {});
    ADD_FAILURE() << "no error";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), slime::ErrorCode::kUnsupported) << e.what();
  }
}

}  // namespace

namespace {

// fuzz_llava_jsonl: an MME question id whose category is longer than a file name may be
// (ENAMETOOLONG) made fs::exists throw filesystem_error out of load_llava_mme. Such a category now
// has no ground-truth file: the sample is kept with its missing-answer error, nothing throws.
TEST(BadInputFuzz, MmeCategoryLongerThanAFileNameIsNoException) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("slime_fuzz_mme_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string category(300, 'c');
  std::ofstream(dir / "llava_mme.jsonl") << R"({"question_id": ")" << category
                                         << R"(/q.jpg", "text": "Is there one?", "category": "x"})" << "\n";
  slime::data::LoadOptions opt;
  opt.path = dir.string();
  std::vector<slime::data::Sample> samples;
  EXPECT_NO_THROW(slime::data::load_llava_mme("mme", opt, [&](slime::data::Sample&& s) { samples.push_back(std::move(s)); }));
  EXPECT_EQ(samples.size(), 1u);
  fs::remove_all(dir);
}

}  // namespace
