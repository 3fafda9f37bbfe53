// SliME's UHD grid chooser, `select_best_resolution_uhd(image.size, (336, 336))` in
// yfzhang114/SliME llava/mm_utils.py (model.md §2.1). It decides how many 336x336 local crops an
// image gets (P = cols*rows in [2, 7]) and is reused by the local-token reorder (model.md §6).
#pragma once
#include <vector>

namespace slime::image {

constexpr int kPatchSize = 336;  // CLIP ViT-L/14-336 input side; the grid's cell

struct GridShape {
  int cols = 0;  // npw
  int rows = 0;  // nph
  int count() const { return cols * rows; }
  bool operator==(const GridShape& o) const { return cols == o.cols && rows == o.rows; }
};

// s = ceil(W*H / 336^2), then clamped: s > 6 -> 6, s == 1 -> 2.
int uhd_slice_count(int width, int height);

// Candidate grids in visiting order (the order decides exact ties: the first one wins).
std::vector<GridShape> uhd_candidates(int slice_count);

// The chosen grid. Throws kInvalidArgument for non-positive sizes.
GridShape select_grid_uhd(int width, int height);

}  // namespace slime::image
