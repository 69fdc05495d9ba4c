// trace-validate: arguments only; the work is in validate.cpp.
#include "validate.hpp"

int main(int argc, char** argv) {
  tracemill::ValidateOptions options;
  libstream::IoOptions io;
  return libstream::run_tool(
      "trace-validate", "Check records against a profile; valid records pass through unchanged", argc, argv, io,
      [&](CLI::App& app) { tracemill::add_validate_options(app, options); },
      [&](libstream::ToolContext& context) { tracemill::run_validate(options, context); });
}
