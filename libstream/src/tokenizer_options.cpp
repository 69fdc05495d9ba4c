#include <libstream/error.hpp>
#include <libstream/tokenizer_options.hpp>

#include <cctype>

namespace libstream {

void add_tokenizer_options(CLI::App& app, TokenizerOptions& options, const TokenizerOptionStyle& style) {
  // "--chat-tokens: folder of ..." beside another tool's options; "Folder of ..." alone.
  const auto text = [&](std::string description) {
    if (style.used_by.empty()) {
      description[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(description[0])));
      return description;
    }
    return style.used_by + ": " + description;
  };
  auto* encoding = app.add_option("--encoding", options.encoding,
                                  text("token encoding: o200k_base (gpt-4o, gpt-4.1, o-series) or cl100k_base (gpt-4, gpt-3.5); default " +
                                       options.default_encoding));
  auto* vocab = app.add_option("--vocab-dir", options.vocab_dir,
                               text("folder of the tiktoken rank files (<encoding>.json); default $TRACE_VOCAB_DIR, else the "
                                    "one scripts/install-deps.sh fills"));
  if (!style.group.empty()) {
    encoding->group(style.group);
    vocab->group(style.group);
  }
  if (style.with_model) {
    auto* model = app.add_option("--model", options.model, text("count as this OpenAI model does (its encoding)"));
    if (!style.group.empty()) model->group(style.group);
    encoding->excludes(model);
  }
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
