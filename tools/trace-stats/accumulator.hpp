// trace-stats: per-group accumulation of sessions, and the mergeable state it makes.
// Each worker thread, shard or map step keeps an Accumulator; merging them (merge,
// merge_state) gives exactly what one pass over all the input gives.
#pragma once

#include "format.hpp"
#include "numeric_stats.hpp"
#include "stats.hpp"

#include <libstream/projection.hpp>

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace tracemill::stats {

struct CategoryCount {
  uint64_t count = 0;
  uint64_t failures = 0;
};

struct Experiment {
  std::string name;
  std::set<std::string> models;
  uint64_t sessions = 0;
  std::string first, last;  // RFC 3339 UTC: these order as instants
};

/// What is known of one group's sessions (or of all of them).
struct Group {
  uint64_t records = 0;
  uint64_t failures = 0;
  std::vector<NumericStats> numeric;  // one per metric
  std::vector<std::map<std::string, CategoryCount, std::less<>>> categories;  // one per category; less<>: looked up by string_view
  std::map<std::string, uint64_t, std::less<>> achievements;
  std::map<std::string, uint64_t> errors;
  std::vector<std::pair<double, std::string>> outlier_values;  // (metric value, session id), while exact

  void merge(const Group& other);
};

class Accumulator {
 public:
  explicit Accumulator(const StatsOptions& options);

  /// Every path add() reads, and PromptLearning::claims(): sessions are scanned for these
  /// alone, their message text skipped unparsed.
  [[nodiscard]] libstream::Projection projection() const;

  /// What several metrics share: messages, assistant turns and achievements of a session.
  struct SessionCounts {
    double messages = kNaN, turns = kNaN, achievements = kNaN;
    const rapidjson::Value* achievement_list = nullptr;  // the array itself, for the names
  };
  [[nodiscard]] static SessionCounts session_counts(const rapidjson::Value& r);
  /// Metric `i` of session `r` (NaN: missing).
  [[nodiscard]] double metric_value(const rapidjson::Value& r, size_t i, const SessionCounts& counts) const;
  /// The index of the metric called `name`; SIZE_MAX when there is none.
  [[nodiscard]] size_t metric_index(const std::string& name) const;

  /// Session ids seen more than once are counted from 64-bit hashes of the ids, kept for at
  /// most kMaxTrackedIds distinct ids (about 40 MB); ids beyond that are not checked
  /// (untracked_ids() says how many). Two ids sharing a hash (odds near 3e-8 at the limit)
  /// would count as one repeat.
  static constexpr size_t kMaxTrackedIds = 1000000;
  /// True when session id `id` was seen before by this accumulator (the repeat is counted).
  bool repeated_session(std::string_view id);
  [[nodiscard]] uint64_t repeated_sessions() const { return repeated_; }
  [[nodiscard]] uint64_t untracked_ids() const { return untracked_; }

  /// Adds session `r` to its group.
  void add(const rapidjson::Value& r);
  void count_record() { ++records_; }

  /// The partial state, with `prompt_learning` (PromptLearning::state()) as a member.
  [[nodiscard]] std::string state(const std::string& prompt_learning) const;
  /// Adds a state written by state(). Throws Error(data) when it was made with other
  /// metrics or grouping.
  void merge_state(const rapidjson::Value& s, const std::string& where);
  /// Adds another accumulator made with the same options (a worker's share of the input);
  /// an id seen by both counts as a repeat.
  void merge(const Accumulator& other);
  /// Sorts every group's kept values now, so that merging them later is linear.
  void sort_values() const;

  [[nodiscard]] uint64_t records() const { return records_; }
  [[nodiscard]] const std::map<std::string, Group, std::less<>>& groups() const { return groups_; }
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& metrics() const { return metrics_; }
  [[nodiscard]] const std::vector<std::string>& categories() const { return categories_; }
  [[nodiscard]] const std::map<std::string, Experiment>& experiments() const { return experiments_; }
  /// All groups together (for the overall summary when grouping).
  [[nodiscard]] Group overall() const;

 private:
  Group& group_of(const rapidjson::Value& r);
  Group& group(const std::string& key);
  [[nodiscard]] std::string config() const;

  enum class MetricKind { path, messages, turns, achievements, chat_tokens };
  const StatsOptions& options_;
  std::vector<std::pair<std::string, std::string>> metrics_;  // name, path ("" = computed)
  std::vector<MetricKind> kinds_;                             // one per metric
  std::string key_scratch_;
  std::vector<std::string_view> unique_scratch_;
  std::vector<std::string> categories_;
  size_t outlier_index_ = SIZE_MAX;
  uint64_t records_ = 0;
  std::map<std::string, Group, std::less<>> groups_;
  std::map<std::string, Experiment> experiments_;
  std::unordered_set<uint64_t> seen_ids_;
  uint64_t repeated_ = 0, untracked_ = 0;
};

}  // namespace tracemill::stats
