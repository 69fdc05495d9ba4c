// synth-ai trace_export.jsonl rows: counts of a session, no messages.
#include "dialect.hpp"

#include <libstream/time.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace tracemill::normalize {
namespace {

void map_summary(const Value& r, Record& out, const Warn& warn) {
  out.set_text("session_id", *text(find_member(r, "session_id")));
  out.set_time("created_at", "original_created_at", find_present(r, "created_at"), warn);
  out.keep_rest(r, {"session_id", "created_at"});
}

bool recognise(const Value& r) {
  return text(find_member(r, "session_id")).has_value() && find_member(r, "num_messages") != nullptr &&
         find_member(r, "num_events") != nullptr && find_member(r, "messages") == nullptr;
}

void map(const Value& r, const MapContext& context, Record& out) {
  need_session_id(r, "v3-summary");
  map_summary(r, out, context.warn);
}

}  // namespace

extern const DialectSpec kSynthV3Summary{"v3-summary", "session_id, num_messages and num_events, no messages",
                                         "synth-ai v3 summary rows", recognise, map, nullptr};

}  // namespace tracemill::normalize
