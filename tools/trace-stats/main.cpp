// trace-stats: arguments only; the parts are listed in stats.hpp.
#include "stats.hpp"

int main(int argc, char** argv) {
  tracemill::StatsOptions options;
  libstream::IoOptions io;
  return libstream::run_tool(
      "trace-stats", "Summaries, grouped comparisons with significance tests, pictures and mergeable states from trace/v1 sessions",
      argc, argv, io, [&](CLI::App& app) { tracemill::add_stats_options(app, options); },
      [&](libstream::ToolContext& context) { tracemill::run_stats(options, context); });
}
