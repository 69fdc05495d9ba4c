// LineReader throughput: framing alone (memchr + NUL termination), at several read sizes.
#include "bench_data.hpp"

#include <libstream/record_reader.hpp>
#include <libstream/source.hpp>
#include <libstream/stream_buffer.hpp>

#include <benchmark/benchmark.h>

static void BM_LineReader(benchmark::State& state) {
  static const std::string data = bench::make_ndjson(64 << 20);
  const auto read_size = static_cast<size_t>(state.range(0));
  uint64_t expected = 0;
  for (const char c : data) expected += c == '\n';
  for (auto _ : state) {
    state.PauseTiming();  // the 64 MB copy into the source is not the reader's work
    libstream::MemorySource source(data);
    state.ResumeTiming();
    libstream::StreamBuffer buffer(source, read_size);
    libstream::LineReader reader(buffer, {});
    libstream::RawRecord record;
    uint64_t lines = 0;
    while (reader.next(record)) ++lines;
    if (lines != expected) state.SkipWithError("wrong line count");
    benchmark::DoNotOptimize(lines);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(expected));
}
BENCHMARK(BM_LineReader)->Arg(64 << 10)->Arg(1 << 20)->Arg(4 << 20)->Unit(benchmark::kMillisecond);
