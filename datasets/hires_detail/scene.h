// Drawing for the hires-detail generator (private to datasets/hires_detail): a textured
// background with large low-contrast clutter, and small objects placed without overlap. All
// sizes are in pixels of the full-resolution image.
#pragma once
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "datasets/hires_detail/rng.h"

namespace slime::data::hires {

// Small-object side: 14..18 px is 3.5..6 px in the 336-px global view of the default sizes
// (a blob at best), and >= 7 px in the UHD crop that holds it (tests/unit/datasets checks both).
inline constexpr int kMinObject = 14;
inline constexpr int kMaxObject = 18;
// Hershey simplex at 0.5 draws capitals ~11 px tall: readable at full size, <= 4 px at 336.
inline constexpr double kLabelScale = 0.5;
inline constexpr double kCodeScale = 0.5;
inline constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

struct Colour {
  const char* name;
  cv::Scalar bgr;
};
const std::vector<Colour>& palette();

enum class Kind { kCircle, kSquare, kTriangle, kDiamond };
const std::vector<Kind>& kinds();
const char* kind_name(Kind k);  // singular: "circle"

class Scene {
 public:
  Scene(int width, int height, Rng& rng);  // draws the background and clutter

  // Reserves a free w x h rectangle (kept apart from earlier ones); false when none was found.
  bool place(int w, int h, cv::Rect* out);
  // Same, with the top-left corner inside `area` (clipped to the image).
  bool place_in(int w, int h, const cv::Rect& area, cv::Rect* out);
  void shape(Kind kind, const cv::Scalar& colour, const cv::Rect& box);
  // A small shape of side `side` with a label to its right, placed freely; `shape_box` gets the
  // shape's rectangle. False when there was no room.
  bool labelled_shape(Kind kind, const cv::Scalar& colour, int side, const std::string& label,
                      cv::Rect* shape_box, const cv::Rect* area = nullptr);
  void text(const std::string& s, cv::Point baseline_left, double scale, const cv::Scalar& colour);

  cv::Mat image;  // CV_8UC3, BGR

 private:
  bool free(const cv::Rect& r) const;
  std::vector<cv::Rect> taken_;
  Rng& rng_;
};

}  // namespace slime::data::hires
