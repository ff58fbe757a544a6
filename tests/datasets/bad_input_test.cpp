// Every kind of bad input gives a clear DatasetError naming the file and key; HDF5 prints nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "datasets/d4rl_file.h"
#include "datasets/dataset_error.h"
#include "datasets/dataset_location.h"
#include "datasets/finite_check.h"
#include "datasets/offline_dataset.h"
#include "hdf5_test_files.h"
#include "support/temp_dir.h"

namespace grl::datasets {
namespace {

using grl::testing::Hdf5Writer;
using grl::testing::ramp;

// The message of the DatasetError `action` throws; checks that nothing reached stderr (HDF5's own
// error stack printing must be off).
template <class F>
std::string error_of(F action) {
  ::testing::internal::CaptureStderr();
  std::string message;
  try {
    action();
  } catch (const DatasetError& e) {
    message = e.what();
  }
  const std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(printed, "") << "HDF5 printed to stderr";
  EXPECT_FALSE(message.empty()) << "no DatasetError thrown";
  return message;
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << "message: " << (text)

// A valid 8-row file; `change` edits the arrays before writing.
struct Arrays {
  int obs_rows = 8, obs_width = 3, act_rows = 8, reward_rows = 8;
  bool terminals = true;
  double reward_at_3 = 4;
  double observation_5_1 = 51;
};

std::filesystem::path write(const std::filesystem::path& path, const Arrays& a) {
  Hdf5Writer w(path);
  auto obs = ramp(a.obs_rows, a.obs_width);
  if (a.obs_rows > 5 && a.obs_width > 1) obs[5 * a.obs_width + 1] = a.observation_5_1;
  w.array("observations", obs, {hsize_t(a.obs_rows), hsize_t(a.obs_width)});
  w.array("actions", ramp(a.act_rows, 2), {hsize_t(a.act_rows), 2});
  std::vector<double> rewards(a.reward_rows, 1.0);
  if (a.reward_rows > 3) rewards[3] = a.reward_at_3;
  w.array("rewards", rewards, {hsize_t(a.reward_rows)});
  if (a.terminals) w.bools("terminals", std::vector<int>(a.obs_rows, 0));
  w.close();
  return path;
}

TEST(DatasetBadInput, MissingFileByIdSaysWhereItLookedAndHowToSetTheFolder) {
  grl::testing::TempDir dir;
  setenv("D4RL_DATASET_DIR", dir.path().c_str(), 1);
  const auto m = error_of([] { locate_dataset("hopper-medium-replay-v2"); });
  EXPECT_CONTAINS(m, (dir.path() / "hopper_medium_replay-v2.hdf5").string());
  EXPECT_CONTAINS(m, ".d4rl/datasets/hopper_medium_replay-v2.hdf5");
  EXPECT_CONTAINS(m, "set D4RL_DATASET_DIR");
  unsetenv("D4RL_DATASET_DIR");
  const auto direct = error_of([&] { read_d4rl_file(dir / "nothing.hdf5"); });
  EXPECT_CONTAINS(direct, (dir / "nothing.hdf5").string() + ": no such file");
  const auto neither = error_of([] { locate_dataset("hopper-medum-v2"); });
  EXPECT_CONTAINS(neither, "not a D4RL dataset id");
}

TEST(DatasetBadInput, NotHdf5) {
  grl::testing::TempDir dir;
  const auto path = dir.write("text.hdf5", "observations,actions\n1,2\n");
  const auto m = error_of([&] { read_d4rl_file(path); });
  EXPECT_CONTAINS(m, path.string() + ": not an HDF5 file");
}

TEST(DatasetBadInput, TruncatedFile) {
  grl::testing::TempDir dir;
  Arrays a;
  a.obs_rows = a.act_rows = a.reward_rows = 2000;
  const auto path = write(dir / "truncated.hdf5", a);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  const auto m = error_of([&] { read_d4rl_file(path); });
  EXPECT_CONTAINS(m, path.string());
  EXPECT_CONTAINS(m, "truncated");
}

TEST(DatasetBadInput, MissingRequiredKey) {
  grl::testing::TempDir dir;
  Arrays a;
  a.terminals = false;
  const auto path = write(dir / "no-terminals.hdf5", a);
  const auto m = error_of([&] { read_d4rl_file(path); });
  EXPECT_CONTAINS(m, path.string() + ": required key 'terminals' is missing");
  EXPECT_CONTAINS(m, "this file has actions, observations, rewards");
}

TEST(DatasetBadInput, MismatchedLengths) {
  grl::testing::TempDir dir;
  Arrays a;
  a.act_rows = 7;
  auto m = error_of([&] { read_d4rl_file(write(dir / "actions.hdf5", a)); });
  EXPECT_CONTAINS(m, "actions.hdf5: key 'actions': has 7 rows but 'observations' has 8");
  Arrays b;
  b.reward_rows = 9;
  m = error_of([&] { read_d4rl_file(write(dir / "rewards.hdf5", b)); });
  EXPECT_CONTAINS(m, "rewards.hdf5: key 'rewards': has 9 rows but 'observations' has 8");
}

TEST(DatasetBadInput, DimensionsNotMatchingTheEnv) {
  grl::testing::TempDir dir;
  // The env comes from the file name, as for D4RL's own files.
  const auto path = write(dir / "hopper_medium-v2.hdf5", Arrays{});
  DatasetConfig config;
  config.name = path.string();
  const auto m = error_of([&] { load_offline_dataset(config); });
  EXPECT_CONTAINS(m, path.string() + ": key 'observations': has 3 columns but hopper observations have 11");
  const auto file = read_d4rl_file(path);
  Arrays wide;
  wide.obs_width = 11;
  const auto actions = error_of([&] { validate_d4rl_file(read_d4rl_file(write(dir / "w.hdf5", wide)), "w.hdf5", &envs::env_spec("hopper")); });
  EXPECT_CONTAINS(actions, "w.hdf5: key 'actions': has 2 columns but hopper actions have 3");
}

TEST(DatasetBadInput, NanAndInfAreNamedWithTheirRow) {
  grl::testing::TempDir dir;
  Arrays a;
  a.reward_at_3 = std::nan("");
  auto m = error_of([&] { read_d4rl_file(write(dir / "nan.hdf5", a)); });
  EXPECT_CONTAINS(m, "nan.hdf5: key 'rewards': row 3 is NaN");
  Arrays b;
  b.observation_5_1 = -INFINITY;
  m = error_of([&] { read_d4rl_file(write(dir / "inf.hdf5", b)); });
  EXPECT_CONTAINS(m, "inf.hdf5: key 'observations': row 5, column 1 is -inf");
}

TEST(DatasetBadInput, StringsWhereNumbersBelong) {
  grl::testing::TempDir dir;
  Hdf5Writer w(dir / "strings.hdf5");
  w.scalar_string("observations", "oops");
  w.array("actions", ramp(8, 2), {8, 2});
  w.array("rewards", std::vector<double>(8, 1.0), {8});
  w.bools("terminals", std::vector<int>(8, 0));
  w.close();
  const auto m = error_of([&] { read_d4rl_file(dir / "strings.hdf5"); });
  EXPECT_CONTAINS(m, "key 'observations': holds string values, expected numbers");
}

TEST(DatasetBadInput, WrongRank) {
  grl::testing::TempDir dir;
  Hdf5Writer w(dir / "rank.hdf5");
  w.array("observations", ramp(8, 3), {8, 3});
  w.array("actions", ramp(8, 2), {8, 2});
  w.array("rewards", ramp(8, 2), {8, 2});
  w.bools("terminals", std::vector<int>(8, 0));
  w.close();
  const auto m = error_of([&] { read_d4rl_file(dir / "rank.hdf5"); });
  EXPECT_CONTAINS(m, "key 'rewards': has shape (8, 2), expected (N,) or (N, 1)");
}

}  // namespace
}  // namespace grl::datasets

namespace grl::datasets {
namespace {

TEST(FiniteCheck, FindsTheFirstBadElementAcrossBlocks) {
  auto values = torch::zeros({5000, 3}, torch::kDouble);
  EXPECT_FALSE(first_non_finite(values).has_value());
  values[4000][2] = std::nan("");
  values[4500][0] = INFINITY;
  auto bad = first_non_finite(values);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->row, 4000);
  EXPECT_EQ(bad->column, 2);
  EXPECT_TRUE(std::isnan(bad->value));
  auto floats = torch::ones({20000});
  floats[19999] = -INFINITY;
  bad = first_non_finite(floats);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->row, 19999);
  EXPECT_EQ(bad->value, -INFINITY);
  EXPECT_FALSE(first_non_finite(torch::ones({3}, torch::kLong)).has_value());
}

}  // namespace
}  // namespace grl::datasets
