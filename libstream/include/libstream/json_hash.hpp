// The hash of a value's compact JSON text, computed without writing the text: ids of records
// that carry none are the hash of their whole text (hash.hpp's stable_hash of what
// append_json_value writes), and writing a record only to hash it was a tenth of the work.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>

namespace libstream {

/// Folds into `hash` (FNV-1a, hash.hpp) the bytes append_json_value (json.hpp) writes for
/// `value`, piece by piece, without writing them (the same walk, so the same bytes). False
/// (and `hash` unusable) where append_json_value fails: a NaN.
[[nodiscard]] bool hash_json_value(const rapidjson::Value& value, uint64_t& hash);

}  // namespace libstream
