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

const rapidjson::Value* find_path(const rapidjson::Value& root, std::string_view path) {
  const rapidjson::Value* v = &root;
  while (v != nullptr) {
    const size_t dot = path.find('.');
    const std::string_view part = path.substr(0, dot);
    if (v->IsArray() && !part.empty() && part.find_first_not_of("0123456789") == std::string_view::npos && part.size() < 10) {
      const auto index = std::stoul(std::string(part));
      v = index < v->Size() ? &(*v)[static_cast<rapidjson::SizeType>(index)] : nullptr;
    } else if (v->IsObject()) {
      const auto it = v->FindMember(rapidjson::Value(rapidjson::StringRef(part.data(), static_cast<rapidjson::SizeType>(part.size()))));
      v = it == v->MemberEnd() ? nullptr : &it->value;
    } else {
      v = nullptr;
    }
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  return v;
}

}  // namespace libstream
