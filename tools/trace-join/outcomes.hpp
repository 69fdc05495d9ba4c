// trace-join: the outcome side, held in memory. Reads outcome files (a JSON object keyed by
// id, a JSON array of records, NDJSON or concatenated documents; zstd or gzip), recognises
// SWE-bench, mini-swe-agent and Harbor outcome shapes, and derives each outcome's reward.
#pragma once

#include <libstream/document.hpp>
#include <libstream/record_reader.hpp>

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tracemill {

/// The outcome keys tried in order when --outcomes-key is not given.
extern const std::vector<std::string> kDefaultOutcomeKeys;

struct OutcomeOptions {
  std::vector<std::string> keys;  ///< --outcomes-key paths, tried in order (empty: kDefaultOutcomeKeys)
  std::string reward_from;        ///< --reward-from PATH: the reward's path (number or boolean); empty: automatic
};

/// One outcome: the record as read (compact), and what the join writes from it.
struct Outcome {
  std::string key;
  std::string record;         ///< compact JSON, numbers as written: kept under extra.<as>
  std::string reward;         ///< JSON number text; empty when the outcome has no reward
  std::string reward_source;  ///< "outcomes:resolved", ...
  std::vector<std::pair<std::string, std::string>> verifier_scores;  ///< name, number text (Harbor rewards)
  std::string where;          ///< "FILE:LINE" of the record
  uint64_t sessions = 0;      ///< sessions it was joined to
};

/// The JSON key text of a value: a string's bytes, an integer's digits; false for anything else.
[[nodiscard]] bool key_text(const rapidjson::Value* value, std::string& key);

/// Derives reward, reward_source and verifier scores of `outcome` from its parsed record.
void derive_reward(const rapidjson::Value& record, const OutcomeOptions& options, Outcome& outcome);

class OutcomeTable {
 public:
  explicit OutcomeTable(OutcomeOptions options) : options_(std::move(options)) {}

  /// Reads every outcome of `path` ("-" = stdin). Throws libstream::Error (data) naming
  /// FILE:LINE for a record that is not JSON, has no key, or repeats a key with a different
  /// outcome; an identical repeat is counted (duplicates()).
  void load(const std::string& path, const libstream::FramingOptions& framing);
  /// Adds one outcome record (the text of one JSON value) read at `where`; as load().
  void add_record(std::string_view json, const std::string& where);

  [[nodiscard]] Outcome* find(const std::string& key);
  [[nodiscard]] const std::vector<Outcome>& outcomes() const { return outcomes_; }
  [[nodiscard]] uint64_t duplicates() const { return duplicates_; }
  /// Bytes held: the outcome records and keys (the table's memory, less per-entry overhead).
  [[nodiscard]] uint64_t bytes() const { return bytes_; }

 private:
  void add(Outcome outcome);
  void add_summary_report(const rapidjson::Value& report, const std::string& where);

  OutcomeOptions options_;
  libstream::DocumentParser parser_;
  std::vector<Outcome> outcomes_;
  std::unordered_map<std::string, size_t> index_;
  uint64_t duplicates_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace tracemill
