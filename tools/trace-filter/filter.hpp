// trace-filter: keeps or drops whole trace/v1 session records; kept records pass through
// byte for byte.
#pragma once

#include <libstream/cli.hpp>
#include <libstream/expression.hpp>
#include <libstream/projection.hpp>
#include <libstream/tokenizer_options.hpp>

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tracemill {

enum class MissingPolicy { fail, pass };

struct FilterOptions {
  std::optional<double> min_reward, max_reward, max_cost;
  std::optional<uint64_t> min_achievements, max_tokens;
  /// Exact tokens of the session's messages counted as one chat example (trace-tokens'
  /// chat_total), with the encoding and vocabulary named by `tokenizer` (its model unused:
  /// --model selects sessions here).
  std::optional<uint64_t> min_chat_tokens, max_chat_tokens;
  libstream::TokenizerOptions tokenizer;
  std::vector<std::string> achievements;  ///< --achievement NAME (all of them, or any with any_achievement)
  bool any_achievement = false;
  std::vector<std::string> models, splits, task_ids, experiments, statuses, phases;
  std::string since, until;                ///< created_at bounds (any supported time format)
  std::vector<std::string> min_judge, max_judge, min_verifier, max_verifier;  ///< NAME=VALUE
  std::vector<std::string> where;          ///< --where expressions (all must hold)
  double sample = 1.0;                     ///< keep this fraction, by stable hash of session_id
  std::string seed;                        ///< mixes into the sample hash
  std::vector<std::string> sample_by;      ///< hash these paths' values instead of session_id (whole groups)
  bool invert = false;                     ///< keep the complement of --sample
  bool shuffle = false;                    ///< order by stable_hash(seed:session_id), then --offset/--limit
  std::string shuffle_memory = "64M";      ///< held in memory before sorted runs spill to temporary files (--shuffle, --best-of)
  uint64_t best_of = 0;                    ///< keep the N best sessions of each --group-by group (0 = off)
  std::vector<std::string> group_by;       ///< --best-of: dotted paths whose values name a group
  std::string rank_by = "reward";          ///< --best-of: dotted path of the number that ranks a group
  uint64_t offset = 0;
  uint64_t limit = 0;                      ///< 0 = no limit
  MissingPolicy missing = MissingPolicy::fail;
  bool dry_run = false;
  unsigned threads = 2;                    ///< worker threads parsing and deciding (0: the reading thread)
  std::vector<std::string> config_notes;  ///< warnings from reading --config, shown when the run starts
};

void add_filter_options(CLI::App& app, FilterOptions& options);

/// Applies the synth-ai `[filter]` table and the older `[filters]` table of a TOML file to
/// `options`, key by key, skipping every option `is_set_on_command_line` names. Throws
/// std::invalid_argument naming the key for unknown keys, bad values and unsupported ones.
void apply_filter_tables(const std::vector<CLI::ConfigItem>& items,
                         const std::function<bool(const std::string&)>& is_set_on_command_line,
                         FilterOptions& options);

/// A time in microseconds since 1970-01-01T00:00:00Z. Accepts RFC 3339 ("2025-09-26T22:06:25Z",
/// with fraction and/or a +hh:mm offset), "2025-09-26 22:06:25.611865" (UTC), "2025-09-26"

/// The compiled selection: decides on one parsed record.
class Selection {
 public:
  explicit Selection(const FilterOptions& options);  ///< throws std::invalid_argument on bad values
  /// The criterion that drops `record` ("" = kept). `missing` is set when the decision was
  /// made on a missing or non-numeric value.
  [[nodiscard]] std::string decide(const rapidjson::Value& record, bool& missing) const;
  /// The sample test alone (so --invert flips only it).
  [[nodiscard]] bool in_sample(std::string_view session_id) const;
  /// Every member decide() reads, kept whole: sessions are scanned for these alone.
  [[nodiscard]] libstream::Projection projection() const;

 private:
  struct ScoreBound {
    std::string group;  // "judge" or "verifier"
    std::string name;
    double value;
    bool is_min;
    std::string criterion;  // "--min-judge quality": the drop reason, built once
  };
  const FilterOptions& options_;
  std::optional<int64_t> since_, until_;
  std::vector<ScoreBound> scores_;
  std::vector<libstream::Expression> where_;
  std::shared_ptr<const libstream::Tokenizer> tokenizer_;  ///< loaded when a chat-token bound is given
  uint64_t sample_threshold_ = 0;
};

void run_filter(const FilterOptions& options, libstream::ToolContext& context);

}  // namespace tracemill
