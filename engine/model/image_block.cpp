#include "engine/model/image_block.h"

#include <vector>

#include "engine/common/error.h"
#include "engine/io/model_config.h"
#include "engine/io/torch_tensors.h"

namespace slime::model {

ImageBranches image_branches_from(const io::ModelConfig& config) {
  if (config.use_global_only && config.use_local_only) {
    throw_error(ErrorCode::kInvalidArgument, "use_global_only and use_local_only are both true");
  }
  if (config.use_global_only) return ImageBranches::kGlobalOnly;
  if (config.use_local_only) return ImageBranches::kLocalOnly;
  return ImageBranches::kBoth;
}

const char* image_branches_name(ImageBranches branches) {
  switch (branches) {
    case ImageBranches::kBoth: return "global+local";
    case ImageBranches::kGlobalOnly: return "global_only";
    case ImageBranches::kLocalOnly: return "local_only";
  }
  return "unknown";
}

namespace {

// A [rows, D] input of the block; `what` names it in errors.
void check_rows(const at::Tensor& t, const char* what, ImageBranches branches) {
  if (!t.defined()) {
    throw_error(ErrorCode::kInvalidArgument, "image block ({}): {} is required", image_branches_name(branches), what);
  }
  if (t.dim() != 2) {
    throw_error(ErrorCode::kShape, "image block: {} must be [rows, D], got {}", what, io::shape_str(t.sizes()));
  }
}

}  // namespace

at::Tensor assemble_image_block(ImageBranches branches, const at::Tensor& global, const at::Tensor& separator,
                                const at::Tensor& selected) {
  switch (branches) {
    case ImageBranches::kGlobalOnly:
      check_rows(global, "global tokens", branches);
      return global;
    case ImageBranches::kLocalOnly:
      check_rows(selected, "selected local tokens", branches);
      return selected;
    case ImageBranches::kBoth: break;
  }
  check_rows(global, "global tokens", branches);
  check_rows(selected, "selected local tokens", branches);
  if (!separator.defined()) {
    throw_error(ErrorCode::kInvalidArgument, "image block (global+local): the separator embedding is required");
  }
  const int64_t d = global.size(1);
  const at::Tensor sep_row = separator.reshape({-1, separator.size(-1)});  // [1, D]
  if (sep_row.size(0) != 1 || sep_row.size(1) != d || selected.size(1) != d) {
    throw_error(ErrorCode::kShape, "image block: widths differ: global {}, separator {}, selected {}",
                io::shape_str(global.sizes()), io::shape_str(separator.sizes()), io::shape_str(selected.sizes()));
  }
  // [N_global + 1 + K, D]; the separator is a raw embedding row, not passed through the projector.
  return torch::cat({global, sep_row.to(global.dtype()), selected.to(global.dtype())}, 0);
}

}  // namespace slime::model
