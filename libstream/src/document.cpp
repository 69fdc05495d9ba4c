#include <libstream/document.hpp>

#include <rapidjson/error/en.h>

#include <cstring>

namespace libstream {

const rapidjson::Value* DocumentParser::parse(const char* data, size_t size, JsonError* error, bool validate_utf8) {
  constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag |
                              rapidjson::kParseFullPrecisionFlag;
  // A raw NUL byte is never valid JSON, and rapidjson would take it for the end of input.
  if (const void* nul = std::memchr(data, '\0', size)) {
    if (error != nullptr) *error = JsonError{"unexpected NUL byte", static_cast<size_t>(static_cast<const char*>(nul) - data)};
    return nullptr;
  }
  pool_.Clear();
  scratch_.assign(data, size);  // std::string keeps a NUL after the last byte
  rapidjson::Document& document = document_.emplace(&pool_);
  if (validate_utf8) {
    document.ParseInsitu<kFlags | rapidjson::kParseValidateEncodingFlag>(&scratch_[0]);
  } else {
    document.ParseInsitu<kFlags>(&scratch_[0]);
  }
  if (!document.HasParseError()) return &document;
  if (error != nullptr) {
    std::string message = rapidjson::GetParseError_En(document.GetParseError());
    if (!message.empty() && message.back() == '.') message.pop_back();
    *error = JsonError{std::move(message), document.GetErrorOffset()};
  }
  return nullptr;
}

const rapidjson::Value* find_member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  const auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

const rapidjson::Value* find_present(const rapidjson::Value& object, const char* name) {
  const rapidjson::Value* value = find_member(object, name);
  return value == nullptr || value->IsNull() ? nullptr : value;
}

}  // namespace libstream
