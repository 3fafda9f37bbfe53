// fuzz-libs: slime_datasets
// LLaVA jsonl rows and the JSON files joined with them (datasets/formats/llava_layout), plus the
// suite's own jsonl layout and ScienceQA's JSON (the other JSON dataset readers). Byte 0 picks the
// loader (mod 8); the rest is split into that loader's files:
//   0 POPE:     llava_pope_test.jsonl | coco/coco_pope_random.json
//   1 TextVQA:  llava_textvqa_val_v051_ocr.jsonl | TextVQA_0.5.1_val.json
//   2 GQA:      llava_gqa_testdev_balanced.jsonl | testdev_balanced_questions.json
//   3 MM-Vet:   llava-mm-vet.jsonl | mm-vet.json
//   4 LLaVA-Bench: questions.jsonl | answers_gpt4.jsonl | context.jsonl
//   5 MME:      llava_mme.jsonl | MME_Benchmark_release_version/cat/q.txt (3 parts: the
//               questions_answers_YN/ layout with an images/ folder)
//   6 slime:    test.jsonl | dataset.json
//   7 ScienceQA: problems.json | pid_splits.json
// Every loader reads its images under images/, which holds a.png, so found and missing images both occur.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "datasets/formats/llava_layout.h"
#include "datasets/formats/scienceqa.h"
#include "datasets/formats/slime_jsonl.h"
#include "engine/common/error.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slime;
  if (size == 0) return 0;
  const int mode = data[0] % 8;
  const auto parts = fuzz::split_parts(fuzz::as_view(data + 1, size - 1), 3);
  auto part = [&](size_t i) { return i < parts.size() ? parts[i] : std::string_view(); };
  const auto dir = fuzz::fresh_dir("llava");
  fuzz::write_file(dir / "images" / "a.png", "not decoded, only hashed");
  static const std::vector<std::vector<std::string>> kFiles = {
      {"llava_pope_test.jsonl", "coco/coco_pope_random.json"},
      {"llava_textvqa_val_v051_ocr.jsonl", "TextVQA_0.5.1_val.json"},
      {"llava_gqa_testdev_balanced.jsonl", "testdev_balanced_questions.json"},
      {"llava-mm-vet.jsonl", "mm-vet.json"},
      {"questions.jsonl", "answers_gpt4.jsonl", "context.jsonl"},
      {"llava_mme.jsonl", "MME_Benchmark_release_version/cat/q.txt"},
      {"test.jsonl", "dataset.json"},
      {"problems.json", "pid_splits.json"}};
  const auto& files = kFiles[mode];
  for (size_t i = 0; i < files.size(); ++i)
    if (i == 0 || i < parts.size()) fuzz::write_file(dir / files[i], part(i));
  if (mode == 5 && parts.size() > 2) {
    const auto cat = dir / "MME_Benchmark_release_version" / "cat";
    std::filesystem::create_directories(cat / "images");
    fuzz::write_file(cat / "questions_answers_YN" / "q.txt", part(2));
  }
  data::LoadOptions opt;
  opt.path = dir.string();
  opt.image_root = (dir / "images").string();
  int64_t emitted = 0;
  const data::SampleSink sink = [&](data::Sample&&) { ++emitted; };
  try {
    data::DatasetInfo info;
    switch (mode) {
      case 0: info = data::load_llava_pope("pope", "random", opt, sink); break;
      case 1: info = data::load_llava_textvqa("textvqa", opt, sink); break;
      case 2: info = data::load_llava_gqa("gqa", opt, sink); break;
      case 3: info = data::load_llava_mmvet("mmvet", opt, sink); break;
      case 4: info = data::load_llava_bench("llava_bench", opt, sink); break;
      case 5: info = data::load_llava_mme("mme", opt, sink); break;
      case 6: info = data::load_slime_jsonl("slime", opt, sink); break;
      default: info = data::load_scienceqa("scienceqa_img", opt, /*image_only=*/true, sink); break;
    }
    if (info.total != emitted || info.content_hash.size() != 64) std::abort();
  } catch (const Error&) {
    // Malformed input must end here, as slime::Error; anything else escapes and is a finding.
  }
  return 0;
}
