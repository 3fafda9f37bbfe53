// Samples -> training items: the question prompt exactly as `slime eval` builds it (the task's
// prompt builder + model::build_question_prompt with the chat template) followed by the gold
// answer as the task's scorer expects it (Sample::answer: the letter for multiple choice) and the
// template's end-of-turn token (vicuna_v1 "</s>", llama3 "<|eot_id|>", plain: the tokenizer's eos).
//
// Answer ids: the full conversation text (prompt + separator + answer) is tokenised as upstream
// preprocess_v1/llama_3 do, and the answer ids are what follows the prompt's ids. Separator: " "
// for vicuna_v1 (roles joined by ": " after "ASSISTANT:"), "" for llama3 (the header ends in
// "\n\n"), "" for plain. When the tokens at the boundary merge (the full text's ids do not start
// with the prompt's), the answer is tokenised alone without special tokens instead.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/registry.h"
#include "engine/model/vlm.h"
#include "engine/text/chat_template.h"

namespace slime::train {

inline constexpr int64_t kIgnoreIndex = -100;  // HF's CrossEntropyLoss ignore_index

struct TrainItem {
  std::string id;                  // Sample::id
  int64_t index = 0;               // position in the dataset (the feature cache key)
  std::vector<int32_t> prompt_ids; // with text::kImageTokenId where the image goes
  std::vector<int32_t> answer_ids; // answer + end-of-turn id
  data::ImageRef image;            // empty path and bytes for a text-only sample
  bool has_image = false;
};

// kInvalidArgument naming the sample when it has no answer or more than one image.
TrainItem make_train_item(const model::Vlm& vlm, text::Template tmpl, const data::TaskSpec& spec,
                          const data::Sample& sample, int64_t index);

// Labels for a spliced sequence: PREFIX_ROWS rows (prompt text before and after the image, and the
// image block) get kIgnoreIndex, then the answer ids; then cut to MAX_ROWS (< 0: no cut), as the
// spliced embeddings are. Labels are aligned with the input rows (the shift is the loss's).
std::vector<int64_t> make_labels(int64_t prefix_rows, const std::vector<int32_t>& answer_ids, int64_t max_rows);

// Answer tokens that survive the cut (the loss's count for the item).
int64_t answer_tokens(const std::vector<int64_t>& labels);

}  // namespace slime::train
