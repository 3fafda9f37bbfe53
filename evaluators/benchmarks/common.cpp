#include "evaluators/benchmarks/common.h"

#include <map>
#include <unordered_map>

#include "engine/common/error.h"

namespace slime::eval {

const char* profile_name(Profile p) {
  switch (p) {
    case Profile::kLlavaOfficial: return "llava_official";
    case Profile::kLmmsEval: return "lmms_eval";
    case Profile::kVlmEvalKit: return "vlmevalkit";
    case Profile::kSlime: return "slime";
  }
  return "?";
}

std::vector<Scorable> join_predictions(const std::vector<data::Sample>& samples,
                                       const std::vector<Prediction>& predictions, TaskScore& out) {
  std::unordered_map<std::string, const std::string*> by_id;
  for (const auto& p : predictions) {
    if (!by_id.emplace(p.id, &p.text).second) {
      throw_error(ErrorCode::kInvalidArgument, "task {}: duplicate prediction for sample id '{}'", out.task, p.id);
    }
  }
  std::unordered_map<std::string, bool> sample_ids;
  std::vector<Scorable> result;
  out.counts.samples = static_cast<int64_t>(samples.size());
  for (const auto& s : samples) {
    if (!sample_ids.emplace(s.id, true).second) {
      throw_error(ErrorCode::kInvalidArgument, "task {}: duplicate sample id '{}' (row {})", out.task, s.id, s.row);
    }
    nlohmann::json entry = {{"id", s.id}};
    if (!s.error.empty()) {
      const std::string code = s.error.substr(0, s.error.find(':'));
      ++out.counts.errors[code];
      entry["error"] = s.error;
      out.per_sample.push_back(entry);
      continue;
    }
    auto it = by_id.find(s.id);
    if (it == by_id.end()) {
      ++out.counts.missing_prediction;
      entry["missing_prediction"] = true;
      out.per_sample.push_back(entry);
      continue;
    }
    ++out.counts.scored;
    result.push_back({&s, it->second, out.per_sample.size()});
    out.per_sample.push_back(entry);
  }
  for (const auto& p : predictions) {
    if (!sample_ids.count(p.id)) ++out.counts.unknown_prediction;
  }
  return result;
}

double mean(const std::vector<double>& values) {
  if (values.empty()) return 0.0;
  double sum = 0.0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

std::string meta_string(const data::Sample& s, const std::string& key) {
  auto it = s.meta.find(key);
  if (it == s.meta.end() || it->is_null()) {
    throw_error(ErrorCode::kFormat, "task {} sample '{}' (row {}): meta field '{}' is missing", s.task, s.id, s.row,
                key);
  }
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string meta_string_or(const data::Sample& s, const std::string& key, const std::string& fallback) {
  auto it = s.meta.find(key);
  if (it == s.meta.end() || it->is_null()) return fallback;
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::vector<std::string> reference_answers(const data::Sample& s) {
  if (!s.answers.empty()) return s.answers;
  return {s.answer};
}

void record_correct(TaskScore& out, const Scorable& item, const std::string& filtered, bool ok,
                    std::vector<double>& correct) {
  out.per_sample[item.index]["filtered"] = filtered;
  out.per_sample[item.index]["correct"] = ok ? 1.0 : 0.0;
  correct.push_back(ok ? 1.0 : 0.0);
}

void accuracy_metrics(const std::vector<Scorable>& items, const std::vector<double>& correct, TaskScore& out) {
  out.metrics["accuracy"] = 100.0 * mean(correct);
  std::map<std::string, std::vector<double>> by_cat;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].sample->category.empty()) by_cat[items[i].sample->category].push_back(correct[i]);
  }
  if (!by_cat.empty()) {
    nlohmann::json cats = nlohmann::json::object();
    for (const auto& [c, v] : by_cat) cats[c] = {{"accuracy", 100.0 * mean(v)}, {"count", v.size()}};
    out.metrics["by_category"] = cats;
  }
}
}  // namespace slime::eval
