// trace-normalize: arguments only; the work is in normalize.cpp.
#include "normalize.hpp"

int main(int argc, char** argv) {
  tracemill::NormalizeOptions options;
  libstream::IoOptions io;
  return libstream::run_tool(
      "trace-normalize", "Map agent session records of every known dialect (and others, with --map) to trace/v1",
      argc, argv, io, [&](CLI::App& app) { tracemill::add_normalize_options(app, options); },
      [&](libstream::ToolContext& context) { tracemill::run_normalize(options, context); });
}
