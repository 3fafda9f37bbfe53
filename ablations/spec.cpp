// Spec parsing, validation and grid expansion (see spec.h for the format).
#include "ablations/spec.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "engine/common/error.h"
#include "engine/common/input_limits.h"

namespace slime::ablations {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Errors name the spec file and the dotted key, like the config loader's messages.
template <typename... Args>
[[noreturn]] void fail(const std::string& source, const std::string& key, fmt::format_string<Args...> format,
                       Args&&... args) {
  throw_error(ErrorCode::kInvalidArgument, "{}: key '{}': {}", source, key,
              fmt::format(format, std::forward<Args>(args)...));
}

std::string get_string(const json& j, const std::string& source, const std::string& key) {
  if (!j.is_string()) fail(source, key, "expected a string, got {}", j.dump());
  return j.get<std::string>();
}

std::string get_nonempty(const json& j, const std::string& source, const std::string& key) {
  std::string s = get_string(j, source, key);
  if (s.empty()) fail(source, key, "must not be empty");
  return s;
}

int64_t get_int(const json& j, const std::string& source, const std::string& key) {
  if (!j.is_number_integer()) fail(source, key, "expected an integer, got {}", j.dump());
  return j.get<int64_t>();
}

// Labels become directory names and parts of "a=b,c=d" cell names.
void check_label(const std::string& label, const std::string& source, const std::string& key) {
  if (label.empty()) fail(source, key, "must not be empty");
  for (char c : label) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '+' || c == '-' || c == ':';
    if (!ok) fail(source, key, "'{}' may only use letters, digits and . _ + - :", label);
  }
}

std::string index_key(const std::string& key, size_t i) { return fmt::format("{}[{}]", key, i); }

// "set": {knob: JSON value}; values must be scalars (what `--set key=value` can express).
std::vector<std::pair<std::string, json>> parse_set(const json& j, const std::string& source, const std::string& key) {
  if (!j.is_object()) fail(source, key, "expected an object of config keys, got {}", j.dump());
  std::vector<std::pair<std::string, json>> out;
  for (const auto& [k, v] : j.items()) {
    if (k.empty() || k.find('=') != std::string::npos) fail(source, key + "." + k, "not a config key name");
    if (!v.is_primitive() || v.is_null()) fail(source, key + "." + k, "expected a string, number or bool, got {}", v.dump());
    out.emplace_back(k, v);
  }
  return out;
}

// A training recipe (spec.h): an object whose keys are checked here; the values are checked by the
// trainer (engine/train), which names the option.
json parse_train(const json& j, const std::string& source, const std::string& key) {
  if (!j.is_object()) fail(source, key, "expected an object (base/from, data, task, split, variant, args), got {}", j.dump());
  static const std::set<std::string> keys = {"base", "from", "data", "task", "split", "variant", "args"};
  for (const auto& [k, v] : j.items()) {
    if (!keys.count(k)) fail(source, key + "." + k, "unknown key (expected base, from, data, task, split, variant, args)");
    if ((k == "base" || k == "args") && !v.is_object()) fail(source, key + "." + k, "expected an object, got {}", v.dump());
    if (k != "base" && k != "args" && !v.is_string()) fail(source, key + "." + k, "expected a string, got {}", v.dump());
  }
  return j;
}

// The generic value {"name": LABEL, "model": DIR, "set": {...}}; AXIS prefixes the label.
AxisValue parse_generic(const json& j, const std::string& axis, const std::string& source, const std::string& key,
                        bool needs_model) {
  AxisValue v;
  std::string name;
  for (const auto& [k, item] : j.items()) {
    if (k == "name") name = get_string(item, source, key + ".name");
    else if (k == "model") v.model_dir = get_nonempty(item, source, key + ".model");
    else if (k == "set") v.set = parse_set(item, source, key + ".set");
    else if (k == "train" && needs_model) v.train = parse_train(item, source, key + ".train");
    else fail(source, key + "." + k, needs_model ? "unknown key (expected name, model, train, set)" : "unknown key (expected name, model, set)");
  }
  check_label(name, source, key + ".name");
  if (!v.model_dir.empty() && !v.train.is_null()) fail(source, key, "gives both model and train (one or the other)");
  if (needs_model && v.model_dir.empty() && v.train.is_null())
    fail(source, key + ".model", "missing (every {} value is a model dir, or a \"train\" recipe)", axis);
  v.label = axis + "=" + name;
  return v;
}

const json& non_empty_array(const json& j, const std::string& source, const std::string& key) {
  if (!j.is_array() || j.empty()) fail(source, key, "expected a non-empty list, got {}", j.dump());
  return j;
}

Axis parse_variant(const json& j, const std::string& source, const std::string& key) {
  Axis axis{"variant", {}};
  const json& list = non_empty_array(j, source, key);
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string k = index_key(key, i);
    if (!list[i].is_object()) fail(source, k, "expected {{\"name\": ..., \"model\": DIR}}, got {}", list[i].dump());
    axis.values.push_back(parse_generic(list[i], "variant", source, k, true));
  }
  return axis;
}

Axis parse_queries(const json& j, const std::string& source, const std::string& key) {
  Axis axis{"queries", {}};
  const json& list = non_empty_array(j, source, key);
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string k = index_key(key, i);
    if (!list[i].is_object()) fail(source, k, "expected {{\"nq\": N, \"model\": DIR}}, got {}", list[i].dump());
    AxisValue v;
    int64_t nq = -1;
    for (const auto& [name, item] : list[i].items()) {
      if (name == "nq") nq = get_int(item, source, k + ".nq");
      else if (name == "model") v.model_dir = get_nonempty(item, source, k + ".model");
      else if (name == "train") v.train = parse_train(item, source, k + ".train");
      else fail(source, k + "." + name, "unknown key (expected nq, model, train)");
    }
    if (nq < 1) fail(source, k + ".nq", "missing or < 1 (the checkpoint's mm_resampler_dim)");
    if (!v.model_dir.empty() && !v.train.is_null()) fail(source, k, "gives both model and train (one or the other)");
    if (v.model_dir.empty() && v.train.is_null())
      fail(source, k + ".model", "missing (Nq is a trained size: one model dir or \"train\" recipe per value)");
    v.label = fmt::format("nq={}", nq);
    axis.values.push_back(std::move(v));
  }
  return axis;
}

// Axes whose values are shorthand strings (or generic objects): adapters, branches, softmax.
Axis parse_choice_axis(const std::string& name, const json& j, const std::string& source, const std::string& key) {
  Axis axis{name, {}};
  const json& list = non_empty_array(j, source, key);
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string k = index_key(key, i);
    if (list[i].is_object()) {
      axis.values.push_back(parse_generic(list[i], name, source, k, false));
      continue;
    }
    const std::string s = get_string(list[i], source, k);
    AxisValue v;
    v.label = name + "=" + s;
    if (name == "adapters") {
      static const std::map<std::string, int> gated = {{"mlp", 0}, {"resampler", 1}, {"gated", -1}};
      const auto it = gated.find(s);
      if (it == gated.end()) fail(source, k, "'{}': expected mlp, resampler, gated or {{\"name\", \"model\"}}", s);
      v.set = {{"mm_learnable_gated", it->second}};
    } else if (name == "branches") {
      if (s != "full" && s != "global_only" && s != "local_only")
        fail(source, k, "'{}': expected full, global_only or local_only", s);
      v.set = {{"use_global_only", s == "global_only"}, {"use_local_only", s == "local_only"}};
    } else {  // softmax
      if (s != "double" && s != "single") fail(source, k, "'{}': expected double or single", s);
      v.set = {{"selector_softmax", s}};
    }
    axis.values.push_back(std::move(v));
  }
  return axis;
}

Axis parse_selection(const json& j, const std::string& source, const std::string& key) {
  if (!j.is_object() || j.empty()) fail(source, key, "expected {{\"topp\": [...], \"topk\": [...], \"all\": true}}");
  Axis axis{"selection", {}};
  for (const auto& [name, item] : j.items())
    if (name != "topp" && name != "topk" && name != "all") fail(source, key + "." + name, "unknown key (expected topp, topk, all)");
  // γ values first, then k values, then keep-all. Each value's knob precedes selector_mode, which
  // also keeps `slime inspect --set` lines copied from a cell readable; load_vlm validates a cell's
  // overrides together (io::apply_overrides), so the order is not needed for validity.
  if (j.contains("topp")) {
    const json& list = non_empty_array(j["topp"], source, key + ".topp");
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string k = index_key(key + ".topp", i);
      if (!list[i].is_number()) fail(source, k, "expected a number, got {}", list[i].dump());
      const double g = list[i].get<double>();
      if (!(g > 0.0 && g <= 1.0)) fail(source, k, "γ must be in (0, 1], got {}", g);
      axis.values.push_back({fmt::format("topp={}", g), "", {{"mm_resampler_topp", g}, {"selector_mode", "topp"}}, "", ""});
    }
  }
  if (j.contains("topk")) {
    const json& list = non_empty_array(j["topk"], source, key + ".topk");
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string k = index_key(key + ".topk", i);
      const int64_t n = get_int(list[i], source, k);
      if (n < 1) fail(source, k, "k must be >= 1, got {}", n);
      axis.values.push_back({fmt::format("topk={}", n), "", {{"selector_topk", n}, {"selector_mode", "topk"}}, "", ""});
    }
  }
  if (j.contains("all")) {
    if (!j["all"].is_boolean()) fail(source, key + ".all", "expected true or false, got {}", j["all"].dump());
    if (j["all"].get<bool>()) axis.values.push_back({"keep=all", "", {{"selector_mode", "all"}}, "", ""});
  }
  if (axis.values.empty()) fail(source, key, "selects no value");
  return axis;
}

void check_dtype(const std::string& dtype, const std::string& source, const std::string& key) {
  if (dtype != "fp32" && dtype != "fp16" && dtype != "bf16") fail(source, key, "'{}': expected fp32, fp16 or bf16", dtype);
}

Axis parse_run_axis(const std::string& name, const json& j, const std::string& source, const std::string& key) {
  Axis axis{name, {}};
  const json& list = non_empty_array(j, source, key);
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string k = index_key(key, i);
    const std::string s = get_nonempty(list[i], source, k);
    AxisValue v;
    if (name == "dtype") {
      check_dtype(s, source, k);
      v.dtype = s;
    } else {
      check_label(s, source, k);  // a directory-safe label ("cuda:0" is)
      v.device = s;
    }
    v.label = name + "=" + s;
    axis.values.push_back(std::move(v));
  }
  return axis;
}

void check_unique_labels(const Axis& axis, const std::string& source) {
  std::set<std::string> seen;
  for (const AxisValue& v : axis.values)
    if (!seen.insert(v.label).second) fail(source, "axes." + axis.name, "value '{}' appears twice", v.label);
}

// FNV-1a, 64 bits: the fingerprint only has to be stable and sensitive, not cryptographic.
uint64_t fnv1a(const std::string& s, uint64_t h) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace

const std::vector<std::string>& axis_names() {
  static const std::vector<std::string> names = {"variant", "queries",  "adapters", "branches",
                                                 "selection", "softmax", "dtype",    "device"};
  return names;
}

Spec parse_spec(const json& j, const std::string& source) {
  if (!j.is_object()) throw_error(ErrorCode::kInvalidArgument, "{}: the spec must be a JSON object", source);
  Spec spec;
  spec.raw = j;
  for (const auto& [key, v] : j.items()) {
    if (key == "name") spec.name = get_string(v, source, key);
    else if (key == "description") spec.description = get_string(v, source, key);
    else if (key == "model") spec.model_dir = get_nonempty(v, source, key);
    else if (key == "tasks") {
      const json& list = non_empty_array(v, source, key);
      for (size_t i = 0; i < list.size(); ++i) spec.tasks.push_back(get_nonempty(list[i], source, index_key(key, i)));
    } else if (key == "data") {
      if (!v.is_object()) fail(source, key, "expected {{task: path}}, got {}", v.dump());
      for (const auto& [task, path] : v.items()) spec.data[task] = get_nonempty(path, source, key + "." + task);
    } else if (key == "split") spec.split = get_string(v, source, key);
    else if (key == "limit") {
      spec.limit = get_int(v, source, key);
      if (spec.limit < 1 && spec.limit != -1) fail(source, key, "must be >= 1 (or -1 for all), got {}", spec.limit);
    } else if (key == "device") spec.device = get_nonempty(v, source, key);
    else if (key == "dtype") {
      spec.dtype = get_string(v, source, key);
      check_dtype(spec.dtype, source, key);
    } else if (key == "max_new_tokens") spec.max_new_tokens = get_int(v, source, key);
    else if (key == "profile") spec.profile = get_string(v, source, key);
    else if (key == "chat_template") spec.chat_template = get_nonempty(v, source, key);
    else if (key == "seed") {
      if (!v.is_number_unsigned()) fail(source, key, "expected an integer >= 0, got {}", v.dump());
      spec.seed = v.get<uint64_t>();
    } else if (key == "set") spec.set = parse_set(v, source, key);
    else if (key == "baseline") spec.baseline = get_string(v, source, key);
    else if (key == "train") spec.train = parse_train(v, source, key);
    else if (key == "axes") {
      if (!v.is_object()) fail(source, key, "expected an object of axes, got {}", v.dump());
      for (const auto& [name, item] : v.items()) {
        const auto& names = axis_names();
        if (std::find(names.begin(), names.end(), name) == names.end())
          fail(source, key + "." + name, "unknown axis (expected one of {})", fmt::join(names, ", "));
      }
      for (const std::string& name : axis_names()) {  // fixed order, not the file's
        if (!v.contains(name)) continue;
        const std::string k = key + "." + name;
        const json& item = v[name];
        Axis axis;
        if (name == "variant") axis = parse_variant(item, source, k);
        else if (name == "queries") axis = parse_queries(item, source, k);
        else if (name == "selection") axis = parse_selection(item, source, k);
        else if (name == "dtype" || name == "device") axis = parse_run_axis(name, item, source, k);
        else axis = parse_choice_axis(name, item, source, k);
        check_unique_labels(axis, source);
        spec.axes.push_back(std::move(axis));
      }
    } else {
      fail(source, key,
           "unknown key (expected name, description, model, tasks, data, split, limit, device, dtype, "
           "max_new_tokens, profile, chat_template, seed, set, baseline, train, axes)");
    }
  }
  // Each training value's recipe becomes the merge of the shared one and its own, complete.
  for (Axis& axis : spec.axes)
    for (AxisValue& v : axis.values) {
      if (v.train.is_null()) continue;
      json recipe = spec.train.is_null() ? json::object() : spec.train;
      recipe.merge_patch(v.train);
      const std::string k = "axes." + axis.name + " " + v.label + " train";
      if (!recipe.contains("base") && !recipe.contains("from")) fail(source, k, "needs \"base\" (init-model options) or \"from\" (a model dir)");
      if (recipe.contains("base") && recipe.contains("from")) fail(source, k, "gives both \"base\" and \"from\"");
      if (!recipe.contains("data")) fail(source, k, "needs \"data\" (the training dataset path)");
      if (!recipe.contains("variant")) fail(source, k, "needs \"variant\" (e2e, alternating, stage=...)");
      v.train = std::move(recipe);
    }
  if (spec.tasks.empty()) fail(source, "tasks", "missing (a non-empty list of task names)");
  for (const auto& [task, path] : spec.data)
    if (std::find(spec.tasks.begin(), spec.tasks.end(), task) == spec.tasks.end())
      fail(source, "data." + task, "'{}' is not one of the spec's tasks", task);
  if (spec.name.empty()) spec.name = "ablation";
  spec.path = source;
  return spec;
}

Spec load_spec(const std::string& path) {
  if (!fs::is_regular_file(path)) throw_error(ErrorCode::kNotFound, "{}: spec file not found", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kIo, "{}: cannot open", path);
  const std::string text = read_file_limited(path, kMaxSmallJsonBytes, "spec file");
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e400
    throw_error(ErrorCode::kFormat, "{}: not valid JSON: {}", path, e.what());
  }
  const bool named = j.is_object() && j.contains("name");
  Spec spec = parse_spec(j, path);
  if (!named) spec.name = fs::path(path).stem().string();
  return spec;
}

std::vector<Cell> expand_cells(const Spec& spec) {
  size_t total = 1;
  // Bounded before any cell exists: a 12 KB spec of three 100-value axes is a million cells (2 GB,
  // minutes), a few more axes exhaust memory (found while fuzzing, tests/fuzz/fuzz_ablation_spec).
  for (const Axis& a : spec.axes) {
    if (!a.values.empty() && total > kMaxCells / a.values.size())
      fail(spec.path, "axes", "the grid has more than {} cells (axis '{}' has {} values)", kMaxCells, a.name,
           a.values.size());
    total *= a.values.size();
  }
  std::vector<Cell> cells;
  cells.reserve(total);
  std::vector<size_t> index(spec.axes.size(), 0);  // mixed-radix counter, last axis fastest
  for (size_t n = 0; n < total; ++n) {
    Cell cell;
    cell.model_dir = spec.model_dir;
    cell.device = spec.device;
    cell.dtype = spec.dtype;
    std::string model_axis;  // the axis that picked the model dir, for the conflict message
    std::vector<std::string> parts;
    std::vector<std::pair<std::string, json>> set = spec.set;
    for (size_t a = 0; a < spec.axes.size(); ++a) {
      const Axis& axis = spec.axes[a];
      const AxisValue& v = axis.values[index[a]];
      parts.push_back(v.label);
      cell.axes[axis.name] = v.label;
      if (!v.model_dir.empty()) {
        if (!model_axis.empty())
          fail(spec.path, "axes." + axis.name, "picks a model dir, and so does axes.{}: one model axis per spec",
               model_axis);
        model_axis = axis.name;
        cell.model_dir = v.model_dir;
        cell.train = v.train;
      }
      if (!v.dtype.empty()) cell.dtype = v.dtype;
      if (!v.device.empty()) cell.device = v.device;
      set.insert(set.end(), v.set.begin(), v.set.end());
    }
    if (cell.model_dir.empty()) fail(spec.path, "model", "missing, and no axis picks a model dir");
    for (const auto& [k, v] : set) cell.overrides.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
    cell.name = parts.empty() ? "base" : fmt::format("{}", fmt::join(parts, ","));
    cells.push_back(std::move(cell));
    for (size_t a = spec.axes.size(); a-- > 0;) {
      if (++index[a] < spec.axes[a].values.size()) break;
      index[a] = 0;
    }
  }
  if (!spec.baseline.empty() &&
      std::none_of(cells.begin(), cells.end(), [&](const Cell& c) { return c.name == spec.baseline; }))
    fail(spec.path, "baseline", "'{}' is not a cell of the grid (e.g. '{}')", spec.baseline, cells.front().name);
  return cells;
}

std::string cell_fingerprint(const Spec& spec, const Cell& cell) {
  const json key = {{"model_dir", cell.model_dir}, {"overrides", cell.overrides}, {"tasks", spec.tasks},
                    {"data", spec.data},          {"split", spec.split},         {"limit", spec.limit},
                    {"device", cell.device},      {"dtype", cell.dtype},         {"max_new_tokens", spec.max_new_tokens},
                    {"profile", spec.profile},    {"chat_template", spec.chat_template}, {"seed", spec.seed}};
  json keyed = key;
  if (!cell.train.is_null()) keyed["train"] = cell.train;  // a retrained model is another cell
  const std::string text = keyed.dump();  // object keys sorted: a canonical form
  // Two FNV passes with different offset bases give 128 bits, so accidental equality is out of reach.
  return fmt::format("{:016x}{:016x}", fnv1a(text, 0xcbf29ce484222325ULL), fnv1a(text, 0x84222325cbf29ce4ULL));
}

std::vector<TrainJob> resolve_training(Spec& spec, const std::string& out_dir) {
  std::vector<TrainJob> jobs;
  for (Axis& axis : spec.axes)
    for (AxisValue& v : axis.values) {
      if (v.train.is_null()) continue;
      v.model_dir = (fs::path(out_dir) / "models" / v.label).string();
      jobs.push_back({v.label, v.model_dir, v.train});
    }
  return jobs;
}

}  // namespace slime::ablations
