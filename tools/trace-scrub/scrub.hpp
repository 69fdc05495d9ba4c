// trace-scrub: replaces secrets and personal data inside every JSON string of a record with
// typed, stable placeholders; the JSON structure is kept and records with nothing to scrub
// pass through byte for byte.
#pragma once

#include "rules.hpp"

#include <libstream/cli.hpp>
#include <libstream/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tracemill {

struct ScrubOptions {
  std::vector<std::string> rules;     ///< --rule NAME=REGEX, added before the built-in rules
  std::vector<std::string> no_rules;  ///< --no-rule NAME, built-in or added
  double min_entropy = 3.0;           ///< bits per byte for the entropy-checked rules
  std::string hash_key_file;          ///< key of the placeholders' HMAC (empty: no key)
  bool report = false;                ///< counts per rule on stderr
  bool check = false;                 ///< write nothing; exit 1 when anything is found
  unsigned threads = 2;               ///< worker threads scrubbing records (0: the reading thread)
};

void add_scrub_options(CLI::App& app, ScrubOptions& options);

/// The rules a run uses: --rule ones first, then the built-in ones, less --no-rule ones.
/// Throws std::invalid_argument on a bad --rule or an unknown --no-rule name.
[[nodiscard]] std::vector<RuleSpec> selected_rules(const ScrubOptions& options);

/// Scrubs one record at a time; reuse one instance per stream (its buffers are kept).
class Scrubber {
 public:
  enum class Outcome { unchanged, scrubbed, invalid };

  Scrubber(const RuleSet& rules, std::string hash_key);

  /// Scans every string (keys too) of the JSON value `json`. `scrubbed`: `out` holds the
  /// record with each string that held a finding re-encoded with placeholders, every other
  /// byte as it was. `invalid`: `error` says why `json` is not one JSON value.
  Outcome scrub(std::string_view json, std::string& out, libstream::JsonError& error);

  /// "<SECRET:github_token:1a2b3c4d>": the rule's kind and name and the first 8 hex digits of
  /// HMAC-SHA256(hash key, value), so equal values get equal placeholders in every run and shard.
  [[nodiscard]] std::string placeholder(size_t rule, std::string_view value) const;

  /// Findings per rule (index as in the RuleSet), and records with at least one finding.
  [[nodiscard]] const std::vector<uint64_t>& counts() const { return counts_; }
  [[nodiscard]] uint64_t records_with_findings() const { return records_with_findings_; }

  /// A string of the record: where its content starts (after the opening quote) and its
  /// decoded length (the decoded text lies at `begin` in the in-situ copy).
  struct Span {
    size_t begin;
    size_t decoded_size;
  };

 private:
  /// text_ = `text` with each of findings_ replaced by its placeholder (counted).
  void replace_findings(std::string_view text);

  const RuleSet& rules_;
  std::string hash_key_;
  std::string scratch_;  // the record decoded in situ, strings set apart by newlines
  std::vector<Span> spans_;
  std::vector<size_t> candidates_;
  std::vector<RuleMatch> findings_;
  std::vector<size_t> rescan_candidates_;
  std::string text_;       // the string being scrubbed, findings replaced
  std::string rescanned_;  // the text of the previous pass
  std::vector<uint64_t> counts_;
  uint64_t records_with_findings_ = 0;
};

void run_scrub(const ScrubOptions& options, libstream::ToolContext& context);

}  // namespace tracemill
