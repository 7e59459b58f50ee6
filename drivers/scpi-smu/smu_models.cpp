#include "drivers/scpi-smu/smu_models.hpp"

#include <array>
#include <cstdio>

#include "core/error.hpp"

namespace cyclerd {

namespace {

// Keithley 2400 series user's manual (SCPI reference, section 18): output-off state :OUTP:SMOD HIMP opens
// the output relay (NORMal would hold 0 V at 0.5 % of the current range, draining a cell);
// compliance is :SENS:<f>:PROT; :FORM:ELEM chooses the reading's fields, TIME adds the timestamp.
// Keithley 2450 reference manual (SCPI command set, section 6): :OUTP:SMOD HIMP without a function sets
// the off state of every source function; the limits are :SOUR:CURR:VLIM and :SOUR:VOLT:ILIM; one
// measure function at a time, so the source side comes from the measured source readback (SOUR field),
// REL is the reading's relative timestamp. Keysight B2900 SCPI reference: :OUTP:OFF:MODE HIZ opens the
// output switch; compliance is :SENS:<f>:PROT; :FORM:ELEM:SENS orders the fields of :MEAS?.
const std::array<SmuModel, 3> models{{
    {"keithley-2400", "MODEL 2400", "Keithley 2400 SourceMeter (RS-232, 2400-series SCPI)", 21.0, 1.05, 0.05,
     {":OUTP:SMOD HIMP", ":SENS:FUNC:CONC ON", ":SENS:FUNC \"VOLT\",\"CURR\"", ":FORM:ELEM VOLT,CURR,TIME"},
     ":SOUR:FUNC CURR", ":SOUR:FUNC VOLT", "", "",
     ":SENS:VOLT:PROT {}", ":SENS:CURR:PROT {}",
     ":SOUR:CURR:LEV {}", ":SOUR:VOLT:LEV {}", ":OUTP ON", ":OUTP OFF", ":READ?",
     {0, 1, 2, 3}, {0, 1, 2, 3}, 9.9e37, ":SYST:ERR?"},
    {"keithley-2450", "MODEL 2450", "Keithley 2450 SourceMeter (LAN, SCPI command set)", 21.0, 1.05, 0.02,
     {":OUTP:SMOD HIMP", ":SOUR:CURR:READ:BACK ON", ":SOUR:VOLT:READ:BACK ON"},
     ":SOUR:FUNC CURR", ":SOUR:FUNC VOLT", ":SENS:FUNC \"VOLT\"", ":SENS:FUNC \"CURR\"",
     ":SOUR:CURR:VLIM {}", ":SOUR:VOLT:ILIM {}",
     ":SOUR:CURR {}", ":SOUR:VOLT {}", ":OUTP ON", ":OUTP OFF", ":READ? \"defbuffer1\",SOUR,READ,REL",
     {1, 0, 2, 3}, {0, 1, 2, 3}, 9.9e37, ":SYST:ERR?"},
    {"keysight-b2901a", "B2901A", "Keysight B2901A precision SMU (LAN, B2900 SCPI)", 21.0, 1.5, 0.02,
     {":OUTP:OFF:MODE HIZ", ":SENS:FUNC \"VOLT\",\"CURR\"", ":FORM:ELEM:SENS VOLT,CURR,TIME"},
     ":SOUR:FUNC:MODE CURR", ":SOUR:FUNC:MODE VOLT", "", "",
     ":SENS:VOLT:PROT {}", ":SENS:CURR:PROT {}",
     ":SOUR:CURR {}", ":SOUR:VOLT {}", ":OUTP ON", ":OUTP OFF", ":MEAS?",
     {0, 1, 2, 3}, {0, 1, 2, 3}, 9.9e37, ":SYST:ERR?"},
}};

}  // namespace

std::span<const SmuModel> smu_models() { return models; }

const SmuModel& smu_model(std::string_view name, const std::string& where) {
  std::string known;
  for (const auto& m : models) {
    if (m.name == name) return m;
    known += (known.empty() ? "" : ", ") + std::string(m.name);
  }
  throw Error(ErrorCode::invalid_input, "unknown SMU model \"" + std::string(name) + "\" (known: " + known + ")",
              where);
}

std::string scpi_command(std::string_view pattern, double value) {
  char number[32];
  std::snprintf(number, sizeof number, "%.6E", value);
  std::string out(pattern);
  if (auto at = out.find("{}"); at != std::string::npos) out.replace(at, 2, number);
  return out;
}

}  // namespace cyclerd
