// LLaVA / SliME evaluation layout (benchmarks.md §2.3): a question jsonl (`question_id`, `image`,
// `text`, `category`) whose `text` already ends with the prompt suffix, an image folder, and the
// benchmark's own answer/annotation file joined in. Sample::question is `text` without the
// suffix (the prompt builder adds it back); meta.llava_text keeps the line's text verbatim.
#pragma once
#include <string>

#include "datasets/dataset.h"

namespace slime::data {

// POPE: <dir>/llava_pope_test.jsonl + <dir>/coco/coco_pope_<split>.json (POPE label lines),
// images in <dir>/val2014 unless opt.image_root. Questions of the split are paired with the label
// lines by position, as eval_pope.py does; the other splits' questions count as filtered.
DatasetInfo load_llava_pope(const std::string& task, const std::string& split,
                            const LoadOptions& opt, const SampleSink& sink);

// TextVQA: <dir>/llava_textvqa_val_v051_ocr.jsonl + <dir>/TextVQA_0.5.1_val.json, images in
// <dir>/train_images. Joined on (image_id, lower-cased question) as eval_textvqa.py does; the id
// is the annotation's question_id (LLaVA's question_id is the image id and repeats).
DatasetInfo load_llava_textvqa(const std::string& task, const LoadOptions& opt, const SampleSink& sink);

// GQA: <dir>/llava_gqa_testdev_balanced.jsonl + <dir>/testdev_balanced_questions.json (official
// {qid: {imageId, question, answer, ...}}), images in <dir>/images.
DatasetInfo load_llava_gqa(const std::string& task, const LoadOptions& opt, const SampleSink& sink);

// MM-Vet: <dir>/llava-mm-vet.jsonl + <dir>/mm-vet.json ({"v1_<n>": {question, answer,
// capability, imagename}}), images in <dir>/images.
DatasetInfo load_llava_mmvet(const std::string& task, const LoadOptions& opt, const SampleSink& sink);

// LLaVA-Bench (in-the-wild): <dir>/questions.jsonl + <dir>/answers_gpt4.jsonl (reference answers)
// + <dir>/context.jsonl (captions, optional), images in <dir>/images.
DatasetInfo load_llava_bench(const std::string& task, const LoadOptions& opt, const SampleSink& sink);

// MME: <dir>/llava_mme.jsonl (question_id = "<category>/<file>") + the official release folder
// <dir>/MME_Benchmark_release_version (images, and the ground truth in <category>/*.txt or
// <category>/questions_answers_YN/*.txt, lines "question\tanswer"), looked up as
// convert_answer_to_mme.py does: the prompt without S plus " Please answer yes or no.", else the
// same with two spaces. Sample::question is the ground-truth file's question.
DatasetInfo load_llava_mme(const std::string& task, const LoadOptions& opt, const SampleSink& sink);

// The suffix-free question of a LLaVA `text` (drops a trailing S or M suffix).
std::string strip_llava_suffix(const std::string& text);

}  // namespace slime::data
