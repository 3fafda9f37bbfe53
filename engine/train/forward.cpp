#include "engine/train/forward.h"

#include <algorithm>

#include <torch/torch.h>

#include "engine/common/error.h"
#include "engine/text/image_tokens.h"

namespace slime::train {

namespace {

// [n] ids -> [n, D], differentiable when the embedding trains (the Llama's embed holds no guard).
at::Tensor embed(model::Vlm& vlm, const std::vector<int32_t>& ids) { return model::embed_ids(vlm, ids); }

at::Tensor normal(at::IntArrayRef shape, at::Generator* gen) {
  return at::normal(0.0, 1.0, shape, gen ? c10::optional<at::Generator>(*gen) : c10::nullopt,
                    at::TensorOptions().dtype(at::kFloat));
}

// Global branch of the stage: E0, E1 or the mixture (with gate noise when training).
at::Tensor global_tokens(model::Vlm& vlm, const StageSpec& stage, const at::Tensor& x, bool noise, at::Generator* gen) {
  model::ProjectorImpl& p = *vlm.projector;
  if (stage.learnable_gated == 0 || !p.options().gated()) return p.mlp()->forward(x);
  if (stage.learnable_gated == 1) return p.mlp()->forward(p.attn->forward(x));
  at::Tensor n;
  if (noise) n = normal({x.size(0), 2}, gen).to(x.device());
  return p.forward_global(x, nullptr, n);
}

// Local branch: compressor -> MLP -> raster order -> noisy selection (no gradient through the
// indices) -> kept rows.
at::Tensor local_tokens(model::Vlm& vlm, const StageSpec& stage, const TrainItem& item, const ImageFeatures& f,
                        bool noise, at::Generator* gen, int64_t* kept_count) {
  const at::Tensor local = vlm.local->forward(f.features.slice(0, 1).to(vlm.dtype), f.cols, f.rows);  // [L, D]
  model::SelectorConfig cfg = vlm.selector;
  if (stage.gamma) cfg.gamma = *stage.gamma;
  at::Tensor kept;
  {
    torch::NoGradGuard no_grad;
    std::vector<int32_t> all = text::text_query_ids(item.prompt_ids);
    all.insert(all.end(), item.answer_ids.begin(), item.answer_ids.end());
    at::Tensor query = embed(vlm, all);
    // one masked zero row per removed image id, cut to the max length (model.md §7.1)
    const int64_t removed = static_cast<int64_t>(text::count_image_tokens(item.prompt_ids));
    at::Tensor mask = torch::ones({query.size(0) + removed}, torch::TensorOptions().dtype(torch::kLong).device(vlm.device));
    if (removed > 0) {
      query = torch::cat({query, torch::zeros({removed, query.size(1)}, query.options())}, 0);
      mask.slice(0, mask.size(0) - removed).zero_();
    }
    const int64_t max_len = vlm.config.tokenizer_model_max_length;
    if (query.size(0) > max_len) query = query.slice(0, 0, max_len), mask = mask.slice(0, 0, max_len);
    // The selector kernels take f32/f16/bf16; a double model (gradient checks) scores in fp32,
    // which only decides the indices.
    const bool wide = local.scalar_type() == at::kDouble;
    at::Tensor scores = model::selector_scores(wide ? local.detach().to(at::kFloat) : local.detach(),
                                               wide ? query.to(at::kFloat) : query, mask, cfg);  // [L] fp32
    if (noise && cfg.mode != model::SelectorMode::kAll)
      scores = scores + kSelectorNoiseStd * normal({scores.size(0)}, gen).to(scores.device());
    kept = model::select_indices(scores, cfg);
  }
  *kept_count = kept.size(0);
  return cfg.mode == model::SelectorMode::kAll ? local : local.index_select(0, kept);
}

}  // namespace

SplicedSample splice_sample(model::Vlm& vlm, const StageSpec& stage, const TrainItem& item,
                            const ImageFeatures* f, const ForwardOptions& options, at::Generator* gen) {
  SplicedSample out;
  std::vector<at::Tensor> parts;
  int64_t prefix_rows = 0;
  const auto at_image = std::find(item.prompt_ids.begin(), item.prompt_ids.end(), text::kImageTokenId);
  if (item.has_image != (at_image != item.prompt_ids.end()))
    throw_error(ErrorCode::kInvalidArgument, "sample {}: image and <image> placeholder do not match", item.id);
  const std::vector<int32_t> before(item.prompt_ids.begin(), at_image);
  const std::vector<int32_t> after(at_image == item.prompt_ids.end() ? at_image : at_image + 1, item.prompt_ids.end());
  if (!before.empty()) parts.push_back(embed(vlm, before));
  if (item.has_image) {
    if (f == nullptr || !f->features.defined())
      throw_error(ErrorCode::kInvalidArgument, "sample {}: image features missing", item.id);
    at::Tensor global, separator, selected;
    if (stage.branches != model::ImageBranches::kLocalOnly)
      global = global_tokens(vlm, stage, f->features[0].to(vlm.dtype), options.noise, gen);
    if (stage.branches != model::ImageBranches::kGlobalOnly)
      selected = local_tokens(vlm, stage, item, *f, options.noise, gen, &out.local_kept);
    if (stage.branches == model::ImageBranches::kBoth)
      separator = embed(vlm, {static_cast<int32_t>(vlm.config.seperator)});
    const at::Tensor block = model::assemble_image_block(stage.branches, global, separator, selected);
    out.image_rows = block.size(0);
    parts.push_back(block.to(vlm.dtype));
  }
  std::vector<int32_t> tail = after;
  tail.insert(tail.end(), item.answer_ids.begin(), item.answer_ids.end());
  parts.push_back(embed(vlm, tail));
  for (const at::Tensor& p : parts) prefix_rows += p.size(0);
  prefix_rows -= static_cast<int64_t>(item.answer_ids.size());
  out.embeds = torch::cat(parts, 0);
  // Upstream cuts inputs and labels to tokenizer_model_max_length in training too (§8.4).
  int64_t max_rows = -1;
  if (vlm.config.raw.contains("tokenizer_model_max_length") && !vlm.config.raw["tokenizer_model_max_length"].is_null())
    max_rows = vlm.config.tokenizer_model_max_length;
  out.labels = make_labels(prefix_rows, item.answer_ids, max_rows);
  if (max_rows >= 0 && out.embeds.size(0) > max_rows) out.embeds = out.embeds.slice(0, 0, max_rows);
  return out;
}

LossSum sample_loss(model::Vlm& vlm, const StageSpec& stage, const TrainItem& item, const ImageFeatures* features,
                    const ForwardOptions& options, at::Generator* gen) {
  const SplicedSample s = splice_sample(vlm, stage, item, features, options, gen);
  const int64_t n = s.embeds.size(0);
  runtime::KvCache cache = vlm.llm->make_cache(1, n);
  const at::Tensor positions = torch::arange(n, torch::kLong).unsqueeze(0);
  const at::Tensor mask = torch::ones({1, n}, torch::kLong);
  // Logits of the answer rows only (the loss reads nothing else): [1, k, V].
  const AnswerRows answer = answer_rows(s.labels);
  if (answer.rows.empty()) {  // a fully cut answer: a zero loss that keeps the graph
    const at::Tensor last = vlm.llm->forward(s.embeds.unsqueeze(0), positions, mask, cache, /*last_only=*/true);
    return answer_rows_loss(last[0].slice(0, 0, 0) + last.sum() * 0.0, answer);
  }
  const at::Tensor picked = vlm.llm->forward(s.embeds.unsqueeze(0), positions, mask, cache, false, nullptr,
                                             torch::tensor(answer.rows, torch::kLong));
  return answer_rows_loss(picked[0], answer);
}

}  // namespace slime::train
