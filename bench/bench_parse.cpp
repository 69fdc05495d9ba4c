// Parsing one record per line: the JsonChecker (SAX, iterative, raw numbers) that the tools
// use, against rapidjson's DOM and in-situ DOM parses of a copy, and compaction.
#include "bench_data.hpp"

#include <libstream/json.hpp>

#include <benchmark/benchmark.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace {

const std::vector<std::string>& lines() {
  static const std::vector<std::string> result = [] {
    const std::string data = bench::make_ndjson(32 << 20);
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t nl; (nl = data.find('\n', start)) != std::string::npos; start = nl + 1) {
      out.push_back(data.substr(start, nl - start));
    }
    return out;
  }();
  return result;
}

// Built before timing starts (BENCHMARK_MAIN runs benchmarks after static initialisation).
const bool kWarm = !lines().empty();

size_t total_bytes() {
  size_t n = 0;
  for (const auto& line : lines()) n += line.size() + 1;
  return n;
}

}  // namespace

static void BM_JsonCheckerSax(benchmark::State& state) {
  libstream::JsonChecker checker;
  for (auto _ : state) {
    for (const auto& line : lines()) {
      if (!checker.check(line.data(), line.size(), nullptr)) state.SkipWithError("invalid");
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(total_bytes()));
}
BENCHMARK(BM_JsonCheckerSax)->Unit(benchmark::kMillisecond);

static void BM_JsonCheckerCaptureKey(benchmark::State& state) {
  libstream::JsonChecker checker;
  std::string value;
  bool found = false;
  for (auto _ : state) {
    for (const auto& line : lines()) {
      if (!checker.check_capture(line.data(), line.size(), "session_id", value, found, nullptr) || !found) {
        state.SkipWithError("no key");
      }
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(total_bytes()));
}
BENCHMARK(BM_JsonCheckerCaptureKey)->Unit(benchmark::kMillisecond);

static void BM_RapidjsonDom(benchmark::State& state) {
  rapidjson::MemoryPoolAllocator<> pool;
  for (auto _ : state) {
    for (const auto& line : lines()) {
      pool.Clear();
      rapidjson::Document document(&pool);
      document.Parse<rapidjson::kParseFullPrecisionFlag>(line.data(), line.size());
      if (document.HasParseError()) state.SkipWithError("invalid");
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(total_bytes()));
}
BENCHMARK(BM_RapidjsonDom)->Unit(benchmark::kMillisecond);

static void BM_RapidjsonInsituCopy(benchmark::State& state) {
  rapidjson::MemoryPoolAllocator<> pool;
  std::string copy;
  for (auto _ : state) {
    for (const auto& line : lines()) {
      copy.assign(line);
      pool.Clear();
      rapidjson::Document document(&pool);
      document.ParseInsitu(&copy[0]);
      if (document.HasParseError()) state.SkipWithError("invalid");
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(total_bytes()));
}
BENCHMARK(BM_RapidjsonInsituCopy)->Unit(benchmark::kMillisecond);

static void BM_CompactJson(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    for (const auto& line : lines()) {
      out.clear();
      if (!libstream::append_compact_json(line.data(), line.size(), out, nullptr)) state.SkipWithError("invalid");
      if (out.size() != line.size()) state.SkipWithError("compaction changed a compact record");
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(total_bytes()));
}
BENCHMARK(BM_CompactJson)->Unit(benchmark::kMillisecond);
