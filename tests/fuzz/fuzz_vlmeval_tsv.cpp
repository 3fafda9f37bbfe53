// fuzz-libs: slime_datasets
// VLMEvalKit TSV rows incl. base64 images and image references (datasets/formats/vlmeval_tsv):
// the input is the .tsv, loaded with images required and optional (byte 0's low bit). Image files
// named by image_path resolve under an empty image root, so they are missing or unsafe, never read
// from outside.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "datasets/formats/vlmeval_tsv.h"
#include "engine/common/error.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slime;
  const auto dir = fuzz::fresh_dir("tsv");
  fuzz::write_file(dir / "data.tsv", fuzz::as_view(data, size));
  std::filesystem::create_directories(dir / "images");
  data::LoadOptions opt;
  opt.path = (dir / "data.tsv").string();
  opt.image_root = (dir / "images").string();
  data::TsvTaskRules rules;
  rules.image_required = size > 0 && (data[0] & 1);
  rules.keep = [](const data::Sample& s) { return s.category != "skip"; };
  try {
    int64_t emitted = 0;
    const data::DatasetInfo info = data::load_vlmeval_tsv("fuzz", opt, rules, [&](data::Sample&& s) {
      ++emitted;
      for (const auto& image : s.images)
        if (image.bytes.empty() && image.path.empty()) std::abort();  // an image is bytes or a file
    });
    if (info.total != emitted || info.content_hash.size() != 64) std::abort();
  } catch (const Error&) {
    // Malformed input must end here, as slime::Error; anything else escapes and is a finding.
  }
  return 0;
}
