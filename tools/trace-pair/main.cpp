// trace-pair: arguments only; the work is in pair.cpp.
#include "pair.hpp"

int main(int argc, char** argv) {
  tracemill::PairOptions options;
  libstream::IoOptions io;
  return libstream::run_tool(
      "trace-pair", "Write fine-tuning examples (JSONL) from trace/v1 sessions: OpenAI chat, DPO preference pairs, KTO labels", argc, argv, io,
      [&](CLI::App& app) { tracemill::add_pair_options(app, options); },
      [&](libstream::ToolContext& context) { tracemill::run_pair(options, context); });
}
