// Transitions checked row by row against d4rl.qlearning_dataset, computed by hand.
#include <gtest/gtest.h>

#include "datasets/d4rl_transitions.h"
#include "datasets/dataset_error.h"
#include "hdf5_test_files.h"
#include "support/temp_dir.h"

namespace grl::datasets {
namespace {

using grl::testing::Hdf5Writer;
using grl::testing::ramp;

// observations[i] = (10 i, 10 i + 1), actions[i] = (10 i + 0.5), rewards[i] = i + 1, stored
// next_observations[i] = (1000 + 10 i, 1001 + 10 i) so that their use is visible.
std::filesystem::path write_file(const std::filesystem::path& path, int rows, const std::vector<int>& terminals,
                                 const std::vector<int>& timeouts, H5::PredType float_type, bool reward_column) {
  Hdf5Writer w(path);
  w.array("observations", ramp(rows, 2), {hsize_t(rows), 2}, float_type);
  w.array("next_observations", ramp(rows, 2, 1000), {hsize_t(rows), 2}, float_type);
  w.array("actions", ramp(rows, 1, 0.5), {hsize_t(rows), 1}, float_type);
  std::vector<double> rewards;
  for (int i = 0; i < rows; ++i) rewards.push_back(i + 1);
  if (reward_column) w.array("rewards", rewards, {hsize_t(rows), 1}, float_type);
  else w.array("rewards", rewards, {hsize_t(rows)}, float_type);
  w.bools("terminals", terminals);
  if (!timeouts.empty()) w.bools("timeouts", timeouts);
  w.close();
  return path;
}

void expect_rows(const TransitionSet& t, const std::vector<int64_t>& rows, const std::vector<int>& dones, bool stored_next) {
  ASSERT_EQ(t.size(), static_cast<int64_t>(rows.size()));
  for (size_t k = 0; k < rows.size(); ++k) {
    const auto i = static_cast<float>(rows[k]);
    SCOPED_TRACE("transition " + std::to_string(k) + " (file row " + std::to_string(rows[k]) + ")");
    EXPECT_EQ(t.observations[k][0].item<float>(), 10 * i);
    EXPECT_EQ(t.observations[k][1].item<float>(), 10 * i + 1);
    EXPECT_EQ(t.actions[k][0].item<float>(), 10 * i + 0.5f);
    EXPECT_EQ(t.rewards[k][0].item<float>(), i + 1);
    const float next0 = stored_next ? 1000 + 10 * i : 10 * (i + 1);
    EXPECT_EQ(t.next_observations[k][0].item<float>(), next0);
    EXPECT_EQ(t.next_observations[k][1].item<float>(), next0 + 1);
    EXPECT_EQ(t.dones[k][0].item<float>(), static_cast<float>(dones[k]));
  }
}

TEST(D4rlTransitions, TimeoutRowsAndLastRowDroppedNextStateFromNextRow) {
  grl::testing::TempDir dir;
  // rows: 0 1 2(terminal) | 3 4 5(timeout) | 6 7   -> keep 0 1 2 3 4 6 (5 is a timeout, 7 is last)
  for (auto type : {H5::PredType::IEEE_F32LE, H5::PredType::IEEE_F64LE}) {
    for (bool column : {false, true}) {
      const auto path = write_file(dir / "t.hdf5", 8, {0, 0, 1, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 1, 0, 0}, type, column);
      const auto file = read_d4rl_file(path);
      const auto t = d4rl_transitions(file);
      EXPECT_EQ(t.observations.scalar_type(), torch::kFloat);
      EXPECT_EQ(t.rewards.sizes(), (std::vector<int64_t>{6, 1}));
      expect_rows(t, {0, 1, 2, 3, 4, 6}, {0, 0, 1, 0, 0, 0}, false);
      t.check();
    }
  }
}

TEST(D4rlTransitions, StoredNextObservationsOption) {
  grl::testing::TempDir dir;
  const auto path = write_file(dir / "t.hdf5", 8, {0, 0, 1, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 1, 0, 0}, H5::PredType::IEEE_F32LE, false);
  TransitionOptions options;
  options.use_stored_next_observations = true;
  expect_rows(d4rl_transitions(read_d4rl_file(path), options), {0, 1, 2, 3, 4, 6}, {0, 0, 1, 0, 0, 0}, true);
}

TEST(D4rlTransitions, TerminateOnEndKeepsTimeoutRows) {
  grl::testing::TempDir dir;
  const auto path = write_file(dir / "t.hdf5", 8, {0, 0, 1, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 1, 0, 0}, H5::PredType::IEEE_F32LE, false);
  TransitionOptions options;
  options.terminate_on_end = true;
  expect_rows(d4rl_transitions(read_d4rl_file(path), options), {0, 1, 2, 3, 4, 5, 6}, {0, 0, 1, 0, 0, 0, 0}, false);
}

TEST(D4rlTransitions, WithoutTimeoutsEpisodesEndAfterMaxStepsWithD4rlCounterQuirk) {
  grl::testing::TempDir dir;
  // max_episode_steps 3, terminal at row 1. d4rl's counter: row0 step0 keep -> 1; row1 terminal:
  // reset to 0, keep, -> 1 (not 0); row2 step1 keep -> 2; row3 step2 == max-1: dropped -> 0;
  // row4 keep -> 1; row5 keep -> 2; row6 dropped; row7 last row.
  const auto path = write_file(dir / "t.hdf5", 8, {0, 1, 0, 0, 0, 0, 0, 0}, {}, H5::PredType::IEEE_F32LE, false);
  TransitionOptions options;
  options.max_episode_steps = 3;
  const auto file = read_d4rl_file(path);
  EXPECT_EQ(d4rl_transition_rows(file, options), (std::vector<int64_t>{0, 1, 2, 4, 5}));
  expect_rows(d4rl_transitions(file, options), {0, 1, 2, 4, 5}, {0, 1, 0, 0, 0}, false);
}

TEST(D4rlTransitions, TerminalAtTimeLimitWithoutTimeoutsIsDropped) {
  grl::testing::TempDir dir;
  // max 3, terminal at row 2 where the counter also reaches 2: the time limit wins, as in d4rl.
  const auto path = write_file(dir / "t.hdf5", 8, {0, 0, 1, 0, 0, 0, 0, 0}, {}, H5::PredType::IEEE_F32LE, false);
  TransitionOptions options;
  options.max_episode_steps = 3;
  EXPECT_EQ(d4rl_transition_rows(read_d4rl_file(path), options), (std::vector<int64_t>{0, 1, 3, 4, 6}));
}

TEST(D4rlTransitions, EpisodeSummaryUsesTrueBoundaries) {
  grl::testing::TempDir dir;
  const auto path = write_file(dir / "t.hdf5", 8, {0, 0, 1, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 1, 0, 0}, H5::PredType::IEEE_F32LE, false);
  const auto summary = summarize_episodes(read_d4rl_file(path));
  // episodes rows 0-2 (return 1+2+3) and 3-5 (4+5+6); rows 6, 7 unfinished.
  EXPECT_EQ(summary.returns, (std::vector<double>{6, 15}));
  EXPECT_EQ(summary.lengths, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(summary.unfinished_rows, 2);
  EXPECT_EQ(summary.terminal_count, 1);
  EXPECT_EQ(summary.timeout_count, 1);
}

TEST(D4rlTransitions, StoredNextObservationsMissingIsAnError) {
  grl::testing::TempDir dir;
  Hdf5Writer w(dir / "t.hdf5");
  w.array("observations", ramp(4, 2), {4, 2});
  w.array("actions", ramp(4, 1), {4, 1});
  w.array("rewards", {1, 2, 3, 4}, {4});
  w.bools("terminals", {0, 0, 0, 0});
  w.close();
  TransitionOptions options;
  options.use_stored_next_observations = true;
  try {
    d4rl_transitions(read_d4rl_file(dir / "t.hdf5"), options, "t.hdf5");
    FAIL() << "expected an error";
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("'next_observations' is missing"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace grl::datasets
