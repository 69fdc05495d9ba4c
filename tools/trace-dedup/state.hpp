// The lines of trace-dedup's sharded runs (README "Sharded runs"): a shard's state
// (--partial writes, --merge reads) and the decisions (--merge writes, --decisions reads).
// Both are NDJSON: a header line, then one line per record of the shard, in input order.
// Unit-tested in tests/unit/dedup_test.cpp.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace tracemill::dedup {

/// What a shard's run learnt about one record (one line of a state).
struct StateRecord {
  std::string source;
  uint64_t line = 0;
  uint64_t offset = 0;
  uint64_t hash = 0;     ///< stable_hash of the record's bytes as framed: --decisions checks it
  std::string rejected;  ///< non-empty: why the record cannot be used (nothing below is set)
  bool has_id = false;
  std::string id;
  double reward = -std::numeric_limits<double>::infinity();  ///< none: below every number
  uint64_t text_bytes = 0;
  bool contaminated = false;  ///< overlaps eval_source:eval_line (no key, no signature)
  std::string eval_source;
  uint64_t eval_line = 0;
  uint64_t key = 0;                ///< the exact-duplicate key (normalized_hash)
  std::vector<uint32_t> signature;  ///< empty: none (an exact repeat in its shard, no words, --exact-only)
};

/// The fate of one record (one line of the decisions).
struct DecisionRecord {
  uint32_t source = 0;  ///< index into the part's sources
  uint64_t line = 0;
  uint64_t offset = 0;
  uint64_t hash = 0;
  std::string rejected;  ///< non-empty: rejected with this reason
  std::string members;   ///< the "dedup" annotation's inside; empty: written as read
  std::string reason;    ///< why a dropped record is filtered
  bool drop = false;
};

using OptionList = std::vector<std::pair<std::string, std::string>>;

/// {"trace_dedup_state":1,"options":{...},"eval_items":N,"eval_without_field":N,"eval_digest":"HEX"}
[[nodiscard]] std::string format_state_header(const OptionList& options, uint64_t eval_items, uint64_t eval_without_field,
                                              uint64_t eval_digest);
/// What a state header says of the eval set its shard was checked against (its options:
/// option_differences).
struct StateHeader {
  uint64_t eval_items = 0;
  uint64_t eval_without_field = 0;
  uint64_t eval_digest = 0;
};
/// Reads format_state_header's eval members; false when one is missing or not a count (digest: hex).
[[nodiscard]] bool parse_state_header(const rapidjson::Value& line, StateHeader& header);
/// One record's state line (without the newline).
void format_state_record(const StateRecord& record, std::string& out);
/// Reads a state line back; false with `problem` set when it is not one.
[[nodiscard]] bool parse_state_record(const rapidjson::Value& line, size_t permutations, StateRecord& record,
                                      std::string& problem);

/// {"trace_dedup_decisions":1,"part":K,"records":N,"sources":[...],"options":{...}}
[[nodiscard]] std::string format_decisions_header(size_t part, uint64_t records, const std::vector<std::string>& sources,
                                                  const OptionList& options);
/// A decisions header's part, record count and sources (its options: option_differences).
struct DecisionsHeader {
  uint64_t part = 0;
  uint64_t records = 0;
  std::vector<std::string> sources;  ///< a source that is not a string reads as ""
};
/// Reads format_decisions_header's members; false when part, records or sources is missing.
[[nodiscard]] bool parse_decisions_header(const rapidjson::Value& line, DecisionsHeader& header);
void format_decision(const DecisionRecord& record, std::string& out);
[[nodiscard]] bool parse_decision(const rapidjson::Value& line, DecisionRecord& record, std::string& problem);

/// Differences between `line`'s "options" member and `ours`, as "--name THEIRS (this run: OURS)"
/// joined by "; "; empty when they agree.
[[nodiscard]] std::string option_differences(const rapidjson::Value& line, const OptionList& ours);

/// `name` as a state or decisions line holds it (their writers write bytes that are not UTF-8
/// as U+FFFD): what --decisions compares an input's name with.
[[nodiscard]] std::string name_as_written(const std::string& name);

/// 16 lowercase hex digits; parse_hex64 is false on anything else.
void append_hex64(std::string& out, uint64_t value);
[[nodiscard]] bool parse_hex64(const rapidjson::Value* value, uint64_t& out);

}  // namespace tracemill::dedup
