// What both Inspect AI log readers (the .eval archive and the streamed .json log) put in a
// one-sample record's "reductions".
#pragma once

#include <string>
#include <string_view>

namespace libstream {

/// The items of an Inspect log's `reductions` array (its compact JSON text) that score sample
/// `id`, each keeping only that sample's scores (its other members first, then "samples"), as
/// compact JSON text copied byte for byte; empty if none. Ids are compared as text: 7 and "7"
/// name the same sample.
[[nodiscard]] std::string reductions_scoring(std::string_view reductions, const std::string& id);

}  // namespace libstream
