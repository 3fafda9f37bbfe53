// fuzz-libs: slime_io
// config.json (engine/io/model_config): part 0 is the file, read by load_model_config and
// load_clip_vision_config; part 1 (optional) holds `--set key=value` overrides, one per line,
// applied together with apply_overrides. The typed result is serialised as `slime inspect` does.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/common/error.h"
#include "engine/io/model_config.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slime;
  const auto parts = fuzz::split_parts(fuzz::as_view(data, size), 2);
  const auto dir = fuzz::fresh_dir("config");
  fuzz::write_file(dir / "config.json", parts[0]);
  try {
    (void)io::to_json(io::load_clip_vision_config(dir.string())).dump();
  } catch (const Error&) {
  }
  try {
    io::ModelConfig config = io::load_model_config(dir.string());
    (void)io::to_json(config).dump();
    if (parts.size() > 1) {
      std::vector<std::string> sets;
      std::string_view rest = parts[1];
      while (!rest.empty()) {
        const size_t nl = rest.find('\n');
        sets.emplace_back(rest.substr(0, nl));
        rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
      }
      io::apply_overrides(config, sets);
      (void)io::to_json(config).dump();
    }
  } catch (const Error&) {
    // Malformed input must end here, as slime::Error; anything else escapes and is a finding.
  }
  return 0;
}
