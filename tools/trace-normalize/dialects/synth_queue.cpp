// synth-ai experiment-queue rows (trace-read of the queue SQLite): statistics input, not
// sessions. Recognised so that they are rejected with a reason that says where they belong.
#include "dialect.hpp"

namespace tracemill::normalize {
namespace {

bool recognise(const Value& r) { return find_member(r, "record_type") != nullptr; }

void map(const Value&, const MapContext&, Record&) {
  throw MappingError{"experiment-queue records are statistics input, not sessions: give them to trace-stats"};
}

}  // namespace

extern const DialectSpec kSynthQueue{"queue", "record_type (experiment, job or trial rows)",
                                     "synth-ai experiment queues", recognise, map, nullptr};

}  // namespace tracemill::normalize
