// The UHD chooser with upstream's arithmetic: Python ints for the area test, IEEE doubles for
// the scale, truncation toward zero for the scaled sides, strict comparisons (model.md §2.1).
#include "engine/image/uhd_grid.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "engine/common/error.h"

namespace slime::image {

int uhd_slice_count(int width, int height) {
  const int64_t area = int64_t(width) * height;
  const int64_t cell = int64_t(kPatchSize) * kPatchSize;
  // Upstream: math.ceil(W*H / 112896) in double; integer ceil-division equals it for any area
  // below 2^53 (both sides exact there).
  int64_t s = (area + cell - 1) / cell;
  if (s > 6) s = 6;
  else if (s == 1) s = 2;
  return int(s);
}

std::vector<GridShape> uhd_candidates(int slice_count) {
  std::vector<int> counts;
  if (slice_count == 2) counts = {2, 3};
  else counts = {slice_count - 1, slice_count, slice_count + 1};
  std::vector<GridShape> out;
  for (int n : counts)
    for (int i = 1; i <= n; ++i)
      if (n % i == 0) out.push_back({i, n / i});
  return out;
}

GridShape select_grid_uhd(int width, int height) {
  if (width <= 0 || height <= 0)
    throw_error(ErrorCode::kInvalidArgument, "UHD grid: image size {}x{} must be positive", width, height);
  const double w = width, h = height;
  const int64_t area = int64_t(width) * height;
  GridShape best;
  int64_t best_eff = 0;
  int64_t best_waste = std::numeric_limits<int64_t>::max();  // float('inf') upstream
  for (const GridShape& g : uhd_candidates(uhd_slice_count(width, height))) {
    const int64_t cw = int64_t(kPatchSize) * g.cols, ch = int64_t(kPatchSize) * g.rows;
    const double k = std::min(double(cw) / w, double(ch) / h);
    // int(W*k) truncates toward zero, as Python's int() of a positive float.
    const int64_t eff = std::min(int64_t(w * k) * int64_t(h * k), area);
    const int64_t waste = cw * ch - eff;
    if (eff > best_eff || (eff == best_eff && waste < best_waste)) {
      best = g;
      best_eff = eff;
      best_waste = waste;
    }
  }
  return best;
}

}  // namespace slime::image
