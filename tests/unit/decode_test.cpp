// Compressed input: detection by content, concatenated frames, truncation and corruption
// reported after every complete record before them was delivered.
#include <libstream/error.hpp>
#include <libstream/record_reader.hpp>
#include <libstream/source.hpp>

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <memory>
#include <string>
#include <vector>

namespace {

std::string zstd_frame(const std::string& text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

std::string gzip_member(const std::string& text) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&stream, static_cast<uLong>(text.size())) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string decode_all(const std::string& bytes, bool threaded, size_t chunk = 0) {
  auto source = libstream::open_decoded(std::make_unique<libstream::MemorySource>(bytes, "in", chunk), threaded);
  std::string out;
  char buffer[7];
  for (size_t n; (n = source->read(buffer, sizeof buffer)) > 0;) out.append(buffer, n);
  return out;
}

TEST(Decode, PlainBytesPassUnchanged) {
  EXPECT_EQ(decode_all("{\"a\":1}\n", true), "{\"a\":1}\n");
  EXPECT_EQ(decode_all("", true), "");
  EXPECT_EQ(decode_all("x", false), "x");
}

TEST(Decode, ConcatenatedZstdFramesReadAsOneStream) {
  const std::string bytes = zstd_frame("{\"a\":1}\n") + zstd_frame("{\"b\":2}\n");
  for (bool threaded : {false, true}) {
    EXPECT_EQ(decode_all(bytes, threaded, 3), "{\"a\":1}\n{\"b\":2}\n");
  }
}

TEST(Decode, ConcatenatedGzipMembersReadAsOneStream) {
  const std::string bytes = gzip_member("one\n") + gzip_member("two\n");
  EXPECT_EQ(decode_all(bytes, false, 5), "one\ntwo\n");
}

TEST(Decode, TruncatedZstdDeliversCompleteRecordsThenFails) {
  // Several 128 KiB blocks, so the blocks before the cut decode.
  std::string text;
  for (int i = 0; i < 60000; ++i) text += "{\"i\":" + std::to_string(i) + "}\n";
  const std::string whole = zstd_frame(text);
  const std::string cut = whole.substr(0, whole.size() - 5);
  for (bool threaded : {false, true}) {
    libstream::RawRecord record;
    uint64_t delivered = 0;
    try {
      libstream::RecordReader reader(
          libstream::open_decoded(std::make_unique<libstream::MemorySource>(cut, "cut.zst"), threaded),
          libstream::InputFormat::ndjson);
      while (reader.next(record)) {
        EXPECT_EQ(std::string(record.data, record.size), "{\"i\":" + std::to_string(delivered) + "}");
        ++delivered;
      }
      FAIL() << "no error";
    } catch (const libstream::Error& e) {
      EXPECT_EQ(e.kind(), libstream::ErrorKind::compression);
      EXPECT_EQ(e.where(), "cut.zst");
      EXPECT_NE(std::string(e.what()).find("truncated zstd frame"), std::string::npos) << e.what();
    }
    EXPECT_GT(delivered, 0u);
    EXPECT_LT(delivered, 60000u);
  }
}

TEST(Decode, AnErrorWithinTheFirstBytesStillDeliversTheRecordsBeforeIt) {
  // Detection reads ahead 64 bytes: a decode error there used to abort before any record.
  const std::string whole = gzip_member("{\"a\":1}\n{\"b\":2}\n");
  const std::string cut = whole.substr(0, whole.size() - 4);  // the trailer's size is missing
  ASSERT_LT(cut.size(), 64u);
  for (bool threaded : {false, true}) {
    for (auto format : {libstream::InputFormat::auto_detect, libstream::InputFormat::ndjson}) {
      std::vector<std::string> records;
      try {
        libstream::RecordReader reader(
            libstream::open_decoded(std::make_unique<libstream::MemorySource>(cut, "cut.gz"), threaded), format);
        libstream::RawRecord record;
        while (reader.next(record)) records.emplace_back(record.data, record.size);
        ADD_FAILURE() << "no error";
      } catch (const libstream::Error& e) {
        EXPECT_EQ(e.kind(), libstream::ErrorKind::compression) << e.what();
      }
      EXPECT_EQ(records, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
    }
  }
}

TEST(Decode, BytesBeforeACorruptChecksumDoNotDependOnReadSizes) {
  // Found by tests/fuzz/decode.cpp: with the whole input in one read, the bytes inflated in
  // the call that met the bad checksum were dropped; with small reads they were delivered.
  std::string bytes = gzip_member(std::string(177, 'x'));
  bytes[bytes.size() - 6] ^= 1;  // the CRC32 in the trailer
  for (const size_t chunk : {size_t{0}, size_t{1}, size_t{5}}) {
    std::string out;
    try {
      out = decode_all(bytes, false, chunk);
      ADD_FAILURE() << "no error";
    } catch (const libstream::Error& e) {
      EXPECT_NE(std::string(e.what()).find("incorrect data check"), std::string::npos) << e.what();
    }
    auto source = libstream::open_decoded(std::make_unique<libstream::MemorySource>(bytes, "in", chunk), false);
    std::string delivered;
    char buffer[4096];
    try {
      for (size_t n; (n = source->read(buffer, sizeof buffer)) > 0;) delivered.append(buffer, n);
    } catch (const libstream::Error&) {
    }
    EXPECT_EQ(delivered, std::string(177, 'x')) << "chunk " << chunk;
  }
}

TEST(Decode, CorruptZstdIsAnErrorWithAnOffset) {
  std::string bytes = zstd_frame(std::string(5000, 'a'));
  bytes += "garbage after the frame";
  try {
    (void)decode_all(bytes, false);
    FAIL() << "no error";
  } catch (const libstream::Error& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt zstd data in the frame that starts at byte"), std::string::npos) << e.what();
  }
}

TEST(Decode, TruncatedGzipIsAnError) {
  const std::string whole = gzip_member(std::string(10000, 'q'));
  EXPECT_THROW((void)decode_all(whole.substr(0, whole.size() / 2), true), libstream::Error);
}

TEST(Decode, DetectsByContentNotByName) {
  const unsigned char zstd[] = {0x28, 0xB5, 0x2F, 0xFD};
  const unsigned char gzip[] = {0x1F, 0x8B, 0x08, 0x00};
  const unsigned char text[] = {'{', '}', '\n', ' '};
  EXPECT_EQ(libstream::detect_compression(zstd, 4), libstream::Compression::zstd);
  EXPECT_EQ(libstream::detect_compression(gzip, 4), libstream::Compression::gzip);
  EXPECT_EQ(libstream::detect_compression(text, 4), libstream::Compression::none);
  EXPECT_EQ(libstream::detect_compression(zstd, 3), libstream::Compression::none);
}

}  // namespace
