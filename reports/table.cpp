#include "reports/table.h"

#include <cmath>

#include <fmt/format.h>

namespace slime::reports {

Cell text_cell(const std::string& text) { return Cell{text, std::nullopt}; }

Cell number_cell(double value, int decimals, bool is_signed) {
  if (std::isnan(value)) return Cell{"-", std::nullopt};
  std::string text = fmt::format("{:.{}f}", value, decimals);
  if (is_signed && value > 0) text = "+" + text;
  return Cell{text, value};
}

}  // namespace slime::reports
