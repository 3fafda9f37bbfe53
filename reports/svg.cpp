#include "reports/svg.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "reports/writers.h"

namespace slime::reports {

namespace {

// Canvas: plot area inside fixed margins; the legend sits in the right margin.
constexpr double kWidth = 720, kHeight = 380;
constexpr double kLeft = 64, kRight = 180, kTop = 36, kBottom = 56;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;
const char* const kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr size_t kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);

const char* color(size_t i) { return kPalette[i % kPaletteSize]; }

struct Axis {
  double lo, hi, step;
  double map(double v, double pixels) const { return hi > lo ? (v - lo) / (hi - lo) * pixels : pixels / 2; }
};

// Axis over [lo, hi] with 1/2/5 x 10^k ticks, about five of them.
Axis nice_axis(double lo, double hi, bool from_zero) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (from_zero) lo = std::min(lo, 0.0);
  if (hi <= lo) hi = lo + (lo == 0 ? 1 : std::abs(lo) * 0.1);
  const double raw = (hi - lo) / 5;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  const double f = raw / mag;
  const double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
  return {std::floor(lo / step) * step, std::ceil(hi / step) * step, step};
}

std::string tick_text(double v, double step) {
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step)));
  return fmt::format("{:.{}f}", v, decimals);
}

std::string open_svg(const std::string& id, const std::string& title) {
  return fmt::format(
      "<svg class=\"plot\" id=\"{0}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {1} {2}\" width=\"{1}\" "
      "height=\"{2}\" role=\"img\" aria-label=\"{3}\">\n<title>{3}</title>\n"
      "<text x=\"{4}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{3}</text>\n",
      html_escape(id), kWidth, kHeight, html_escape(title), kLeft);
}

// Axes, grid lines, tick labels and axis titles. X is numeric unless X_CATEGORIES is set.
std::string axes(const Axis& y, const std::string& y_label, const Axis* x, const std::string& x_label) {
  std::string out;
  for (double v = y.lo; v <= y.hi + y.step * 1e-9; v += y.step) {
    const double py = kTop + kPlotH - y.map(v, kPlotH);
    out += fmt::format(
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{3}\" y=\"{4:.1f}\" font-size=\"11\" text-anchor=\"end\">{5}</text>\n",
        kLeft, kLeft + kPlotW, py, kLeft - 6, py + 4, tick_text(v, y.step));
  }
  if (x) {
    for (double v = x->lo; v <= x->hi + x->step * 1e-9; v += x->step) {
      const double px = kLeft + x->map(v, kPlotW);
      out += fmt::format(
          "<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#eee\"/>"
          "<text x=\"{0:.1f}\" y=\"{3}\" font-size=\"11\" text-anchor=\"middle\">{4}</text>\n",
          px, kTop, kTop + kPlotH, kTop + kPlotH + 16, tick_text(v, x->step));
    }
  }
  out += fmt::format(
      "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#333\"/>"
      "<line x1=\"{0}\" x2=\"{3}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#333\"/>\n",
      kLeft, kTop, kTop + kPlotH, kLeft + kPlotW);
  out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\n",
                     kLeft + kPlotW / 2, kHeight - 12, html_escape(x_label));
  out += fmt::format(
      "<text x=\"14\" y=\"{0:.1f}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 {0:.1f})\">{1}</text>\n",
      kTop + kPlotH / 2, html_escape(y_label));
  return out;
}

std::string legend(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    const double y = kTop + 8 + 18.0 * static_cast<double>(i);
    out += fmt::format(
        "<rect x=\"{0}\" y=\"{1:.1f}\" width=\"10\" height=\"10\" fill=\"{2}\"/>"
        "<text x=\"{3}\" y=\"{4:.1f}\" font-size=\"11\">{5}</text>\n",
        kLeft + kPlotW + 14, y, color(i), kLeft + kPlotW + 30, y + 9, html_escape(names[i]));
  }
  return out;
}

}  // namespace

std::vector<size_t> pareto_front(const std::vector<PlotPoint>& points) {
  std::vector<size_t> front;
  for (size_t i = 0; i < points.size(); ++i) {
    bool beaten = false;
    for (size_t j = 0; j < points.size() && !beaten; ++j) {
      const bool no_worse = points[j].x <= points[i].x && points[j].y >= points[i].y;
      const bool better = points[j].x < points[i].x || points[j].y > points[i].y;
      beaten = j != i && no_worse && better;
    }
    if (!beaten) front.push_back(i);
  }
  std::sort(front.begin(), front.end(), [&](size_t a, size_t b) { return points[a].x < points[b].x; });
  return front;
}

std::string line_svg(const std::string& id, const std::string& title, const std::string& x_label,
                     const std::string& y_label, const std::vector<PlotSeries>& series, bool y_from_zero) {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  for (const auto& s : series)
    for (const auto& p : s.points) {
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      x_lo = std::min(x_lo, p.x), x_hi = std::max(x_hi, p.x), y_lo = std::min(y_lo, p.y), y_hi = std::max(y_hi, p.y);
    }
  const Axis x = nice_axis(x_lo, x_hi, false), y = nice_axis(y_lo, y_hi, y_from_zero);
  std::string out = open_svg(id, title) + axes(y, y_label, &x, x_label);
  std::vector<std::string> names;
  for (size_t si = 0; si < series.size(); ++si) {
    names.push_back(series[si].name);
    std::string path;
    for (const auto& p : series[si].points)
      if (std::isfinite(p.x) && std::isfinite(p.y))
        path += fmt::format("{:.1f},{:.1f} ", kLeft + x.map(p.x, kPlotW), kTop + kPlotH - y.map(p.y, kPlotH));
    if (series[si].points.size() == 1)
      out += fmt::format("<circle class=\"line\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"><title>{}</title></circle>\n",
                         kLeft + x.map(series[si].points[0].x, kPlotW), kTop + kPlotH - y.map(series[si].points[0].y, kPlotH),
                         color(si), html_escape(series[si].name));
    else
      out += fmt::format("<polyline class=\"line\" points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"><title>{}</title></polyline>\n",
                         path, color(si), html_escape(series[si].name));
  }
  return out + legend(names) + "</svg>\n";
}

std::string scatter_svg(const std::string& id, const std::string& title, const std::string& x_label,
                        const std::string& y_label, const std::vector<PlotSeries>& series, bool mark_pareto) {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  std::vector<PlotPoint> all;
  for (const auto& s : series) {
    for (const auto& p : s.points) {
      x_lo = std::min(x_lo, p.x), x_hi = std::max(x_hi, p.x), y_lo = std::min(y_lo, p.y), y_hi = std::max(y_hi, p.y);
      all.push_back(p);
    }
  }
  const Axis x = nice_axis(x_lo, x_hi, false), y = nice_axis(y_lo, y_hi, false);
  std::string out = open_svg(id, title) + axes(y, y_label, &x, x_label);
  auto px = [&](double v) { return kLeft + x.map(v, kPlotW); };
  auto py = [&](double v) { return kTop + kPlotH - y.map(v, kPlotH); };
  if (mark_pareto && !all.empty()) {
    std::string path;
    for (size_t i : pareto_front(all)) path += fmt::format("{:.1f},{:.1f} ", px(all[i].x), py(all[i].y));
    out += fmt::format(
        "<polyline class=\"pareto\" points=\"{}\" fill=\"none\" stroke=\"#444\" stroke-dasharray=\"5,3\"/>\n", path);
  }
  std::vector<size_t> front = mark_pareto ? pareto_front(all) : std::vector<size_t>{};
  size_t k = 0;
  std::vector<std::string> names;
  for (size_t si = 0; si < series.size(); ++si) {
    names.push_back(series[si].name);
    for (const auto& p : series[si].points) {
      const bool on_front = std::find(front.begin(), front.end(), k++) != front.end();
      out += fmt::format(
          "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\"{}><title>{}</title></circle>"
          "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" fill=\"#333\">{}</text>\n",
          px(p.x), py(p.y), on_front ? 6 : 4, color(si),
          on_front ? " stroke=\"#000\" stroke-width=\"2\" class=\"pareto-point\"" : "",
          html_escape(fmt::format("{}: {} ({:.4g}, {:.4g})", series[si].name, p.label, p.x, p.y)), px(p.x) + 7,
          py(p.y) - 7, html_escape(p.label));
    }
  }
  out += legend(names);
  if (mark_pareto) {
    const double y = kTop + 8 + 18.0 * static_cast<double>(names.size()) + 5;
    out += fmt::format(
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#444\" stroke-dasharray=\"5,3\"/>"
        "<text x=\"{3}\" y=\"{4:.1f}\" font-size=\"11\">Pareto front</text>\n",
        kLeft + kPlotW + 12, kLeft + kPlotW + 26, y, kLeft + kPlotW + 30, y + 4);
  }
  return out + "</svg>\n";
}

std::string stacked_bars_svg(const std::string& id, const std::string& title, const std::string& y_label,
                             const std::vector<std::string>& bars, const std::vector<std::string>& stacks,
                             const std::vector<std::vector<double>>& values) {
  double top = 0;
  for (const auto& row : values) {
    double t = 0;
    for (double v : row) t += std::isfinite(v) && v > 0 ? v : 0;
    top = std::max(top, t);
  }
  const Axis y = nice_axis(0, top, true);
  std::string out = open_svg(id, title) + axes(y, y_label, nullptr, "");
  const double slot = kPlotW / std::max<double>(1, static_cast<double>(bars.size()));
  for (size_t b = 0; b < bars.size(); ++b) {
    double base = 0;
    const double x0 = kLeft + slot * static_cast<double>(b) + slot * 0.2;
    for (size_t s = 0; s < stacks.size() && b < values.size() && s < values[b].size(); ++s) {
      const double v = std::isfinite(values[b][s]) && values[b][s] > 0 ? values[b][s] : 0;
      const double y1 = kTop + kPlotH - y.map(base + v, kPlotH), y0 = kTop + kPlotH - y.map(base, kPlotH);
      out += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}</title></rect>\n", x0,
          y1, slot * 0.6, y0 - y1, color(s), html_escape(fmt::format("{} / {}: {:.4g}", bars[b], stacks[s], v)));
      base += v;
    }
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n",
                       x0 + slot * 0.3, kTop + kPlotH + 16, html_escape(bars[b]));
  }
  out += legend(stacks);
  return out + "</svg>\n";
}

std::string grouped_bars_svg(const std::string& id, const std::string& title, const std::string& y_label,
                             const std::vector<std::string>& groups, const std::vector<std::string>& series,
                             const std::vector<std::vector<double>>& values) {
  double lo = 0, hi = 0;
  for (const auto& row : values) {
    for (double v : row) {
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    }
  }
  const Axis y = nice_axis(lo, hi, true);
  std::string out = open_svg(id, title) + axes(y, y_label, nullptr, "");
  const double slot = kPlotW / std::max<double>(1, static_cast<double>(groups.size()));
  const double bar = slot * 0.8 / std::max<double>(1, static_cast<double>(series.size()));
  const double zero = kTop + kPlotH - y.map(0, kPlotH);
  for (size_t g = 0; g < groups.size(); ++g) {
    const double x0 = kLeft + slot * static_cast<double>(g) + slot * 0.1;
    for (size_t s = 0; s < series.size() && g < values.size() && s < values[g].size(); ++s) {
      const double v = values[g][s];
      if (!std::isfinite(v)) continue;
      const double yv = kTop + kPlotH - y.map(v, kPlotH);
      out += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}</title></rect>\n",
          x0 + bar * static_cast<double>(s), std::min(yv, zero), bar * 0.9, std::abs(zero - yv), color(s),
          html_escape(fmt::format("{} / {}: {:.4g}", groups[g], series[s], v)));
    }
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n",
                       x0 + slot * 0.4, kTop + kPlotH + 16, html_escape(groups[g]));
  }
  out += legend(series);
  return out + "</svg>\n";
}

}  // namespace slime::reports
