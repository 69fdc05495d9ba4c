// The projection scanner against the full parse: for any bytes, ProjectingParser and
// DocumentParser give the same error or the same value at every kept path.
#include "fuzz_check.hpp"

#include <libstream/document.hpp>
#include <libstream/json.hpp>
#include <libstream/projection.hpp>

#include <cstdint>
#include <string>

namespace {

const char* const kPaths[] = {"session_id", "status",     "error", "reward",         "usage.input_tokens",
                              "achievements", "experiment.name", "turns.1.reward", "model"};

std::string text_of(const rapidjson::Value* v) {
  if (v == nullptr) return "(absent)";
  std::string out;
  FUZZ_CHECK(libstream::append_json_value(out, *v));
  return out;
}

std::string seen(const rapidjson::Value* root, const libstream::JsonError& error) {
  if (root == nullptr) return "error: " + error.describe();
  std::string out;
  for (const char* path : kPaths) out += std::string(path) + "=" + text_of(libstream::find_path(*root, path)) + "\n";
  const rapidjson::Value* messages = libstream::find_member(*root, "messages");
  if (messages != nullptr && messages->IsArray()) {
    out += "messages=" + std::to_string(messages->Size()) + ":";
    for (const auto& m : messages->GetArray()) out += text_of(libstream::find_member(m, "role")) + ";";
  } else {
    out += messages == nullptr ? "(absent)" : "not an array";
  }
  return out;
}

libstream::Projection make_projection() {
  libstream::Projection projection;
  for (const char* path : kPaths) projection.keep(path);
  projection.keep("messages.*.role");
  return projection;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static libstream::DocumentParser full;
  static libstream::ProjectingParser projecting(make_projection());
  const char* bytes = reinterpret_cast<const char*>(data);
  libstream::JsonError full_error, projected_error;
  const std::string expected = seen(full.parse(bytes, size, &full_error), full_error);
  const std::string actual = seen(projecting.parse(bytes, size, &projected_error), projected_error);
  FUZZ_CHECK(actual == expected);
  // The projected text is JSON whenever the scan decides alone.
  libstream::Projection projection = make_projection();
  std::string text;
  if (projection.project(bytes, size, text) == libstream::Projection::Outcome::projected) {
    libstream::JsonChecker checker;
    FUZZ_CHECK(checker.check(text.data(), text.size(), nullptr));
  }
  return 0;
}
