#include "engine/runtime/decode_step.h"

#include <functional>

#include <ATen/ATen.h>

#include "engine/common/error.h"

#if SLIME_TORCH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#endif

namespace slime::runtime {

#if SLIME_TORCH_CUDA

bool decode_graph_available(const at::Device& device) { return device.is_cuda(); }

// One decode step in a CUDA graph, on a side stream (capture needs a non-default stream). The first
// run executes the step eagerly: a real step that also creates the cuBLAS handle and workspace of
// that stream, which a capture cannot. The second run captures the step (capturing executes
// nothing) and replays it; later runs only replay. Events order the side stream after the caller's
// earlier work and the caller's later work (the D2H copy of the ids) after the step.
class DecodeGraph {
 public:
  explicit DecodeGraph(const at::Device& device) : stream_(c10::cuda::getStreamFromPool(false, device.index())) {}

  // Returns the step's logits (after a replay: the graph's output buffer, overwritten by the next
  // replay). FAILURE receives why a capture failed; the step then runs eagerly from there on.
  at::Tensor run(const std::function<at::Tensor()>& step, std::string& failure) {
    const c10::cuda::CUDAStream caller = c10::cuda::getCurrentCUDAStream(stream_.device_index());
    at::cuda::CUDAEvent ready;
    ready.record(caller);
    ready.block(stream_);
    at::Tensor out;
    {
      const c10::cuda::CUDAStreamGuard guard(stream_);
      if (runs_++ > 0 && !graph_ && failure.empty()) capture(step, failure);
      if (graph_) {
        graph_->replay();
        out = output_;
      } else {
        out = step();
      }
    }
    at::cuda::CUDAEvent done;
    done.record(stream_);
    done.block(caller);
    return out;
  }

 private:
  void capture(const std::function<at::Tensor()>& step, std::string& failure) {
    auto graph = std::make_unique<at::cuda::CUDAGraph>();
    try {
      graph->capture_begin();
      output_ = step();
      graph->capture_end();
      graph_ = std::move(graph);
    } catch (const std::exception& error) {
      // An op that cannot be captured (a host sync) aborts the capture, which recorded but never ran
      // the step's work: the buffers are as before. End a capture left open so the stream works.
      cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
      if (cudaStreamIsCapturing(stream_.stream(), &status) == cudaSuccess && status != cudaStreamCaptureStatusNone) {
        cudaGraph_t open = nullptr;
        if (cudaStreamEndCapture(stream_.stream(), &open) == cudaSuccess && open != nullptr) cudaGraphDestroy(open);
      }
      (void)cudaGetLastError();
      output_ = at::Tensor();
      failure = std::string("CUDA graph capture failed, decoding eagerly: ") + error.what();
    }
  }

  c10::cuda::CUDAStream stream_;
  std::unique_ptr<at::cuda::CUDAGraph> graph_;
  at::Tensor output_;
  int64_t runs_ = 0;
};

#else

bool decode_graph_available(const at::Device& /*device*/) { return false; }

// Never constructed without CUDA LibTorch (decode_graph_available is false); defined so that
// TokenStepper's unique_ptr has a complete type.
class DecodeGraph {
 public:
  explicit DecodeGraph(const at::Device& /*device*/) {}
  at::Tensor run(const std::function<at::Tensor()>& step, std::string& /*failure*/) { return step(); }
};

#endif

TokenStepper::TokenStepper(model::LlamaForCausalLM& model, KvCache& cache, Sampler& sampler,
                           const GenerateOptions& options, const at::Tensor& mask, const at::Tensor& next_pos,
                           int64_t longest)
    : model_(model), cache_(cache), sampler_(sampler), options_(options), mask_(mask), next_pos_(next_pos),
      longest_(longest), batch_(cache.batch()), device_greedy_(sampler.greedy() && options.greedy_on_device) {
  const at::Device dev = model->device();
  const bool static_ok = model->static_decode_ok(cache.capacity());
  const bool graph_ok = static_ok && device_greedy_ && decode_graph_available(dev);
  const char* no_static = "static decode: dynamic rope scaling past max_position_embeddings re-bases every step";
  switch (options.decode_path) {
    case DecodePath::kAuto: path_ = graph_ok ? DecodePath::kGraph : DecodePath::kReference; break;
    case DecodePath::kReference: path_ = DecodePath::kReference; break;
    case DecodePath::kStatic:
      path_ = static_ok ? DecodePath::kStatic : DecodePath::kReference;
      if (!static_ok) fallback_ = no_static;
      break;
    case DecodePath::kGraph:
      path_ = graph_ok ? DecodePath::kGraph : static_ok ? DecodePath::kStatic : DecodePath::kReference;
      if (!static_ok) fallback_ = no_static;
      else if (!decode_graph_available(dev)) fallback_ = "CUDA graphs need a CUDA device and a CUDA LibTorch 2.x";
      else if (!graph_ok)
        fallback_ = "CUDA graphs need greedy decoding on the device (sampling reads logits on the host)";
      break;
  }
  if (path_ == DecodePath::kReference) return;
  const auto long_opts = at::TensorOptions().dtype(at::kLong).device(dev);
  slot_ = at::full({1}, longest, long_opts);
  key_mask_ = mask.to(dev).ne(0);
  key_mask_.slice(1, longest).fill_(false);  // decode slots become visible as they are written
  next_pos_ = next_pos.to(dev, at::kLong).clone();
  if (path_ == DecodePath::kGraph) graph_ = std::make_unique<DecodeGraph>(dev);
}

TokenStepper::~TokenStepper() = default;

std::vector<int64_t> TokenStepper::host_ids() const {
  const at::Tensor host = ids_.to(at::kCPU).contiguous();  // [B, 1]: B int64, the step's only D2H copy
  return std::vector<int64_t>(host.data_ptr<int64_t>(), host.data_ptr<int64_t>() + host.numel());
}

std::vector<int64_t> TokenStepper::choose(const at::Tensor& logits) {
  const bool fast = path_ != DecodePath::kReference;
  if (device_greedy_) {
    // at::argmax keeps the first maximal index on every device, as greedy_tokens and HF do.
    const at::Tensor ids = at::argmax(logits, -1, /*keepdim=*/true);  // [B, 1] on the logits' device
    if (fast && ids_.defined()) ids_.copy_(ids);  // the static paths keep one buffer (a graph reads it)
    else ids_ = ids;
    return host_ids();
  }
  std::vector<int64_t> tokens = sampler_.next(logits);
  const at::Tensor host = at::tensor(tokens, at::TensorOptions().dtype(at::kLong)).view({batch_, 1});
  if (!fast) ids_ = host;
  else if (ids_.defined()) ids_.copy_(host);
  else ids_ = host.to(model_->device());
  return tokens;
}

std::vector<int64_t> TokenStepper::first(const at::Tensor& logits) { return choose(logits); }

at::Tensor TokenStepper::static_step() {
  key_mask_.index_fill_(1, slot_, true);  // the step's own slot becomes visible to its query
  at::Tensor logits = model_->decode_static(ids_, next_pos_, slot_, key_mask_, cache_);  // [B, 1, V]
  if (device_greedy_) ids_.copy_(at::argmax(logits.select(1, 0), -1, /*keepdim=*/true));
  next_pos_.add_(1);
  slot_.add_(1);
  return logits;
}

std::vector<int64_t> TokenStepper::next(int64_t step) {
  at::Tensor logits;  // [B, 1, V]
  if (path_ == DecodePath::kReference) {
    const int64_t slot = longest_ + step;  // the slot this token is written to
    logits = model_->forward(model_->embed(ids_), next_pos_, mask_.slice(1, 0, slot + 1), cache_, /*last_only=*/true);
    next_pos_ = next_pos_ + 1;
    if (options_.dump) options_.dump(fmt::format("llm.logits.{}", step + 1), logits);
    return choose(logits.select(1, 0));  // copies to the CPU: the step is synchronised here
  }
  if (path_ == DecodePath::kGraph) {
    logits = graph_->run([this] { return static_step(); }, fallback_);
    if (!fallback_.empty()) path_ = DecodePath::kStatic;  // the capture failed; this step ran eagerly
  } else {
    logits = static_step();
  }
  cache_.advance(1);  // host bookkeeping only: decode_static writes at slot_
  if (options_.dump) options_.dump(fmt::format("llm.logits.{}", step + 1), logits.clone());
  if (device_greedy_) return host_ids();  // the argmax already went into ids_ on the device
  std::vector<int64_t> tokens = sampler_.next(logits.select(1, 0));
  ids_.copy_(at::tensor(tokens, at::TensorOptions().dtype(at::kLong)).view({batch_, 1}));
  return tokens;
}

}  // namespace slime::runtime
