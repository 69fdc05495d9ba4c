// The generic mapping (--map, --map-file, --records, --role): which trace/v1 field comes from
// which path of a record, parsed once per run, and the counts that make every miss and every
// guess visible at the end of the run (README.md, "Generic mapping").
#pragma once

#include "json_text.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracemill::normalize {

/// One path in a record: member names and array indexes, dotted (`info.score`, `turns.0`,
/// `turns.-1` for the last element); a segment in double quotes is a member name as written,
/// dots included (`metadata."a.b"`).
struct MapPath {
  std::string text;                   ///< as the user wrote it
  std::vector<std::string> segments;  ///< unquoted
  std::vector<bool> quoted;           ///< per segment: a member name, never an index
  uint64_t missed = 0;                ///< records in which it matched nothing (absent or null)
  std::vector<std::string> first_miss_keys;  ///< the top-level members of the first record it missed
};

/// Parses PATH; throws std::invalid_argument with the reason (an unclosed quote, an empty segment).
MapPath parse_map_path(std::string_view text);

/// The value at `path` in `root`, or nullptr. A string met where the path goes on (or, with
/// `structure`, at its end) that holds a JSON object or array is parsed and walked into:
/// JSON kept in strings is read as the structure it holds.
const Value* resolve_map_path(const Value& root, const MapPath& path, Embedded& embedded, bool structure = false);

/// One --map FIELD=PATH: several sources joined by '+' (messages only: concatenated in order).
struct FieldMap {
  std::string field;
  std::vector<MapPath> sources;
};

/// A trace/v1 role for a source role, or how the message is kept.
enum class RoleTarget { system, user, assistant, tool, tool_call, env };

class Mapping {
 public:
  /// From --map pairs, a --map-file, --records and --role pairs. Throws std::invalid_argument
  /// with a reason for a malformed one.
  Mapping(const std::vector<std::string>& pairs, const std::string& records, const std::vector<std::string>& roles);

  [[nodiscard]] bool empty() const { return fields_.empty(); }
  [[nodiscard]] std::vector<FieldMap>& fields() { return fields_; }
  [[nodiscard]] const MapPath* records() const { return has_records_ ? &records_ : nullptr; }
  /// The target of a source role (aliases given with --role first, then the built-in ones);
  /// false when the role is unknown.
  bool role(std::string_view source, RoleTarget& target) const;

  /// Counts one occurrence of something defaulted, guessed or converted: reported once, with
  /// its count, at the end of the run.
  void note(const std::string& what, uint64_t count = 1) { notes_[what] += count; }
  /// Counts one record (or --records element) mapped.
  void count_record() { ++records_mapped_; }
  /// The end-of-run report: warnings (a path that missed some records, the notes) and errors
  /// (a path that matched in no record at all) in the order they are reported.
  void report(std::vector<std::string>& warnings, std::vector<std::string>& errors) const;

 private:
  std::vector<FieldMap> fields_;
  MapPath records_;
  bool has_records_ = false;
  std::vector<std::pair<std::string, RoleTarget>> roles_;
  std::map<std::string, uint64_t> notes_;
  uint64_t records_mapped_ = 0;
};

/// What a TOML mapping file holds: `records = "PATH"` before any table, the [map] table's
/// FIELD = "PATH" pairs (as FIELD=PATH) and the [roles] table's SOURCE = "ROLE" pairs (as
/// SOURCE=ROLE). Throws libstream::Error (usage) naming FILE:LINE for a line it cannot read.
struct MapFile {
  std::string records;
  std::vector<std::string> maps;
  std::vector<std::string> roles;
};
MapFile read_map_file(const std::string& file);

}  // namespace tracemill::normalize
