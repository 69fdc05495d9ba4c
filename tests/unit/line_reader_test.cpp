// Framing of NDJSON lines: buffer boundaries, CRLF, final newline, blank lines, NUL bytes,
// oversized lines.
#include <libstream/record_reader.hpp>
#include <libstream/source.hpp>
#include <libstream/stream_buffer.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

struct Line {
  std::string text;
  uint64_t number;
  std::string problem;
  bool operator==(const Line& other) const {
    return text == other.text && number == other.number && problem == other.problem;
  }
};

std::vector<Line> read_lines(const std::string& input, size_t chunk, size_t read_size = 16,
                             libstream::FramingOptions options = {}, uint64_t* blank = nullptr) {
  libstream::MemorySource source(input, "mem", chunk);
  libstream::StreamBuffer buffer(source, read_size);
  libstream::LineReader reader(buffer, options);
  std::vector<Line> lines;
  libstream::RawRecord record;
  while (reader.next(record)) {
    EXPECT_EQ(record.data[record.size], '\0');  // NUL-terminated in place
    lines.push_back({std::string(record.data, record.size), record.line, record.problem});
  }
  if (blank != nullptr) *blank = reader.blank_lines();
  return lines;
}

TEST(LineReader, SplitsLinesAcrossEveryReadBoundary) {
  const std::string input = "{\"a\":1}\n{\"bb\":22}\n{\"ccc\":333}\n";
  const std::vector<Line> expected{{"{\"a\":1}", 1, ""}, {"{\"bb\":22}", 2, ""}, {"{\"ccc\":333}", 3, ""}};
  for (size_t chunk = 1; chunk <= input.size(); ++chunk) {
    for (const size_t read_size : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{64}}) {
      EXPECT_EQ(read_lines(input, chunk, read_size), expected) << "chunk " << chunk << " read " << read_size;
    }
  }
}

TEST(LineReader, StripsCrlfAndHandlesMissingFinalNewline) {
  const auto lines = read_lines("{}\r\n[1]\r\n\"x\"", 3);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].text, "{}");
  EXPECT_EQ(lines[1].text, "[1]");
  EXPECT_EQ(lines[2].text, "\"x\"");
  EXPECT_EQ(lines[2].number, 3u);
}

TEST(LineReader, SkipsAndCountsBlankLinesKeepingNumbers) {
  uint64_t blank = 0;
  const auto lines = read_lines("\n  \n{}\n\t\r\n\n[]\n\n", 2, 16, {}, &blank);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].number, 3u);
  EXPECT_EQ(lines[1].number, 6u);
  EXPECT_EQ(blank, 5u);
}

TEST(LineReader, KeepsNulBytesInsideALine) {
  const std::string input("{\"a\":\0}\nnext\n", 13);
  const auto lines = read_lines(input, 4);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].text, std::string("{\"a\":\0}", 7));
}

TEST(LineReader, ReportsOversizedLinesWithAPrefixAndGoesOn) {
  libstream::FramingOptions options;
  options.max_record_size = 10;
  options.kept_prefix = 4;
  const std::string longline(100, 'x');
  for (const size_t chunk : {size_t{1}, size_t{7}, size_t{1000}}) {
    const auto lines = read_lines("{\"ok\":1}\n" + longline + "\n{\"ok\":2}\n" + longline, chunk, 8, options);
    ASSERT_EQ(lines.size(), 4u) << chunk;
    EXPECT_EQ(lines[0].problem, "");
    EXPECT_EQ(lines[1].text, "xxxx");
    EXPECT_NE(lines[1].problem.find("100 bytes"), std::string::npos) << lines[1].problem;
    EXPECT_EQ(lines[1].number, 2u);
    EXPECT_EQ(lines[2].text, "{\"ok\":2}");
    EXPECT_EQ(lines[2].number, 3u);
    EXPECT_NE(lines[3].problem, "");  // the last one has no final newline
  }
}

TEST(LineReader, AcceptsALineOfExactlyTheMaximumSize) {
  libstream::FramingOptions options;
  options.max_record_size = 10;
  const auto lines = read_lines(std::string(10, 'y') + "\n", 3, 4, options);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].problem, "");
}

TEST(LineReader, EmptyInputHasNoLines) { EXPECT_TRUE(read_lines("", 1).empty()); }

}  // namespace
