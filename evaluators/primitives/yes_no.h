// Yes/No extraction variants (benchmarks.md §3.6). Each returns "yes", "no" or its own "other"
// label, spelled as upstream so per-sample logs can be compared with upstream output.
#pragma once
#include <string>

namespace slime::eval {

// MME eval_tool/calculation.py: exact yes/no after lower(), else the first 4 characters:
// contains "yes" -> yes, "no" -> no, else "other".
std::string yes_no_mme_official(const std::string& pred);
// lmms-eval tasks/mme/utils.py::parse_pred_ans ("from Otter"): lower/strip/remove '.', y/n
// letters, any other single character "other", then the first-4-character test.
std::string yes_no_lmms_mme(const std::string& pred);
// VLMEvalKit utils/yorn.py::YOrN_Extraction: "Yes" / "No" / "Unknown" on C-punctuation words.
std::string yes_no_vlmevalkit(const std::string& pred);
// LLaVA eval_pope.py: text before the first '.', ',' deleted, split(' '); any of No/not/no -> "no",
// everything else (empty and evasive answers included) -> "yes".
std::string yes_no_llava_pope(const std::string& pred);
// lmms-eval tasks/pope: lower().strip() must be exactly yes/no, else "invalid".
std::string yes_no_lmms_pope(const std::string& pred);

}  // namespace slime::eval
