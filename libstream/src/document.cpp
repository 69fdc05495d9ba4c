#include <libstream/document.hpp>

#include "exact_json.hpp"
#include "insitu_stream.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>

#include <cstring>

namespace libstream {
namespace {

// Iterative: no recursion whatever the nesting. Numbers as text: converted by ExactHandler.
constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag;

JsonError parse_error(const rapidjson::ParseResult& result, const char* refusal) {
  std::string message = result.Code() == rapidjson::kParseErrorTermination && refusal != nullptr
                            ? refusal
                            : rapidjson::GetParseError_En(result.Code());
  if (!message.empty() && message.back() == '.') message.pop_back();
  return JsonError{std::move(message), result.Offset()};
}

bool refuse_nul(const char* data, size_t size, JsonError* error) {
  // A raw NUL byte is never valid JSON, and rapidjson would take it for the end of input.
  const void* nul = std::memchr(data, '\0', size);
  if (nul == nullptr) return false;
  if (error != nullptr) *error = JsonError{"unexpected NUL byte", static_cast<size_t>(static_cast<const char*>(nul) - data)};
  return true;
}

}  // namespace

const rapidjson::Value* DocumentParser::parse(const char* data, size_t size, JsonError* error, bool validate_utf8) {
  pool_.Clear();
  scratch_.assign(data, size);  // std::string keeps a NUL after the last byte
  rapidjson::Document& document = document_.emplace(&pool_);
  detail::ExactHandler<rapidjson::Document> handler(document);
  detail::ScanningInsituStream stream(&scratch_[0], scratch_.data() + size);
  rapidjson::ParseResult result;
  auto generate = [&](rapidjson::Document&) {
    constexpr unsigned kInsitu = kFlags | rapidjson::kParseInsituFlag;
    result = validate_utf8 ? reader_.Parse<kInsitu | rapidjson::kParseValidateEncodingFlag>(stream, handler)
                           : reader_.Parse<kInsitu>(stream, handler);
    return !result.IsError();
  };
  document.Populate(generate);
  // A NUL byte is looked for only when the parse failed or stopped short: the reader takes
  // one for the end of input (stopping there as if the text ended) and refuses one in a
  // string, so a text parsed to its last byte holds none, and most texts cost no extra pass.
  // The original bytes are searched: an in-place parse writes NULs into scratch_.
  if (!result.IsError() && stream.Tell() == size) return &document;
  if (refuse_nul(data, size, error)) return nullptr;
  if (error != nullptr) *error = parse_error(result, handler.refusal);
  return nullptr;
}

namespace {

// Parses `stream` into `document` by libstream's rules; on failure leaves it null.
template <unsigned kParseFlags, typename Stream>
bool parse_into(Stream& stream, rapidjson::Document& document, JsonError* error) {
  detail::ExactHandler<rapidjson::Document> handler(document);
  // One reader per thread: a fresh one allocates its stack (and that stack's allocator) on
  // every parse, and callers parse one line at a time. A parse starts from a cleared stack.
  static thread_local rapidjson::Reader reader;
  rapidjson::ParseResult result;
  auto generate = [&](rapidjson::Document&) {
    result = reader.Parse<kParseFlags>(stream, handler);
    return !result.IsError();
  };
  document.Populate(generate);
  if (!result.IsError()) return true;
  document.SetNull();
  if (error != nullptr) *error = parse_error(result, handler.refusal);
  return false;
}

}  // namespace

bool parse_embedded_json(std::string_view text, rapidjson::Document& document, JsonError* error) {
  document.SetNull();
  if (refuse_nul(text.data(), text.size(), error)) return false;
  rapidjson::MemoryStream stream(text.data(), text.size());
  return parse_into<kFlags>(stream, document, error);
}

bool parse_json_in_place(std::string& buffer, rapidjson::Document& document, JsonError* error) {
  document.SetNull();
  if (refuse_nul(buffer.data(), buffer.size(), error)) return false;
  detail::ScanningInsituStream stream(&buffer[0], buffer.data() + buffer.size());  // a NUL follows the last byte
  return parse_into<kFlags | rapidjson::kParseInsituFlag>(stream, document, error);
}

const rapidjson::Value* find_member(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  // rapidjson's FindMember, with the first byte compared before memcmp: dialect detection
  // and mapping look up dozens of names per record.
  const size_t length = name.size();
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    const rapidjson::Value& key = it->name;
    if (key.GetStringLength() != length) continue;
    const char* text = key.GetString();
    if (length == 0 || (text[0] == name[0] && std::memcmp(text, name.data(), length) == 0)) return &it->value;
  }
  return nullptr;
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
