// trace/v1 itself: already normalised, passed through byte for byte (normalising is idempotent).
#include "dialect.hpp"

namespace tracemill::normalize {
namespace {

bool recognise(const Value& r) {
  auto schema = text(find_member(r, "schema"));
  return schema && *schema == "trace/v1";
}

}  // namespace

// Neither mapper: the driver writes the record's own bytes.
extern const DialectSpec kTraceV1{"trace/v1", "schema: \"trace/v1\"", "trace/v1", recognise, nullptr, nullptr};

}  // namespace tracemill::normalize
