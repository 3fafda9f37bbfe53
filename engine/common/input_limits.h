// Size limits for files read from outside (datasets, checkpoints' JSON, prediction and spec files):
// a file or a line over its limit is refused with a message naming the file, its size and the
// limit, before anything that size is allocated. The limits are far above any real file of that
// kind (the largest known is noted beside each) and below what would exhaust a host's memory.
#pragma once
#include <cstdint>
#include <istream>
#include <string>

namespace slime {

constexpr int64_t kMiB = int64_t{1} << 20;
// config.json, tokenizer_config.json, generation_config.json, ablation spec files (real: < 10 KiB).
constexpr int64_t kMaxSmallJsonBytes = 16 * kMiB;
// model.safetensors.index.json (7B: ~30 KiB; 70B: ~100 KiB), tokenizer.json (Llama-3: 9 MiB).
constexpr int64_t kMaxModelJsonBytes = 256 * kMiB;
// Whole-document dataset JSON (GQA testdev_balanced_questions.json: 8 MiB; ScienceQA problems.json:
// 40 MiB) and prediction files.
constexpr int64_t kMaxDatasetJsonBytes = 1024 * kMiB;
// One JSON-lines row (a sample log line or question row: < 100 KiB).
constexpr int64_t kMaxJsonlLineBytes = 64 * kMiB;
// One base64 image cell of a VLMEvalKit TSV (real: a few MiB; Pillow's pixel bound as PNG can exceed
// this, but such an image would be refused by the pixel limit anyway).
constexpr int64_t kMaxBase64CellBytes = 256 * kMiB;

// The whole file as bytes; kNotFound when it cannot be opened, kInvalidArgument when it is larger
// than MAX_BYTES ("PATH: WHAT of N bytes exceeds the limit of M bytes").
std::string read_file_limited(const std::string& path, int64_t max_bytes, const std::string& what);

// std::getline that stores at most MAX_BYTES of a line: a longer line is consumed to its end, LINE
// is left empty and TOO_LONG set (the length seen is in LENGTH). False at end of input.
bool getline_limited(std::istream& in, std::string& line, int64_t max_bytes, bool& too_long, int64_t& length);

}  // namespace slime
