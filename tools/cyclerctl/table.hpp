// Plain-text tables for people; programs use --json instead.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cyclerd::ctl {

// A table with a header row, right-aligned columns and a rule under the header.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header);
  void add_row(std::vector<std::string> cells);
  void print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// A number with a fixed count of decimals ("796.4").
std::string fixed(double value, int decimals);
// A number in scientific notation ("2.60e-12").
std::string scientific(double value, int decimals);
// A JSON value as a table cell: "-" for null, a float with `decimals`, a string as it is, else its JSON.
std::string text_of(const nlohmann::json& value, int decimals = 3);

}  // namespace cyclerd::ctl
