-- 001: the first schema. Times are seconds (unix_time_s since the epoch, test_time_s since the run start);
-- quantities are SI with the unit in the column name, as in DESIGN.md.

CREATE TABLE cells (
  name TEXT PRIMARY KEY NOT NULL,
  active_mass_mg REAL NOT NULL CHECK (active_mass_mg > 0),
  nominal_capacity_mAh REAL,
  electrode_area_cm2 REAL,
  molar_mass_g_mol REAL,
  molar_volume_cm3_mol REAL,
  first_half TEXT CHECK (first_half IN ('discharge', 'charge')),
  sim_preset TEXT,
  notes TEXT,
  created_unix_s REAL NOT NULL
);

CREATE TABLE channels (
  id TEXT PRIMARY KEY NOT NULL,
  driver TEXT NOT NULL,
  uri TEXT NOT NULL,
  config_json TEXT NOT NULL DEFAULT '{}'
);

-- The exact protocol text that ran. text_hash is the 64-bit FNV-1a of the text in 16 hex digits: a lookup
-- key so identical texts share a row (the text itself is compared too), not a security measure.
CREATE TABLE protocols (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  text_hash TEXT NOT NULL,
  text TEXT NOT NULL,
  created_unix_s REAL NOT NULL
);
CREATE INDEX protocols_by_hash ON protocols(text_hash);

CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  channel_id TEXT NOT NULL,
  cell_name TEXT NOT NULL REFERENCES cells(name),
  protocol_id INTEGER NOT NULL REFERENCES protocols(id),
  params_json TEXT NOT NULL DEFAULT '{}',
  tags_json TEXT NOT NULL DEFAULT '[]',
  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN
    ('queued', 'running', 'paused', 'completed', 'stopped', 'cancelled', 'failed', 'interrupted')),
  created_unix_s REAL NOT NULL,
  started_unix_s REAL,
  ended_unix_s REAL,
  -- The checkpoint, written in the same transaction as the samples it follows: opaque JSON texts from the
  -- engine and the driver, and the number of samples stored when it was taken.
  checkpoint_engine_state TEXT,
  checkpoint_driver_snapshot TEXT,
  checkpoint_sample_count INTEGER,
  checkpoint_unix_s REAL
);
CREATE INDEX runs_by_state ON runs(state);

-- One row per sample; (run_id, sample_index) is the key, so the table is the index (no rowid b-tree).
CREATE TABLE samples (
  run_id INTEGER NOT NULL,
  sample_index INTEGER NOT NULL,
  test_time_s REAL NOT NULL,
  unix_time_s REAL NOT NULL,
  voltage_V REAL NOT NULL,
  current_A REAL NOT NULL,
  temperature_C REAL,
  cycle_index INTEGER NOT NULL,
  step_index INTEGER NOT NULL,
  step_id INTEGER NOT NULL,
  step_capacity_Ah REAL NOT NULL,
  step_energy_Wh REAL NOT NULL,
  PRIMARY KEY (run_id, sample_index)
) WITHOUT ROWID;

-- Min/max of voltage and current per bucket of 64^level samples (level >= 1), with the index of the
-- sample that holds each extreme, so decimated plots keep real rows.
CREATE TABLE sample_summary (
  run_id INTEGER NOT NULL,
  level INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  first_index INTEGER NOT NULL,
  last_index INTEGER NOT NULL,
  first_time_s REAL NOT NULL,
  last_time_s REAL NOT NULL,
  v_min_index INTEGER NOT NULL,
  v_max_index INTEGER NOT NULL,
  i_min_index INTEGER NOT NULL,
  i_max_index INTEGER NOT NULL,
  v_min REAL NOT NULL,
  v_max REAL NOT NULL,
  i_min REAL NOT NULL,
  i_max REAL NOT NULL,
  PRIMARY KEY (run_id, level, bucket)
) WITHOUT ROWID;

CREATE TABLE step_summaries (
  run_id INTEGER NOT NULL,
  step_index INTEGER NOT NULL,
  step_id INTEGER NOT NULL,
  cycle_index INTEGER NOT NULL,
  kind TEXT NOT NULL,
  start_time_s REAL NOT NULL,
  end_time_s REAL NOT NULL,
  first_sample_index INTEGER NOT NULL,
  last_sample_index INTEGER NOT NULL,
  capacity_Ah REAL NOT NULL,
  energy_Wh REAL NOT NULL,
  end_reason TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, step_index)
) WITHOUT ROWID;

-- DESIGN.md's cycle table, field for field.
CREATE TABLE cycle_summaries (
  run_id INTEGER NOT NULL,
  cycle_index INTEGER NOT NULL,
  current_density_A_g REAL,
  charge_capacity_Ah REAL NOT NULL,
  discharge_capacity_Ah REAL NOT NULL,
  charge_capacity_mAh_g REAL,
  discharge_capacity_mAh_g REAL,
  coulombic_efficiency REAL,
  charge_energy_Wh REAL NOT NULL,
  discharge_energy_Wh REAL NOT NULL,
  mean_charge_voltage_V REAL,
  mean_discharge_voltage_V REAL,
  duration_s REAL NOT NULL,
  PRIMARY KEY (run_id, cycle_index)
) WITHOUT ROWID;

CREATE TABLE eis_spectra (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL,
  step_index INTEGER NOT NULL,
  cycle_index INTEGER NOT NULL,
  unix_time_s REAL NOT NULL,
  -- Column arrays {"frequency_Hz": [...], "z_real_ohm": [...], "z_imag_ohm": [...]}.
  points_json TEXT NOT NULL
);
CREATE INDEX eis_by_run ON eis_spectra(run_id, step_index);

CREATE TABLE analysis_results (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  unix_time_s REAL NOT NULL,
  result_json TEXT NOT NULL
);
CREATE INDEX analysis_by_run ON analysis_results(run_id, kind);

-- Every state change, safety trip, fault and note; run_id is NULL for storage-wide events.
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  run_id INTEGER,
  unix_time_s REAL NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL DEFAULT '',
  who TEXT NOT NULL DEFAULT '',
  data_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_run ON events(run_id, id);
