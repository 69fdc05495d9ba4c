// trace-stats: a table of formatted cells, laid out as aligned text, Markdown or CSV.
#pragma once

#include <string>
#include <vector>

namespace tracemill::stats {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> numeric;  // right-aligned columns

  /// The table as "csv", "markdown" or aligned text (any other format).
  [[nodiscard]] std::string render(const std::string& format) const;
};

/// Display width of UTF-8 text: its code points.
[[nodiscard]] size_t display_width(const std::string& s);

}  // namespace tracemill::stats
