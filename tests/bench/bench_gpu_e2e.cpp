// bench_gpu_e2e: the engine end to end on one device, against that device's limits measured in the
// same run (issue 8). Random-weight SliME models are built in memory on the device (no multi-GB
// files): per model, decode tokens/s vs the bandwidth limit ((weights + KV bytes read per token) /
// measured device-to-device copy bandwidth), prefill time vs the FLOP limit ((2 x params x tokens +
// causal attention FLOPs) / measured matmul throughput), vision + adapters + selection times on a
// hires-detail image; for the first model, hires-detail samples/s at each batch size through the
// pipeline `slime eval` runs (decode, prompt, prepare_prompt, batched generate_prepared).
// A plain program, not Google Benchmark: one JSON document of dependent measurements (the limits
// divide the timings), with flags for the shapes; it never asserts on time.
//   bench_gpu_e2e --device cuda --dtype bf16 --models 7b-shape,llama3-8b-shape:llama3 --json OUT.json
//   bench_gpu_e2e --device cpu --dtype fp32 --models tiny,small:llama3 --prefill-tokens 256 ...   (dry run)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "datasets/hires_detail/generator.h"
#include "datasets/registry.h"
#include "engine/common/error.h"
#include "engine/image/decode.h"
#include "engine/kernels/kernels_info.h"
#include "engine/model/init_model.h"
#include "engine/model/vlm.h"

namespace {
using nlohmann::json;
using namespace slime;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string device = "cuda", dtype = "bf16", json_out, tokenizers = "tests/data/tokenizers";
  std::vector<std::string> models = {"7b-shape", "llama3-8b-shape:llama3"};  // preset[:tokenizer]
  int64_t prefill_tokens = 1536, decode_tokens = 128, eval_samples = 64, reps = 3;
  std::vector<int64_t> batches = {1, 8, 32};
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t a = 0;
  while (a <= s.size()) {
    const size_t b = std::min(s.find(',', a), s.size());
    if (b > a) out.push_back(s.substr(a, b - a));
    a = b + 1;
  }
  return out;
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) throw_error(ErrorCode::kInvalidArgument, "{}: needs a value", k);
    const std::string v = argv[++i];
    if (k == "--device") a.device = v;
    else if (k == "--dtype") a.dtype = v;
    else if (k == "--json") a.json_out = v;
    else if (k == "--tokenizers") a.tokenizers = v;
    else if (k == "--models") a.models = split(v);
    else if (k == "--prefill-tokens") a.prefill_tokens = std::stoll(v);
    else if (k == "--decode-tokens") a.decode_tokens = std::stoll(v);
    else if (k == "--eval-samples") a.eval_samples = std::stoll(v);
    else if (k == "--reps") a.reps = std::stoll(v);
    else if (k == "--batches") {
      a.batches.clear();
      for (const auto& b : split(v)) a.batches.push_back(std::stoll(b));
    } else throw_error(ErrorCode::kInvalidArgument, "unknown flag {}", k);
  }
  return a;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// Wall milliseconds of fn() after the device finished it, median of REPS after one warm-up run.
double time_ms(const at::Device& device, int64_t reps, const std::function<void()>& fn) {
  fn();
  std::vector<double> ms;
  for (int64_t r = 0; r < reps; ++r) {
    model::sync_device(device);
    const auto t0 = Clock::now();
    fn();
    model::sync_device(device);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return median(ms);
}

// Device-to-device copy: bytes read + bytes written per second (what a decode step's weight
// streaming can get at best).
double copy_bandwidth(const at::Device& device) {
  const int64_t bytes = device.is_cuda() ? (int64_t(1) << 30) : (int64_t(64) << 20);
  at::Tensor src = at::ones({bytes}, at::TensorOptions().dtype(at::kByte).device(device));
  at::Tensor dst = at::empty_like(src);
  const int64_t n = 10;
  const double ms = time_ms(device, 3, [&] { for (int64_t i = 0; i < n; ++i) dst.copy_(src); });
  return 2.0 * double(bytes) * n / (ms / 1e3);
}

// Square matmuls in DTYPE: FLOP/s the prefill's GEMMs can get at best.
double matmul_peak(const at::Device& device, at::ScalarType dtype) {
  const int64_t n = device.is_cuda() ? 8192 : 512;
  const auto opt = at::TensorOptions().dtype(dtype).device(device);
  at::Tensor a = at::randn({n, n}, opt), b = at::randn({n, n}, opt), c;
  const int64_t reps = device.is_cuda() ? 20 : 5;
  const double ms = time_ms(device, 3, [&] { for (int64_t i = 0; i < reps; ++i) c = at::matmul(a, b); });
  return 2.0 * double(n) * n * n * reps / (ms / 1e3);
}

// A random-weight SliME on the device, in memory (init_model's config and initialisation rule).
model::Vlm build_vlm(const std::string& preset, const std::string& tok_dir, const at::Device& device,
                     at::ScalarType dtype) {
  model::InitModelOptions o;
  o.kind = model::InitKind::kSlime;
  o.preset = preset;
  o.tokenizer_dir = tok_dir;
  torch::manual_seed(0);
  model::Vlm v;
  v.dir = "(in memory: " + preset + ")";
  v.config = model::init_model_parsed_config(o);
  v.tokenizer = std::make_shared<const text::Tokenizer>(text::Tokenizer::from_dir(tok_dir));
  v.device = device;
  v.dtype = v.vision_dtype = dtype;
  const io::ModelConfig& c = v.config;
  model::ClipTowerOptions tower;
  tower.select_layer = c.vision.select_layer;
  tower.feature = model::parse_clip_feature(c.vision.select_feature);
  v.tower = model::ClipVisionTower(model::init_model_clip_config(c), tower);
  v.projector = model::Projector(model::ProjectorOptions::from_config(c));
  v.local = model::LocalBranch(model::LocalBranchOptions::from_config(c), v.projector->mlp());
  v.selector = model::selector_config_from(c);
  v.llm = model::LlamaForCausalLM(c.llm, at::TensorOptions().dtype(dtype).device(device));
  // The vision side is built on the CPU (its constructors take no options) and moved; the LLM is
  // allocated on the device directly. Then every parameter is drawn there.
  const std::vector<std::shared_ptr<torch::nn::Module>> vision = {v.tower.ptr(), v.projector.ptr(), v.local.ptr()};
  for (const auto& m : vision) m->to(device, dtype);
  for (const auto& m : {vision[0], vision[1], vision[2], std::shared_ptr<torch::nn::Module>(v.llm.ptr())}) {
    model::init_parameters(*m);
    m->eval();
  }
  model::sync_device(device);
  return v;
}

text::Template template_for(const std::string& tokenizer) {
  return tokenizer == "llama3" ? text::Template::kLlama3 : text::Template::kVicunaV1;
}

struct EvalItem {
  image::RgbImage image;
  std::vector<int32_t> ids;
};

// hires-detail test items through the eval pipeline: image decode and prompt, prepare_prompt per
// sample, generate_prepared per batch.
json eval_throughput(model::Vlm& v, text::Template tmpl, const Args& a) {
  data::hires::HiresDetailConfig cfg;
  std::vector<data::hires::HiresItem> items;
  for (int64_t i = 0; i < a.eval_samples; ++i) items.push_back(data::hires::make_hires_item(cfg, "test", int(i)));
  const data::TaskSpec& task = data::find_task("hires_detail");
  runtime::GenerateOptions gen;
  gen.max_new_tokens = task.max_new_tokens;
  gen.stop_ids = model::stop_ids_for(v, tmpl);
  json out = {{"task", "hires_detail"}, {"samples", a.eval_samples}, {"max_new_tokens", gen.max_new_tokens}};
  for (int64_t batch : a.batches) {
    int64_t new_tokens = 0;
    auto run = [&](size_t count) {
      for (size_t start = 0; start < count; start += size_t(batch)) {
        std::vector<model::PreparedPrompt> prompts;
        for (size_t i = start; i < std::min(count, start + size_t(batch)); ++i) {
          const image::RgbImage img = image::decode_image(items[i].png, items[i].sample.id);
          const auto q = model::build_question_prompt(v, tmpl, task.prompt(items[i].sample), true);
          prompts.push_back(model::prepare_prompt(v, q.ids, &img));
        }
        new_tokens += model::generate_prepared(v, prompts, gen).timing.new_tokens;
      }
    };
    run(std::min(items.size(), size_t(batch)));  // warm-up (allocator, kernels): one batch
    new_tokens = 0;
    model::sync_device(v.device);
    const auto t0 = Clock::now();
    run(items.size());
    model::sync_device(v.device);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    out["batches"][std::to_string(batch)] = {{"seconds", s}, {"samples_per_s", double(a.eval_samples) / s},
                                             {"new_tokens", new_tokens}};
    fmt::print(stderr, "  eval batch {}: {:.2f} samples/s\n", batch, double(a.eval_samples) / s);
  }
  return out;
}

json bench_model(const std::string& spec, const Args& a, const at::Device& device, at::ScalarType dtype,
                 double bandwidth, double peak, bool with_eval) {
  const auto colon = spec.find(':');
  const std::string preset = spec.substr(0, colon), tok = colon == std::string::npos ? "llama2" : spec.substr(colon + 1);
  const auto t0 = Clock::now();
  model::Vlm v = build_vlm(preset, a.tokenizers + "/" + tok, device, dtype);
  const double build_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const io::LlmConfig& llm = v.config.llm;
  const int64_t elt = at::elementSize(dtype), D = llm.hidden_size, L = llm.num_hidden_layers;
  const int64_t head_dim = D / llm.num_attention_heads;
  int64_t llm_params = 0;
  for (const auto& p : v.llm->parameters()) llm_params += p.numel();
  const int64_t embed_params = llm.vocab_size * D;
  torch::NoGradGuard no_grad;
  json r = {{"preset", preset}, {"tokenizer", tok}, {"build_s", build_s}, {"llm_params", llm_params},
            {"layers", L}, {"hidden", D}, {"kv_heads", llm.num_key_value_heads}, {"vocab", llm.vocab_size}};

  // Vision + adapters + compression + selection on a 1344x1008-class hires-detail image.
  const auto item = data::hires::make_hires_item(data::hires::HiresDetailConfig{}, "test", 0);
  const image::RgbImage img = image::decode_image(item.png, item.sample.id);
  const auto q = model::build_question_prompt(v, template_for(tok), data::find_task("hires_detail").prompt(item.sample), true);
  std::vector<model::StageTimes> laps;
  model::PreparedPrompt prepared;
  time_ms(device, a.reps, [&] {
    prepared = model::prepare_prompt(v, q.ids, &img);
    laps.push_back(prepared.times);
  });
  json stages;
  for (const auto& lap : laps.back()) {
    std::vector<double> ms;
    for (size_t i = 1; i < laps.size(); ++i)  // not the warm-up
      for (const auto& [s, t] : laps[i])
        if (s == lap.first) ms.push_back(t);
    stages[lap.first] = median(ms);
  }
  r["image"] = {{"size", {img.width, img.height}}, {"prompt_rows", prepared.inputs_embeds.size(0)},
                {"visual_tokens", {{"global", prepared.visual.global}, {"local_before", prepared.visual.local_before},
                                   {"local_after", prepared.visual.local_after}}},
                {"stage_ms", stages}};

  // Prefill of P tokens (random embeddings of the model's scale) and decode of N tokens after it.
  const int64_t P = a.prefill_tokens, N = a.decode_tokens;
  const at::Tensor prompt = at::randn({P, D}, at::TensorOptions().dtype(dtype).device(device)) * 0.02;
  runtime::GenerateOptions one;
  one.max_new_tokens = 1;
  runtime::GenerateTiming prefill_timing;
  const double prefill_ms = time_ms(device, a.reps, [&] { prefill_timing = runtime::generate(v.llm, {prompt}, one).timing; });
  const double prefill_flops = 2.0 * double(llm_params - 2 * embed_params) * P + 2.0 * double(embed_params) +
                               2.0 * double(L) * P * P * D;  // causal QKᵀ + PV: half of 4·P²·D per layer
  r["prefill"] = {{"tokens", P}, {"ms", prefill_ms}, {"flops", prefill_flops}, {"limit_ms", prefill_flops / peak * 1e3},
                  {"fraction_of_limit", prefill_flops / peak * 1e3 / prefill_ms}, {"attention", prefill_timing.attention}};

  runtime::GenerateOptions dec;
  dec.max_new_tokens = N;
  runtime::GenerateTiming t;
  std::vector<double> tok_s;
  time_ms(device, a.reps, [&] {
    t = runtime::generate(v.llm, {prompt}, dec).timing;
    tok_s.push_back(double(t.decode_steps) / (t.decode_ms / 1e3));
  });
  tok_s.erase(tok_s.begin());
  // Bytes a step must read: every weight but the embedding table (one row), and the K/V of the
  // context so far (on average P + N/2 positions).
  const double weight_bytes = double(llm_params - embed_params + D) * elt;
  const double kv_bytes = 2.0 * L * llm.num_key_value_heads * head_dim * elt * (double(P) + N / 2.0);
  const double limit = bandwidth / (weight_bytes + kv_bytes);
  const double measured = median(tok_s);
  r["decode"] = {{"new_tokens", N}, {"context", P}, {"tokens_per_s", measured}, {"bytes_per_token", weight_bytes + kv_bytes},
                 {"limit_tokens_per_s", limit}, {"fraction_of_limit", measured / limit}, {"path", t.decode_path},
                 {"attention", t.attention}, {"fallback", t.fallback}};
  fmt::print(stderr, "{}: prefill {} tok {:.1f} ms (limit {:.1f}); decode {:.1f} tok/s (limit {:.1f}, {:.0f} %), path {}\n",
             preset, P, prefill_ms, prefill_flops / peak * 1e3, measured, limit, 100 * measured / limit, t.decode_path);
  if (with_eval) r["eval"] = eval_throughput(v, template_for(tok), a);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse(argc, argv);
    const at::Device device = model::parse_device(a.device);
    const at::ScalarType dtype = model::parse_dtype(a.dtype);
    json out = {{"program", "bench_gpu_e2e"}, {"device", a.device}, {"dtype", model::dtype_name(dtype)},
                {"libtorch", fmt::format("{}.{}.{}", TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, TORCH_VERSION_PATCH)}, {"cuda_runtime", kernels::cuda_runtime_version()}};
    for (const auto& d : kernels::cuda_devices())
      out["gpus"].push_back({{"name", d.name}, {"memory_bytes", d.total_memory_bytes}, {"sm", d.major * 10 + d.minor}});
    const double bw = copy_bandwidth(device), peak = matmul_peak(device, dtype);
    out["limits"] = {{"copy_bandwidth_gb_s", bw / 1e9}, {"matmul_tflop_s", peak / 1e12}};
    fmt::print(stderr, "copy bandwidth {:.1f} GB/s, {} matmul {:.3g} TFLOP/s\n", bw / 1e9, model::dtype_name(dtype), peak / 1e12);
    for (size_t i = 0; i < a.models.size(); ++i) {
      out["models"][a.models[i]] = bench_model(a.models[i], a, device, dtype, bw, peak, i == 0);
    }
    const std::string text = out.dump(2) + "\n";
    if (!a.json_out.empty()) {
      std::ofstream f(a.json_out);
      f << text;
      if (!f) throw_error(ErrorCode::kIo, "{}: write failed", a.json_out);
    }
    std::fputs(text.c_str(), stdout);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_gpu_e2e: %s\n", e.what());
    return 1;
  }
}
