// Inspect AI .eval archives (libstream/src/eval_archive.cpp): one record per sample entry,
// the header and this sample's reductions with it; broken archives are clean errors.
#include <libstream/error.hpp>
#include <libstream/stores.hpp>

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <utility>
#include <vector>

namespace {

void put16(std::string& out, unsigned v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>((v >> 8) & 0xff);
}
void put32(std::string& out, unsigned long v) {
  put16(out, static_cast<unsigned>(v & 0xffff));
  put16(out, static_cast<unsigned>((v >> 16) & 0xffff));
}

/// A ZIP archive of stored (uncompressed) entries, written by hand (PKWARE APPNOTE 4.3).
std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out;
  std::string directory;
  for (const auto& [name, data] : entries) {
    const unsigned long crc = crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
    const auto offset = static_cast<unsigned long>(out.size());
    put32(out, 0x04034b50);
    put16(out, 20); put16(out, 0); put16(out, 0); put16(out, 0); put16(out, 0x21);
    put32(out, crc); put32(out, data.size()); put32(out, data.size());
    put16(out, static_cast<unsigned>(name.size())); put16(out, 0);
    out += name;
    out += data;
    put32(directory, 0x02014b50);
    put16(directory, 20); put16(directory, 20); put16(directory, 0); put16(directory, 0); put16(directory, 0); put16(directory, 0x21);
    put32(directory, crc); put32(directory, data.size()); put32(directory, data.size());
    put16(directory, static_cast<unsigned>(name.size())); put16(directory, 0); put16(directory, 0);
    put16(directory, 0); put16(directory, 0); put32(directory, 0); put32(directory, offset);
    directory += name;
  }
  const auto start = static_cast<unsigned long>(out.size());
  out += directory;
  put32(out, 0x06054b50);
  put16(out, 0); put16(out, 0);
  put16(out, static_cast<unsigned>(entries.size())); put16(out, static_cast<unsigned>(entries.size()));
  put32(out, directory.size()); put32(out, start); put16(out, 0);
  return out;
}

struct Read {
  std::vector<std::string> records;
  std::vector<std::string> problems;
  std::string error;
};

Read read(const std::string& bytes, libstream::FramingOptions options = {}) {
  Read result;
  try {
    auto source = libstream::open_eval_archive_bytes(bytes, "t.eval", options);
    libstream::RawRecord record;
    while (source->next(record)) {
      if (record.problem.empty()) result.records.emplace_back(record.data, record.size);
      else result.problems.push_back(record.problem);
    }
  } catch (const libstream::Error& e) {
    result.error = std::string(e.where()) + ": " + e.what();
  }
  return result;
}

const char* kHeader = "{\n  \"version\": 2,\n  \"status\": \"success\",\n  \"eval\": {\"eval_id\": \"E\", \"task\": \"t\"},\n  \"stats\": {}\n}";
const char* kReductions = R"([{"scorer":"match","reducer":"mean","samples":[{"value":1.0,"sample_id":1},{"value":0.5,"sample_id":"two"}]}])";

TEST(EvalArchive, OneRecordPerSampleWithItsReductions) {
  const std::string zip = stored_zip({{"_journal/start.json", "{\"version\":2}"},
                                      {"samples/1_epoch_1.json", "{\"id\": 1, \"epoch\": 1, \"messages\": []}"},
                                      {"samples/two_epoch_1.json", "{\"id\":\"two\",\"epoch\":1}"},
                                      {"summaries.json", "[]"},
                                      {"reductions.json", kReductions},
                                      {"header.json", kHeader}});
  const Read r = read(zip);
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0],
            R"({"version":2,"status":"success","eval":{"eval_id":"E","task":"t"},"stats":{},)"
            R"("reductions":[{"scorer":"match","reducer":"mean","samples":[{"value":1.0,"sample_id":1}]}],)"
            R"("samples":[{"id": 1, "epoch": 1, "messages": []}]})");
  EXPECT_NE(r.records[1].find(R"("samples":[{"value":0.5,"sample_id":"two"}])"), std::string::npos);
}

TEST(EvalArchive, OldArchivesAndLogsInProgress) {
  const Read old = read(stored_zip({{"start.json", R"({"version":1,"eval":{"run_id":"R"},"plan":{}})"},
                                    {"samples/1_epoch_1.json", R"({"id":1})"},
                                    {"results.json", R"({"status":"success","stats":{}})"}}));
  ASSERT_EQ(old.records.size(), 1u);
  EXPECT_EQ(old.records[0], R"({"version":1,"eval":{"run_id":"R"},"plan":{},"status":"success","stats":{},"samples":[{"id":1}]})");
  const Read running = read(stored_zip({{"_journal/start.json", R"({"version":2,"eval":{}})"}, {"samples/a_epoch_2.json", "{}"}}));
  ASSERT_EQ(running.records.size(), 1u);
  EXPECT_EQ(running.records[0], R"({"version":2,"eval":{},"samples":[{}]})");
}

TEST(EvalArchive, BrokenArchivesAreCleanErrors) {
  const std::string zip = stored_zip({{"header.json", kHeader}, {"samples/1_epoch_1.json", R"({"id":1})"}});
  EXPECT_NE(read(zip.substr(0, zip.size() / 2)).error.find("t.eval: not a readable ZIP archive"), std::string::npos);
  EXPECT_NE(read(zip.substr(0, 3)).error, "");
  EXPECT_NE(read("PK\x03\x04 garbage").error.find("not a readable ZIP archive"), std::string::npos);
  EXPECT_NE(read(std::string("PK\x05\x06", 4) + std::string(18, '\0')).error.find("not an Inspect AI .eval log"), std::string::npos);
  EXPECT_NE(read(stored_zip({{"a.txt", "x"}})).error.find("not an Inspect AI .eval log"), std::string::npos);
  EXPECT_NE(read(stored_zip({{"samples/1_epoch_1.json", "{}"}})).error.find("without header.json"), std::string::npos);
  EXPECT_NE(read(stored_zip({{"header.json", "{broken"}})).error.find("t.eval:header.json: invalid JSON"), std::string::npos);
}

TEST(EvalArchive, BadSampleEntriesAreRejectedAndReadingGoesOn) {
  std::string zip = stored_zip({{"header.json", kHeader},
                                {"samples/1_epoch_1.json", R"({"id":1,"x":"abcdef"})"},
                                {"samples/2_epoch_1.json", "not json"},
                                {"samples/3_epoch_1.json", R"({"id":3})"}});
  const size_t at = zip.find("abcdef");
  zip[at] = 'X';  // the stored CRC no longer matches
  const Read r = read(zip);
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_NE(r.problems[0].find("t.eval:samples/1_epoch_1.json: cannot read the entry: CRC error"), std::string::npos);
  EXPECT_NE(r.problems[1].find("t.eval:samples/2_epoch_1.json: invalid JSON"), std::string::npos);
  ASSERT_EQ(r.records.size(), 1u);
  libstream::FramingOptions small;
  small.max_record_size = 8;
  const Read big = read(stored_zip({{"header.json", "{}"}, {"samples/1_epoch_1.json", R"({"id":1,"long":"0123456789"})"}}), small);
  ASSERT_EQ(big.problems.size(), 1u);
  EXPECT_NE(big.problems[0].find("longer than the maximum record size"), std::string::npos);
}

TEST(EvalArchive, ZipMagic) {
  EXPECT_TRUE(libstream::starts_like_zip("PK\x03\x04", 4));
  EXPECT_TRUE(libstream::starts_like_zip("PK\x05\x06", 4));
  EXPECT_FALSE(libstream::starts_like_zip("PK\x03", 3));
  EXPECT_FALSE(libstream::starts_like_zip("{\"a\":1}", 7));
}

}  // namespace
