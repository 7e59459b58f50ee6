// `cyclerctl analyze` on bad input: the real binary refuses (exit 1) with a message that names the file,
// the line or the element. Also the readers directly, where the message is the contract.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "analysis/sample_file.hpp"
#include "core/error.hpp"

namespace {

namespace fs = std::filesystem;

struct Output {
  int exit_code = -1;
  std::string err;
};

fs::path write(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / ("cyclerd-analyze-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / name) << text;
  return dir / name;
}

Output analyze(const std::string& args) {
  const fs::path err = fs::temp_directory_path() / ("cyclerd-analyze-err-" + std::to_string(::getpid()));
  const std::string command = std::string(CYCLERD_BIN_DIR) + "/cyclerctl analyze " + args + " >/dev/null 2>" + err.string();
  Output o;
  const int status = std::system(command.c_str());
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err);
  o.err.assign(std::istreambuf_iterator<char>(in), {});
  return o;
}

void expect_refusal(const std::string& args, const std::vector<std::string>& fragments) {
  const Output o = analyze(args);
  EXPECT_EQ(o.exit_code, 1) << args << "\n" << o.err;
  for (const auto& f : fragments) EXPECT_NE(o.err.find(f), std::string::npos) << "missing '" << f << "' in: " << o.err;
}

const std::string kHeader = "test_time_s,voltage_V,current_A,cycle_index\n";

TEST(AnalyzeBadInput, EmptySampleFileNamesTheFile) {
  const auto f = write("empty.csv", "");
  expect_refusal("cycles --file " + f.string(), {f.string(), "empty"});
}

TEST(AnalyzeBadInput, OnePointSampleFileNamesTheFile) {
  const auto f = write("one.csv", kHeader + "0,1.0,0.001,1\n");
  expect_refusal("dqdv --file " + f.string(), {f.string(), "only one sample"});
}

TEST(AnalyzeBadInput, NanInSampleFileNamesTheLineAndColumn) {
  const auto f = write("nan.csv", kHeader + "0,1.0,0.001,1\n1,nan,0.001,1\n");
  expect_refusal("cycles --file " + f.string(), {f.string() + ":3", "voltage_V", "not a finite number"});
}

TEST(AnalyzeBadInput, MappingToMissingColumnNamesTheColumnAndListsTheFilesColumns) {
  const auto f = write("mapped.csv", "t,E,I\n0,1,0.001\n1,1.1,0.001\n");
  expect_refusal("cycles --file " + f.string() + " --map time=t --map voltage=Ewe --map current=I",
                 {f.string() + ":1", "'Ewe'", "voltage", "--map", "'t', 'E', 'I'"});
}

TEST(AnalyzeBadInput, TimeGoingBackwardsNamesTheLine) {
  const auto f = write("back.csv", kHeader + "0,1.0,0.001,1\n5,1.1,0.001,1\n4,1.2,0.001,1\n");
  expect_refusal("cycles --file " + f.string(), {f.string() + ":4", "backwards"});
}

TEST(AnalyzeBadInput, ACycleIndexThatIsNotAWholeNumberInRangeNamesTheLine) {
  // 6.7e67 was a fuzzing finding: converted to int without a check, it is undefined behaviour.
  for (const std::string cycle : {"66666666666666666666666666666666666666666666666666666666666666666666", "-1", "1.5"}) {
    const auto f = write("cycle.csv", kHeader + "0,1.0,0.001,1\n1,1.1,0.001," + cycle + "\n");
    expect_refusal("cycles --file " + f.string(), {f.string() + ":3", "cycle index"});
  }
}

TEST(AnalyzeBadInput, EmptyImpedanceFileNamesTheFile) {
  const auto f = write("empty-z.csv", "\n");
  expect_refusal("eis --file " + f.string(), {f.string(), "empty"});
}

TEST(AnalyzeBadInput, OnePointSpectrumNamesTheFile) {
  const auto f = write("one-z.csv", "f,Re Z,Im Z\n1,2,-3\n");
  expect_refusal("drt --file " + f.string(), {f.string(), "at least two points"});
}

TEST(AnalyzeBadInput, NanInSpectrumNamesTheLine) {
  const auto f = write("nan-z.csv", "f,Re Z,Im Z\n1,2,-3\n2,nan,-3\n");
  expect_refusal("eis --file " + f.string(), {f.string() + ":3", "not a finite number"});
}

TEST(AnalyzeBadInput, DuplicateFrequencyNamesTheLines) {
  const auto f = write("dup-z.csv", "f,Re Z,Im Z\n10,2,-3\n1,2,-1\n10,2,-3\n");
  expect_refusal("eis --file " + f.string(), {f.string() + ":4", "10 Hz repeats line 2"});
}

TEST(AnalyzeBadInput, UnsortedFrequenciesAreAcceptedInAnyOrder) {
  // DESIGN.md: any frequency order. The same spectrum shuffled fits to the same parameters.
  const auto f = write("unsorted-z.csv", "f,Re Z,Im Z\n1,15.9,-3.9\n1000,10.0,-0.04\n0.1,19.9,-0.4\n10,10.9,-2.8\n0.01,20,-0.04\n");
  const Output o = analyze("eis --file " + f.string() + " --json");
  EXPECT_EQ(o.exit_code, 0) << o.err;
}

TEST(AnalyzeBadInput, UnknownCircuitElementIsNamed) {
  const auto f = write("ok-z.csv", "f,Re Z,Im Z\n1000,10,-0.04\n10,10.9,-2.8\n1,15.9,-3.9\n0.1,19.9,-0.4\n");
  expect_refusal("eis --file " + f.string() + " --circuit 'R0-p(R1,X1)'", {"unknown circuit element 'X1'"});
}

TEST(AnalyzeBadInput, UnbalancedParenthesesAreNamed) {
  const auto f = write("ok2-z.csv", "f,Re Z,Im Z\n1000,10,-0.04\n10,10.9,-2.8\n1,15.9,-3.9\n0.1,19.9,-0.4\n");
  expect_refusal("eis --file " + f.string() + " --circuit 'R0-p(R1,C1'", {"circuit", "never closed"});
  expect_refusal("eis --file " + f.string() + " --circuit 'R0-R1)'", {"circuit", "unbalanced parentheses"});
}

TEST(AnalyzeBadInput, GuessOfTheWrongLengthNamesTheCircuit) {
  const auto f = write("ok3-z.csv", "f,Re Z,Im Z\n1000,10,-0.04\n10,10.9,-2.8\n1,15.9,-3.9\n0.1,19.9,-0.4\n");
  expect_refusal("eis --file " + f.string() + " --guess 1,2", {"guess", "R0-p(R1,C1)", "3 parameters"});
}

TEST(AnalyzeBadInput, GittWithoutMaterialNamesTheMissingQuantity) {
  std::string text = kHeader;
  // rest, pulse, rest
  for (int t = 0; t < 10; ++t) text += std::to_string(t) + ",1.0,0,1\n";
  for (int t = 10; t < 20; ++t) text += std::to_string(t) + "," + std::to_string(0.99 - 0.001 * t) + ",-0.001,1\n";
  for (int t = 20; t < 40; ++t) text += std::to_string(t) + ",0.98,0,1\n";
  const auto f = write("gitt.csv", text);
  expect_refusal("gitt --file " + f.string() + " --mass-mg 1", {"molar_mass_g_mol", "--molar-mass"});
}

TEST(SampleFile, JsonExportWithNullVoltageNamesTheRow) {
  const std::string text = R"({"columns": {"test_time_s": [0, 1, 2], "voltage_V": [1.0, null, 1.2], "current_A": [0.1, 0.1, 0.1]}})";
  try {
    cyclerd::analysis::parse_sample_text(text, "run.json");
    FAIL() << "accepted a null voltage";
  } catch (const cyclerd::Error& e) {
    EXPECT_EQ(e.where(), "run.json");
    EXPECT_NE(std::string(e.what()).find("row 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("voltage"), std::string::npos) << e.what();
  }
}

TEST(SampleFile, ReadsOurCsvExportWithCycleNumbers) {
  const auto f = cyclerd::analysis::parse_sample_text(
      "index,test_time_s,unix_time_s,voltage_V,current_A,temperature_C,cycle_index,step_index\n"
      "0,0,0,1.0,-0.001,,1,0\n1,1,1,0.9,-0.001,,1,0\n2,2,2,1.2,0.001,,2,1\n",
      "run.csv");
  EXPECT_EQ(f.format, "csv");
  EXPECT_TRUE(f.has_cycle_numbers);
  ASSERT_EQ(f.records.size(), 3u);
  EXPECT_EQ(f.records[2].cycle_index, 2);
  EXPECT_DOUBLE_EQ(f.records[1].sample.voltage_V, 0.9);
}

}  // namespace
