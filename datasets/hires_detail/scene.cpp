#include "datasets/hires_detail/scene.h"

#include <algorithm>

#include <opencv2/imgproc.hpp>

namespace slime::data::hires {
namespace {

constexpr int kMargin = 24;       // keep objects off the border
constexpr int kGap = 8;           // minimum free space between small objects
constexpr int kPlaceTries = 400;  // random positions tried before giving up
constexpr int kLabelGap = 3;      // shape-to-label distance

}  // namespace

const std::vector<Colour>& palette() {
  static const std::vector<Colour> kPalette = {
      {"red", cv::Scalar(30, 30, 220)},     {"green", cv::Scalar(40, 160, 30)},
      {"blue", cv::Scalar(210, 80, 20)},    {"yellow", cv::Scalar(20, 210, 235)},
      {"purple", cv::Scalar(160, 40, 140)}, {"orange", cv::Scalar(10, 130, 250)},
      {"black", cv::Scalar(20, 20, 20)},    {"cyan", cv::Scalar(220, 210, 20)},
  };
  return kPalette;
}

const std::vector<Kind>& kinds() {
  static const std::vector<Kind> kKinds = {Kind::kCircle, Kind::kSquare, Kind::kTriangle, Kind::kDiamond};
  return kKinds;
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kCircle: return "circle";
    case Kind::kSquare: return "square";
    case Kind::kTriangle: return "triangle";
    case Kind::kDiamond: return "diamond";
  }
  return "?";
}

Scene::Scene(int width, int height, Rng& rng) : rng_(rng) {
  // Background: a light base colour and a linear gradient from rng, plus a fixed dither pattern
  // (per-pixel random noise made the PNGs ~10x larger and slower to write, for no benefit).
  int base[3];
  for (int& b : base) b = rng.uniform(190, 235);
  const double gx = rng.uniform(-20, 20) / double(width), gy = rng.uniform(-20, 20) / double(height);
  image.create(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    auto* row = image.ptr<uint8_t>(y);
    for (int x = 0; x < width; ++x) {
      const int shade = int(gx * x + gy * y) + ((x ^ y) & 3) - 1;
      for (int c = 0; c < 3; ++c) row[3 * x + c] = static_cast<uint8_t>(std::clamp(base[c] + shade, 0, 255));
    }
  }
  // Clutter: large, low-contrast shapes, visible in any view, carrying no answer.
  const int clutter = rng.uniform(5, 10);
  for (int i = 0; i < clutter; ++i) {
    cv::Scalar c(std::clamp(base[0] + rng.uniform(-35, 25), 0, 255), std::clamp(base[1] + rng.uniform(-35, 25), 0, 255),
                 std::clamp(base[2] + rng.uniform(-35, 25), 0, 255));
    const cv::Point centre(rng.uniform(0, width - 1), rng.uniform(0, height - 1));
    const int a = rng.uniform(60, 260), b = rng.uniform(60, 260);
    if (rng.chance(0.5)) {
      cv::ellipse(image, centre, cv::Size(a, b), rng.uniform(0, 179), 0, 360, c, cv::FILLED, cv::LINE_AA);
    } else {
      cv::rectangle(image, cv::Rect(centre.x - a / 2, centre.y - b / 2, a, b), c, cv::FILLED);
    }
  }
}

bool Scene::free(const cv::Rect& r) const {
  const cv::Rect grown(r.x - kGap, r.y - kGap, r.width + 2 * kGap, r.height + 2 * kGap);
  for (const auto& t : taken_) {
    if ((grown & t).area() > 0) return false;
  }
  return true;
}

bool Scene::place(int w, int h, cv::Rect* out) {
  return place_in(w, h, cv::Rect(0, 0, image.cols, image.rows), out);
}

bool Scene::place_in(int w, int h, const cv::Rect& area, cv::Rect* out) {
  const int x0 = std::max(kMargin, area.x), y0 = std::max(kMargin, area.y);
  const int x1 = std::min(image.cols - kMargin - w, area.x + area.width - 1);
  const int y1 = std::min(image.rows - kMargin - h, area.y + area.height - 1);
  if (x1 < x0 || y1 < y0) return false;
  for (int t = 0; t < kPlaceTries; ++t) {
    const cv::Rect r(rng_.uniform(x0, x1), rng_.uniform(y0, y1), w, h);
    if (free(r)) {
      taken_.push_back(r);
      *out = r;
      return true;
    }
  }
  return false;
}

void Scene::shape(Kind kind, const cv::Scalar& colour, const cv::Rect& b) {
  const cv::Point c(b.x + b.width / 2, b.y + b.height / 2);
  switch (kind) {
    case Kind::kCircle:
      cv::circle(image, c, b.width / 2, colour, cv::FILLED, cv::LINE_AA);
      break;
    case Kind::kSquare:
      cv::rectangle(image, b, colour, cv::FILLED);
      break;
    case Kind::kTriangle: {
      std::vector<cv::Point> p = {{c.x, b.y}, {b.x + b.width - 1, b.y + b.height - 1}, {b.x, b.y + b.height - 1}};
      cv::fillConvexPoly(image, p, colour, cv::LINE_AA);
      break;
    }
    case Kind::kDiamond: {
      std::vector<cv::Point> p = {{c.x, b.y}, {b.x + b.width - 1, c.y}, {c.x, b.y + b.height - 1}, {b.x, c.y}};
      cv::fillConvexPoly(image, p, colour, cv::LINE_AA);
      break;
    }
  }
}

bool Scene::labelled_shape(Kind kind, const cv::Scalar& colour, int side, const std::string& label,
                           cv::Rect* shape_box, const cv::Rect* area) {
  int baseline = 0;
  const cv::Size ts = cv::getTextSize(label, kFont, kLabelScale, 1, &baseline);
  const int w = side + kLabelGap + ts.width, h = std::max(side, ts.height + baseline);
  cv::Rect r;
  if (!(area ? place_in(w, h, *area, &r) : place(w, h, &r))) return false;
  *shape_box = cv::Rect(r.x, r.y + (h - side) / 2, side, side);
  shape(kind, colour, *shape_box);
  text(label, cv::Point(r.x + side + kLabelGap, r.y + (h + ts.height) / 2), kLabelScale, cv::Scalar(20, 20, 20));
  return true;
}

void Scene::text(const std::string& s, cv::Point baseline_left, double scale, const cv::Scalar& colour) {
  cv::putText(image, s, baseline_left, kFont, scale, colour, 1, cv::LINE_AA);
}

}  // namespace slime::data::hires
