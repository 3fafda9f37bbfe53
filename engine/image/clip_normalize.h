// CLIP pixel normalisation of the anyres views into the vision tower's input tensor (model.md
// §2.5), reproducing transformers 4.37 CLIPImageProcessor in fp32, then the runners' fp16 cast.
#pragma once
#include <array>
#include <vector>

#include <torch/types.h>

#include "engine/image/anyres.h"
#include "engine/image/decode.h"

namespace slime::image {

// transformers OPENAI_CLIP_MEAN / OPENAI_CLIP_STD, rounded to float32 as the processor uses them.
constexpr std::array<float, 3> kClipMean = {0.48145466f, 0.4578275f, 0.40821073f};
constexpr std::array<float, 3> kClipStd = {0.26862954f, 0.26130258f, 0.27577711f};

// The fp32 value of byte u in channel c: float32(double(u) * (1/255)), then (v - mean) / std in
// float32 (numpy's order of operations in rescale + normalize).
float clip_normalize_value(int channel, uint8_t u);

// Stacks same-sized RGB8 views into [N, 3, H, W] (CHW, view order kept) of `dtype`: kFloat, or
// kHalf, which rounds the fp32 values to nearest-even as `images.to(torch.float16)` does.
// Throws kShape for an empty list or views of different sizes, kUnsupported for other dtypes.
at::Tensor clip_normalize(const std::vector<RgbImage>& views, at::ScalarType dtype = at::kFloat);

// The whole anyres preprocessing of one decoded image: [1 + P, 3, 336, 336], global view first.
at::Tensor preprocess_anyres(const RgbImage& image, const AnyresPlan& plan, at::ScalarType dtype = at::kFloat);

}  // namespace slime::image
