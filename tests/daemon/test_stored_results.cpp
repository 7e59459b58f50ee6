// How a live result is stored: its key within its kind, and the size estimate of its text that the writer's
// queue bounds count before the writer serializes it.
#include <cmath>

#include <gtest/gtest.h>

#include "daemon/lab/stored_results.hpp"

namespace cyclerd::lab {
namespace {

using nlohmann::json;

TEST(StoredResults, KeysComeFromTheRowsFieldsTheOrderOrOnePerRun) {
  EXPECT_EQ(analysis_key("dqdv", {{"cycle_index", 3}, {"half", "charge"}}, 7), "3/charge");
  EXPECT_EQ(analysis_key("cycles", {{"cycle_index", 12}}, 0), "12");
  EXPECT_EQ(analysis_key("summary", {{"retention", 0.9}}, 5), "");
  EXPECT_EQ(analysis_key("rate_table", {{"rate", 1}}, 4), "4");
  EXPECT_EQ(analysis_key("a_new_kind", json::object(), 2), "2");  // appends: never overwrites by mistake
}

TEST(StoredResults, TheSizeEstimateIsNearTheWrittenTextOfADqdvCurve) {
  json row = {{"cycle_index", 1800}, {"half", "discharge"}, {"capacity_Ah", 1.234567e-4}};
  json v = json::array(), d = json::array();
  for (int k = 0; k < 300; ++k) v.push_back(0.01 + k * 0.0099666), d.push_back(1e-4 * std::sin(k * 0.1));
  row["voltage_V"] = v;
  row["dqdv_Ah_per_V"] = d;
  const double written = static_cast<double>(row.dump().size());
  const double estimate = static_cast<double>(text_size_estimate(row));
  EXPECT_GT(estimate, 0.6 * written);
  EXPECT_LT(estimate, 1.6 * written);
  EXPECT_EQ(text_size_estimate("abc"), 5u);  // the quotes count
}

}  // namespace
}  // namespace cyclerd::lab
