// Token counting speed: counts the tokens of every text of a corpus (one JSON string per line,
// as bench/tokens.sh extracts message text from a dump), decoded before timing, on one core.
//   bench_tokens ENCODING VOCAB_DIR CORPUS  ->  "texts N bytes N tokens N seconds S MB/s R cpu_seconds ..."
#include <libstream/error.hpp>
#include <libstream/tokenizer.hpp>

#include <rapidjson/document.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: bench_tokens ENCODING VOCAB_DIR CORPUS\n";
    return 2;
  }
  try {
    const auto tokenizer = libstream::Tokenizer::load(argv[1], argv[2]);
    std::ifstream corpus(argv[3]);
    std::vector<std::string> texts;
    size_t bytes = 0;
    for (std::string line; std::getline(corpus, line);) {
      rapidjson::Document document;
      document.Parse(line.c_str(), line.size());
      if (document.HasParseError() || !document.IsString()) continue;
      texts.emplace_back(document.GetString(), document.GetStringLength());
      bytes += texts.back().size();
    }
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    uint64_t tokens = 0;
    for (const std::string& text : texts) tokens += tokenizer->count(text);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    std::cout << "texts " << texts.size() << " bytes " << bytes << " tokens " << tokens << " seconds " << seconds
              << " MB/s " << static_cast<double>(bytes) / 1e6 / seconds << " cpu_seconds " << cpu << " cpu_MB/s "
              << static_cast<double>(bytes) / 1e6 / cpu << "\n";
  } catch (const libstream::Error& error) {
    std::cerr << "bench_tokens: " << error.where() << ": " << error.what() << "\n";
    return 1;
  }
  return 0;
}
