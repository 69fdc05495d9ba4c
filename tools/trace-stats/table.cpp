#include "table.hpp"

#include <algorithm>

namespace tracemill::stats {

size_t display_width(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string Table::render(const std::string& format) const {
  std::string out;
  if (format == "csv") {
    const auto cell = [](const std::string& s) {
      if (s.find_first_of(",\"\n") == std::string::npos) return s;
      std::string q = "\"";
      for (char c : s) q += c == '"' ? "\"\"" : std::string(1, c);
      return q + "\"";
    };
    for (size_t i = 0; i < header.size(); ++i) out += (i > 0 ? "," : "") + cell(header[i]);
    out += '\n';
    for (const auto& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) out += (i > 0 ? "," : "") + cell(row[i]);
      out += '\n';
    }
    return out;
  }
  if (format == "markdown") {
    const auto escape = [](const std::string& s) {
      std::string e;
      for (char c : s) e += c == '|' ? "\\|" : std::string(1, c);
      return e;
    };
    out += "|";
    for (const auto& h : header) out += " " + escape(h) + " |";
    out += "\n|";
    for (size_t i = 0; i < header.size(); ++i) out += numeric.size() > i && numeric[i] ? "---:|" : "---|";
    out += '\n';
    for (const auto& row : rows) {
      out += "|";
      for (const auto& c : row) out += " " + escape(c) + " |";
      out += '\n';
    }
    return out;
  }
  std::vector<size_t> width(header.size(), 0);
  const auto length = display_width;
  for (size_t i = 0; i < header.size(); ++i) width[i] = length(header[i]);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], length(row[i]));
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (size_t i = 0; i < cells.size(); ++i) {
      const std::string pad(width[i] - length(cells[i]), ' ');
      const bool right = numeric.size() > i && numeric[i];
      l += (i > 0 ? "  " : "") + (right ? pad + cells[i] : cells[i] + (i + 1 < cells.size() ? pad : ""));
    }
    return l + "\n";
  };
  out += line(header);
  for (const auto& row : rows) out += line(row);
  return out;
}

}  // namespace tracemill::stats
