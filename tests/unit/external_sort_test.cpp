// ExternalSorter: the same order in memory and through spilled runs; early stop; no leftovers.
#include <libstream/external_sort.hpp>
#include <libstream/hash.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

std::vector<std::string> sorted_with_budget(size_t budget, const std::vector<std::string>& records, size_t* runs = nullptr) {
  libstream::ExternalSorter sorter(budget);
  for (const std::string& r : records) sorter.add(libstream::stable_hash(r) % 50, r);  // many equal keys: ties
  std::vector<std::string> out;
  sorter.finish([&](std::string_view r) {
    out.emplace_back(r);
    return true;
  });
  if (runs != nullptr) *runs = sorter.spilled_runs();
  return out;
}

TEST(ExternalSorter, SpilledRunsGiveTheInMemoryOrder) {
  std::vector<std::string> records;
  for (int i = 0; i < 5000; ++i) records.push_back("{\"i\":" + std::to_string(i) + ",\"pad\":\"" + std::string(static_cast<size_t>(i % 97), 'x') + "\"}");
  size_t runs_in_memory = 0, runs_spilled = 0;
  const auto in_memory = sorted_with_budget(size_t{1} << 30, records, &runs_in_memory);
  const auto spilled = sorted_with_budget(4096, records, &runs_spilled);
  EXPECT_EQ(runs_in_memory, 0u);
  EXPECT_GT(runs_spilled, 50u);
  EXPECT_EQ(in_memory, spilled);
  ASSERT_EQ(in_memory.size(), records.size());
  for (size_t i = 1; i < in_memory.size(); ++i) {  // ordered by key, then bytes
    const uint64_t a = libstream::stable_hash(in_memory[i - 1]) % 50, b = libstream::stable_hash(in_memory[i]) % 50;
    EXPECT_TRUE(a < b || (a == b && in_memory[i - 1] < in_memory[i])) << i;
  }
}

TEST(ExternalSorter, StopsWhenAsked) {
  libstream::ExternalSorter sorter(64);
  for (int i = 0; i < 100; ++i) sorter.add(static_cast<uint64_t>(100 - i), std::to_string(i));
  std::vector<std::string> out;
  sorter.finish([&](std::string_view r) {
    out.emplace_back(r);
    return out.size() < 3;
  });
  EXPECT_EQ(out, (std::vector<std::string>{"99", "98", "97"}));
}

TEST(FixedRecordFile, ReadsBackByIndexInAnyOrder) {
  libstream::FixedRecordFile file(12);
  const auto record = [](uint64_t i) {
    std::string text = "record " + std::to_string(i);
    text.resize(12, '.');
    return text;
  };
  for (const uint64_t i : {5u, 0u, 1000u, 3u}) file.write(i, record(i).data());
  file.write(3, record(33).data());  // overwritten in place
  std::string out(12, '?');
  for (const uint64_t i : {1000u, 0u, 5u}) {
    file.read(i, out.data());
    EXPECT_EQ(out, record(i));
  }
  file.read(3, out.data());
  EXPECT_EQ(out, record(33));
  EXPECT_NE(out, record(3));  // negative control
  file.read(4, out.data());   // a hole: zeros
  EXPECT_EQ(out, std::string(12, '\0'));
  file.read(5000, out.data());  // past the end: zeros
  EXPECT_EQ(out, std::string(12, '\0'));
}

}  // namespace
