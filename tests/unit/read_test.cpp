// trace-read's own logic that is not covered by the golden cases.
#include "read.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace {

TEST(ReadShard, ParsesIndexAndCount) {
  uint64_t index = 9;
  uint64_t count = 9;
  tracemill::parse_shard("2/8", index, count);
  EXPECT_EQ(index, 2u);
  EXPECT_EQ(count, 8u);
  for (const char* bad : {"8/8", "1/0", "1", "/4", "1/", "a/4", "1/2/3", "-1/4"}) {
    EXPECT_THROW(tracemill::parse_shard(bad, index, count), std::invalid_argument) << bad;
  }
}

}  // namespace
