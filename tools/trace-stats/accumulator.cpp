#include "accumulator.hpp"

#include "format.hpp"

#include <libstream/chat_tokens.hpp>
#include <libstream/document.hpp>
#include <libstream/time.hpp>

#include <algorithm>
#include <cmath>
#include <functional>

namespace tracemill::stats {

using libstream::find_member;
using libstream::find_present;
using libstream::string_of;
using rapidjson::Value;

namespace {

// The metrics every report has (name, path; an empty path is counted from the session),
// then the categories counted.
const std::vector<std::pair<std::string, std::string>> kMetrics = {
    {"reward", "reward"},
    {"achievements", ""},
    {"messages", ""},
    {"turns", ""},
    {"input_tokens", "usage.input_tokens"},
    {"output_tokens", "usage.output_tokens"},
    {"total_tokens", "usage.total_tokens"},
    {"cost_usd", "cost_usd"}};
const std::vector<std::string> kCategories = {"model", "experiment_id", "split", "status"};

constexpr size_t kMaxErrorKinds = 1000;  // distinct error messages kept per group
constexpr size_t kMaxCategoryValues = 10000;

}  // namespace

void Group::merge(const Group& other) {
  if (numeric.empty()) {
    numeric.resize(other.numeric.size());
    categories.resize(other.categories.size());
  }
  records += other.records;
  failures += other.failures;
  for (size_t i = 0; i < numeric.size(); ++i) numeric[i].merge(other.numeric[i]);
  for (size_t i = 0; i < categories.size(); ++i) {
    for (const auto& [value, c] : other.categories[i]) {
      categories[i][value].count += c.count;
      categories[i][value].failures += c.failures;
    }
  }
  for (const auto& [name, n] : other.achievements) achievements[name] += n;
  for (const auto& [e, n] : other.errors) errors[e] += n;
  outlier_values.insert(outlier_values.end(), other.outlier_values.begin(), other.outlier_values.end());
}

Accumulator::Accumulator(const StatsOptions& options) : options_(options) {
  for (const auto& [name, path] : kMetrics) metrics_.push_back({name, path});
  if (options.chat_tokens) metrics_.push_back({"chat_tokens", ""});
  for (const std::string& f : options.fields) metrics_.push_back({f, f});
  for (const auto& [name, path] : metrics_) {
    kinds_.push_back(!path.empty()             ? MetricKind::path
                     : name == "messages"      ? MetricKind::messages
                     : name == "turns"         ? MetricKind::turns
                     : name == "chat_tokens"   ? MetricKind::chat_tokens
                                               : MetricKind::achievements);
  }
  categories_ = kCategories;
  for (const std::string& c : options.categories) categories_.push_back(c);
  outlier_index_ = metric_index(options.outlier_metric);
}

libstream::Projection Accumulator::projection() const {
  libstream::Projection p;
  for (const char* path : {"session_id", "status", "error", "messages.*.role", "extra.num_messages", "achievements", "experiment_id",
                           "experiment.name", "model", "created_at", "record_type", "payload", "score"}) {
    p.keep(path);
  }
  for (const auto& metric : metrics_) {
    if (!metric.second.empty()) p.keep(metric.second);
  }
  for (const std::string& path : categories_) p.keep(path);
  for (const std::string& path : options_.group_by) p.keep(path);
  if (options_.chat_tokens) {  // counted from the whole messages, not their roles alone
    p.keep_member("messages");
    p.keep_member("tools");
  }
  return p;
}

Accumulator::SessionCounts Accumulator::session_counts(const Value& r) {
  SessionCounts c;
  const Value* messages = find_present(r, "messages");
  if (messages != nullptr && messages->IsArray()) {
    c.messages = messages->Size();
    c.turns = 0;
    for (const Value& m : messages->GetArray()) {
      const Value* role = find_member(m, "role");
      if (role != nullptr && role->IsString() && string_of(*role) == "assistant") ++c.turns;
    }
    // A summary row carries the count, not the messages: their roles are unknown, not none.
    if (const Value* counted = libstream::find_path(r, "extra.num_messages"); c.messages == 0 && counted != nullptr && counted->IsNumber()) {
      c.messages = counted->GetDouble();
      c.turns = kNaN;
    }
  }
  if (const Value* a = find_present(r, "achievements"); a != nullptr && a->IsArray()) {
    c.achievements = a->Size();
    c.achievement_list = a;
  }
  return c;
}

double Accumulator::metric_value(const Value& r, size_t i, const SessionCounts& counts) const {
  switch (kinds_[i]) {
    case MetricKind::messages: return counts.messages;
    case MetricKind::turns: return counts.turns;
    case MetricKind::achievements: return counts.achievements;
    case MetricKind::chat_tokens: {
      const Value* messages = find_present(r, "messages");
      if (messages == nullptr || !messages->IsArray() || options_.counter == nullptr) return kNaN;
      return static_cast<double>(libstream::count_chat_tokens(*options_.counter, *messages, find_present(r, "tools")).chat);
    }
    case MetricKind::path: break;
  }
  return number_of(libstream::find_path(r, metrics_[i].second));
}

Group& Accumulator::group_of(const Value& r) {
  std::string& key = key_scratch_;
  key.clear();
  for (size_t i = 0; i < options_.group_by.size(); ++i) {
    const Value* v = libstream::find_path(r, options_.group_by[i]);
    if (i > 0) key += " / ";
    if (v == nullptr || v->IsNull()) {
      key += "(missing)";
    } else if (v->IsString()) {
      key += string_of(*v);
    } else {
      key += json_text(*v);
    }
  }
  const auto it = groups_.find(key);
  return it != groups_.end() ? it->second : group(key);
}

size_t Accumulator::metric_index(const std::string& name) const {
  for (size_t i = 0; i < metrics_.size(); ++i) {
    if (metrics_[i].first == name) return i;
  }
  return SIZE_MAX;
}

Group& Accumulator::group(const std::string& key) {
  Group& g = groups_[key];
  if (g.numeric.empty()) {
    g.numeric.resize(metrics_.size());
    g.categories.resize(categories_.size());
  }
  return g;
}

void Accumulator::add(const Value& r) {
  Group& g = group_of(r);
  ++g.records;
  const Value* status = find_present(r, "status");
  const Value* error = find_present(r, "error");
  const bool failed = (status != nullptr && status->IsString() && string_of(*status) != "completed" && string_of(*status) != "success") ||
                      error != nullptr;
  if (failed) {
    ++g.failures;
    std::string message = error != nullptr ? (error->IsString() ? std::string(string_of(*error)) : json_text(*error))
                                           : "status " + std::string(string_of(*status));
    if (message.size() > 200) message = message.substr(0, 200) + "...";
    if (g.errors.size() < kMaxErrorKinds || g.errors.count(message) != 0) ++g.errors[message];
  }
  const SessionCounts session = session_counts(r);
  for (size_t i = 0; i < metrics_.size(); ++i) {
    const double x = metric_value(r, i, session);
    g.numeric[i].add(x);
    if (i == outlier_index_ && !std::isnan(x) && g.numeric[i].exact()) {
      const Value* id = find_present(r, "session_id");
      g.outlier_values.emplace_back(x, id != nullptr && id->IsString() ? std::string(string_of(*id)) : "");
    }
  }
  for (size_t i = 0; i < categories_.size(); ++i) {
    const Value* v = libstream::find_path(r, categories_[i]);
    if (v == nullptr || v->IsNull()) continue;
    std::string text;
    const std::string_view value = v->IsString() ? string_of(*v) : std::string_view(text = json_text(*v));
    auto& counts = g.categories[i];
    auto it = counts.find(value);
    if (it == counts.end()) {
      it = counts.emplace(counts.size() >= kMaxCategoryValues ? std::string("(other values)") : std::string(value), CategoryCount()).first;
    }
    ++it->second.count;
    it->second.failures += failed;
  }
  if (session.achievement_list != nullptr) {
    std::vector<std::string_view>& unique = unique_scratch_;  // each name once per session
    unique.clear();
    for (const Value& name : session.achievement_list->GetArray()) {
      if (name.IsString()) unique.push_back(string_of(name));
    }
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    for (const std::string_view name : unique) {
      auto it = g.achievements.find(name);
      if (it == g.achievements.end()) it = g.achievements.emplace(std::string(name), 0).first;
      ++it->second;
    }
  }
  if (options_.experiments) {
    const Value* id = find_present(r, "experiment_id");
    const std::string eid = id != nullptr && id->IsString() ? std::string(string_of(*id)) : "(none)";
    Experiment& e = experiments_[eid];
    ++e.sessions;
    if (const Value* ex = find_present(r, "experiment")) {
      if (const Value* name = find_present(*ex, "name"); name != nullptr && name->IsString()) e.name = std::string(string_of(*name));
    }
    if (const Value* m = find_present(r, "model"); m != nullptr && m->IsString()) e.models.emplace(string_of(*m));
    if (const Value* at = find_present(r, "created_at"); at != nullptr && at->IsString()) {
      if (auto instant = libstream::parse_instant(string_of(*at))) {
        const std::string t = libstream::format_instant(*instant);
        if (e.first.empty() || t < e.first) e.first = t;
        if (e.last.empty() || t > e.last) e.last = t;
      }
    }
  }
}

bool Accumulator::repeated_session(std::string_view id) {
  const uint64_t hash = std::hash<std::string_view>()(id);
  if (seen_ids_.count(hash) != 0) {
    ++repeated_;
    return true;
  }
  if (seen_ids_.size() < kMaxTrackedIds) {
    seen_ids_.insert(hash);
  } else {
    ++untracked_;
  }
  return false;
}

void Accumulator::merge(const Accumulator& other) {
  records_ += other.records_;
  repeated_ += other.repeated_;
  untracked_ += other.untracked_;
  for (const uint64_t hash : other.seen_ids_) {
    if (seen_ids_.count(hash) != 0) {
      ++repeated_;
    } else if (seen_ids_.size() < kMaxTrackedIds) {
      seen_ids_.insert(hash);
    } else {
      ++untracked_;
    }
  }
  for (const auto& [key, theirs] : other.groups_) group(key).merge(theirs);
  for (const auto& [id, theirs] : other.experiments_) {
    Experiment& e = experiments_[id];
    if (e.name.empty()) e.name = theirs.name;
    e.sessions += theirs.sessions;
    e.models.insert(theirs.models.begin(), theirs.models.end());
    if (!theirs.first.empty() && (e.first.empty() || theirs.first < e.first)) e.first = theirs.first;
    if (!theirs.last.empty() && (e.last.empty() || theirs.last > e.last)) e.last = theirs.last;
  }
}

void Accumulator::sort_values() const {
  for (const auto& [key, g] : groups_) {
    for (const NumericStats& n : g.numeric) {
      if (n.exact()) static_cast<void>(n.values());
    }
  }
}

Group Accumulator::overall() const {
  Group all;
  all.numeric.resize(metrics_.size());
  all.categories.resize(categories_.size());
  for (const auto& [key, g] : groups_) all.merge(g);
  return all;
}

}  // namespace tracemill::stats
