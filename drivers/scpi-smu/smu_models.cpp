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
// List sweeps. 2400: :SOUR:VOLT:MODE LIST, :SOUR:LIST:VOLT (100 levels a command, :APP up to 2500),
// :TRIG:COUN levels, :SOUR:DEL before each measurement, :READ? runs the list and answers every reading;
// NPLC up to 10. 2450: :SOUR:LIST:VOLT (100 a command, :APP), :SOUR:SWE:VOLT:LIST <start>,<delay> builds
// the trigger model, INIT, *WAI, :TRAC:DATA? with the buffer's SOUR,READ,REL elements. B2900:
// :SOUR:VOLT:MODE LIST, :SOUR:LIST:VOLT (2500 levels), :TRIG:SOUR TIM with :TRIG:TIM the period,
// :TRIG:COUN, :SENS:CURR:APER up to 2 s, INIT then :FETC:ARR?.
const std::array<SmuModel, 3> models{{
    {"keithley-2400", "MODEL 2400", "Keithley 2400 SourceMeter (RS-232, 2400-series SCPI)", 21.0, 1.05, 0.05,
     {":OUTP:SMOD HIMP", ":SENS:FUNC:CONC ON", ":SENS:FUNC \"VOLT\",\"CURR\"", ":FORM:ELEM VOLT,CURR,TIME"},
     ":SOUR:FUNC CURR", ":SOUR:FUNC VOLT", "", "",
     ":SENS:VOLT:PROT {}", ":SENS:CURR:PROT {}",
     ":SOUR:CURR:LEV {}", ":SOUR:VOLT:LEV {}", ":OUTP ON", ":OUTP OFF", ":READ?",
     {0, 1, 2, 3}, {0, 1, 2, 3}, 9.9e37, ":SYST:ERR?",
     {{":SOUR:VOLT:MODE LIST"}, {}, ":SOUR:LIST:VOLT {}", ":SOUR:LIST:VOLT:APP {}", 100, 2500, ":TRIG:COUN {}",
      ":SOUR:DEL {}", false, ":SENS:CURR:NPLC {}", 1.0 / 60, 10.0 / 60, 1, "", ":READ?",
      {":SOUR:VOLT:MODE FIX", ":TRIG:COUN 1"}}},
    {"keithley-2450", "MODEL 2450", "Keithley 2450 SourceMeter (LAN, SCPI command set)", 21.0, 1.05, 0.02,
     {":OUTP:SMOD HIMP", ":SOUR:CURR:READ:BACK ON", ":SOUR:VOLT:READ:BACK ON"},
     ":SOUR:FUNC CURR", ":SOUR:FUNC VOLT", ":SENS:FUNC \"VOLT\"", ":SENS:FUNC \"CURR\"",
     ":SOUR:CURR:VLIM {}", ":SOUR:VOLT:ILIM {}",
     ":SOUR:CURR {}", ":SOUR:VOLT {}", ":OUTP ON", ":OUTP OFF", ":READ? \"defbuffer1\",SOUR,READ,REL",
     {1, 0, 2, 3}, {0, 1, 2, 3}, 9.9e37, ":SYST:ERR?",
     {{}, {":TRAC:CLE \"defbuffer1\""}, ":SOUR:LIST:VOLT {}", ":SOUR:LIST:VOLT:APP {}", 100, 2500, "",
      ":SOUR:SWE:VOLT:LIST 1,{}", false, ":SENS:CURR:NPLC {}", 1.0 / 60, 10.0 / 60, 1, ":INIT;*WAI",
      ":TRAC:DATA? 1,{},\"defbuffer1\",SOUR,READ,REL", {":TRIG:LOAD \"Empty\""}}},
    {"keysight-b2901a", "B2901A", "Keysight B2901A precision SMU (LAN, B2900 SCPI)", 21.0, 1.5, 0.02,
     {":OUTP:OFF:MODE HIZ", ":SENS:FUNC \"VOLT\",\"CURR\"", ":FORM:ELEM:SENS VOLT,CURR,TIME"},
     ":SOUR:FUNC:MODE CURR", ":SOUR:FUNC:MODE VOLT", "", "",
     ":SENS:VOLT:PROT {}", ":SENS:CURR:PROT {}",
     ":SOUR:CURR {}", ":SOUR:VOLT {}", ":OUTP ON", ":OUTP OFF", ":MEAS?",
     {0, 1, 2, 3}, {0, 1, 2, 3}, 9.9e37, ":SYST:ERR?",
     {{":SOUR:VOLT:MODE LIST", ":TRIG:SOUR TIM"}, {}, ":SOUR:LIST:VOLT {}", ":SOUR:LIST:VOLT:APP {}", 2500, 2500,
      ":TRIG:COUN {}", ":TRIG:TIM {}", true, ":SENS:CURR:APER {}", 1.0, 2.0, 0.02, ":INIT", ":FETC:ARR?",
      {":SOUR:VOLT:MODE FIX", ":TRIG:SOUR AINT", ":TRIG:COUN 1"}}},
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

std::string scpi_list_command(std::string_view pattern, const std::vector<double>& values) {
  std::string list;
  char number[32];
  for (double v : values) {
    std::snprintf(number, sizeof number, "%.6E", v);
    list += (list.empty() ? "" : ",") + std::string(number);
  }
  std::string out(pattern);
  if (auto at = out.find("{}"); at != std::string::npos) out.replace(at, 2, list);
  return out;
}

std::string scpi_count_command(std::string_view pattern, long count) {
  std::string out(pattern);
  if (auto at = out.find("{}"); at != std::string::npos) out.replace(at, 2, std::to_string(count));
  return out;
}

}  // namespace cyclerd
