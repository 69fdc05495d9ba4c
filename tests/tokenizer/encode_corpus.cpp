// Test driver: encodes each line of a corpus (tests/tokenizer/README.md) with libstream's
// tokenizer and prints "COUNT ID ID ..." per line, as reference.mjs prints tiktoken's answer.
//   encode_corpus ENCODING VOCAB_DIR ordinary|all < corpus > ids
#include <libstream/error.hpp>
#include <libstream/tokenizer.hpp>

#include <rapidjson/document.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace {

void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

// A JSON string literal's bytes; a lone surrogate escape becomes its 3-byte encoding, the
// bytes a JSON parser that lets it through (rapidjson for \udc00) hands the tokenizer.
bool decode_json_string(const std::string& line, std::string& out) {
  if (line.size() < 2 || line.front() != '"' || line.back() != '"') return false;
  out.clear();
  for (size_t i = 1; i + 1 < line.size(); ++i) {
    if (line[i] != '\\') {
      out.push_back(line[i]);
      continue;
    }
    const char escaped = line[++i];
    switch (escaped) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'u': {
        const auto hex = [&](size_t at) { return static_cast<uint32_t>(std::stoul(line.substr(at, 4), nullptr, 16)); };
        uint32_t code = hex(i + 1);
        i += 4;
        if (code >= 0xD800 && code <= 0xDBFF && i + 6 < line.size() && line[i + 1] == '\\' && line[i + 2] == 'u') {
          const uint32_t low = hex(i + 3);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
        append_utf8(out, code);
        break;
      }
      default: out.push_back(escaped);
    }
  }
  return true;
}

bool decode_base64_line(const std::string& line, std::string& out) {
  rapidjson::Document document;
  document.Parse(line.c_str(), line.size());
  if (document.HasParseError() || !document.IsObject() || !document.HasMember("base64")) return false;
  const std::string text = document["base64"].GetString();
  out.clear();
  uint32_t bits = 0;
  int count = 0;
  for (const char c : text) {
    int value = -1;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    if (c >= '0' && c <= '9') value = c - '0' + 52;
    if (c == '+') value = 62;
    if (c == '/') value = 63;
    if (value < 0) continue;
    bits = (bits << 6) | static_cast<uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: encode_corpus ENCODING VOCAB_DIR ordinary|all < corpus\n";
    return 2;
  }
  try {
    const auto tokenizer = libstream::Tokenizer::load(argv[1], argv[2]);
    const auto special = std::string(argv[3]) == "all" ? libstream::SpecialTokens::recognised
                                                       : libstream::SpecialTokens::as_text;
    std::string line, text, out;
    std::vector<uint32_t> ids;
    size_t number = 0;
    while (std::getline(std::cin, line)) {
      ++number;
      if (!decode_json_string(line, text) && !decode_base64_line(line, text)) {
        std::cerr << "encode_corpus: line " << number << ": neither a JSON string nor {\"base64\": ...}\n";
        return 1;
      }
      ids.clear();
      tokenizer->encode(text, ids, special);
      if (tokenizer->count(text, special) != ids.size()) {
        std::cerr << "encode_corpus: line " << number << ": count() disagrees with encode()\n";
        return 1;
      }
      out = std::to_string(ids.size());
      for (const uint32_t id : ids) out += " " + std::to_string(id);
      out += '\n';
      std::fwrite(out.data(), 1, out.size(), stdout);
    }
  } catch (const libstream::Error& error) {
    std::cerr << "encode_corpus: " << error.where() << ": " << error.what() << "\n";
    return 1;
  }
  return 0;
}
