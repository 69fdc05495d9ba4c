// trace-stats: histogram bins of one metric, chosen once for every picture (text and HTML).
#pragma once

#include "numeric_stats.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tracemill::stats {

/// Bins of equal width `width` from `start`: bin i holds [start + i*width, start + (i+1)*width),
/// the last one closed. Integer data with a small range gets one bin per integer (start at
/// the minimum - 0.5, width 1). A heavy right tail is clipped at the 99th percentile: the
/// values above it are counted in `overflow`, not drawn to scale.
struct Bins {
  double start = 0, width = 1;
  std::vector<uint64_t> counts;
  bool integer = false;      // every value a whole number
  bool per_value = false;    // one bin per integer
  uint64_t overflow = 0;     // values above `clip`
  double clip = 0, max = 0;  // with overflow > 0: the clipping point and the largest value
  bool from_sketch = false;  // counts estimated from the quantile sketch, scaled to the count
  std::string rule;          // how the width was chosen, in words

  [[nodiscard]] double edge(size_t i) const { return start + width * static_cast<double>(i); }
  /// "6" for a per-value bin, "10 .. 19" for integer bins, "0.5 .. 0.75" otherwise.
  [[nodiscard]] std::string label(size_t i) const;
  /// A sentence on the clipped tail, or "".
  [[nodiscard]] std::string overflow_note() const;
};

inline constexpr size_t kMaxPerValueBins = 41;  // integer ranges up to 40 wide: one bar per value
inline constexpr size_t kMaxBins = 40;          // otherwise at most this many bars
inline constexpr double kClipQuantile = 0.99;

/// The bins of `s` (empty counts when it has no values).
[[nodiscard]] Bins choose_bins(const NumericStats& s);
/// The smallest "nice" step (1, 2, 2.5 or 5 times a power of ten) at least `x`.
[[nodiscard]] double nice_step(double x);

}  // namespace tracemill::stats
