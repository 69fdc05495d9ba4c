// trace-stats: a DDSketch, the quantiles of a metric beyond the exact limit.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <string>

namespace tracemill {

/// Quantiles beyond the exact limit: a DDSketch (Masson et al. 2019) with relative accuracy
/// kAccuracy: every quantile it returns is within 1% of a value of the right rank.
/// Bucket counts add, so merging sketches is exact.
class QuantileSketch {
 public:
  static constexpr double kAccuracy = 0.01;
  void add(double x, uint64_t n = 1);
  void merge(const QuantileSketch& other);
  /// The value of 0-based rank `rank` (0 .. count-1).
  [[nodiscard]] double at_rank(uint64_t rank) const;
  [[nodiscard]] uint64_t count() const { return count_; }
  void write(std::string& out) const;
  void read(const rapidjson::Value& json);

 private:
  [[nodiscard]] static int key(double magnitude);
  [[nodiscard]] static double value(int key);
  std::map<int, uint64_t> positive_, negative_;
  uint64_t zeros_ = 0;
  uint64_t count_ = 0;
};

}  // namespace tracemill
