// trace-stats: summaries, grouped comparisons with significance tests, pictures and reports
// from trace/v1 sessions, with partial states that merge into the same report.
#pragma once

#include <libstream/tokenizer_options.hpp>

// Its parts, one job per file:
//   stats.hpp, options.cpp      the options; run.cpp reads the input (worker threads) and writes
//   format                      how numbers are written
//   quantile_sketch             DDSketch: quantiles beyond the exact limit
//   numeric_stats               one metric: moments, extremes, quantiles, mergeable
//   distributions               Student's t and the normal (Boost.Math)
//   significance                Welch, Mann-Whitney, effect sizes, Holm
//   accumulator(_state)         per-group accumulation and its mergeable state
//   prompt_learning             experiment-queue and prompt-learning summaries
//   outliers                    --outliers
//   report_model                every number a report shows, computed once
//   binning                     histogram bins, one choice for every picture
//   table                       tables laid out as text (fitted to a width), Markdown or CSV
//   render_text/csv/json/html   one layout per format; histograms draws the terminal pictures
#include "distributions.hpp"
#include "histograms.hpp"
#include "numeric_stats.hpp"
#include "significance.hpp"

#include <libstream/cli.hpp>

#include <string>
#include <vector>

namespace tracemill {

// ---------------------------------------------------------------------------------------
// The run

struct StatsOptions {
  std::vector<std::string> fields;        ///< extra numeric paths (--field)
  /// --chat-tokens: the metric chat_tokens, each session's messages (and tools) counted exactly
  /// as one chat example (trace-tokens' chat_total) with this tokenizer.
  bool chat_tokens = false;
  libstream::TokenizerOptions tokenizer;
  const libstream::Tokenizer* counter = nullptr;  ///< loaded by run_stats under --chat-tokens
  std::vector<std::string> categories;    ///< extra categorical paths (--category)
  std::vector<std::string> group_by;      ///< --group-by paths
  std::string compare;                    ///< metric compared between groups (--compare)
  bool compare_missing = false;           ///< also compare groups with a missing --group-by value
  uint64_t min_group_size = 2;            ///< groups with fewer values of the metric are not compared
  std::string format = "auto";            ///< auto|text|markdown|json|csv|ndjson
  std::string histogram = "default";      ///< default|synth|none
  std::string report;                     ///< --report FILE.html
  std::string state_out;                  ///< --state-out FILE
  bool partial = false;                   ///< write the state (one line) instead of the report
  bool merge = false;                     ///< inputs are states
  bool tee = false;                       ///< pass records through; report to stderr
  bool experiments = false;               ///< list the experiments present
  bool unique_sessions = false;           ///< a session_id seen before: skipped, not counted again
  std::string outliers;                   ///< iqr|z|mad
  double outlier_threshold = 0;           ///< 0: 1.5 (iqr), 3 (z), 3.5 (mad)
  std::string outlier_metric = "reward";
  std::string outliers_out;               ///< --outliers-out FILE: the outlying records themselves
  unsigned threads = 2;                   ///< workers parsing sessions (0: the reading thread)
  std::string command_line;               ///< as typed (for the HTML report's provenance)
  size_t width = 0;                       ///< text report width (0: $COLUMNS, the terminal's, or 80)
};

void add_stats_options(CLI::App& app, StatsOptions& options);
/// `word` as a POSIX shell reads it back: bare when plain, else single-quoted.
[[nodiscard]] std::string shell_word(const std::string& word);
void run_stats(const StatsOptions& options, libstream::ToolContext& context);

}  // namespace tracemill
