#include "datasets/registry.h"

#include <filesystem>

#include "datasets/formats/cells.h"
#include "datasets/formats/llava_layout.h"
#include "datasets/formats/scienceqa.h"
#include "datasets/formats/slime_jsonl.h"
#include "datasets/formats/vlmeval_tsv.h"
#include "datasets/prompts.h"
#include "engine/common/error.h"

namespace slime::data {
namespace fs = std::filesystem;
namespace {

std::string mmbench_en(const Sample& s) { return prompt_mmbench(s, false); }
std::string mmbench_cn(const Sample& s) { return prompt_mmbench(s, true); }

// Upstream sources of the generation budgets (benchmarks.md §2.4, §4).
constexpr const char* kLoader = "SliME model_vqa_loader.py (64; LLaVA-1.5: 128)";
constexpr const char* kMmbench = "model_vqa_mmbench.py";
constexpr const char* kModelDefault = "model_vqa.py / lmms-eval llava default";

const std::vector<TaskSpec> kTasks = {
    {"mme", "vlmeval_tsv (MME.tsv), llava_jsonl (llava_mme.jsonl + MME_Benchmark_release_version), slime_jsonl", 64, kLoader, prompt_mme},
    {"pope_random", "llava_jsonl (llava_pope_test.jsonl + coco_pope_random.json), vlmeval_tsv (POPE.tsv), slime_jsonl", 64, "SliME pope.sh --max_new_tokens 64", prompt_short_answer},
    {"pope_popular", "llava_jsonl, vlmeval_tsv, slime_jsonl", 64, "SliME pope.sh --max_new_tokens 64", prompt_short_answer},
    {"pope_adversarial", "llava_jsonl, vlmeval_tsv, slime_jsonl", 64, "SliME pope.sh --max_new_tokens 64", prompt_short_answer},
    {"textvqa_val", "llava_jsonl (+ TextVQA_0.5.1_val.json), vlmeval_tsv (TextVQA_VAL.tsv), slime_jsonl", 64, kLoader, prompt_short_answer},
    {"textvqa_val_ocr", "llava_jsonl (llava_textvqa_val_v051_ocr.jsonl + TextVQA_0.5.1_val.json), slime_jsonl", 64, kLoader, prompt_textvqa_ocr},
    {"gqa", "llava_jsonl (+ testdev_balanced_questions.json), vlmeval_tsv, slime_jsonl", 64, kLoader, prompt_short_answer},
    {"vqav2_val", "slime_jsonl (convert_parquet.py from lmms-lab VQAv2 validation)", 64, kLoader, prompt_short_answer},
    {"mmbench_dev_en", "vlmeval_tsv (mmbench_dev_20230712.tsv / MMBench_DEV_EN.tsv), slime_jsonl", 1024, kMmbench, mmbench_en},
    {"mmbench_dev_cn", "vlmeval_tsv (mmbench_dev_cn_20231003.tsv / MMBench_DEV_CN.tsv), slime_jsonl", 1024, kMmbench, mmbench_cn},
    {"seed_image", "vlmeval_tsv (SEEDBench_IMG.tsv), slime_jsonl", 64, kLoader, prompt_options},
    {"scienceqa_img", "scienceqa_json (problems.json + pid_splits.json), vlmeval_tsv (ScienceQA_TEST.tsv), slime_jsonl", 1024, "model_vqa_science.py", prompt_scienceqa},
    {"mmstar", "vlmeval_tsv (MMStar.tsv), slime_jsonl", 1024, kModelDefault, prompt_mmstar},
    {"ai2d", "vlmeval_tsv (AI2D_TEST.tsv), slime_jsonl", 16, "lmms-eval ai2d.yaml", prompt_options},
    {"chartqa", "vlmeval_tsv (ChartQA_TEST.tsv), slime_jsonl", 100, "SliME model_vqa_chartqa.py", prompt_short_answer},
    {"docvqa_val", "vlmeval_tsv (DocVQA_VAL.tsv), slime_jsonl", 32, "lmms-eval docvqa_val.yaml", prompt_short_answer},
    {"realworldqa", "vlmeval_tsv (RealWorldQA.tsv), slime_jsonl", 16, "lmms-eval realworldqa.yaml", prompt_raw},
    {"mmmu_val", "vlmeval_tsv (MMMU_DEV_VAL.tsv, split validation), slime_jsonl", 128, "lmms-eval mmmu_val.yaml", prompt_mmmu},
    // lmms-eval sets 16384 (§4.10), more than the 2048-token context of these models; the model
    // default is what a LLaVA-family run can actually use.
    {"mathvista_testmini", "vlmeval_tsv (MathVista_MINI.tsv), slime_jsonl", 1024, kModelDefault, prompt_mathvista},
    {"hallusionbench", "vlmeval_tsv (HallusionBench.tsv), slime_jsonl", 128, "lmms-eval hallusion_bench_image.yaml", prompt_raw},
    {"amber_d", "vlmeval_tsv (AMBER.tsv), slime_jsonl", 128, "SliME model_vqa_amber.py", prompt_raw},
    {"mmvet", "llava_jsonl (llava-mm-vet.jsonl + mm-vet.json), vlmeval_tsv (MMVet.tsv), slime_jsonl", 1024, "LLaVA model_vqa.py", prompt_raw},
    {"llava_bench", "llava_jsonl (questions.jsonl + answers_gpt4.jsonl + context.jsonl), slime_jsonl", 1024, "LLaVA model_vqa.py", prompt_raw},
    {"hires_detail", "slime_jsonl (slime hires-detail)", 16, "slime-bench: answers are at most 3 words", prompt_hires_detail},
};

TsvTaskRules tsv_rules(const std::string& name) {
  TsvTaskRules rules;
  if (starts_with(name, "pope_")) {
    const std::string split = name.substr(5);
    rules.keep = [split](const Sample& s) { return s.category == split; };
  } else if (name == "scienceqa_img") {
    rules.image_required = false;  // ScienceQA_TEST holds text-only rows too: skip_noimg, counted
    rules.keep = [](const Sample& s) { return !s.images.empty() || !s.error.empty(); };
  } else if (name == "mmmu_val") {
    rules.keep = [](const Sample& s) { return s.split.empty() || s.split == "validation"; };
  }
  return rules;
}

}  // namespace

const std::vector<TaskSpec>& all_tasks() { return kTasks; }

const TaskSpec& find_task(const std::string& name) {
  std::string known;
  for (const auto& t : kTasks) {
    if (t.name == name) return t;
    known += (known.empty() ? "" : ", ") + t.name;
  }
  throw_error(ErrorCode::kNotFound, "unknown task '{}' (known: {})", name, known);
}

DatasetInfo load_task(const std::string& name, const LoadOptions& opt, const SampleSink& sink) {
  const TaskSpec& spec = find_task(name);
  if (!fs::exists(opt.path)) throw_error(ErrorCode::kNotFound, "{}: data path for task {} does not exist", opt.path, name);
  if (ends_with(opt.path, ".tsv")) return load_vlmeval_tsv(name, opt, tsv_rules(name), sink);
  if (ends_with(opt.path, ".jsonl") || is_slime_jsonl_dir(opt.path)) return load_slime_jsonl(name, opt, sink);
  if (fs::is_directory(opt.path)) {
    if (starts_with(name, "pope_")) return load_llava_pope(name, name.substr(5), opt, sink);
    if (starts_with(name, "textvqa_val")) return load_llava_textvqa(name, opt, sink);
    if (name == "mme") return load_llava_mme(name, opt, sink);
    if (name == "gqa") return load_llava_gqa(name, opt, sink);
    if (name == "mmvet") return load_llava_mmvet(name, opt, sink);
    if (name == "llava_bench") return load_llava_bench(name, opt, sink);
    if (name == "scienceqa_img") return load_scienceqa(name, opt, true, sink);
  }
  throw_error(ErrorCode::kUnsupported, "{}: task {} loads from {}; this path is none of them", opt.path, name, spec.formats);
}

std::vector<Sample> load_task_all(const std::string& name, const LoadOptions& opt, DatasetInfo* info) {
  std::vector<Sample> samples;
  DatasetInfo i = load_task(name, opt, [&](Sample&& s) { samples.push_back(std::move(s)); });
  if (info) *info = std::move(i);
  return samples;
}

}  // namespace slime::data
