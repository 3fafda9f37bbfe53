// Inline SVG plots for the HTML report, written by hand (no library, no script, no network):
// scatter (with an optional Pareto front), stacked bars and grouped bars. Every label is
// XML-escaped. Each plot is <svg class="plot" id=ID> with a <title>, so tests and readers find it.
#pragma once
#include <string>
#include <vector>

namespace slime::reports {

struct PlotPoint {
  double x = 0, y = 0;
  std::string label;  // shown as the point's tooltip
};

struct PlotSeries {
  std::string name;
  std::vector<PlotPoint> points;
};

// Indices into POINTS of the Pareto front for "smaller x, larger y is better" (e.g. latency vs
// accuracy): the points no other point beats on both axes (ties on both count as not beaten),
// ordered by x.
std::vector<size_t> pareto_front(const std::vector<PlotPoint>& points);

std::string scatter_svg(const std::string& id, const std::string& title, const std::string& x_label,
                        const std::string& y_label, const std::vector<PlotSeries>& series, bool mark_pareto);

// One polyline per series (points in the order given), numeric x and y axes; Y_FROM_ZERO starts
// the y axis at 0. Series with one point are drawn as a dot.
std::string line_svg(const std::string& id, const std::string& title, const std::string& x_label,
                     const std::string& y_label, const std::vector<PlotSeries>& series, bool y_from_zero);

// One bar per BARS entry, stacked from VALUES[bar][stack] (NaN or negative drawn as 0).
std::string stacked_bars_svg(const std::string& id, const std::string& title, const std::string& y_label,
                             const std::vector<std::string>& bars, const std::vector<std::string>& stacks,
                             const std::vector<std::vector<double>>& values);

// GROUPS along x, one bar per SERIES in each group, VALUES[group][series] (NaN: no bar).
std::string grouped_bars_svg(const std::string& id, const std::string& title, const std::string& y_label,
                             const std::vector<std::string>& groups, const std::vector<std::string>& series,
                             const std::vector<std::vector<double>>& values);

}  // namespace slime::reports
