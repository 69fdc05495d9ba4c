// Instants: Unix seconds at the edge of int64 microseconds, and text that is no number.
#include <libstream/time.hpp>

#include <gtest/gtest.h>

namespace {

using libstream::parse_instant;

TEST(Time, UnixSecondsUpToTheInt64MicrosecondRange) {
  EXPECT_EQ(parse_instant("1761177325.25"), 1761177325250000);
  EXPECT_EQ(parse_instant("9.2e12"), 9200000000000000000);
  EXPECT_EQ(parse_instant("-9.2e12"), -9200000000000000000);
  // (9.22e12, 1e13] overflowed llround (UB; garbage instants).
  EXPECT_EQ(parse_instant("9.3e12"), std::nullopt);
  EXPECT_EQ(parse_instant("9999999999999"), std::nullopt);
  EXPECT_EQ(parse_instant("1e13"), std::nullopt);
  EXPECT_EQ(parse_instant("-1e13"), std::nullopt);
}

TEST(Time, OnlyDecimalNumbersAreSeconds) {
  for (const char* text : {"nan", "-nan", "inf", "0x10", "1e999", "12abc", "--1", "+"}) {
    EXPECT_EQ(parse_instant(text), std::nullopt) << text;
  }
}

TEST(Time, RoundTrips) {
  EXPECT_EQ(libstream::format_instant(*parse_instant("2025-09-26 22:06:25.611865")), "2025-09-26T22:06:25.611865Z");
  EXPECT_EQ(libstream::format_instant(*parse_instant("9.2e12")), "293506-05-25T11:33:20Z");
}

}  // namespace
