// trace-stats: session ids seen more than once, within one accumulator and across workers'.
#include "accumulator.hpp"

#include <gtest/gtest.h>

namespace {

using tracemill::stats::Accumulator;

TEST(StatsRepeats, CountedWithinAndAcrossMergedAccumulators) {
  const tracemill::StatsOptions options;
  Accumulator first(options), second(options);
  EXPECT_FALSE(first.repeated_session("s1"));
  EXPECT_FALSE(first.repeated_session("s2"));
  EXPECT_TRUE(first.repeated_session("s2"));
  EXPECT_FALSE(second.repeated_session("s3"));
  EXPECT_FALSE(second.repeated_session("s1"));  // new to this worker; a repeat once merged
  EXPECT_EQ(first.repeated_sessions(), 1u);
  EXPECT_EQ(second.repeated_sessions(), 0u);
  first.merge(second);
  EXPECT_EQ(first.repeated_sessions(), 2u);
  EXPECT_TRUE(first.repeated_session("s3"));
  EXPECT_FALSE(first.repeated_session("s4"));
  EXPECT_EQ(first.repeated_sessions(), 3u);
  EXPECT_EQ(first.untracked_ids(), 0u);
}

TEST(StatsRepeats, IdsBeyondTheLimitAreNotCheckedButCounted) {
  const tracemill::StatsOptions options;
  Accumulator acc(options);
  for (size_t i = 0; i < Accumulator::kMaxTrackedIds + 3; ++i) static_cast<void>(acc.repeated_session("id-" + std::to_string(i)));
  EXPECT_EQ(acc.untracked_ids(), 3u);
  EXPECT_EQ(acc.repeated_sessions(), 0u);
  EXPECT_TRUE(acc.repeated_session("id-0"));
}

}  // namespace
