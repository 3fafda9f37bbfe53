// One benchmark item as every adapter produces it and every scorer reads it (architecture.md data
// flow: adapter -> Sample -> prompt builder -> engine; evaluators see text and the Sample, never
// tensors). Plain data; no LibTorch, no OpenCV.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace slime::data {

// Where the image bytes are: a file under the dataset root (already resolved and checked not to
// escape it), or bytes decoded from a base64 TSV cell. `name` is for messages (file name or
// "<tsv>:<row>").
struct ImageRef {
  std::string path;            // empty when `bytes` holds the image
  std::vector<uint8_t> bytes;  // encoded image (JPEG/PNG/...) from base64
  std::string name;
};

struct Option {
  std::string letter;  // "A", "B", ...
  std::string text;
};

struct Sample {
  std::string task;    // registry name, e.g. "mme", "pope_random", "textvqa_val", "mmbench_dev_en"
  std::string id;      // doc_id: question_id / index / pid as a string, unique within the task
  int64_t row = -1;    // 0-based data row in the source file (for error messages and ordering)
  std::vector<ImageRef> images;  // 0 (text-only) or 1 (the engine supports one image per sample)
  std::string question;          // the question as the source holds it (no options, no hint)
  std::string hint;              // MMBench/ScienceQA context, empty when absent
  std::vector<Option> options;   // in letter order; empty for open questions
  std::string answer;            // the target: a letter, "yes"/"no", a number, a short answer
  std::vector<std::string> answers;  // VQA-style reference answers (10 for VQAv2/TextVQA; DocVQA list)
  std::string category;          // MME subtask, MMBench category, POPE split, ...
  std::string split;
  nlohmann::json meta = nlohmann::json::object();  // anything else a prompt builder or scorer needs
                                                   // (ocr_tokens, question_type, answer_type, ...)
  std::string error;  // non-empty: the row could not be read (code: message); the sample is kept
};

}  // namespace slime::data
