// Instants: any text parses or is refused (no overflow, no UB); a parsed instant in years
// 0000-9999 formats as RFC 3339 and parses back to itself.
#include "fuzz_check.hpp"

#include <libstream/time.hpp>

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::optional<int64_t> instant = libstream::parse_instant(text);
  if (!instant) return 0;
  constexpr int64_t kYear0 = -62167219200LL * 1000000;       // 0000-01-01T00:00:00Z
  constexpr int64_t kYear10000 = 253402300800LL * 1000000;   // 10000-01-01T00:00:00Z
  if (*instant < kYear0 || *instant >= kYear10000) return 0;
  const std::string formatted = libstream::format_instant(*instant);
  FUZZ_CHECK(libstream::parse_instant(formatted) == instant);
  return 0;
}
