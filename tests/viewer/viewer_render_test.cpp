// `grl view` end to end on a tiny GMPO checkpoint trained here: the window runs a hopper rollout for
// --frames N and exits on its own, headless --record writes the requested frames, a frame with the
// robot differs from a floor-only frame, and bad input names the file or value. The checkpoint's
// pieces (CheckpointPolicy, DatasetPlayback) are checked in-process.
//
// Rendering needs an X server: without DISPLAY the grl calls run under `xvfb-run -a`.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "envs/env.h"
#include "grl_version.h"
#include "support/temp_dir.h"
#include "viewer/checkpoint_policy.h"
#include "viewer/dataset_playback.h"
#include "viewer/frame_recorder.h"
#include "viewer/png_file.h"

namespace grl::viewer {
namespace {

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

CommandResult run_command(const std::string& command) {
  CommandResult result;
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr) result.output += buffer.data();
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// $GRL_BINARY (ctest sets it), else the build tree's grl beside tests/ (the test binary run by hand).
std::string grl_binary() {
  const char* binary = std::getenv("GRL_BINARY");
  if (binary != nullptr && *binary != '\0') return binary;
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const std::filesystem::path beside = self.parent_path().parent_path() / "grl";
  return std::filesystem::exists(beside) ? beside.string() : "";
}

// The grl call, under xvfb-run when there is no display to render to.
std::string with_display(const std::string& command) {
  const char* display = std::getenv("DISPLAY");
  if (display != nullptr && *display != '\0') return command;
  return "xvfb-run -a -s '-screen 0 1280x1024x24' " + command;
}

// Made once per build tree and reused by every test process (gtest_discover_tests runs each test
// alone): hopper random-policy data and a GMPO checkpoint trained a few steps on it.
struct TinyRun {
  std::filesystem::path dataset;
  std::filesystem::path checkpoint;
};

const TinyRun& tiny_run() {
  static const TinyRun run = [] {
    const char* base = std::getenv("GRL_TEST_TMPDIR");
    const std::filesystem::path root =
        std::filesystem::path(base ? base : std::filesystem::temp_directory_path().string()) / "viewer-tiny-run";
    TinyRun r{root / "hopper-random.hdf5", root / "runs/tiny/checkpoints/latest.pt"};
    if (std::filesystem::exists(r.checkpoint)) return r;
    // Built beside the final folder, then renamed, so a test running in parallel never sees half of it.
    const std::filesystem::path building = root.string() + ".building-" + std::to_string(::getpid());
    std::filesystem::remove_all(building);
    std::filesystem::create_directories(building);
    const std::string grl = grl_binary();
    const CommandResult collected = run_command(grl + " collect --env hopper --policy random --episodes 20 --seed 1 --out " +
                                                (building / "hopper-random.hdf5").string());
    EXPECT_EQ(collected.status, 0) << collected.output;
    const std::string preset = std::string(GRL_SOURCE_DIR) + "/presets/gmpo/cpu-icfm.yaml";
    const CommandResult trained = run_command(
        grl + " train --algo gmpo --preset " + preset + " --dataset " + (building / "hopper-random.hdf5").string() +
        " --seed 2 --name tiny --runs-dir " + (building / "runs").string() +
        " gmpo.critic.steps=4 gmpo.policy.steps=4 gmpo.critic.batch_size=32 gmpo.policy.batch_size=32"
        " gmpo.policy.model.network.name=mlp gmpo.policy.model.network.hidden=[32,32] gmpo.policy.model.grid_points=5"
        " evaluation.episodes=1 evaluation.max_episode_steps=5 trainer.log_every=2 trainer.checkpoint_every=4");
    EXPECT_EQ(trained.status, 0) << trained.output;
    std::error_code ec;
    std::filesystem::rename(building, root, ec);  // fails when another process finished first: use theirs
    if (ec) std::filesystem::remove_all(building, ec);
    // The checkpoint's stored dataset path pointed into the building folder; the tests pass --dataset.
    return r;
  }();
  return run;
}

struct PixelStats {
  double mean = 0;
  double variance = 0;
};

PixelStats stats(const RgbImage& image) {
  PixelStats s;
  for (const std::uint8_t p : image.pixels) s.mean += p;
  s.mean /= static_cast<double>(image.pixels.size());
  for (const std::uint8_t p : image.pixels) s.variance += (p - s.mean) * (p - s.mean);
  s.variance /= static_cast<double>(image.pixels.size());
  return s;
}

// Mean absolute difference per channel value, and the fraction of pixels that differ by more than 30.
std::pair<double, double> difference(const RgbImage& a, const RgbImage& b) {
  double sum = 0;
  std::size_t changed = 0;
  for (std::size_t i = 0; i + 2 < a.pixels.size(); i += 3) {
    int d = 0;
    for (int c = 0; c < 3; ++c) d += std::abs(int(a.pixels[i + c]) - int(b.pixels[i + c]));
    sum += d;
    if (d > 30) ++changed;
  }
  return {sum / static_cast<double>(a.pixels.size()), static_cast<double>(changed) / (a.pixels.size() / 3.0)};
}

class ViewerRender : public ::testing::Test {
 protected:
  void SetUp() override {
    if (grl_binary().empty()) GTEST_SKIP() << "no grl binary: GRL_BINARY is not set and <build>/grl does not exist";
    const char* display = std::getenv("DISPLAY");
    if ((display == nullptr || *display == '\0') && find_on_path("xvfb-run").empty()) {
      GTEST_SKIP() << "no DISPLAY and no xvfb-run (bash scripts/install-deps.sh installs xvfb)";
    }
    ASSERT_TRUE(std::filesystem::exists(tiny_run().checkpoint)) << "the tiny GMPO run failed";
  }
  std::string view_command(const std::string& arguments) const {
    return with_display(grl_binary() + " view --checkpoint " + tiny_run().checkpoint.string() + " --dataset " +
                        tiny_run().dataset.string() + " " + arguments);
  }
};

TEST_F(ViewerRender, WindowRendersFramesOfAGenerativeRolloutAndExitsOnItsOwn) {
  grl::testing::TempDir dir;
  const CommandResult r =
      run_command(view_command("--frames 40 --width 800 --height 600 --samples 32 --screenshot " + (dir / "window.png").string()));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("frames 40 in "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("frames/s"), std::string::npos) << r.output;
  // The policy acted (on the worker thread) and the distribution panel was sampled.
  EXPECT_EQ(r.output.find("policy calls 0"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("distributions sampled 0"), std::string::npos) << r.output;
  const RgbImage shot = read_png(dir / "window.png");
  EXPECT_EQ(shot.width, 800);
  EXPECT_EQ(shot.height, 600);
  EXPECT_GT(stats(shot).variance, 100.0);
}

TEST_F(ViewerRender, HeadlessRecordingWritesTheRequestedFramesAndTheRobotIsVisible) {
  grl::testing::TempDir dir;
  const CommandResult robot =
      run_command(view_command("--record " + (dir / "robot").string() + " --episodes 1 --frames 6 --width 320 --height 240"));
  ASSERT_EQ(robot.status, 0) << robot.output;
  EXPECT_NE(robot.output.find("rendered 6 frames of 320 x 240"), std::string::npos) << robot.output;
  const CommandResult floor = run_command(
      view_command("--record " + (dir / "floor").string() + " --episodes 1 --frames 1 --width 320 --height 240 --no-robot"));
  ASSERT_EQ(floor.status, 0) << floor.output;
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(std::filesystem::exists(frame_path(dir / "robot", i))) << i;
  EXPECT_FALSE(std::filesystem::exists(frame_path(dir / "robot", 6)));

  const RgbImage with_robot = read_png(frame_path(dir / "robot", 0));
  const RgbImage floor_only = read_png(frame_path(dir / "floor", 0));
  ASSERT_EQ(with_robot.width, 320);
  ASSERT_EQ(with_robot.height, 240);
  ASSERT_EQ(floor_only.pixels.size(), with_robot.pixels.size());
  EXPECT_GT(stats(with_robot).variance, 100.0);  // not a blank image
  EXPECT_GT(stats(floor_only).variance, 100.0);  // the floor and sky are drawn too
  const auto [mean_difference, changed] = difference(with_robot, floor_only);
  // The same seed and camera: only the robot (and its shadow) differs. The hopper covers a few
  // percent of a 320 x 240 side view at 3.5 m.
  EXPECT_GT(changed, 0.01) << "mean difference " << mean_difference;
  EXPECT_LT(changed, 0.5) << "mean difference " << mean_difference;
}

TEST_F(ViewerRender, RecordsADatasetEpisodeThroughSetState) {
  grl::testing::TempDir dir;
  const CommandResult r = run_command(
      view_command("--record " + (dir / "replay").string() + " --episode 2 --episodes 1 --width 160 --height 120"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("episode 0 (dataset episode 2): return"), std::string::npos) << r.output;
  const DatasetPlayback playback(tiny_run().dataset.string(), envs::env_spec("hopper"));
  const int frames = static_cast<int>(playback.episode(2).length);  // first row + one frame per step but the last
  EXPECT_TRUE(std::filesystem::exists(frame_path(dir / "replay", frames - 1)));
  EXPECT_FALSE(std::filesystem::exists(frame_path(dir / "replay", frames)));
}

TEST_F(ViewerRender, BadInputNamesTheFileOrValue) {
  grl::testing::TempDir dir;
  const std::string grl = grl_binary();
  const CommandResult missing = run_command(grl + " view --checkpoint " + (dir / "nope.pt").string() + " --record " +
                                            (dir / "f").string());
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.output.find("nope.pt"), std::string::npos) << missing.output;

  const CommandResult mismatch = run_command(grl + " view --checkpoint " + tiny_run().checkpoint.string() +
                                             " --env walker2d --record " + (dir / "f").string());
  EXPECT_NE(mismatch.status, 0);
  EXPECT_NE(mismatch.output.find("was trained on hopper, but --env is walker2d"), std::string::npos) << mismatch.output;

  const CommandResult bad_target = run_command(grl + " view --checkpoint " + tiny_run().checkpoint.string() +
                                               " --record " + (dir / "out.avi").string());
  EXPECT_NE(bad_target.status, 0);
  EXPECT_NE(bad_target.output.find("out.avi: expected a folder (frames/) or a .mp4 file"), std::string::npos)
      << bad_target.output;

  const CommandResult bad_episode = run_command(view_command("--record " + (dir / "f").string() + " --episode 100000"));
  EXPECT_NE(bad_episode.status, 0);
  EXPECT_NE(bad_episode.output.find("not 100000"), std::string::npos) << bad_episode.output;
}

TEST_F(ViewerRender, CheckpointPolicySamplesAndChangesSolver) {
  CheckpointPolicy policy(tiny_run().checkpoint.string());
  const PolicyInfo& info = policy.info();
  EXPECT_EQ(info.algorithm, "gmpo");
  EXPECT_EQ(info.env_id, "hopper");
  EXPECT_TRUE(info.generative);
  EXPECT_FALSE(info.has_behaviour);
  EXPECT_EQ(info.steps, 4);  // grid_points 5
  auto env = envs::make_env("hopper");
  const std::vector<double> obs = env->reset(3);
  const std::vector<float> action = policy.act(obs);
  ASSERT_EQ(action.size(), 3u);
  const std::vector<float> samples = policy.sample(obs, 16, false);
  ASSERT_EQ(samples.size(), 48u);
  double spread = 0;
  for (std::size_t i = 3; i < samples.size(); ++i) spread += std::abs(samples[i] - samples[i % 3]);
  EXPECT_GT(spread, 0.0) << "16 samples of a generative policy are not all equal";
  for (const float a : samples) EXPECT_LE(std::abs(a), 1.0f);

  policy.set_sampler("heun", 2);
  EXPECT_EQ(policy.info().solver, "heun");
  EXPECT_EQ(policy.info().steps, 2);
  EXPECT_EQ(policy.act(obs).size(), 3u);
  // DPM-Solver needs a diffusion path; this one is a flow (icfm): the old settings stay.
  EXPECT_THROW(policy.set_sampler("dpm_solver", 3), std::invalid_argument);
  EXPECT_THROW(policy.set_sampler("nonsense", 3), std::invalid_argument);
  EXPECT_EQ(policy.info().solver, "heun");
  EXPECT_THROW(policy.sample(obs, 4, /*behaviour=*/true), std::invalid_argument);
}

TEST_F(ViewerRender, DatasetPlaybackRestoresRecordedStatesAndFindsNearestActions) {
  const DatasetPlayback playback(tiny_run().dataset.string(), envs::env_spec("hopper"));
  ASSERT_EQ(playback.episode_count(), 20);
  auto env = envs::make_env("hopper");
  const DatasetEpisode& e = playback.episode(1);
  for (std::int64_t row = e.begin; row < e.begin + e.length; ++row) {
    playback.apply_state(*env, row);
    const std::vector<double> observed = env->observe();
    const std::vector<double> recorded = playback.observation(row);
    for (std::size_t j = 0; j < observed.size(); ++j) ASSERT_NEAR(observed[j], recorded[j], 1e-5) << row << " " << j;
  }
  const std::int64_t row = e.begin + 1;
  const std::vector<float> nearest = playback.nearest_actions(playback.observation(row), 5);
  ASSERT_EQ(nearest.size(), 15u);
  const std::vector<double> own = playback.action(row);
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(nearest[j], own[j], 1e-6);  // its own row is nearest
  EXPECT_THROW(playback.episode(20), std::out_of_range);
}

}  // namespace
}  // namespace grl::viewer
