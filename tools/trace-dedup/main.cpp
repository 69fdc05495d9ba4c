// trace-dedup: arguments only; the work is in dedup.cpp.
#include "dedup.hpp"

int main(int argc, char** argv) {
  tracemill::DedupOptions options;
  libstream::IoOptions io;
  return libstream::run_tool(
      "trace-dedup", "Drop exact and near-duplicate records (MinHash + LSH) and records overlapping an eval set",
      argc, argv, io, [&](CLI::App& app) { tracemill::add_dedup_options(app, options); },
      [&](libstream::ToolContext& context) { tracemill::run_dedup(options, context); });
}
