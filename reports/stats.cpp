#include "reports/stats.h"

#include <algorithm>
#include <cmath>

#include "engine/common/error.h"

namespace slime::reports {

double percentile(std::vector<double> values, double q) {
  if (values.empty()) throw_error(ErrorCode::kInvalidArgument, "percentile of an empty list");
  std::sort(values.begin(), values.end());
  const double pos = (static_cast<double>(values.size()) - 1) * q / 100.0;
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (values[hi] - values[lo]) * (pos - static_cast<double>(lo));
}

namespace {

// B means of resamples of DIFFS (size n each), drawing indices from one SplitMix64 stream.
std::vector<double> resample_means(const std::vector<double>& x, int bootstrap, uint64_t seed) {
  if (x.empty()) throw_error(ErrorCode::kInvalidArgument, "bootstrap of an empty sample");
  if (bootstrap < 1) throw_error(ErrorCode::kInvalidArgument, "bootstrap count {} < 1", bootstrap);
  SplitMix64 rng(seed);
  const uint64_t n = x.size();
  std::vector<double> means(bootstrap);
  for (int b = 0; b < bootstrap; ++b) {
    double sum = 0;
    for (uint64_t i = 0; i < n; ++i) sum += x[rng.next() % n];
    means[b] = sum / static_cast<double>(n);
  }
  return means;
}

double mean_of(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v;
  return s / static_cast<double>(x.size());
}

}  // namespace

Interval bootstrap_ci(const std::vector<double>& scores, int bootstrap, uint64_t seed, double level) {
  const std::vector<double> means = resample_means(scores, bootstrap, seed);
  Interval out;
  out.n = static_cast<int64_t>(scores.size());
  out.mean = mean_of(scores);
  out.lo = percentile(means, 100.0 * (1.0 - level) / 2.0);
  out.hi = percentile(means, 100.0 * (1.0 + level) / 2.0);
  return out;
}

double binomial_half_cdf(int64_t k, int64_t n) {
  if (k < 0) return 0.0;
  if (k >= n) return 1.0;
  const double log_half_n = static_cast<double>(n) * std::log(0.5);
  double total = 0;
  for (int64_t i = 0; i <= k; ++i) {
    const double log_c = std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0);
    total += std::exp(log_c + log_half_n);
  }
  return std::min(1.0, total);
}

PairedResult paired_test(const std::vector<double>& a, const std::vector<double>& b, int bootstrap, uint64_t seed,
                         double level) {
  if (a.size() != b.size()) {
    throw_error(ErrorCode::kInvalidArgument, "paired test: {} vs {} scores (runs must share samples)", a.size(),
                b.size());
  }
  std::vector<double> diffs(a.size());
  bool binary = true;
  PairedResult out;
  for (size_t i = 0; i < a.size(); ++i) {
    diffs[i] = b[i] - a[i];
    binary = binary && (a[i] == 0.0 || a[i] == 1.0) && (b[i] == 0.0 || b[i] == 1.0);
    if (a[i] == 1.0 && b[i] == 0.0) ++out.a_only;
    if (a[i] == 0.0 && b[i] == 1.0) ++out.b_only;
  }
  const std::vector<double> means = resample_means(diffs, bootstrap, seed);
  out.n = static_cast<int64_t>(a.size());
  out.delta = mean_of(diffs);
  out.lo = percentile(means, 100.0 * (1.0 - level) / 2.0);
  out.hi = percentile(means, 100.0 * (1.0 + level) / 2.0);
  if (binary) {
    out.method = "mcnemar-exact";
    const int64_t discordant = out.a_only + out.b_only;
    out.p_value = discordant == 0 ? 1.0 : std::min(1.0, 2.0 * binomial_half_cdf(std::min(out.a_only, out.b_only), discordant));
  } else {
    out.method = "paired-bootstrap";
    out.a_only = out.b_only = 0;
    double le = 0, ge = 0;
    for (double m : means) le += m <= 0, ge += m >= 0;
    out.p_value = std::min(1.0, 2.0 * std::min(le, ge) / static_cast<double>(means.size()));
  }
  return out;
}

}  // namespace slime::reports
