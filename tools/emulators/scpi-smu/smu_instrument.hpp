// The emulated SMU: a model row of drivers/scpi-smu answering its own dialect, backed by the sim cell.
//
// Pure: a line and the emulated time in, reply lines out (no I/O, no clock), so tests drive it directly
// and the executable serves it on a pty or TCP. It keeps the error queue (-113 for an unknown header), the
// off state (NORMal holds 0 V and drains the cell, HIMP opens the relay) and a protection record: every
// output-on without a compliance set since the last output-off or function change is a violation.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "drivers/scpi-smu/smu_models.hpp"
#include "drivers/sim/model/cell_model.hpp"

namespace cyclerd::emulator {

struct ProtectionRecord {
  int output_ons = 0;
  int violations = 0;         // output-on without a compliance for the source function
  double off_charge_Ah = 0;   // charge moved through the terminals while the output was off
  // The charge the cell took in (> 0 current) and gave out while the output was on: the truth a
  // driver's recorded capacities are checked against.
  double charge_in_Ah = 0;
  double charge_out_Ah = 0;
};

class SmuInstrument {
 public:
  SmuInstrument(const SmuModel& model, const sim::CellParams& cell, double active_mass_g, std::uint64_t seed);

  // Handles one received line (";"-separated commands) at emulated time `now_s`; returns reply lines.
  std::vector<std::string> handle(const std::string& line, double now_s);
  // Advances the cell to `now_s` under the present output state.
  void advance_to(double now_s);
  // Writes a line for every drive the cell is given (emulated time, mode, value, the cell's V and I just
  // before), so a test can compare what the instrument applied with the programme; nullptr: none.
  void trace_to(std::ostream* out) { trace_ = out; }
  // Pushes an instrument error (fault injection) onto the error queue.
  void push_error(int code, const std::string& message);

  const ProtectionRecord& protection() const { return protection_; }
  bool output_on() const { return output_on_; }
  bool high_impedance_off() const { return himp_; }
  // The compliance last set: voltage limit of the current source (V), current limit of the voltage source (A).
  double voltage_compliance_V() const { return v_compliance_V_; }
  double current_compliance_A() const { return i_compliance_A_; }
  const sim::CellModel& cell() const { return *cell_; }
  // The emulated time the instrument has reached: ahead of the caller's clock while a list runs, which
  // the caller waits out before it sends the replies (a real SMU answers a list's fetch when it is done).
  double time_s() const { return t_s_; }
  // Levels of the last list run (a test looks at the staircase the instrument was given).
  std::size_t list_points_run() const { return list_points_run_; }

 private:
  void command(const std::string& text, std::vector<std::string>& replies);
  std::string reading();
  // List sweep (the model's ListSweep row): true when `text` was one of its commands.
  bool list_command(const std::string& text, std::vector<std::string>& replies);
  void run_list();
  void output(bool on);
  Setpoint drive() const;

  const SmuModel& model_;
  std::unique_ptr<sim::CellModel> cell_;
  double t_s_ = 0;
  std::optional<Setpoint> applied_;  // the drive the cell was last given, and when (emulated s)
  double applied_at_s_ = 0;
  std::ostream* trace_ = nullptr;
  bool output_on_ = false;
  bool himp_ = false;              // *RST/power-on state is NORMal
  bool source_current_ = false;    // power-on source is voltage
  double current_A_ = 0, voltage_V_ = 0;
  double v_compliance_V_ = 21, i_compliance_A_ = 1.05e-4;
  bool v_compliance_set_ = false, i_compliance_set_ = false;  // since the last output-off / function change
  std::deque<std::pair<int, std::string>> errors_;
  double net_charge_Ah_ = 0;       // signed charge through the terminals while on: a reading's integral
  bool list_mode_ = false;
  bool list_pending_ = false;      // loaded and not yet run
  std::vector<double> list_levels_V_;
  double list_timing_s_ = 0;
  double aperture_s_ = 1.0 / 60;
  std::vector<std::string> list_buffer_;
  std::size_t list_points_run_ = 0;
  ProtectionRecord protection_;
};

}  // namespace cyclerd::emulator
