// Negative control: a target that fails on the input "boom", so ctest proves that a failing
// target makes its replay fail (tests/fuzz/CMakeLists.txt, fuzz/negative-control).
#include "fuzz_check.hpp"

#include <cstdint>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FUZZ_CHECK(!(size == 4 && std::memcmp(data, "boom", 4) == 0));
  return 0;
}
