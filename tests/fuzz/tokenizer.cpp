// The tokenizer (libstream tokenizer and chat_tokens) on any bytes, read both as text and as a
// chat example: encoding never crashes; count() equals the number of tokens encode() appends;
// decode(encode(text)) is the text for valid UTF-8 (the repaired text, U+FFFD for each invalid
// sequence, otherwise), with special tokens read as text or recognised; and a chat's counts add
// up: `text` is the sum of `per_message` (one entry per message), `chat` is 3 plus each message's
// count_message_tokens plus the tool definitions' share.
// The rank files are found as trace-tokens finds them (TRACE_VOCAB_DIR, else the folder
// scripts/install-deps.sh fills); without them the target exits 77 (ctest: skipped).
#include "fuzz_check.hpp"

#include <libstream/chat_tokens.hpp>
#include <libstream/document.hpp>
#include <libstream/error.hpp>
#include <libstream/json.hpp>
#include <libstream/tokenizer.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::shared_ptr<const libstream::Tokenizer> load(const char* encoding) {
  try {
    return libstream::Tokenizer::load(encoding, libstream::default_vocab_dir());
  } catch (const libstream::Error& e) {
    std::fprintf(stderr, "fuzz tokenizer: no rank files (%s): skipped\n", e.what());
    std::exit(77);
  }
}

void check_text(const libstream::Tokenizer& tokenizer, std::string_view text) {
  std::string storage;
  const std::string_view repaired = libstream::repair_utf8(text, storage);
  FUZZ_CHECK(libstream::is_valid_utf8(repaired));
  for (const libstream::SpecialTokens special :
       {libstream::SpecialTokens::as_text, libstream::SpecialTokens::recognised}) {
    std::vector<uint32_t> ids;
    tokenizer.encode(text, ids, special);
    FUZZ_CHECK(tokenizer.count(text, special) == ids.size());
    FUZZ_CHECK(tokenizer.decode(ids) == repaired);
    FUZZ_CHECK(ids.empty() == text.empty());
  }
}

void check_chat(const libstream::Tokenizer& tokenizer, const rapidjson::Value& example) {
  const rapidjson::Value* messages = &example;
  const rapidjson::Value* tools = nullptr;
  if (example.IsObject()) {
    messages = libstream::find_member(example, "messages");
    tools = libstream::find_member(example, "tools");
    if (messages == nullptr) return;
  }
  const libstream::ChatTokens counts = libstream::count_chat_tokens(tokenizer, *messages, tools);
  uint64_t text = 0;
  for (const uint64_t tokens : counts.per_message) text += tokens;
  FUZZ_CHECK(text == counts.text);
  FUZZ_CHECK(counts.assistant <= counts.text);
  uint64_t chat = 3 + counts.tools;
  if (messages->IsArray()) {
    FUZZ_CHECK(counts.per_message.size() == messages->Size());
    for (const rapidjson::Value& message : messages->GetArray()) {
      chat += libstream::count_message_tokens(tokenizer, message);
    }
  } else {
    FUZZ_CHECK(counts.per_message.empty());
  }
  FUZZ_CHECK(chat == counts.chat);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<const libstream::Tokenizer> kO200k = load("o200k_base");
  static const std::shared_ptr<const libstream::Tokenizer> kCl100k = load("cl100k_base");
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The first byte picks the encoding, so both are covered by one corpus.
  const libstream::Tokenizer& tokenizer = (size > 0 && (data[0] & 1) != 0) ? *kCl100k : *kO200k;
  check_text(tokenizer, input);
  rapidjson::Document example;
  if (libstream::parse_embedded_json(input, example)) check_chat(tokenizer, example);
  return 0;
}
