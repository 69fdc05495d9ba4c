// --map FIELD=PATH and --map-file: records of a format no dialect knows, mapped field by
// field as the user says. Members not taken whole are kept under extra.
#include "dialect.hpp"

#include <libstream/hash.hpp>

#include <rapidjson/writer.h>

namespace tracemill::normalize {
namespace {

void map(const Value& record, const MapContext& context, Record& r) {
  std::set<std::string_view> used;
  Usage usage;
  bool has_usage = false;
  for (const auto& [name, path] : context.maps) {
    const Value* v = libstream::find_path(record, path);
    if (path.find('.') == std::string::npos) used.insert(path);  // a whole top-level member was taken
    if (v == nullptr || v->IsNull()) continue;
    if (name == "messages") {
      if (!v->IsArray()) throw MappingError{"--map messages=" + path + ": not an array"};
      map_chat_messages(*v, r);
    } else if (name == "created_at") {
      r.set_time("created_at", "original_created_at", v, context.warn);
    } else if (name == "achievements") {
      r.set("achievements", names_json(achievement_names(v)));
    } else if (name.rfind("usage.", 0) == 0) {
      const auto n = integer(v);
      if (name == "usage.input_tokens") usage.add(n, std::nullopt, std::nullopt);
      if (name == "usage.output_tokens") usage.add(std::nullopt, n, std::nullopt);
      if (name == "usage.total_tokens") usage.total = n ? std::optional<uint64_t>(static_cast<uint64_t>(*n)) : std::nullopt;
      has_usage = true;
    } else if (name == "reward" || name == "cost_usd") {
      if (!v->IsNumber()) throw MappingError{"--map " + name + "=" + path + ": " + json_of(*v) + " is not a number"};
      r.set(name, json_of(*v));
    } else if (name == "seed") {
      r.set(name, json_of(*v));
    } else {
      r.set_text(name, v->IsString() ? string_of(*v) : std::string_view(json_of(*v)));
    }
  }
  if (has_usage && usage.known()) r.set("usage", usage.json());
  if (!r.has("session_id")) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    record.Accept(writer);
    r.set_text("session_id", hex_id("record-", libstream::stable_hash(std::string_view(buffer.GetString(), buffer.GetSize()))));
  }
  r.keep_rest(record, used);
}

}  // namespace

// Never detected: chosen by --map/--map-file for records no dialect recognises, or by --dialect mapped.
extern const DialectSpec kMapped{"mapped", "chosen by --map or --map-file", "Any other format: --map", nullptr, map,
                                 nullptr};

}  // namespace tracemill::normalize
