// trace-join: reads and changes members of a JSON object held as text, without parsing it into
// a DOM and writing it again: every byte outside the changed value stays as it was (member
// order, spacing, number text), so a joined record differs from its input only where a
// member was added or replaced.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracemill {

/// The text of the value at the dotted `path` ("verifier_result.rewards.reward") of the JSON
/// object `json`, as written; nullopt when a step is missing or is not an object. Keys are
/// compared as written (a key spelled with escapes does not match). `json` must be valid JSON.
[[nodiscard]] std::optional<std::string_view> raw_member(std::string_view json, std::string_view path);

/// Why set_member() could not set a member (empty when it could).
struct SpliceResult {
  bool ok = true;
  std::string problem;  ///< "extra is not an object"
};

/// Writes into `out` the object `json` with the member at the dotted `path` set to the JSON
/// text `value`: an existing member's value is replaced in place; a missing one is appended
/// as the last member of its object; missing or null objects on the way are created. Fails,
/// leaving `out` unspecified, when a step on the way holds something other than an object
/// or null. `json` must be valid JSON; `value` is copied as it is.
[[nodiscard]] SpliceResult set_member(std::string_view json, std::string_view path, std::string_view value, std::string& out);
/// As above, with the path given as its keys (which may hold dots).
[[nodiscard]] SpliceResult set_member(std::string_view json, const std::vector<std::string_view>& steps,
                                      std::string_view value, std::string& out);

/// The keys of a dotted path ("a.b" -> "a", "b").
[[nodiscard]] std::vector<std::string_view> path_steps(std::string_view path);

}  // namespace tracemill
