// Claude Code sessions as a tree: which transcript lines form the main line and which are
// branches (rewinds, edited prompts), from their uuid/parentUuid links. Used by claude_code.cpp.
#pragma once

#include "dialect.hpp"

#include <cstddef>
#include <vector>

namespace tracemill::normalize::claude_code {

/// Whether a transcript line is part of the conversation (a user or assistant message, or a
/// legacy tool_use/tool_result line), not a summary, snapshot or system note.
bool is_conversation(const Value& line);

/// Which conversation lines form the main line. The uuid/parentUuid links make a tree: a
/// rewind or an edited prompt starts a second child of an earlier line, and the abandoned
/// lines stay in the file. The main line is the path from the root to the last conversation
/// line; lines of the same response, results of its calls and calls it answers join it;
/// lines with no ancestor on the path (before a compaction, or a chain cut by a resume) are
/// main line too. The rest are branches, grouped by the path line they fork from.
struct Layout {
  std::vector<bool> main;
  std::vector<size_t> anchor;  // for branch lines: the path line they fork from
};

Layout lay_out(const std::vector<SessionLine>& lines, const std::vector<bool>& conversation);

}  // namespace tracemill::normalize::claude_code
