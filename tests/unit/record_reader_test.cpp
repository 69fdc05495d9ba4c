// Container detection and structural framing: arrays, concatenated and pretty-printed
// documents, BOM, Git LFS pointers, broken structure.
#include <libstream/error.hpp>
#include <libstream/record_reader.hpp>
#include <libstream/source.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using libstream::InputFormat;

struct Result {
  InputFormat format;
  std::vector<std::string> records;
  std::vector<uint64_t> lines;
  std::vector<std::string> problems;
};

Result read_all(const std::string& input, InputFormat format = InputFormat::auto_detect, size_t chunk = 0,
                const std::string& name = "mem") {
  libstream::RecordReader reader(std::make_unique<libstream::MemorySource>(input, name, chunk), format);
  Result result{reader.format(), {}, {}, {}};
  libstream::RawRecord record;
  while (reader.next(record)) {
    result.records.emplace_back(record.data, record.size);
    result.lines.push_back(record.line);
    result.problems.push_back(record.problem);
  }
  return result;
}

// The same bytes give the same records whatever one read returns (1 byte, 3, or all).
TEST(RecordReader, DetectionDoesNotDependOnReadSizes) {
  libstream::FramingOptions options;
  options.max_record_size = 16;
  options.kept_prefix = 8;
  const std::string padding(40, ' ');
  for (const std::string& input : {"[1]" + padding + "x\n{\"a\":1}\n", "{\"a\":1}" + padding + "\n{\"b\":2}\n",
                                  "[{\"a\":1}," + padding + "2]\n", "{\n\"k\":\"" + padding + "\"}\n{\"b\":2}\n",
                                  "{\"a\":\n1}\n" + padding + "\n{\"c\":3}\n"}) {
    std::string first;
    for (const size_t chunk : {size_t{0}, size_t{1}, size_t{3}, size_t{17}}) {
      std::string seen;
      try {
        libstream::RecordReader reader(std::make_unique<libstream::MemorySource>(input, "m", chunk),
                                       InputFormat::auto_detect, options);
        seen = std::string(libstream::format_name(reader.format())) + ":";
        libstream::RawRecord record;
        while (reader.next(record)) seen += std::string(record.data, record.size) + "|" + record.problem + ";";
      } catch (const libstream::Error& e) {
        seen += std::string("error ") + e.what();
      }
      if (chunk == 0) first = seen;
      EXPECT_EQ(seen, first) << "chunk " << chunk << " input " << input;
    }
  }
}

TEST(RecordReader, DetectsNdjsonEvenWhenLinesAreArrays) {
  const auto r = read_all("[1,2]\n[3]\n");
  EXPECT_EQ(r.format, InputFormat::ndjson);
  EXPECT_EQ(r.records, (std::vector<std::string>{"[1,2]", "[3]"}));
}

TEST(RecordReader, DetectsAOneLineArrayOfRecords) {
  const auto r = read_all("[{\"a\":1},{\"b\":[2,3]}, \"s,]\" ,4]\n");
  EXPECT_EQ(r.format, InputFormat::array);
  EXPECT_EQ(r.records, (std::vector<std::string>{"{\"a\":1}", "{\"b\":[2,3]}", "\"s,]\"", "4"}));
}

TEST(RecordReader, StreamsAPrettyPrintedArrayWithLineNumbers) {
  const std::string input = "[\n  {\n    \"a\": \"x\\\"]\"\n  },\n  {\"b\": 2}\n]\n";
  for (const size_t chunk : {size_t{0}, size_t{1}, size_t{2}, size_t{5}}) {
    const auto r = read_all(input, InputFormat::auto_detect, chunk);
    EXPECT_EQ(r.format, InputFormat::array);
    ASSERT_EQ(r.records.size(), 2u);
    EXPECT_EQ(r.records[0], "{\n    \"a\": \"x\\\"]\"\n  }");
    EXPECT_EQ(r.lines, (std::vector<uint64_t>{2, 5}));
  }
}

TEST(RecordReader, ReadsConcatenatedAndPrettyPrintedDocuments) {
  const auto r = read_all("{\n \"a\": 1\n}\n{\"b\":2}{\"c\":3}\n\"str\" 12 true\n", InputFormat::auto_detect, 3);
  EXPECT_EQ(r.format, InputFormat::concat);
  EXPECT_EQ(r.records, (std::vector<std::string>{"{\n \"a\": 1\n}", "{\"b\":2}", "{\"c\":3}", "\"str\"", "12", "true"}));
  EXPECT_EQ(r.lines, (std::vector<uint64_t>{1, 4, 4, 5, 5, 5}));
}

TEST(RecordReader, NotesAPrettyPrintedJsonlFile) {
  libstream::RecordReader reader(std::make_unique<libstream::MemorySource>("{\n\"a\":1\n}\n", "x.jsonl"),
                                 InputFormat::auto_detect);
  EXPECT_EQ(reader.format(), InputFormat::concat);
  EXPECT_NE(reader.note().find("not NDJSON"), std::string::npos);
}

TEST(RecordReader, TreatsABrokenFirstLineOfNdjsonAsNdjson) {
  const auto r = read_all("{\"a\":\n{\"b\":1}\n{\"c\":2}\n");
  EXPECT_EQ(r.format, InputFormat::ndjson);
  EXPECT_EQ(r.records.size(), 3u);
}

TEST(RecordReader, StripsAUtf8Bom) {
  const auto r = read_all("\xEF\xBB\xBF{\"a\":1}\n");
  EXPECT_EQ(r.records, (std::vector<std::string>{"{\"a\":1}"}));
}

TEST(RecordReader, RefusesAGitLfsPointer) {
  try {
    (void)read_all("version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 3\n");
    FAIL() << "no error";
  } catch (const libstream::Error& e) {
    EXPECT_EQ(e.kind(), libstream::ErrorKind::data);
    EXPECT_EQ(e.where(), "mem:1");
    EXPECT_NE(std::string(e.what()).find("Git LFS pointer"), std::string::npos);
  }
}

TEST(RecordReader, ReportsBrokenArrayStructureWithItsLine) {
  try {
    (void)read_all("[{\"a\":1}\n{\"b\":2}]", InputFormat::array);
    FAIL() << "no error";
  } catch (const libstream::Error& e) {
    EXPECT_EQ(e.where(), "mem:2");
    EXPECT_NE(std::string(e.what()).find("missing ','"), std::string::npos);
  }
  EXPECT_THROW((void)read_all("[1,2", InputFormat::array), libstream::Error);
  EXPECT_THROW((void)read_all("[1,]", InputFormat::array), libstream::Error);
  EXPECT_THROW((void)read_all("[1] 2", InputFormat::array), libstream::Error);
  EXPECT_THROW((void)read_all("{} {}", InputFormat::document), libstream::Error);
}

TEST(RecordReader, RejectsAValueCutOffByTheEndOfInput) {
  const auto r = read_all("{\"a\":1}\n{\"b\": [1, 2", InputFormat::concat);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.problems[0], "");
  EXPECT_NE(r.problems[1].find("incomplete"), std::string::npos);
}

TEST(RecordReader, RejectsOversizedValuesAndGoesOn) {
  libstream::FramingOptions options;
  options.max_record_size = 16;
  const std::string big = "{\"k\":\"" + std::string(100, 'z') + "\"}";
  libstream::RecordReader reader(std::make_unique<libstream::MemorySource>("[" + big + ",{\"ok\":1}]", "m", 7),
                                 InputFormat::array, options);
  libstream::RawRecord record;
  ASSERT_TRUE(reader.next(record));
  EXPECT_NE(record.problem, "");
  EXPECT_EQ(record.full_size, big.size());
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(std::string(record.data, record.size), "{\"ok\":1}");
  EXPECT_FALSE(reader.next(record));
}

TEST(RecordReader, EmptyAndBlankInputsHaveNoRecords) {
  EXPECT_TRUE(read_all("").records.empty());
  EXPECT_TRUE(read_all("\n \n").records.empty());
  EXPECT_TRUE(read_all("[]").records.empty());
  EXPECT_TRUE(read_all(" [ ] ", InputFormat::array).records.empty());
}

}  // namespace
