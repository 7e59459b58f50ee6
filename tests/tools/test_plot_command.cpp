// `cyclerctl plot` end to end: the real binary draws every kind of figure from runs it simulated into a
// database (`simulate --db`) and from the reference impedance files; each SVG must be well-formed XML with
// labelled axes (units), a legend, and as many series and points as the input calls for (counted from the
// same input through `cyclerctl analyze --json`, so the expectations follow the data).
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/tools/svg_document.hpp"

namespace cyclerd::test {
namespace {

namespace fs = std::filesystem;

struct Output {
  int exit_code = -1;
  std::string out, err;
};

fs::path work_dir() {
  static const fs::path dir = [] {
    const fs::path d = fs::temp_directory_path() / ("cyclerd-plot-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

// The work folder goes when the test program ends.
class RemoveWorkDir : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(work_dir(), ignored);
  }
};
[[maybe_unused]] const auto* const kRemoveWorkDir = ::testing::AddGlobalTestEnvironment(new RemoveWorkDir);

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

Output cyclerctl(const std::string& args) {
  const fs::path out = work_dir() / "stdout", err = work_dir() / "stderr";
  const std::string command =
      std::string(CYCLERD_BIN_DIR) + "/cyclerctl " + args + " >" + out.string() + " 2>" + err.string();
  Output o;
  const int status = std::system(command.c_str());
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = slurp(out);
  o.err = slurp(err);
  return o;
}

nlohmann::json cyclerctl_json(const std::string& args) {
  const Output o = cyclerctl(args);
  EXPECT_EQ(o.exit_code, 0) << args << "\n" << o.err;
  return o.exit_code == 0 ? nlohmann::json::parse(o.out) : nlohmann::json::object();
}

const std::string kGittMaterial = " --molar-mass 97.4 --molar-volume 23.8 --area 1.13";
const std::string kImpedance = std::string(CYCLERD_REFERENCE_DIR) + "/impedance_py/exampleData.csv";
const std::string kDrt = std::string(CYCLERD_REFERENCE_DIR) + "/pydrttools/1ZARC.csv";

// The simulated runs, each recorded into one database the first time a test needs it (ctest runs every
// test in its own process: a test pays only for its own runs).
std::string database() { return (work_dir() / "runs.sqlite").string(); }

std::int64_t simulated(const std::string& protocol) {
  static std::map<std::string, std::int64_t> ids;
  auto& id = ids[protocol];
  if (id == 0) {
    id = cyclerctl_json("simulate --json --mass-mg 1 --db " + database() + " --protocol " + protocol)
             .value("run_id", std::int64_t{0});
  }
  return id;
}

struct Runs {
  std::string db = database();
  std::int64_t rate() const { return simulated("rate-capability"); }
  std::int64_t cycling() const { return simulated("long-cycling --param cycles=5"); }
  std::int64_t cv() const { return simulated("cv --param cycles=3"); }
  std::int64_t gitt() const { return simulated("gitt"); }
};

Runs runs() { return {}; }

std::string db_run(std::int64_t run) { return " --db " + database() + " --run " + std::to_string(run); }

// Plots, parses and checks what every figure has: well-formed, a title, axis labels, one legend entry per
// named series.
struct Figure {
  XmlElement svg;
  std::vector<SvgSeries> series;
  std::string x_label, y_label, y2_label;
};

Figure plot(const std::string& kind, const std::string& input) {
  const fs::path file = work_dir() / (kind + ".svg");
  fs::remove(file);
  const Output o = cyclerctl("plot " + kind + input + " -o " + file.string());
  Figure f;
  EXPECT_EQ(o.exit_code, 0) << kind << input << "\n" << o.err;
  std::string error;
  auto doc = parse_xml(slurp(file), error);
  EXPECT_TRUE(doc.has_value()) << kind << ": not well-formed: " << error;
  if (!doc) return f;
  f.svg = std::move(*doc);
  EXPECT_EQ(f.svg.name, "svg");
  EXPECT_EQ(f.svg.attributes["xmlns"], "http://www.w3.org/2000/svg");
  EXPECT_FALSE(svg_text_of(f.svg, "title").empty()) << kind;
  f.series = svg_series(f.svg);
  f.x_label = svg_text_of(f.svg, "axis-label x");
  f.y_label = svg_text_of(f.svg, "axis-label y");
  f.y2_label = svg_text_of(f.svg, "axis-label y2");
  std::size_t named = 0;
  for (const auto& s : f.series) named += !s.name.empty();
  EXPECT_GT(named, 0u) << kind;
  EXPECT_EQ(f.svg.find_all("g", "legend-entry").size(), named) << kind << ": one legend entry per named series";
  return f;
}

bool has_unit(const std::string& label, const std::string& unit) {
  return label.find("(" + unit + ")") != std::string::npos;
}

std::size_t total_points(const Figure& f) {
  std::size_t n = 0;
  for (const auto& s : f.series) n += s.points;
  return n;
}

TEST(PlotCommand, CapacityHasDischargeChargeAndEfficiencyForEveryCycle) {
  std::set<std::size_t> counts;
  for (const auto run : {runs().rate(), runs().cycling()}) {
    const auto cycles = cyclerctl_json("analyze cycles --json" + db_run(run))["cycles"];
    const Figure f = plot("capacity", db_run(run));
    ASSERT_EQ(f.series.size(), 3u);
    EXPECT_EQ(f.series[0].name, "discharge");
    EXPECT_EQ(f.series[1].name, "charge");
    EXPECT_EQ(f.series[2].name, "CE");
    for (const auto& s : f.series) EXPECT_EQ(s.points, cycles.size()) << s.name;
    EXPECT_EQ(f.x_label, "Cycle");
    EXPECT_TRUE(has_unit(f.y_label, "mAh/g")) << f.y_label << ": the run's cell has a mass";
    EXPECT_TRUE(has_unit(f.y2_label, "%")) << f.y2_label;
    counts.insert(cycles.size());
  }
  EXPECT_EQ(counts.size(), 2u) << "two runs of different length draw different numbers of points";
}

TEST(PlotCommand, RateHasOneSeriesPerCurrentDensity) {
  const auto cycles = cyclerctl_json("analyze cycles --json" + db_run(runs().rate()))["cycles"];
  std::set<long> rates;
  for (const auto& c : cycles) {
    if (c["current_density_A_g"].is_number()) rates.insert(std::lround(c["current_density_A_g"].get<double>() * 1000));
  }
  ASSERT_GE(rates.size(), 3u) << "the rate-capability protocol runs several rates";
  const Figure f = plot("rate", db_run(runs().rate()));
  EXPECT_EQ(f.series.size(), rates.size());
  EXPECT_EQ(total_points(f), cycles.size());
  for (const auto& s : f.series) EXPECT_NE(s.name.find("A/g"), std::string::npos) << s.name;
  EXPECT_TRUE(has_unit(f.y_label, "mAh/g")) << f.y_label;
}

TEST(PlotCommand, VoltageProfilesOfFirstMiddleAndLastCycles) {
  const auto cycles = cyclerctl_json("analyze cycles --json" + db_run(runs().cycling()))["cycles"];
  const int last = cycles.back()["cycle_index"].get<int>();
  const std::set<int> shown = {1, 2, std::max(1, last / 2), last};
  const Figure f = plot("voltage", db_run(runs().cycling()));
  ASSERT_EQ(f.series.size(), shown.size());
  for (const auto& s : f.series) EXPECT_GT(s.points, 20u) << s.name;
  EXPECT_EQ(f.series.back().name, "cycle " + std::to_string(last));
  EXPECT_TRUE(has_unit(f.x_label, "mAh")) << f.x_label;
  EXPECT_TRUE(has_unit(f.y_label, "V")) << f.y_label;
}

TEST(PlotCommand, DqdvDrawsTheLastHalfCyclesOnTheGrid) {
  for (const int bins : {120, 200}) {
    const Figure f = plot("dqdv", db_run(runs().cycling()) + " --last 3 --bins " + std::to_string(bins));
    ASSERT_EQ(f.series.size(), 3u);
    for (const auto& s : f.series) EXPECT_EQ(s.points, static_cast<std::size_t>(bins)) << s.name;
    EXPECT_TRUE(has_unit(f.x_label, "V")) << f.x_label;
    EXPECT_TRUE(has_unit(f.y_label, "mAh/V")) << f.y_label;
  }
}

TEST(PlotCommand, CvDrawsEachCycle) {
  const auto cv = cyclerctl_json("analyze cv --json" + db_run(runs().cv()))["cv_cycles"];
  ASSERT_EQ(cv.size(), 3u);
  const Figure f = plot("cv", db_run(runs().cv()));
  ASSERT_EQ(f.series.size(), cv.size());
  for (std::size_t k = 0; k < cv.size(); ++k) {
    EXPECT_EQ(f.series[k].name, "cycle " + std::to_string(cv[k]["cycle_index"].get<int>()));
    EXPECT_GT(f.series[k].points, 50u);
  }
  EXPECT_TRUE(has_unit(f.x_label, "V")) << f.x_label;
  EXPECT_TRUE(has_unit(f.y_label, "mA")) << f.y_label;
}

TEST(PlotCommand, NyquistShowsEveryMeasuredPointAndTheFit) {
  std::ifstream in(kImpedance);
  std::size_t rows = 0;
  for (std::string line; std::getline(in, line);) rows += !line.empty();
  const Figure f = plot("nyquist", " --file " + kImpedance + " --circuit \"R0-p(R1,C1)-p(R2-Wo1,C2)\"");
  ASSERT_EQ(f.series.size(), 2u);
  EXPECT_EQ(f.series[0].name, "measured");
  EXPECT_EQ(f.series[0].points, rows);
  EXPECT_NE(f.series[1].name.find("R0-p(R1,C1)-p(R2-Wo1,C2)"), std::string::npos) << f.series[1].name;
  EXPECT_GT(f.series[1].points, rows);  // the fit is drawn as a smooth curve
  EXPECT_TRUE(has_unit(f.x_label, "ohm")) << f.x_label;
  EXPECT_TRUE(has_unit(f.y_label, "ohm")) << f.y_label;
}

TEST(PlotCommand, DrtShowsGammaAndItsPeaks) {
  const auto drt = cyclerctl_json("analyze drt --json --lambda 1e-3 --file " + kDrt);
  const Figure f = plot("drt", " --lambda 1e-3 --file " + kDrt);
  ASSERT_EQ(f.series.size(), 2u);
  EXPECT_EQ(f.series[0].points, drt["tau_s"].size());
  EXPECT_EQ(f.series[1].name, "peaks");
  EXPECT_EQ(f.series[1].points, drt["peaks"].size());
  EXPECT_GE(drt["peaks"].size(), 1u);
  EXPECT_TRUE(has_unit(f.x_label, "s")) << f.x_label;
  EXPECT_TRUE(has_unit(f.y_label, "ohm")) << f.y_label;
}

TEST(PlotCommand, GittDiffusionHasOnePointPerPulse) {
  const auto gitt = cyclerctl_json("analyze gitt --json" + db_run(runs().gitt()) + kGittMaterial)["gitt"];
  ASSERT_GE(gitt.size(), 4u);
  const Figure f = plot("gitt", db_run(runs().gitt()) + kGittMaterial);
  EXPECT_GE(f.series.size(), 2u);
  EXPECT_EQ(total_points(f), gitt.size());
  EXPECT_TRUE(has_unit(f.x_label, "V")) << f.x_label;
  EXPECT_TRUE(has_unit(f.y_label, "cm2/s")) << f.y_label;
}

TEST(PlotCommand, AStoredRunAndItsExportDrawTheSameFigure) {
  const fs::path exported = work_dir() / "cycling.json";
  const Output e = cyclerctl("export --db " + runs().db + " --run " + std::to_string(runs().cycling()) +
                             " --format json -o " + exported.string());
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const Figure from_db = plot("capacity", db_run(runs().cycling()));
  const Figure from_file = plot("capacity", " --mass-mg 1 --file " + exported.string());
  ASSERT_EQ(from_db.series.size(), from_file.series.size());
  for (std::size_t k = 0; k < from_db.series.size(); ++k) EXPECT_EQ(from_db.series[k].points, from_file.series[k].points);
}

TEST(PlotCommand, AMissingRunIsRefusedNamingTheDatabase) {
  runs().cv();  // the database exists and holds a run
  const Output o = cyclerctl("plot capacity --db " + runs().db + " --run 999 -o " + (work_dir() / "x.svg").string());
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find(runs().db), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("no run 999"), std::string::npos) << o.err;
  EXPECT_FALSE(fs::exists(work_dir() / "x.svg"));
  const Output a = cyclerctl("analyze cycles --db " + runs().db + " --run 999");
  EXPECT_EQ(a.exit_code, 1);
  EXPECT_NE(a.err.find("no run 999"), std::string::npos) << a.err;
}

TEST(PlotCommand, InputMustBeAFileOrADatabaseRun) {
  EXPECT_EQ(cyclerctl("plot capacity -o x.svg").exit_code, 2);
  EXPECT_EQ(cyclerctl("plot capacity --db x.sqlite -o x.svg").exit_code, 2);
  EXPECT_EQ(cyclerctl("plot capacity --db x.sqlite --run 1 --file y.csv -o x.svg").exit_code, 2);
  const Output missing = cyclerctl("analyze cycles --db " + (work_dir() / "absent.sqlite").string() + " --run 1");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("absent.sqlite"), std::string::npos) << missing.err;
}

TEST(PlotCommand, ARunWithoutSpectraIsRefusedForImpedanceFigures) {
  const Output o = cyclerctl("plot nyquist" + db_run(runs().cycling()) + " -o " + (work_dir() / "n.svg").string());
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("no stored impedance spectra"), std::string::npos) << o.err;
}

TEST(PlotCommand, BadCircuitsAreRefusedNamingTheElement) {
  const Output unknown = cyclerctl("plot nyquist --file " + kImpedance + " --circuit \"R0-Q1\" -o " +
                                   (work_dir() / "q.svg").string());
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("Q1"), std::string::npos) << unknown.err;
  const Output open = cyclerctl("plot nyquist --file " + kImpedance + " --circuit \"R0-p(R1,C1\" -o " +
                                (work_dir() / "p.svg").string());
  EXPECT_EQ(open.exit_code, 1);
  EXPECT_NE(open.err.find("parenthes"), std::string::npos) << open.err;
}

TEST(SvgDocument, TheReaderRefusesMalformedDocuments) {
  std::string error;
  EXPECT_TRUE(parse_xml("<svg a=\"1\"><g><path d=\"M1 2\"/></g><text>&lt;x&gt;</text></svg>", error)) << error;
  for (const char* bad : {"<svg><g></svg>", "<svg a=1></svg>", "<svg a=\"1\" a=\"2\"/>", "<svg>&nbsp;</svg>",
                          "<svg></svg><svg/>", "<svg><text>a < b</text></svg>"}) {
    EXPECT_FALSE(parse_xml(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

}  // namespace
}  // namespace cyclerd::test
