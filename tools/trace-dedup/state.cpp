#include "state.hpp"

#include <libstream/document.hpp>
#include <libstream/json.hpp>

#include <cstdint>
#include <cstdio>

namespace tracemill::dedup {

using rapidjson::Value;

namespace {

const char kHex[] = "0123456789abcdef";

void append_number(std::string& out, const char* name, uint64_t value) {
  out += ",\"";
  out += name;
  out += "\":" + std::to_string(value);
}

void append_string(std::string& out, const char* name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  libstream::append_json_string(out, value);
}

void append_hex64_member(std::string& out, const char* name, uint64_t value) {
  out += ",\"";
  out += name;
  out += "\":\"";
  append_hex64(out, value);
  out += '"';
}

void append_options(std::string& out, const OptionList& options) {
  out += "{";
  for (size_t i = 0; i < options.size(); ++i) {
    if (i > 0) out += ',';
    libstream::append_json_string(out, options[i].first);
    out += ':';
    libstream::append_json_string(out, options[i].second);
  }
  out += "}";
}

bool get_uint(const Value& line, const char* name, uint64_t& out) {
  const Value* value = libstream::find_member(line, name);
  if (value == nullptr || !value->IsUint64()) return false;
  out = value->GetUint64();
  return true;
}

bool get_string(const Value& line, const char* name, std::string& out) {
  const Value* value = libstream::find_member(line, name);
  if (value == nullptr || !value->IsString()) return false;
  out.assign(libstream::string_of(*value));
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// A state names its record's source; decisions give its index into the part's sources.
void append_source(std::string& out, const std::string& source) { libstream::append_json_string(out, source); }
void append_source(std::string& out, uint32_t source) { out += std::to_string(source); }

bool get_source(const Value& line, std::string& out) { return get_string(line, "source", out); }
bool get_source(const Value& line, uint32_t& out) {
  uint64_t source = 0;
  if (!get_uint(line, "source", source) || source > UINT32_MAX) return false;
  out = static_cast<uint32_t>(source);
  return true;
}

// The head a state line and a decision line share: {"source":S,"line":N,"offset":N,"hash":"HEX",
// then for a rejected record its reason, which ends the line. True when it did.
template <typename Record>
bool append_head(const Record& record, std::string& out) {
  out += "{\"source\":";
  append_source(out, record.source);
  append_number(out, "line", record.line);
  append_number(out, "offset", record.offset);
  append_hex64_member(out, "hash", record.hash);
  if (record.rejected.empty()) return false;
  append_string(out, "rejected", record.rejected);
  out += '}';
  return true;
}

enum class Head { missing, rejected, more };

// Reads what append_head writes; `what` names the line in the problem when the head is missing.
// A "rejected" member ends the record, as it ends the line written.
template <typename Record>
Head parse_head(const Value& line, const char* what, Record& record, std::string& problem) {
  if (!line.IsObject() || !get_source(line, record.source) || !get_uint(line, "line", record.line) ||
      !get_uint(line, "offset", record.offset) || !parse_hex64(libstream::find_member(line, "hash"), record.hash)) {
    problem = std::string("not a trace-dedup ") + what + " (source, line, offset, hash)";
    return Head::missing;
  }
  return get_string(line, "rejected", record.rejected) ? Head::rejected : Head::more;
}

}  // namespace

void append_hex64(std::string& out, uint64_t value) {
  for (int shift = 60; shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xF];
}

bool parse_hex64(const Value* value, uint64_t& out) {
  if (value == nullptr || !value->IsString() || value->GetStringLength() != 16) return false;
  out = 0;
  for (const char c : libstream::string_of(*value)) {
    const int digit = hex_digit(c);
    if (digit < 0) return false;
    out = (out << 4) | static_cast<uint64_t>(digit);
  }
  return true;
}

std::string format_state_header(const OptionList& options, uint64_t eval_items, uint64_t eval_without_field,
                                uint64_t eval_digest) {
  std::string out = "{\"trace_dedup_state\":1,\"options\":";
  append_options(out, options);
  append_number(out, "eval_items", eval_items);
  append_number(out, "eval_without_field", eval_without_field);
  append_hex64_member(out, "eval_digest", eval_digest);
  out += '}';
  return out;
}

bool parse_state_header(const Value& line, StateHeader& header) {
  header = StateHeader();
  return get_uint(line, "eval_items", header.eval_items) && get_uint(line, "eval_without_field", header.eval_without_field) &&
         parse_hex64(libstream::find_member(line, "eval_digest"), header.eval_digest);
}

void format_state_record(const StateRecord& record, std::string& out) {
  if (append_head(record, out)) return;
  if (record.has_id) append_string(out, "id", record.id);
  if (record.reward > -std::numeric_limits<double>::infinity()) {
    char number[40];
    std::snprintf(number, sizeof number, "%.17g", record.reward);  // read back exactly
    out += ",\"reward\":";
    out += number;
  }
  append_number(out, "text_bytes", record.text_bytes);
  if (record.contaminated) {
    out += ",\"contaminated\":{\"source\":";
    libstream::append_json_string(out, record.eval_source);
    out += ",\"line\":" + std::to_string(record.eval_line) + "}}";
    return;
  }
  append_hex64_member(out, "key", record.key);
  if (!record.signature.empty()) {
    out += ",\"signature\":\"";  // 8 hex digits per value
    for (const uint32_t value : record.signature) {
      for (int shift = 28; shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xF];
    }
    out += '"';
  }
  out += '}';
}

bool parse_state_record(const Value& line, size_t permutations, StateRecord& record, std::string& problem) {
  record = StateRecord();
  if (const Head head = parse_head(line, "state record", record, problem); head != Head::more) return head == Head::rejected;
  record.has_id = get_string(line, "id", record.id);
  if (const Value* reward = libstream::find_member(line, "reward"); reward != nullptr && reward->IsNumber()) {
    record.reward = reward->GetDouble();
  }
  static_cast<void>(get_uint(line, "text_bytes", record.text_bytes));
  if (const Value* eval = libstream::find_member(line, "contaminated"); eval != nullptr) {
    record.contaminated = eval->IsObject() && get_string(*eval, "source", record.eval_source) &&
                          get_uint(*eval, "line", record.eval_line);
    if (!record.contaminated) problem = "a state record's contaminated member lacks its source or line";
    return record.contaminated;
  }
  if (!parse_hex64(libstream::find_member(line, "key"), record.key)) {
    problem = "a state record without its key";
    return false;
  }
  const Value* signature = libstream::find_member(line, "signature");
  if (signature == nullptr) return true;
  if (!signature->IsString() || signature->GetStringLength() != permutations * 8) {
    problem = "a state record's signature is not " + std::to_string(permutations) + " values (--permutations)";
    return false;
  }
  const std::string_view text = libstream::string_of(*signature);
  record.signature.assign(permutations, 0);
  for (size_t i = 0; i < text.size(); ++i) {
    const int digit = hex_digit(text[i]);
    if (digit < 0) {
      problem = "a state record's signature is not hex";
      return false;
    }
    record.signature[i / 8] = (record.signature[i / 8] << 4) | static_cast<uint32_t>(digit);
  }
  return true;
}

std::string format_decisions_header(size_t part, uint64_t records, const std::vector<std::string>& sources,
                                    const OptionList& options) {
  std::string out = "{\"trace_dedup_decisions\":1";
  append_number(out, "part", part);
  append_number(out, "records", records);
  out += ",\"sources\":[";
  for (size_t i = 0; i < sources.size(); ++i) {
    if (i > 0) out += ',';
    libstream::append_json_string(out, sources[i]);
  }
  out += "],\"options\":";
  append_options(out, options);
  out += '}';
  return out;
}

bool parse_decisions_header(const Value& line, DecisionsHeader& header) {
  header = DecisionsHeader();
  const Value* names = libstream::find_member(line, "sources");
  if (!get_uint(line, "part", header.part) || !get_uint(line, "records", header.records) || names == nullptr ||
      !names->IsArray()) {
    return false;
  }
  for (const Value& name : names->GetArray()) header.sources.emplace_back(name.IsString() ? libstream::string_of(name) : "");
  return true;
}

void format_decision(const DecisionRecord& record, std::string& out) {
  if (append_head(record, out)) return;
  if (!record.members.empty()) {
    append_string(out, "members", record.members);
    if (record.drop) {
      append_string(out, "reason", record.reason);
      out += ",\"drop\":true";
    }
  }
  out += '}';
}

bool parse_decision(const Value& line, DecisionRecord& record, std::string& problem) {
  record = DecisionRecord();
  if (const Head head = parse_head(line, "decision", record, problem); head != Head::more) return head == Head::rejected;
  // A drop without members is not one (the record is written as read): read as it is written.
  if (!get_string(line, "members", record.members) || record.members.empty()) return true;
  // The members go into written records as they are (--annotate, --rejects): an edited file
  // must not make them invalid JSON.
  libstream::DocumentParser parser;
  const std::string wrapped = "{" + record.members + "}";
  const Value* object = parser.parse(wrapped.data(), wrapped.size(), nullptr);
  if (object == nullptr || !object->IsObject()) {
    problem = "a decision's members are not the members of a JSON object";
    return false;
  }
  if (const Value* drop = libstream::find_member(line, "drop"); drop != nullptr && drop->IsTrue()) {
    record.drop = true;
    static_cast<void>(get_string(line, "reason", record.reason));
  }
  return true;
}

std::string name_as_written(const std::string& name) {
  if (libstream::is_valid_utf8(name)) return name;
  std::string json;
  libstream::append_json_string(json, name);
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  return document.IsString() ? std::string(libstream::string_of(document)) : name;
}

std::string option_differences(const Value& line, const OptionList& ours) {
  const Value* theirs = line.IsObject() ? libstream::find_member(line, "options") : nullptr;
  std::string differences;
  for (const auto& [name, value] : ours) {
    const Value* their = theirs != nullptr && theirs->IsObject() ? libstream::find_member(*theirs, name.c_str()) : nullptr;
    const std::string their_value = their != nullptr && their->IsString() ? std::string(libstream::string_of(*their)) : "?";
    if (their != nullptr && their->IsString() && their_value == value) continue;
    if (!differences.empty()) differences += "; ";
    differences += "--" + name + " " + (their_value.empty() ? "\"\"" : their_value) + " (this run: " +
                   (value.empty() ? "\"\"" : value) + ")";
  }
  return differences;
}

}  // namespace tracemill::dedup
