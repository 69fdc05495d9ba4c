// Decoding: zstd through open_decoded, on the caller's thread and on the prefetch thread.
#include "bench_data.hpp"

#include <libstream/source.hpp>

#include <benchmark/benchmark.h>
#include <zstd.h>

#include <memory>
#include <vector>

static void BM_ZstdSource(benchmark::State& state) {
  static const std::string plain = bench::make_ndjson(64 << 20);
  static const std::string compressed = [] {
    std::string out(ZSTD_compressBound(plain.size()), '\0');
    out.resize(ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), 3));
    return out;
  }();
  const bool threaded = state.range(0) != 0;
  std::vector<char> buffer(1 << 20);
  for (auto _ : state) {
    state.PauseTiming();
    auto memory = std::make_unique<libstream::MemorySource>(compressed);
    state.ResumeTiming();
    auto source = libstream::open_decoded(std::move(memory), threaded);
    size_t total = 0;
    for (size_t n; (n = source->read(buffer.data(), buffer.size())) > 0;) total += n;
    if (total != plain.size()) state.SkipWithError("wrong size");
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(plain.size()));
}
BENCHMARK(BM_ZstdSource)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
