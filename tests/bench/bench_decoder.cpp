// One greedy decode step of the Llama decoder (engine/model/llama.h) with a KV cache, fp32 on CPU:
// embed one token, run every layer against the cached keys/values, the LM head on the last slot,
// argmax. The model is a small Llama shape (hidden 1024, 4 layers, GQA 16/4 heads, vocab 32000,
// tied embeddings: ~80 M parameters, 0.3 GB) so the benchmark fits a CI machine; the context is
// 64 cached slots (a text-only prompt) and 640 (a prompt plus SliME's ~600 visual tokens).
// Random weights N(0, 0.02): speed does not depend on values.
#include <benchmark/benchmark.h>

#include <vector>

#include <ATen/ATen.h>
#include <torch/torch.h>

#include "engine/io/model_config.h"
#include "engine/model/llama.h"
#include "engine/runtime/generate.h"

namespace {

slime::io::LlmConfig small_llama() {
  slime::io::LlmConfig c;
  c.hidden_size = 1024;
  c.intermediate_size = 2816;
  c.num_hidden_layers = 4;
  c.num_attention_heads = 16;
  c.num_key_value_heads = 4;
  c.vocab_size = 32000;
  c.max_position_embeddings = 4096;
  c.tie_word_embeddings = true;
  return c;
}

void decoder_step_fp32(benchmark::State& state) {
  const int64_t context = state.range(0);
  const slime::io::LlmConfig config = small_llama();
  torch::manual_seed(0);
  slime::model::LlamaForCausalLM model(config);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters()) p.normal_(0.0, 0.02);  // parameters start uninitialised
  }
  c10::InferenceMode guard;

  // Prefill CONTEXT slots once; every timed step copies this cache (the tensor handles and its
  // length), so each step attends to exactly CONTEXT slots and rewrites the same next slot.
  slime::runtime::KvCache prefilled = model->make_cache(1, context + 1);
  model->forward(at::randn({1, context, config.hidden_size}) * 0.02, at::arange(context).unsqueeze(0),
                 at::ones({1, context}, at::kLong), prefilled, /*last_only=*/true);
  const at::Tensor token = at::full({1, 1}, 1234, at::kLong);        // [1, 1]
  const at::Tensor position = at::full({1, 1}, context, at::kLong);  // [1, 1]
  const at::Tensor mask = at::ones({1, context + 1}, at::kLong);     // [1, context + 1]
  for (auto _ : state) {
    slime::runtime::KvCache cache = prefilled;
    const at::Tensor logits = model->forward(model->embed(token), position, mask, cache, true);  // [1, 1, V]
    benchmark::DoNotOptimize(logits.argmax(-1));
  }
  state.counters["tokens/s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK(decoder_step_fp32)->ArgName("context")->Arg(64)->Arg(640)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---------------------------------------------------------------------------------------------
// The fast paths (model.md §13) next to the reference ones, same model and run. On the CPU they
// show the overhead the fixed shapes cost (the static step attends over the whole capacity); the
// gains they are for (one CUDA graph launch per token, SDPA's fused kernels) need a GPU.

slime::model::LlamaForCausalLM random_small_llama() {
  torch::manual_seed(0);
  slime::model::LlamaForCausalLM model(small_llama());
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) p.normal_(0.0, 0.02);
  return model;
}

// decode_static at slot CONTEXT of a cache of CONTEXT + SPARE slots (SPARE = room left for later
// tokens, which the static step masks but still reads), greedy argmax on the device.
void decoder_step_static_fp32(benchmark::State& state) {
  const int64_t context = state.range(0), spare = state.range(1);
  slime::model::LlamaForCausalLM model = random_small_llama();
  c10::InferenceMode guard;
  slime::runtime::KvCache cache = model->make_cache(1, context + 1 + spare);
  model->forward(at::randn({1, context, model->config().hidden_size}) * 0.02, at::arange(context).unsqueeze(0),
                 at::ones({1, context}, at::kLong), cache, /*last_only=*/true);
  const at::Tensor ids = at::full({1, 1}, 1234, at::kLong), position = at::full({1, 1}, context, at::kLong);
  const at::Tensor slot = at::full({1}, context, at::kLong);
  at::Tensor key_mask = at::zeros({1, context + 1 + spare}, at::kBool);
  key_mask.slice(1, 0, context + 1).fill_(true);
  for (auto _ : state) {
    const at::Tensor logits = model->decode_static(ids, position, slot, key_mask, cache);  // [1, 1, V]
    benchmark::DoNotOptimize(at::argmax(logits.select(1, 0), -1, /*keepdim=*/true));
  }
  state.counters["tokens/s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK(decoder_step_static_fp32)->ArgNames({"context", "spare"})->Args({64, 0})->Args({640, 0})->Args({640, 64})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

// A whole greedy generate: a 64-token prompt, 32 new tokens, by decode path (0 reference, 1 static)
// and greedy_on_device (0/1).
void generate_greedy_fp32(benchmark::State& state) {
  slime::model::LlamaForCausalLM model = random_small_llama();
  c10::InferenceMode guard;
  slime::runtime::GenerateOptions options;
  options.max_new_tokens = 32;
  options.decode_path = state.range(0) ? slime::runtime::DecodePath::kStatic : slime::runtime::DecodePath::kReference;
  options.greedy_on_device = state.range(1) != 0;
  std::vector<int64_t> prompt(64);
  for (int64_t i = 0; i < 64; ++i) prompt[static_cast<size_t>(i)] = (i * 7919) % 32000;
  int64_t tokens = 0;
  for (auto _ : state) tokens += slime::runtime::generate_ids(model, {prompt}, options).timing.new_tokens;
  state.counters["tokens/s"] = benchmark::Counter(double(tokens), benchmark::Counter::kIsRate);
}

BENCHMARK(generate_greedy_fp32)->ArgNames({"static", "on_device"})->Args({0, 0})->Args({0, 1})->Args({1, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

// Prefill of T tokens (batch 1, no padding), eager blocked attention vs SDPA (LibTorch 2.x only).
void prefill_fp32(benchmark::State& state) {
  const int64_t t = state.range(0);
  const auto impl = state.range(1) ? slime::model::AttentionImpl::kSdpa : slime::model::AttentionImpl::kEager;
  if (impl == slime::model::AttentionImpl::kSdpa && !slime::model::sdpa_available()) {
    state.SkipWithError("SDPA needs LibTorch 2.x");
    return;
  }
  slime::model::LlamaForCausalLM model = random_small_llama();
  model->set_attention(impl);
  c10::InferenceMode guard;
  const at::Tensor embeds = at::randn({1, t, model->config().hidden_size}) * 0.02;
  const at::Tensor positions = at::arange(t).unsqueeze(0), mask = at::ones({1, t}, at::kLong);
  for (auto _ : state) {
    slime::runtime::KvCache cache = model->make_cache(1, t);
    benchmark::DoNotOptimize(model->forward(embeds, positions, mask, cache, /*last_only=*/true));
  }
  state.counters["tokens/s"] = benchmark::Counter(double(state.iterations() * t), benchmark::Counter::kIsRate);
}

BENCHMARK(prefill_fp32)->ArgNames({"tokens", "sdpa"})->Args({640, 0})->Args({640, 1})->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
