// Exact token counts: byte-pair encoding identical to OpenAI's tiktoken for o200k_base and
// cl100k_base (token ids, special tokens included), read from the rank files the npm package
// `tiktoken` ships (encoders/<encoding>.json). Nothing is downloaded: a missing file is an Error.
//
// Text is bytes. Invalid UTF-8 is read as a WHATWG decoder (and so node) reads it, each maximal
// invalid subsequence becoming U+FFFD, except that a UTF-16 surrogate encoded in UTF-8 (the
// bytes a JSON escape such as \udc00 decodes to) is one U+FFFD, as tiktoken counts a lone
// surrogate of a Python or JavaScript string.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace libstream {

/// Whether special-token text such as "<|endoftext|>" in the input is the special token, or
/// plain text (tiktoken's encode_ordinary; what the API does with it in a message).
enum class SpecialTokens { as_text, recognised };

class Tokenizer {
 public:
  /// Loads `<vocab_dir>/<encoding>.json` (the npm package's format: pat_str, special_tokens,
  /// bpe_ranks). Throws Error (data) when the file is missing or malformed, or when
  /// `encoding` is not one this tokenizer knows how to split (o200k_base, cl100k_base).
  static std::shared_ptr<const Tokenizer> load(const std::string& encoding, const std::string& vocab_dir);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  [[nodiscard]] const std::string& encoding() const noexcept;
  /// Appends the token ids of `text` to `out`. Safe from many threads at once.
  void encode(std::string_view text, std::vector<uint32_t>& out,
              SpecialTokens special = SpecialTokens::as_text) const;
  /// How many tokens encode() would append.
  [[nodiscard]] uint64_t count(std::string_view text, SpecialTokens special = SpecialTokens::as_text) const;
  /// The bytes of the tokens `ids` (special tokens as their text); unknown ids are skipped.
  [[nodiscard]] std::string decode(const std::vector<uint32_t>& ids) const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Where the rank files are looked for when no --vocab-dir is given: $TRACE_VOCAB_DIR when
/// set, else the folder scripts/install-deps.sh installs them into (fixed at build time).
[[nodiscard]] std::string default_vocab_dir();

/// The encoding of an OpenAI model name as tiktoken maps it ("gpt-4.1-mini" -> "o200k_base",
/// "gpt-3.5-turbo" -> "cl100k_base", fine-tuned "ft:gpt-4o-mini:org::id" as its base); empty
/// when the model is unknown.
[[nodiscard]] std::string encoding_for_model(std::string_view model);

/// `text` with invalid UTF-8 replaced as the header says; `text` itself when it is valid.
[[nodiscard]] std::string_view repair_utf8(std::string_view text, std::string& storage);

}  // namespace libstream
