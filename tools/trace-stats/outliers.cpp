#include "outliers.hpp"

#include "format.hpp"
#include "prompt_learning.hpp"

#include <libstream/document.hpp>
#include <libstream/projection.hpp>
#include <libstream/sink.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

namespace tracemill::stats {

using libstream::find_present;
using libstream::string_of;
using rapidjson::Value;

namespace {

struct OutlierBounds {
  double lo = -INFINITY, hi = INFINITY;
};

/// Values outside the bounds are outliers. Quartiles come from the sketch beyond the exact
/// limit (within its 1%); the MAD needs the exact values. nullopt, with `rule` saying why,
/// when there are none to compute.
std::optional<OutlierBounds> outlier_bounds(const StatsOptions& options, const NumericStats& s, std::string& rule) {
  if (s.count() == 0) {
    rule = "no values";
    return std::nullopt;
  }
  const std::string approximate = s.exact() ? "" : " (quartiles from the sketch, within 1%)";
  double k = options.outlier_threshold;
  OutlierBounds b;
  if (options.outliers == "iqr") {
    if (k == 0) k = 1.5;
    const double q1 = s.quantile(0.25), q3 = s.quantile(0.75);
    b.lo = q1 - k * (q3 - q1);
    b.hi = q3 + k * (q3 - q1);
    rule = "outside [Q1 - " + fmt(k) + " IQR, Q3 + " + fmt(k) + " IQR] = [" + fmt(b.lo) + ", " + fmt(b.hi) + "]" + approximate;
  } else if (options.outliers == "z") {
    if (k == 0) k = 3;
    const double sd = std::sqrt(s.variance());
    b.lo = s.mean() - k * sd;
    b.hi = s.mean() + k * sd;
    rule = "|z| > " + fmt(k) + " (mean " + fmt(s.mean()) + ", sd " + fmt(sd) + ")";
  } else {
    if (!s.exact()) {
      rule = "not computed: the MAD needs every value, and there are more than " + std::to_string(NumericStats::kExactLimit);
      return std::nullopt;
    }
    if (k == 0) k = 3.5;
    const double median = s.quantile(0.5);
    std::vector<double> deviations;
    for (double x : s.values()) deviations.push_back(std::fabs(x - median));
    std::sort(deviations.begin(), deviations.end());
    NumericStats d;
    for (double x : deviations) d.add(x);
    const double mad = 1.4826 * d.quantile(0.5);
    b.lo = median - k * mad;
    b.hi = median + k * mad;
    rule = "|x - median| > " + fmt(k) + " x 1.4826 MAD (median " + fmt(median) + ", scaled MAD " + fmt(mad) + ")";
  }
  return b;
}

bool outside(const OutlierBounds& b, double x) { return x < b.lo || x > b.hi; }


}  // namespace

void OutlierList::sort() {
  std::sort(found.begin(), found.end(), [](const Outlier& a, const Outlier& b) {
    return a.value != b.value ? a.value > b.value : a.session_id < b.session_id;
  });
}

OutlierList find_outliers(const StatsOptions& options, const Accumulator& acc, libstream::ToolContext& context) {
  OutlierList outliers;
  if (options.outliers.empty()) return outliers;
  const size_t metric = acc.metric_index(options.outlier_metric);
  const Group all = acc.overall();
  const NumericStats& s = all.numeric[metric];
  const std::optional<OutlierBounds> bounds = outlier_bounds(options, s, outliers.rule);
  const bool in_memory = s.exact();
  if (bounds && in_memory) {
    for (const auto& [value, id] : all.outlier_values) {
      if (outside(*bounds, value)) outliers.found.push_back({id, value});
    }
  }
  const bool reread = bounds && !options.merge && context.inputs_can_be_reread() && (!in_memory || !options.outliers_out.empty());
  if (bounds && !in_memory && !reread) {
    outliers.rule += "; not listed: more than " + std::to_string(NumericStats::kExactLimit) +
                     " values, and the input cannot be read a second time (give files)";
  }
  std::unique_ptr<libstream::AtomicFileSink> records;
  if (!options.outliers_out.empty()) records = std::make_unique<libstream::AtomicFileSink>(options.outliers_out);
  if (reread) {
    libstream::ProjectingParser parser(acc.projection());
    context.reread_records(libstream::InputFormat::auto_detect, [&](libstream::RecordSource& source, libstream::RawRecord& record) {
      const Value* root = parser.parse(record.data, record.size, nullptr);
      if (root == nullptr || PromptLearning::claims(*root)) return;  // rejected, or not a session: as in the first pass
      const Value* id = find_present(*root, "session_id");
      if (id == nullptr || !id->IsString()) return;
      const double x = acc.metric_value(*root, metric, Accumulator::session_counts(*root));
      if (std::isnan(x) || !outside(*bounds, x)) return;
      if (!in_memory) outliers.found.push_back({std::string(string_of(*id)), x});
      if (records) {
        const std::string_view bytes = context.record_bytes(source, record);
        records->write(bytes.data(), bytes.size());
        records->write("\n", 1);
      }
    });
  }
  if (records) records->commit();
  outliers.sort();
  return outliers;
}

}  // namespace tracemill::stats
