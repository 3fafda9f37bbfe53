// Shared plumbing of the per-benchmark scorers: joining predictions to samples (errors and
// missing predictions counted, never dropped), profile names, small aggregation helpers.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "evaluators/score.h"

namespace slime::eval {

// The three upstream rule sets, plus the project's own rules for its built-in benchmarks.
enum class Profile { kLlavaOfficial, kLmmsEval, kVlmEvalKit, kSlime };
const char* profile_name(Profile p);

// A sample that has a prediction and no read error.
struct Scorable {
  const data::Sample* sample;
  const std::string* text;
  size_t index;  // position in TaskScore::per_sample
};

// Fills counts and per_sample stubs ({"id"} or error / missing entries); returns the scorable ones.
std::vector<Scorable> join_predictions(const std::vector<data::Sample>& samples,
                                       const std::vector<Prediction>& predictions, TaskScore& out);

// Mean of values; 0 when empty (upstream would divide by zero; counts show the emptiness).
double mean(const std::vector<double>& values);

// Sample::meta lookups with a readable error naming the sample.
std::string meta_string(const data::Sample& s, const std::string& key);
std::string meta_string_or(const data::Sample& s, const std::string& key, const std::string& fallback);

// Reference answers: Sample::answers, else {Sample::answer}.
std::vector<std::string> reference_answers(const data::Sample& s);

using ScorerFn = std::function<void(const std::vector<data::Sample>&, const std::vector<Prediction>&, Profile,
                                    const ScoreOptions&, TaskScore&)>;

// One 0/1-scored sample: per_sample["filtered"] and ["correct"], and its score appended to CORRECT
// (parallel to the items, for accuracy_metrics).
void record_correct(TaskScore& out, const Scorable& item, const std::string& filtered, bool ok,
                    std::vector<double>& correct);

// metrics["accuracy"] = 100 * mean(correct), and metrics["by_category"][category] likewise when
// any sample has a category. `correct` is parallel to `items`.
void accuracy_metrics(const std::vector<Scorable>& items, const std::vector<double>& correct, TaskScore& out);
}  // namespace slime::eval
