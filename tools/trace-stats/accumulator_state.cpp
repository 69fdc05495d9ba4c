// The partial state of an Accumulator (trace-stats-state/v1): written by --state-out and
// --partial, read back by --merge.
#include "accumulator.hpp"

#include "format.hpp"

#include <libstream/document.hpp>
#include <libstream/error.hpp>

#include <algorithm>

namespace tracemill::stats {

using libstream::find_member;
using libstream::string_of;
using rapidjson::Value;

namespace {

template <class Counts>
std::string counts_json(const Counts& counts) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, n] : counts) {
    out += (first ? "" : ",") + quote(k) + ":" + std::to_string(n);
    first = false;
  }
  return out + "}";
}

}  // namespace

std::string Accumulator::state(const std::string& prompt_learning) const {
  std::string out = "{\"schema\":\"trace-stats-state/v1\",\"config\":" + config() + ",\"records\":" +
                    std::to_string(records_) + ",\"repeated_sessions\":" + std::to_string(repeated_) + ",\"groups\":{";
  bool first_group = true;
  for (const auto& [key, g] : groups_) {
    out += (first_group ? "" : ",") + quote(key) + ":{\"records\":" + std::to_string(g.records) +
           ",\"failures\":" + std::to_string(g.failures) + ",\"numeric\":[";
    first_group = false;
    for (size_t i = 0; i < g.numeric.size(); ++i) {
      if (i > 0) out += ',';
      g.numeric[i].write(out);
    }
    out += "],\"categories\":[";
    for (size_t i = 0; i < g.categories.size(); ++i) {
      out += i > 0 ? ",{" : "{";
      bool first = true;
      for (const auto& [value, c] : g.categories[i]) {
        out += (first ? "" : ",") + quote(value) + ":[" + std::to_string(c.count) + "," + std::to_string(c.failures) + "]";
        first = false;
      }
      out += '}';
    }
    out += "],\"achievements\":" + counts_json(g.achievements) + ",\"errors\":" + counts_json(g.errors) +
           ",\"outliers\":[";
    std::vector<std::pair<double, std::string>> outliers = g.outlier_values;
    std::sort(outliers.begin(), outliers.end());  // the same list however the input was split
    for (size_t i = 0; i < outliers.size(); ++i) {
      out += (i > 0 ? ",[" : "[") + json_number(outliers[i].first) + "," + quote(outliers[i].second) + "]";
    }
    out += "]}";
  }
  out += "},\"experiments\":{";
  bool first = true;
  for (const auto& [id, e] : experiments_) {
    out += (first ? "" : ",") + quote(id) + ":{\"name\":" + quote(e.name) + ",\"sessions\":" + std::to_string(e.sessions) +
           ",\"first\":" + quote(e.first) + ",\"last\":" + quote(e.last) + ",\"models\":[";
    first = false;
    bool first_model = true;
    for (const auto& m : e.models) {
      out += (first_model ? "" : ",") + quote(m);
      first_model = false;
    }
    out += "]}";
  }
  return out + "},\"prompt_learning\":" + prompt_learning + "}";
}

void Accumulator::merge_state(const Value& s, const std::string& where) {
  const Value* schema = find_member(s, "schema");
  if (schema == nullptr || !schema->IsString() || string_of(*schema) != "trace-stats-state/v1") {
    throw libstream::Error(libstream::ErrorKind::data, where, "not a trace-stats state (--state-out writes them)");
  }
  const std::string theirs = json_text(s["config"]);
  if (theirs != config()) {
    throw libstream::Error(libstream::ErrorKind::data, where,
                           "this state was made with other options (" + theirs + "; this run: " + config() +
                               "): give --merge the same --group-by, --field, --category and --outlier-metric");
  }
  records_ += s["records"].GetUint64();
  // Repeats found inside each state add up (shards split by session id hold each id's copies
  // together); the ids themselves are not in states, so a repeat across states is not seen.
  if (const Value* repeated = find_member(s, "repeated_sessions"); repeated != nullptr && repeated->IsUint64()) {
    repeated_ += repeated->GetUint64();
  }
  for (const auto& m : s["groups"].GetObject()) {
    Group& g = group(std::string(string_of(m.name)));
    const Value& v = m.value;
    g.records += v["records"].GetUint64();
    g.failures += v["failures"].GetUint64();
    for (rapidjson::SizeType i = 0; i < v["numeric"].Size(); ++i) {
      NumericStats other;
      other.read(v["numeric"][i]);
      g.numeric[i].merge(other);
    }
    for (rapidjson::SizeType i = 0; i < v["categories"].Size(); ++i) {
      for (const auto& c : v["categories"][i].GetObject()) {
        CategoryCount& count = g.categories[i][std::string(string_of(c.name))];
        count.count += c.value[0].GetUint64();
        count.failures += c.value[1].GetUint64();
      }
    }
    for (const auto& a : v["achievements"].GetObject()) g.achievements[std::string(string_of(a.name))] += a.value.GetUint64();
    for (const auto& e : v["errors"].GetObject()) g.errors[std::string(string_of(e.name))] += e.value.GetUint64();
    for (const Value& o : v["outliers"].GetArray()) g.outlier_values.emplace_back(o[0].GetDouble(), o[1].GetString());
  }
  for (const auto& m : s["experiments"].GetObject()) {
    Experiment& e = experiments_[std::string(string_of(m.name))];
    const Value& v = m.value;
    if (e.name.empty()) e.name = v["name"].GetString();
    e.sessions += v["sessions"].GetUint64();
    const std::string first = v["first"].GetString(), last = v["last"].GetString();
    if (!first.empty() && (e.first.empty() || first < e.first)) e.first = first;
    if (!last.empty() && (e.last.empty() || last > e.last)) e.last = last;
    for (const Value& model : v["models"].GetArray()) e.models.emplace(model.GetString());
  }
}

std::string Accumulator::config() const {
  std::string out = "{\"group_by\":[";
  for (size_t i = 0; i < options_.group_by.size(); ++i) out += (i > 0 ? "," : "") + quote(options_.group_by[i]);
  out += "],\"metrics\":[";
  for (size_t i = 0; i < metrics_.size(); ++i) out += (i > 0 ? "," : "") + quote(metrics_[i].first);
  out += "],\"categories\":[";
  for (size_t i = 0; i < categories_.size(); ++i) out += (i > 0 ? "," : "") + quote(categories_[i]);
  out += "],\"outlier_metric\":" + quote(options_.outlier_metric) + "}";
  return out;
}

}  // namespace tracemill::stats
