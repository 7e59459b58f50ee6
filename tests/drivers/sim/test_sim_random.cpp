// The simulator's generator: its text form carries the whole state, and what it cannot read reseeds it.
#include <gtest/gtest.h>

#include <set>

#include "drivers/sim/model/cell_model.hpp"
#include "drivers/sim/model/random.hpp"
#include "core/error.hpp"

namespace cyclerd::sim {
namespace {

TEST(SimRandom, TextRestoresTheExactStateAndTheSequenceContinues) {
  Random a(42);
  for (int i = 0; i < 1000; ++i) a();
  Random b(7);
  ASSERT_TRUE(b.restore(a.text()));
  EXPECT_EQ(b.text(), a.text());
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(a(), b()) << i;
}

TEST(SimRandom, SeedsGiveDifferentStreamsAndZeroIsAValidSeed) {
  Random zero(0), one(1);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto z = zero(), o = one();
    EXPECT_NE(z, o);
    seen.insert(z);
  }
  EXPECT_EQ(seen.size(), 1000u);  // no short cycle from an all-zero state
}

TEST(SimRandom, UnreadableTextReseedsDeterministicallyAndSaysSo) {
  // What std::mt19937_64 wrote (decimal words), a truncated state, an all-zero state and garbage.
  for (const std::string text : {"5489 1 2 3 4 5 6 7 312", "1a 2b 3c", "0 0 0 0", "x y z w", "1 2 3 4 5", ""}) {
    Random a(1), b(2);
    EXPECT_FALSE(a.restore(text)) << text;
    EXPECT_FALSE(b.restore(text)) << text;
    EXPECT_EQ(a.text(), b.text()) << text;  // the same text gives the same stream
    EXPECT_TRUE(Random(3).restore(a.text())) << text;
  }
}

TEST(SimRandom, ASnapshotOfTheFormerGeneratorStillResumes) {
  CellModel cell(load_preset("zns"), 1e-3, 1);
  for (int k = 0; k < 50; ++k) cell.advance(1);
  auto snap = cell.snapshot();
  EXPECT_LT(snap.dump().size(), 2500u);
  snap["version"] = 1;
  snap["rng"] = "13 17 19 23 29 31";  // the stream form of std::mt19937_64 (shortened)
  CellModel resumed(load_preset("zns"), 1e-3, 9);
  resumed.restore(snap);
  EXPECT_EQ(resumed.snapshot()["time_s"], snap["time_s"]);
  EXPECT_EQ(resumed.snapshot()["bulk_soc"], snap["bulk_soc"]);
  // The current version must carry a readable generator state.
  snap["version"] = 2;
  EXPECT_THROW(resumed.restore(snap), Error);
}

}  // namespace
}  // namespace cyclerd::sim
