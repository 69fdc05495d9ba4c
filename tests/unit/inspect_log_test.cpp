// Inspect AI .json logs read sample by sample (libstream/src/inspect_scan.cpp,
// inspect_log.cpp): the structural scan and the records it gives, for samples before or after
// the other members, strings holding brackets, empty or missing samples and truncated files.
#include <libstream/error.hpp>
#include <libstream/inspect_log.hpp>
#include <libstream/source.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

struct Scan {
  std::vector<std::string> events;  // "key:NAME", "member:NAME=VALUE", "sample:VALUE@LINE", "end", "trailing"
  std::string error;
};

/// Scans `text` fed `chunk` bytes at a time (1 exercises every split).
Scan scan(const std::string& text, size_t chunk, bool keep_members = true, bool keep_samples = true) {
  Scan out;
  libstream::InspectLogScanner scanner("t.json", keep_members, keep_samples);
  try {
    for (size_t start = 0; start < text.size(); start += chunk) {
      const size_t size = std::min(chunk, text.size() - start);
      size_t pos = 0;
      for (;;) {
        using Event = libstream::InspectLogScanner::Event;
        const Event event = scanner.scan(text.data() + start, size, pos);
        if (event == Event::need_more) break;
        if (event == Event::key) out.events.push_back("key:" + scanner.key());
        if (event == Event::member) {
          out.events.push_back("member:" + scanner.key() + "=" +
                               (scanner.samples_array() ? "[" + std::to_string(scanner.sample_count()) + "]" : scanner.value()));
        }
        if (event == Event::sample) out.events.push_back("sample:" + scanner.value() + "@" + std::to_string(scanner.value_line()));
        if (event == Event::end) out.events.push_back("end");
        if (event == Event::trailing) {
          out.events.push_back("trailing");
          return out;
        }
      }
    }
    scanner.finish();
  } catch (const libstream::Error& e) {
    out.error = e.where() + ": " + e.what();
  }
  return out;
}

struct Read {
  std::vector<std::string> records;
  std::vector<std::string> problems;
  std::string error;
  bool split = true;
};

Read read(const std::string& text, libstream::FramingOptions options = {}) {
  Read out;
  const auto open = [&text] { return std::make_unique<libstream::MemorySource>(text, "t.json", 7); };
  try {
    auto source = libstream::open_inspect_log(open, options);
    if (!source) {
      out.split = false;
      return out;
    }
    libstream::RawRecord record;
    while (source->next(record)) {
      if (record.problem.empty()) out.records.emplace_back(record.data, record.size);
      else out.problems.push_back(std::to_string(record.line) + ": " + record.problem);
    }
  } catch (const libstream::Error& e) {
    out.error = e.where() + ": " + e.what();
  }
  return out;
}

TEST(InspectLogScanner, SamplesBeforeAndAfterOtherMembers) {
  const std::string text = "{\"version\": 2,\n \"samples\": [\n  {\"id\": 1},\n  {\"id\": \"b\"}\n ],\n \"reductions\": null}";
  for (size_t chunk : {size_t{1}, size_t{3}, text.size()}) {
    const Scan s = scan(text, chunk);
    ASSERT_EQ(s.error, "") << chunk;
    const std::vector<std::string> expected = {"key:version", "member:version=2", "key:samples", "sample:{\"id\": 1}@3",
                                               "sample:{\"id\": \"b\"}@4", "member:samples=[2]", "key:reductions",
                                               "member:reductions=null", "end"};
    EXPECT_EQ(s.events, expected) << chunk;
  }
}

TEST(InspectLogScanner, StringsHoldingBracketsQuotesAndEscapes) {
  const std::string text = R"({"eval": {"a": "]}[{\"\\"}, "samples": [{"t": "}],[\"x"}, ["\\", 1e5, -2], 3, "s]"]})";
  const Scan s = scan(text, 1);
  ASSERT_EQ(s.error, "");
  const std::vector<std::string> expected = {"key:eval", R"(member:eval={"a": "]}[{\"\\"})", "key:samples",
                                             R"(sample:{"t": "}],[\"x"}@1)", R"(sample:["\\", 1e5, -2]@1)", "sample:3@1",
                                             R"(sample:"s]"@1)", "member:samples=[4]", "end"};
  EXPECT_EQ(s.events, expected);
}

TEST(InspectLogScanner, EscapedMemberNameIsDecoded) {
  const Scan s = scan(R"({"sam\u0070les": [1]})", 2);
  ASSERT_EQ(s.error, "");
  EXPECT_EQ(s.events[0], "key:samples");
  EXPECT_EQ(s.events[1], "sample:1@1");
}

TEST(InspectLogScanner, TruncatedOrBrokenInputSaysWhy) {
  EXPECT_EQ(scan("{\"version\": 2, \"samples\": [{\"id\": 1}, {\"id\"", 4).error,
            "t.json:1: the input ends inside sample 2 of \"samples\" (truncated?)");
  EXPECT_EQ(scan("{\"version\": 2,\n\"eval\": {\"a\": [1, 2", 5).error,
            "t.json:2: the input ends inside the member \"eval\" (truncated?)");
  EXPECT_EQ(scan("", 5).error, "t.json:1: empty: no JSON object");
  EXPECT_EQ(scan("[1]", 5).error, "t.json:1: not a JSON object (an Inspect AI log is one)");
  EXPECT_EQ(scan("{\"a\" 1}", 5).error, "t.json:1: expected ':' after the member name \"a\", found '1'");
  EXPECT_EQ(scan("{\"a\": [1}}", 5).error, "t.json:1: a closing '}' that closes nothing open");
  EXPECT_EQ(scan("{\"samples\": [1 2]}", 5).error, "t.json:1: expected ',' or ']' after sample 1, found '2'");
  EXPECT_EQ(scan("{\"a\": 1 \"b\": 2}", 5).error, "t.json:1: expected ',' or '}' after the member \"a\", found '\"'");
}

TEST(InspectLogScanner, TrailingValueIsReported) {
  const Scan s = scan("{\"version\": 2}\n{\"version\": 3}\n", 4);
  EXPECT_EQ(s.events.back(), "trailing");
}

TEST(InspectLog, OneRecordPerSampleWithEveryOtherMemberInPlace) {
  const std::string text =
      "{\"version\": 2, \"eval\": {\"eval_id\": \"E\"},\n \"samples\": [\n  {\"id\": 1, \"epoch\": 1},\n  {\"id\": \"b\"}\n ],\n"
      " \"reductions\": [{\"scorer\": \"m\", \"samples\": [{\"sample_id\": 1, \"value\": 1}, {\"sample_id\": \"b\", \"value\": 0}]},"
      " {\"scorer\": \"n\", \"samples\": [{\"sample_id\": \"1\", \"value\": 2.50}]}], \"location\": \"x\"}";
  const Read r = read(text);
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.records.size(), 2U);
  EXPECT_EQ(r.records[0],
            R"({"version":2,"eval":{"eval_id":"E"},"samples":[{"id": 1, "epoch": 1}],"reductions":[{"scorer":"m","samples":[{"sample_id":1,"value":1}]},{"scorer":"n","samples":[{"sample_id":"1","value":2.50}]}],"location":"x"})");
  EXPECT_EQ(r.records[1],
            R"({"version":2,"eval":{"eval_id":"E"},"samples":[{"id": "b"}],"reductions":[{"scorer":"m","samples":[{"sample_id":"b","value":0}]}],"location":"x"})");
}

TEST(InspectLog, EmptyOrMissingSamplesGiveTheLogAsOneRecord) {
  Read r = read("{\"version\": 2, \"eval\": {}, \"samples\": [ ], \"reductions\": [{\"samples\": []}]}");
  ASSERT_EQ(r.records.size(), 1U);
  EXPECT_EQ(r.records[0], R"({"version":2,"eval":{},"samples":[],"reductions":[{"samples":[]}]})");
  r = read("{\"version\": 2, \"eval\": {}, \"stats\": {}}");
  ASSERT_EQ(r.records.size(), 1U);
  EXPECT_EQ(r.records[0], R"({"version":2,"eval":{},"stats":{}})");
  r = read("{\"version\": 2, \"eval\": {}, \"samples\": null}");
  ASSERT_EQ(r.records.size(), 1U);
  EXPECT_EQ(r.records[0], R"({"version":2,"eval":{},"samples":null})");
}

TEST(InspectLog, BadSampleIsRejectedAndTheOthersRead) {
  const Read r = read("{\"version\": 2, \"eval\": {},\n\"samples\": [{\"id\": 1},\n{\"id\": tru},\n{\"id\": 3}]}");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.records.size(), 2U);
  ASSERT_EQ(r.problems.size(), 1U);
  EXPECT_EQ(r.problems[0].substr(0, 32), "3: samples[1]: invalid JSON: Inv");
}

TEST(InspectLog, OversizedSampleIsRejectedWithoutBeingHeld) {
  libstream::FramingOptions options;
  options.max_record_size = 64;
  options.kept_prefix = 8;
  const Read r = read("{\"version\": 2, \"eval\": {}, \"samples\": [{\"id\": 1}, {\"id\": 2, \"text\": \"" +
                          std::string(1000, 'x') + "\"}]}",
                      options);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.records.size(), 1U);
  ASSERT_EQ(r.problems.size(), 1U);
  EXPECT_NE(r.problems[0].find("samples[1]: record of 1021 bytes is longer than the maximum record size (64 bytes"),
            std::string::npos)
      << r.problems[0];
}

TEST(InspectLog, TruncatedLogAndBrokenHeaderAreErrorsOfTheInput) {
  EXPECT_EQ(read("{\"version\": 2, \"eval\": {}, \"samples\": [{\"id\": 1}").error,
            "t.json:1: the input ends after sample 1 of \"samples\" (truncated?)");
  EXPECT_EQ(read("{\"version\": 2,\n\"eval\": {\"a\": tru}, \"samples\": []}").error.substr(0, 38),
            "t.json:2: the member \"eval\": invalid J");
}

TEST(InspectLog, MoreThanOneDocumentIsLeftToTheTextReader) {
  EXPECT_FALSE(read("{\"version\": 2, \"eval\": {}}\n{\"version\": 2, \"eval\": {}}\n").split);
}

TEST(InspectLog, RecognisedByItsFirstMembers) {
  const auto starts = [](const std::string& text) {
    return libstream::starts_like_inspect_log([&text] { return std::make_unique<libstream::MemorySource>(text, "t", 3); });
  };
  EXPECT_TRUE(starts("\xEF\xBB\xBF{\"version\": 2, \"status\": \"success\", \"eval\": {"));
  EXPECT_FALSE(starts("{\"version\": 2, \"samples\": [{}], \"eval\": {}}"));
  EXPECT_FALSE(starts("{\"session_id\": \"s\", \"version\": 2}"));
  EXPECT_FALSE(starts("[{\"version\": 2, \"eval\": {}}]"));
  EXPECT_FALSE(starts(""));
}

}  // namespace
