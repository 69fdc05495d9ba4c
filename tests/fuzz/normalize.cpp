// trace-normalize on any lines: every dialect either maps a record (or a session of lines) to
// trace/v1 lines that pass trace-validate's trace profile (check_trace: no error), or rejects
// it with a MappingError; nothing crashes, nothing else is thrown. Lines are grouped into
// sessions the way the driver groups them: consecutive lines of one line-per-event dialect.
#include "fuzz_check.hpp"

#include "dialects/dialect.hpp"
#include "normalize.hpp"
#include "validate.hpp"

#include <libstream/document.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace {

// Every line of `out` is a trace/v1 record: an object with its schema, a session id and
// messages, valid by the trace profile.
void check_output(const std::string& out) {
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    const std::string_view line(out.data() + start, end - start);
    start = end + 1;
    rapidjson::Document written;
    libstream::JsonError error;
    FUZZ_CHECK(libstream::parse_embedded_json(line, written, &error));
    FUZZ_CHECK(written.IsObject());
    const rapidjson::Value* schema = libstream::find_member(written, "schema");
    FUZZ_CHECK(schema != nullptr && schema->IsString() && libstream::string_of(*schema) == "trace/v1");
    const rapidjson::Value* session_id = libstream::find_member(written, "session_id");
    FUZZ_CHECK(session_id != nullptr && session_id->IsString() && session_id->GetStringLength() > 0);
    const rapidjson::Value* messages = libstream::find_member(written, "messages");
    FUZZ_CHECK(messages != nullptr && messages->IsArray());
    // And the whole trace profile: what trace-normalize writes, trace-validate accepts.
    tracemill::RecordCheck check;
    tracemill::check_trace(written, check);
    if (!check.errors.empty()) {
      std::fprintf(stderr, "not valid trace/v1: %s\n%.*s\n", tracemill::describe(check.errors).c_str(),
                   static_cast<int>(line.size()), line.data());
    }
    FUZZ_CHECK(check.errors.empty());
  }
}

class Driver {
 public:
  void line(std::string_view text, size_t number) {
    documents_.emplace_back();
    rapidjson::Document& document = documents_.back();
    if (!libstream::parse_embedded_json(text, document)) {
      documents_.pop_back();
      return;  // the tool rejects an unparsable line before any dialect sees it
    }
    if (continues(document)) {
      keep(document, number, text);
      return;
    }
    flush();
    const tracemill::normalize::DialectSpec* dialect = normalizer_.dialect_of(document);
    if (dialect == nullptr) return;
    if (dialect->lines != nullptr) {
      session_dialect_ = dialect;
      keep(document, number, text);
      return;
    }
    std::string out;
    try {
      normalizer_.normalize(document, "fuzz.ndjson", out, ignore_warning, text);
    } catch (const tracemill::MappingError&) {
      return;
    }
    check_output(out);
  }

  void flush() {
    if (session_dialect_ == nullptr) return;
    std::string out;
    try {
      normalizer_.normalize_session(*session_dialect_, session_, "fuzz.ndjson", out, ignore_warning);
      check_output(out);
    } catch (const tracemill::MappingError&) {
    }
    session_.clear();
    session_key_.clear();
    session_dialect_ = nullptr;
  }

 private:
  // The grouping rules of the driver's session collector (session_lines.cpp).
  [[nodiscard]] bool continues(const rapidjson::Value& line) const {
    if (session_dialect_ == nullptr || !session_dialect_->lines->belongs(line)) return false;
    const std::string key = session_dialect_->lines->session_key(line);
    if (key == tracemill::normalize::kStartsSession) return false;
    if (session_key_.empty() || key.empty() || key == session_key_) return true;
    return session_dialect_->lines->adopts != nullptr && session_dialect_->lines->adopts(*session_.back().value, line);
  }

  void keep(const rapidjson::Value& line, size_t number, std::string_view text) {
    if (session_key_.empty()) session_key_ = session_dialect_->lines->session_key(line);
    session_.push_back({&line, number, text});
  }

  static void ignore_warning(const std::string&) {}

  tracemill::Normalizer normalizer_{tracemill::NormalizeOptions{}};
  std::deque<rapidjson::Document> documents_;
  std::vector<tracemill::normalize::SessionLine> session_;
  const tracemill::normalize::DialectSpec* session_dialect_ = nullptr;
  std::string session_key_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Driver driver;
  size_t start = 0;
  size_t number = 0;
  while (start < input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    driver.line(input.substr(start, end - start), ++number);
    start = end + 1;
  }
  driver.flush();
  return 0;
}
