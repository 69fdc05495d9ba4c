// What both Inspect AI log readers (the .eval archive and the streamed .json log) put in a
// one-sample record's "reductions".
#pragma once

#include <rapidjson/document.h>

#include <string>

namespace libstream {

/// The items of an Inspect log's `reductions` array that score sample `id`, each keeping only
/// that sample's scores, as a JSON array; empty if none. Ids are compared as text: 7 and "7"
/// name the same sample.
[[nodiscard]] std::string reductions_scoring(const rapidjson::Value& reductions, const std::string& id);

}  // namespace libstream
