#include "table.hpp"

#include "format.hpp"

#include <algorithm>
#include <numeric>

namespace tracemill::stats {

size_t display_width(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string shorten(const std::string& s, size_t width) {
  if (display_width(s) <= width) return s;
  if (width < 4) return s.substr(0, width);
  std::string out;
  size_t n = 0;
  for (char c : s) {
    const bool starts = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts && n++ == width - 3) break;
    out += c;
  }
  return out + "...";
}

namespace {

std::string csv(const Table& t) {
  const auto cell = [](const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? "\"\"" : std::string(1, c);
    return q + "\"";
  };
  std::string out;
  for (size_t i = 0; i < t.header.size(); ++i) out += (i > 0 ? "," : "") + cell(t.header[i]);
  out += '\n';
  for (const auto& row : t.rows) {
    for (size_t i = 0; i < row.size(); ++i) out += (i > 0 ? "," : "") + cell(row[i]);
    out += '\n';
  }
  return out;
}

bool is_numeric(const Table& t, size_t column) { return t.numeric.size() > column && t.numeric[column]; }

/// The table's cells as displayed: numbers with thousands separators.
std::vector<std::vector<std::string>> displayed(const Table& t) {
  std::vector<std::vector<std::string>> cells = {t.header};
  for (const auto& row : t.rows) {
    cells.push_back(row);
    for (size_t i = 0; i < row.size(); ++i) {
      if (is_numeric(t, i)) cells.back()[i] = group_thousands(row[i]);
    }
  }
  return cells;
}

std::string markdown(const Table& t) {
  const auto escape = [](const std::string& s) {
    std::string e;
    for (char c : s) e += c == '|' ? "\\|" : std::string(1, c);
    return e;
  };
  const auto cells = displayed(t);
  std::string out = "|";
  for (const auto& h : cells[0]) out += " " + escape(h) + " |";
  out += "\n|";
  for (size_t i = 0; i < t.header.size(); ++i) out += is_numeric(t, i) ? "---:|" : "---|";
  out += '\n';
  for (size_t r = 1; r < cells.size(); ++r) {
    out += "|";
    for (const auto& c : cells[r]) out += " " + escape(c) + " |";
    out += '\n';
  }
  return out;
}

/// The columns `columns` of `cells`, aligned, two spaces apart.
std::string aligned(const Table& t, const std::vector<std::vector<std::string>>& cells, const std::vector<size_t>& columns,
                    const std::vector<size_t>& width) {
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (size_t k = 0; k < columns.size(); ++k) {
      const size_t i = columns[k];
      const std::string& cell = i < row.size() ? row[i] : std::string();
      const std::string pad(width[i] - std::min(width[i], display_width(cell)), ' ');
      line += (k > 0 ? "  " : "") + (is_numeric(t, i) ? pad + cell : cell + (k + 1 < columns.size() ? pad : ""));
    }
    out += line + "\n";
  }
  return out;
}

/// The leading columns repeated in every block of a table cut to fit: up to the first text
/// column, and the one after it when that is text too (A and B of a comparison).
size_t key_columns(const Table& t) {
  size_t k = 0;
  while (k < t.header.size() && is_numeric(t, k)) ++k;
  if (k == t.header.size()) return 1;
  ++k;
  if (k < 2 && k + 1 < t.header.size() && !is_numeric(t, k)) ++k;
  return std::min(k, t.header.size());
}

std::string text(const Table& t, size_t limit) {
  auto cells = displayed(t);
  const size_t n = t.header.size();
  std::vector<size_t> width(n, 0);
  const auto measure = [&] {
    for (size_t i = 0; i < n; ++i) {
      width[i] = 0;
      for (const auto& row : cells) width[i] = std::max(width[i], i < row.size() ? display_width(row[i]) : 0);
    }
  };
  measure();
  const size_t total = std::accumulate(width.begin(), width.end(), size_t{0}) + 2 * (n - 1);
  std::vector<size_t> all(n);
  std::iota(all.begin(), all.end(), size_t{0});
  if (limit == 0 || total <= limit || n == 0) return aligned(t, cells, all, width);

  const size_t keys = key_columns(t);
  // Text cells too wide for a block are shortened: the key columns to half the width
  // together, then any other text column to what the keys leave.
  const auto fit = [&](size_t i, size_t room) {
    if (is_numeric(t, i) || width[i] <= room) return;
    for (auto& row : cells) {
      if (i < row.size()) row[i] = shorten(row[i], std::max<size_t>(room, 8));
    }
  };
  size_t key_width = 0;
  for (size_t i = 0; i < keys; ++i) key_width += width[i] + 2;
  if (key_width > limit / 2) {
    for (size_t i = 0; i < keys; ++i) fit(i, limit / 2 / keys - 2);
    measure();
    key_width = 0;
    for (size_t i = 0; i < keys; ++i) key_width += width[i] + 2;
  }
  for (size_t i = keys; i < n; ++i) fit(i, limit > key_width ? limit - key_width : 8);
  measure();

  std::string out;
  for (size_t next = keys; next < n || (next == keys && n == keys);) {
    std::vector<size_t> block(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keys));
    size_t used = key_width;
    while (next < n && (block.size() == keys || used + width[next] <= limit)) {
      block.push_back(next);
      used += width[next] + 2;
      ++next;
    }
    out += (out.empty() ? "" : "\n") + aligned(t, cells, block, width);
    if (n == keys) break;
  }
  return out;
}

}  // namespace

std::string Table::render(const std::string& format, size_t width) const {
  if (format == "csv") return csv(*this);
  if (format == "markdown") return markdown(*this);
  return text(*this, width);
}

}  // namespace tracemill::stats
