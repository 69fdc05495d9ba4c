// The fast JSON writer against rapidjson's Writer, on every value the parser accepts; and
// what is written is JSON that parses back to the same text (numbers never drift after the
// first write, and nothing like inf is ever written).
#include "fuzz_check.hpp"

#include <libstream/document.hpp>
#include <libstream/json.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static libstream::DocumentParser parser;
  static libstream::DocumentParser again;
  const rapidjson::Value* root = parser.parse(reinterpret_cast<const char*>(data), size, nullptr);
  if (root == nullptr) return 0;
  std::string fast;
  FUZZ_CHECK(libstream::append_json_value(fast, *root));
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  FUZZ_CHECK(root->Accept(writer));  // recursion bounded: the parser refuses deeper than kMaxJsonDepth
  FUZZ_CHECK(fast == std::string(buffer.GetString(), buffer.GetSize()));
  libstream::JsonError error;
  const rapidjson::Value* reparsed = again.parse(fast.data(), fast.size(), &error);
  FUZZ_CHECK(reparsed != nullptr);
  std::string second;
  FUZZ_CHECK(libstream::append_json_value(second, *reparsed));
  FUZZ_CHECK(second == fast);
  return 0;
}
