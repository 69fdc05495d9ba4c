// trace-stats: the command line.
#include "stats.hpp"

namespace tracemill {

std::string shell_word(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == std::string::npos) {
    return word;
  }
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void add_stats_options(CLI::App& app, StatsOptions& o) {
  app.add_option("--field", o.fields, "Also summarise this numeric path (dotted, e.g. scores.judge.progress); repeatable")
      ->allow_extra_args(false);
  app.add_flag("--chat-tokens", o.chat_tokens,
               "Also summarise chat_tokens: each session's messages counted exactly as one chat example (tiktoken's "
               "BPE, OpenAI's per-message rule; trace-tokens' chat_total), per group and comparable with --compare");
  libstream::add_tokenizer_options(app, o.tokenizer, {false, "--chat-tokens", ""});
  app.add_option("--category", o.categories, "Also count the values of this path (e.g. env, task_id); repeatable")
      ->allow_extra_args(false);
  app.add_option("-g,--group-by", o.group_by, "Group by this path (repeatable: groups by the combination)")->allow_extra_args(false);
  app.add_option("--compare", o.compare,
                 "Compare groups on this metric (reward, achievements, messages, turns, input_tokens, output_tokens, "
                 "total_tokens, cost_usd or a --field): means with 95% CI, Welch's t, Mann-Whitney U, effect sizes, Holm");
  app.add_flag("--compare-missing", o.compare_missing,
               "Also compare groups whose --group-by value is missing (by default they are listed apart)");
  app.add_option("--min-group-size", o.min_group_size, "Groups with fewer values of the --compare metric are listed apart, not compared")
      ->check(CLI::Range(uint64_t{2}, uint64_t{1} << 40))
      ->capture_default_str();
  app.add_option("--format", o.format, "Report format: auto (text, or markdown into a .md file), text, markdown, json, csv, ndjson (one line per group)")
      ->check(CLI::IsMember({"auto", "text", "markdown", "json", "csv", "ndjson"}))
      ->capture_default_str();
  app.add_option("--histogram", o.histogram, "Terminal pictures: default, synth (synth-ai's exact layouts), none")
      ->check(CLI::IsMember({"default", "synth", "none"}))
      ->capture_default_str();
  app.add_option("--width", o.width,
                 "Columns of the text report (default: $COLUMNS, else the terminal's width, else 80); wider tables are "
                 "cut into blocks")
      ->check(CLI::Range(size_t{40}, size_t{10000}));
  app.add_option("--report", o.report, "Also write a self-contained HTML report (inline SVG, no scripts) to FILE");
  app.add_option("--state-out", o.state_out, "Write the partial state to FILE (for --merge)");
  app.add_flag("--partial", o.partial,
               "Write the partial state (one JSON line) to the output instead of the report: the map (or, with "
               "--merge, the combine) step under GNU parallel, Hadoop Streaming or Spark");
  app.add_flag("--merge", o.merge, "Inputs are states from --state-out or --partial: report as one pass over all their data");
  app.add_flag("--tee", o.tee, "Pass the records through to standard output unchanged; the report goes to standard error");
  app.add_flag("--unique-sessions", o.unique_sessions,
               "Count a session_id once: a later session with an id seen before is skipped (without it, repeats are "
               "counted and warned about)");
  app.add_flag("--experiments", o.experiments, "List the experiments present (id, name, sessions, models, dates)");
  app.add_option("--outliers", o.outliers, "List outlying sessions of --outlier-metric by iqr, z or mad")
      ->check(CLI::IsMember({"iqr", "z", "mad"}));
  app.add_option("--outlier-threshold", o.outlier_threshold, "Threshold: IQR multiple (1.5), |z| (3) or robust z (3.5)");
  app.add_option("--outlier-metric", o.outlier_metric, "Metric for --outliers")->capture_default_str();
  app.add_option("--outliers-out", o.outliers_out,
                 "Also write the outlying sessions' records, as read, to FILE (NDJSON, input order; the input files are read a second time)");
  app.add_option("--threads", o.threads, "Worker threads parsing sessions for a plain summary (0: this thread only)")
      ->check(CLI::Range(0u, 64u))
      ->capture_default_str();
}

}  // namespace tracemill
