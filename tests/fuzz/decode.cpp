// zstd and gzip decoding of hostile bytes: never a crash; the bytes delivered and the error
// are the same whatever one read returns (byte 0 picks the read size); memory stays bounded
// (libFuzzer's -rss_limit_mb and -malloc_limit_mb catch a bomb that is buffered).
#include "fuzz_check.hpp"

#include <libstream/error.hpp>
#include <libstream/source.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace {

std::string decode(const std::string& bytes, size_t chunk) {
  std::string out;
  try {
    auto source = libstream::open_decoded(std::make_unique<libstream::MemorySource>(bytes, "fuzz", chunk), false);
    char buffer[4096];
    for (size_t n; (n = source->read(buffer, sizeof buffer)) > 0;) {
      out.append(buffer, n);
      if (out.size() > (size_t{16} << 20)) {  // a bomb: enough seen, cut where any read size cuts
        out.resize(size_t{16} << 20);
        return out + "\n(stopped at 16 MiB)";
      }
    }
  } catch (const libstream::Error& e) {
    out += std::string("\nerror: ") + e.what();
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string whole = decode(bytes, 0);
  FUZZ_CHECK(decode(bytes, 1 + data[0] % 13) == whole);
  return 0;
}
