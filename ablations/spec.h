// Ablation spec files (JSON; YAML would need a new dependency, so specs are JSON only) and their
// expansion into a grid of cells. A cell is one evaluation run (ablations/eval/eval_run.h): a model
// directory plus `--set key=value` overrides, with the knob names of docs/architecture.md.
//
// Spec file (every key but "model" and "tasks" optional):
//   {
//     "name": "table3_gamma",                 // the ablation's name (default: the file's stem)
//     "description": "free text",
//     "model": "models/slime-tiny",           // base model dir (cells without a model axis use it)
//     "tasks": ["hires_detail"],
//     "data": {"hires_detail": "data/hires_detail"},   // task -> dataset path
//     "split": "test", "limit": 100, "device": "cpu", "dtype": "fp32",
//     "max_new_tokens": 16, "profile": "", "chat_template": "auto", "seed": 0,
//     "set": {"selector_impl": "fused"},      // overrides for every cell (JSON values)
//     "baseline": "topp=0.9",                 // the reference cell's name (for reports' deltas)
//     "axes": {                               // the grid: every combination of every axis
//       "variant":   [{"name": "e2e", "model": "models/e2e"}, ...],   // training variants (a dir each)
//       "queries":   [{"nq": 64, "model": "models/nq64"}, ...],       // Nq is a trained size: a dir each
//       "adapters":  ["mlp", "resampler", "gated", {"name": "llava", "model": "models/llava"}],
//       "branches":  ["full", "global_only", "local_only"],
//       "selection": {"topp": [0.9, 0.75, 0.5], "topk": [64, 128], "all": true},
//       "softmax":   ["double", "single"],
//       "dtype":     ["fp32", "bf16"],
//       "device":    ["cpu"]
//     }
//   }
// Any axis value may also be the generic object {"name": LABEL, "model": DIR, "set": {k: v}}.
//
// Training (issue 7): a "variant" or "queries" value may say "train": {...} instead of "model": the
// runner then trains that model first (engine/train, `slime train`) into OUT/models/<label>, and
// the cells evaluate it. The value's recipe is merged (JSON merge patch) over the spec's top-level
// "train", so a shared budget is written once:
//   "train": {"base": {"preset": "tiny", "seed": 0, "shape": {"mm_resampler_dim": 16}},  // init-model
//             (or "from": DIR, a model to start from)
//             "data": "out/data/hires_detail", "task": "hires_detail", "split": "train",
//             "variant": "alternating", "args": {"epochs": 1, "lr": 0.001, "seed": 0}}   // TrainOptions
//   "axes": {"variant": [{"name": "e2e", "train": {"variant": "e2e", "args": {"epochs": 4}}}, ...]}
// Relative paths are used as written: they resolve against the working directory of the run.
//
// Knob mapping (model.md §4, §6, §7, §11):
//   adapters  mlp -> mm_learnable_gated=0, resampler -> 1, gated -> -1 (on a gated checkpoint)
//   branches  full -> use_global_only=false,use_local_only=false; global_only / local_only -> one true
//   selection topp=γ -> mm_resampler_topp=γ,selector_mode=topp; topk=k -> selector_topk=k,
//             selector_mode=topk; keep=all -> selector_mode=all (the mode last: every --set
//             re-validates the config, and mode topk without a k is invalid)
//   softmax   selector_softmax=double|single
//
// Cell names: "axis=value" parts joined by ',' in the fixed axis order variant, queries (nq=),
// adapters, branches, selection (topp=/topk=/keep=), softmax, dtype, device; only axes the spec
// names appear; a spec without axes has the single cell "base". Names are also directory names,
// so labels may only use [A-Za-z0-9._+-:].
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace slime::ablations {

// One value of one axis: what it contributes to a cell.
struct AxisValue {
  std::string label;                           // "topp=0.75", "nq=64", "adapters=mlp"
  std::string model_dir;                       // "" = this value does not pick a model
  std::vector<std::pair<std::string, nlohmann::json>> set;  // config knobs, in order
  std::string dtype, device;                   // "" = unchanged (dtype / device axes)
  nlohmann::json train;                        // null, or this value's training recipe (merged over
                                               // the spec's "train"): the model is trained first
};

struct Axis {
  std::string name;  // the spec key: "variant", "queries", "adapters", ...
  std::vector<AxisValue> values;
};

struct Spec {
  std::string path;  // the file it was read from ("" when parsed from a string)
  std::string name, description;
  std::string model_dir;
  std::vector<std::string> tasks;
  std::map<std::string, std::string> data;
  std::string split;
  int64_t limit = -1;
  std::string device = "cpu", dtype = "fp32";
  int64_t max_new_tokens = -1;
  std::string profile, chat_template = "auto";
  uint64_t seed = 0;
  std::vector<std::pair<std::string, nlohmann::json>> set;  // overrides for every cell
  std::string baseline;                                      // a cell name or ""
  std::vector<Axis> axes;  // in the fixed order above, only the axes present
  nlohmann::json train;    // the shared training recipe ("train" key) or null
  nlohmann::json raw;      // the file's JSON as parsed
};

// One run of the grid.
struct Cell {
  std::string name;                          // "topp=0.75,softmax=double" or "base"
  std::map<std::string, std::string> axes;   // axis -> label of its value in this cell
  std::string model_dir;
  std::vector<std::string> overrides;        // "key=value" (value as JSON text), spec "set" first
  std::string device, dtype;
  nlohmann::json train;                      // the recipe of the model's training, or null
};

// A model an axis value trains before the grid runs (spec "train" recipes).
struct TrainJob {
  std::string label;      // the axis value's label, e.g. "variant=e2e"
  std::string model_dir;  // OUT/models/<label>: the trained model (and its logs)
  nlohmann::json recipe;  // {"base" | "from", "data", "task", "split", "variant", "args"}
};

// Gives every axis value with a training recipe its model dir under OUT_DIR/models/<label> and
// returns those jobs in axis order. Call before expand_cells.
std::vector<TrainJob> resolve_training(Spec& spec, const std::string& out_dir);

// The axis names, in cell-name order.
const std::vector<std::string>& axis_names();

// Parses and validates. SOURCE names the file in errors ("spec.json: key 'axes.selection.topp[1]':
// ..."). kFormat for invalid JSON, kInvalidArgument for a bad key or value.
Spec parse_spec(const nlohmann::json& json, const std::string& source);
// Reads PATH (kNotFound / kIo / kFormat) and parses it; the name defaults to the file's stem.
Spec load_spec(const std::string& path);

// The most cells a grid may have: each is a whole evaluation run, so real grids have tens; the
// bound keeps a hostile or mistyped spec from expanding into millions of cells in memory.
inline constexpr size_t kMaxCells = 10000;

// The full grid, in row-major order over spec.axes (the last axis varies fastest). kInvalidArgument
// when the grid would exceed kMaxCells, when two axes of one cell both pick a model dir, when no
// model dir results, or when the baseline names no cell.
std::vector<Cell> expand_cells(const Spec& spec);

// A stable hex digest of everything that defines a cell's results: model dir, overrides, tasks,
// data paths, split, limit, device, dtype, max_new_tokens, profile, chat template, seed.
std::string cell_fingerprint(const Spec& spec, const Cell& cell);

}  // namespace slime::ablations
