#include "tools/cyclerctl/offline_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "analysis/cycle_integrator.hpp"
#include "analysis/impedance_csv.hpp"
#include "core/error.hpp"
#include "schema/reader.hpp"

namespace cyclerd::ctl {

analysis::ColumnMapping parse_mapping(const std::vector<std::string>& pairs) {
  analysis::ColumnMapping m;
  for (const auto& p : pairs) {
    const auto eq = p.find('=');
    const std::string key = p.substr(0, eq);
    if (eq == std::string::npos || (key != "time" && key != "voltage" && key != "current" && key != "cycle")) {
      throw Error(ErrorCode::invalid_input, "expected time=, voltage=, current= or cycle=COLUMN, got '" + p + "'", "--map");
    }
    m[key] = p.substr(eq + 1);
  }
  return m;
}

std::vector<double> parse_guess(const std::string& text) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      std::size_t used = 0;
      out.push_back(std::stod(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw Error(ErrorCode::invalid_input, "not a number: '" + item + "'", "--guess");
    }
  }
  return out;
}

namespace {

// Cycles of a CV file without cycle numbers: a new cycle each time the sweep turns back into the
// direction it started in (5 mV of hysteresis against noise).
class VertexCounter {
 public:
  int add(double v) {
    if (!extreme_) extreme_ = v;
    const int dir = v > *extreme_ + 0.005 ? 1 : v < *extreme_ - 0.005 ? -1 : 0;
    if (dir != 0 && dir != direction_) {
      if (!first_) first_ = dir;
      else if (dir == *first_) ++cycle_;
      direction_ = dir;
    }
    if (direction_ == 0 || (direction_ > 0 ? v > *extreme_ : v < *extreme_)) extreme_ = v;
    return cycle_;
  }

 private:
  std::optional<double> extreme_;
  std::optional<int> first_;
  int direction_ = 0, cycle_ = 1;
};

// A stored run's cell, as far as the analyzers need it.
struct StoredCell {
  double mass_mg = 0;
  std::optional<double> area_cm2, molar_mass_g_mol, molar_volume_cm3_mol;
};

// The run of --run, with a clear error naming the database and its runs when it is not there.
store::RunInfo require_run(store::Reader& reader, const OfflineOptions& o) {
  const auto run = reader.run(o.run);
  if (!run) {
    std::string known;
    for (const auto& r : reader.runs()) known += (known.empty() ? "" : ", ") + std::to_string(r.id);
    throw Error(ErrorCode::not_found,
                "no run " + std::to_string(o.run) + " in this database (its runs: " + (known.empty() ? "none" : known) + ")",
                o.db);
  }
  return *run;
}

StoredCell stored_cell(store::Reader& reader, const std::string& name) {
  StoredCell c;
  auto st = reader.connection().prepare(
      "SELECT active_mass_mg, electrode_area_cm2, molar_mass_g_mol, molar_volume_cm3_mol FROM cells WHERE name = ?");
  st.bind(1, name);
  if (st.step()) {
    c.mass_mg = st.column_double(0);
    c.area_cm2 = st.column_optional_double(1);
    c.molar_mass_g_mol = st.column_optional_double(2);
    c.molar_volume_cm3_mol = st.column_optional_double(3);
  }
  return c;
}

// A stored run's samples as a sample file (the cycle numbers are the engine's).
analysis::SampleFile read_run_samples(const OfflineOptions& o, StoredCell& cell) {
  store::Reader reader(o.db);
  cell = stored_cell(reader, require_run(reader, o).cell_name);
  analysis::SampleFile out;
  out.format = "db";
  out.has_cycle_numbers = true;
  reader.for_each_chunk(o.run, {}, [&out](const std::vector<store::SampleRow>& rows) {
    for (const auto& r : rows) {
      analysis::AnalysisRecord rec;
      rec.sample.t_s = r.test_time_s;
      rec.sample.voltage_V = r.voltage_V;
      rec.sample.current_A = r.current_A;
      if (r.temperature_C) rec.sample.temperature_C = *r.temperature_C;
      rec.cycle_index = static_cast<int>(r.cycle_index);
      rec.step_index = r.step_index;
      out.records.push_back(rec);
    }
  });
  if (out.records.size() < 2) {
    throw Error(ErrorCode::invalid_input,
                "run " + std::to_string(o.run) + " has " + std::to_string(out.records.size()) +
                    " stored samples; the analysis needs at least two",
                o.db);
  }
  return out;
}

double number_at(const nlohmann::json& a, std::size_t k, const std::string& where) {
  if (!a.is_array() || k >= a.size() || !a[k].is_number()) {
    throw Error(ErrorCode::invalid_input, "stored spectrum is not three equal number columns", where);
  }
  return a[k].get<double>();
}

}  // namespace

std::string source_name(const OfflineOptions& o) {
  return o.db.empty() ? o.file : o.db + " run " + std::to_string(o.run);
}

void require_one_input(const OfflineOptions& o) {
  if (o.file.empty() == o.db.empty()) throw CLI::ValidationError("input", "give --file PATH, or --db FILE with --run N");
  if (!o.db.empty() && o.run <= 0) throw CLI::ValidationError("--run", "--db needs --run N (a run id, from 1)");
}

std::vector<ImpedancePoint> load_spectrum(const OfflineOptions& o) {
  if (o.db.empty()) return analysis::read_impedance_csv(o.file);
  store::Reader reader(o.db);
  require_run(reader, o);
  auto st = reader.connection().prepare("SELECT points_json FROM eis_spectra WHERE run_id = ? ORDER BY step_index, id");
  st.bind(1, o.run);
  std::vector<std::string> spectra;
  while (st.step()) spectra.push_back(st.column_text(0));
  const std::string where = source_name(o);
  if (spectra.empty()) throw Error(ErrorCode::not_found, "the run has no stored impedance spectra", where);
  if (o.spectrum > spectra.size()) {
    throw Error(ErrorCode::not_found,
                "no spectrum " + std::to_string(o.spectrum) + ": the run has " + std::to_string(spectra.size()), where);
  }
  const std::size_t pick = o.spectrum == 0 ? spectra.size() - 1 : o.spectrum - 1;
  const std::string spectrum_where = where + " spectrum " + std::to_string(pick + 1);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(spectra[pick]);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::invalid_input, std::string("stored spectrum is not JSON: ") + e.what(), spectrum_where);
  }
  const auto f = j.value("frequency_Hz", nlohmann::json()), re = j.value("z_real_ohm", nlohmann::json()),
             im = j.value("z_imag_ohm", nlohmann::json());
  std::vector<ImpedancePoint> out;
  for (std::size_t k = 0; f.is_array() && k < f.size(); ++k) {
    out.push_back({number_at(f, k, spectrum_where),
                   {number_at(re, k, spectrum_where), number_at(im, k, spectrum_where)}});
  }
  if (out.size() < 2) throw Error(ErrorCode::invalid_input, "stored spectrum has fewer than two points", spectrum_where);
  return out;
}

OfflineResult analyse_samples(const OfflineOptions& o, bool cv) {
  OfflineResult out;
  StoredCell cell;
  out.samples = o.db.empty() ? analysis::read_sample_file(o.file, parse_mapping(o.map)) : read_run_samples(o, cell);
  const auto& recs = out.samples.records;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& r : recs) lo = std::min(lo, r.sample.voltage_V), hi = std::max(hi, r.sample.voltage_V);
  const double mass_g = (o.mass_mg > 0 ? o.mass_mg : cell.mass_mg) * 1e-3;
  out.active_mass_g = mass_g;
  auto options = analysis::ChannelAnalysisOptions::for_cell(mass_g, o.v_min.value_or(lo), o.v_max.value_or(hi));
  if (!(options.dqdv.v_max_V > options.dqdv.v_min_V)) {
    throw Error(ErrorCode::invalid_input, "the voltage window is empty (the file's voltage never changes?)",
                source_name(o));
  }
  options.reference_cycle = o.reference_cycle;
  options.dqdv.bins = options.cv.bins = o.bins;
  options.dqdv.smoothing_V = o.sigma_V;
  options.dqdv.keep = std::max<std::size_t>(1, o.last);
  options.cv_all_records = cv;
  options.gitt.material.molar_mass_g_mol = o.molar_mass ? o.molar_mass : cell.molar_mass_g_mol;
  options.gitt.material.molar_volume_cm3_mol = o.molar_volume ? o.molar_volume : cell.molar_volume_cm3_mol;
  options.gitt.material.electrode_area_cm2 = o.area ? o.area : cell.area_cm2;
  if (mass_g > 0) options.gitt.material.active_mass_g = mass_g;

  analysis::ChannelAnalysis a(options, [&out](std::string_view kind, const nlohmann::json& row) {
    auto& t = out.tables[std::string(kind)];
    if (t.is_null()) t = nlohmann::json::array();
    t.push_back(row);
  });
  analysis::CycleIntegrator cycles(out.samples.has_cycle_numbers, options.dqdv.current_threshold_A);
  VertexCounter vertices;
  for (analysis::AnalysisRecord r : recs) {
    if (auto done = cycles.add(r)) a.on_cycle(*done);
    if (!out.samples.has_cycle_numbers) r.cycle_index = cv ? vertices.add(r.sample.voltage_V) : cycles.cycle_index();
    a.on_record(r);
  }
  if (auto done = cycles.finish()) a.on_cycle(*done);
  a.finish();
  out.final_results = a.results();
  return out;
}

}  // namespace cyclerd::ctl
