#include "reports/run_data.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/common/error.h"

namespace fs = std::filesystem;

namespace slime::reports {

const std::vector<std::string> kSampleScoreKeys = {"correct", "accuracy", "anls", "relaxed_accuracy"};
const std::vector<std::string> kStages = {"preprocess", "vision", "adapters", "compress",
                                          "select",     "prefill", "decode"};

namespace {

nlohmann::json read_json_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw_error(ErrorCode::kIo, "{}: cannot open", path.string());
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw_error(ErrorCode::kFormat, "{}: invalid JSON: {}", path.string(), e.what());
  }
}

std::string string_or_empty(const nlohmann::json& j) { return j.is_string() ? j.get<std::string>() : ""; }

SampleRecord parse_sample(const nlohmann::json& j) {
  SampleRecord s;
  if (j.contains("doc_id")) s.doc_id = j["doc_id"].is_string() ? j["doc_id"].get<std::string>() : j["doc_id"].dump();
  if (j.contains("target")) s.target = j["target"].is_string() ? j["target"].get<std::string>() : j["target"].dump();
  // lmms-eval shapes: resps [[raw]], filtered_resps [filtered]; be lenient about one level less.
  if (j.contains("resps") && j["resps"].is_array() && !j["resps"].empty()) {
    const auto& r = j["resps"][0];
    s.response = r.is_array() && !r.empty() ? string_or_empty(r[0]) : string_or_empty(r);
  }
  if (j.contains("filtered_resps") && j["filtered_resps"].is_array() && !j["filtered_resps"].empty()) {
    const auto& r = j["filtered_resps"][0];
    s.filtered = r.is_array() && !r.empty() ? string_or_empty(r[0]) : string_or_empty(r);
  }
  for (const auto& key : kSampleScoreKeys) {
    if (j.contains(key) && j[key].is_number()) s.scores[key] = j[key].get<double>();
  }
  if (j.contains("visual_tokens") && j["visual_tokens"].is_object()) {
    const auto& v = j["visual_tokens"];
    double total = 0;
    bool any = false;
    for (const char* k : {"global", "local_after"}) {
      if (v.contains(k) && v[k].is_number()) total += v[k].get<double>(), any = true;
    }
    if (any) s.visual_tokens = total;
  }
  if (j.contains("timing_ms") && j["timing_ms"].is_object()) {
    for (const auto& [k, v] : j["timing_ms"].items()) {
      if (v.is_number()) s.timing_ms[k] = v.get<double>();
    }
  }
  if (j.contains("error") && !j["error"].is_null()) s.error = j["error"].is_string() ? j["error"].get<std::string>() : j["error"].dump();
  return s;
}

std::vector<SampleRecord> read_samples(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kIo, "{}: cannot open", path.string());
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  std::vector<SampleRecord> out;
  size_t pos = 0;
  int64_t line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    const bool last_unterminated = end == std::string::npos;
    const std::string line = text.substr(pos, last_unterminated ? std::string::npos : end - pos);
    pos = last_unterminated ? text.size() : end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      // The eval log is append-only with fsync per line: only an unterminated last line can be torn.
      if (last_unterminated) break;
      throw_error(ErrorCode::kFormat, "{}:{}: invalid JSON: {}", path.string(), line_no, e.what());
    }
    if (!j.is_object()) throw_error(ErrorCode::kFormat, "{}:{}: expected a JSON object", path.string(), line_no);
    out.push_back(parse_sample(j));
  }
  return out;
}

}  // namespace

bool is_run_dir(const std::string& dir) { return fs::is_regular_file(fs::path(dir) / "results.json"); }

RunData load_run(const std::string& dir, const std::string& name) {
  const fs::path root(dir);
  if (!is_run_dir(dir)) throw_error(ErrorCode::kNotFound, "{}: not a run directory (no results.json)", dir);
  RunData run;
  run.dir = dir;
  run.name = name.empty() ? fs::path(dir).lexically_normal().filename().string() : name;
  if (run.name.empty()) run.name = fs::path(dir).lexically_normal().parent_path().filename().string();
  run.results = read_json_file(root / "results.json");
  if (!run.results.is_object() || !run.results.contains("results") || !run.results["results"].is_object()) {
    throw_error(ErrorCode::kFormat, "{}: results.json has no 'results' object", dir);
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(root)) {
    const std::string f = e.path().filename().string();
    // Shard logs (samples_<task>.shard-i-of-n.jsonl) are merged by `slime merge`, not read here.
    if (f.rfind("samples_", 0) == 0 && e.path().extension() == ".jsonl" && f.find(".shard-") == std::string::npos) {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    const std::string task = f.stem().string().substr(std::string("samples_").size());
    run.samples[task] = read_samples(f);
  }
  return run;
}

LoadedInputs load_inputs(const std::vector<std::string>& paths) {
  LoadedInputs out;
  for (const auto& p : paths) {
    const fs::path root(p);
    if (is_run_dir(p)) {
      out.runs.push_back(load_run(p));
    } else if (is_training_dir(p)) {
      out.training.push_back(load_training_log(p));
    } else if (fs::is_regular_file(root / "ablation.json")) {
      const nlohmann::json spec = read_json_file(root / "ablation.json");
      if (out.baseline.empty() && spec.contains("baseline") && spec["baseline"].is_string()) {
        out.baseline = spec["baseline"].get<std::string>();
      }
      if (!spec.contains("cells")) throw_error(ErrorCode::kFormat, "{}/ablation.json: no 'cells'", p);
      if (spec.contains("training") && spec["training"].is_array())
        for (const auto& job : spec["training"]) {
          if (!job.is_object() || !job.contains("model_dir") || !job["model_dir"].is_string()) continue;
          const std::string dir = job["model_dir"].get<std::string>();
          // As written by the runner (relative to its working directory), else relative to the ablation.
          const std::string found = is_training_dir(dir) ? dir : (root / fs::path(dir).filename()).string();
          if (is_training_dir(found)) out.training.push_back(load_training_log(found, job.value("label", "")));
        }
      for (const auto& cell : spec["cells"]) {
        std::string name, dir;
        if (cell.is_string()) {
          dir = cell.get<std::string>();
        } else if (cell.is_object()) {
          name = cell.value("name", "");
          for (const char* k : {"run_dir", "dir", "output_dir", "path"}) {
            if (cell.contains(k) && cell[k].is_string()) { dir = cell[k].get<std::string>(); break; }
          }
        }
        if (dir.empty()) throw_error(ErrorCode::kFormat, "{}/ablation.json: a cell without run_dir: {}", p, cell.dump());
        const fs::path d = fs::path(dir).is_absolute() ? fs::path(dir) : root / dir;
        if (!is_run_dir(d.string())) continue;  // a cell not run yet: the report shows what exists
        out.runs.push_back(load_run(d.string(), name));
      }
    } else if (fs::is_directory(root)) {
      std::vector<fs::path> dirs;
      for (const auto& e : fs::directory_iterator(root)) {
        if (e.is_directory() && is_run_dir(e.path().string())) dirs.push_back(e.path());
      }
      if (dirs.empty()) throw_error(ErrorCode::kNotFound, "{}: neither a run directory nor a folder of runs", p);
      std::sort(dirs.begin(), dirs.end());
      for (const auto& d : dirs) out.runs.push_back(load_run(d.string()));
    } else {
      throw_error(ErrorCode::kNotFound, "{}: no such directory", p);
    }
  }
  // A run of a trained model shows that model's training (results.json config.model.path).
  for (const auto& r : out.runs) {
    const nlohmann::json* path = nullptr;
    if (r.results.contains("config") && r.results["config"].contains("model") && r.results["config"]["model"].contains("path"))
      path = &r.results["config"]["model"]["path"];
    if (!path || !path->is_string() || !is_training_dir(path->get<std::string>())) continue;
    const std::string dir = path->get<std::string>();
    std::error_code ec;
    const bool known = std::any_of(out.training.begin(), out.training.end(),
                                   [&](const TrainingLog& t) { return fs::equivalent(t.dir, dir, ec); });
    if (!known) out.training.push_back(load_training_log(dir));
  }
  // Unique names: tables and plots are keyed by them.
  std::map<std::string, int> seen;
  for (auto& r : out.runs) {
    const int n = seen[r.name]++;
    if (n > 0) r.name += "#" + std::to_string(n + 1);
  }
  return out;
}

std::string primary_metric(const nlohmann::json& task_results) {
  if (!task_results.is_object()) return "";
  for (const char* k : {"accuracy", "circular_accuracy", "mean_f1", "img_accuracy", "avg_acc", "anls",
                        "relaxed_overall", "average", "perception", "rule_extracted_accuracy"}) {
    if (task_results.contains(k) && task_results[k].is_number()) return k;
  }
  for (const auto& [k, v] : task_results.items()) {
    if (v.is_number()) return k;
  }
  return "";
}

double mean_visual_tokens(const RunData& run) {
  double sum = 0;
  int64_t n = 0;
  for (const auto& [task, samples] : run.samples) {
    for (const auto& s : samples) {
      if (s.error.empty() && s.visual_tokens >= 0) sum += s.visual_tokens, ++n;
    }
  }
  return n ? sum / n : -1;
}

double mean_stage_ms(const RunData& run, const std::string& stage) {
  double sum = 0;
  int64_t n = 0;
  for (const auto& [task, samples] : run.samples) {
    for (const auto& s : samples) {
      if (!s.error.empty()) continue;
      auto it = s.timing_ms.find(stage);
      if (it != s.timing_ms.end()) sum += it->second, ++n;
    }
  }
  return n ? sum / n : 0;
}

std::vector<std::string> stage_names(const std::vector<RunData>& runs) {
  std::set<std::string> present;
  for (const auto& run : runs) {
    for (const auto& [task, samples] : run.samples) {
      for (const auto& s : samples) {
        if (!s.error.empty()) continue;
        for (const auto& [stage, ms] : s.timing_ms) present.insert(stage);
      }
    }
  }
  std::vector<std::string> out;
  for (const auto& s : kStages) {
    if (present.erase(s)) out.push_back(s);
  }
  out.insert(out.end(), present.begin(), present.end());
  return out;
}

double mean_total_ms(const RunData& run) {
  double t = 0;
  for (const auto& s : stage_names({run})) t += mean_stage_ms(run, s);
  return t;
}

std::map<std::string, double> sample_scores(const RunData& run, const std::string& task, const std::string& key) {
  std::map<std::string, double> out;
  auto it = run.samples.find(task);
  if (it == run.samples.end()) return out;
  for (const auto& s : it->second) {
    auto sc = s.scores.find(key);
    if (s.error.empty() && sc != s.scores.end()) out[s.doc_id] = sc->second;
  }
  return out;
}

std::string sample_score_key(const RunData& run, const std::string& task) {
  auto it = run.samples.find(task);
  if (it == run.samples.end()) return "";
  for (const auto& key : kSampleScoreKeys) {
    for (const auto& s : it->second) {
      if (s.scores.count(key)) return key;
    }
  }
  return "";
}

}  // namespace slime::reports
