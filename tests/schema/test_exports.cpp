// Exports (BDF round trip, CSV, JSON column arrays) and an online backup taken while recording.
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "schema/backup.hpp"
#include "schema/export_bdf.hpp"
#include "schema/export_samples.hpp"
#include "schema/reader.hpp"
#include "schema/writer.hpp"
#include "tests/schema/storage_test_support.hpp"

namespace cyclerd::store {
namespace {

std::int64_t record(const std::string& path, std::int64_t samples) {
  Writer writer(path);
  const auto run = test::make_run(writer);
  EXPECT_TRUE(writer.submit(test::sample_batch(run, 0, samples)).accepted());
  EXPECT_TRUE(writer.flush());
  return run;
}

TEST(Export, BdfRoundTripsEverySample) {
  test::TempDir dir;
  const auto path = dir.file("lab.sqlite");
  const auto run = record(path, 3000);
  Reader reader(path);
  std::stringstream bdf;
  export_run(reader, run, ExportFormat::bdf, bdf);
  std::string header;
  std::getline(bdf, header);
  EXPECT_EQ(header,
            "Test Time / s,Unix Time / s,Voltage / V,Current / A,Temperature T1 / degC,Cycle Count / 1,"
            "Step Count / 1,Step Index / 1,Step Capacity / Ah,Step Energy / Wh");
  bdf.seekg(0);
  const auto back = read_bdf(bdf, "export.csv", run);
  const auto original = reader.samples(run).rows;
  ASSERT_EQ(back.size(), original.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(back[i].index, original[i].index);
    EXPECT_EQ(back[i].test_time_s, original[i].test_time_s);
    EXPECT_EQ(back[i].unix_time_s, original[i].unix_time_s);
    EXPECT_EQ(back[i].voltage_V, original[i].voltage_V);
    EXPECT_EQ(back[i].current_A, original[i].current_A);
    EXPECT_EQ(back[i].temperature_C, original[i].temperature_C);
    EXPECT_EQ(back[i].cycle_index, original[i].cycle_index);
    EXPECT_EQ(back[i].step_index, original[i].step_index);
    EXPECT_EQ(back[i].step_id, original[i].step_id);
    EXPECT_EQ(back[i].step_capacity_Ah, original[i].step_capacity_Ah);
    EXPECT_EQ(back[i].step_energy_Wh, original[i].step_energy_Wh);
    if (HasFailure()) break;
  }
}

TEST(Export, BdfReaderNamesTheMissingColumnAndTheBadLine) {
  std::istringstream no_current("Test Time / s,Voltage / V\n0,1\n");
  try {
    read_bdf(no_current, "a.csv");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "a.csv:1");
    EXPECT_NE(e.message().find("Current / A"), std::string::npos);
  }
  std::istringstream bad("Test Time / s,Voltage / V,Current / A\n0,1,2\n1,x,2\n");
  try {
    read_bdf(bad, "b.csv");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "b.csv:3");
  }
}

TEST(Export, CsvAndJsonHaveTheDesignColumns) {
  test::TempDir dir;
  const auto path = dir.file("lab.sqlite");
  const auto run = record(path, 10);
  Reader reader(path);
  std::stringstream csv;
  export_run(reader, run, ExportFormat::csv, csv);
  std::string header, first;
  std::getline(csv, header);
  std::getline(csv, first);
  EXPECT_EQ(header, "index,test_time_s,unix_time_s,voltage_V,current_A,temperature_C,cycle_index,step_index,"
                    "step_id,step_capacity_Ah,step_energy_Wh");
  EXPECT_EQ(first.substr(0, 4), "0,0,");
  std::stringstream json_text;
  export_run(reader, run, ExportFormat::json, json_text);
  const auto doc = nlohmann::json::parse(json_text.str());
  EXPECT_EQ(doc.at("decimated"), false);
  EXPECT_EQ(doc.at("columns").at("index").size(), 10u);
  EXPECT_TRUE(doc.at("columns").at("temperature_C").at(0).is_null());  // index 0 has no temperature
  EXPECT_EQ(doc.at("columns").size(), 11u);
  EXPECT_THROW(export_run(reader, run + 1, ExportFormat::csv, csv), Error);
  EXPECT_THROW(parse_export_format("xlsx"), Error);
}

TEST(Backup, OnlineBackupDuringRecordingPassesIntegrityCheck) {
  test::TempDir dir;
  const auto path = dir.file("lab.sqlite");
  WriterOptions options;
  options.commit_period = std::chrono::milliseconds(10);
  Writer writer(path, options);
  const auto run = test::make_run(writer);
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    for (std::int64_t i = 0; !stop; i += 500) {
      while (!stop && !writer.submit(test::sample_batch(run, i, 500)).accepted()) std::this_thread::yield();
    }
  });
  // Back up once some batches are stored and while more keep coming.
  while (writer.acknowledged() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto copy = dir.file("copy.sqlite");
  backup_database(path, copy);
  const auto during = Reader(path).run(run)->sample_count;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop = true;
  producer.join();
  EXPECT_EQ(test::query_text(copy, "PRAGMA integrity_check"), "ok");
  Reader backup(copy);
  const auto info = backup.run(run);
  ASSERT_TRUE(info);
  EXPECT_GT(info->sample_count, 0);
  EXPECT_LE(info->sample_count, during);
  EXPECT_EQ(test::query_text(copy, "SELECT count(*) FROM samples"), std::to_string(info->sample_count));
  ASSERT_TRUE(writer.flush());
  EXPECT_GT(Reader(path).run(run)->sample_count, info->sample_count) << "recording went on during the backup";
}

}  // namespace
}  // namespace cyclerd::store
