// Framing at tiny read sizes: the same bytes must give the same format, records, problems
// and error whatever one read returns. Byte 0 picks the format, byte 1 the read size and the
// maximum record size; the rest is the input.
#include "fuzz_check.hpp"

#include <libstream/error.hpp>
#include <libstream/record_reader.hpp>
#include <libstream/source.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace {

std::string frame(const std::string& input, libstream::InputFormat format, size_t chunk,
                  const libstream::FramingOptions& options) {
  std::string seen;
  try {
    libstream::RecordReader reader(std::make_unique<libstream::MemorySource>(input, "fuzz", chunk), format, options);
    seen = std::string(libstream::format_name(reader.format())) + "\n";
    libstream::RawRecord record;
    while (reader.next(record)) {
      FUZZ_CHECK(!record.problem.empty() || (record.data != nullptr && record.data[record.size] == 0));
      seen += std::to_string(record.line) + ":" + std::to_string(record.full_size) + ":" +
              std::string(record.data, record.size) + "|" + record.problem + "\n";
    }
  } catch (const libstream::Error& e) {
    seen += std::string("error: ") + e.what();
  }
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const libstream::InputFormat kFormats[] = {
      libstream::InputFormat::auto_detect, libstream::InputFormat::ndjson, libstream::InputFormat::array,
      libstream::InputFormat::concat, libstream::InputFormat::document};
  const libstream::InputFormat format = kFormats[data[0] % 5];
  const size_t chunk = 1 + data[1] % 7;
  libstream::FramingOptions options;
  options.max_record_size = 8 + size_t{data[1]} / 8 * 4;  // 8..132 bytes: oversized records are common
  options.kept_prefix = 6;
  const std::string input(reinterpret_cast<const char*>(data) + 2, size - 2);
  const std::string whole = frame(input, format, 0, options);
  FUZZ_CHECK(frame(input, format, chunk, options) == whole);
  FUZZ_CHECK(frame(input, format, 1, options) == whole);
  return 0;
}
