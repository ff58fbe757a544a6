// Writes the small Minari dataset the CLI tests use (tests/cli/data/minari/mujoco/hopper/tiny-v0),
// in the layout of the Minari reference. Regenerate with:
//   cd /tmp && h5c++ -std=c++17 -I $REPO/tests/datasets $REPO/tests/cli/data/make_minari_fixture.cpp -o make_fixture
//     && ./make_fixture $REPO/tests/cli/data/minari      (h5c++ leaves an object file in the current folder)
// Episodes (hopper dims: obs 11, act 3): 30 steps terminated, 40 truncated, 25 terminated.
// Step t of episode e: observation[j] = e + 0.1 t + 0.01 j, action[k] = 0.1 k - 0.1, reward 1 + 0.01 t.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "hdf5_test_files.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_minari_fixture <minari root>\n";
    return 2;
  }
  const auto data = std::filesystem::path(argv[1]) / "mujoco" / "hopper" / "tiny-v0" / "data";
  std::filesystem::create_directories(data);
  grl::testing::Hdf5Writer w(data / "main_data.hdf5");
  const int steps[] = {30, 40, 25};
  const bool terminated[] = {true, false, true};
  int total = 0;
  for (int e = 0; e < 3; ++e) {
    const int T = steps[e];
    total += T;
    const std::string g = "episode_" + std::to_string(e);
    w.group(g);
    w.int_attribute(g, "id", e);
    w.int_attribute(g, "seed", 100 + e);
    w.int_attribute(g, "total_steps", T);
    std::vector<double> obs, act, rew;
    for (int t = 0; t <= T; ++t)
      for (int j = 0; j < 11; ++j) obs.push_back(e + 0.1 * t + 0.01 * j);
    for (int t = 0; t < T; ++t) {
      for (int k = 0; k < 3; ++k) act.push_back(0.1 * k - 0.1);
      rew.push_back(1 + 0.01 * t);
    }
    std::vector<int> term(T, 0), trunc(T, 0);
    (terminated[e] ? term : trunc)[T - 1] = 1;
    w.array(g + "/observations", obs, {hsize_t(T + 1), 11}, H5::PredType::IEEE_F64LE);
    w.array(g + "/actions", act, {hsize_t(T), 3}, H5::PredType::IEEE_F32LE);
    w.array(g + "/rewards", rew, {hsize_t(T)}, H5::PredType::IEEE_F64LE);
    w.bools(g + "/terminations", term);
    w.bools(g + "/truncations", trunc);
  }
  w.close();
  std::ofstream(data / "metadata.json")
      << R"({"dataset_id": "mujoco/hopper/tiny-v0", "total_episodes": 3, "total_steps": )" << total
      << R"(, "env_spec": "{\"id\": \"Hopper-v5\", \"max_episode_steps\": 1000}", "ref_min_score": -20.272305, "ref_max_score": 3234.3})"
      << "\n";
  return 0;
}
