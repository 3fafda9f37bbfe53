// The grid runner: cells -> run_eval in OUT/cells/<name>, skipping finished ones, then
// OUT/ablation.json (format in ablate.h).
#include "ablations/ablate.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "ablations/eval/interrupt.h"
#include "engine/common/error.h"

namespace slime::ablations {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Write to a temporary name, then rename: a kill never leaves a torn report or cell.json.
void write_json_atomic(const fs::path& path, const json& content) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw_error(ErrorCode::kIo, "{}: cannot write", tmp.string());
    out << content.dump(2) << "\n";
    if (!out.flush()) throw_error(ErrorCode::kIo, "{}: write failed", tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw_error(ErrorCode::kIo, "{}: cannot rename to {}: {}", tmp.string(), path.string(), ec.message());
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

json cell_record(const Cell& cell, const std::string& fingerprint) {
  return {{"name", cell.name},       {"fingerprint", fingerprint}, {"model_dir", cell.model_dir},
          {"overrides", cell.overrides}, {"device", cell.device}, {"dtype", cell.dtype},
          {"axes", cell.axes}};
}

// {task: {metric: number}}: the scalar metrics of results.json "results".
json key_metrics(const json& results) {
  json out = json::object();
  const auto it = results.find("results");
  if (it == results.end() || !it->is_object()) return out;
  for (const auto& [task, metrics] : it->items()) {
    json& row = out[task] = json::object();
    if (!metrics.is_object()) continue;
    for (const auto& [name, value] : metrics.items())
      if (value.is_number()) row[name] = value;
  }
  return out;
}

json latency_p50(const json& results) {
  const auto it = results.find("latency");
  if (it == results.end() || !it->is_object()) return nullptr;
  json out = json::object();
  for (const auto& [stage, stats] : it->items())
    if (stats.is_object() && stats.contains("p50")) out[stage] = stats["p50"];
  return out;
}

// The queries axis promises a checkpoint with that Nq: check it where the config says so.
void check_queries(const Spec& spec, const Cell& cell) {
  const auto it = cell.axes.find("queries");
  if (it == cell.axes.end()) return;
  const int64_t nq = std::stoll(it->second.substr(it->second.find('=') + 1));
  const json config = read_json_or_null(fs::path(cell.model_dir) / "config.json");
  if (!config.is_object() || !config.contains("mm_resampler_dim") || !config["mm_resampler_dim"].is_number_integer())
    return;  // no config to check against: run_eval reports a missing model
  const int64_t dim = config["mm_resampler_dim"].get<int64_t>();
  if (dim != nq)
    throw_error(ErrorCode::kInvalidArgument, "{}: key 'axes.queries': {} points at {}, whose mm_resampler_dim is {}",
                spec.path, it->second, cell.model_dir, dim);
}

}  // namespace

json read_json_or_null(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  std::stringstream text;
  text << in.rdbuf();
  try {
    return json::parse(text.str());
  } catch (const json::exception&) {  // parse_error, or out_of_range for 1e400
    return nullptr;
  }
}

Spec apply_cli_overrides(Spec spec, const AblateOptions& options) {
  auto has_axis = [&](const std::string& name) {
    return std::any_of(spec.axes.begin(), spec.axes.end(), [&](const Axis& a) { return a.name == name; });
  };
  if (options.limit > 0 || options.limit == -1) spec.limit = options.limit;
  else if (options.limit != 0) throw_error(ErrorCode::kInvalidArgument, "--limit {}: expected N >= 1 or -1", options.limit);
  if (!options.device.empty()) {
    if (has_axis("device")) throw_error(ErrorCode::kInvalidArgument, "--device conflicts with {}: key 'axes.device'", spec.path);
    spec.device = options.device;
  }
  if (!options.dtype.empty()) {
    if (has_axis("dtype")) throw_error(ErrorCode::kInvalidArgument, "--dtype conflicts with {}: key 'axes.dtype'", spec.path);
    if (options.dtype != "fp32" && options.dtype != "fp16" && options.dtype != "bf16")
      throw_error(ErrorCode::kInvalidArgument, "--dtype '{}': expected fp32, fp16 or bf16", options.dtype);
    spec.dtype = options.dtype;
  }
  return spec;
}

suite::EvalOptions cell_eval_options(const Spec& spec, const Cell& cell, const AblateOptions& options) {
  suite::EvalOptions o;
  o.model_dir = cell.model_dir;
  o.tasks = spec.tasks;
  o.data = spec.data;
  o.split = spec.split;
  o.limit = spec.limit;
  o.output_dir = (fs::path(options.output_dir) / "cells" / cell.name).string();
  o.device = cell.device;
  o.dtype = cell.dtype;
  o.overrides = cell.overrides;
  o.profile = spec.profile;
  o.chat_template = spec.chat_template;
  o.max_new_tokens = spec.max_new_tokens;
  o.seed = spec.seed;
  o.progress = options.progress;
  o.db = options.db;
  return o;
}

AblateReport run_ablation(const Spec& spec_in, const AblateOptions& options, const EvalRunner& runner,
                          const TrainRunner& trainer) {
  if (options.output_dir.empty()) throw_error(ErrorCode::kInvalidArgument, "ablate: no output directory");
  Spec spec = spec_in;
  const std::vector<TrainJob> jobs = resolve_training(spec, options.output_dir);
  if (!jobs.empty() && !trainer)
    throw_error(ErrorCode::kInvalidArgument, "{}: the spec trains {} model(s), but no trainer was given", spec.path, jobs.size());
  const std::vector<Cell> cells = expand_cells(spec);
  const fs::path out = options.output_dir;
  std::error_code ec;
  // Models first: every cell of a trained value needs its model. The trainer resumes or skips a
  // finished job, so a rerun costs nothing here.
  json training = json::array();
  for (size_t i = 0; i < jobs.size(); ++i) {
    const TrainJob& job = jobs[i];
    if (options.progress) fmt::print(stderr, "ablate: training [{}/{}] {} -> {}\n", i + 1, jobs.size(), job.label, job.model_dir);
    const auto start = std::chrono::steady_clock::now();
    json summary;
    try {
      summary = trainer(job);
    } catch (const Error& e) {
      throw Error(e.code(), fmt::format("ablate: training {}: {}", job.label, e.what()));
    }
    training.push_back({{"label", job.label}, {"model_dir", job.model_dir}, {"recipe", job.recipe},
                        {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()},
                        {"summary", summary}});
  }
  for (const Cell& cell : cells) check_queries(spec, cell);
  fs::create_directories(out / "cells", ec);
  if (ec) throw_error(ErrorCode::kIo, "{}: cannot create: {}", (out / "cells").string(), ec.message());

  AblateReport report;
  json& doc = report.ablation;
  doc["format"] = "slime-ablation/1";
  doc["spec"] = {{"path", spec.path}, {"name", spec.name}, {"description", spec.description}, {"content", spec.raw}};
  doc["tasks"] = spec.tasks;
  doc["limit"] = spec.limit;
  doc["device"] = spec.device;
  doc["dtype"] = spec.dtype;
  doc["axes"] = json::array();
  for (const Axis& axis : spec.axes) {
    json labels = json::array();
    for (const AxisValue& v : axis.values) labels.push_back(v.label);
    doc["axes"].push_back({{"name", axis.name}, {"values", labels}});
  }
  doc["baseline"] = spec.baseline.empty() ? json(nullptr) : json(spec.baseline);
  doc["training"] = training;
  doc["cells"] = json::array();
  std::vector<std::string> fingerprints;
  for (const Cell& cell : cells) {
    const std::string fp = cell_fingerprint(spec, cell);
    fingerprints.push_back(fp);
    json row = cell_record(cell, fp);
    row["dir"] = "cells/" + cell.name;
    row["results"] = nullptr;
    row["status"] = "pending";
    row["metrics"] = json::object();
    row["n_samples"] = nullptr;
    row["latency_p50"] = nullptr;
    row["seconds"] = 0.0;
    doc["cells"].push_back(std::move(row));
  }
  auto write_report = [&] {
    json summary = {{"cells", cells.size()}, {"done", report.done}, {"skipped", report.skipped},
                    {"failed", report.failed}};
    summary["pending"] = int64_t(cells.size()) - report.done - report.skipped - report.failed;
    doc["summary"] = summary;
    doc["date"] = utc_now();
    write_json_atomic(out / "ablation.json", doc);
  };

  // Refuse stale cells before running anything, so a mismatch never leaves a half-updated grid.
  for (size_t i = 0; i < cells.size(); ++i) {
    const fs::path record = out / "cells" / cells[i].name / "cell.json";
    const json old = read_json_or_null(record);
    if (old.is_object() && old.value("fingerprint", "") != fingerprints[i])
      throw_error(ErrorCode::kInvalidArgument,
                  "{}: cell '{}' was run with another configuration (fingerprint {} != {}); remove {} or choose "
                  "another --output",
                  record.string(), cells[i].name, old.value("fingerprint", ""), fingerprints[i],
                  record.parent_path().string());
  }

  for (size_t i = 0; i < cells.size(); ++i) {
    const Cell& cell = cells[i];
    json& row = doc["cells"][i];
    const fs::path dir = out / "cells" / cell.name;
    const fs::path results_path = dir / "results.json";
    const json old = read_json_or_null(dir / "cell.json");
    json results = old.is_object() ? read_json_or_null(results_path) : json(nullptr);
    if (results.is_object()) {
      row["status"] = "skipped";
      ++report.skipped;
      if (options.progress) fmt::print(stderr, "ablate: [{}/{}] {}: finished earlier, skipped\n", i + 1, cells.size(), cell.name);
    } else {
      fs::create_directories(dir, ec);
      if (ec) throw_error(ErrorCode::kIo, "{}: cannot create: {}", dir.string(), ec.message());
      write_json_atomic(dir / "cell.json", cell_record(cell, fingerprints[i]));
      if (options.progress) fmt::print(stderr, "ablate: [{}/{}] {}: running\n", i + 1, cells.size(), cell.name);
      const auto start = std::chrono::steady_clock::now();
      try {
        results = runner(cell_eval_options(spec, cell, options));
      } catch (const suite::Interrupted& e) {
        // SIGTERM/SIGINT: the cell's eval logged its finished batches; the cell stays "pending"
        // in a report that is whole, and a rerun resumes it (and its eval resumes its log).
        write_report();
        throw suite::Interrupted(e.signo(), fmt::format("{}; {} holds the cells finished so far", e.what(),
                                                        (out / "ablation.json").string()));
      } catch (const Error& e) {
        row["status"] = "failed";
        row["error"] = e.what();
        ++report.failed;
        write_report();
        if (!options.keep_going) throw Error(e.code(), fmt::format("ablate: cell '{}': {}", cell.name, e.what()));
        continue;
      }
      row["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      // run_eval writes results.json itself; a runner that only returns it (a test fake) gets it written.
      if (!fs::exists(results_path)) write_json_atomic(results_path, results);
      row["status"] = "done";
      ++report.done;
    }
    row["results"] = row["dir"].get<std::string>() + "/results.json";
    row["metrics"] = key_metrics(results);
    row["n_samples"] = results.contains("n_samples") ? results["n_samples"] : json(nullptr);
    row["latency_p50"] = latency_p50(results);
    write_report();
  }
  if (cells.empty()) write_report();
  return report;
}

}  // namespace slime::ablations
