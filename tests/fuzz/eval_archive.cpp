// Inspect AI .eval archives from arbitrary bytes: opening and reading every sample must end
// in records, rejected records or one libstream::Error, never a crash; a rejected record
// always says why, and a record is always whole JSON text framed by braces.
#include "fuzz_check.hpp"

#include <libstream/error.hpp>
#include <libstream/stores.hpp>

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  libstream::FramingOptions options;
  options.max_record_size = 1 << 16;  // inflating stops there: bombs stay cheap
  try {
    auto source = libstream::open_eval_archive_bytes(input, "fuzz.eval", options);
    libstream::RawRecord record;
    while (source->next(record)) {
      if (record.problem.empty()) {
        FUZZ_CHECK(record.size >= 2 && record.data[0] == '{' && record.data[record.size - 1] == '}');
      } else {
        FUZZ_CHECK(record.problem.find("fuzz.eval:") == 0);
      }
    }
  } catch (const libstream::Error& e) {
    FUZZ_CHECK(std::string(e.what()).size() > 0);
  }
  return 0;
}
