// trace-stats: the summary of experiment-queue and prompt-learning records.
#pragma once

#include "format.hpp"
#include "table.hpp"

#include <rapidjson/document.h>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace tracemill::stats {

/// What the report shows of prompt learning: a title, the jobs, the best candidates.
struct PromptLearningSummary {
  std::string title;
  Table jobs;        // one row per job
  Table candidates;  // the 20 best trials and snapshots by score
};

/// Experiment-queue and prompt-learning records (trace-read of the queue SQLite: record_type
/// experiment, job, trial; backend snapshots with payload.messages and score). Every count
/// they lack stays unknown (null, "-"), never 0 (docs/synth-ai-sources.md, "Unknown, not 0"; W21-W26 in "Writer defects").
class PromptLearning {
 public:
  /// True when `r` is a queue or prompt-learning record, judged by record_type, payload
  /// and score alone (so a projection of the record keeping those is enough to tell).
  [[nodiscard]] static bool claims(const rapidjson::Value& r);
  /// True when `r` is such a record (and was taken). `ordinal` grows with the record's
  /// place in the input: merging shares made by workers or shards orders by it, so the
  /// summary is the one pass's whatever the split.
  bool add(const rapidjson::Value& r, uint64_t ordinal);
  [[nodiscard]] bool empty() const { return jobs_.empty() && trials_.empty() && experiments_ == 0; }
  /// Adds another share of the input: as if its records had been added in their places.
  void merge(const PromptLearning& other);
  /// The partial state (inside trace-stats-state/v1): jobs by id, trials in input order.
  [[nodiscard]] std::string state() const;
  /// Adds a state written by state(), as records after every one added so far.
  void merge_state(const rapidjson::Value& s);
  /// The tables of the report (meaningless when empty()).
  [[nodiscard]] PromptLearningSummary summary() const;

 private:
  struct Job {
    std::string experiment, type, status, model, model_source;
    double best = kNaN, baseline = kNaN, rollouts = kNaN, trials_tried = kNaN, tokens = kNaN;
    uint64_t ordinal = 0;        // of the job's last record
    uint64_t model_ordinal = 0;  // of the last record that named the model (0: none did)
  };
  struct Trial {
    std::string job, id, name, prompt, phase;
    double score = kNaN, tokens = kNaN;
    uint64_t ordinal = 0;
  };
  [[nodiscard]] uint64_t last_ordinal() const;
  /// `model` of the [prompt_learning.policy] table of the job's TOML, when the file is here.
  [[nodiscard]] static std::string toml_model(const std::string& path);
  [[nodiscard]] static std::string text(const rapidjson::Value& r, const char* key);
  /// A member holding JSON written as text, parsed (kept alive in documents_).
  const rapidjson::Value* embedded(const rapidjson::Value* v);
  std::map<std::string, Job> jobs_;
  std::vector<Trial> trials_;
  uint64_t experiments_ = 0;
  std::deque<rapidjson::Document> documents_;  // strings holding JSON (status_json written as text)
};

}  // namespace tracemill::stats
