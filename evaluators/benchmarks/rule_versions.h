// Pinned upstream revisions (benchmarks.md header table) that rule_version strings cite.
#pragma once

namespace slime::eval::rev {
inline constexpr const char* kLlava = "haotian-liu/LLaVA@c121f04";
inline constexpr const char* kSlime = "yfzhang114/SliME@5c89ec9";
inline constexpr const char* kLmms = "EvolvingLMMs-Lab/lmms-eval@75571cf";
inline constexpr const char* kVlm = "open-compass/VLMEvalKit@e8e78f0";
inline constexpr const char* kVqa = "GT-Vision-Lab/VQA@a013f00";
inline constexpr const char* kMmmu = "MMMU-Benchmark/MMMU@51ce7f3";
}  // namespace slime::eval::rev
