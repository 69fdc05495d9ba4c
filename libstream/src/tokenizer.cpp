#include <libstream/error.hpp>
#include <libstream/json.hpp>
#include <libstream/tokenizer.hpp>

#include "bpe.hpp"
#include "pretokenizer.hpp"

#include <rapidjson/document.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#ifndef TRACE_DEFAULT_VOCAB_DIR
#define TRACE_DEFAULT_VOCAB_DIR ""
#endif

namespace libstream {

struct Tokenizer::Impl {
  std::string encoding;
  bpe::RankTable ranks;
  std::unique_ptr<Pretokenizer> pretokenizer;
  std::vector<std::pair<std::string, uint32_t>> special;  // text, id

  template <typename Emit>
  void encode_ordinary(std::string_view text, Emit&& emit) const {
    size_t offset = 0, begin = 0, end = 0;
    while (pretokenizer->next(text, offset, begin, end)) {
      if (end == begin) {  // an empty match moves on one character, as find_iter does
        offset = end + 1;
        while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) ++offset;
        continue;
      }
      emit(text.substr(begin, end - begin));
      offset = end;
    }
  }

  template <typename Ordinary, typename Special>
  void encode(std::string_view text, SpecialTokens mode, Ordinary&& ordinary, Special&& special_token) const {
    std::string storage;
    text = repair_utf8(text, storage);
    if (mode == SpecialTokens::as_text) {
      encode_ordinary(text, ordinary);
      return;
    }
    size_t start = 0;
    while (start <= text.size()) {
      size_t found = std::string_view::npos;
      const std::pair<std::string, uint32_t>* which = nullptr;
      for (const auto& token : special) {
        const size_t at = text.find(token.first, start);
        if (at < found) {
          found = at;
          which = &token;
        }
      }
      encode_ordinary(text.substr(start, found == std::string_view::npos ? std::string_view::npos : found - start),
                      ordinary);
      if (which == nullptr) break;
      special_token(which->second);
      start = found + which->first.size();
    }
  }
};

namespace {

[[noreturn]] void malformed(const std::string& path, const std::string& what) {
  throw Error(ErrorKind::data, path, "not a tiktoken rank file: " + what);
}

int base64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool decode_base64(std::string_view text, std::string& out) {
  out.clear();
  uint32_t bits = 0;
  int count = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] != '='; ++i) {
    const int value = base64_value(static_cast<unsigned char>(text[i]));
    if (value < 0) return false;
    bits = (bits << 6) | static_cast<uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  for (; i < text.size(); ++i) {
    if (text[i] != '=') return false;
  }
  return !out.empty();
}

// The npm package's bpe_ranks: lines of "! OFFSET TOKEN TOKEN ...", base64 tokens ranked
// OFFSET, OFFSET+1, ...
void read_ranks(const std::string& path, std::string_view text, bpe::RankTable& table) {
  std::string bytes;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (line.empty()) continue;
    size_t field = 0;
    uint64_t rank = 0;
    while (!line.empty()) {
      const size_t space = line.find(' ');
      const std::string_view word = line.substr(0, space);
      line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
      if (field == 1) {
        char* end = nullptr;
        const std::string number(word);
        rank = std::strtoull(number.c_str(), &end, 10);
        if (number.empty() || *end != '\0') malformed(path, "bad rank offset '" + number + "'");
      } else if (field >= 2) {
        if (!decode_base64(word, bytes)) malformed(path, "bad base64 token '" + std::string(word) + "'");
        if (rank >= bpe::kNoRank) malformed(path, "rank out of range");
        table.add(bytes, static_cast<uint32_t>(rank++));
      }
      ++field;
    }
  }
  table.build();
  for (int byte = 0; byte < 256; ++byte) {
    if (table.rank(std::string(1, static_cast<char>(byte))) == bpe::kNoRank) {
      malformed(path, "byte " + std::to_string(byte) + " is not a token");
    }
  }
}

}  // namespace

std::shared_ptr<const Tokenizer> Tokenizer::load(const std::string& encoding, const std::string& vocab_dir) {
  const std::string path = (vocab_dir.empty() ? std::string(".") : vocab_dir) + "/" + encoding + ".json";
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw Error(ErrorKind::data, path,
                "no vocabulary for " + encoding + ": " + std::strerror(errno) +
                    " (scripts/install-deps.sh installs it; --vocab-dir or TRACE_VOCAB_DIR names another "
                    "folder holding the npm package tiktoken's encoders)");
  }
  std::ostringstream content;
  content << file.rdbuf();
  const std::string json = content.str();
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError() || !document.IsObject()) malformed(path, "not a JSON object");
  const auto string_member = [&](const char* name) -> std::string_view {
    const auto member = document.FindMember(name);
    if (member == document.MemberEnd() || !member->value.IsString()) malformed(path, std::string("no ") + name);
    return std::string_view(member->value.GetString(), member->value.GetStringLength());
  };
  auto impl = std::make_unique<Impl>();
  impl->encoding = encoding;
  read_ranks(path, string_member("bpe_ranks"), impl->ranks);
  impl->pretokenizer = std::make_unique<Pretokenizer>(std::string(string_member("pat_str")));
  const auto special = document.FindMember("special_tokens");
  if (special != document.MemberEnd() && special->value.IsObject()) {
    for (const auto& member : special->value.GetObject()) {
      if (!member.value.IsUint()) malformed(path, "a special token's id is not a number");
      impl->special.emplace_back(std::string(member.name.GetString(), member.name.GetStringLength()),
                                 member.value.GetUint());
    }
  }
  return std::shared_ptr<const Tokenizer>(new Tokenizer(std::move(impl)));
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

const std::string& Tokenizer::encoding() const noexcept { return impl_->encoding; }

void Tokenizer::encode(std::string_view text, std::vector<uint32_t>& out, SpecialTokens special) const {
  impl_->encode(
      text, special, [&](std::string_view piece) { bpe::encode_piece(impl_->ranks, piece, out); },
      [&](uint32_t id) { out.push_back(id); });
}

uint64_t Tokenizer::count(std::string_view text, SpecialTokens special) const {
  uint64_t total = 0;
  impl_->encode(
      text, special, [&](std::string_view piece) { total += bpe::count_piece(impl_->ranks, piece); },
      [&](uint32_t) { ++total; });
  return total;
}

std::string Tokenizer::decode(const std::vector<uint32_t>& ids) const {
  std::string out;
  for (const uint32_t id : ids) {
    const std::string_view bytes = impl_->ranks.bytes_of(id);
    if (!bytes.empty()) {
      out.append(bytes);
      continue;
    }
    for (const auto& token : impl_->special) {
      if (token.second == id) out += token.first;
    }
  }
  return out;
}

std::string default_vocab_dir() {
  const char* variable = std::getenv("TRACE_VOCAB_DIR");
  if (variable != nullptr && *variable != '\0') return variable;
  struct stat info {};
  if (::stat(TRACE_DEFAULT_VOCAB_DIR, &info) == 0 && S_ISDIR(info.st_mode)) return TRACE_DEFAULT_VOCAB_DIR;
  // An installed tool (cmake --install, the .deb) finds the files installed beside it:
  // PREFIX/bin/trace-X reads PREFIX/share/tracemill/tiktoken.
  char exe[4096];
  const ssize_t length = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (length > 0) {
    std::string installed(exe, static_cast<size_t>(length));
    installed.erase(installed.find_last_of('/') + 1);
    installed += "../share/tracemill/tiktoken";
    if (::stat(installed.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) return installed;
  }
  return TRACE_DEFAULT_VOCAB_DIR;
}

std::string encoding_for_model(std::string_view model) {
  // tiktoken's model table (model_to_encoding.json of the npm package, and the Python
  // package's prefixes). A fine-tuned "ft:BASE:org::id" counts as BASE.
  if (model.substr(0, 3) == "ft:") {
    model = model.substr(3);
    model = model.substr(0, model.find(':'));
  }
  static const std::pair<const char*, const char*> kPrefixes[] = {
      {"gpt-5", "o200k_base"},           {"gpt-4.5", "o200k_base"},         {"gpt-4.1", "o200k_base"},
      {"chatgpt-4o", "o200k_base"},      {"gpt-4o", "o200k_base"},          {"o1", "o200k_base"},
      {"o3", "o200k_base"},              {"o4-mini", "o200k_base"},         {"gpt-4", "cl100k_base"},
      {"gpt-3.5", "cl100k_base"},        {"gpt-35-turbo", "cl100k_base"},   {"davinci-002", "cl100k_base"},
      {"babbage-002", "cl100k_base"},    {"text-embedding-ada-002", "cl100k_base"},
      {"text-embedding-3-", "cl100k_base"}};
  for (const auto& [prefix, encoding] : kPrefixes) {
    const std::string_view p(prefix);
    if (model.substr(0, p.size()) != p) continue;
    // "o1" names o1 and o1-mini, not o100; "gpt-4" names gpt-4-turbo, not gpt-4o (listed first).
    const std::string_view rest = model.substr(p.size());
    if (rest.empty() || rest[0] == '-' || p.back() == '-') return encoding;
  }
  return {};
}

std::string_view repair_utf8(std::string_view text, std::string& storage) {
  if (is_valid_utf8(text)) return text;
  storage.clear();
  storage.reserve(text.size() + 16);
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto continuation = [&](size_t i, unsigned char low, unsigned char high) {
    return i < text.size() && byte(i) >= low && byte(i) <= high;
  };
  static const char kReplacement[] = "\xEF\xBF\xBD";
  for (size_t i = 0; i < text.size();) {
    const unsigned char lead = byte(i);
    if (lead < 0x80) {
      storage.push_back(static_cast<char>(lead));
      ++i;
      continue;
    }
    // A surrogate (ED A0..BF 80..BF): one U+FFFD for the three bytes, like a lone surrogate.
    if (lead == 0xED && continuation(i + 1, 0xA0, 0xBF) && continuation(i + 2, 0x80, 0xBF)) {
      storage += kReplacement;
      i += 3;
      continue;
    }
    size_t needed = 0;
    unsigned char low = 0x80, high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      needed = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      needed = 2;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      needed = 3;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    }
    // WHATWG: the lead and the valid continuation bytes seen so far are one U+FFFD.
    size_t length = 1;
    while (needed > 0 && length <= needed && continuation(i + length, low, high)) {
      ++length;
      low = 0x80;
      high = 0xBF;
    }
    if (needed > 0 && length == needed + 1) {
      storage.append(text.substr(i, length));
    } else {
      storage += kReplacement;
    }
    i += length;
  }
  return storage;
}

}  // namespace libstream
