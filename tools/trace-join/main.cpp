// trace-join: arguments only; the work is in join.cpp.
#include "join.hpp"

int main(int argc, char** argv) {
  tracemill::JoinOptions options;
  libstream::IoOptions io;
  return libstream::run_tool(
      "trace-join", "Attach outcomes kept in other files (SWE-bench reports, Harbor results, ...) to trace/v1 sessions by key",
      argc, argv, io, [&](CLI::App& app) { tracemill::add_join_options(app, options); },
      [&](libstream::ToolContext& context) { tracemill::run_join(options, context); });
}
