// trace-filter: arguments only; the work is in filter.cpp.
#include "filter.hpp"

int main(int argc, char** argv) {
  tracemill::FilterOptions options;
  libstream::IoOptions io;
  return libstream::run_tool(
      "trace-filter", "Select trace/v1 sessions; kept records pass through byte for byte", argc, argv, io,
      [&](CLI::App& app) { tracemill::add_filter_options(app, options); },
      [&](libstream::ToolContext& context) { tracemill::run_filter(options, context); });
}
