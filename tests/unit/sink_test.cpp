// Output: write errors surface, atomic files appear only on commit, zstd output decodes.
#include <libstream/error.hpp>
#include <libstream/sink.hpp>
#include <libstream/source.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string temp_dir() {
  char name[] = "/tmp/tracemill-test-XXXXXX";
  const char* dir = ::mkdtemp(name);
  EXPECT_NE(dir, nullptr);
  return dir;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

TEST(Sink, FailingSinkSurfacesThroughTheBuffer) {
  libstream::BufferedSink sink(std::make_unique<libstream::FailingSink>(8), 4);
  sink.write("12345", 5);
  EXPECT_THROW(sink.write("67890", 5), libstream::Error);
}

TEST(Sink, AWriteErrorIsStickyUntilCommit) {
  // Regression: a flush before a diagnostic swallowed ENOSPC and the run exited 0.
  libstream::BufferedSink sink(std::make_unique<libstream::FailingSink>(0), 16);
  sink.write("abc", 3);
  EXPECT_THROW(sink.flush(), libstream::Error);
  EXPECT_THROW(sink.commit(), libstream::Error);
  EXPECT_THROW(sink.write("d", 1), libstream::Error);
}

TEST(Sink, DevFullIsAnIoError) {
  const int fd = ::open("/dev/full", O_WRONLY);
  if (fd < 0) GTEST_SKIP() << "/dev/full is missing";
  libstream::FdSink sink(fd, "/dev/full");
  try {
    sink.write("x", 1);
    FAIL() << "no error";
  } catch (const libstream::Error& e) {
    EXPECT_EQ(e.kind(), libstream::ErrorKind::io);
    EXPECT_NE(std::string(e.what()).find("No space left"), std::string::npos);
  }
  ::close(fd);
}

TEST(Sink, AtomicFileAppearsOnlyOnCommit) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/out.ndjson";
  {
    libstream::AtomicFileSink sink(path);
    sink.write("abc\n", 4);
    EXPECT_FALSE(exists(path));
  }
  EXPECT_FALSE(exists(path));  // destroyed without commit: nothing left behind
  {
    libstream::AtomicFileSink sink(path);
    sink.write("abc\n", 4);
    sink.commit();
  }
  EXPECT_EQ(slurp(path), "abc\n");
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());  // fails if a temporary was left behind
  EXPECT_FALSE(exists(dir));
}

TEST(Sink, DevicesAreWrittenInPlaceNotReplaced) {
  // Regression: -o /dev/null once renamed a temporary over the device (as root).
  libstream::OutputOptions options;
  options.path = "/dev/null";
  {
    auto sink = libstream::open_output(options);
    sink->write("x\n", 2);
    sink->commit();
  }
  struct stat info {};
  ASSERT_EQ(::stat("/dev/null", &info), 0);
  EXPECT_TRUE(S_ISCHR(info.st_mode));
}

TEST(Sink, ZstdOutputRoundTrips) {
  const std::string dir = temp_dir();
  libstream::OutputOptions options;
  options.path = dir + "/out.ndjson.zst";
  std::string text;
  for (int i = 0; i < 10000; ++i) text += "{\"n\":" + std::to_string(i) + "}\n";
  {
    auto sink = libstream::open_output(options);
    sink->write(text.data(), text.size());
    sink->commit();
  }
  auto source = libstream::open_input(options.path);
  std::string back;
  char buffer[4096];
  for (size_t n; (n = source->read(buffer, sizeof buffer)) > 0;) back.append(buffer, n);
  EXPECT_EQ(back, text);
  ::unlink(options.path.c_str());
  ::rmdir(dir.c_str());
}

TEST(Sink, MissingDirectoryIsAnIoErrorNamingThePath) {
  try {
    libstream::AtomicFileSink sink("/nonexistent-dir/x.ndjson");
    FAIL() << "no error";
  } catch (const libstream::Error& e) {
    EXPECT_EQ(e.where(), "/nonexistent-dir/x.ndjson");
  }
}

}  // namespace
