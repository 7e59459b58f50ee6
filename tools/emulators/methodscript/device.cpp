#include "tools/emulators/methodscript/device.hpp"

#include <cmath>
#include <complex>
#include <cstdio>

#include "core/error.hpp"
#include "drivers/methodscript/device_reply.hpp"
#include "drivers/methodscript/package.hpp"

namespace cyclerd::emulator {

namespace {

namespace code = methodscript::error_code;
using Clock = std::chrono::steady_clock;

// A consumer that fell this far behind the simulated clock is not caught up in a burst.
constexpr auto max_pacing_lag = std::chrono::seconds(1);
// The emulator numbers its techniques itself (the `MXXXX` line only says a loop began).
constexpr std::pair<const char*, const char*> technique_codes[] = {
    {"meas_loop_lsv", "M0001"}, {"meas_loop_cv", "M0002"}, {"meas_loop_ca", "M0007"},
    {"meas_loop_cp", "M0008"},  {"meas_loop_ocp", "M000A"}, {"meas_loop_eis", "M000D"}};

std::string hex4(unsigned value) {
  char text[8];
  std::snprintf(text, sizeof text, "%04X", value & 0xFFFFu);
  return text;
}

}  // namespace

Device::Device(const methodscript::ModelRow& model, std::unique_ptr<sim::CellModel> cell, std::optional<double> speed,
               FaultPlan faults, Link& link, std::string state_file)
    : model_(model), cell_(std::move(cell)), speed_(speed), faults_(std::move(faults)), link_(link),
      state_file_(std::move(state_file)) {
  publish();
}

Device::~Device() {
  abort_ = true;
  if (worker_.joinable()) worker_.join();
}

void Device::serve() {
  while (true) {
    auto line = link_.read_line(std::chrono::milliseconds(50));
    if (!running_ && worker_.joinable()) worker_.join();
    if (line) command(*line);
  }
}

void Device::emit_raw(const std::string& line) { link_.write(line + "\n"); }

void Device::emit(const std::string& line, FaultTarget target) {
  FaultHit hit;
  {
    std::lock_guard lock(faults_mutex_);
    hit = faults_.next(target);
  }
  if (hit.disconnect) link_.cut(std::chrono::milliseconds(hit.down_ms));
  if (hit.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(hit.delay_ms));
  if (hit.error_code) {
    if (target == FaultTarget::package) throw RuntimeError{*hit.error_code, 0};
    emit_raw(line.substr(0, 1) + "!" + hex4(*hit.error_code));
    return;
  }
  if (hit.drop) return;
  if (hit.garbage) {
    // Line noise: bytes of any value but the line terminator, about as long as the line.
    std::string junk;
    std::uniform_int_distribution<int> byte(0, 255);
    for (std::size_t i = 0; i < std::max<std::size_t>(line.size(), 4); ++i) {
      char c = static_cast<char>(byte(garbage_rng_));
      junk += c == '\n' ? '?' : c;
    }
    emit_raw(junk);
    return;
  }
  emit_raw(line);
}

void Device::command(const std::string& line) {
  if (receiving_) {
    if (!line.empty()) {
      incoming_.push_back(line);
      return;
    }
    start_script();
    return;
  }
  if (running_) {
    // While a script runs the instrument listens for the abort only.
    if (line == "Z") {
      emit("Z", FaultTarget::reply);
      abort_ = true;
    }
    return;
  }
  if (line.empty()) return;
  if (line == "e") {
    receiving_ = true;
    incoming_ = {"e"};
  } else if (line == "t") {
    emit("t" + std::string(model_.firmware_prefix) + "1100#cyclerd emulator", FaultTarget::reply);
    emit_raw("R*");
  } else if (line == "i") {
    emit("iEMULATOR-0001", FaultTarget::reply);
  } else if (line == "v") {
    emit("v0108", FaultTarget::reply);
  } else if (line == "Z") {
    emit("Z!" + hex4(code::no_script_running), FaultTarget::reply);
  } else {
    emit(line.substr(0, 1) + "!" + hex4(code::unknown_command), FaultTarget::reply);
  }
}

void Device::start_script() {
  receiving_ = false;
  if (worker_.joinable()) worker_.join();
  ParseResult parsed = parse_script(incoming_, model_.galvanostat);
  incoming_.clear();
  if (!parsed.program) {
    const ScriptError& e = parsed.error;
    emit("e!" + hex4(e.code) + ": Line " + std::to_string(e.line) + ", Col " + std::to_string(e.column),
         FaultTarget::reply);
    return;
  }
  running_ = true;
  abort_ = false;
  state_.script_running = true;
  publish();
  try {
    emit("e", FaultTarget::reply);
  } catch (const RuntimeError&) {
  }
  worker_ = std::thread([this, program = std::move(*parsed.program)]() mutable { run(std::move(program)); });
}

void Device::run(Program program) {
  vars_.clear();
  in_package_ = false;
  pace_wall_ = Clock::now();
  pace_sim_s_ = cell_->time_s();
  try {
    exec(program.main);
  } catch (const Aborted&) {
  } catch (const RuntimeError& e) {
    // A runtime error ends the script at once: on_finished does not run, the cell stays as it was.
    emit_raw("!" + hex4(e.code) + ": Line " + std::to_string(e.line));
    // Idle before the end is said: the host may send its next command the moment it reads it.
    state_.script_running = false;
    publish();
    running_ = false;
    emit_raw("");
    return;
  }
  try {
    abort_ = false;
    exec(program.on_finished);
  } catch (...) {
  }
  state_.script_running = false;
  publish();
  running_ = false;
  emit_raw("");
}

void Device::exec(const std::vector<Statement>& statements) {
  for (const auto& st : statements) exec_one(st);
}

double Device::value(const std::string& arg) const {
  if (auto literal = parse_literal(arg)) return *literal;
  auto it = vars_.find(arg);
  return it == vars_.end() ? 0.0 : it->second.value;
}

void Device::apply(const Setpoint& sp) {
  try {
    cell_->apply(sp);
  } catch (const Error&) {
    throw RuntimeError{code::bad_argument, 0};
  }
}

void Device::exec_one(const Statement& st) {
  const std::string& c = st.command;
  if (c == "set_pgstat_mode") {
    int mode = static_cast<int>(value(st.args[0]));
    if (mode != model_.dc_mode && mode != model_.eis_mode && !(model_.galvanostat && mode == model_.galvanostat_mode)) {
      throw RuntimeError{0x0021, st.line};
    }
  } else if (c == "set_e" || c == "set_i") {
    cell_setpoint_ = Setpoint{};
    cell_setpoint_.mode = c == "set_e" ? Mode::voltage : Mode::current;
    cell_setpoint_.value = value(st.args[0]);
    if (c == "set_e" && !(cell_setpoint_.value >= model_.v_min_V && cell_setpoint_.value <= model_.v_max_V)) {
      throw RuntimeError{code::invalid_potential, st.line};
    }
    if (cell_on_) apply(cell_setpoint_);
  } else if (c == "cell_on") {
    cell_on_ = true;
    apply(cell_setpoint_);
    state_.cell_on = true;
    publish();
  } else if (c == "cell_off") {
    cell_on_ = false;
    apply(Setpoint{});
    state_.cell_on = false;
    publish();
  } else if (c == "if") {
    // The first branch whose condition holds runs (an else branch has none); the others are skipped.
    for (const auto& branch : st.body) {
      if (branch.args.empty() || compare(value(branch.args[0]), branch.args[1], value(branch.args[2]))) {
        exec(branch.body);
        break;
      }
    }
  } else if (c == "breakloop") {
    throw BreakLoop{};
  } else if (c == "timer_start") {
    timer_start_s_ = cell_->time_s();
  } else if (c == "timer_get") {
    vars_[st.args[0]] = {"eb", cell_->time_s() - timer_start_s_};
  } else if (c == "pck_start") {
    in_package_ = true;
    package_.clear();
  } else if (c == "pck_add") {
    auto it = vars_.find(st.args[0]);
    package_.emplace_back(st.args[0], it == vars_.end() ? Value{"aa", std::nan("")} : it->second);
  } else if (c == "pck_end") {
    std::string line = "P";
    for (std::size_t i = 0; i < package_.size(); ++i) {
      line += (i ? ";" : "") + methodscript::encode_variable(package_[i].second.type, package_[i].second.value);
    }
    in_package_ = false;
    try {
      emit(line, FaultTarget::package);
    } catch (RuntimeError& e) {
      e.line = st.line;
      throw;
    }
  } else if (c.rfind("meas_loop_", 0) == 0) {
    measure(st);
  }
  // set_pgstat_chan, set_range, set_autoranging, set_range_minmax, set_max_bandwidth: accepted, no effect.
}

void Device::pace() {
  if (!speed_) return;
  auto wall = [&](double t_s) {
    return pace_wall_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>((t_s - pace_sim_s_) / *speed_));
  };
  auto now = Clock::now();
  if (wall(cell_->time_s()) + max_pacing_lag < now) {
    pace_wall_ = now;
    pace_sim_s_ = cell_->time_s();
    return;
  }
  std::this_thread::sleep_until(wall(cell_->time_s()));
}

void Device::publish() { state_file_.write(state_); }

void Device::loop_ended(const Statement& loop, const char* why) {
  state_.loop = loop.command;
  state_.loop_end = why;
  publish();
}

void Device::body(const Statement& loop) {
  // Where the link can tell, the cell does not run ahead of a host that has not read the last package
  // yet: a real instrument's host reads as it arrives, and the simulated clock must not outrun it.
  for (auto unread = link_.unread(); unread && *unread > 0 && !abort_; unread = link_.unread()) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  if (abort_) {
    emit_raw("*");
    loop_ended(loop, "abort");
    throw Aborted{};
  }
  pace();
  exec(loop.body);
}

void Device::points(const Statement& loop, double interval_s, std::size_t count) {
  const bool measured_potential = loop.command == "meas_loop_ocp" || loop.command == "meas_loop_cp";
  for (std::size_t i = 0; i < count; ++i) {
    Sample s = cell_->advance(interval_s);
    vars_[loop.args[0]] = {measured_potential ? "ab" : "da", s.voltage_V};
    if (loop.command != "meas_loop_ocp") vars_[loop.args[1]] = {"ba", s.current_A};
    state_.potential_V = s.voltage_V;
    state_.current_A = s.current_A;
    try {
      body(loop);
    } catch (const BreakLoop&) {
      loop_ended(loop, "breakloop");
      return;
    }
  }
  loop_ended(loop, "run_time");
}

void Device::measure(const Statement& loop) {
  const std::string& c = loop.command;
  for (const auto& [name, line] : technique_codes) {
    if (c == name) emit_raw(line);
  }
  auto arg = [&](std::size_t i) { return value(loop.args[i]); };
  auto count = [](double run_s, double interval_s) {
    return static_cast<std::size_t>(std::floor(run_s / interval_s + 1e-9));
  };
  Setpoint sp;
  if (c == "meas_loop_ocp") {
    if (cell_on_) throw RuntimeError{0x0014, loop.line};
    sp.sample_period_s = arg(1);
    apply(sp);
    points(loop, arg(1), count(arg(2), arg(1)));
  } else if (c == "meas_loop_ca" || c == "meas_loop_cp") {
    sp.mode = c == "meas_loop_ca" ? Mode::voltage : Mode::current;
    sp.value = arg(2);
    sp.sample_period_s = arg(3);
    if (!(sp.sample_period_s > 0)) throw RuntimeError{0x000D, loop.line};
    apply(sp);
    points(loop, arg(3), count(arg(4), arg(3)));
  } else if (c == "meas_loop_lsv" || c == "meas_loop_cv") {
    const bool cv = c == "meas_loop_cv";
    double step = std::abs(arg(cv ? 5 : 4)), rate = arg(cv ? 6 : 5);
    if (!(step > 0) || !(rate > 0)) throw RuntimeError{code::bad_argument, loop.line};
    sp.mode = Mode::sweep;
    sp.sweep.start_V = arg(2);
    sp.sweep.vertices_V = cv ? std::vector<double>{arg(3), arg(4), arg(2)} : std::vector<double>{arg(3)};
    sp.sweep.scan_rate_V_s = rate;
    sp.sweep.cycles = 1;
    if (cv && loop.args.size() > 7) {
      const std::string& opt = loop.args[7];
      sp.sweep.cycles = static_cast<int>(parse_literal(opt.substr(7, opt.size() - 8)).value_or(1));
    }
    double pass = 0, from = sp.sweep.start_V;
    for (double v : sp.sweep.vertices_V) pass += std::abs(v - from), from = v;
    sp.sample_period_s = step / rate;
    apply(sp);
    points(loop, step / rate, static_cast<std::size_t>(std::lround(pass / step)) * sp.sweep.cycles);
  } else if (c == "meas_loop_eis") {
    double f_start = arg(4), f_end = arg(5);
    int n = static_cast<int>(arg(6));
    if (!(f_start > 0 && f_end > 0) || f_start > model_.f_max_Hz || f_end > model_.f_max_Hz) {
      throw RuntimeError{0x0011, loop.line};
    }
    for (int k = 0; k < n; ++k) {
      double f = n > 1 ? f_start * std::pow(f_end / f_start, static_cast<double>(k) / (n - 1)) : f_start;
      std::complex<double> z = cell_->impedance(f);
      vars_[loop.args[0]] = {"dc", f};
      vars_[loop.args[1]] = {"cc", z.real()};
      vars_[loop.args[2]] = {"cd", z.imag()};
      // A frequency takes a few of its periods to measure; the cell's clock does not move (as in sim).
      if (speed_) std::this_thread::sleep_for(std::chrono::duration<double>((2.0 / f + 0.01) / *speed_));
      if (abort_) {
        emit_raw("*");
        loop_ended(loop, "abort");
        throw Aborted{};
      }
      try {
        exec(loop.body);
      } catch (const BreakLoop&) {
        loop_ended(loop, "breakloop");
        break;
      }
    }
  }
  emit_raw("*");
}

}  // namespace cyclerd::emulator
