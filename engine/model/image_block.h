// SliME's image block (model.md §8.1) and the branch ablations (§6): the rows that replace the
// single -200 image token in the LLM input.
//   both:        [G (N_global) ; embed_tokens(seperator) (1) ; S (K)]
//   global only: [G]            (use_global_only: no separator, the local branch is not run)
//   local only:  [S]            (use_local_only: no separator, the global branch is not run)
#pragma once
#include <torch/types.h>

namespace slime::io {
struct ModelConfig;
}

namespace slime::model {

enum class ImageBranches { kBoth, kGlobalOnly, kLocalOnly };

// From use_global_only / use_local_only (the config loader already rejects both true).
ImageBranches image_branches_from(const io::ModelConfig& config);
const char* image_branches_name(ImageBranches branches);

struct VisualTokenCounts {
  int64_t global = 0;        // rows of G in the block (0 when the global branch is off)
  int64_t local_before = 0;  // L: local tokens before selection
  int64_t local_after = 0;   // K: local tokens kept by the selector and placed in the block
};

// global [N_global, D] (undefined for kLocalOnly), separator [D] or [1, D] (the raw embedding row
// of config.seperator; undefined unless kBoth), selected [K, D] (undefined for kGlobalOnly).
// Returns [rows, D] in the dtype/device of the inputs; a missing or mis-shaped input for the
// chosen branches is a kShape/kInvalidArgument slime::Error naming it.
at::Tensor assemble_image_block(ImageBranches branches, const at::Tensor& global, const at::Tensor& separator,
                                const at::Tensor& selected);

}  // namespace slime::model
