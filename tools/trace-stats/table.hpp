// trace-stats: a table of formatted cells, laid out as aligned text, Markdown or CSV.
#pragma once

#include <string>
#include <vector>

namespace tracemill::stats {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> numeric;  // right-aligned columns

  /// The table as "csv", "markdown" or aligned text (any other format). Text and Markdown
  /// group the thousands of large numbers; CSV keeps them plain for machines. Aligned text
  /// wider than `width` columns (0: no limit) is cut into blocks of columns stacked one under
  /// the other, each repeating the leading key columns; a text cell that cannot fit even so
  /// is shortened, ending in "...".
  [[nodiscard]] std::string render(const std::string& format, size_t width = 0) const;
};

/// Display width of UTF-8 text: its code points.
[[nodiscard]] size_t display_width(const std::string& s);
/// `s` cut to at most `width` code points, ending in "..." when it was cut.
[[nodiscard]] std::string shorten(const std::string& s, size_t width);

}  // namespace tracemill::stats
