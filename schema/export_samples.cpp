#include "schema/export_samples.hpp"

#include <charconv>
#include <ostream>

#include "core/error.hpp"
#include "schema/export_bdf.hpp"

namespace cyclerd::store {

std::string format_number(double value) {
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, result.ptr);
}

ExportFormat parse_export_format(std::string_view name) {
  if (name == "csv") return ExportFormat::csv;
  if (name == "bdf") return ExportFormat::bdf;
  if (name == "json") return ExportFormat::json;
  throw Error(ErrorCode::invalid_input, "unknown export format \"" + std::string(name) + "\" (csv, bdf, json)",
              "--format");
}

namespace {
void write_csv(Reader& reader, std::int64_t run_id, std::ostream& out) {
  out << "index,test_time_s,unix_time_s,voltage_V,current_A,temperature_C,cycle_index,step_index,step_id,"
         "step_capacity_Ah,step_energy_Wh\n";
  reader.for_each_chunk(run_id, {}, [&](const std::vector<SampleRow>& rows) {
    for (const auto& s : rows) {
      out << s.index << ',' << format_number(s.test_time_s) << ',' << format_number(s.unix_time_s) << ','
          << format_number(s.voltage_V) << ',' << format_number(s.current_A) << ','
          << (s.temperature_C ? format_number(*s.temperature_C) : "") << ',' << s.cycle_index << ','
          << s.step_index << ',' << s.step_id << ',' << format_number(s.step_capacity_Ah) << ','
          << format_number(s.step_energy_Wh) << '\n';
    }
  });
}
}  // namespace

nlohmann::json samples_to_json(const SampleSeries& series) {
  using nlohmann::json;
  json index = json::array(), test_time = json::array(), unix_time = json::array(), voltage = json::array();
  json current = json::array(), temperature = json::array(), cycle = json::array(), step_index = json::array();
  json step_id = json::array(), capacity = json::array(), energy = json::array();
  for (const auto& s : series.rows) {
    index.push_back(s.index);
    test_time.push_back(s.test_time_s);
    unix_time.push_back(s.unix_time_s);
    voltage.push_back(s.voltage_V);
    current.push_back(s.current_A);
    temperature.push_back(s.temperature_C ? json(*s.temperature_C) : json(nullptr));
    cycle.push_back(s.cycle_index);
    step_index.push_back(s.step_index);
    step_id.push_back(s.step_id);
    capacity.push_back(s.step_capacity_Ah);
    energy.push_back(s.step_energy_Wh);
  }
  return json{{"decimated", series.decimated},
              {"columns",
               {{"index", index}, {"test_time_s", test_time}, {"unix_time_s", unix_time}, {"voltage_V", voltage},
                {"current_A", current}, {"temperature_C", temperature}, {"cycle_index", cycle},
                {"step_index", step_index}, {"step_id", step_id}, {"step_capacity_Ah", capacity},
                {"step_energy_Wh", energy}}}};
}

void export_run(Reader& reader, std::int64_t run_id, ExportFormat format, std::ostream& out) {
  if (!reader.run(run_id)) {
    throw Error(ErrorCode::not_found, "no run " + std::to_string(run_id), reader.connection().path());
  }
  switch (format) {
    case ExportFormat::csv: write_csv(reader, run_id, out); break;
    case ExportFormat::bdf: write_bdf(reader, run_id, out); break;
    case ExportFormat::json: {
      // The whole run in memory (~100 bytes a sample): JSON column arrays cannot be streamed row by row.
      auto doc = samples_to_json(reader.samples(run_id));
      doc["run_id"] = run_id;
      out << doc.dump() << '\n';
      break;
    }
  }
}

}  // namespace cyclerd::store
