// trace-stats: one numeric field's moments, extremes and quantiles, mergeable.
#pragma once

#include "quantile_sketch.hpp"

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tracemill {

/// One numeric field: exact count, missing, sum, mean, variance (Welford; Chan et al. to
/// merge), min, max; quantiles exact up to kExactLimit values, then from the sketch.
class NumericStats {
 public:
  static constexpr size_t kExactLimit = 65536;
  void add(double x);
  void add_missing() { ++missing_; }
  void merge(const NumericStats& other);
  [[nodiscard]] uint64_t count() const { return count_; }
  [[nodiscard]] uint64_t missing() const { return missing_; }
  [[nodiscard]] double mean() const { return static_cast<double>(mean_); }
  [[nodiscard]] double sum() const { return static_cast<double>(sum_); }
  /// Sample variance (n-1); NaN below 2 values.
  [[nodiscard]] double variance() const;
  [[nodiscard]] double min() const { return min_; }
  [[nodiscard]] double max() const { return max_; }
  [[nodiscard]] bool exact() const { return exact_; }
  /// Type-7 quantile (linear between closest ranks: R's default, numpy's, Python's
  /// statistics.quantiles(method="inclusive")); NaN when empty.
  [[nodiscard]] double quantile(double q) const;
  /// The values when still exact (sorted), for rank tests and histograms.
  [[nodiscard]] const std::vector<double>& values() const;
  void write(std::string& out) const;
  void read(const rapidjson::Value& json);

 private:
  void add_to_sketch(const std::vector<double>& values);
  uint64_t count_ = 0;
  uint64_t missing_ = 0;
  long double mean_ = 0, m2_ = 0, sum_ = 0;
  double min_ = 0, max_ = 0;
  bool exact_ = true;
  mutable std::vector<double> values_;
  mutable bool sorted_ = true;
  QuantileSketch sketch_;
};

}  // namespace tracemill
