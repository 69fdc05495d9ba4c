// trace-normalize: arguments only; the work is in normalize.cpp.
#include "normalize.hpp"

#include <malloc.h>

int main(int argc, char** argv) {
  // Sessions are built as strings of hundreds of kilobytes, one after another: keep freed
  // memory for the next instead of mapping and faulting it in afresh each time.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  tracemill::NormalizeOptions options;
  libstream::IoOptions io;
  return libstream::run_tool(
      "trace-normalize", "Map agent session records of every known dialect (and others, with --map) to trace/v1",
      argc, argv, io, [&](CLI::App& app) { tracemill::add_normalize_options(app, options); },
      [&](libstream::ToolContext& context) { tracemill::run_normalize(options, context); });
}
