// trace-scrub's Scrubber (the built-in rules) on any bytes, read as a record and, encoded as a
// JSON string, as a message's content: a scrubbed record is one JSON value, valid UTF-8 when the
// input was; a scrub leaves nothing the rules find (scrubbing its output again changes nothing:
// scrub(scrub(x)) == scrub(x)); an input it calls invalid is one libstream's parser refuses too.
#include "fuzz_check.hpp"

#include "rules.hpp"
#include "scrub.hpp"

#include <libstream/document.hpp>
#include <libstream/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace {

void check_line(tracemill::Scrubber& scrubber, std::string_view line) {
  std::string out;
  libstream::JsonError error;
  rapidjson::Document parsed;
  const bool valid = libstream::parse_embedded_json(line, parsed);
  const tracemill::Scrubber::Outcome outcome = scrubber.scrub(line, out, error);
  if (outcome == tracemill::Scrubber::Outcome::invalid) {
    FUZZ_CHECK(!valid);
    return;
  }
  FUZZ_CHECK(valid);
  if (outcome == tracemill::Scrubber::Outcome::unchanged) return;
  rapidjson::Document written;
  FUZZ_CHECK(libstream::parse_embedded_json(out, written));
  FUZZ_CHECK(written.GetType() == parsed.GetType());
  if (libstream::is_valid_utf8(line)) FUZZ_CHECK(libstream::is_valid_utf8(out));
  std::string again;
  FUZZ_CHECK(scrubber.scrub(out, again, error) == tracemill::Scrubber::Outcome::unchanged);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const tracemill::RuleSet kRules(tracemill::builtin_rules(), 3.0);
  tracemill::Scrubber scrubber(kRules, "");
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_line(scrubber, input);
  std::string record = R"({"role":"user","content":)";
  libstream::append_json_string(record, input);
  record += '}';
  check_line(scrubber, record);
  return 0;
}
