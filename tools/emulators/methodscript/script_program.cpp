#include "tools/emulators/methodscript/script_program.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <string_view>

#include "drivers/methodscript/device_reply.hpp"
#include "drivers/methodscript/package.hpp"

namespace cyclerd::emulator {

namespace {

namespace code = methodscript::error_code;

// The commands the emulator understands: how many arguments name variables it writes (or reads, for
// pck_add and timer_get), how many are values, and whether it opens a loop.
struct CommandRow {
  std::string_view name;
  int out_vars;
  int values;
  bool loop;
  bool galvanostat_only;
};
constexpr std::array<CommandRow, 22> commands{{
    {"set_pgstat_chan", 0, 1, false, false},  {"set_pgstat_mode", 0, 1, false, false},
    {"set_max_bandwidth", 0, 1, false, false}, {"set_range", 0, 2, false, false},
    {"set_autoranging", 0, 3, false, false},   {"set_range_minmax", 0, 3, false, false},
    {"set_e", 0, 1, false, false},             {"set_i", 0, 1, false, true},
    {"cell_on", 0, 0, false, false},           {"cell_off", 0, 0, false, false},
    {"timer_start", 0, 0, false, false},       {"timer_get", 1, 0, false, false},
    {"pck_start", 0, 0, false, false},         {"pck_add", 1, 0, false, false},
    {"pck_end", 0, 0, false, false},           {"meas_loop_ocp", 1, 2, true, false},
    {"meas_loop_ca", 2, 3, true, false},       {"meas_loop_cp", 2, 3, true, true},
    {"meas_loop_lsv", 2, 4, true, false},      {"meas_loop_cv", 2, 5, true, false},
    {"meas_loop_eis", 3, 5, true, false},      {"endloop", 0, 0, false, false},
}};

struct Token {
  std::string text;
  int column;
};

std::vector<Token> split(const std::string& line) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < line.size()) {
    if (line[i] == '#') break;  // a comment runs to the end of the line
    if (line[i] == ' ' || line[i] == '\t') {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '#') ++i;
    tokens.push_back({line.substr(start, i - start), static_cast<int>(start) + 1});
  }
  return tokens;
}

bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

const CommandRow* find_command(const std::string& name) {
  for (const auto& row : commands) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

constexpr std::array<std::string_view, 6> comparisons{{"<", "<=", ">", ">=", "==", "!="}};

// An open block while parsing: a measurement loop (lines go to its body) or an `if` (lines go to its
// last branch).
struct Block {
  Statement* statement;
  bool loop;
  bool has_else = false;
  std::vector<Statement>& lines() const { return loop ? statement->body : statement->body.back().body; }
};

}  // namespace

bool compare(double left, const std::string& op, double right) {
  if (op == "<") return left < right;
  if (op == "<=") return left <= right;
  if (op == ">") return left > right;
  if (op == ">=") return left >= right;
  if (op == "==") return left == right;
  return left != right;
}

std::optional<double> parse_literal(const std::string& text) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  std::size_t digits_start = i;
  double mantissa = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) mantissa = mantissa * 10 + (text[i++] - '0');
  if (i == digits_start) return std::nullopt;
  double factor = 1;
  if (i < text.size()) {
    auto f = methodscript::si_prefix_factor(text[i]);
    if (!f || text[i] == ' ' || i + 1 != text.size()) return std::nullopt;
    factor = *f;
  }
  return (negative ? -mantissa : mantissa) * factor;
}

ParseResult parse_script(const std::vector<std::string>& lines, bool has_galvanostat) {
  ParseResult result;
  Program program;
  std::vector<Statement>* target = &program.main;
  std::vector<Block> open_blocks;  // innermost last
  bool in_on_finished = false;
  auto fail = [&](unsigned c, int line, int column) {
    result.error = {c, line, column};
    return result;
  };
  auto declared = [&](const std::string& name) {
    return std::find(program.variables.begin(), program.variables.end(), name) != program.variables.end();
  };
  for (std::size_t n = 1; n < lines.size(); ++n) {  // lines[0] is the `e` that started the script
    const int line_no = static_cast<int>(n) + 1;
    std::vector<Token> tokens = split(lines[n]);
    if (tokens.empty()) continue;
    const std::string& name = tokens[0].text;
    std::vector<Statement>& into = open_blocks.empty() ? *target : open_blocks.back().lines();
    if (name == "var") {
      if (tokens.size() != 2 || !is_identifier(tokens[1].text)) return fail(code::script_syntax, line_no, tokens[0].column);
      if (!declared(tokens[1].text)) program.variables.push_back(tokens[1].text);
      continue;
    }
    if (name == "on_finished:") {
      if (!open_blocks.empty() || in_on_finished) return fail(code::script_syntax, line_no, tokens[0].column);
      in_on_finished = true;
      target = &program.on_finished;
      continue;
    }
    if (name == "if" || name == "elseif") {
      // A condition: a declared variable, a comparison, a literal or a declared variable.
      if (tokens.size() != 4) return fail(code::script_bad_argument, line_no, tokens[0].column);
      if (!declared(tokens[1].text)) return fail(code::script_variable_undefined, line_no, tokens[1].column);
      if (std::find(comparisons.begin(), comparisons.end(), tokens[2].text) == comparisons.end()) {
        return fail(code::script_bad_argument, line_no, tokens[2].column);
      }
      if (!parse_literal(tokens[3].text) && !declared(tokens[3].text)) {
        return fail(code::script_variable_undefined, line_no, tokens[3].column);
      }
      Statement branch{line_no, "branch", {tokens[1].text, tokens[2].text, tokens[3].text}, {}};
      if (name == "if") {
        into.push_back(Statement{line_no, "if", {}, {}});
        into.back().body.push_back(std::move(branch));
        open_blocks.push_back({&into.back(), false});
        continue;
      }
      if (open_blocks.empty() || open_blocks.back().loop || open_blocks.back().has_else) {
        return fail(code::script_syntax, line_no, tokens[0].column);
      }
      open_blocks.back().statement->body.push_back(std::move(branch));
      continue;
    }
    if (name == "else" || name == "endif") {
      if (tokens.size() != 1 || open_blocks.empty() || open_blocks.back().loop ||
          (name == "else" && open_blocks.back().has_else)) {
        return fail(code::script_syntax, line_no, tokens[0].column);
      }
      if (name == "endif") {
        open_blocks.pop_back();
      } else {
        open_blocks.back().has_else = true;
        open_blocks.back().statement->body.push_back(Statement{line_no, "branch", {}, {}});
      }
      continue;
    }
    if (name == "breakloop") {
      // Leaves the innermost loop, so there must be one around it (an `if` alone is not a loop).
      bool in_loop = std::any_of(open_blocks.begin(), open_blocks.end(), [](const Block& b) { return b.loop; });
      if (tokens.size() != 1 || !in_loop) return fail(code::script_syntax, line_no, tokens[0].column);
      into.push_back(Statement{line_no, "breakloop", {}, {}});
      continue;
    }
    const CommandRow* row = find_command(name);
    if (!row) return fail(code::script_unknown_command, line_no, tokens[0].column);
    if (row->galvanostat_only && !has_galvanostat) return fail(code::not_supported, line_no, tokens[0].column);
    if (name == "endloop") {
      if (open_blocks.empty() || !open_blocks.back().loop || tokens.size() != 1) {
        return fail(code::script_syntax, line_no, tokens[0].column);
      }
      open_blocks.pop_back();
      continue;
    }
    Statement st{line_no, name, {}, {}};
    std::size_t expected = 1 + static_cast<std::size_t>(row->out_vars + row->values);
    std::size_t given = tokens.size();
    // meas_loop_cv takes an optional nscans(N) after its values.
    if (name == "meas_loop_cv" && given == expected + 1) {
      const std::string& opt = tokens.back().text;
      if (opt.rfind("nscans(", 0) != 0 || opt.back() != ')' ||
          !parse_literal(opt.substr(7, opt.size() - 8))) {
        return fail(code::script_bad_argument, line_no, tokens.back().column);
      }
      --given;
    }
    if (given != expected) {
      return fail(code::script_bad_argument, line_no, tokens[std::min(given, expected) - 1].column);
    }
    for (std::size_t k = 1; k < tokens.size(); ++k) {
      const Token& t = tokens[k];
      const bool out = k <= static_cast<std::size_t>(row->out_vars);
      // set_range and set_autoranging name a variable type ("ba", "ab", "db") first.
      const bool type_code = k == 1 && (name == "set_range" || name == "set_autoranging" || name == "set_range_minmax");
      if (type_code) {
        if (t.text.size() != 2) return fail(code::script_bad_argument, line_no, t.column);
      } else if (out) {
        if (!declared(t.text)) return fail(code::script_variable_undefined, line_no, t.column);
      } else if (k < given && !parse_literal(t.text)) {
        if (!is_identifier(t.text)) return fail(code::script_bad_argument, line_no, t.column);
        if (!declared(t.text)) return fail(code::script_variable_undefined, line_no, t.column);
      }
      st.args.push_back(t.text);
    }
    into.push_back(std::move(st));
    if (row->loop) open_blocks.push_back({&into.back(), true});
  }
  if (!open_blocks.empty()) return fail(code::script_syntax, static_cast<int>(lines.size()), 1);
  result.program = std::move(program);
  return result;
}

}  // namespace cyclerd::emulator
