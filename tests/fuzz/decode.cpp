// zstd and gzip decoding of hostile bytes: never a crash; whatever one read returns (byte 0
// picks the read size) a good stream decodes to the same bytes, and a bad one to the same
// error after bytes of which one is a prefix of the other: how much of a corrupt frame the
// streaming decoder hands out before it sees the corruption depends on its input chunks (a
// zstd checksum is only checked at the frame's end). Memory stays bounded (-rss_limit_mb).
#include "fuzz_check.hpp"

#include <libstream/error.hpp>
#include <libstream/source.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

namespace {

struct Decoded {
  std::string out;
  std::string error;
};

Decoded decode(const std::string& bytes, size_t chunk) {
  Decoded result;
  std::string& out = result.out;
  try {
    auto source = libstream::open_decoded(std::make_unique<libstream::MemorySource>(bytes, "fuzz", chunk), false);
    char buffer[4096];
    for (size_t n; (n = source->read(buffer, sizeof buffer)) > 0;) {
      out.append(buffer, n);
      if (out.size() > (size_t{16} << 20)) {  // a bomb: enough seen, cut where any read size cuts
        out.resize(size_t{16} << 20);
        result.error = "(stopped at 16 MiB)";
        return result;
      }
    }
  } catch (const libstream::Error& e) {
    result.error = e.what();
  }
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Decoded whole = decode(bytes, 0);
  const Decoded chunked = decode(bytes, 1 + data[0] % 13);
  FUZZ_CHECK(chunked.error == whole.error);
  if (whole.error.empty()) {
    FUZZ_CHECK(chunked.out == whole.out);
  } else {
    const size_t common = std::min(whole.out.size(), chunked.out.size());
    FUZZ_CHECK(whole.out.compare(0, common, chunked.out, 0, common) == 0);
  }
  return 0;
}
