// `cyclerctl simulate`: the real binary, its JSON parsed; the rate table against the paper's numbers.
#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

struct Output {
  int exit_code = -1;
  std::string out;
};

// Runs cyclerctl with `args`; stderr goes to `stderr_file` when given.
Output cyclerctl(const std::string& args, const std::string& stderr_file = "/dev/null") {
  const std::string command = std::string(CYCLERD_BIN_DIR) + "/cyclerctl " + args + " 2>" + stderr_file;
  Output o;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return o;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) o.out.append(buf.data(), n);
  const int status = pclose(pipe);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

TEST(SimulateCommand, RateCapabilityOnZnsZnseIsWithinFivePercentOfThePaperAtEveryRate) {
  const Output o = cyclerctl("simulate --protocol rate-capability --preset zns-znse --mass-mg 1.0 --json");
  ASSERT_EQ(o.exit_code, 0) << o.out;
  const auto doc = nlohmann::json::parse(o.out);
  ASSERT_TRUE(doc.contains("cycles") && doc.contains("rate_table") && doc.contains("totals"));
  EXPECT_EQ(doc["cycles"].size(), 50u);
  EXPECT_EQ(doc["totals"]["state"], "completed");
  // The seed paper's ZnS/ZnSe rate test (foundation issue), mAh/g, and back at 0.1 A/g.
  const std::array<std::pair<double, double>, 10> paper{
      {{0.1, 796}, {0.2, 795}, {0.5, 773}, {0.8, 756}, {1, 747}, {2, 743}, {5, 737}, {10, 727}, {20, 710}, {0.1, 815}}};
  const auto& rows = doc["rate_table"];
  ASSERT_EQ(rows.size(), paper.size()) << rows.dump(1);
  for (std::size_t i = 0; i < paper.size(); ++i) {
    EXPECT_NEAR(rows[i]["current_density_A_g"].get<double>(), paper[i].first, 1e-9 * paper[i].first) << i;
    const double measured = rows[i]["mean_discharge_capacity_mAh_g"].get<double>();
    EXPECT_NEAR(measured, paper[i].second, 0.05 * paper[i].second) << "at " << paper[i].first << " A/g (row " << i << ")";
  }
  EXPECT_EQ(rows[0]["cycles"], 4) << "the run's first cycle is left out of the rate table";
  EXPECT_DOUBLE_EQ(rows[0]["retention"].get<double>(), 1.0);
}

TEST(SimulateCommand, CycleRowsCarryDesignFieldNames) {
  const Output o = cyclerctl("simulate --protocol activation --preset zns-znse --mass-mg 1.0 --json");
  ASSERT_EQ(o.exit_code, 0);
  const auto doc = nlohmann::json::parse(o.out);
  ASSERT_EQ(doc["cycles"].size(), 2u);
  for (const char* key : {"cycle_index", "current_density_A_g", "charge_capacity_Ah", "discharge_capacity_Ah",
                          "charge_capacity_mAh_g", "discharge_capacity_mAh_g", "coulombic_efficiency", "charge_energy_Wh",
                          "discharge_energy_Wh", "mean_charge_voltage_V", "mean_discharge_voltage_V", "duration_s"}) {
    EXPECT_TRUE(doc["cycles"][0].contains(key)) << key;
  }
  EXPECT_EQ(doc["cycles"][1]["cycle_index"], 2);
  EXPECT_NEAR(doc["cycles"][0]["current_density_A_g"].get<double>(), 0.05, 1e-12);
  const double ce = doc["cycles"][0]["coulombic_efficiency"].get<double>();
  const double dis = doc["cycles"][0]["discharge_capacity_Ah"].get<double>();
  const double ch = doc["cycles"][0]["charge_capacity_Ah"].get<double>();
  EXPECT_NEAR(ce, ch / dis, 1e-12) << "discharge-first: charge over discharge";
}

TEST(SimulateCommand, ValidationErrorsPrintEveryPointerAndExitOne) {
  const std::string path = ::testing::TempDir() + "bad_protocol.json";
  std::ofstream(path) << R"({"name": "bad", "steps": ["Discharge at 1 A/g until 0.01 V",
    {"kind": "loop", "count": 0, "steps": ["Rest for -5 s"]}, "Charge at 50 A until 3.0 V"]})";
  const std::string err = ::testing::TempDir() + "bad_protocol.err";
  const Output o = cyclerctl("simulate --protocol " + path + " --json", err);
  EXPECT_EQ(o.exit_code, 1);
  std::ifstream in(err);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* pointer : {"/steps/1/count", "/steps/1/steps/0", "/steps/2"}) {
    EXPECT_NE(text.find(pointer), std::string::npos) << pointer << " missing from:\n" << text;
  }
  EXPECT_TRUE(o.out.empty()) << "nothing on stdout for a refused protocol";
}

TEST(SimulateCommand, UnknownProtocolIsRefusedNamingTheLibrary) {
  const std::string err = ::testing::TempDir() + "unknown.err";
  const Output o = cyclerctl("simulate --protocol no-such-protocol", err);
  EXPECT_EQ(o.exit_code, 1);
  std::ifstream in(err);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("rate-capability"), std::string::npos) << text;
}

}  // namespace
