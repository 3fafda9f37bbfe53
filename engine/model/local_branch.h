// Local branch before selection (model.md §6; upstream llava_arch.py encode_images):
//   crops F[1:] [P, S, E] -> R_Nq (model.sampler.post_qformer) [P, Nq, E]
//     -> shared MLP (expert-0 weights of mm_projector, ungated) [P, Nq, D]
//     -> token order: `spatial` = raster over the whole (g·nph)×(g·npw) grid, `flat` = crop by crop
//     -> [L, D], L = P·Nq.
// The text-guided selector (§7) runs after this and lives in selector.*.
//
// Resolved details:
//  - The local MLP is the projector's own MLP (upstream calls mm_projector on a 3-D tensor, whose
//    shape guard falls through to projection(x); for mlp2x_gelu it is the whole projector).
//  - Upstream views [nph, npw, g, g, D] with g = sampler.grid_size = int(sqrt(mm_resampler_dim)),
//    permutes (0, 2, 1, 3, 4) and flattens; (npw, nph) is the UHD grid of the image (engine/image).
//  - P = 0 (an empty feature) gives [0, D], as upstream's flatten of an empty tensor does.
//  - mm_patch_merge_type values other than flat/spatial are refused (upstream's `else` branch is a
//    no-op `assert NotImplementedError` that leaves the features unflattened).
#pragma once
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "engine/io/checkpoint.h"
#include "engine/io/model_config.h"
#include "engine/io/torch_tensors.h"
#include "engine/model/adapters.h"
#include "engine/model/resampler.h"

namespace slime::model {

enum class MergeType { kSpatial, kFlat };
MergeType parse_merge_type(const std::string& name);  // "spatial" | "flat", else kUnsupported

// Position in the spatial order of query (y, x) of the crop at row r, column c (§6.3):
// ((r·g + y)·npw + c)·g + x.
inline int64_t spatial_token_index(int64_t r, int64_t c, int64_t y, int64_t x, int64_t npw, int64_t g) {
  return ((r * g + y) * npw + c) * g + x;
}

// [P, g*g, D] crops in row-major crop order -> [P*g*g, D] in raster order over the crop grid.
// kShape when P != npw*nph or g*g != tokens per crop.
at::Tensor spatial_reorder(const at::Tensor& crops, int64_t npw, int64_t nph);

struct LocalBranchOptions {
  int64_t vision_dim = 1024;  // E
  int64_t grid = 12;          // sqrt(mm_resampler_dim)
  int64_t num_heads = 8;      // mm_hidden_size // 128
  MergeType merge = MergeType::kSpatial;

  static LocalBranchOptions from_config(const io::ModelConfig& config);
};

class LocalBranchImpl : public torch::nn::Module {
 public:
  // MLP is the projector's shared MLP; it is used, not registered: its weights load (and move to
  // a device or dtype) with the projector.
  LocalBranchImpl(const LocalBranchOptions& options, Mlp2xGelu mlp);

  // crops [P, S, E] (S a square) and the crop grid (npw columns, nph rows, P = npw*nph) -> [L, D].
  // Dumps compressor.* (Resampler intermediates; compressor.out [P, Nq, E]), local.projected
  // [P, Nq, D] and local.tokens [L, D].
  at::Tensor forward(const at::Tensor& crops, int64_t npw, int64_t nph, NamedTensors* dump = nullptr);

  const LocalBranchOptions& options() const { return options_; }
  Resampler post_qformer{nullptr};  // R_Nq, keys model.sampler.post_qformer.*

 private:
  LocalBranchOptions options_;
  Mlp2xGelu mlp_;
};
TORCH_MODULE(LocalBranch);

inline constexpr const char* kCompressorPrefix = "model.sampler.post_qformer.";

// Loads the compressor's weights (the shared MLP loads with the projector).
io::LoadReport load_local_branch(LocalBranch& branch, const io::Checkpoint& checkpoint, io::LoadOptions options = {},
                                 const std::string& prefix = kCompressorPrefix);

}  // namespace slime::model
