// fuzz-libs: slime_evaluators
// Prediction files for `slime score` (evaluators/predictions): byte 0 picks the extension, which
// picks the reader (.jsonl: our samples / LLaVA answers / VLMEvalKit rows; .tsv; .csv; .json goes
// to the jsonl reader as any other name does); the rest is the file.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "engine/common/error.h"
#include "evaluators/predictions.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slime;
  if (size == 0) return 0;
  static const char* const kExtensions[] = {".jsonl", ".tsv", ".csv", ".json"};
  const auto dir = fuzz::fresh_dir("predictions");
  const auto path = dir / (std::string("predictions") + kExtensions[data[0] % 4]);
  fuzz::write_file(path, fuzz::as_view(data + 1, size - 1));
  try {
    const eval::PredictionFile file = eval::read_predictions(path.string());
    std::set<std::string> ids;
    for (const auto& p : file.predictions)
      if (!ids.insert(p.id).second) std::abort();  // read_predictions promises unique ids
  } catch (const Error&) {
    // Malformed input must end here, as slime::Error; anything else escapes and is a finding.
  }
  return 0;
}
