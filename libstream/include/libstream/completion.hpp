// The options of a tool as data, so shell completions and other generated documents are made
// from the very CLI11 definitions the tool parses with (they cannot drift from it).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace libstream {

/// The hidden argument, alone on the command line, that makes run_tool() print
/// option_table(app) and exit 0 (the build runs each tool with it to generate completions).
inline constexpr const char* kOptionTableArgument = "--option-table";

/// `app`'s options as one JSON document: {"tool", "description", "options": [{"names":
/// ["-o", "--output"], "value": "FILE" or null for a flag, "group", "description"}...],
/// "positionals": [{"name", "value", "many"}]}. Hidden options (no group) are left out.
[[nodiscard]] std::string option_table(const CLI::App& app);

}  // namespace libstream
