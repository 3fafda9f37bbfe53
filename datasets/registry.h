// Task name -> how to load it, how to prompt it, how many tokens to generate. The names are the
// ones results and `slime score --task` use (lmms-eval style where one exists).
#pragma once
#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace slime::data {

using PromptBuilder = std::string (*)(const Sample&);

struct TaskSpec {
  std::string name;
  std::string formats;             // the source formats it loads from (for help and errors)
  int max_new_tokens = 0;
  std::string max_new_tokens_source;  // the upstream script that sets it
  PromptBuilder prompt = nullptr;     // LLaVA-family user-turn text
};

const std::vector<TaskSpec>& all_tasks();
// Throws kNotFound listing the known names.
const TaskSpec& find_task(const std::string& name);

// Loads `name` from opt.path, picking the format by what is there: a .tsv file (VLMEvalKit), a
// folder with dataset.json or a .jsonl file (slime jsonl), else the task's release layout
// (LLaVA question jsonl + annotations, ScienceQA json). Throws kUnsupported when the task has no
// loader for that kind of path.
DatasetInfo load_task(const std::string& name, const LoadOptions& opt, const SampleSink& sink);

// Everything in memory (small sets, tests, hires-detail).
std::vector<Sample> load_task_all(const std::string& name, const LoadOptions& opt, DatasetInfo* info = nullptr);

}  // namespace slime::data
