#include "engine/train/batch.h"

#include <algorithm>

#include "engine/common/error.h"
#include "engine/text/image_tokens.h"

namespace slime::train {

namespace {

// What upstream's conversation puts between the prompt and the answer (see batch.h).
std::string answer_separator(text::Template t) { return t == text::Template::kVicunaV1 ? " " : ""; }

}  // namespace

TrainItem make_train_item(const model::Vlm& vlm, text::Template tmpl, const data::TaskSpec& spec,
                          const data::Sample& sample, int64_t index) {
  if (!sample.error.empty())
    throw_error(ErrorCode::kInvalidArgument, "sample {} (row {}): {}", sample.id, sample.row, sample.error);
  if (sample.answer.empty())
    throw_error(ErrorCode::kInvalidArgument, "sample {} (row {}): no gold answer to train on", sample.id, sample.row);
  if (sample.images.size() > 1)
    throw_error(ErrorCode::kInvalidArgument, "sample {}: {} images; training takes one image per sample", sample.id,
                sample.images.size());
  TrainItem item;
  item.id = sample.id;
  item.index = index;
  item.has_image = !sample.images.empty();
  if (item.has_image) item.image = sample.images[0];
  const model::QuestionPrompt q = model::build_question_prompt(vlm, tmpl, spec.prompt(sample), item.has_image);
  item.prompt_ids = q.ids;

  const text::Tokenizer& tok = *vlm.tokenizer;
  const std::vector<int32_t> full =
      text::tokenize_prompt(tok, tmpl, q.text + answer_separator(tmpl) + sample.answer);
  if (full.size() > q.ids.size() && std::equal(q.ids.begin(), q.ids.end(), full.begin()))
    item.answer_ids.assign(full.begin() + static_cast<std::ptrdiff_t>(q.ids.size()), full.end());
  else
    item.answer_ids = tok.encode(sample.answer, /*add_special_tokens=*/false);
  const text::StopTokens stop = text::stop_tokens(tmpl, tok);
  if (stop.ids.empty()) throw_error(ErrorCode::kInvalidArgument, "template {}: no end-of-turn token", text::template_name(tmpl));
  item.answer_ids.push_back(stop.ids.front());
  return item;
}

std::vector<int64_t> make_labels(int64_t prefix_rows, const std::vector<int32_t>& answer_ids, int64_t max_rows) {
  std::vector<int64_t> labels(static_cast<size_t>(prefix_rows), kIgnoreIndex);
  labels.insert(labels.end(), answer_ids.begin(), answer_ids.end());
  if (max_rows >= 0 && static_cast<int64_t>(labels.size()) > max_rows) labels.resize(static_cast<size_t>(max_rows));
  return labels;
}

int64_t answer_tokens(const std::vector<int64_t>& labels) {
  // The first row is never a target (nothing predicts it), as in the shifted loss.
  int64_t n = 0;
  for (size_t i = 1; i < labels.size(); ++i) n += labels[i] != kIgnoreIndex;
  return n;
}

}  // namespace slime::train
