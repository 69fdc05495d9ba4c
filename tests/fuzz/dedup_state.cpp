// trace-dedup's readers of its own files on any bytes: the first byte picks --permutations (256,
// 128, 16 or 1: a state's signatures must have that many values), the rest is read as lines, each
// parsed as --merge and --decisions parse theirs (UTF-8 checked) and handed to every reader. None
// crashes; a reader refusing a line says why; a line read is written again by its writer, and that
// text parses back to the same record and is written again to the same bytes. A header's options,
// written again, agree with themselves, and option_differences finds a difference exactly when
// an option is missing or not equal.
#include "fuzz_check.hpp"

#include "state.hpp"

#include <libstream/document.hpp>
#include <libstream/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace tracemill::dedup;
using rapidjson::Value;

// Two parsers: a value stays valid until its parser's next parse, and a line's copy is read
// while the line is still in use.
const Value* parse(libstream::DocumentParser& parser, std::string_view text) {
  libstream::JsonError error;
  return parser.parse(text.data(), text.size(), &error, true);
}

bool same_state(const StateRecord& a, const StateRecord& b) {
  return a.source == b.source && a.line == b.line && a.offset == b.offset && a.hash == b.hash && a.rejected == b.rejected &&
         a.has_id == b.has_id && a.id == b.id && a.reward == b.reward && a.text_bytes == b.text_bytes &&
         a.contaminated == b.contaminated && a.eval_source == b.eval_source && a.eval_line == b.eval_line && a.key == b.key &&
         a.signature == b.signature;
}

bool same_decision(const DecisionRecord& a, const DecisionRecord& b) {
  return a.source == b.source && a.line == b.line && a.offset == b.offset && a.hash == b.hash && a.rejected == b.rejected &&
         a.members == b.members && a.reason == b.reason && a.drop == b.drop;
}

// A line the reader accepts is written again, that text read back to the same record, and
// written again to the same bytes; a line it refuses comes with a reason. `read(line, record,
// problem)`, `write(record, text)`, `same(a, b)`: one record type's reader, writer and equality.
template <class Record, class Read, class Write, class Same>
void check_round_trip(const Value& line, libstream::DocumentParser& parser, Read read, Write write, Same same) {
  Record record;
  std::string problem;
  if (!read(line, record, problem)) {
    FUZZ_CHECK(!problem.empty());
    return;
  }
  std::string text;
  write(record, text);
  const Value* again = parse(parser, text);
  FUZZ_CHECK(again != nullptr);
  Record back;
  FUZZ_CHECK(read(*again, back, problem));
  FUZZ_CHECK(same(record, back));
  std::string text_again;
  write(back, text_again);
  FUZZ_CHECK(text_again == text);
}

// The options a header carries (string values; the first of a repeated name, as the readers
// find it). Names holding a NUL byte are left out: option_differences looks names up as C
// strings, and the tool's own names hold none.
OptionList options_of(const Value& line) {
  OptionList options;
  const Value* object = libstream::find_member(line, "options");
  if (object == nullptr || !object->IsObject()) return options;
  for (auto it = object->MemberBegin(); it != object->MemberEnd(); ++it) {
    const std::string name(libstream::string_of(it->name));
    if (!it->value.IsString() || name.find('\0') != std::string::npos) continue;
    if (libstream::find_member(*object, name.c_str()) != &it->value) continue;  // a repeat
    options.emplace_back(name, std::string(libstream::string_of(it->value)));
  }
  return options;
}

void check_headers(const Value& line, libstream::DocumentParser& parser) {
  const OptionList theirs = options_of(line);
  FUZZ_CHECK(option_differences(line, theirs).empty());
  // Against options of our own: no difference named exactly when each is there, equal.
  const OptionList ours{{"threshold", "0.7"}, {"keep", "first"}, {"field", ""}};
  const Value* object = line.IsObject() ? libstream::find_member(line, "options") : nullptr;
  bool agree = true;
  for (const auto& option : ours) {
    const Value* value = object != nullptr ? libstream::find_member(*object, option.first.c_str()) : nullptr;
    agree = agree && value != nullptr && value->IsString() && libstream::string_of(*value) == option.second;
  }
  FUZZ_CHECK(option_differences(line, ours).empty() == agree);

  StateHeader state;
  if (parse_state_header(line, state)) {
    const std::string text = format_state_header(theirs, state.eval_items, state.eval_without_field, state.eval_digest);
    const Value* again = parse(parser, text);
    FUZZ_CHECK(again != nullptr);
    StateHeader back;
    FUZZ_CHECK(parse_state_header(*again, back));
    FUZZ_CHECK(back.eval_items == state.eval_items && back.eval_without_field == state.eval_without_field &&
               back.eval_digest == state.eval_digest);
    FUZZ_CHECK(option_differences(*again, theirs).empty());
  }
  DecisionsHeader decisions;
  if (parse_decisions_header(line, decisions)) {
    const std::string text = format_decisions_header(decisions.part, decisions.records, decisions.sources, theirs);
    const Value* again = parse(parser, text);
    FUZZ_CHECK(again != nullptr);
    DecisionsHeader back;
    FUZZ_CHECK(parse_decisions_header(*again, back));
    FUZZ_CHECK(back.part == decisions.part && back.records == decisions.records && back.sources == decisions.sources);
    FUZZ_CHECK(option_differences(*again, theirs).empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const size_t kPermutations[] = {256, 128, 16, 1};
  const size_t permutations = kPermutations[data[0] & 3];
  static libstream::DocumentParser line_parser;
  static libstream::DocumentParser copy_parser;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    const std::string_view text = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    const Value* line = parse(line_parser, text);
    if (line == nullptr) continue;
    check_round_trip<StateRecord>(
        *line, copy_parser,
        [permutations](const Value& v, StateRecord& r, std::string& p) { return parse_state_record(v, permutations, r, p); },
        format_state_record, same_state);
    check_round_trip<DecisionRecord>(*line, copy_parser, parse_decision, format_decision, same_decision);
    check_headers(*line, copy_parser);
  }
  return 0;
}
