// trace-stats: the report as CSV: one row per group and metric.
#include "report_model.hpp"

namespace tracemill::stats {

std::string render_csv(const ReportModel& model) {
  Table t;
  t.header = {"group", "metric", "count", "missing", "mean", "sd", "min", "p5", "p25", "median", "p75", "p95", "max", "sum"};
  const auto add = [&](const std::string& key, const Group& g) {
    for (const auto& row : numeric_table(model.acc, g).rows) {
      std::vector<std::string> r = {key};
      r.insert(r.end(), row.begin(), row.end());
      t.rows.push_back(r);
    }
  };
  add("(all)", model.all);
  if (model.grouped()) {
    for (const auto& [key, g] : model.acc.groups()) add(key, g);
  }
  return t.render("csv");
}

}  // namespace tracemill::stats
