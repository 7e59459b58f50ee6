// Bad input: every malformed protocol gets a validation error at the exact JSON pointer of the
// offending place, nothing crashes, and all problems are reported at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "protocol_test_support.hpp"

namespace cyclerd {
namespace {

std::string with_steps(const std::string& steps) { return R"({"name": "t", "steps": [)" + steps + "]}"; }

ValidationContext without_mass() { return {test::sim_channel(), CellInfo{std::nullopt, 1e-3}}; }
ValidationContext without_capacity() { return {test::sim_channel(), CellInfo{1e-3, std::nullopt}}; }
ValidationContext without_eis() {
  ValidationContext c = test::sim_context();
  c.channel->modes = {Mode::rest, Mode::current, Mode::voltage};
  return c;
}

std::string nested_loops(int depth) {
  std::string text = R"({"name": "deep", "steps": [)";
  for (int i = 0; i < depth; ++i) text += R"({"kind": "loop", "count": 1, "steps": [)";
  text += R"("Rest for 1 s")";
  for (int i = 0; i < depth; ++i) text += "]}";
  return text + "]}";
}

std::string pointer_of_loop(int index) {
  std::string p = "/steps/0";
  for (int i = 0; i < index; ++i) p += "/steps/0";
  return p;
}

struct Malformed {
  std::string what;
  std::string text;
  std::string pointer;  // the pointer that must be among the errors
  ValidationContext context = test::sim_context();
  std::vector<std::string> overrides = {};
};

std::vector<Malformed> malformed() {
  return {
      {"truncated JSON", R"({"name": "t", "steps": [)", ""},
      {"trailing comma", R"({"name": "t", "steps": ["Rest for 1 s",]})", ""},
      {"empty text", "", ""},
      {"invalid UTF-8", "{\"name\": \"\xff\xfe\", \"steps\": []}", ""},
      {"not an object", "[1, 2, 3]", ""},
      {"number too large for a double", R"({"name": "t", "x": 1e2300, "steps": ["Rest for 1 s"]})", ""},
      {"no name", R"({"steps": ["Rest for 1 s"]})", ""},
      {"name not a string", R"({"name": 5, "steps": ["Rest for 1 s"]})", "/name"},
      {"no steps", R"({"name": "t"})", ""},
      {"empty steps", R"({"name": "t", "steps": []})", "/steps"},
      {"steps not an array", R"({"name": "t", "steps": "Rest for 1 s"})", "/steps"},
      {"unknown top-level key", R"({"name": "t", "stepz": [], "steps": ["Rest for 1 s"]})", "/stepz"},
      {"key with a slash is escaped", R"({"name": "t", "a/b~c": 1, "steps": ["Rest for 1 s"]})", "/a~1b~0c"},
      {"unknown step kind", with_steps(R"({"kind": "dance"})"), "/steps/0/kind"},
      {"step without kind", with_steps(R"({"current": "1 mA"})"), "/steps/0"},
      {"step of the wrong type", with_steps("42"), "/steps/0"},
      {"unknown one-line verb", with_steps(R"("Dance at 1 mA until 3 V")"), "/steps/0"},
      {"unknown key in a step", with_steps(R"({"kind": "rest", "duration": "1 h", "untill": "2 h"})"), "/steps/0/untill"},
      {"bad unit in a one-line step", with_steps(R"("Discharge at 0.05 A/gram until 0.01 V")"), "/steps/0"},
      {"bad unit in an object step", with_steps(R"({"kind": "cc", "current": "5 furlongs", "until": "3 V"})"),
       "/steps/0/current"},
      {"wrong dimension", with_steps(R"({"kind": "cv", "voltage": "3 A", "until": "1 h"})"), "/steps/0/voltage"},
      {"number without a unit", with_steps(R"({"kind": "cc", "current": 0.05, "until": "3 V"})"), "/steps/0/current"},
      {"bad clause in an until array", with_steps(R"({"kind": "cc", "current": "1 mA", "until": ["3 V", "soon"]})"),
       "/steps/0/until/1"},
      {"negative duration, one-line", with_steps(R"("Rest for -1 hour")"), "/steps/0"},
      {"negative duration, object", with_steps(R"({"kind": "rest", "duration": "-5 s"})"), "/steps/0/duration"},
      {"zero-count loop", with_steps(R"({"kind": "loop", "count": 0, "steps": ["Rest for 1 s"]})"), "/steps/0/count"},
      {"negative-count loop", with_steps(R"({"kind": "loop", "count": "-3", "steps": ["Rest for 1 s"]})"),
       "/steps/0/count"},
      {"fractional count", with_steps(R"({"kind": "loop", "count": 2.5, "steps": ["Rest for 1 s"]})"), "/steps/0/count"},
      {"astronomical count", with_steps(R"({"kind": "loop", "count": 1e300, "steps": ["Rest for 1 s"]})"),
       "/steps/0/count"},
      {"loop without count or until", with_steps(R"({"kind": "loop", "steps": ["Rest for 1 s"]})"), "/steps/0/count"},
      {"loop without steps", with_steps(R"({"kind": "loop", "count": 2, "steps": []})"), "/steps/0/steps"},
      {"bad loop condition", with_steps(R"({"kind": "loop", "until": "capacity fade above 3", "steps": ["Rest for 1 s"]})"),
       "/steps/0/until"},
      {"error inside a loop", with_steps(R"("Rest for 1 s", {"kind": "loop", "count": 2, "steps": [{"kind": "jump"}]})"),
       "/steps/1/steps/0/kind"},
      {"constant current without an end", with_steps(R"("Discharge at 1 mA")"), "/steps/0"},
      {"object cc without an end", with_steps(R"({"kind": "cc", "current": "-1 mA"})"), "/steps/0/until"},
      {"rest without an end", with_steps(R"("Rest")"), "/steps/0"},
      {"pulse without relaxation", with_steps(R"({"kind": "pulse", "current": "-1 mA", "pulse": "1 h", "until": "0.01 V"})"),
       "/steps/0/relax"},
      {"A/g without a mass", with_steps(R"("Discharge at 0.05 A/g until 0.01 V")"), "/steps/0", without_mass()},
      {"C-rate without a nominal capacity", with_steps(R"({"kind": "cc", "current": "C/10", "until": "3 V"})"),
       "/steps/0/current", without_capacity()},
      {"mAh/g loop condition without a mass",
       with_steps(R"({"kind": "loop", "until": "discharge capacity below 100 mAh/g", "steps": ["Rest for 1 s"]})"),
       "/steps/0/until", without_mass()},
      {"current above the channel's range", with_steps(R"("Discharge at 2 A until 0.01 V")"), "/steps/0"},
      {"A/g current above the channel's range for this cell", with_steps(R"("Charge at 2000 A/g until 3 V")"), "/steps/0"},
      {"end voltage above the channel's range", with_steps(R"("Charge at 1 mA until 6 V")"), "/steps/0"},
      {"hold voltage below the channel's range", with_steps(R"({"kind": "cv", "voltage": "-1 V", "until": "1 h"})"),
       "/steps/0/voltage"},
      {"sweep vertex outside the channel's range",
       with_steps(R"({"kind": "sweep", "vertices": ["0 V", "7 V"], "scan_rate": "1 mV/s"})"), "/steps/0/vertices/1"},
      {"conflicting safety limits", R"({"name": "t", "safety": {"v_min": "3 V", "v_max": "0.01 V"}, "steps": ["Rest for 1 s"]})",
       "/safety/v_min"},
      {"safety limit of the wrong unit", R"({"name": "t", "safety": {"temperature_max": "60 V"}, "steps": ["Rest for 1 s"]})",
       "/safety/temperature_max"},
      {"end voltage beyond the safety limit",
       R"({"name": "t", "safety": {"v_min": "0 V", "v_max": "3.3 V"}, "steps": ["Charge at 1 mA until 4 V"]})", "/steps/0"},
      {"current beyond the safety limit", R"({"name": "t", "safety": {"i_max": "1 mA"}, "steps": ["Charge at 2 mA until 3 V"]})",
       "/steps/0"},
      {"rest that ends on a voltage", with_steps(R"("Rest until 3 V")"), "/steps/0"},
      {"hold that ends on a voltage", with_steps(R"("Hold at 3 V until 2 V")"), "/steps/0"},
      {"discharge that ends above", with_steps(R"("Discharge at 1 mA until V > 3 V")"), "/steps/0"},
      {"discharge that ends above where the last one stopped",
       with_steps(R"("Discharge at 1 mA until 1 V", "Discharge at 1 mA until 2 V")"), "/steps/1"},
      {"zero current", with_steps(R"("Charge at 0 A until 3 V")"), "/steps/0"},
      {"zero scan rate", with_steps(R"({"kind": "sweep", "vertices": ["0 V"], "scan_rate": "0 mV/s"})"), "/steps/0/scan_rate"},
      {"zero EIS amplitude", with_steps(R"({"kind": "eis", "amplitude": "0 mV"})"), "/steps/0/amplitude"},
      {"EIS on a channel without EIS", with_steps(R"("EIS 100 kHz to 10 mHz, 5 mV, 10 per decade")"), "/steps/0", without_eis()},
      {"record every zero seconds", R"({"name": "t", "record": {"every": "0 s"}, "steps": ["Rest for 1 s"]})", "/record/every"},
      {"record faster than the channel samples", R"({"name": "t", "record": {"every": "1 ms"}, "steps": ["Rest for 1 s"]})",
       "/record/every"},
      {"unknown parameter reference", with_steps(R"("Rest for ${nope}")"), "/steps/0"},
      {"unterminated parameter reference", with_steps(R"("Rest for ${nope")"), "/steps/0"},
      {"bad parameter default", R"({"name": "t", "parameters": {"v": {"default": "3 parsecs"}}, "steps": ["Rest for 1 s"]})",
       "/parameters/v/default"},
      {"parameter without a default", R"({"name": "t", "parameters": {"v": {}}, "steps": ["Rest for 1 s"]})", "/parameters/v"},
      {"override of an undeclared parameter", with_steps(R"("Rest for 1 s")"), "/parameters/rate", test::sim_context(),
       {"rate=1 A"}},
      {"override with a bad value", R"({"name": "t", "parameters": {"t": {"default": "1 s"}}, "steps": ["Rest for ${t}"]})",
       "/parameters/t", test::sim_context(), {"t=forever"}},
      {"loops nested past the limit", nested_loops(kMaxLoopDepth + 6), pointer_of_loop(kMaxLoopDepth)},
      {"hostile JSON nesting", std::string(100000, '[') + std::string(100000, ']'), ""},
      {"huge file", with_steps("\"Rest for 1 s\"" + std::string(2 << 20, ' ')), ""},
  };
}

TEST(Malformed, EachGetsAnErrorAtTheExactPointerAndNoneCrashes) {
  const auto cases = malformed();
  EXPECT_GE(cases.size(), 40u);
  for (const Malformed& m : cases) {
    SCOPED_TRACE(m.what);
    const ParseResult r = check_protocol(m.text, m.overrides, m.context);
    EXPECT_FALSE(r.ok());
    EXPECT_FALSE(r.protocol.has_value());
    const bool found = std::any_of(r.errors.begin(), r.errors.end(),
                                   [&](const ValidationError& e) { return e.pointer == m.pointer; });
    EXPECT_TRUE(found) << "expected pointer '" << m.pointer << "'; got:\n" << test::describe(r.errors);
    for (const ValidationError& e : r.errors) {
      EXPECT_TRUE(e.pointer.empty() || e.pointer.front() == '/') << e.pointer;
      EXPECT_FALSE(e.message.empty());
    }
  }
}

TEST(Malformed, LoopsNestedUpToTheLimitAreFine) {
  const ParseResult r = check_protocol(nested_loops(kMaxLoopDepth), {}, test::sim_context());
  EXPECT_TRUE(r.ok()) << test::describe(r.errors);
}

TEST(Malformed, AllErrorsAreReportedAtOnce) {
  const ParseResult r = check_protocol(
      R"({"name": "t", "steps": ["Rest for -1 h", {"kind": "dance"}, "Charge at 5 A until 3 V", "Rest"]})", {},
      test::sim_context());
  std::vector<std::string> pointers;
  for (const auto& e : r.errors) pointers.push_back(e.pointer);
  // The parser finds the unknown kind; once it parses, the validator finds the rest.
  EXPECT_EQ(pointers, std::vector<std::string>{"/steps/1/kind"});
  const ParseResult v = check_protocol(R"({"name": "t", "steps": ["Rest for -1 h", "Charge at 5 A until 3 V", "Rest"]})",
                                       {}, test::sim_context());
  pointers.clear();
  for (const auto& e : v.errors) pointers.push_back(e.pointer);
  EXPECT_EQ(pointers, (std::vector<std::string>{"/steps/0", "/steps/1", "/steps/2"})) << test::describe(v.errors);
}

TEST(Malformed, ParseErrorsCarryTheBytePosition) {
  const ParseResult r = check_protocol(R"({"name": "t", "steps": [nope]})");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].pointer, "");
  EXPECT_NE(r.errors[0].message.find("byte 26"), std::string::npos) << r.errors[0].message;
}

TEST(Malformed, AOneLineStepErrorQuotesTheFragment) {
  const ParseResult r = check_protocol(with_steps(R"("Rest for 1 h", "Discharge at 0.05 A/gram until 0.01 V")"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].pointer, "/steps/1");
  EXPECT_NE(r.errors[0].message.find("'0.05 A/gram'"), std::string::npos) << r.errors[0].message;
}

TEST(Malformed, ThousandsOfErrorsAreCappedWithASummary) {
  std::string steps;
  for (int i = 0; i < 5000; ++i) steps += std::string(i ? "," : "") + "{\"kind\": \"dance\"}";
  const ParseResult r = check_protocol(with_steps(steps));
  EXPECT_EQ(r.errors.size(), Diagnostics::kMaxErrors);
  EXPECT_EQ(r.errors.back().pointer, "");
}

TEST(Malformed, ALargeButLegalProtocolParses) {
  std::string steps;
  for (int i = 0; i < 20000; ++i) steps += std::string(i ? "," : "") + "\"Rest for 1 s\"";
  const ParseResult r = check_protocol(with_steps(steps), {}, test::sim_context());
  ASSERT_TRUE(r.ok()) << test::describe(r.errors);
  EXPECT_EQ(r.protocol->steps.size(), 20000u);
}

}  // namespace
}  // namespace cyclerd
