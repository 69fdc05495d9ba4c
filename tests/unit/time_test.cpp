// Instants: Unix seconds at the edges of four-digit years, and text that is no number.
#include <libstream/time.hpp>

#include <gtest/gtest.h>

namespace {

using libstream::parse_instant;

TEST(Time, UnixSecondsFromYear0000To9999) {
  EXPECT_EQ(parse_instant("1761177325.25"), 1761177325250000);
  EXPECT_EQ(parse_instant("-62167219200"), int64_t{-62167219200} * 1000000);  // 0000-01-01
  EXPECT_EQ(parse_instant("253402300799.5"), int64_t{253402300799500000});  // 9999-12-31T23:59:59.5Z
  // Past year 9999 (RFC 3339 has no form for it): a count of milliseconds or nanoseconds,
  // not seconds. These once gave years like 55,000 and, past 9.22e12, garbage (llround).
  for (const char* text : {"253402300800", "-62167219201", "1761177325250", "1761177325250000000", "9.2e12", "9.3e12", "1e13", "-1e13"}) {
    EXPECT_EQ(parse_instant(text), std::nullopt) << text;
  }
}

TEST(Time, OnlyDecimalNumbersAreSeconds) {
  for (const char* text : {"nan", "-nan", "inf", "0x10", "1e999", "12abc", "--1", "+"}) {
    EXPECT_EQ(parse_instant(text), std::nullopt) << text;
  }
}

TEST(Time, RoundTrips) {
  EXPECT_EQ(libstream::format_instant(*parse_instant("2025-09-26 22:06:25.611865")), "2025-09-26T22:06:25.611865Z");
  EXPECT_EQ(libstream::format_instant(*parse_instant("253402300799.5")), "9999-12-31T23:59:59.500000Z");
  EXPECT_EQ(libstream::format_instant(*parse_instant("-62167219200")), "0000-01-01T00:00:00Z");
}

}  // namespace
