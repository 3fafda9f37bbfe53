// One greedy decode step of the Llama decoder (engine/model/llama.h) with a KV cache, fp32 on CPU:
// embed one token, run every layer against the cached keys/values, the LM head on the last slot,
// argmax. The model is a small Llama shape (hidden 1024, 4 layers, GQA 16/4 heads, vocab 32000,
// tied embeddings: ~80 M parameters, 0.3 GB) so the benchmark fits a CI machine; the context is
// 64 cached slots (a text-only prompt) and 640 (a prompt plus SliME's ~600 visual tokens).
// Random weights N(0, 0.02): speed does not depend on values.
#include <benchmark/benchmark.h>

#include <ATen/ATen.h>
#include <torch/torch.h>

#include "engine/io/model_config.h"
#include "engine/model/llama.h"

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

}  // namespace

BENCHMARK_MAIN();
