// trace-stats: arguments only; the parts are listed in stats.hpp.
#include "stats.hpp"

int main(int argc, char** argv) {
  tracemill::StatsOptions options;
  libstream::IoOptions io;
  // The program by its name, not where it is installed, so the same run reads the same everywhere.
  options.command_line = "trace-stats";
  for (int i = 1; i < argc; ++i) options.command_line += " " + tracemill::shell_word(argv[i]);
  return libstream::run_tool(
      "trace-stats", "Summaries, grouped comparisons with significance tests, pictures and mergeable states from trace/v1 sessions",
      argc, argv, io, [&](CLI::App& app) { tracemill::add_stats_options(app, options); },
      [&](libstream::ToolContext& context) { tracemill::run_stats(options, context); });
}
