-- 002: analysis results keep the latest result per (run, kind, key) instead of appending forever. A live
-- analyzer re-publishes a result as it improves (the run's summary after every cycle, the GITT pulses
-- once the titration's state of charge is known); with a key the writer replaces the row in place.
-- `key` names the result within its kind: a cycle index, "3/charge", a pulse index, or '' for one-per-run
-- results such as the summary.

ALTER TABLE analysis_results ADD COLUMN key TEXT NOT NULL DEFAULT '';

-- Rows written by version 1 were appended without a key: each keeps its own (its id), so none is lost and
-- none is mistaken for the latest result of a live analyzer.
UPDATE analysis_results SET key = 'v1-' || id;

DROP INDEX analysis_by_run;
-- Also serves the lookups by (run_id, kind) that analysis_by_run served.
CREATE UNIQUE INDEX analysis_by_key ON analysis_results(run_id, kind, key);
