// The documented token estimate (tools/trace-validate/README.md), shared by trace-validate's
// token counts and trace-pair's budget: no tokenizer vocabulary is needed.
#pragma once

#include <cstdint>
#include <string_view>

namespace libstream {

/// About how many cl100k_base tokens `text` holds: the pieces its pre-tokenizer cuts (words
/// with their leading space, digits in threes, punctuation runs, whitespace runs), one token per
/// started 8 bytes of a piece, plus one for a punctuation character glued to a word.
[[nodiscard]] uint64_t estimate_tokens(std::string_view text);

}  // namespace libstream
