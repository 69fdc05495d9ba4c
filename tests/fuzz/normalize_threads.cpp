// trace-normalize's driver (run_normalize) on any input: with worker threads, records split
// into many small batches, the output, the rejects, the counters and the exit status are the
// bytes and numbers the reading thread alone makes. This covers what the `normalize` target
// does not: the batching, the workers' screening and mapping, and the hand-over of a record
// that opens a line-per-event session back to the reading thread.
#include "fuzz_check.hpp"

#include "normalize.hpp"

#include <libstream/cli.hpp>
#include <libstream/error.hpp>

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

namespace {

struct Outcome {
  std::string output;
  std::string rejects;
  uint64_t read = 0, written = 0, filtered = 0, rejected = 0;
  int status = -1;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// One process may run several fuzzers' jobs: names carry the process id.
std::string scratch(const char* what) { return "/tmp/fuzz-normalize-threads-" + std::to_string(::getpid()) + "-" + what; }

Outcome run(const std::string& input, unsigned threads) {
  libstream::IoOptions io;
  io.inputs = {input};
  io.output.path = scratch("out");
  io.rejects = scratch("rejects");
  io.quiet = true;
  tracemill::NormalizeOptions options;
  options.threads = threads;
  options.batch_bytes = 64;  // a few records a batch: many batches in flight, handed over in order
  Outcome outcome;
  try {
    auto context = std::make_unique<libstream::ToolContext>("trace-normalize", io);
    try {
      tracemill::run_normalize(options, *context);
    } catch (const libstream::StopRun&) {
    }
    const libstream::Counters& counters = context->counters();
    outcome.read = counters.read;
    outcome.written = counters.written;
    outcome.filtered = counters.filtered;
    outcome.rejected = counters.rejected;
    outcome.status = context->finish();
  } catch (const libstream::Error& e) {
    outcome.status = 100 + static_cast<int>(e.kind());
  }
  outcome.output = slurp(io.output.path);
  outcome.rejects = slurp(io.rejects);
  std::remove(io.output.path.c_str());
  std::remove(io.rejects.c_str());
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input = scratch("in.ndjson");
  {
    std::ofstream out(input, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  const Outcome alone = run(input, 0);
  const Outcome workers = run(input, 2);
  std::remove(input.c_str());
  if (alone.output != workers.output || alone.rejects != workers.rejects) {
    std::fprintf(stderr, "threads 0 wrote:\n%s\nrejects:\n%s\nthreads 2 wrote:\n%s\nrejects:\n%s\n", alone.output.c_str(),
                 alone.rejects.c_str(), workers.output.c_str(), workers.rejects.c_str());
  }
  FUZZ_CHECK(alone.output == workers.output);
  FUZZ_CHECK(alone.rejects == workers.rejects);
  FUZZ_CHECK(alone.read == workers.read && alone.written == workers.written);
  FUZZ_CHECK(alone.filtered == workers.filtered && alone.rejected == workers.rejected);
  FUZZ_CHECK(alone.status == workers.status);
  // The ledger balances either way: every record read is written, filtered or rejected.
  FUZZ_CHECK(alone.read == alone.written + alone.filtered + alone.rejected);
  return 0;
}
