// The main line and branches of a Claude Code session (claude_code_layout.hpp).
#include "claude_code_layout.hpp"

#include <optional>
#include <string_view>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace tracemill::normalize::claude_code {

bool is_conversation(const Value& line) {
  const auto type = text(find_member(line, "type"));
  if (type == std::optional<std::string_view>("tool_use") || type == std::optional<std::string_view>("tool_result")) return true;
  return (type == std::optional<std::string_view>("user") || type == std::optional<std::string_view>("assistant")) &&
         find_present(line, "message") != nullptr && find_present(line, "message")->IsObject();
}

Layout lay_out(const std::vector<SessionLine>& lines, const std::vector<bool>& conversation) {
  const size_t n = lines.size();
  Layout layout{std::vector<bool>(n, true), std::vector<size_t>(n, 0)};
  std::unordered_map<std::string_view, size_t> by_uuid;
  for (size_t i = 0; i < n; ++i) {
    if (auto uuid = text(find_member(*lines[i].value, "uuid"))) by_uuid.emplace(*uuid, i);
  }
  const auto parent_of = [&](size_t i) -> std::optional<size_t> {
    const Value& line = *lines[i].value;
    auto parent = text(find_member(line, "parentUuid"));
    if (!parent) parent = text(find_member(line, "logicalParentUuid"));  // across a compaction
    if (!parent) return std::nullopt;
    const auto it = by_uuid.find(*parent);
    if (it == by_uuid.end() || it->second == i) return std::nullopt;
    return it->second;
  };
  size_t leaf = n;
  for (size_t i = n; i-- > 0;) {
    if (conversation[i] && find_member(*lines[i].value, "uuid") != nullptr) {
      leaf = i;
      break;
    }
  }
  if (leaf == n) return layout;
  std::vector<bool> on_path(n, false);
  for (std::optional<size_t> at = leaf; at && !on_path[*at]; at = parent_of(*at)) on_path[*at] = true;
  // The nearest path line above each line (memoised walk; cycles end at the first repeat).
  std::vector<int64_t> path_ancestor(n, -2);  // -2 unknown, -1 none
  // Lines met by the walk from line i are marked i: no set allocated per line.
  std::vector<size_t> seen_from(n, n);
  std::vector<size_t> walk;
  for (size_t i = 0; i < n; ++i) {
    walk.clear();
    std::optional<size_t> at = i;
    int64_t found = -1;
    while (at && seen_from[*at] != i) {
      seen_from[*at] = i;
      if (on_path[*at]) {
        found = static_cast<int64_t>(*at);
        break;
      }
      if (path_ancestor[*at] != -2) {
        found = path_ancestor[*at];
        break;
      }
      walk.push_back(*at);
      at = parent_of(*at);
    }
    for (size_t w : walk) path_ancestor[w] = found;
    if (on_path[i]) path_ancestor[i] = static_cast<int64_t>(i);
  }
  for (size_t i = 0; i < n; ++i) {
    if (!conversation[i] || on_path[i] || path_ancestor[i] < 0) continue;
    layout.main[i] = false;
    layout.anchor[i] = static_cast<size_t>(path_ancestor[i]);
  }
  // Lines of a main-line response, and calls and results answering each other, are main line.
  // Ids as views: their text lives in the session's documents for the whole layout.
  std::unordered_set<std::string_view> responses;
  std::unordered_set<std::string_view> calls;
  std::unordered_set<std::string_view> results;
  const auto ids_of = [&](size_t i, const char* block_type, const char* key, std::unordered_set<std::string_view>& into) {
    const Value* message = find_present(*lines[i].value, "message");
    const Value* content = message != nullptr ? find_member(*message, "content") : nullptr;
    if (content == nullptr || !content->IsArray()) return false;
    bool any = false;
    for (const Value& block : content->GetArray()) {
      if (text(find_member(block, "type")) == std::optional<std::string_view>(block_type)) {
        if (auto id = text(find_member(block, key))) any = into.count(*id) != 0 || any;
      }
    }
    return any;
  };
  const auto response_of = [&](size_t i) {
    const Value* message = find_present(*lines[i].value, "message");
    return message != nullptr ? text(find_member(*message, "id")).value_or(std::string_view()) : std::string_view();
  };
  // A line off the path is rare (a rewind): without one there is nothing to join.
  std::vector<size_t> off_main;
  for (size_t i = 0; i < n; ++i) {
    if (conversation[i] && !layout.main[i]) off_main.push_back(i);
  }
  if (off_main.empty()) return layout;
  // Each main line's ids are gathered once, when it is (or becomes) main line; the off-path
  // lines are checked again while one of them joins.
  std::vector<bool> gathered(n, false);
  const auto gather = [&](size_t i) {
    gathered[i] = true;
    if (const std::string_view r = response_of(i); !r.empty()) responses.insert(r);
    const Value* message = find_present(*lines[i].value, "message");
    const Value* content = message != nullptr ? find_member(*message, "content") : nullptr;
    if (content == nullptr || !content->IsArray()) return;
    for (const Value& block : content->GetArray()) {
      if (auto id = text(find_member(block, "id"))) calls.insert(*id);
      if (auto id = text(find_member(block, "tool_use_id"))) results.insert(*id);
    }
  };
  for (size_t i = 0; i < n; ++i) {
    if (conversation[i] && layout.main[i]) gather(i);
  }
  for (bool joined = true; joined;) {
    joined = false;
    for (const size_t i : off_main) {
      if (layout.main[i]) continue;
      const std::string_view r = response_of(i);
      if ((!r.empty() && responses.count(r) != 0) || ids_of(i, "tool_result", "tool_use_id", calls) ||
          ids_of(i, "tool_use", "id", results)) {
        layout.main[i] = true;
        joined = true;
      }
    }
    for (const size_t i : off_main) {
      if (layout.main[i] && !gathered[i]) gather(i);
    }
  }
  return layout;
}

}  // namespace tracemill::normalize::claude_code
