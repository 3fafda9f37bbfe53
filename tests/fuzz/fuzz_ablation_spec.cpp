// fuzz-libs: slime_ablations
// Ablation spec files (ablations/spec): load_spec on the input as spec.json, then the grid
// (expand_cells) and each cell's fingerprint, as `slime ablate` does before running anything.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "ablations/spec.h"
#include "engine/common/error.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slime;
  const auto dir = fuzz::fresh_dir("spec");
  fuzz::write_file(dir / "spec.json", fuzz::as_view(data, size));
  try {
    const ablations::Spec spec = ablations::load_spec((dir / "spec.json").string());
    const auto cells = ablations::expand_cells(spec);
    std::set<std::string> names;
    for (const auto& cell : cells) {
      if (!names.insert(cell.name).second) std::abort();  // cell names are run directories: unique
      (void)ablations::cell_fingerprint(spec, cell);
    }
  } catch (const Error&) {
    // Malformed input must end here, as slime::Error; anything else escapes and is a finding.
  }
  return 0;
}
