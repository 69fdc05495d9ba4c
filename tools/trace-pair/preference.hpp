// trace-pair --mode preference and --mode kto: DPO pairs and KTO-labelled completions from
// groups of sessions that ran the same task (same --group-by key) and share a prompt.
#pragma once

#include <libstream/cli.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracemill {

struct PairOptions;

enum class PreferenceFormat { openai, trl };
enum class PairSelection { best_worst, all };
enum class SplitAt { first_divergence, final };

struct PreferenceOptions {
  std::vector<std::string> group_by;       ///< dotted paths whose values together name a group
  std::string score = "reward";            ///< dotted path of the number that orders a group
  PairSelection pairs = PairSelection::best_worst;
  double min_margin = 0;                   ///< a pair needs chosen - rejected >= this (and > 0)
  uint64_t max_pairs_per_group = 0;        ///< 0 = no cap
  SplitAt split_at = SplitAt::first_divergence;
  PreferenceFormat format = PreferenceFormat::openai;
  std::optional<double> min_reward, max_reward;  ///< kto: desirable at or above, undesirable at or below
  std::string sort_memory = "64M";         ///< held before sorted runs spill to temporary files
};

void add_preference_options(CLI::App& app, PreferenceOptions& options);

/// One message as it goes out, and whether the model wrote it.
struct OutMessage {
  bool assistant = false;
  std::string bytes;
};

/// One session of a group as grouping hands it back, best score first.
struct GroupSession {
  std::string session_id;  ///< as JSON text
  double score = 0;
  std::string score_text;  ///< the score as JSON text
  std::vector<OutMessage> messages;
};

/// The index where the prompts of `a` and `b` end: the first message that differs, when it
/// is an assistant message in both (first-divergence), or the last assistant message of each
/// when both are at the same index after equal messages (final). Nothing when the sessions
/// differ before an assistant turn, or one is a prefix of the other.
[[nodiscard]] std::optional<size_t> split_point(const std::vector<OutMessage>& a, const std::vector<OutMessage>& b,
                                                SplitAt split_at);

/// Sorter lines: "KEY\tSCORE\tSESSION_ID\tSCORE_JSON\tMESSAGES" where KEY is libstream::group_key,
/// SCORE libstream::descending_score_key (external_sort.hpp), and
/// MESSAGES are 'a' or 'o' (assistant or other) then the bytes, separated by 0x1E (control
/// characters are escaped in JSON text, so neither separator occurs inside).
[[nodiscard]] std::string encode_session(std::string_view key_text, const GroupSession& session);
/// The key of an encoded line, and the session (false when the line is not one encode_session wrote).
[[nodiscard]] bool decode_session(std::string_view line, std::string_view& key_text, GroupSession& session);

/// What the groups gave, for the report at the end.
struct PreferenceCounts {
  uint64_t groups = 0;
  uint64_t single_session_groups = 0;  ///< nothing to compare a session with
  uint64_t examples = 0;               ///< pairs (preference) or labelled completions (kto)
  uint64_t ties = 0;                   ///< candidate pairs of equal scores, skipped
  uint64_t under_margin = 0;           ///< candidate pairs closer than --min-margin, skipped
  uint64_t prompts_differ = 0;         ///< candidate pairs (kto: sessions) without a shared prompt before an assistant turn
  uint64_t identical = 0;              ///< candidate pairs whose continuations are the same bytes
  uint64_t capped = 0;                 ///< candidate pairs over --max-pairs-per-group
  uint64_t desirable = 0, undesirable = 0, between = 0;  ///< kto labels; between: neither
};

/// Writes the examples of groups. `used[i]` is set for every session of the group that is
/// part of an example written.
class PreferenceWriter {
 public:
  /// With `sidecar`, each example's metadata is a line there instead of a member of the example.
  PreferenceWriter(const PreferenceOptions& options, bool metadata, std::string score_name,
                   libstream::BufferedSink* sidecar = nullptr);
  void write_preference(std::string_view key_text, const std::vector<GroupSession>& group, libstream::BufferedSink& out,
                        std::vector<bool>& used);
  void write_kto(std::string_view key_text, const std::vector<GroupSession>& group, libstream::BufferedSink& out,
                 std::vector<bool>& used);
  [[nodiscard]] const PreferenceCounts& counts() const { return counts_; }

 private:
  void write_messages(const std::vector<OutMessage>& messages, size_t begin, size_t end, libstream::BufferedSink& out);
  void write_pair(std::string_view key_text, const GroupSession& chosen, const GroupSession& rejected, size_t split,
                  libstream::BufferedSink& out);

  const PreferenceOptions& options_;
  bool metadata_;
  libstream::BufferedSink* sidecar_;
  std::string score_name_;  // the --score path as JSON text, for the metadata
  PreferenceCounts counts_;
};

/// --mode preference and --mode kto: reads every session, groups them (external sort, memory
/// bounded by --sort-memory plus the largest group) and writes the examples.
void run_preference(const PairOptions& options, libstream::ToolContext& context);

}  // namespace tracemill
