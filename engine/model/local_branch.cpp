#include "engine/model/local_branch.h"

#include <cmath>

#include "engine/common/error.h"
#include "engine/io/torch_tensors.h"

namespace slime::model {

namespace {

using io::shape_str;

}  // namespace

MergeType parse_merge_type(const std::string& name) {
  if (name == "spatial") return MergeType::kSpatial;
  if (name == "flat") return MergeType::kFlat;
  throw_error(ErrorCode::kUnsupported, "mm_patch_merge_type '{}' is not supported by SliME's local branch (spatial or flat)",
              name);
}

at::Tensor spatial_reorder(const at::Tensor& crops, int64_t npw, int64_t nph) {
  if (crops.dim() != 3 || npw < 1 || nph < 1 || crops.size(0) != npw * nph)
    throw_error(ErrorCode::kShape, "local.projected: {} does not hold {}x{} crops [P, g*g, D]", shape_str(crops.sizes()),
                npw, nph);
  const auto g = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(crops.size(1)))));
  if (g * g != crops.size(1))
    throw_error(ErrorCode::kShape, "local.projected: {} tokens per crop is not a square", crops.size(1));
  const int64_t d = crops.size(2);
  // [nph, npw, g, g, D] -> (crop row, query row, crop column, query column) -> [L, D]
  return crops.reshape({nph, npw, g, g, d}).permute({0, 2, 1, 3, 4}).reshape({nph * npw * g * g, d});
}

LocalBranchOptions LocalBranchOptions::from_config(const io::ModelConfig& config) {
  LocalBranchOptions o;
  o.vision_dim = config.vision.mm_hidden_size;
  o.grid = config.resampler.grid();
  o.num_heads = config.vision.mm_hidden_size / 128;  // TextGuidedSampler: mm_hidden_size // 128
  o.merge = parse_merge_type(config.mm_patch_merge_type);
  return o;
}

LocalBranchImpl::LocalBranchImpl(const LocalBranchOptions& options, Mlp2xGelu mlp)
    : options_(options), mlp_(std::move(mlp)) {
  if (mlp_.is_empty()) throw_error(ErrorCode::kInvalidArgument, "local branch: the shared MLP is missing");
  if (mlp_->fc1->options.in_features() != options.vision_dim)
    throw_error(ErrorCode::kShape, "local branch: MLP input width {} != vision width {}",
                mlp_->fc1->options.in_features(), options.vision_dim);
  post_qformer =
      register_module("post_qformer", Resampler(ResamplerOptions{options.vision_dim, options.grid, options.num_heads}));
}

at::Tensor LocalBranchImpl::forward(const at::Tensor& crops, int64_t npw, int64_t nph, NamedTensors* dump) {
  if (crops.dim() != 3 || crops.size(2) != options_.vision_dim)
    throw_error(ErrorCode::kShape, "compressor.in: expected [P, S, {}], got {}", options_.vision_dim,
                shape_str(crops.sizes()));
  if (crops.size(0) != npw * nph)
    throw_error(ErrorCode::kShape, "compressor.in: {} crops for a {}x{} grid (npw x nph)", crops.size(0), npw, nph);
  const int64_t d = mlp_->fc2->options.out_features();
  if (crops.size(0) == 0) return torch::empty({0, d}, crops.options());

  at::Tensor compressed = post_qformer(crops, dump, "compressor");  // [P, Nq, E]
  at::Tensor projected = mlp_(compressed);                          // [P, Nq, D]
  dump_tensor(dump, "local.projected", projected);
  at::Tensor tokens = options_.merge == MergeType::kSpatial ? spatial_reorder(projected, npw, nph)
                                                            : projected.reshape({-1, d});  // [L, D]
  dump_tensor(dump, "local.tokens", tokens);
  return tokens;
}

io::LoadReport load_local_branch(LocalBranch& branch, const io::Checkpoint& checkpoint, io::LoadOptions options,
                                 const std::string& prefix) {
  options.prefix = prefix;
  return io::load_state_dict(*branch->post_qformer, checkpoint, options);
}

}  // namespace slime::model
