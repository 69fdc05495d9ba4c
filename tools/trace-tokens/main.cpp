// trace-tokens: arguments only; the work is in tokens.cpp.
#include "tokens.hpp"

int main(int argc, char** argv) {
  tracemill::TokensOptions options;
  libstream::IoOptions io;
  return libstream::run_tool(
      "trace-tokens", "Add exact token counts (tiktoken's) to chat examples and sessions", argc, argv, io,
      [&](CLI::App& app) { tracemill::add_tokens_options(app, options); },
      [&](libstream::ToolContext& context) { tracemill::run_tokens(options, context); });
}
