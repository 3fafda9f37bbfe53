// Every registry task loads from at least one real format (fixtures of gen_fixtures.py), with the
// exact prompt its LLaVA-family builder makes for the first sample (snapshot).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "datasets/registry.h"
#include "engine/common/error.h"
#include "tests/unit/datasets/temp_path.h"

namespace slime::data {
namespace {
namespace fs = std::filesystem;

const std::string kData = "tests/data/datasets/";
const std::string S = "\nAnswer the question using a single word or phrase.";
const std::string M = "\nAnswer with the option's letter from the given choices directly.";

struct Case {
  std::string task, path, split;
  int64_t count, filtered;
  std::string first_id, first_answer, first_prompt;
};

const std::vector<Case> kCases = {
    {"mme", "tsv/MME.tsv", "", 4, 0, "0", "Yes", "Is there a dog in this image?" + S},
    {"mme", "llava/mme", "", 4, 0, "count/000000470121.jpg", "Yes", "Is there only one bottle in the image?" + S},
    {"pope_adversarial", "llava/pope", "", 2, 4, "1", "yes", "Is there a dog in the image?" + S},
    {"pope_popular", "llava/pope", "", 2, 4, "3", "yes", "Is there a person in the image?" + S},
    {"pope_random", "llava/pope", "", 2, 4, "5", "no", "Is there a car in the image?" + S},
    {"pope_random", "tsv/POPE.tsv", "", 2, 1, "1", "no", "Is there a cat in the image?" + S},
    {"textvqa_val_ocr", "llava/textvqa", "", 2, 0, "34602", "", "What brand is this?\nReference OCR token: NOKIA, 5:30, $1,000, don't" + S},
    {"textvqa_val", "llava/textvqa", "", 2, 0, "34602", "", "What brand is this?" + S},
    {"textvqa_val", "tsv/TextVQA_VAL.tsv", "", 1, 0, "0",
     "['nokia', 'nokia', 'nokia', 'nokia', 'nokia', 'nokia', 'nokia', 'nokia', \"nokia's\", 'nokia']", "what brand is this?" + S},
    {"gqa", "llava/gqa", "", 1, 0, "20968379", "yes", "Do the shorts have dark color?" + S},
    {"gqa", "tsv/GQA_TestDev_Balanced.tsv", "", 1, 0, "0", "white", "What colour is the wall?" + S},
    {"vqav2_val", "slime_jsonl/vqav2_val", "validation", 2, 0, "262148000", "down", "Where is he looking?" + S},
    {"mmbench_dev_en", "tsv/MMBench_DEV_EN.tsv", "", 3, 0, "10", "A",
     "The picture shows a square.\nWhich colour is the square?\nA. red\nB. green\nC. blue\nD. grey" + M},
    {"mmbench_dev_cn", "tsv/MMBench_DEV_CN.tsv", "", 1, 0, "20", "A",
     "图中有一个方块。\n图中的方块是什么颜色？\nA. 红色\nB. 绿色\nC. 蓝色\nD. 灰色\n请直接回答选项字母。"},
    {"seed_image", "tsv/SEEDBench_IMG.tsv", "", 1, 0, "1", "C",
     "What colour dominates the image?\nA. red\nB. green\nC. blue\nD. grey" + M},
    {"scienceqa_img", "scienceqa", "", 2, 1, "5", "A", "Context: Look at the picture.\nWhich colour is shown?\nA. red\nB. green" + M},
    {"scienceqa_img", "tsv/ScienceQA_TEST.tsv", "", 1, 1, "0", "A", "Context: Look at the picture.\nWhich colour is shown?\nA. red\nB. green" + M},
    {"mmstar", "tsv/MMStar.tsv", "", 1, 0, "0", "A", "Which shape is it?\nOptions: A: square, B: circle, C: star, D: line" + M},
    {"ai2d", "tsv/AI2D_TEST.tsv", "", 1, 0, "0", "A", "Which stage comes first?\nA. egg\nB. larva\nC. pupa\nD. adult" + M},
    {"chartqa", "tsv/ChartQA_TEST.tsv", "", 1, 0, "0", "42", "What is the highest value?" + S},
    {"docvqa_val", "tsv/DocVQA_VAL.tsv", "", 1, 0, "0", "['1 May 1999', 'May 1, 1999']", "What is the date?" + S},
    {"realworldqa", "tsv/RealWorldQA.tsv", "", 1, 0, "0", "B",
     "How many lanes are there?\nA. 2\nB. 3\nC. 4\nPlease answer directly with only the letter of the correct option and nothing else."},
    {"mmmu_val", "tsv/MMMU_DEV_VAL.tsv", "", 2, 1, "validation_Art_1", "A",
     "Which colour is <image 1>?\nA. red\nB. green\n\nAnswer with the option's letter from the given choices directly."},
    {"mathvista_testmini", "tsv/MathVista_MINI.tsv", "", 3, 0, "1", "3.5",
     "What is the length of the bar? (Unit: cm)\nAnswer the question using a single floating-point number with one decimal place."},
    {"hallusionbench", "tsv/HallusionBench.tsv", "", 1, 0, "VD_figure_0_0_0", "No", "Is the left line longer than the right line?"},
    {"amber_d", "tsv/AMBER.tsv", "", 1, 0, "1", "Yes", "Is there a tree in this image?"},
    {"mmvet", "llava/mmvet", "", 1, 0, "0", "-1<AND>-5", "What is x in the equation?"},
    {"mmvet", "tsv/MMVet.tsv", "", 1, 0, "0", "red", "What is the colour of the square?"},
    {"llava_bench", "llava/llava_bench", "", 1, 0, "0", "The famous sight in the photo is Diamond Head.",
     "What is the name of this famous sight in the photo?"},
};

TEST(Formats, EveryCaseLoadsWithTheSnapshotPrompt) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.task + " from " + c.path);
    LoadOptions opt;
    opt.path = kData + c.path;
    opt.split = c.split;
    DatasetInfo info;
    const auto samples = load_task_all(c.task, opt, &info);
    ASSERT_EQ(static_cast<int64_t>(samples.size()), c.count);
    EXPECT_EQ(info.total, c.count);
    EXPECT_EQ(info.filtered, c.filtered);
    EXPECT_TRUE(info.errors.empty()) << info.errors.begin()->first;
    EXPECT_EQ(info.content_hash.size(), 64u);
    const Sample& s = samples[0];
    EXPECT_EQ(s.task, c.task);
    EXPECT_EQ(s.id, c.first_id);
    EXPECT_EQ(s.answer, c.first_answer);
    EXPECT_EQ(find_task(c.task).prompt(s), c.first_prompt);
    for (const auto& x : samples) {
      EXPECT_TRUE(x.error.empty()) << x.error;
      ASSERT_EQ(x.images.size(), 1u) << x.id;
      EXPECT_TRUE(x.images[0].path.empty() != x.images[0].bytes.empty()) << x.id;
    }
  }
}

TEST(Formats, EveryRegisteredTaskHasACase) {
  for (const auto& t : all_tasks()) {
    if (t.name == "hires_detail") continue;  // test_hires_detail.cpp generates its data
    bool found = false;
    for (const auto& c : kCases) found |= c.task == t.name;
    EXPECT_TRUE(found) << t.name;
    EXPECT_GT(t.max_new_tokens, 0) << t.name;
    EXPECT_FALSE(t.max_new_tokens_source.empty()) << t.name;
  }
  EXPECT_THROW(find_task("nope"), Error);
}

TEST(Formats, LlavaLayoutsRebuildTheQuestionFileText) {
  // The LLaVA question files already hold the prompt; our builders must reproduce it byte for byte.
  for (const auto& [task, path] : std::vector<std::pair<std::string, std::string>>{
           {"mme", "llava/mme"}, {"pope_adversarial", "llava/pope"}, {"pope_popular", "llava/pope"}, {"pope_random", "llava/pope"},
           {"textvqa_val_ocr", "llava/textvqa"}, {"gqa", "llava/gqa"}, {"mmvet", "llava/mmvet"}, {"llava_bench", "llava/llava_bench"}}) {
    LoadOptions opt;
    opt.path = kData + path;
    for (const auto& s : load_task_all(task, opt)) {
      // MME's two-space ground truth: whether llava_mme.jsonl keeps the space is unverified.
      if (s.question.find("  Please answer") != std::string::npos) continue;
      EXPECT_EQ(find_task(task).prompt(s), s.meta.at("llava_text").get<std::string>()) << task << " " << s.id;
    }
  }
}

TEST(Formats, SharedImagesAndJoinedAnnotations) {
  LoadOptions opt;
  opt.path = kData + "tsv/MME.tsv";
  auto mme = load_task_all("mme", opt);
  ASSERT_EQ(mme.size(), 4u);
  EXPECT_EQ(mme[1].images[0].bytes, mme[0].images[0].bytes);  // image "0": row 0's image
  EXPECT_EQ(mme[3].images[0].bytes, mme[2].images[0].bytes);
  EXPECT_NE(mme[2].images[0].bytes, mme[0].images[0].bytes);
  EXPECT_EQ(mme[2].category, "count");

  opt.path = kData + "llava/mme";
  auto lm = load_task_all("mme", opt);
  EXPECT_EQ(lm[1].answer, "No");
  EXPECT_EQ(lm[3].answer, "No");  // found through the two-space variant
  EXPECT_EQ(lm[3].question, "Is this artwork created by Ribera?  Please answer yes or no.");
  EXPECT_EQ(lm[2].category, "artwork");

  opt.path = kData + "llava/textvqa";
  auto tv = load_task_all("textvqa_val_ocr", opt);
  ASSERT_EQ(tv.size(), 2u);
  EXPECT_EQ(tv[0].answers.size(), 10u);
  EXPECT_EQ(tv[0].answers[9], "nokia's");
  EXPECT_EQ(tv[1].id, "34603");
  EXPECT_EQ(tv[1].meta["image_id"], "003a8ae2ef43b901");
  EXPECT_EQ(find_task("textvqa_val_ocr").prompt(tv[1]), "Is this denny's?\nReference OCR token: " + S);

  opt.path = kData + "tsv/MMBench_DEV_EN.tsv";
  auto mmb = load_task_all("mmbench_dev_en", opt);
  EXPECT_EQ(find_task("mmbench_dev_en").prompt(mmb[1]), "What is shown?\nPick one.\nA. a cat\nB. a dog\nC. a \"quoted\" bird" + M);
  EXPECT_EQ(mmb[2].images[0].bytes, mmb[0].images[0].bytes);
  EXPECT_EQ(mmb[0].meta["l2-category"], "finegrained_perception");
  EXPECT_TRUE(mmb[0].meta["comment"].is_null());

  opt.path = kData + "tsv/DocVQA_VAL.tsv";
  auto doc = load_task_all("docvqa_val", opt);
  EXPECT_EQ(doc[0].answers, (std::vector<std::string>{"1 May 1999", "May 1, 1999"}));

  opt.path = kData + "tsv/MathVista_MINI.tsv";
  auto mv = load_task_all("mathvista_testmini", opt);
  EXPECT_EQ(find_task("mathvista_testmini").prompt(mv[1]), "Which bar is tallest?\nA. left\nB. right" + M);
  EXPECT_EQ(find_task("mathvista_testmini").prompt(mv[2]), "How many bars are there?\nAnswer the question using a single integer number.");

  opt.path = kData + "tsv/MMMU_DEV_VAL.tsv";
  auto mmmu = load_task_all("mmmu_val", opt);
  EXPECT_EQ(find_task("mmmu_val").prompt(mmmu[1]), "What is 6 times 7?\n\nAnswer the question using a single word or phrase.");

  opt.path = kData + "scienceqa";
  auto sqa = load_task_all("scienceqa_img", opt);
  EXPECT_EQ(find_task("scienceqa_img").prompt(sqa[1]), "Which shape is shown?\nA. circle\nB. square\nC. triangle" + M);
  EXPECT_EQ(sqa[1].answer, "C");

  opt.path = kData + "llava/llava_bench";
  EXPECT_EQ(load_task_all("llava_bench", opt)[0].meta["caption"], "A volcanic crater by the sea.");
}

TEST(Formats, ContentHashNoticesAChangedFile) {
  const fs::path tmp = testing::temp_path("slime_test_hash");
  fs::remove_all(tmp);
  fs::copy(kData + "llava/gqa", tmp, fs::copy_options::recursive);
  LoadOptions opt;
  opt.path = tmp.string();
  DatasetInfo a, b, c, d;
  load_task_all("gqa", opt, &a);
  load_task_all("gqa", opt, &b);
  EXPECT_EQ(a.content_hash, b.content_hash);
  EXPECT_EQ(a.files.size(), 3u);  // questions json, question jsonl, the image
  {  // change one image byte: the hash must change
    std::fstream f(tmp / "images" / "n288870.jpg", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('\x7f');
  }
  load_task_all("gqa", opt, &c);
  EXPECT_NE(c.content_hash, a.content_hash);
  opt.hash_images = false;  // data files only
  load_task_all("gqa", opt, &d);
  EXPECT_EQ(d.files.size(), 2u);
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace slime::data
