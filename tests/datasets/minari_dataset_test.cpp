// A Minari dataset written with the HDF5 API: read, transitions, conversion to the D4RL layout.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "datasets/d4rl_transitions.h"
#include "datasets/dataset_error.h"
#include "datasets/dataset_location.h"
#include "datasets/minari_dataset.h"
#include "hdf5_test_files.h"
#include "support/temp_dir.h"

namespace grl::datasets {
namespace {

using grl::testing::Hdf5Writer;
using grl::testing::ramp;

struct EpisodeSpec {
  int steps;
  bool terminated;
  bool truncated;
};

// Episode e, step t: observation (100 e + 10 t, 100 e + 10 t + 1), action 100 e + t, reward e + t / 10.
std::filesystem::path write_minari(const std::filesystem::path& root, const std::string& id,
                                   const std::vector<EpisodeSpec>& episodes, int total_steps_in_metadata = -1,
                                   bool short_observations = false) {
  const auto data = root / id / "data";
  std::filesystem::create_directories(data);
  Hdf5Writer w(data / "main_data.hdf5");
  int total = 0;
  for (size_t e = 0; e < episodes.size(); ++e) {
    const int T = episodes[e].steps;
    total += T;
    const std::string g = "episode_" + std::to_string(e);
    w.group(g);
    w.int_attribute(g, "id", static_cast<int64_t>(e));
    w.int_attribute(g, "seed", 40 + static_cast<int64_t>(e));
    w.int_attribute(g, "total_steps", T);
    const int obs_rows = short_observations ? T : T + 1;
    w.array(g + "/observations", ramp(obs_rows, 2, 100.0 * e), {hsize_t(obs_rows), 2}, H5::PredType::IEEE_F64LE);
    std::vector<double> actions, rewards;
    std::vector<int> terminations(T, 0), truncations(T, 0);
    for (int t = 0; t < T; ++t) {
      actions.push_back(100.0 * e + t);
      rewards.push_back(e + t / 10.0);
    }
    terminations[T - 1] = episodes[e].terminated;
    truncations[T - 1] = episodes[e].truncated;
    w.array(g + "/actions", actions, {hsize_t(T), 1}, H5::PredType::IEEE_F32LE);
    w.array(g + "/rewards", rewards, {hsize_t(T)}, H5::PredType::IEEE_F64LE);
    w.bools(g + "/terminations", terminations);
    w.bools(g + "/truncations", truncations);
    w.group(g + "/infos");
    w.array(g + "/infos/qpos", ramp(T + 1, 3, 0.5), {hsize_t(T + 1), 3}, H5::PredType::IEEE_F64LE);
  }
  w.close();
  std::ofstream(data / "metadata.json")
      << R"({"dataset_id": ")" << id << R"(", "total_episodes": )" << episodes.size() << R"(, "total_steps": )"
      << (total_steps_in_metadata >= 0 ? total_steps_in_metadata : total)
      << R"(, "env_spec": "{\"id\": \"Hopper-v5\", \"max_episode_steps\": 1000}", "ref_min_score": -20.27, "ref_max_score": 3234.3})";
  return data / "main_data.hdf5";
}

const std::vector<EpisodeSpec> kEpisodes = {{3, true, false}, {2, false, true}, {4, false, true}};

TEST(MinariDataset, ReadsEpisodesAndMetadata) {
  grl::testing::TempDir dir;
  const auto file = write_minari(dir.path(), "mujoco/hopper/medium-v0", kEpisodes);
  const auto dataset = read_minari_dataset(file);
  ASSERT_EQ(dataset.episodes.size(), 3u);
  EXPECT_EQ(dataset.total_steps(), 9);
  EXPECT_EQ(dataset.dataset_id, "mujoco/hopper/medium-v0");
  EXPECT_EQ(dataset.env_id, "Hopper-v5");
  EXPECT_DOUBLE_EQ(*dataset.ref_max_score, 3234.3);
  EXPECT_EQ(*dataset.episodes[1].seed, 41);
  EXPECT_EQ(dataset.episodes[2].observations.sizes(), (std::vector<int64_t>{5, 2}));
  EXPECT_EQ(dataset.episodes[2].observations.scalar_type(), torch::kDouble);
  EXPECT_TRUE(dataset.episodes[0].terminations[2].item<bool>());
  EXPECT_TRUE(dataset.episodes[1].truncations[1].item<bool>());
}

TEST(MinariDataset, TransitionsNeverCrossEpisodes) {
  grl::testing::TempDir dir;
  const auto t = minari_transitions(read_minari_dataset(write_minari(dir.path(), "mujoco/hopper/medium-v0", kEpisodes)));
  ASSERT_EQ(t.size(), 9);
  int k = 0;
  for (int e = 0; e < 3; ++e) {
    for (int s = 0; s < kEpisodes[e].steps; ++s, ++k) {
      SCOPED_TRACE("episode " + std::to_string(e) + " step " + std::to_string(s));
      EXPECT_EQ(t.observations[k][0].item<float>(), 100.0f * e + 10 * s);
      EXPECT_EQ(t.next_observations[k][0].item<float>(), 100.0f * e + 10 * (s + 1));
      EXPECT_EQ(t.actions[k][0].item<float>(), 100.0f * e + s);
      EXPECT_EQ(t.rewards[k][0].item<float>(), static_cast<float>(e + s / 10.0));
      const bool last = s == kEpisodes[e].steps - 1;
      EXPECT_EQ(t.dones[k][0].item<float>(), last && kEpisodes[e].terminated ? 1.0f : 0.0f);
    }
  }
}

TEST(MinariDataset, ConvertsToD4rlLayoutAndRoundTrips) {
  grl::testing::TempDir dir;
  const auto minari = read_minari_dataset(write_minari(dir.path(), "mujoco/hopper/medium-v0", kEpisodes));
  const D4rlFile converted = minari_to_d4rl(minari);
  EXPECT_EQ(converted.rows(), 9);
  EXPECT_EQ(converted.observations.scalar_type(), torch::kDouble);  // stored types are kept
  EXPECT_TRUE(torch::equal(per_row_flags(converted.terminals), torch::tensor({0, 0, 1, 0, 0, 0, 0, 0, 0}).ne(0)));
  EXPECT_TRUE(torch::equal(per_row_flags(*converted.timeouts), torch::tensor({0, 0, 0, 0, 1, 0, 0, 0, 1}).ne(0)));
  EXPECT_EQ(converted.infos.at("qpos").size(0), 9);
  EXPECT_EQ(std::get<std::string>(converted.metadata.at("minari_dataset_id")), "mujoco/hopper/medium-v0");

  write_d4rl_file(dir / "converted.hdf5", converted);
  const auto back = read_d4rl_file(dir / "converted.hdf5");
  EXPECT_TRUE(torch::equal(back.observations, converted.observations));
  EXPECT_TRUE(torch::equal(*back.next_observations, *converted.next_observations));
  EXPECT_TRUE(torch::equal(back.actions, converted.actions));
  EXPECT_TRUE(torch::equal(back.rewards, converted.rewards));
  EXPECT_TRUE(torch::equal(back.terminals, converted.terminals));
  EXPECT_TRUE(torch::equal(*back.timeouts, *converted.timeouts));
  EXPECT_EQ(std::get<std::string>(back.metadata.at("minari_metadata_json")), minari.metadata_json);

  // Read as D4RL with the stored next states and timeout rows kept, the transitions are Minari's
  // except the file's last row, which d4rl never uses.
  TransitionOptions options;
  options.use_stored_next_observations = true;
  options.terminate_on_end = true;
  const auto from_d4rl = d4rl_transitions(back, options);
  const auto from_minari = minari_transitions(minari);
  ASSERT_EQ(from_d4rl.size(), from_minari.size() - 1);
  EXPECT_TRUE(torch::equal(from_d4rl.observations, from_minari.observations.narrow(0, 0, 8)));
  EXPECT_TRUE(torch::equal(from_d4rl.next_observations, from_minari.next_observations.narrow(0, 0, 8)));
  EXPECT_TRUE(torch::equal(from_d4rl.rewards, from_minari.rewards.narrow(0, 0, 8)));
  EXPECT_TRUE(torch::equal(from_d4rl.dones, from_minari.dones.narrow(0, 0, 8)));
  // With d4rl's default processing the truncated last steps (rows 4 and 8) are dropped.
  EXPECT_EQ(d4rl_transition_rows(back), (std::vector<int64_t>{0, 1, 2, 3, 5, 6, 7}));
}

TEST(MinariDataset, LocatedByIdUnderMinariDatasetsPath) {
  grl::testing::TempDir dir;
  write_minari(dir.path(), "mujoco/hopper/medium-v0", kEpisodes);
  setenv("MINARI_DATASETS_PATH", dir.path().c_str(), 1);
  const auto location = locate_dataset("mujoco/hopper/medium-v0");
  EXPECT_EQ(location.format, DatasetFormat::minari);
  EXPECT_EQ(location.file, dir.path() / "mujoco/hopper/medium-v0/data/main_data.hdf5");
  ASSERT_TRUE(location.env.has_value());
  EXPECT_EQ(location.env->id, "hopper");
  // The dataset folder and the file itself work too.
  EXPECT_EQ(locate_dataset((dir.path() / "mujoco/hopper/medium-v0").string()).format, DatasetFormat::minari);
  EXPECT_EQ(locate_dataset(location.file.string()).format, DatasetFormat::minari);
  try {
    locate_dataset("mujoco/walker2d/expert-v0");
    FAIL();
  } catch (const DatasetError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find((dir.path() / "mujoco/walker2d/expert-v0/data/main_data.hdf5").string()), std::string::npos) << m;
    EXPECT_NE(m.find("MINARI_DATASETS_PATH"), std::string::npos) << m;
  }
  unsetenv("MINARI_DATASETS_PATH");
}

TEST(MinariDataset, BadEpisodesAreNamed) {
  grl::testing::TempDir dir;
  try {
    read_minari_dataset(write_minari(dir.path(), "a/b/short-v0", kEpisodes, -1, /*short_observations=*/true));
    FAIL();
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("key 'episode_0/observations': has 3 rows, expected 4"), std::string::npos) << e.what();
  }
  try {
    read_minari_dataset(write_minari(dir.path(), "a/b/count-v0", kEpisodes, 10));
    FAIL();
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("'total_steps' says 10 but the episodes"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace grl::datasets
