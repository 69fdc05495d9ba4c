// Inspect AI .json logs from arbitrary bytes (libstream/src/inspect_scan.cpp, inspect_log.cpp):
// recognising and reading every sample must end in records, rejected records or one
// libstream::Error, never a crash; a record is always framed by braces and a rejected record
// names its sample. The bytes arrive in reads of 7 so values are split across chunks.
#include "fuzz_check.hpp"

#include <libstream/error.hpp>
#include <libstream/inspect_log.hpp>
#include <libstream/source.hpp>

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto open = [&input] { return std::make_unique<libstream::MemorySource>(input, "fuzz.json", 7); };
  libstream::FramingOptions options;
  options.max_record_size = 1 << 16;
  (void)libstream::starts_like_inspect_log(open);
  try {
    auto source = libstream::open_inspect_log(open, options);
    if (!source) return 0;
    libstream::RawRecord record;
    while (source->next(record)) {
      if (record.problem.empty()) {
        FUZZ_CHECK(record.size >= 2 && record.data[0] == '{' && record.data[record.size - 1] == '}');
      } else {
        FUZZ_CHECK(record.problem.find("samples[") == 0);
      }
    }
  } catch (const libstream::Error& e) {
    FUZZ_CHECK(std::string(e.what()).size() > 0);
  }
  return 0;
}
