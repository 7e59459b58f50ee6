#include "tools/emulators/scpi-smu/smu_instrument.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace cyclerd::emulator {

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  std::size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return {};
  std::size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

// The header of a numeric command pattern (":SENS:VOLT:PROT {}" -> ":SENS:VOLT:PROT").
std::string header(std::string_view pattern) { return trim(std::string(pattern.substr(0, pattern.find("{}")))); }

// `text` is `pattern` with a number for "{}": returns the number.
bool numeric(const std::string& text, std::string_view pattern, double& value) {
  std::string head = upper(header(pattern));
  if (text.rfind(head + " ", 0) != 0) return false;
  std::string arg = trim(text.substr(head.size()));
  char* end = nullptr;
  value = std::strtod(arg.c_str(), &end);
  return !arg.empty() && end == arg.c_str() + arg.size() && std::isfinite(value);
}

// `text` is `pattern` with comma-separated numbers for "{}" (a list of levels): returns them.
bool numbers(const std::string& text, std::string_view pattern, std::vector<double>& values) {
  std::string head = upper(std::string(pattern.substr(0, pattern.find("{}"))));
  if (pattern.find("{}") == std::string_view::npos || text.rfind(head, 0) != 0) return false;
  values.clear();
  std::string rest = text.substr(head.size());
  std::size_t start = 0;
  for (;;) {
    std::size_t at = rest.find(',', start);
    std::string item = trim(rest.substr(start, at == std::string::npos ? std::string::npos : at - start));
    char* end = nullptr;
    double x = std::strtod(item.c_str(), &end);
    if (item.empty() || end != item.c_str() + item.size() || !std::isfinite(x)) return false;
    values.push_back(x);
    if (at == std::string::npos) return true;
    start = at + 1;
  }
}

// `text` starts as `pattern` does up to its "{}" (a query whose argument the emulator does not need).
bool starts_as(const std::string& text, std::string_view pattern) {
  if (pattern.empty()) return false;
  return text.rfind(upper(std::string(pattern.substr(0, pattern.find("{}")))), 0) == 0;
}

// The last digit of a reading between 1 and 10 V (7 significant digits): a level the host took from a
// reading is the cell's voltage to within it. Far below any sweep's step (1 mV/s in 1/6 s points: 170 uV).
constexpr double reading_resolution_V = 1e-6;

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.6E", x);
  return buf;
}

}  // namespace

SmuInstrument::SmuInstrument(const SmuModel& model, const sim::CellParams& cell, double active_mass_g,
                             std::uint64_t seed)
    : model_(model), cell_(std::make_unique<sim::CellModel>(cell, active_mass_g, seed)) {}

void SmuInstrument::push_error(int code, const std::string& message) {
  if (errors_.size() < 10) errors_.emplace_back(code, message);
  else errors_.back() = {-350, "Queue overflow"};
}

Setpoint SmuInstrument::drive() const {
  Setpoint sp;
  if (!output_on_) {
    // NORMal off: the V-source at 0 V with its compliance at 0.5 % of the current range sinks current out
    // of a connected cell. HIMP: the relay is open and nothing flows.
    if (!himp_) {
      sp.mode = Mode::current;
      sp.value = -0.005 * model_.i_range_A;
    }
    return sp;
  }
  if (source_current_) {
    sp.mode = Mode::current;
    sp.value = current_A_;
    if (std::abs(cell_->voltage_V()) >= v_compliance_V_ && current_A_ * cell_->voltage_V() > 0) {
      sp.mode = Mode::voltage;  // in compliance: the SMU holds the limit
      sp.value = std::copysign(v_compliance_V_, cell_->voltage_V());
    }
  } else {
    sp.mode = Mode::voltage;
    sp.value = voltage_V_;
    if (std::abs(cell_->current_A()) >= i_compliance_A_ &&
        (voltage_V_ - cell_->voltage_V()) * cell_->current_A() > 0) {
      sp.mode = Mode::current;  // in compliance: the SMU limits the current until the level is reached
      sp.value = std::copysign(i_compliance_A_, cell_->current_A());
      if (sp.value > 0) sp.stop_above_V = voltage_V_;
      else sp.stop_below_V = voltage_V_;
    }
  }
  return sp;
}

void SmuInstrument::advance_to(double now_s) {
  // A current-limited voltage source that reaches its level in the interval holds the level for the
  // rest of it: the cell model stops on the limit, so the interval is finished under the new drive.
  const double max_step_s = cell_->params().max_step_s;
  for (int leg = 0; leg < 4 && now_s - t_s_ > 1e-12;) {
    Setpoint sp = drive();
    // The cell is told only when the drive changes. Told again at every chunk, a voltage hold would
    // take the sign of the rounding between its level and the cell's voltage for the direction of its
    // hysteresis branch, and the branch would chatter (amps at a held level between list segments).
    if (!applied_ || sp.mode != applied_->mode || sp.value != applied_->value ||
        sp.stop_above_V != applied_->stop_above_V || sp.stop_below_V != applied_->stop_below_V) {
      applied_ = sp;
      applied_at_s_ = t_s_;
      sp.sample_period_s = max_step_s;
      if (trace_) {
        *trace_ << t_s_ << ' ' << to_string(sp.mode) << ' ' << sp.value << ' ' << cell_->voltage_V() << ' '
                << cell_->current_A() << '\n';
      }
      // A level within a reading's last digit of the cell's voltage (the output going on at the voltage
      // just read) leaves the cell where it is: the cell model takes the sign of the smallest
      // difference for the direction of its hysteresis branch, and a hold at the rest potential whose
      // rounding pointed the wrong way flipped the branch (0.14 A after 3 s, at the compliance).
      if (sp.mode == Mode::voltage && std::abs(sp.value - cell_->voltage_V()) < reading_resolution_V) {
        sp.value = cell_->voltage_V();
      }
      cell_->apply(sp);
    }
    // One model step at a time (its grid starts at the apply), so the step's current is the chunk's.
    const double since_s = t_s_ - applied_at_s_;
    const double grid_s = (std::floor(since_s / max_step_s + 1e-9) + 1) * max_step_s - since_s;
    const double dt = std::min(now_s - t_s_, grid_s);
    const double cell_t_s = cell_->time_s();
    const Sample s = cell_->advance(dt);
    const double took_s = s.has(sample_flag::limit_reached) ? std::max(0.0, cell_->time_s() - cell_t_s) : dt;
    const double moved_Ah = cell_->current_A() * took_s / 3600.0;
    if (!output_on_) protection_.off_charge_Ah += std::abs(moved_Ah);
    else net_charge_Ah_ += moved_Ah;
    if (output_on_) (moved_Ah > 0 ? protection_.charge_in_Ah : protection_.charge_out_Ah) += std::abs(moved_Ah);
    t_s_ += took_s;
    if (took_s < dt) {
      ++leg;  // landed on a limit: the cell rests now, the rest of the chunk runs under the new drive
      applied_.reset();
    }
  }
  t_s_ = std::max(t_s_, now_s);
}

void SmuInstrument::output(bool on) {
  if (on && !output_on_) {
    ++protection_.output_ons;
    bool ok = source_current_ ? v_compliance_set_ : i_compliance_set_;
    if (!ok) {
      ++protection_.violations;
      std::cerr << "PROTECTION: output on without a compliance for the "
                << (source_current_ ? "current" : "voltage") << " source\n";
    }
  }
  if (!on) v_compliance_set_ = i_compliance_set_ = false;
  output_on_ = on;
}

std::string SmuInstrument::reading() {
  const ReadingLayout& layout = source_current_ ? model_.current_source_layout : model_.voltage_source_layout;
  std::vector<std::string> fields(static_cast<std::size_t>(layout.fields), number(0));
  double v = output_on_ ? cell_->voltage_V() : model_.overflow_V;
  double i = output_on_ ? cell_->current_A() : model_.overflow_V;
  if (!output_on_) push_error(-221, "Settings conflict; output is off");
  fields[static_cast<std::size_t>(layout.voltage)] = number(v);
  fields[static_cast<std::size_t>(layout.current)] = number(i);
  if (layout.time >= 0) fields[static_cast<std::size_t>(layout.time)] = number(t_s_);
  std::string out;
  for (std::size_t k = 0; k < fields.size(); ++k) out += (k ? "," : "") + fields[k];
  return out;
}

void SmuInstrument::run_list() {
  const ListSweep& list = model_.list;
  const double point_s = list.timing_is_period ? std::max(list_timing_s_, aperture_s_) : list_timing_s_ + aperture_s_;
  const double bias_V = voltage_V_;
  const ReadingLayout& layout = model_.voltage_source_layout;
  list_buffer_.clear();
  for (double level : list_levels_V_) {
    std::vector<std::string> fields(static_cast<std::size_t>(layout.fields), number(0));
    double v = model_.overflow_V, i = model_.overflow_V;
    if (output_on_ && !source_current_) {
      // The level holds for the whole point; the reading integrates the last `aperture_s_` of it.
      voltage_V_ = level;
      advance_to(t_s_ + point_s - aperture_s_);
      const double before_Ah = net_charge_Ah_;
      advance_to(t_s_ + aperture_s_);
      v = cell_->voltage_V();
      i = (net_charge_Ah_ - before_Ah) * 3600.0 / aperture_s_;
    } else {
      advance_to(t_s_ + point_s);
      push_error(-221, "Settings conflict; output is off or not a voltage source");
    }
    fields[static_cast<std::size_t>(layout.voltage)] = number(v);
    fields[static_cast<std::size_t>(layout.current)] = number(i);
    if (layout.time >= 0) fields[static_cast<std::size_t>(layout.time)] = number(t_s_);
    std::string out;
    for (std::size_t k = 0; k < fields.size(); ++k) out += (k ? "," : "") + fields[k];
    list_buffer_.push_back(std::move(out));
  }
  // After the list the source keeps its last level (the B2900's "output after sweep: END"; the emulator
  // gives every model that behaviour).
  if (!list_levels_V_.empty() && output_on_ && !source_current_) voltage_V_ = list_levels_V_.back();
  else voltage_V_ = bias_V;
  list_points_run_ = list_levels_V_.size();
  list_pending_ = false;
}

bool SmuInstrument::list_command(const std::string& text, std::vector<std::string>& replies) {
  const ListSweep& list = model_.list;
  auto is = [&](std::string_view c) { return !c.empty() && text == upper(std::string(c)); };
  std::vector<double> xs;
  // Numeric commands first: a one-level list's count (":TRIG:COUN 1") is also one of the exit commands.
  if (numbers(text, list.levels, xs) || numbers(text, list.append, xs)) {
    const bool append = starts_as(text, list.append);
    if (xs.size() > static_cast<std::size_t>(list.levels_per_command) ||
        (append ? list_levels_V_.size() : 0) + xs.size() > static_cast<std::size_t>(list.max_points)) {
      push_error(-223, "Too much data");
      return true;
    }
    if (std::any_of(xs.begin(), xs.end(), [&](double v) { return std::abs(v) > model_.v_range_V * 1.01; })) {
      push_error(-222, "Data out of range");
      return true;
    }
    if (!append) list_levels_V_.clear();
    list_levels_V_.insert(list_levels_V_.end(), xs.begin(), xs.end());
    list_pending_ = true;
  } else if (numbers(text, list.count, xs) && xs.size() == 1) {
    // The count the trigger model runs; the emulator runs the whole list.
  } else if (numbers(text, list.timing, xs) && xs.size() == 1) {
    if (xs[0] < 0 || xs[0] > 1e4) push_error(-222, "Data out of range");
    else list_timing_s_ = xs[0];
    list_mode_ = true;  // the 2450 builds its list sweep from this command
  } else if (numbers(text, list.aperture, xs) && xs.size() == 1) {
    const double a = xs[0] * list.aperture_unit_s;
    if (!(a > 0) || a > list.max_aperture_s * 1.0001) push_error(-222, "Data out of range");
    else aperture_s_ = a;
  } else if (std::any_of(list.exit.begin(), list.exit.end(), is)) {
    list_mode_ = list_pending_ = false;
  } else if (std::any_of(list.enter.begin(), list.enter.end(), is)) {
    list_mode_ = true;
  } else if (std::any_of(list.before_segment.begin(), list.before_segment.end(), is)) {
    list_buffer_.clear();
  } else if (list_mode_ && (text == ":INIT" || text == "*WAI")) {
    if (text == ":INIT") run_list();
  } else if (list_mode_ && starts_as(text, list.fetch)) {
    if (list_pending_) run_list();
    std::string out;
    for (std::size_t k = 0; k < list_buffer_.size(); ++k) out += (k ? "," : "") + list_buffer_[k];
    replies.push_back(out);
  } else {
    return false;
  }
  return true;
}

void SmuInstrument::command(const std::string& raw, std::vector<std::string>& replies) {
  std::string text = upper(trim(raw));
  if (text.empty()) return;
  const SmuModel& m = model_;
  double x = 0;
  auto is = [&](std::string_view c) { return text == upper(std::string(c)); };
  if (text == "*IDN?") {
    replies.push_back("CYCLERD EMULATOR," + std::string(m.idn_match) + ",0,1.0");
  } else if (text == "*OPC?") {
    replies.push_back("1");
  } else if (text == "*CLS") {
    errors_.clear();
  } else if (text == "*RST") {
    output(false);
    himp_ = false;
  } else if (is(m.error_query)) {
    if (errors_.empty()) {
      replies.push_back("0,\"No error\"");
    } else {
      replies.push_back(std::to_string(errors_.front().first) + ",\"" + errors_.front().second + "\"");
      errors_.pop_front();
    }
  } else if (text == ":EMUL:PROT?") {
    replies.push_back(std::to_string(protection_.output_ons) + "," + std::to_string(protection_.violations) + "," +
                      number(protection_.off_charge_Ah));
  } else if (list_command(text, replies)) {
    // a list sweep's command
  } else if (is(m.output_on)) {
    output(true);
  } else if (is(m.output_off)) {
    output(false);
  } else if (is(m.source_current) || is(m.source_voltage)) {
    bool to_current = is(m.source_current);
    if (output_on_ && to_current != source_current_) output(false);  // a function change turns the output off
    if (to_current != source_current_) v_compliance_set_ = i_compliance_set_ = false;
    source_current_ = to_current;
  } else if (is(m.read)) {
    replies.push_back(reading());
  } else if (numeric(text, m.voltage_compliance, x)) {
    if (std::abs(x) > m.v_range_V * 1.01) return push_error(-222, "Data out of range");
    v_compliance_V_ = std::abs(x);
    v_compliance_set_ = true;
  } else if (numeric(text, m.current_compliance, x)) {
    if (std::abs(x) > m.i_range_A * 1.01) return push_error(-222, "Data out of range");
    i_compliance_A_ = std::abs(x);
    i_compliance_set_ = true;
  } else if (numeric(text, m.current_level, x)) {
    if (std::abs(x) > m.i_range_A * 1.01) return push_error(-222, "Data out of range");
    current_A_ = x;
  } else if (numeric(text, m.voltage_level, x)) {
    if (std::abs(x) > m.v_range_V * 1.01) return push_error(-222, "Data out of range");
    voltage_V_ = x;
  } else if (std::any_of(m.setup.begin(), m.setup.end(), [&](std::string_view s) { return is(s); }) ||
             is(m.measure_for_current_source) || is(m.measure_for_voltage_source)) {
    // Off-state commands open the relay when the output goes off; the others configure readings.
    if (text.find("HIMP") != std::string::npos || text.find("HIZ") != std::string::npos) himp_ = true;
  } else {
    push_error(-113, "Undefined header");
  }
}

std::vector<std::string> SmuInstrument::handle(const std::string& line, double now_s) {
  advance_to(now_s);
  std::vector<std::string> replies;
  // Commands separated by ';' share the line; a command starting without ':' is not re-rooted here.
  std::size_t start = 0;
  for (;;) {
    std::size_t at = line.find(';', start);
    command(line.substr(start, at == std::string::npos ? std::string::npos : at - start), replies);
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return replies;
}

}  // namespace cyclerd::emulator
