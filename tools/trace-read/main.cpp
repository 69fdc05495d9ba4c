// trace-read: arguments only; the work is in read.cpp.
#include "read.hpp"

int main(int argc, char** argv) {
  tracemill::ReadOptions options;
  libstream::IoOptions io;
  return libstream::run_tool(
      "trace-read", "Read trace records out of NDJSON, JSON arrays or documents (plain, zstd or gzip)", argc, argv,
      io, [&](CLI::App& app) { tracemill::add_read_options(app, options); },
      [&](libstream::ToolContext& context) { tracemill::run_read(options, context); });
}
