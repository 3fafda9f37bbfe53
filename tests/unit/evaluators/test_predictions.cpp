// Prediction files for `slime score` (evaluators/predictions.h): the three formats, their errors,
// and scoring a committed dataset fixture end to end from a prediction file.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "datasets/registry.h"
#include "engine/common/error.h"
#include "evaluators/predictions.h"
#include "evaluators/score.h"

namespace fs = std::filesystem;
using namespace slime;

namespace {

const fs::path kData = fs::path(SLIME_SOURCE_DIR) / "tests/data/datasets";

fs::path temp_file(const std::string& name, const std::string& content) {
  const fs::path dir = fs::temp_directory_path() / ("slime_predictions_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

ErrorCode error_of(const fs::path& p) {
  try {
    eval::read_predictions(p.string());
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;
}

}  // namespace

TEST(Predictions, ThreeFormatsAreDetected) {
  const auto ours = eval::read_predictions(
      temp_file("samples_x.jsonl", R"({"doc_id": 3, "input": "q", "resps": [["Yes"]], "filtered_resps": ["yes"]})"
                                   "\n"
                                   R"({"doc_id": "4", "resps": [], "error": "missing_image: x.png"})"
                                   "\n")
          .string());
  EXPECT_EQ(ours.format, "slime_samples");
  ASSERT_EQ(ours.predictions.size(), 2u);
  EXPECT_EQ(ours.predictions[0].id, "3");
  EXPECT_EQ(ours.predictions[0].text, "Yes");  // the raw answer, scored again
  EXPECT_EQ(ours.predictions[1].text, "");

  const auto llava = eval::read_predictions(
      temp_file("answers.jsonl", "{\"question_id\": 12, \"prompt\": \"p\", \"text\": \"No\", \"answer_id\": \"x\"}\n\n")
          .string());
  EXPECT_EQ(llava.format, "llava_answers");
  EXPECT_EQ(llava.predictions.at(0).id, "12");
  EXPECT_EQ(llava.predictions.at(0).text, "No");

  const auto tsv = eval::read_predictions(temp_file("m.tsv", "index\tquestion\tprediction\n0\tq\tA\n7\tq2\t\"B,\tthen\"\n").string());
  EXPECT_EQ(tsv.format, "vlmevalkit");
  ASSERT_EQ(tsv.predictions.size(), 2u);
  EXPECT_EQ(tsv.predictions[1].text, "B,\tthen");

  const auto csv = eval::read_predictions(
      temp_file("m.csv", "index,prediction,answer\r\n1,\"C, because \"\"x\"\"\nsecond line\",C\r\n2,D,D\r\n").string());
  ASSERT_EQ(csv.predictions.size(), 2u);
  EXPECT_EQ(csv.predictions[0].text, "C, because \"x\"\nsecond line");
  EXPECT_EQ(csv.predictions[1].id, "2");
}

TEST(Predictions, BadFilesAreNamed) {
  EXPECT_EQ(error_of("/nonexistent/p.jsonl"), ErrorCode::kNotFound);
  EXPECT_EQ(error_of(temp_file("p.xlsx", "PK")), ErrorCode::kUnsupported);
  EXPECT_EQ(error_of(temp_file("dup.jsonl", "{\"index\": 1, \"prediction\": \"a\"}\n{\"index\": 1, \"prediction\": \"b\"}\n")),
            ErrorCode::kInvalidArgument);
  // LLaVA's MME answers repeat the question_id (two questions per image): the repeat gets "#1".
  const auto mme = eval::read_predictions(
      temp_file("mme.jsonl", "{\"question_id\": \"count/1.jpg\", \"text\": \"Yes\"}\n"
                             "{\"question_id\": \"count/1.jpg\", \"text\": \"No\"}\n").string());
  ASSERT_EQ(mme.predictions.size(), 2u);
  EXPECT_EQ(mme.predictions[0].id, "count/1.jpg");
  EXPECT_EQ(mme.predictions[1].id, "count/1.jpg#1");
  EXPECT_EQ(error_of(temp_file("mixed.jsonl", "{\"question_id\": 1, \"text\": \"a\"}\n{\"index\": 2, \"prediction\": \"b\"}\n")),
            ErrorCode::kFormat);
  EXPECT_EQ(error_of(temp_file("other.jsonl", "{\"id\": 1, \"answer\": \"a\"}\n")), ErrorCode::kFormat);
  EXPECT_EQ(error_of(temp_file("nocol.tsv", "index\tanswer\n1\tA\n")), ErrorCode::kFormat);
  EXPECT_EQ(error_of(temp_file("open.csv", "index,prediction\n1,\"unterminated\n")), ErrorCode::kFormat);
}

// A fixture scored from files: the targets as predictions give the best score, one flipped answer
// less, and every sample is accounted for.
TEST(Predictions, ScoringAFixtureFromAnswerFiles) {
  data::LoadOptions load;
  load.path = (kData / "llava/pope").string();
  const std::vector<data::Sample> samples = data::load_task_all("pope_adversarial", load);
  ASSERT_GE(samples.size(), 2u);
  std::string perfect, flipped;
  for (size_t i = 0; i < samples.size(); ++i) {
    const std::string& a = samples[i].answer;
    const std::string wrong = (a == "yes" || a == "Yes") ? "No" : "Yes";
    perfect += "{\"question_id\": " + samples[i].id + ", \"text\": \"" + a + "\"}\n";
    flipped += "{\"question_id\": " + samples[i].id + ", \"text\": \"" + (i == 0 ? wrong : a) + "\"}\n";
  }
  const auto best = eval::score_task("pope_adversarial", samples,
                                     eval::read_predictions(temp_file("perfect.jsonl", perfect).string()).predictions);
  const auto worse = eval::score_task("pope_adversarial", samples,
                                      eval::read_predictions(temp_file("flipped.jsonl", flipped).string()).predictions);
  EXPECT_EQ(best.counts.scored, static_cast<int64_t>(samples.size()));
  EXPECT_EQ(best.counts.missing_prediction, 0);
  // One split: its metrics are also at the top level (accuracy and F1 as fractions).
  EXPECT_DOUBLE_EQ(best.metrics.at("accuracy").get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(best.metrics.at("f1").get<double>(), 1.0);
  EXPECT_NEAR(worse.metrics.at("accuracy").get<double>(), 1.0 - 1.0 / double(samples.size()), 1e-12);
}
