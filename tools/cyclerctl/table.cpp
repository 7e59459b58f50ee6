#include "tools/cyclerctl/table.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace cyclerd::ctl {

TextTable::TextTable(std::vector<std::string> header) { rows_.push_back(std::move(header)); }

void TextTable::add_row(std::vector<std::string> cells) {
  cells.resize(rows_.front().size());
  rows_.push_back(std::move(cells));
}

void TextTable::print(std::ostream& out) const {
  std::vector<std::size_t> width(rows_.front().size(), 0);
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (std::size_t r = 0; r < rows_.size(); ++r) {
    for (std::size_t c = 0; c < rows_[r].size(); ++c) {
      out << (c ? "  " : "") << std::setw(static_cast<int>(width[c])) << rows_[r][c];
    }
    out << '\n';
    if (r == 0) {
      std::size_t total = 0;
      for (auto w : width) total += w + 2;
      out << std::string(total > 2 ? total - 2 : 0, '-') << '\n';
    }
  }
}

std::string fixed(double value, int decimals) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(decimals) << value;
  return s.str();
}

std::string scientific(double value, int decimals) {
  std::ostringstream s;
  s << std::scientific << std::setprecision(decimals) << value;
  return s.str();
}

std::string text_of(const nlohmann::json& value, int decimals) {
  if (value.is_null()) return "-";
  if (value.is_number_float()) return fixed(value.get<double>(), decimals);
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

}  // namespace cyclerd::ctl
