#include <libstream/error.hpp>
#include <libstream/tokenizer_options.hpp>

namespace libstream {

void add_tokenizer_options(CLI::App& app, TokenizerOptions& options) {
  auto* encoding = app.add_option("--encoding", options.encoding,
                                  "Token encoding: o200k_base (gpt-4o, gpt-4.1, o-series) or cl100k_base (gpt-4, "
                                  "gpt-3.5); default " + options.default_encoding);
  auto* model = app.add_option("--model", options.model, "Count as this OpenAI model does (its encoding)");
  encoding->excludes(model);
  app.add_option("--vocab-dir", options.vocab_dir,
                 "Folder of the tiktoken rank files (<encoding>.json); default $TRACE_VOCAB_DIR, else the "
                 "one scripts/install-deps.sh fills");
}

std::string chosen_encoding(const TokenizerOptions& options) {
  if (!options.encoding.empty()) return options.encoding;
  if (options.model.empty()) return options.default_encoding;
  std::string encoding = encoding_for_model(options.model);
  if (encoding.empty()) {
    throw Error(ErrorKind::usage, "",
                "--model " + options.model + ": not an OpenAI model tiktoken knows; name the encoding with --encoding");
  }
  return encoding;
}

std::shared_ptr<const Tokenizer> load_tokenizer(const TokenizerOptions& options) {
  return Tokenizer::load(chosen_encoding(options), options.vocab_dir.empty() ? default_vocab_dir() : options.vocab_dir);
}

}  // namespace libstream
