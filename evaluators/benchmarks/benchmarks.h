// One scorer per benchmark metric (benchmarks.md §4). Each fills TaskScore::per_sample (after
// join_predictions), metrics and rule_version for its profile; the registry picks the function.
#pragma once
#include "evaluators/benchmarks/common.h"

namespace slime::eval {

#define SLIME_SCORER(name)                                                                                   \
  void name(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions, Profile profile, \
            const ScoreOptions& options, TaskScore& out)

SLIME_SCORER(score_mme);
SLIME_SCORER(score_pope);
SLIME_SCORER(score_textvqa);
SLIME_SCORER(score_gqa);
SLIME_SCORER(score_vqav2_val);
SLIME_SCORER(score_mmbench);
SLIME_SCORER(score_seed_image);
SLIME_SCORER(score_scienceqa_img);
SLIME_SCORER(score_mmstar);
SLIME_SCORER(score_ai2d);
SLIME_SCORER(score_chartqa);
SLIME_SCORER(score_docvqa);
SLIME_SCORER(score_realworldqa);
SLIME_SCORER(score_mathvista);
SLIME_SCORER(score_mmmu);
SLIME_SCORER(score_hallusionbench);
SLIME_SCORER(score_amber_d);
SLIME_SCORER(score_judge_only);
SLIME_SCORER(score_hires_detail);

#undef SLIME_SCORER

// VQAv2 test-dev upload (LLaVA convert_vqav2_for_submission.py): every sample's question_id with
// the A-normalised prediction, "" where no prediction exists. Sample ids must be integers.
nlohmann::json vqav2_submission(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions);

}  // namespace slime::eval
