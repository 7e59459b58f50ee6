// Randomised robustness: mutated library protocols (keys deleted or replaced, types swapped, strings
// and numbers perturbed, loops wrapped, text truncated or corrupted) never make the parser, the
// validator or resolve() fail other than through the documented path: a list of errors, each with a
// pointer and a message that is valid JSON text. Deterministic: a seed and an iteration count from
// the environment (CYCLERD_FUZZ_SEED, CYCLERD_FUZZ_ITERATIONS; ctest label `long` runs 100,000).
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol_test_support.hpp"
#include "protocols/library.hpp"
#include "protocols/resolve.hpp"

namespace cyclerd {
namespace {

using nlohmann::json;

long env_or(const char* name, long fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::strtol(v, nullptr, 10);
}

struct Slot {
  json* parent;  // nullptr for the root
  json* node;
};

void collect(json& node, json* parent, std::vector<Slot>& out) {
  out.push_back({parent, &node});
  if (node.is_structured()) {
    for (auto& child : node) collect(child, &node, out);
  }
}

class Mutator {
 public:
  explicit Mutator(std::uint64_t seed) : rng_(seed) {}

  std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  void mutate(json& doc) {
    std::vector<Slot> slots;
    collect(doc, nullptr, slots);
    const Slot s = slots[below(slots.size())];
    switch (below(7)) {
      case 0: erase(s); break;
      case 1: *s.node = random_value(); break;
      case 2:
        if (s.node->is_string()) *s.node = perturb(s.node->get<std::string>());
        break;
      case 3:
        if (s.node->is_number()) *s.node = perturb_number(s.node->get<double>());
        break;
      case 4: *s.node = json{{"kind", "loop"}, {"count", 1}, {"steps", json::array({*s.node})}}; break;
      case 5:
        if (s.node->is_object()) (*s.node)[random_key()] = random_value();
        break;
      case 6:
        if (s.node->is_array() && s.node->size() > 1) std::swap((*s.node)[below(s.node->size())], (*s.node)[0]);
        break;
    }
  }

  // A corrupted text: truncated, or a byte replaced by a printable one.
  std::string corrupt(std::string text) {
    if (text.empty()) return text;
    if (chance(0.5)) return text.substr(0, below(text.size()));
    text[below(text.size())] = static_cast<char>(' ' + below(95));
    return text;
  }

  std::vector<std::string> overrides() {
    static const std::vector<std::string> pool{"rate=15 A/g", "cycles=3", "v_min=0.01 V", "v_max=9 V",
                                               "rate=-1 A", "cycles=0", "nope=1", "rate", "rate=", "pulse=-5 s"};
    std::vector<std::string> out;
    while (chance(0.3)) out.push_back(pool[below(pool.size())]);
    return out;
  }

 private:
  void erase(const Slot& s) {
    if (s.parent == nullptr) return;
    if (s.parent->is_object()) {
      for (auto it = s.parent->begin(); it != s.parent->end(); ++it) {
        if (&*it == s.node) {
          s.parent->erase(it);
          return;
        }
      }
    } else {
      for (std::size_t i = 0; i < s.parent->size(); ++i) {
        if (&(*s.parent)[i] == s.node) {
          s.parent->erase(i);
          return;
        }
      }
    }
  }

  std::string random_key() {
    static const std::vector<std::string> keys{"kind", "until", "count", "steps", "current", "voltage", "record",
                                               "every", "v_min", "v_max", "default", "x/y~z", "", "relax", "pulse"};
    return keys[below(keys.size())];
  }

  json random_value() {
    static const std::vector<std::string> strings{
        "", "3 V", "-1 h", "0 s", "0.05 A/g", "C/0", "1e309 V", "${v_min}", "${", "${nope}", "loop", "rest",
        "Discharge at", "Rest until", "Sweep 3 V to 3 V at 0 mV/s", "EIS 0 Hz to 0 Hz, 0 V, 0 per decade",
        "Charge at 1 A until 3 V or or", "discharge capacity below 80 % of cycle 0", "µV", "°C", "dV/dt < -1 mV/h"};
    switch (below(8)) {
      case 0: return nullptr;
      case 1: return chance(0.5);
      case 2: return static_cast<std::int64_t>(below(5)) - 2;
      case 3: return chance(0.5) ? 1e300 : -0.5;
      case 4: return strings[below(strings.size())];
      case 5: return json::array();
      case 6: return json::object();
      default: return json::array({strings[below(strings.size())]});
    }
  }

  std::string perturb(std::string s) {
    static const std::vector<std::string> pieces{"0", "-", ".", " ", "V", "A/g", "mV/s", "${", "}", "until",
                                                 " or ", "to", ",", "µ", "<", "e9", "C/"};
    const std::size_t at = s.empty() ? 0 : below(s.size() + 1);
    switch (below(3)) {
      case 0: s.insert(at, pieces[below(pieces.size())]); break;
      case 1:
        if (!s.empty()) s.erase(below(s.size()), 1 + below(3));
        break;
      default:
        if (!s.empty()) s[below(s.size())] = static_cast<char>('0' + below(10));
        break;
    }
    // Stay valid UTF-8, as any JSON string a client can send must be.
    return valid_utf8(s);
  }

  double perturb_number(double v) {
    switch (below(4)) {
      case 0: return -v;
      case 1: return 0;
      case 2: return v * 1e9;
      default: return v + 0.5;
    }
  }

  std::mt19937_64 rng_;
};

// The documented error path: errors, each with a pointer and a message, serialisable as JSON.
void expect_well_formed(const std::vector<ValidationError>& errors, long iteration) {
  json out = json::array();
  for (const auto& e : errors) {
    EXPECT_TRUE(e.pointer.empty() || e.pointer.front() == '/') << "iteration " << iteration << ": " << e.pointer;
    EXPECT_FALSE(e.message.empty()) << "iteration " << iteration;
    out.push_back({{"pointer", e.pointer}, {"message", e.message}});
  }
  EXPECT_NO_THROW((void)out.dump()) << "iteration " << iteration;
}

TEST(Mutation, MutatedLibraryProtocolsNeverEscapeTheErrorPath) {
  const long iterations = env_or("CYCLERD_FUZZ_ITERATIONS", 5000);
  const auto seed = static_cast<std::uint64_t>(env_or("CYCLERD_FUZZ_SEED", 20240601));
  std::vector<json> corpus;
  for (const auto& name : library_protocol_names()) corpus.push_back(json::parse(*library_protocol_text(name)));
  Mutator mutator(seed);
  const ValidationContext context = test::sim_context();
  long accepted = 0;
  for (long i = 0; i < iterations; ++i) {
    json doc = corpus[mutator.below(corpus.size())];
    const std::size_t count = 1 + mutator.below(4);
    for (std::size_t k = 0; k < count; ++k) mutator.mutate(doc);
    const auto overrides = mutator.overrides();
    try {
      ParseResult r;
      if (mutator.chance(0.2)) {
        r = check_protocol(mutator.corrupt(doc.dump()), overrides, context);
      } else {
        r = parse_protocol_document(doc, overrides);
        if (r.ok()) {
          (void)validate(*r.protocol, {});  // no channel, no cell: must not throw either
          r.errors = validate(*r.protocol, context);
          if (!r.errors.empty()) r.protocol.reset();
        }
      }
      ASSERT_EQ(r.ok(), r.errors.empty()) << "iteration " << i;
      if (r.ok()) {
        ++accepted;
        // A protocol that validated against the cell resolves against it.
        (void)resolve(*r.protocol, test::small_cell());
      }
      expect_well_formed(r.errors, i);
    } catch (const std::exception& e) {
      FAIL() << "iteration " << i << " (seed " << seed << "): exception escaped: " << e.what() << "\n" << doc.dump();
    }
    if (::testing::Test::HasFailure()) {
      FAIL() << "stopping at iteration " << i << " (seed " << seed << ")\n" << doc.dump();
    }
  }
  // Some mutations are harmless; the run must exercise the success path too.
  EXPECT_GT(accepted, 0);
  RecordProperty("accepted", static_cast<int>(accepted));
}

}  // namespace
}  // namespace cyclerd
