// The prepared statements of the writer's transaction: one insert per record kind.
#pragma once

#include "schema/database.hpp"
#include "schema/records.hpp"

namespace cyclerd::store {

// Binds and runs the insert of each record kind on the writer's connection; prepared once, reused per row.
class RecordStatements {
 public:
  explicit RecordStatements(Connection& db);

  void insert(const SampleRow& s);
  void insert(const StepSummaryRow& s);
  void insert(const CycleSummaryRow& c);
  void insert(const EventRow& e);
  void insert(const SpectrumRow& s);
  void insert(const AnalysisRow& a);
  // Stores the checkpoint with the number of samples the run has once this batch commits.
  void checkpoint(const CheckpointRow& c, std::int64_t sample_count);
  void state(const RunStateRow& s);
  // The upsert of sample_summary rows (RunSummary writes through it).
  Statement& summary_upsert() { return summary_; }

 private:
  Statement sample_, step_, cycle_, event_, spectrum_, analysis_, checkpoint_, state_, summary_;
};

}  // namespace cyclerd::store
