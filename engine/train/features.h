// CLIP features of a training image, preprocessed exactly as slime eval does (anyres plan, fp32
// normalisation rounded to fp16, tower dtype; model/slime.cpp). With the tower frozen (the
// default) they are computed once under NoGradGuard and kept in memory per dataset index: the same
// numbers as recomputing them every epoch, without the tower's cost. With --train-vision they are
// recomputed every time with autograd on.
#pragma once
#include <cstdint>
#include <map>

#include <torch/types.h>

#include "engine/model/vlm.h"
#include "engine/train/batch.h"

namespace slime::train {

struct ImageFeatures {
  at::Tensor features;  // [1+P, S, E]: the global view first, then the crops
  int64_t cols = 0, rows = 0;  // the UHD crop grid (npw x nph)
};

class FeatureCache {
 public:
  explicit FeatureCache(bool cache) : cache_(cache) {}
  // The features of ITEM's image (kInvalidArgument for a text-only item).
  ImageFeatures get(model::Vlm& vlm, const TrainItem& item);
  int64_t cached() const { return static_cast<int64_t>(entries_.size()); }

 private:
  bool cache_;
  std::map<int64_t, ImageFeatures> entries_;
};

}  // namespace slime::train
