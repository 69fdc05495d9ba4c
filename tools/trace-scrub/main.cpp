// trace-scrub: arguments only; the work is in scrub.cpp and rules.cpp.
#include "scrub.hpp"

int main(int argc, char** argv) {
  tracemill::ScrubOptions options;
  libstream::IoOptions io;
  return libstream::run_tool(
      "trace-scrub", "Replace secrets and personal data inside every JSON string with typed, stable placeholders", argc,
      argv, io, [&](CLI::App& app) { tracemill::add_scrub_options(app, options); },
      [&](libstream::ToolContext& context) { tracemill::run_scrub(options, context); });
}
