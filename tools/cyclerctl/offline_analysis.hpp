// The live analyzers run over a file: what `cyclerctl analyze` and `cyclerctl plot` share.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "analysis/channel_analysis.hpp"
#include "analysis/sample_file.hpp"
#include "core/impedance.hpp"

namespace cyclerd::ctl {

// Options common to the analyze and plot commands. The input is a file (--file) or a run of a cyclerd
// database (--db with --run): its samples, its stored impedance spectra, and its cell's mass and material.
struct OfflineOptions {
  std::string file;
  std::string db;
  std::int64_t run = 0;
  std::size_t spectrum = 0;                // --db: which stored spectrum (from 1; 0: the last)
  std::vector<std::string> map;            // "voltage=Ewe/V" pairs
  double mass_mg = 0;                      // 0: unknown (per-gram fields are then 0 or absent)
  std::optional<double> v_min, v_max;      // dQ/dV and CV window; default: the file's range
  std::size_t bins = 300;
  double sigma_V = 0.01;
  std::size_t last = 2;                    // dQ/dV half cycles kept
  int reference_cycle = 2;
  std::optional<double> molar_mass, molar_volume, area;  // GITT
  std::string circuit = "R0-p(R1,C1)";
  std::string guess;                       // comma-separated
  double lambda = 1e-3;
  bool gcv = false;
  int penalty = 1;
};

// Every result table the analyzers published, by kind ("cycles", "rate_table", "dqdv", "cv_cycles", ...),
// plus the samples themselves for the plots that draw curves.
struct OfflineResult {
  std::map<std::string, nlohmann::json> tables;
  analysis::SampleFile samples;
  nlohmann::json final_results;  // ChannelAnalysis::results() after the file
  double active_mass_g = 0;      // the mass used (--mass-mg, or the stored run's cell); 0: unknown
};

// Reads the samples (file or stored run) and runs the analyzers over them; `cv` treats every record as a
// sweep and counts cycles by the potential's vertices when the file has no cycle numbers. Mass and GITT
// material not given as options come from a stored run's cell.
OfflineResult analyse_samples(const OfflineOptions& o, bool cv);

// The impedance spectrum: the CSV file, or the stored run's spectrum number `spectrum` (the last by
// default). Throws Error naming the file, or the database and run (a missing run, no spectra).
std::vector<ImpedancePoint> load_spectrum(const OfflineOptions& o);
// What the input is called in messages and titles: the file, or "FILE run N".
std::string source_name(const OfflineOptions& o);

// Adds --file, --db/--run, --map, --mass-mg and the analyzer options to a subcommand (analyze, plot).
void add_offline_options(CLI::App* cmd, OfflineOptions& o);
// Throws a CLI11 usage error (exit 2) unless exactly one input was given: --file, or --db with --run.
void require_one_input(const OfflineOptions& o);

// The --map pairs as a mapping; throws Error naming a malformed pair.
analysis::ColumnMapping parse_mapping(const std::vector<std::string>& pairs);
// The --guess list; throws Error naming a bad number.
std::vector<double> parse_guess(const std::string& text);

}  // namespace cyclerd::ctl
