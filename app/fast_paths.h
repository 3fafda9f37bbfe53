// --attention and --decode, the generation fast paths (runtime/generate.h), as flags of `slime
// generate` and `slime eval`. Defaults (auto) pick the fastest correct path per device; an explicit
// choice that cannot run falls back and says why (GenerateTiming::fallback), except --attention sdpa
// on LibTorch 1.13, which is refused (kUnsupported). Names, not enums: EvalOptions stays free of
// LibTorch headers (the sanitizer subset builds it without them).
#pragma once
#include <string>

#include <CLI/CLI.hpp>

namespace slime::cli {

inline void add_fast_path_flags(CLI::App* cmd, std::string* attention, std::string* decode) {
  cmd->add_option("--attention", *attention,
                  "auto | eager | sdpa: attention of prefill and decode (auto: sdpa on CUDA with LibTorch 2.x, "
                  "else eager)")
      ->check(CLI::IsMember({"auto", "eager", "sdpa"}));
  cmd->add_option("--decode", *decode,
                  "auto | reference | static | graph: the decode step (auto: graph where usable, else "
                  "reference; an unusable choice falls back and says why)")
      ->check(CLI::IsMember({"auto", "reference", "static", "graph"}));
}

}  // namespace slime::cli
