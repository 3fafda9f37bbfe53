// The per-token steps of generate() (model.md §13): one object per call that picks the DecodePath,
// owns the device-side state the path needs (next ids, positions, slot, key mask, CUDA graph) and
// turns each step into the B new token ids on the host.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "engine/model/llama.h"
#include "engine/runtime/generate.h"
#include "engine/runtime/kv_cache.h"
#include "engine/runtime/sampling.h"

namespace slime::runtime {

class DecodeGraph;

// True when this build and DEVICE can capture CUDA graphs (CUDA LibTorch 2.x, a CUDA device).
bool decode_graph_available(const at::Device& device);

class TokenStepper {
 public:
  // MASK [B, capacity] int64 on the model's device (1 = real slot; decode slots already 1),
  // NEXT_POS [B, 1] int64 (each row's first new position), LONGEST = the prefill's length. The
  // references must outlive the stepper.
  TokenStepper(model::LlamaForCausalLM& model, KvCache& cache, Sampler& sampler, const GenerateOptions& options,
               const at::Tensor& mask, const at::Tensor& next_pos, int64_t longest);
  ~TokenStepper();

  std::vector<int64_t> first(const at::Tensor& logits);  // the prefill's last logits [B, V] -> B tokens
  std::vector<int64_t> next(int64_t step);               // decode step STEP (0-based) -> B tokens

  DecodePath path() const { return path_; }
  const std::string& fallback() const { return fallback_; }

 private:
  std::vector<int64_t> choose(const at::Tensor& logits);  // [B, V]: sampler or device argmax into ids_
  at::Tensor static_step();                               // device-only: one decode_static + buffer updates
  std::vector<int64_t> host_ids() const;                  // the one D2H copy of a step: ids_ [B, 1]

  model::LlamaForCausalLM& model_;
  KvCache& cache_;
  Sampler& sampler_;
  const GenerateOptions& options_;
  at::Tensor mask_;      // [B, capacity] int64 (reference path)
  at::Tensor next_pos_;  // [B, 1] int64
  int64_t longest_, batch_;
  bool device_greedy_;
  DecodePath path_ = DecodePath::kReference;
  std::string fallback_;
  at::Tensor ids_;       // [B, 1] int64: the last chosen tokens (on the device for the fast paths)
  at::Tensor slot_;      // [1] int64 device (static, graph): the slot the next step writes
  at::Tensor key_mask_;  // [B, capacity] bool device (static, graph): real and written slots
  std::unique_ptr<DecodeGraph> graph_;
};

}  // namespace slime::runtime
