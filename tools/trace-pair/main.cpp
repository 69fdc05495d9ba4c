// trace-pair: arguments only; the work is in pair.cpp.
#include "pair.hpp"

int main(int argc, char** argv) {
  tracemill::PairOptions options;
  libstream::IoOptions io;
  return libstream::run_tool(
      "trace-pair", "Write OpenAI chat fine-tuning examples (JSONL) from trace/v1 sessions", argc, argv, io,
      [&](CLI::App& app) { tracemill::add_pair_options(app, options); },
      [&](libstream::ToolContext& context) { tracemill::run_pair(options, context); });
}
