// JSON checks: exact numbers, NUL bytes, deep nesting, key capture, string escaping.
#include <libstream/hash.hpp>
#include <libstream/document.hpp>
#include <libstream/json.hpp>

#include <gtest/gtest.h>
#include <rapidjson/writer.h>
#include <rapidjson/stringbuffer.h>
#include <vector>
#include <iterator>
#include <fstream>
#include <filesystem>

#include <string>

namespace {

std::string compact(const std::string& text) {
  std::string out;
  libstream::JsonError error;
  EXPECT_TRUE(libstream::append_compact_json(text.data(), text.size(), out, &error)) << error.describe();
  return out;
}

TEST(Json, CompactKeepsNumbersByteForByte) {
  EXPECT_EQ(compact("{ \"a\" : 0.10000000000000001 , \"b\": 12345678901234567890123, \"c\": -0, \"d\": 1E308 }"),
            "{\"a\":0.10000000000000001,\"b\":12345678901234567890123,\"c\":-0,\"d\":1E308}");
}

TEST(Json, NumbersBeyondDoubleRangeAreRefusedWithAReason) {
  // rapidjson 1.1 refuses them even with raw numbers; docs/input-formats.md says so.
  std::string out;
  libstream::JsonError error;
  EXPECT_FALSE(libstream::append_compact_json("[1E400]", 7, out, &error));
  EXPECT_EQ(error.message, "Number too big to be stored in double");
}

TEST(Json, CompactReescapesStringsMinimally) {
  EXPECT_EQ(compact("[\"\\u00e9\\/\\t\\u0000\\u001f\"]"), std::string("[\"\xC3\xA9/\\t\\u0000\\u001F\"]"));
}

TEST(Json, CheckRejectsTrailingContentAndNulBytes) {
  libstream::JsonChecker checker;
  libstream::JsonError error;
  EXPECT_TRUE(checker.check(" {\"a\":[1,2]} ", 13, &error));
  EXPECT_FALSE(checker.check("{} {}", 5, &error));
  const std::string nul("{}\0x", 4);
  EXPECT_FALSE(checker.check(nul.data(), nul.size(), &error));
  EXPECT_EQ(error.message, "unexpected NUL byte");
  EXPECT_EQ(error.offset, 2u);
  EXPECT_FALSE(checker.check("{\"a\":tru}", 9, &error));
  EXPECT_EQ(error.describe(), "invalid JSON: Invalid value (byte 9)");  // where the literal broke
}

TEST(Json, DeepNestingDoesNotOverflowTheStack) {
  libstream::JsonChecker checker;
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  EXPECT_TRUE(checker.check(deep.data(), deep.size(), nullptr));
  const std::string open(100000, '[');
  EXPECT_FALSE(checker.check(open.data(), open.size(), nullptr));
}

TEST(Json, CapturesOnlyATopLevelMember) {
  libstream::JsonChecker checker;
  std::string value;
  bool found = false;
  const std::string nested = "{\"x\":{\"session_id\":\"inner\"},\"session_id\":\"outer\"}";
  ASSERT_TRUE(checker.check_capture(nested.data(), nested.size(), "session_id", value, found, nullptr));
  EXPECT_TRUE(found);
  EXPECT_EQ(value, "outer");
  const std::string number = "{\"session_id\":123.50}";
  ASSERT_TRUE(checker.check_capture(number.data(), number.size(), "session_id", value, found, nullptr));
  EXPECT_EQ(value, "123.50");
  const std::string object = "{\"session_id\":{\"a\":\"b\"}}";
  ASSERT_TRUE(checker.check_capture(object.data(), object.size(), "session_id", value, found, nullptr));
  EXPECT_FALSE(found);
  const std::string escaped = "{\"session_id\":\"a\\u00e9\"}";
  ASSERT_TRUE(checker.check_capture(escaped.data(), escaped.size(), "session_id", value, found, nullptr));
  EXPECT_EQ(value, "a\xC3\xA9");  // decoded: the hash is of the string, not its spelling
}

TEST(Json, StringLiteralsEscapeControlsAndRepairInvalidUtf8) {
  std::string out;
  libstream::append_json_string(out, std::string("a\"\\\n\x01\x7F\xC3\xA9\xFF", 9));
  EXPECT_EQ(out, "\"a\\\"\\\\\\n\\u0001\\u007f\xC3\xA9\xEF\xBF\xBD\"");
}

// The escaper copies plain runs in bulk (16 bytes at a time); a byte-by-byte version of the
// same rules is the reference, on random texts mixing ASCII, escapes, DEL, valid and broken
// UTF-8, with every special byte at every offset of a 16-byte block.
std::string escape_byte_by_byte(const std::string& text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      size_t length = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
      bool valid = length != 0 && i + length <= text.size();
      uint32_t code = length == 2 ? c & 0x1Fu : length == 3 ? c & 0x0Fu : c & 0x07u;
      for (size_t k = 1; valid && k < length; ++k) {
        const auto next = static_cast<unsigned char>(text[i + k]);
        valid = (next & 0xC0) == 0x80;
        code = (code << 6) | (next & 0x3Fu);
      }
      const uint32_t min = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
      valid = valid && code >= min && code <= 0x10FFFF && (code < 0xD800 || code > 0xDFFF);
      if (valid) {
        out.append(text, i, length);
        i += length;
      } else {
        out += "\xEF\xBF\xBD";
        ++i;
      }
      continue;
    }
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c == '\b') out += "\\b";
    else if (c == '\f') out += "\\f";
    else if (c < 0x20 || c == 0x7F) out += std::string("\\u00") + kHex[c >> 4] + kHex[c & 0xF];
    else out += static_cast<char>(c);
    ++i;
  }
  return out + "\"";
}

TEST(Json, EscapingInRunsMatchesByteByByte) {
  const std::vector<std::string> pieces = {"a", "plain text ", "\"", "\\", "\n", "\x01", "\x1F", "\x7F", "\xC3\xA9",
                                           "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xFF", "\xC3", "\xED\xA0\x80", "\xE2\x82",
                                           std::string(1, '\0'), "0123456789abcdef"};
  uint64_t state = 20261202;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int count = static_cast<int>(state % 24);
    for (int k = 0; k < count; ++k) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      text += pieces[(state >> 33) % pieces.size()];
    }
    std::string out;
    libstream::append_json_string(out, text);
    ASSERT_EQ(out, escape_byte_by_byte(text)) << "round " << round;
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  }
  for (size_t offset = 0; offset < 40; ++offset) {
    for (const char* special : {"\"", "\x02", "\x7F", "\xC3\xA9", "\xFE"}) {
      const std::string text = std::string(offset, 'x') + special + std::string(20, 'y');
      std::string out;
      libstream::append_json_string(out, text);
      ASSERT_EQ(out, escape_byte_by_byte(text)) << "offset " << offset;
    }
  }
  // Control: the reference is not the identity (a test comparing two copies of nothing fails here).
  EXPECT_EQ(escape_byte_by_byte("\x7F\xFF"), "\"\\u007f\xEF\xBF\xBD\"");
}

TEST(Json, Utf8Validation) {
  EXPECT_TRUE(libstream::is_valid_utf8("plain \xC3\xA9 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(libstream::is_valid_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(libstream::is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(libstream::is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(libstream::is_valid_utf8("\xE2\x82"));          // cut short
}

TEST(Json, Utf8ValidationAtEveryOffsetOfAnAsciiRun) {
  // The 16-byte ASCII fast path must hand over to the sequence check wherever a sequence starts.
  for (const std::string& sequence : {std::string("\xC3\xA9"), std::string("\xF0\x9F\x98\x80"), std::string("\xC0\xAF"),
                                      std::string("\xED\xA0\x80"), std::string("\xE2\x82"), std::string("\x80")}) {
    const bool valid = libstream::is_valid_utf8(sequence);
    for (size_t before = 0; before < 40; ++before) {
      for (const size_t after : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}}) {
        const std::string text = std::string(before, 'a') + sequence + std::string(after, 'b');
        EXPECT_EQ(libstream::is_valid_utf8(text), valid) << before << " " << after;
      }
    }
  }
}

TEST(Json, DocumentParserStillRefusesInvalidUtf8WithRapidjsonsMessage) {
  libstream::DocumentParser parser;
  libstream::JsonError error;
  const std::string bad = "{\"content\":\"" + std::string(40, 'x') + "\xC3(\"}";
  EXPECT_EQ(parser.parse(bad.data(), bad.size(), &error, true), nullptr);
  EXPECT_EQ(error.describe(), "invalid JSON: Invalid encoding in string (byte 53)");
  EXPECT_NE(parser.parse(bad.data(), bad.size(), &error, false), nullptr);  // not asked to check
  const std::string good = "{\"content\":\"caf\xC3\xA9 " + std::string(40, 'x') + "\"}";
  EXPECT_NE(parser.parse(good.data(), good.size(), &error, true), nullptr);
}

std::string writer_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

TEST(Json, AppendJsonValueWritesWhatRapidjsonsWriterWrites) {
  std::vector<std::string> texts = {
      R"({"a":"plain","b":"quote \" backslash \\ slash \/ controls \b\f\n\r\t \u0001\u001a\u001f\u007f","c":[1,-2,3.25,1e300,)"
      R"(-0.0,0.003158,18446744073709551615,-9223372036854775808,true,false,null,{}],"d":{"e":[[]],"\u00e9":"caf\u00e9 \ud83c\udf32"}})",
      "\"" + std::string(40, 'x') + "\\\\\\\"" + std::string(17, 'y') + "\\u001c\"",
      "\"bytes \\u0000 and raw \xC3\xA9 \xFF kept\""};
  const std::filesystem::path dir = std::filesystem::path(TRACE_SHARED_DATA_DIR) / "jsontestsuite" / "test_parsing";
  if (std::filesystem::is_directory(dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().filename().string().rfind("y_", 0) != 0) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      texts.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  size_t compared = 0;
  for (const std::string& text : texts) {
    libstream::DocumentParser parser;
    const rapidjson::Value* v = parser.parse(text.data(), text.size(), nullptr);
    if (v == nullptr) continue;  // a few y_ files hold numbers rapidjson refuses
    std::string ours;
    ASSERT_TRUE(libstream::append_json_value(ours, *v)) << text;
    EXPECT_EQ(ours, writer_text(*v)) << text;
    ++compared;
  }
  EXPECT_GE(compared, 3u);
}

TEST(Json, AppendJsonValueMatchesTheWriterAtEveryBlockOffsetAndChunkEdge) {
  // append_json_value copies strings 16 bytes at a time and makes room per 64 KiB chunk: an
  // escape at each offset of a block, strings across and past a chunk, one escaped byte six
  // output bytes long throughout, and a value past what the per-thread buffer keeps.
  std::vector<std::string> strings;
  for (size_t at = 0; at < 40; ++at) {
    for (const char c : {'"', '\\', '\n', '\x01', '\x1f', '\x7f'}) {
      std::string text(40, 'a');
      text[at] = c;
      strings.push_back(text);
    }
  }
  strings.push_back(std::string(65536 + 7, 'b') + "\"");
  strings.push_back(std::string(70000, '\x01'));
  std::string big(size_t{5} << 20, 'c');
  big[size_t{3} << 20] = '\n';
  strings.push_back(big);
  strings.push_back("");
  for (const std::string& text : strings) {
    const rapidjson::Value value(rapidjson::StringRef(text.data(), text.size()));
    std::string out = "kept:";  // appended to, never replaced
    ASSERT_TRUE(libstream::append_json_value(out, value));
    EXPECT_EQ(out, "kept:" + writer_text(value)) << text.size();
  }
  // An object whose keys and values need escapes, after the big value (the buffer was let go).
  rapidjson::Document object;
  ASSERT_TRUE(libstream::parse_embedded_json(R"({"k\"ey":["\t",{"\u0002":"x"}],"n":-0.5})", object));
  std::string out;
  ASSERT_TRUE(libstream::append_json_value(out, object));
  EXPECT_EQ(out, writer_text(object));
}

TEST(Json, Base64) {
  EXPECT_EQ(libstream::base64_encode(""), "");
  EXPECT_EQ(libstream::base64_encode("f"), "Zg==");
  EXPECT_EQ(libstream::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(libstream::base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Hash, IsTheDocumentedFunction) {
  // Values fixed forever: changing them would move records between shards.
  EXPECT_EQ(libstream::fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(libstream::fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(libstream::stable_hash("session-1"), libstream::fmix64(libstream::fnv1a64("session-1")));
}

}  // namespace

TEST(TopLevelMembers, SpansAreTheRawTextOfEachMember) {
  std::vector<std::pair<std::string_view, std::string_view>> members;
  const std::string text = R"( {"a" : 1.50 ,"b":{"x":["}",{"y":"\"]"}]},"c\"d":"q\\","e":[ ],"f":null} )";
  ASSERT_TRUE(libstream::top_level_members(text, members));
  ASSERT_EQ(members.size(), 5u);
  EXPECT_EQ(members[0].first, "a");
  EXPECT_EQ(members[0].second, "1.50");  // numbers as written
  EXPECT_EQ(members[1].second, R"({"x":["}",{"y":"\"]"}]})");
  EXPECT_EQ(members[2].first, R"(c\"d)");
  EXPECT_EQ(members[2].second, R"("q\\")");
  EXPECT_EQ(members[3].second, "[ ]");
  EXPECT_EQ(members[4].second, "null");
  EXPECT_FALSE(libstream::top_level_members("[1,2]", members));
  EXPECT_FALSE(libstream::top_level_members(R"({"a":"unterminated)", members));
}

// On generated records (escaped quotes and backslashes, brackets inside strings, long runs,
// members after line breaks), each member's span parses to the value the parser gives it.
TEST(TopLevelMembers, SpansAgreeWithTheParserOnGeneratedRecords) {
  const std::vector<std::string> pieces = {"\\\"", "\\\\", "}", "]", "{", "[", "0123456789abcdef0123", "x", "\\n", ",", ":"};
  uint64_t state = 11;
  const auto next = [&state](size_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>((state >> 33) % n);
  };
  const auto string_of_pieces = [&] {
    std::string text = "\"";
    for (size_t k = next(6); k > 0; --k) text += pieces[next(pieces.size())];
    return text + "\"";
  };
  libstream::DocumentParser parser;
  libstream::DocumentParser member_parser;
  for (int round = 0; round < 300; ++round) {
    std::string record = "{";
    const size_t count = 1 + next(5);
    for (size_t m = 0; m < count; ++m) {
      if (m > 0) record += next(2) != 0U ? "," : " ,\n ";
      record += "\"k" + std::to_string(m) + "\":";
      switch (next(4)) {
        case 0: record += string_of_pieces(); break;
        case 1: record += "{\"a\":[" + string_of_pieces() + ",{\"b\":" + string_of_pieces() + "}],\"c\":-1.5e3}"; break;
        case 2: record += "[[],{}," + string_of_pieces() + ",true]"; break;
        default: record += "null"; break;
      }
    }
    record += "}";
    const rapidjson::Value* root = parser.parse(record.data(), record.size(), nullptr);
    ASSERT_NE(root, nullptr) << record;
    std::vector<std::pair<std::string_view, std::string_view>> members;
    ASSERT_TRUE(libstream::top_level_members(record, members)) << record;
    ASSERT_EQ(members.size(), root->MemberCount()) << record;
    size_t index = 0;
    for (const auto& member : root->GetObject()) {
      const std::string span(members[index].second);
      const rapidjson::Value* value = member_parser.parse(span.data(), span.size(), nullptr);
      ASSERT_NE(value, nullptr) << span << " in " << record;
      std::string expected;
      std::string got;
      ASSERT_TRUE(libstream::append_json_value(expected, member.value));
      ASSERT_TRUE(libstream::append_json_value(got, *value));
      EXPECT_EQ(got, expected) << record;
      ++index;
    }
  }
}

// The in-place parsers scan strings 16 bytes at a time (insitu_stream.hpp); rapidjson's own
// byte-by-byte reader, on a copy, is the reference: the same records accepted, the same
// strings decoded, the same offset for an error, whatever the escapes and raw control bytes
// (0x1A-0x1F included, which rapidjson's SSE2 build lets through) and wherever they fall.
TEST(Json, InPlaceStringScanMatchesRapidjsonByteByByte) {
  const std::vector<std::string> pieces = {"plain text ", "a", "\\n", "\\\"", "\\\\", "\\u00e9", "\\ud83d\\ude00",
                                           "\xC3\xA9", "0123456789abcdef", "/", "~"};
  const std::vector<std::string> broken = {std::string(1, '\x01'), std::string(1, '\x1A'), std::string(1, '\x1F'),
                                           "\t", "\\x", "\\u12"};
  libstream::DocumentParser parser;
  uint64_t state = 7;
  size_t rejected = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string value;
    const int count = static_cast<int>(state % 12);
    for (int k = 0; k < count; ++k) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      const bool break_it = (state >> 20) % 24 == 0;  // about one record in three has a broken piece
      value += break_it ? broken[(state >> 33) % broken.size()] : pieces[(state >> 33) % pieces.size()];
    }
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const std::string record = "{\"n\":12.50,\"k" + value + "\":\"" + value + "\",\"m\":[-3,\"" + value + "\"]}";

    rapidjson::Document expected;
    expected.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag>(record.data(), record.size());
    libstream::JsonError error;
    const rapidjson::Value* got = parser.parse(record.data(), record.size(), &error);
    std::string in_place = record;
    rapidjson::Document in_place_document;
    const bool in_place_ok = libstream::parse_json_in_place(in_place, in_place_document);
    ASSERT_EQ(got != nullptr, !expected.HasParseError()) << "round " << round << ": " << record;
    ASSERT_EQ(in_place_ok, !expected.HasParseError()) << "round " << round;
    if (expected.HasParseError()) {
      ++rejected;
      EXPECT_EQ(error.offset, expected.GetErrorOffset()) << record;
      continue;
    }
    const std::string decoded(expected["m"][1].GetString(), expected["m"][1].GetStringLength());
    EXPECT_EQ(std::string((*got)["m"][1].GetString(), (*got)["m"][1].GetStringLength()), decoded) << record;
    EXPECT_EQ(std::string(in_place_document["m"][1].GetString(), in_place_document["m"][1].GetStringLength()), decoded);
    EXPECT_EQ((*got)["m"][0].GetInt(), -3);
    EXPECT_EQ(compact(record), compact(compact(record)));
  }
  // Control: the pieces make both kinds of record (a test that only ever parses valid JSON
  // could not see a raw control byte let through).
  EXPECT_GT(rejected, 500U);
  EXPECT_LT(rejected, 3500U);
  libstream::JsonError error;
  const std::string raw_control = "{\"a\":\"0123456789abcdef0123456789abcdef\x1A\"}";
  EXPECT_EQ(parser.parse(raw_control.data(), raw_control.size(), &error), nullptr);
  EXPECT_EQ(error.offset, raw_control.find('\x1A'));
}
