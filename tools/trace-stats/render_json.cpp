// trace-stats: the report as one JSON document, or as NDJSON with one line per group.
#include "report_model.hpp"

#include <cmath>

namespace tracemill::stats {

namespace {

std::string num(double x) { return std::isfinite(x) ? fmt(x, 10) : "null"; }

std::string metrics_json(const Accumulator& acc, const Group& g) {
  std::string out = "{";
  for (size_t i = 0; i < acc.metrics().size(); ++i) {
    const NumericStats& s = g.numeric[i];
    out += (i > 0 ? "," : "") + quote(acc.metrics()[i].first) + ":{\"count\":" + std::to_string(s.count()) +
           ",\"missing\":" + std::to_string(s.missing()) + ",\"mean\":" + num(s.count() ? s.mean() : kNaN) +
           ",\"sd\":" + num(std::sqrt(s.variance())) + ",\"min\":" + num(s.count() ? s.min() : kNaN);
    const char* names[] = {"p5", "p25", "median", "p75", "p95"};
    for (size_t q = 0; q < 5; ++q) out += ",\"" + std::string(names[q]) + "\":" + num(s.quantile(kQuantiles[q]));
    out += ",\"max\":" + num(s.count() ? s.max() : kNaN) + ",\"sum\":" + num(s.count() ? s.sum() : kNaN) +
           ",\"quantiles_exact\":" + (s.exact() ? "true" : "false") + "}";
  }
  return out + "}";
}

std::string group_json(const Accumulator& acc, const Group& g) {
  std::string out = "\"records\":" + std::to_string(g.records) + ",\"failures\":" + std::to_string(g.failures) +
                    ",\"metrics\":" + metrics_json(acc, g) + ",\"categories\":{";
  for (size_t i = 0; i < acc.categories().size(); ++i) {
    out += (i > 0 ? "," : "") + quote(acc.categories()[i]) + ":{";
    bool first = true;
    for (const auto& [value, c] : g.categories[i]) {
      out += (first ? "" : ",") + quote(value) + ":" + std::to_string(c.count);
      first = false;
    }
    out += "}";
  }
  out += "},\"achievements\":{";
  bool first = true;
  for (const auto& [name, n] : g.achievements) {
    out += (first ? "" : ",") + quote(name) + ":" + std::to_string(n);
    first = false;
  }
  return out + "}";
}

}  // namespace

std::string render_json(const ReportModel& model) {
  std::string out = "{\"records\":" + std::to_string(model.acc.records()) + ",\"repeated_sessions\":" + std::to_string(model.acc.repeated_sessions()) + ",\"all\":{" + group_json(model.acc, model.all) + "}";
  if (model.grouped()) {
    out += ",\"groups\":{";
    bool first = true;
    for (const auto& [key, g] : model.acc.groups()) {
      out += (first ? "" : ",") + quote(key) + ":{" + group_json(model.acc, g) + "}";
      first = false;
    }
    out += "}";
  }
  if (model.compared()) {
    out += ",\"comparison\":{\"metric\":" + quote(model.options.compare) + ",\"pairs\":[";
    const auto& comparisons = model.comparisons;
    for (size_t i = 0; i < comparisons.size(); ++i) {
      const auto& c = comparisons[i];
      out += (i > 0 ? ",{" : "{") + std::string("\"a\":") + quote(c.a) + ",\"b\":" + quote(c.b) + ",\"difference\":" + num(c.difference) +
             ",\"relative\":" + num(c.relative) + ",\"welch\":{\"t\":" + num(c.welch.statistic) + ",\"df\":" + num(c.welch.df) +
             ",\"p\":" + num(c.welch.p_value) + ",\"p_holm\":" + num(c.welch_holm) + "},\"mann_whitney\":{\"u\":" +
             num(c.mann_whitney.statistic) + ",\"p\":" + num(c.mann_whitney.p_value) + ",\"p_holm\":" + num(c.mw_holm) +
             ",\"exact\":" + (c.mann_whitney.exact ? "true" : "false") + "},\"cohens_d\":" + num(c.d) +
             ",\"cliffs_delta\":" + num(c.delta) + ",\"verdict\":" + quote(c.verdict) + "}";
    }
    out += "],\"not_compared\":[";
    for (size_t i = 0; i < model.set_apart.size(); ++i) {
      const SetApart& g = model.set_apart[i];
      out += (i > 0 ? ",{" : "{") + std::string("\"group\":") + quote(g.key) + ",\"n\":" + std::to_string(g.n) +
             ",\"reason\":" + quote(g.reason) + "}";
    }
    out += "]}";
  }
  return out + "}\n";
}

std::string render_ndjson(const ReportModel& model) {
  std::string out;
  for (const auto& [key, g] : model.acc.groups()) {
    out += "{\"group\":" + quote(model.grouped() ? key : "(all)") + "," + group_json(model.acc, g) + "}\n";
  }
  return out;
}

}  // namespace tracemill::stats
